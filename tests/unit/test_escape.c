/* test_escape.c — pins how attacker text is neutralised for each sink (util/escape.h): hostile
 * strings (terminal escape sequences, CR, NUL inside, invalid UTF-8, U+2028, bidi overrides,
 * spreadsheet formulas, markup) and the buffer form's truncation and length contract. */
#include "check.h"
#include "util/escape.h"

#define S(lit) ap_str_make((lit), sizeof(lit) - 1) /* keeps embedded NULs */

static char out[1024];

static const char *json(ap_str s) { ap_escape_json_buf(out, sizeof out, s); return out; }
static const char *term(ap_str s) { ap_escape_term_buf(out, sizeof out, s); return out; }
static const char *csv(ap_str s) { ap_escape_csv_buf(out, sizeof out, s); return out; }
static const char *html(ap_str s) { ap_escape_html_buf(out, sizeof out, s); return out; }

/* Does the escaped text contain a byte a terminal would act on? */
static int has_terminal_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            return 1;
    return 0;
}

static void test_utf8_decode(void)
{
    uint32_t cp;
    CHECK_EQ_INT(ap_utf8_decode((const unsigned char *)"A", 1, &cp), 1);
    CHECK_EQ_INT(ap_utf8_decode((const unsigned char *)"\xc3\xa9", 2, &cp), 2);
    CHECK_EQ_INT(cp, 0xE9);
    CHECK_EQ_INT(ap_utf8_decode((const unsigned char *)"\xf0\x9f\x98\x80", 4, &cp), 4);
    CHECK_EQ_INT(cp, 0x1F600);
    CHECK_EQ_INT(ap_utf8_decode((const unsigned char *)"\xc0\xaf", 2, &cp), 0);     /* overlong '/' */
    CHECK_EQ_INT(ap_utf8_decode((const unsigned char *)"\xe0\x80\xaf", 3, &cp), 0); /* overlong */
    CHECK_EQ_INT(ap_utf8_decode((const unsigned char *)"\xed\xa0\x80", 3, &cp), 0); /* surrogate */
    CHECK_EQ_INT(ap_utf8_decode((const unsigned char *)"\xf4\x90\x80\x80", 4, &cp), 0); /* > 10FFFF */
    CHECK_EQ_INT(ap_utf8_decode((const unsigned char *)"\xe2\x82", 2, &cp), 0);     /* truncated */
    CHECK_EQ_INT(ap_utf8_decode((const unsigned char *)"\x80", 1, &cp), 0);         /* lone continuation */
    CHECK_EQ_INT(ap_utf8_decode((const unsigned char *)"\xff", 1, &cp), 0);
}

static void test_json(void)
{
    CHECK_EQ_STR(json(AP_STR_NULL), "null");
    CHECK_EQ_STR(json(S("")), "\"\"");
    CHECK_EQ_STR(json(S("uname -a")), "\"uname -a\"");
    CHECK_EQ_STR(json(S("a\"b\\c")), "\"a\\\"b\\\\c\"");
    CHECK_EQ_STR(json(S("\x1b[2J")), "\"\\u001b[2J\"");
    CHECK_EQ_STR(json(S("a\r\nb\tc\b\f")), "\"a\\r\\nb\\tc\\b\\f\"");
    CHECK_EQ_STR(json(S("a\0b")), "\"a\\u0000b\"");
    CHECK_EQ_STR(json(S("\x7f")), "\"\\u007f\"");
    CHECK_EQ_STR(json(S("\xc2\x9b" "31m")), "\"\\u009b31m\""); /* C1 CSI */
    CHECK_EQ_STR(json(S("x\xff\xfey")), "\"x\\ufffd\\ufffdy\"");
    CHECK_EQ_STR(json(S("\xc0\xaf")), "\"\\ufffd\\ufffd\"");
    CHECK_EQ_STR(json(S("\xe2\x80\xa8")), "\"\\u2028\"");
    CHECK_EQ_STR(json(S("\xe2\x80\xa9")), "\"\\u2029\"");
    CHECK_EQ_STR(json(S("\xe2\x80\xae" "gpj.exe")), "\"\\u202egpj.exe\"");
    CHECK_EQ_STR(json(S("caf\xc3\xa9 \xf0\x9f\x98\x80")), "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
    CHECK_EQ_STR(json(S("</script>")), "\"</script>\"");
}

static void test_term(void)
{
    CHECK_EQ_STR(term(AP_STR_NULL), "");
    CHECK_EQ_STR(term(S("cat /etc/passwd")), "cat /etc/passwd");
    CHECK_EQ_STR(term(S("\x1b[2J\x1b]0;pwned\x07")), "\\x1b[2J\\x1b]0;pwned\\x07");
    CHECK_EQ_STR(term(S("ok\rFAKE")), "ok\\rFAKE");
    CHECK_EQ_STR(term(S("a\nb\tc")), "a\\nb\\tc");
    CHECK_EQ_STR(term(S("a\0b")), "a\\x00b");
    CHECK_EQ_STR(term(S("\x7f")), "\\x7f");
    /* backslashes stay as typed, so droppers read (and copy) as the attacker wrote them */
    CHECK_EQ_STR(term(S("echo -en '\\x7f\\x45'")), "echo -en '\\x7f\\x45'");
    CHECK_EQ_STR(term(S("\x9b" "2J")), "\\x9b2J");  /* raw 8-bit CSI byte (invalid UTF-8) */
    CHECK_EQ_STR(term(S("\xc2\x9b" "2J")), "\\u009b2J"); /* C1 CSI as UTF-8 */
    CHECK_EQ_STR(term(S("\xe2\x80\xae" "txt.exe")), "\\u202etxt.exe"); /* right-to-left override */
    CHECK_EQ_STR(term(S("a\xe2\x80\xa8" "b")), "a\\u2028b");
    CHECK_EQ_STR(term(S("\xe4\xbd\xa0\xe5\xa5\xbd")), "\xe4\xbd\xa0\xe5\xa5\xbd"); /* CJK kept */
    CHECK_EQ_STR(term(S("\xed\xa0\x80")), "\\xed\\xa0\\x80");
    /* No output of any single byte value carries a control to the terminal. */
    int clean = 1;
    for (int c = 0; c < 256; c++) {
        char in[3] = {'x', (char)c, 'y'};
        if (has_terminal_control(term(ap_str_make(in, 3))))
            clean = 0;
    }
    CHECK(clean);
}

static void test_csv(void)
{
    CHECK_EQ_STR(csv(AP_STR_NULL), "");
    CHECK_EQ_STR(csv(S("")), "\"\"");
    CHECK_EQ_STR(csv(S("root")), "root");
    CHECK_EQ_STR(csv(S("a,b")), "\"a,b\"");
    CHECK_EQ_STR(csv(S("say \"hi\"")), "\"say \"\"hi\"\"\"");
    CHECK_EQ_STR(csv(S("line1\nline2")), "\"line1\nline2\"");
    CHECK_EQ_STR(csv(S("=HYPERLINK(\"http://evil\",\"x\")")),
                 "\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"");
    CHECK_EQ_STR(csv(S("=1+1")), "'=1+1");
    CHECK_EQ_STR(csv(S("+cmd|' /C calc'!A0")), "'+cmd|' /C calc'!A0");
    CHECK_EQ_STR(csv(S("-2+3")), "'-2+3");
    CHECK_EQ_STR(csv(S("@SUM(A1)")), "'@SUM(A1)");
    CHECK_EQ_STR(csv(S("\t=1")), "\"'\t=1\"");
    CHECK_EQ_STR(csv(S("\r=1")), "\"'\r=1\"");
    CHECK_EQ_STR(csv(S("\xef\xbc\x9d" "1+1")), "'\xef\xbc\x9d" "1+1"); /* full-width = */
    CHECK_EQ_STR(csv(S("a=b")), "a=b");                                  /* only the first char */
    CHECK_EQ_STR(csv(S(" lead")), "\" lead\"");
    CHECK_EQ_STR(csv(S("a\0b")), "a\xef\xbf\xbd" "b");
    CHECK_EQ_STR(csv(S("\x1b[2J")), "\xef\xbf\xbd[2J");
    CHECK_EQ_STR(csv(S("x\xff")), "x\xef\xbf\xbd");
}

static void test_html(void)
{
    CHECK_EQ_STR(html(AP_STR_NULL), "");
    CHECK_EQ_STR(html(S("<script>alert('x')</script>")),
                 "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    CHECK_EQ_STR(html(S("a&b \"q\"")), "a&amp;b &quot;q&quot;");
    CHECK_EQ_STR(html(S("\x1b[2J")), "\xe2\x90\x9b[2J"); /* ␛ */
    CHECK_EQ_STR(html(S("a\0b")), "a\xe2\x90\x80" "b");  /* ␀ */
    CHECK_EQ_STR(html(S("a\rb")), "a\xe2\x90\x8d" "b");  /* ␍ */
    CHECK_EQ_STR(html(S("a\nb\tc")), "a\nb\tc");
    CHECK_EQ_STR(html(S("\x7f")), "\xe2\x90\xa1");
    CHECK_EQ_STR(html(S("x\xc3")), "x\xef\xbf\xbd");
    CHECK_EQ_STR(html(S("\xe2\x80\xae" "gpj.exe")), "\xef\xbf\xbdgpj.exe");
    CHECK_EQ_STR(html(S("\xe2\x80\xa8")), "\xef\xbf\xbd");
}

static void test_buffer_contract(void)
{
    char small[8];
    /* full length is returned even when it does not fit */
    size_t need = ap_escape_json_buf(small, sizeof small, S("\x1b\x1b\x1b"));
    CHECK_EQ_INT(need, 2 + 3 * 6);
    /* cut at a whole escape: '"' + one \u001b = 7 bytes, the second escape does not fit */
    CHECK_EQ_STR(small, "\"\\u001b");
    CHECK_EQ_INT(ap_escape_term_buf(NULL, 0, S("ab\x1b")), 6);
    CHECK_EQ_INT(ap_escape_term_buf(small, 1, S("ab")), 2);
    CHECK_EQ_STR(small, "");
    /* never cuts inside a UTF-8 sequence */
    char four[4];
    ap_escape_term_buf(four, sizeof four, S("a\xe4\xbd\xa0"));
    CHECK_EQ_STR(four, "a");
    ap_escape_term_buf(four, sizeof four, S("\xe4\xbd\xa0"));
    CHECK_EQ_STR(four, "\xe4\xbd\xa0");
}

static void test_stream(void)
{
    const char *dir = check_tmpdir("escape");
    char path[4200];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    FILE *f = fopen(path, "w+");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK(ap_escape_json(f, S("a\x1b")) == AP_OK);
    CHECK(ap_escape_term(f, S(" \x1b")) == AP_OK);
    CHECK(ap_escape_csv(f, S(" =x")) == AP_OK);
    CHECK(ap_escape_html(f, S("<")) == AP_OK);
    rewind(f);
    char got[128] = {0};
    size_t n = fread(got, 1, sizeof got - 1, f);
    fclose(f);
    CHECK_EQ_INT(n, strlen("\"a\\u001b\" \\x1b\" =x\"&lt;"));
    CHECK_EQ_STR(got, "\"a\\u001b\" \\x1b\" =x\"&lt;");
    /* a stream that cannot be written reports AP_ERR_IO */
    FILE *ro = fopen(path, "r");
    CHECK(ro != NULL);
    if (ro) {
        ap_status st = ap_escape_term(ro, S("x"));
        st = st == AP_OK && fflush(ro) != 0 ? AP_ERR_IO : st;
        CHECK(st == AP_ERR_IO || ferror(ro));
        fclose(ro);
    }
}

int main(void)
{
    test_utf8_decode();
    test_json();
    test_term();
    test_csv();
    test_html();
    test_buffer_contract();
    test_stream();
    CHECK_DONE();
}
