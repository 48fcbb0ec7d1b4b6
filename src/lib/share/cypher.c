/* cypher.c — the Neo4j escapers of cypher.h: Cypher string literals and neo4j-admin / LOAD CSV
 * fields. Like util/escape.c, each rule is written once against a small output that is either a
 * stream or a bounded buffer keeping whole pieces only, so the two forms cannot disagree. */
#include "share/cypher.h"

#include <stdint.h>
#include <string.h>

#include "util/escape.h"

typedef struct cy_out {
    FILE *f;   /* stream sink when non-NULL */
    char *buf; /* buffer sink otherwise */
    size_t cap;
    size_t len;  /* bytes the full output takes */
    size_t kept; /* bytes in buf */
    int full;    /* a piece did not fit: keep nothing more */
    int failed;  /* stream write error */
} cy_out;

static void put(cy_out *o, const char *p, size_t n)
{
    o->len += n;
    if (o->f) {
        if (!o->failed && n && fwrite(p, 1, n, o->f) != n)
            o->failed = 1;
        return;
    }
    if (o->full)
        return;
    if (o->cap == 0 || o->kept + n > o->cap - 1) {
        o->full = 1;
        return;
    }
    memcpy(o->buf + o->kept, p, n);
    o->kept += n;
}

static void put_cstr(cy_out *o, const char *s) { put(o, s, strlen(s)); }

static ap_status finish_stream(cy_out *o) { return o->failed || ferror(o->f) ? AP_ERR_IO : AP_OK; }

static size_t finish_buf(cy_out *o)
{
    if (o->cap > 0)
        o->buf[o->kept] = '\0';
    return o->len;
}

static const char hexdig[] = "0123456789abcdef";

static void put_u4(cy_out *o, uint32_t cp)
{
    char e[6] = {'\\',
                 'u',
                 hexdig[(cp >> 12) & 15],
                 hexdig[(cp >> 8) & 15],
                 hexdig[(cp >> 4) & 15],
                 hexdig[cp & 15]};
    put(o, e, 6);
}

#define REPLACEMENT_UTF8 "\xEF\xBF\xBD"    /* U+FFFD */
#define FULLWIDTH_BACKSLASH "\xEF\xBC\xBC" /* U+FF3C */

static int is_c1(uint32_t cp) { return cp >= 0x80 && cp <= 0x9F; }

/* Invisible code points that reorder or break displayed text (as util/escape.c). */
static int is_bidi_or_separator(uint32_t cp)
{
    return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

/* ---- Cypher string literal ---- */

static void cypher_write(cy_out *o, ap_str s)
{
    if (!s.p) {
        put_cstr(o, "null");
        return;
    }
    const unsigned char *p = (const unsigned char *)s.p;
    put(o, "'", 1);
    size_t i = 0;
    while (i < s.n) {
        size_t run = i; /* plain printable ASCII, copied as a run */
        while (run < s.n && p[run] >= 0x20 && p[run] < 0x7F && p[run] != '\'' && p[run] != '\\')
            run++;
        if (run > i) {
            put(o, s.p + i, run - i);
            i = run;
            continue;
        }
        uint32_t cp;
        size_t len = ap_utf8_decode(p + i, s.n - i, &cp);
        if (len == 0) {
            put_cstr(o, "\\ufffd");
            i++;
            continue;
        }
        switch (cp) {
        case '\'': put_cstr(o, "\\'"); break;
        case '\\': put_cstr(o, "\\\\"); break;
        case '\b': put_cstr(o, "\\b"); break;
        case '\t': put_cstr(o, "\\t"); break;
        case '\n': put_cstr(o, "\\n"); break;
        case '\f': put_cstr(o, "\\f"); break;
        case '\r': put_cstr(o, "\\r"); break;
        default:
            if (cp < 0x20 || cp == 0x7F || is_c1(cp) || is_bidi_or_separator(cp))
                put_u4(o, cp);
            else
                put(o, s.p + i, len);
        }
        i += len;
    }
    put(o, "'", 1);
}

ap_status ap_escape_cypher(FILE *f, ap_str s)
{
    cy_out o = {.f = f};
    cypher_write(&o, s);
    return finish_stream(&o);
}

size_t ap_escape_cypher_buf(char *dst, size_t cap, ap_str s)
{
    cy_out o = {.buf = dst, .cap = cap};
    cypher_write(&o, s);
    return finish_buf(&o);
}

/* ---- neo4j-admin / LOAD CSV field ---- */

static int starts_formula(ap_str s)
{
    if (s.n == 0)
        return 0;
    unsigned char c = (unsigned char)s.p[0];
    if (c == '=' || c == '+' || c == '-' || c == '@')
        return 1;
    uint32_t cp;
    size_t len = ap_utf8_decode((const unsigned char *)s.p, s.n, &cp);
    return len > 1 && (cp == 0xFF1D || cp == 0xFF0B || cp == 0xFF0D || cp == 0xFF20);
}

static void neo4j_csv_write(cy_out *o, ap_str s)
{
    if (!s.p)
        return;
    const unsigned char *p = (const unsigned char *)s.p;
    put(o, "\"", 1);
    if (starts_formula(s))
        put(o, "'", 1);
    size_t i = 0;
    while (i < s.n) {
        uint32_t cp;
        size_t len = ap_utf8_decode(p + i, s.n - i, &cp);
        if (len == 0) {
            put_cstr(o, REPLACEMENT_UTF8);
            i++;
            continue;
        }
        if (cp == '"')
            put(o, "\"\"", 2);
        else if (cp == '\\' && (i + 1 == s.n || p[i + 1] == '"'))
            put_cstr(o, FULLWIDTH_BACKSLASH); /* \" would be an escaped quote to LOAD CSV */
        else if (cp < 0x20 || cp == 0x7F || is_c1(cp))
            put_cstr(o, REPLACEMENT_UTF8);
        else
            put(o, s.p + i, len);
        i += len;
    }
    put(o, "\"", 1);
}

ap_status ap_escape_neo4j_csv(FILE *f, ap_str s)
{
    cy_out o = {.f = f};
    neo4j_csv_write(&o, s);
    return finish_stream(&o);
}

size_t ap_escape_neo4j_csv_buf(char *dst, size_t cap, ap_str s)
{
    cy_out o = {.buf = dst, .cap = cap};
    neo4j_csv_write(&o, s);
    return finish_buf(&o);
}
