/* json.h — a thin C interface over simdjson's On-Demand parser (Debian libsimdjson-dev), chosen
 * for speed after measuring it against jansson and json-c (docs/json-parsers.md).
 *
 * A Cowrie event is one flat JSON object. ap_json_object_each walks its top-level fields and hands
 * each one to a callback with its value already typed: strings unescaped (valid UTF-8; views into
 * parser-owned memory valid until the next parse), numbers, booleans, null; arrays and objects as
 * their raw JSON text (a view into the input line) so a caller that wants them parses again with
 * ap_json_array_strings.
 */
#ifndef AP_INGEST_JSON_H
#define AP_INGEST_JSON_H

#include <stddef.h>
#include <stdint.h>
#include "actorprint.h"
#include "util/str.h"

typedef enum ap_json_type {
    AP_JSON_STRING,
    AP_JSON_INT,    /* fits int64 */
    AP_JSON_DOUBLE, /* any other number */
    AP_JSON_BOOL,
    AP_JSON_NULL,
    AP_JSON_ARRAY,  /* raw text in str */
    AP_JSON_OBJECT  /* raw text in str */
} ap_json_type;

typedef struct ap_json_field {
    ap_str key;       /* unescaped */
    ap_json_type type;
    ap_str str;       /* STRING: unescaped value; ARRAY/OBJECT: raw JSON text */
    int64_t i;        /* INT, BOOL (0/1) */
    double d;         /* DOUBLE and INT */
} ap_json_field;

/* Return non-zero to stop the walk early (ap_json_object_each then returns AP_OK). */
typedef int (*ap_json_field_fn)(void *user, const ap_json_field *field);

typedef struct ap_json_parser ap_json_parser;

ap_status ap_json_parser_new(ap_json_parser **out);
void ap_json_parser_free(ap_json_parser *p);

/* Parses `len` bytes at `text` (followed by ≥ 64 readable padding bytes, see reader.h) as one
 * JSON object and walks its fields. On AP_ERR_FORMAT, errbuf receives a short reason such as
 * "invalid UTF-8", "unexpected character at byte 17", "not an object"; fields already handed to
 * the callback must then be disregarded. */
ap_status ap_json_object_each(ap_json_parser *p, const char *text, size_t len, ap_json_field_fn fn,
                              void *user, char *errbuf, size_t errlen);

/* For a raw JSON array of strings (an AP_JSON_ARRAY field): calls fn(user, index, string) for each
 * string element, in order; non-string elements are skipped. Uses its own scratch buffer, so it
 * may be called from inside an ap_json_object_each callback. */
typedef int (*ap_json_string_fn)(void *user, size_t index, ap_str s);
ap_status ap_json_array_strings(ap_json_parser *p, ap_str raw_array, ap_json_string_fn fn,
                                void *user);
#endif
