/* test_json.c — pins the behaviour of the JSON layer (src/lib/ingest/json.h): typed top-level
 * fields, unescaping of values and keys, nested arrays/objects handed out as raw text, the
 * int/double split, the error messages for each kind of bad line, early stop, and
 * ap_json_array_strings called from inside a field callback on a Cowrie kexAlgs array.
 * Every input sits in a buffer with AP_READER_PADDING bytes after it, as the reader gives it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ingest/json.h"
#include "ingest/reader.h"

#define MAX_FIELDS 16

typedef struct seen_field {
    char key[64];
    ap_json_type type;
    char str[256];
    size_t str_len;
    int64_t i;
    double d;
} seen_field;

typedef struct seen {
    seen_field f[MAX_FIELDS];
    int n;
    int stop_after; /* stop the walk after this many fields (0 = never) */
} seen;

static void copy_str(char *dst, size_t cap, ap_str s)
{
    size_t n = s.n < cap - 1 ? s.n : cap - 1;
    if (n)
        memcpy(dst, s.p, n);
    dst[n] = '\0';
}

static int collect(void *user, const ap_json_field *field)
{
    seen *s = user;
    if (s->n < MAX_FIELDS) {
        seen_field *f = &s->f[s->n];
        copy_str(f->key, sizeof f->key, field->key);
        f->type = field->type;
        copy_str(f->str, sizeof f->str, field->str);
        f->str_len = field->str.n;
        f->i = field->i;
        f->d = field->d;
    }
    s->n++;
    return s->stop_after && s->n >= s->stop_after;
}

static ap_json_parser *parser;
static char errbuf[128];

/* Parses `json` (len bytes) from a padded copy, the padding filled with `fill`. */
static ap_status parse_n(const char *json, size_t len, seen *out, char fill)
{
    char *buf = malloc(len + AP_READER_PADDING);
    if (!buf)
        return AP_ERR_NOMEM;
    memcpy(buf, json, len);
    memset(buf + len, fill, AP_READER_PADDING);
    int stop = out->stop_after;
    memset(out, 0, sizeof *out);
    out->stop_after = stop;
    errbuf[0] = '\0';
    ap_status st = ap_json_object_each(parser, buf, len, collect, out, errbuf, sizeof errbuf);
    free(buf);
    return st;
}

static ap_status parse(const char *json, seen *out) { return parse_n(json, strlen(json), out, 0); }

static void test_typed_fields(void)
{
    seen s = {0};
    CHECK_EQ_INT(parse("{\"eventid\":\"cowrie.login.failed\",\"src_port\":62390,\"duration\":1.35,"
                       "\"ok\":true,\"no\":false,\"nothing\":null}",
                       &s),
                 AP_OK);
    CHECK_EQ_INT(s.n, 6);
    CHECK_EQ_STR(s.f[0].key, "eventid");
    CHECK_EQ_INT(s.f[0].type, AP_JSON_STRING);
    CHECK_EQ_STR(s.f[0].str, "cowrie.login.failed");
    CHECK_EQ_STR(s.f[1].key, "src_port");
    CHECK_EQ_INT(s.f[1].type, AP_JSON_INT);
    CHECK_EQ_INT(s.f[1].i, 62390);
    CHECK(s.f[1].d == 62390.0);
    CHECK_EQ_INT(s.f[2].type, AP_JSON_DOUBLE);
    CHECK(s.f[2].d == 1.35);
    CHECK_EQ_INT(s.f[3].type, AP_JSON_BOOL);
    CHECK_EQ_INT(s.f[3].i, 1);
    CHECK_EQ_INT(s.f[4].type, AP_JSON_BOOL);
    CHECK_EQ_INT(s.f[4].i, 0);
    CHECK_EQ_STR(s.f[5].key, "nothing");
    CHECK_EQ_INT(s.f[5].type, AP_JSON_NULL);
}

static void test_escapes(void)
{
    seen s = {0};
    /* \u00e9, \n, \", a surrogate pair (U+1F600), \\ and \/ — and an escaped key. */
    CHECK_EQ_INT(parse("{\"input\":\"caf\\u00e9\\n\\\"x\\\" \\ud83d\\ude00 a\\\\b\\/c\","
                       "\"k\\u0065y\\\"\":\"plain\"}",
                       &s),
                 AP_OK);
    CHECK_EQ_INT(s.n, 2);
    CHECK_EQ_STR(s.f[0].str, "caf\xc3\xa9\n\"x\" \xf0\x9f\x98\x80 a\\b/c");
    CHECK_EQ_STR(s.f[1].key, "key\"");
    CHECK_EQ_STR(s.f[1].str, "plain");

    /* Empty strings and UTF-8 passed through as is. */
    CHECK_EQ_INT(parse("{\"\":\"\",\"n\":\"\xc3\xa9t\xc3\xa9\"}", &s), AP_OK);
    CHECK_EQ_INT(s.n, 2);
    CHECK_EQ_STR(s.f[0].key, "");
    CHECK_EQ_INT(s.f[0].str_len, 0);
    CHECK_EQ_STR(s.f[1].str, "\xc3\xa9t\xc3\xa9");

    /* A lone surrogate and an unknown escape are errors. */
    CHECK_EQ_INT(parse("{\"a\":\"\\ud800\"}", &s), AP_ERR_FORMAT);
    CHECK(strstr(errbuf, "invalid JSON") != NULL);
    CHECK_EQ_INT(parse("{\"a\":\"\\x41\"}", &s), AP_ERR_FORMAT);
    CHECK(strstr(errbuf, "invalid JSON") != NULL);
}

static void test_nested_raw(void)
{
    seen s = {0};
    CHECK_EQ_INT(parse("{\"kexAlgs\":[\"a\",\"b\"] ,\"o\":{\"x\":[1,{\"y\":null}]},\"e\":[],"
                       "\"deep\":[[1,2],[3]], \"after\":7}",
                       &s),
                 AP_OK);
    CHECK_EQ_INT(s.n, 5);
    CHECK_EQ_INT(s.f[0].type, AP_JSON_ARRAY);
    CHECK_EQ_STR(s.f[0].str, "[\"a\",\"b\"]"); /* whitespace before ',' is not part of it */
    CHECK_EQ_INT(s.f[1].type, AP_JSON_OBJECT);
    CHECK_EQ_STR(s.f[1].str, "{\"x\":[1,{\"y\":null}]}");
    CHECK_EQ_STR(s.f[2].str, "[]");
    CHECK_EQ_STR(s.f[3].str, "[[1,2],[3]]");
    CHECK_EQ_STR(s.f[4].key, "after");
    CHECK_EQ_INT(s.f[4].i, 7);
}

static void test_numbers(void)
{
    seen s = {0};
    CHECK_EQ_INT(parse("{\"a\":-9223372036854775808,\"b\":9223372036854775807,"
                       "\"c\":9223372036854775808,\"d\":99999999999999999999999,\"e\":1e3,"
                       "\"f\":-0,\"g\":2.5E-3,\"h\":10.0}",
                       &s),
                 AP_OK);
    CHECK_EQ_INT(s.n, 8);
    CHECK_EQ_INT(s.f[0].type, AP_JSON_INT);
    CHECK(s.f[0].i == INT64_MIN);
    CHECK_EQ_INT(s.f[1].type, AP_JSON_INT);
    CHECK(s.f[1].i == INT64_MAX);
    CHECK_EQ_INT(s.f[2].type, AP_JSON_DOUBLE); /* fits uint64, not int64 */
    CHECK(s.f[2].d == 9223372036854775808.0);
    CHECK_EQ_INT(s.f[3].type, AP_JSON_DOUBLE); /* fits nothing */
    CHECK(s.f[3].d > 9.9e22 && s.f[3].d < 1.1e23);
    CHECK_EQ_INT(s.f[4].type, AP_JSON_DOUBLE);
    CHECK(s.f[4].d == 1000.0);
    CHECK_EQ_INT(s.f[5].type, AP_JSON_INT);
    CHECK_EQ_INT(s.f[5].i, 0);
    CHECK_EQ_INT(s.f[6].type, AP_JSON_DOUBLE);
    CHECK(s.f[6].d == 2.5e-3);
    CHECK_EQ_INT(s.f[7].type, AP_JSON_DOUBLE);

    CHECK_EQ_INT(parse("{\"a\":01}", &s), AP_ERR_FORMAT);
    CHECK_EQ_STR(errbuf, "invalid JSON (bad number at byte 5)");
    CHECK_EQ_INT(parse("{\"a\":1.}", &s), AP_ERR_FORMAT);
    CHECK_EQ_INT(parse("{\"a\":-}", &s), AP_ERR_FORMAT);
}

static void test_invalid_json(void)
{
    seen s = {0};
    CHECK_EQ_INT(parse("{\"a\":1,}", &s), AP_ERR_FORMAT);
    CHECK_EQ_STR(errbuf, "invalid JSON (unexpected character at byte 7)");
    CHECK_EQ_INT(parse("{\"a\" 1}", &s), AP_ERR_FORMAT);
    CHECK(strncmp(errbuf, "invalid JSON (", 14) == 0);
    CHECK_EQ_INT(parse("{1:2}", &s), AP_ERR_FORMAT);
    CHECK(strncmp(errbuf, "invalid JSON (", 14) == 0);
    CHECK_EQ_INT(parse("{\"a\":tru}", &s), AP_ERR_FORMAT);
    CHECK(strncmp(errbuf, "invalid JSON (", 14) == 0);
    CHECK_EQ_INT(parse("{\"a\":nul}", &s), AP_ERR_FORMAT);
    CHECK_EQ_INT(parse("{\"a\":\"x\x01y\"}", &s), AP_ERR_FORMAT);
    CHECK_EQ_STR(errbuf, "invalid JSON (control character in string)");

    CHECK_EQ_INT(parse("[\"a\",1]", &s), AP_ERR_FORMAT);
    CHECK_EQ_STR(errbuf, "not a JSON object");
    CHECK_EQ_INT(parse("42", &s), AP_ERR_FORMAT);
    CHECK_EQ_STR(errbuf, "not a JSON object");
    CHECK_EQ_INT(parse("\"str\"", &s), AP_ERR_FORMAT);
    CHECK_EQ_STR(errbuf, "not a JSON object");
    CHECK_EQ_INT(parse("", &s), AP_ERR_FORMAT);
    CHECK_EQ_STR(errbuf, "empty line");
    CHECK_EQ_INT(parse("   ", &s), AP_ERR_FORMAT);
    CHECK_EQ_STR(errbuf, "empty line");

    /* errbuf may be absent or tiny. */
    char *buf = calloc(1, 8 + AP_READER_PADDING);
    memcpy(buf, "{\"a\":1,}", 8);
    CHECK_EQ_INT(ap_json_object_each(parser, buf, 8, collect, &s, NULL, 0), AP_ERR_FORMAT);
    char tiny[4];
    CHECK_EQ_INT(ap_json_object_each(parser, buf, 8, collect, &s, tiny, sizeof tiny),
                 AP_ERR_FORMAT);
    CHECK_EQ_STR(tiny, "inv");
    free(buf);
}

static void test_invalid_utf8(void)
{
    seen s = {0};
    CHECK_EQ_INT(parse("{\"password\":\"ab\xff\xfe\"}", &s), AP_ERR_FORMAT);
    CHECK_EQ_STR(errbuf, "invalid UTF-8");
    CHECK_EQ_INT(parse("{\"pass\xc3\":\"x\"}", &s), AP_ERR_FORMAT); /* truncated sequence in key */
    CHECK_EQ_STR(errbuf, "invalid UTF-8");
    CHECK_EQ_INT(parse("{\"a\":\"\xed\xa0\x80\"}", &s), AP_ERR_FORMAT); /* encoded surrogate */
    CHECK_EQ_STR(errbuf, "invalid UTF-8");
}

static void test_truncated(void)
{
    seen s = {0};
    const char *cases[] = {"{\"a\":1", "{\"a\":", "{\"a\"", "{", "{\"a\":[1,2]",
                           "{\"a\":{\"b\":1}", "{\"eventid\":\"cowrie.sess"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_EQ_INT(parse(cases[i], &s), AP_ERR_FORMAT);
        CHECK(strncmp(errbuf, "unexpected end of line", 22) == 0);
    }
    /* Whatever the padding holds, a truncated line stays an error. */
    CHECK_EQ_INT(parse_n("{\"a\":1", 6, &s, '}'), AP_ERR_FORMAT);
    CHECK_EQ_INT(parse_n("{\"a\":{\"b\":1}", 12, &s, '}'), AP_ERR_FORMAT);
    CHECK_EQ_INT(parse_n("{\"a\":1", 6, &s, ' '), AP_ERR_FORMAT);
}

static void test_trailing(void)
{
    seen s = {0};
    CHECK_EQ_INT(parse("{\"a\":1} garbage", &s), AP_ERR_FORMAT);
    CHECK_EQ_STR(errbuf, "invalid JSON (trailing content at byte 7)");
    CHECK_EQ_INT(parse("{\"a\":1}}", &s), AP_ERR_FORMAT);
    CHECK_EQ_STR(errbuf, "invalid JSON (trailing content at byte 7)");
    CHECK_EQ_INT(parse("{\"a\":1}{\"b\":2}", &s), AP_ERR_FORMAT);
    CHECK_EQ_STR(errbuf, "invalid JSON (trailing content at byte 7)");
    CHECK_EQ_INT(parse("{\"a\":\"}\"} \"x\"", &s), AP_ERR_FORMAT);
    CHECK_EQ_STR(errbuf, "invalid JSON (trailing content at byte 9)");
    /* Whitespace around the object is fine. */
    CHECK_EQ_INT(parse("  {\"a\":1}  \t ", &s), AP_OK);
    CHECK_EQ_INT(s.n, 1);
}

static void test_empty_object(void)
{
    seen s = {0};
    CHECK_EQ_INT(parse("{}", &s), AP_OK);
    CHECK_EQ_INT(s.n, 0);
    CHECK_EQ_INT(parse(" { } ", &s), AP_OK);
    CHECK_EQ_INT(s.n, 0);
}

static void test_early_stop(void)
{
    seen s = {0};
    s.stop_after = 2;
    /* The walk stops before the bad third field is looked at, and that is success. */
    CHECK_EQ_INT(parse("{\"a\":1,\"b\":\"two\",\"c\":bad,\"d\":4}", &s), AP_OK);
    CHECK_EQ_INT(s.n, 2);
    CHECK_EQ_STR(s.f[1].str, "two");
    s.stop_after = 0;
}

/* ---- ap_json_array_strings inside the callback, on a real Cowrie kex event ----------------- */

typedef struct kex {
    char algs[8][64];
    size_t index[8];
    int n;
    ap_status st;
    int arrays;
    int stop_at; /* stop the array walk after this many strings (0 = never) */
} kex;

static int take_alg(void *user, size_t index, ap_str s)
{
    kex *k = user;
    if (k->n < 8) {
        copy_str(k->algs[k->n], sizeof k->algs[0], s);
        k->index[k->n] = index;
    }
    k->n++;
    return k->stop_at && k->n >= k->stop_at;
}

static int on_kex_field(void *user, const ap_json_field *f)
{
    kex *k = user;
    if (f->type == AP_JSON_ARRAY && ap_str_eq_c(f->key, "kexAlgs")) {
        k->arrays++;
        k->st = ap_json_array_strings(parser, f->str, take_alg, k);
    }
    return 0;
}

static const char kex_line[] =
    "{\"eventid\":\"cowrie.client.kex\",\"hassh\":\"f862b1c2512ed14ce0a85110867c369b\","
    "\"kexAlgs\":[\"curve25519-sha256@libssh.org\",\"ecdh-sha2-nistp256\",\"ecdh-sha2-nistp384\","
    "\"ecdh-sha2-nistp521\",\"diffie-hellman-group14-sha1\"],\"keyAlgs\":[\"ssh-rsa\","
    "\"ssh-dss\"],\"compCS\":[\"none\"],\"langCS\":[\"\"],\"message\":\"SSH client hassh "
    "fingerprint: f862b1c2512ed14ce0a85110867c369b\",\"sensor\":\"9713b3442cdf\","
    "\"timestamp\":\"2020-02-22T07:57:41.723279Z\",\"src_ip\":\"5.182.39.97\","
    "\"session\":\"07041be58d34\"}";

static void test_array_strings(void)
{
    size_t len = sizeof kex_line - 1;
    char *buf = calloc(1, len + AP_READER_PADDING);
    memcpy(buf, kex_line, len);
    kex k;
    memset(&k, 0, sizeof k);
    CHECK_EQ_INT(ap_json_object_each(parser, buf, len, on_kex_field, &k, errbuf, sizeof errbuf),
                 AP_OK);
    CHECK_EQ_INT(k.arrays, 1);
    CHECK_EQ_INT(k.st, AP_OK);
    CHECK_EQ_INT(k.n, 5);
    CHECK_EQ_STR(k.algs[0], "curve25519-sha256@libssh.org");
    CHECK_EQ_STR(k.algs[4], "diffie-hellman-group14-sha1");
    CHECK_EQ_INT(k.index[4], 4);

    /* Directly: escapes, non-strings skipped (index is the position in the array), stop. */
    kex d;
    memset(&d, 0, sizeof d);
    CHECK_EQ_INT(ap_json_array_strings(parser, AP_STR_LIT("[\"a\\u00e9\", 1, null, [\"x\"], \"b\"]"),
                                       take_alg, &d),
                 AP_OK);
    CHECK_EQ_INT(d.n, 2);
    CHECK_EQ_STR(d.algs[0], "a\xc3\xa9");
    CHECK_EQ_STR(d.algs[1], "b");
    CHECK_EQ_INT(d.index[1], 4);

    memset(&d, 0, sizeof d);
    d.stop_at = 1;
    CHECK_EQ_INT(ap_json_array_strings(parser, AP_STR_LIT("[\"a\",\"b\"]"), take_alg, &d), AP_OK);
    CHECK_EQ_INT(d.n, 1);

    memset(&d, 0, sizeof d);
    CHECK_EQ_INT(ap_json_array_strings(parser, AP_STR_LIT("[]"), take_alg, &d), AP_OK);
    CHECK_EQ_INT(d.n, 0);
    CHECK_EQ_INT(ap_json_array_strings(parser, AP_STR_LIT("{\"a\":1}"), take_alg, &d),
                 AP_ERR_FORMAT);
    CHECK_EQ_INT(ap_json_array_strings(parser, AP_STR_LIT("[1,,2]"), take_alg, &d), AP_ERR_FORMAT);
    CHECK_EQ_INT(ap_json_array_strings(parser, AP_STR_LIT("[\"a\""), take_alg, &d), AP_ERR_FORMAT);
    CHECK_EQ_INT(ap_json_array_strings(parser, AP_STR_LIT("[\"a\"] x"), take_alg, &d),
                 AP_ERR_FORMAT);
    CHECK_EQ_INT(ap_json_array_strings(parser, AP_STR_NULL, take_alg, &d), AP_ERR_FORMAT);

    /* Strings handed out by the outer walk stay valid across an inner array parse. */
    free(buf);
}

static int check_views_survive(void *user, const ap_json_field *f)
{
    ap_str *first = user;
    if (ap_str_eq_c(f->key, "first"))
        *first = f->str;
    if (f->type == AP_JSON_ARRAY) {
        kex d;
        memset(&d, 0, sizeof d);
        CHECK_EQ_INT(ap_json_array_strings(parser, f->str, take_alg, &d), AP_OK);
        CHECK_EQ_INT(d.n, 2);
    }
    return 0;
}

static void test_views_survive_nested_parse(void)
{
    const char line[] = "{\"first\":\"esc\\\"aped\",\"arr\":[\"q\\u0041\",\"r\"],\"last\":1}";
    char *buf = calloc(1, sizeof line + AP_READER_PADDING);
    memcpy(buf, line, sizeof line - 1);
    ap_str first = AP_STR_NULL;
    CHECK_EQ_INT(ap_json_object_each(parser, buf, sizeof line - 1, check_views_survive, &first,
                                     errbuf, sizeof errbuf),
                 AP_OK);
    CHECK(ap_str_eq_c(first, "esc\"aped"));
    free(buf);
}

static void test_arguments(void)
{
    seen s = {0};
    CHECK_EQ_INT(ap_json_object_each(NULL, "{}", 2, collect, &s, NULL, 0), AP_ERR_ARG);
    CHECK_EQ_INT(ap_json_object_each(parser, NULL, 2, collect, &s, NULL, 0), AP_ERR_ARG);
    CHECK_EQ_INT(ap_json_object_each(parser, "{}", 2, NULL, &s, NULL, 0), AP_ERR_ARG);
    CHECK_EQ_INT(ap_json_parser_new(NULL), AP_ERR_ARG);
    ap_json_parser_free(NULL);
}

static void test_reuse_after_errors(void)
{
    /* A parser that saw bad lines keeps working, and a long line after short ones is fine. */
    seen s = {0};
    CHECK_EQ_INT(parse("{\"a\":", &s), AP_ERR_FORMAT);
    CHECK_EQ_INT(parse("{\"a\":\"\xff\"}", &s), AP_ERR_FORMAT);
    size_t n = 200000;
    char *big = malloc(n + 16);
    memcpy(big, "{\"big\":\"", 8);
    memset(big + 8, 'x', n);
    memcpy(big + 8 + n, "\"}", 2);
    CHECK_EQ_INT(parse_n(big, n + 10, &s, 0), AP_OK);
    CHECK_EQ_INT(s.n, 1);
    CHECK_EQ_INT(s.f[0].str_len, n);
    free(big);
    CHECK_EQ_INT(parse("{\"a\":1}", &s), AP_OK);
    CHECK_EQ_INT(s.f[0].i, 1);
}

int main(void)
{
    if (ap_json_parser_new(&parser) != AP_OK) {
        fprintf(stderr, "cannot create the JSON parser\n");
        return 1;
    }
    test_typed_fields();
    test_escapes();
    test_nested_raw();
    test_numbers();
    test_invalid_json();
    test_invalid_utf8();
    test_truncated();
    test_trailing();
    test_empty_object();
    test_early_stop();
    test_array_strings();
    test_views_survive_nested_parse();
    test_arguments();
    test_reuse_after_errors();
    ap_json_parser_free(parser);
    CHECK_DONE();
}
