/* escape.h — writing attacker-controlled text into every output format we produce.
 *
 * Everything in a honeypot log (commands, passwords, client versions, URLs, even session ids) is
 * chosen by the attacker. Whatever prints it must neutralise it for the sink: a terminal must
 * never receive an escape sequence, a JSON consumer must always get valid UTF-8 JSON, a
 * spreadsheet must never evaluate a formula, a browser must never see markup. Each sink has
 * one escaper here, used by the CLI and by every exporter, so the rules live in one place.
 *
 * Each escaper exists in two forms:
 *   ap_escape_X(FILE *f, ap_str s)                  writes to a stream; AP_ERR_IO on write error;
 *   ap_escape_X_buf(char *dst, size_t cap, ap_str s) writes into a buffer snprintf-style: returns
 *       the full escaped length (excluding the NUL); when that is >= cap the output is cut at the
 *       last whole escape that fits (never inside an escape or a UTF-8 sequence) and is still
 *       NUL-terminated (when cap > 0).
 *
 * Input is any bytes (NUL included: the length is s.n). An absent string (s.p == NULL) is JSON
 * `null`, an empty CSV cell, and nothing for the terminal and HTML.
 *
 * Rules per sink:
 *  - JSON: a complete string literal with quotes. '"' and '\\' escaped; controls U+0000-001F,
 *    U+007F and C1 U+0080-009F as \u00XX (\b \f \n \r \t for the usual ones); U+2028/U+2029
 *    as \u2028/\u2029 (safe to embed in JavaScript) and bidi controls (listed under terminal)
 *    as \uXXXX, so JSON printed on a terminal cannot reorder text either; every byte that is
 *    not part of valid UTF-8 (overlong, surrogate, > U+10FFFF, truncated) as \ufffd. Other
 *    UTF-8 is kept.
 *  - terminal: printable ASCII kept as is (backslashes too); \t \n \r as "\t" "\n" "\r"; other
 *    C0 controls, ESC and DEL as \xNN; invalid UTF-8 bytes as \xNN; C1 controls, bidirectional
 *    overrides/isolates/marks (U+061C, U+200E-200F, U+202A-202E, U+2066-2069) and
 *    U+2028/U+2029 as \uXXXX. Nothing reaching the terminal can move the cursor, change colours
 *    or reorder the displayed text. Backslashes are deliberately not doubled: attackers type
 *    `echo -en '\x7f\x45...'` droppers all the time and analysts read and copy them; the price
 *    is that a typed "\x1b" looks like an escaped ESC. Terminal text is for reading; the JSON
 *    form is the exact, unambiguous one.
 *  - CSV (RFC 4180): the cell is quoted (inner quotes doubled) when it holds , ; " tab CR LF or
 *    starts or ends with a space; a cell whose first character is = + - @ tab or CR (or the
 *    full-width ＝ ＋ － ＠) gets a leading single quote so a spreadsheet shows it as text;
 *    invalid UTF-8, C0 controls other than tab/CR/LF, DEL and C1 controls become U+FFFD.
 *  - HTML (element content and quoted attribute values): & < > " ' as entities; C0 controls
 *    other than tab and LF, and DEL, as their visible Control Pictures (U+2400 block, e.g. ␛);
 *    invalid UTF-8, C1 controls, bidi controls and U+2028/U+2029 as U+FFFD.
 */
#ifndef AP_UTIL_ESCAPE_H
#define AP_UTIL_ESCAPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "actorprint.h"
#include "util/str.h"

ap_status ap_escape_json(FILE *f, ap_str s);
size_t ap_escape_json_buf(char *dst, size_t cap, ap_str s);

ap_status ap_escape_term(FILE *f, ap_str s);
size_t ap_escape_term_buf(char *dst, size_t cap, ap_str s);

ap_status ap_escape_csv(FILE *f, ap_str s);
size_t ap_escape_csv_buf(char *dst, size_t cap, ap_str s);

ap_status ap_escape_html(FILE *f, ap_str s);
size_t ap_escape_html_buf(char *dst, size_t cap, ap_str s);

/* Length of the valid UTF-8 sequence at p[0..n) (1-4) with its code point in *cp, or 0 when
 * the byte at p does not start a valid, shortest-form sequence of a scalar value. n > 0. */
size_t ap_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp);

#endif
