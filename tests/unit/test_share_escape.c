/* test_share_escape.c — the Neo4j sinks of share/cypher.h and the graph schema of share/graph.h:
 * exact Cypher literals and neo4j-admin/LOAD CSV fields for hostile strings (the `' }) DETACH
 * DELETE n //` injection, quotes, backslashes, a typed "\u0027", controls, C1, bidi, NUL, invalid
 * UTF-8, formulas), the buffer form's truncation contract, and two properties over thousands of
 * random byte strings: a Cypher literal always ends exactly where it should and decodes back to
 * the input (valid UTF-8), and a CSV field reads the same under both of Neo4j's quote rules
 * (RFC 4180 for neo4j-admin, backslash-quote for LOAD CSV) and stays on one line. Also the
 * number format, and that the schema's columns agree (one type per property name: GraphML
 * declares one key each) and every relationship's ends are node tables. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "share/cypher.h"
#include "share/graph.h"
#include "util/escape.h"

#define S(lit) ap_str_make((lit), sizeof(lit) - 1) /* keeps embedded NULs */

static char out[8192];

static const char *cy(ap_str s)
{
    ap_escape_cypher_buf(out, sizeof out, s);
    return out;
}

static const char *nc(ap_str s)
{
    ap_escape_neo4j_csv_buf(out, sizeof out, s);
    return out;
}

/* ---- a Cypher string-literal reader (the subset of the grammar our output may use) ---- */

static size_t put_utf8(char *d, uint32_t cp)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xC0 | (cp >> 6));
        d[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    d[0] = (char)(0xE0 | (cp >> 12));
    d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    d[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

/* Reads the literal at s (which must start with '), decodes it into dec (*dn bytes) and returns
 * the number of bytes the literal takes, or 0 when it is malformed (no closing quote, unknown
 * escape, a raw newline). */
static size_t read_cypher_literal(const char *s, size_t n, char *dec, size_t *dn)
{
    *dn = 0;
    if (n == 0 || s[0] != '\'')
        return 0;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        if (c == '\'')
            return i + 1;
        if (c == '\n' || c == '\r')
            return 0;
        if (c != '\\') {
            dec[(*dn)++] = c;
            continue;
        }
        if (++i >= n)
            return 0;
        switch (s[i]) {
        case '\\': dec[(*dn)++] = '\\'; break;
        case '\'': dec[(*dn)++] = '\''; break;
        case '"': dec[(*dn)++] = '"'; break;
        case 'n': dec[(*dn)++] = '\n'; break;
        case 'r': dec[(*dn)++] = '\r'; break;
        case 't': dec[(*dn)++] = '\t'; break;
        case 'b': dec[(*dn)++] = '\b'; break;
        case 'f': dec[(*dn)++] = '\f'; break;
        case 'u': {
            if (i + 4 >= n)
                return 0;
            uint32_t cp = 0;
            for (int k = 1; k <= 4; k++) {
                char h = s[i + k];
                cp = cp * 16 + (uint32_t)(h >= 'a'   ? h - 'a' + 10
                                          : h >= 'A' ? h - 'A' + 10
                                                     : h - '0');
            }
            *dn += put_utf8(dec + *dn, cp);
            i += 4;
            break;
        }
        default: return 0;
        }
    }
    return 0;
}

/* ---- the two CSV readers Neo4j has ---- */

/* One quoted or unquoted field at s[0..n): the decoded value and the bytes consumed (0 when the
 * field does not end exactly at n). legacy: LOAD CSV's default, where \" is also a quote. */
static size_t read_csv_field(const char *s, size_t n, int legacy, char *dec, size_t *dn)
{
    *dn = 0;
    if (n == 0)
        return 0;
    if (s[0] != '"') {
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '"' || s[i] == ',' || s[i] == '\n')
                return 0;
            dec[(*dn)++] = s[i];
        }
        return n;
    }
    for (size_t i = 1; i < n; i++) {
        if (legacy && s[i] == '\\' && i + 1 < n && s[i + 1] == '"') {
            dec[(*dn)++] = '"';
            i++;
            continue;
        }
        if (s[i] == '"') {
            if (i + 1 < n && s[i + 1] == '"') {
                dec[(*dn)++] = '"';
                i++;
                continue;
            }
            return i + 1 == n ? n : 0;
        }
        dec[(*dn)++] = s[i];
    }
    return 0;
}

/* ---- tests ---- */

static void test_cypher_literals(void)
{
    CHECK_EQ_STR(cy(S("abc")), "'abc'");
    CHECK_EQ_STR(cy(AP_STR_NULL), "null");
    CHECK_EQ_STR(cy(S("")), "''");
    CHECK_EQ_STR(cy(S("it's")), "'it\\'s'");
    CHECK_EQ_STR(cy(S("a\\b")), "'a\\\\b'");
    CHECK_EQ_STR(cy(S("' }) DETACH DELETE n //")), "'\\' }) DETACH DELETE n //'");
    CHECK_EQ_STR(cy(S("x' OR 1=1 WITH 1 AS y MATCH (n) DETACH DELETE n RETURN '")),
                 "'x\\' OR 1=1 WITH 1 AS y MATCH (n) DETACH DELETE n RETURN \\''");
    /* a typed unicode escape stays text: its backslash is doubled, so no parser that expands
     * \u before tokenising (as Java does) can turn it into a quote */
    CHECK_EQ_STR(cy(S("\\u0027 }) RETURN 1 //")), "'\\\\u0027 }) RETURN 1 //'");
    CHECK_EQ_STR(cy(S("\\'")), "'\\\\\\''");
    CHECK_EQ_STR(cy(S("say \"hi\"")), "'say \"hi\"'");
    CHECK_EQ_STR(cy(S("\n\r\t\b\f")), "'\\n\\r\\t\\b\\f'");
    CHECK_EQ_STR(cy(S("\x01\x1b[2J\x7f")), "'\\u0001\\u001b[2J\\u007f'");
    CHECK_EQ_STR(cy(S("a\0b")), "'a\\u0000b'");
    CHECK_EQ_STR(cy(S("\xc2\x9b"
                      "2J")),
                 "'\\u009b2J'"); /* C1 CSI */
    CHECK_EQ_STR(cy(S("\xe2\x80\xae"
                      "evil")),
                 "'\\u202eevil'"); /* RLO */
    CHECK_EQ_STR(cy(S("a\xe2\x80\xa8"
                      "b")),
                 "'a\\u2028b'"); /* line separator */
    CHECK_EQ_STR(cy(S("\xff\xfe")), "'\\ufffd\\ufffd'");
    CHECK_EQ_STR(cy(S("x\xc3")), "'x\\ufffd'");                     /* truncated */
    CHECK_EQ_STR(cy(S("\xed\xa0\x80")), "'\\ufffd\\ufffd\\ufffd'"); /* surrogate */
    CHECK_EQ_STR(cy(S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d")),
                 "'caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d'"); /* UTF-8 kept */

    /* buffer form: full length returned, output cut after the last whole piece */
    char small[8];
    CHECK_EQ_INT(ap_escape_cypher_buf(small, sizeof small, S("it's a trap")), 14);
    CHECK_EQ_STR(small, "'it\\'");
    CHECK_EQ_INT(ap_escape_cypher_buf(small, 1, S("abc")), 5);
    CHECK_EQ_STR(small, "");
    CHECK_EQ_INT(ap_escape_cypher_buf(NULL, 0, S("a'b")), 6);

    /* the stream form writes the same bytes */
    char mem[64] = {0};
    FILE *f = fmemopen(mem, sizeof mem, "w");
    CHECK(f != NULL);
    if (f) {
        CHECK_EQ_INT(ap_escape_cypher(f, S("o'\n")), AP_OK);
        fclose(f);
        CHECK_EQ_STR(mem, "'o\\'\\n'");
    }
}

static void test_neo4j_csv_fields(void)
{
    CHECK_EQ_STR(nc(S("abc")), "\"abc\"");
    CHECK_EQ_STR(nc(AP_STR_NULL), "");
    CHECK_EQ_STR(nc(S("")), "\"\"");
    CHECK_EQ_STR(nc(S("a,b")), "\"a,b\"");
    CHECK_EQ_STR(nc(S("a\"b")), "\"a\"\"b\"");
    CHECK_EQ_STR(nc(S("=cmd|' /C calc'!A0")), "\"'=cmd|' /C calc'!A0\"");
    CHECK_EQ_STR(nc(S("+1")), "\"'+1\"");
    CHECK_EQ_STR(nc(S("-O x")), "\"'-O x\"");
    CHECK_EQ_STR(nc(S("@SUM(1)")), "\"'@SUM(1)\"");
    CHECK_EQ_STR(nc(S("\xef\xbc\x9d"
                      "1")),
                 "\"'\xef\xbc\x9d"
                 "1\""); /* full-width = */
    CHECK_EQ_STR(nc(S("a=b")), "\"a=b\"");
    /* a backslash before a quote (or the closing quote) would be an escaped quote to LOAD CSV */
    CHECK_EQ_STR(nc(S("a\\")), "\"a\xef\xbc\xbc\"");
    CHECK_EQ_STR(nc(S("a\\\"b")), "\"a\xef\xbc\xbc\"\"b\"");
    CHECK_EQ_STR(nc(S("a\\b\\\\c")), "\"a\\b\\\\c\"");
    /* one record per line: controls (tab, CR, LF too), DEL, C1 and invalid bytes as U+FFFD */
    CHECK_EQ_STR(nc(S("a\nb\r\tc")), "\"a\xef\xbf\xbd"
                                     "b\xef\xbf\xbd\xef\xbf\xbd"
                                     "c\"");
    CHECK_EQ_STR(nc(S("\x1b[2J\x7f\xc2\x9b")), "\"\xef\xbf\xbd[2J\xef\xbf\xbd\xef\xbf\xbd\"");
    CHECK_EQ_STR(nc(S("x\0y\xff")), "\"x\xef\xbf\xbdy\xef\xbf\xbd\"");
    CHECK_EQ_STR(nc(S("' }) DETACH DELETE n //")), "\"' }) DETACH DELETE n //\"");

    char small[6];
    CHECK_EQ_INT(ap_escape_neo4j_csv_buf(small, sizeof small, S("abcdefgh")), 10);
    CHECK_EQ_STR(small, "\"abcd");
}

/* xorshift: the same pseudo-random strings every run */
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

/* Random strings from an alphabet rich in what breaks literals and fields. */
static size_t random_string(char *s, size_t cap, int valid_utf8)
{
    static const char *pieces[] = {"'",
                                   "\\",
                                   "\"",
                                   ",",
                                   ";",
                                   "\n",
                                   "\r",
                                   "\t",
                                   "\0",
                                   "=",
                                   "-",
                                   "@",
                                   "+",
                                   "a",
                                   "Z",
                                   "0",
                                   " ",
                                   "//",
                                   "})",
                                   "\\u0027",
                                   "\x1b",
                                   "\x7f",
                                   "\xc2\x9b",
                                   "\xe2\x80\xae",
                                   "\xe2\x80\xa8",
                                   "\xc3\xa9",
                                   "\xf0\x9f\x90\x8d",
                                   "\xef\xbc\x9d",
                                   "\xef\xbf\xbe"};
    static const char *invalid[] = {"\xff", "\xc3", "\xed\xa0\x80", "\x80", "\xf8\x88\x80\x80"};
    size_t n = 0, len = next_rand() % 24;
    for (size_t k = 0; k < len; k++) {
        const char *p;
        size_t pn;
        if (!valid_utf8 && next_rand() % 6 == 0) {
            p = invalid[next_rand() % (sizeof invalid / sizeof *invalid)];
            pn = strlen(p);
        } else {
            size_t i = next_rand() % (sizeof pieces / sizeof *pieces);
            p = pieces[i];
            pn = p[0] ? strlen(p) : 1; /* "\0" is one NUL byte */
        }
        if (n + pn > cap)
            break;
        memcpy(s + n, p, pn);
        n += pn;
    }
    return n;
}

static void test_cypher_property(void)
{
    char s[256], dec[1024];
    int bad_end = 0, bad_roundtrip = 0, bad_line = 0;
    for (int round = 0; round < 4000; round++) {
        int valid = round % 2 == 0;
        size_t n = random_string(s, sizeof s, valid);
        size_t len = ap_escape_cypher_buf(out, sizeof out, ap_str_make(s, n));
        size_t dn;
        if (read_cypher_literal(out, len, dec, &dn) != len)
            bad_end++;
        if (memchr(out, '\n', len) || memchr(out, '\r', len))
            bad_line++;
        if (valid && (dn != n || memcmp(dec, s, n) != 0))
            bad_roundtrip++;
    }
    CHECK_EQ_INT(bad_end, 0);
    CHECK_EQ_INT(bad_line, 0);
    CHECK_EQ_INT(bad_roundtrip, 0);
}

static void test_neo4j_csv_property(void)
{
    char s[256], a[2048], b[2048];
    int bad_rfc = 0, bad_legacy = 0, differ = 0, bad_line = 0;
    for (int round = 0; round < 4000; round++) {
        size_t n = random_string(s, sizeof s, round % 3 != 0);
        size_t len = ap_escape_neo4j_csv_buf(out, sizeof out, ap_str_make(s, n));
        size_t an, bn;
        if (read_csv_field(out, len, 0, a, &an) != len)
            bad_rfc++;
        if (read_csv_field(out, len, 1, b, &bn) != len)
            bad_legacy++;
        if (an != bn || memcmp(a, b, an) != 0)
            differ++;
        if (memchr(out, '\n', len) || memchr(out, '\r', len))
            bad_line++;
    }
    CHECK_EQ_INT(bad_rfc, 0);
    CHECK_EQ_INT(bad_legacy, 0);
    CHECK_EQ_INT(differ, 0);
    CHECK_EQ_INT(bad_line, 0);
}

static void test_number_format(void)
{
    char b[64];
    CHECK_EQ_STR(ap_graph_number(2, b, sizeof b), "2.0");
    CHECK_EQ_STR(ap_graph_number(0, b, sizeof b), "0.0");
    CHECK_EQ_STR(ap_graph_number(15.3333333333, b, sizeof b), "15.333333");
    CHECK_EQ_STR(ap_graph_number(0.0416666667, b, sizeof b), "0.041667");
    CHECK_EQ_STR(ap_graph_number(-1.5, b, sizeof b), "-1.5");
    CHECK_EQ_STR(ap_graph_number(1e20, b, sizeof b), "1.000000e20");
    CHECK_EQ_STR(ap_graph_number(1e-9, b, sizeof b), "0.0");
}

static void test_graph_schema(void)
{
    size_t nodes = 0, rels = 0;
    int bad_first = 0, bad_ends = 0, type_clash = 0;
    for (size_t i = 0; i < ap_graph_table_count(); i++) {
        const ap_graph_table *t = ap_graph_table_at(i);
        if (!t->start) {
            nodes++;
            CHECK_EQ_INT(rels, 0); /* node tables come first */
            bad_first += t->ncols < 2 || t->cols[0].type != AP_GCOL_ID ||
                         strcmp(t->cols[1].name, "name") != 0;
        } else {
            rels++;
            bad_first +=
                t->ncols < 2 || t->cols[0].type != AP_GCOL_START || t->cols[1].type != AP_GCOL_END;
            bad_ends += !ap_graph_table_find(t->start) || !ap_graph_table_find(t->end);
        }
        CHECK(t->ncols <= AP_GRAPH_MAX_COLS);
        /* a property name has one type among node tables, and one among relationship tables */
        for (size_t j = 0; j <= i; j++) {
            const ap_graph_table *u = ap_graph_table_at(j);
            if ((u->start == NULL) != (t->start == NULL))
                continue;
            for (size_t x = 0; x < t->ncols; x++)
                for (size_t y = 0; y < u->ncols; y++)
                    if (t->cols[x].name[0] && strcmp(t->cols[x].name, u->cols[y].name) == 0 &&
                        t->cols[x].type != u->cols[y].type)
                        type_clash++;
        }
    }
    CHECK_EQ_INT(nodes, 9);
    CHECK_EQ_INT(rels, 9);
    CHECK_EQ_INT(bad_first, 0);
    CHECK_EQ_INT(bad_ends, 0);
    CHECK_EQ_INT(type_clash, 0);
    CHECK(ap_graph_table_find("Campaign") != NULL);
    CHECK(ap_graph_table_find("CONTAINS") == NULL); /* a relationship is no node table */

    ap_str id = ap_graph_asn_id("AS14061 DIGITALOCEAN-ASN");
    CHECK_EQ_INT(id.n, 7);
    CHECK(ap_str_eq(id, S("AS14061")));
    CHECK_EQ_INT(ap_graph_asn_id("").n, 0);
    CHECK_EQ_INT(ap_graph_asn_id(NULL).n, 0);
}

int main(void)
{
    test_cypher_literals();
    test_neo4j_csv_fields();
    test_cypher_property();
    test_neo4j_csv_property();
    test_number_format();
    test_graph_schema();
    CHECK_DONE();
}
