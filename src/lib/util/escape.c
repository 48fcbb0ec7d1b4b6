/* escape.c — the escapers of escape.h. Each sink's rules are written once against a small
 * output abstraction (a stream or a bounded buffer), so the stream and buffer forms cannot
 * disagree. Input is walked one UTF-8 sequence (or one invalid byte) at a time. */
#include "util/escape.h"

#include <string.h>

/* ---- output: a stream, or a buffer that keeps whole pieces only ---- */

typedef struct escape_out {
    FILE *f;       /* stream sink when non-NULL */
    char *buf;     /* buffer sink otherwise */
    size_t cap;
    size_t len;    /* bytes the full output takes */
    size_t kept;   /* bytes actually in buf */
    int full;      /* a piece did not fit: keep nothing more */
    int failed;    /* stream write error */
} escape_out;

static void out_put(escape_out *o, const char *p, size_t n)
{
    if (o->f) {
        if (!o->failed && n && fwrite(p, 1, n, o->f) != n)
            o->failed = 1;
        o->len += n;
        return;
    }
    o->len += n;
    if (o->full)
        return;
    if (o->cap == 0 || o->kept + n > o->cap - 1) { /* room for the NUL */
        o->full = 1;
        return;
    }
    memcpy(o->buf + o->kept, p, n);
    o->kept += n;
}

static void out_cstr(escape_out *o, const char *s) { out_put(o, s, strlen(s)); }

static escape_out out_stream(FILE *f) { return (escape_out){.f = f}; }
static escape_out out_buffer(char *dst, size_t cap) { return (escape_out){.buf = dst, .cap = cap}; }

static size_t out_finish_buf(escape_out *o)
{
    if (o->cap > 0)
        o->buf[o->kept] = '\0';
    return o->len;
}

static ap_status out_finish_stream(escape_out *o)
{
    return o->failed || ferror(o->f) ? AP_ERR_IO : AP_OK;
}

static const char hexdig[] = "0123456789abcdef";

/* "\xNN" */
static void out_hex_byte(escape_out *o, unsigned char c)
{
    char e[4] = {'\\', 'x', hexdig[c >> 4], hexdig[c & 15]};
    out_put(o, e, 4);
}

/* "\uXXXX" for a BMP code point */
static void out_u4(escape_out *o, uint32_t cp)
{
    char e[6] = {'\\', 'u', hexdig[(cp >> 12) & 15], hexdig[(cp >> 8) & 15], hexdig[(cp >> 4) & 15],
                 hexdig[cp & 15]};
    out_put(o, e, 6);
}

/* The UTF-8 encoding of a BMP code point (only used for U+2400 block and U+FFFD). */
static void out_utf8_bmp(escape_out *o, uint32_t cp)
{
    char e[3];
    if (cp < 0x800) {
        e[0] = (char)(0xC0 | (cp >> 6));
        e[1] = (char)(0x80 | (cp & 0x3F));
        out_put(o, e, 2);
        return;
    }
    e[0] = (char)(0xE0 | (cp >> 12));
    e[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    e[2] = (char)(0x80 | (cp & 0x3F));
    out_put(o, e, 3);
}

#define REPLACEMENT_CHAR 0xFFFDu

/* ---- UTF-8 ---- */

size_t ap_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned char c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t need;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0; /* continuation byte, C0/C1 overlong lead, F5..FF */
    }
    if (n < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return need;
}

static int is_c1(uint32_t cp) { return cp >= 0x80 && cp <= 0x9F; }

/* Code points that reorder or break displayed text without being visible themselves. */
static int is_bidi_or_separator(uint32_t cp)
{
    return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

/* ---- JSON ---- */

static void json_write(escape_out *o, ap_str s)
{
    if (!s.p) {
        out_cstr(o, "null");
        return;
    }
    const unsigned char *p = (const unsigned char *)s.p;
    size_t i = 0;
    out_put(o, "\"", 1);
    while (i < s.n) {
        /* the common case: a run of plain printable ASCII */
        size_t run = i;
        while (run < s.n && p[run] >= 0x20 && p[run] < 0x7F && p[run] != '"' && p[run] != '\\')
            run++;
        if (run > i) {
            out_put(o, s.p + i, run - i);
            i = run;
            continue;
        }
        uint32_t cp;
        size_t len = ap_utf8_decode(p + i, s.n - i, &cp);
        if (len == 0) {
            out_cstr(o, "\\ufffd");
            i++;
            continue;
        }
        switch (cp) {
        case '"': out_cstr(o, "\\\""); break;
        case '\\': out_cstr(o, "\\\\"); break;
        case '\b': out_cstr(o, "\\b"); break;
        case '\f': out_cstr(o, "\\f"); break;
        case '\n': out_cstr(o, "\\n"); break;
        case '\r': out_cstr(o, "\\r"); break;
        case '\t': out_cstr(o, "\\t"); break;
        default:
            if (cp < 0x20 || cp == 0x7F || is_c1(cp) || is_bidi_or_separator(cp))
                out_u4(o, cp);
            else
                out_put(o, s.p + i, len);
        }
        i += len;
    }
    out_put(o, "\"", 1);
}

ap_status ap_escape_json(FILE *f, ap_str s)
{
    escape_out o = out_stream(f);
    json_write(&o, s);
    return out_finish_stream(&o);
}

size_t ap_escape_json_buf(char *dst, size_t cap, ap_str s)
{
    escape_out o = out_buffer(dst, cap);
    json_write(&o, s);
    return out_finish_buf(&o);
}

/* ---- terminal ---- */

static void term_write(escape_out *o, ap_str s)
{
    if (!s.p)
        return;
    const unsigned char *p = (const unsigned char *)s.p;
    size_t i = 0;
    while (i < s.n) {
        size_t run = i;
        while (run < s.n && p[run] >= 0x20 && p[run] < 0x7F)
            run++;
        if (run > i) {
            out_put(o, s.p + i, run - i);
            i = run;
            continue;
        }
        uint32_t cp;
        size_t len = ap_utf8_decode(p + i, s.n - i, &cp);
        if (len == 0) {
            out_hex_byte(o, p[i]);
            i++;
            continue;
        }
        if (cp == '\t')
            out_cstr(o, "\\t");
        else if (cp == '\n')
            out_cstr(o, "\\n");
        else if (cp == '\r')
            out_cstr(o, "\\r");
        else if (cp < 0x20 || cp == 0x7F)
            out_hex_byte(o, (unsigned char)cp);
        else if (is_c1(cp) || is_bidi_or_separator(cp))
            out_u4(o, cp);
        else
            out_put(o, s.p + i, len);
        i += len;
    }
}

ap_status ap_escape_term(FILE *f, ap_str s)
{
    escape_out o = out_stream(f);
    term_write(&o, s);
    return out_finish_stream(&o);
}

size_t ap_escape_term_buf(char *dst, size_t cap, ap_str s)
{
    escape_out o = out_buffer(dst, cap);
    term_write(&o, s);
    return out_finish_buf(&o);
}

/* ---- CSV ---- */

static int csv_starts_formula(ap_str s)
{
    if (s.n == 0)
        return 0;
    unsigned char c = (unsigned char)s.p[0];
    if (c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r')
        return 1;
    uint32_t cp;
    size_t len = ap_utf8_decode((const unsigned char *)s.p, s.n, &cp);
    /* full-width equals, plus, hyphen-minus and commercial at */
    return len > 1 && (cp == 0xFF1D || cp == 0xFF0B || cp == 0xFF0D || cp == 0xFF20);
}

static int csv_needs_quotes(ap_str s)
{
    if (s.n == 0)
        return 1; /* "" is a present empty string; an absent one is an empty cell */
    if (s.p[0] == ' ' || s.p[s.n - 1] == ' ')
        return 1;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (c == ',' || c == ';' || c == '"' || c == '\t' || c == '\r' || c == '\n')
            return 1;
    }
    return 0;
}

static void csv_write(escape_out *o, ap_str s)
{
    if (!s.p)
        return;
    const unsigned char *p = (const unsigned char *)s.p;
    int quoted = csv_needs_quotes(s);
    if (quoted)
        out_put(o, "\"", 1);
    if (csv_starts_formula(s))
        out_put(o, "'", 1);
    size_t i = 0;
    while (i < s.n) {
        uint32_t cp;
        size_t len = ap_utf8_decode(p + i, s.n - i, &cp);
        if (len == 0) {
            out_utf8_bmp(o, REPLACEMENT_CHAR);
            i++;
            continue;
        }
        if (cp == '"')
            out_put(o, "\"\"", 2);
        else if ((cp < 0x20 && cp != '\t' && cp != '\r' && cp != '\n') || cp == 0x7F || is_c1(cp))
            out_utf8_bmp(o, REPLACEMENT_CHAR);
        else
            out_put(o, s.p + i, len);
        i += len;
    }
    if (quoted)
        out_put(o, "\"", 1);
}

ap_status ap_escape_csv(FILE *f, ap_str s)
{
    escape_out o = out_stream(f);
    csv_write(&o, s);
    return out_finish_stream(&o);
}

size_t ap_escape_csv_buf(char *dst, size_t cap, ap_str s)
{
    escape_out o = out_buffer(dst, cap);
    csv_write(&o, s);
    return out_finish_buf(&o);
}

/* ---- HTML ---- */

static void html_write(escape_out *o, ap_str s)
{
    if (!s.p)
        return;
    const unsigned char *p = (const unsigned char *)s.p;
    size_t i = 0;
    while (i < s.n) {
        uint32_t cp;
        size_t len = ap_utf8_decode(p + i, s.n - i, &cp);
        if (len == 0) {
            out_utf8_bmp(o, REPLACEMENT_CHAR);
            i++;
            continue;
        }
        switch (cp) {
        case '&': out_cstr(o, "&amp;"); break;
        case '<': out_cstr(o, "&lt;"); break;
        case '>': out_cstr(o, "&gt;"); break;
        case '"': out_cstr(o, "&quot;"); break;
        case '\'': out_cstr(o, "&#39;"); break;
        case '\t':
        case '\n': out_put(o, s.p + i, 1); break;
        default:
            if (cp < 0x20)
                out_utf8_bmp(o, 0x2400 + cp); /* ␀ .. ␟ */
            else if (cp == 0x7F)
                out_utf8_bmp(o, 0x2421); /* ␡ */
            else if (is_c1(cp) || is_bidi_or_separator(cp))
                out_utf8_bmp(o, REPLACEMENT_CHAR);
            else
                out_put(o, s.p + i, len);
        }
        i += len;
    }
}

ap_status ap_escape_html(FILE *f, ap_str s)
{
    escape_out o = out_stream(f);
    html_write(&o, s);
    return out_finish_stream(&o);
}

size_t ap_escape_html_buf(char *dst, size_t cap, ap_str s)
{
    escape_out o = out_buffer(dst, cap);
    html_write(&o, s);
    return out_finish_buf(&o);
}
