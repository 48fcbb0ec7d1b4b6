/* cypher.h — writing attacker-controlled text into the two Neo4j sinks: Cypher string literals
 * (graph.cypher, a script with the data inline) and the CSV files that `neo4j-admin database
 * import` and `LOAD CSV` read (docs/export-neo4j.md). The rules live here, next to escape.h's,
 * so every Neo4j writer gets them from one place.
 *
 * Both exist as a stream form (AP_ERR_IO on a write error) and a buffer form that behaves like
 * escape.h's _buf functions (returns the full length; cut at the last whole escape that fits;
 * NUL-terminated when cap > 0).
 *
 * Cypher literal: a complete single-quoted literal with the quotes; an absent string
 * (s.p == NULL) is `null`. '\\' and '\'' are backslash-escaped; \b \t \n \f \r as such; other
 * C0 controls, DEL, C1 controls, bidi controls and U+2028/U+2029 as \uXXXX; bytes that are not
 * valid UTF-8 as \ufffd. The output is one line of valid UTF-8 whatever the input, and since
 * every backslash of the input is doubled, no input can form a \u escape (which some Cypher
 * parsers expand before they tokenise, as Java does).
 *
 * Neo4j CSV field: always double-quoted, inner quotes doubled. Both of Neo4j's readers accept
 * it: neo4j-admin reads RFC 4180 quotes, LOAD CSV by default also treats \" as an escaped quote
 * (dbms.import.csv.legacy_quote_escaping), so a backslash right before a quote (or at the end of
 * the field, before the closing quote) is written as U+FF3C FULLWIDTH REVERSE SOLIDUS: the one
 * change that keeps both readers in step. Controls (tab, CR and LF included: no
 * --multiline-fields needed), DEL, C1 controls and invalid UTF-8 become U+FFFD, so a record is
 * always one line. A field starting with = + - @ (or their full-width forms) gets a leading
 * single quote, as in every CSV of the project, because analysts open these files in
 * spreadsheets too. An absent string is an empty unquoted field (no property). */
#ifndef AP_SHARE_CYPHER_H
#define AP_SHARE_CYPHER_H

#include <stddef.h>
#include <stdio.h>

#include "actorprint.h"
#include "util/str.h"

ap_status ap_escape_cypher(FILE *f, ap_str s);
size_t ap_escape_cypher_buf(char *dst, size_t cap, ap_str s);

ap_status ap_escape_neo4j_csv(FILE *f, ap_str s);
size_t ap_escape_neo4j_csv_buf(char *dst, size_t cap, ap_str s);

#endif
