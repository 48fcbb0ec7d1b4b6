/* test_cowrie.c — the Cowrie line decoder (ingest/cowrie.c): both log formats, every modelled
 * eventid, unknown eventids, and the rejection reasons of bad lines. */
#include "check.h"
#include "ingest/cowrie.h"
#include "ingest/reader.h"

static ap_cowrie_decoder *dec;
static ap_arena arena;
static char padded[1 << 16];

/* Decodes `line` (copied into a buffer with the reader's padding). */
static ap_status decode(const char *line, ap_event *ev, const char **reason)
{
    size_t n = strlen(line);
    memcpy(padded, line, n);
    memset(padded + n, ' ', AP_READER_PADDING);
    char msg[256];
    return ap_cowrie_decode(dec, padded, n, &arena, ev, reason, msg, sizeof msg);
}

static int str_is(ap_str s, const char *want) { return ap_str_eq_c(s, want); }

static void test_connect(void)
{
    ap_event ev;
    const char *why;
    ap_status st = decode("{\"eventid\":\"cowrie.session.connect\",\"src_ip\":\"5.182.39.97\",\"src_port\":62390,"
                          "\"dst_ip\":\"172.23.0.2\",\"dst_port\":22,\"session\":\"07041be58d34\",\"protocol\":\"ssh\","
                          "\"message\":\"New connection\",\"sensor\":\"9713b3442cdf\",\"timestamp\":\"2020-02-22T07:57:41.672346Z\"}",
                          &ev, &why);
    CHECK_EQ_INT(st, AP_OK);
    CHECK(why == NULL);
    CHECK_EQ_INT(ev.kind, AP_EV_SESSION_CONNECT);
    CHECK(str_is(ev.src_ip, "5.182.39.97"));
    CHECK_EQ_INT(ev.src_port, 62390);
    CHECK(str_is(ev.dst_ip, "172.23.0.2"));
    CHECK_EQ_INT(ev.dst_port, 22);
    CHECK(str_is(ev.session, "07041be58d34"));
    CHECK(str_is(ev.sensor, "9713b3442cdf"));
    CHECK(str_is(ev.protocol, "ssh"));
    CHECK_EQ_INT(ev.ts_us, 1582358261672346LL);
    CHECK(ev.line.p == NULL); /* modelled kinds do not keep the raw line */
}

static void test_versions_and_hassh(void)
{
    ap_event ev;
    const char *why;
    CHECK_EQ_INT(decode("{\"eventid\":\"cowrie.client.version\",\"version\":\"b'SSH-2.0-Go'\",\"session\":\"a\","
                        "\"timestamp\":\"2020-02-22T07:57:41Z\"}", &ev, &why), AP_OK);
    CHECK(str_is(ev.version, "SSH-2.0-Go")); /* Python bytes repr removed */
    CHECK_EQ_INT(decode("{\"eventid\":\"cowrie.client.version\",\"version\":\"SSH-2.0-libssh2_1.9.0\",\"session\":\"a\","
                        "\"timestamp\":\"2020-02-22T07:57:41Z\"}", &ev, &why), AP_OK);
    CHECK(str_is(ev.version, "SSH-2.0-libssh2_1.9.0"));
    CHECK(ev.hassh.p == NULL);
    /* Cowrie 2.x kex event: hassh taken as logged */
    CHECK_EQ_INT(decode("{\"eventid\":\"cowrie.client.kex\",\"hassh\":\"f862b1c2512ed14ce0a85110867c369b\","
                        "\"hasshAlgorithms\":\"a;b;c;none\",\"kexAlgs\":[\"a\"],\"session\":\"a\",\"timestamp\":\"2020-02-22T07:57:41Z\"}",
                        &ev, &why), AP_OK);
    CHECK_EQ_INT(ev.kind, AP_EV_CLIENT_KEX);
    CHECK(str_is(ev.hassh, "f862b1c2512ed14ce0a85110867c369b"));
    CHECK(str_is(ev.hassh_algorithms, "a;b;c;none"));
    /* 2018-era: lists on the version event; HASSH computed = md5("k1,k2;e1;m1,m2;none") */
    CHECK_EQ_INT(decode("{\"eventid\":\"cowrie.client.version\",\"macCS\":[\"m1\",\"m2\"],\"kexAlgs\":[\"k1\",\"k2\"],"
                        "\"keyAlgs\":[\"ssh-rsa\"],\"compCS\":[\"none\"],\"version\":\"SSH-2.0-PUTTY\",\"encCS\":[\"e1\"],"
                        "\"session\":\"5d7c8f2a\",\"sensor\":\"old\",\"timestamp\":\"2018-05-01T10:00:00.000000Z\"}",
                        &ev, &why), AP_OK);
    CHECK(str_is(ev.version, "SSH-2.0-PUTTY"));
    CHECK(str_is(ev.hassh_algorithms, "k1,k2;e1;m1,m2;none"));
    /* echo -n 'k1,k2;e1;m1,m2;none' | md5sum */
    CHECK(str_is(ev.hassh, "b589d72387890acf515ee85be68720c9"));
}

static void test_logins_commands_transfers(void)
{
    ap_event ev;
    const char *why;
    CHECK_EQ_INT(decode("{\"eventid\":\"cowrie.login.failed\",\"username\":\"admin\",\"password\":\"p\\\"w\\\\d\","
                        "\"session\":\"s\",\"timestamp\":\"2020-02-22T07:57:41Z\"}", &ev, &why), AP_OK);
    CHECK_EQ_INT(ev.kind, AP_EV_LOGIN_FAILED);
    CHECK(str_is(ev.password, "p\"w\\d"));
    CHECK_EQ_INT(decode("{\"eventid\":\"cowrie.command.input\",\"input\":\"echo \\\"a\\tb\\\" | base64 -d\\nls\","
                        "\"session\":\"s\",\"timestamp\":\"2020-02-22T07:57:41Z\"}", &ev, &why), AP_OK);
    CHECK(str_is(ev.input, "echo \"a\tb\" | base64 -d\nls")); /* text exactly as typed */
    CHECK_EQ_INT(decode("{\"eventid\":\"cowrie.session.file_download\",\"duplicate\":false,\"outfile\":\"dl/ff\","
                        "\"shasum\":\"ff\",\"destfile\":\"/tmp/x\",\"url\":\"http://1.2.3.4/bins.sh\",\"session\":\"s\","
                        "\"timestamp\":\"2020-02-22T07:57:41Z\"}", &ev, &why), AP_OK);
    CHECK_EQ_INT(ev.kind, AP_EV_FILE_DOWNLOAD);
    CHECK(str_is(ev.url, "http://1.2.3.4/bins.sh"));
    CHECK(str_is(ev.filename, "/tmp/x"));
    CHECK_EQ_INT(ev.duplicate, 0);
    CHECK_EQ_INT(decode("{\"eventid\":\"cowrie.session.file_upload\",\"filename\":\"dota3.tar.gz\",\"outfile\":\"dl/0c\","
                        "\"shasum\":\"0c\",\"session\":\"s\",\"timestamp\":\"2020-02-22T07:57:41Z\"}", &ev, &why), AP_OK);
    CHECK(str_is(ev.filename, "dota3.tar.gz"));
    CHECK_EQ_INT(decode("{\"eventid\":\"cowrie.direct-tcpip.data\",\"dst_ip\":\"ya.ru\",\"dst_port\":\"80\","
                        "\"data\":\"b'GET / HTTP/1.1'\",\"session\":\"s\",\"timestamp\":\"2020-02-22T07:57:41Z\"}", &ev, &why), AP_OK);
    CHECK(str_is(ev.dst_ip, "ya.ru"));
    CHECK_EQ_INT(ev.dst_port, 80); /* numeric string accepted */
    CHECK(str_is(ev.data, "b'GET / HTTP/1.1'"));
    CHECK_EQ_INT(decode("{\"eventid\":\"cowrie.session.closed\",\"duration\":1.35,\"session\":\"s\","
                        "\"timestamp\":\"2020-02-22T07:57:41Z\"}", &ev, &why), AP_OK);
    CHECK(ev.duration > 1.34 && ev.duration < 1.36);
    CHECK_EQ_INT(decode("{\"eventid\":\"cowrie.client.size\",\"width\":80,\"height\":24,\"session\":\"s\","
                        "\"timestamp\":\"2020-02-22T07:57:41Z\"}", &ev, &why), AP_OK);
    CHECK_EQ_INT(ev.width, 80);
    CHECK_EQ_INT(ev.height, 24);
    CHECK_EQ_INT(decode("{\"eventid\":\"cowrie.client.fingerprint\",\"fingerprint\":\"aa:bb\",\"key\":\"AAAAB3\","
                        "\"type\":\"ssh-rsa\",\"username\":\"root\",\"session\":\"s\",\"timestamp\":\"2020-02-22T07:57:41Z\"}",
                        &ev, &why), AP_OK);
    CHECK(str_is(ev.fingerprint, "aa:bb") && str_is(ev.key_type, "ssh-rsa"));
}

static void test_unknown_and_raw(void)
{
    ap_event ev;
    const char *why;
    const char *line = "{\"eventid\":\"cowrie.virustotal.scanfile\",\"sha256\":\"x\",\"session\":\"s\",\"timestamp\":\"2020-02-22T07:57:41Z\"}";
    CHECK_EQ_INT(decode(line, &ev, &why), AP_OK);
    CHECK_EQ_INT(ev.kind, AP_EV_UNKNOWN);
    CHECK(str_is(ev.eventid, "cowrie.virustotal.scanfile"));
    CHECK(str_is(ev.line, line)); /* kept verbatim */
    CHECK_EQ_INT(decode("{\"eventid\":\"cowrie.client.var\",\"name\":\"LANG\",\"value\":\"C\",\"session\":\"s\","
                        "\"timestamp\":\"2020-02-22T07:57:41Z\"}", &ev, &why), AP_OK);
    CHECK_EQ_INT(ev.kind, AP_EV_CLIENT_VAR);
    CHECK(ev.line.p != NULL);
    CHECK(ap_event_kind_from_id(ap_str_c("cowrie.login.success")) == AP_EV_LOGIN_SUCCESS);
    CHECK(ap_event_kind_from_id(ap_str_c("cowrie.login")) == AP_EV_UNKNOWN);
}

static void test_identity(void)
{
    ap_event a, b;
    const char *why;
    const char *l1 = "{\"eventid\":\"cowrie.login.failed\",\"username\":\"a\",\"password\":\"b\",\"session\":\"s\",\"timestamp\":\"2020-02-22T07:57:41Z\"}";
    const char *l2 = "{\"eventid\":\"cowrie.login.failed\",\"username\":\"a\",\"password\":\"c\",\"session\":\"s\",\"timestamp\":\"2020-02-22T07:57:41Z\"}";
    decode(l1, &a, &why);
    uint64_t h1 = a.hash;
    decode(l1, &a, &why);
    decode(l2, &b, &why);
    CHECK(a.hash == h1);
    CHECK(a.hash != b.hash);
}

static void test_bad_lines(void)
{
    ap_event ev;
    const char *why;
    CHECK_EQ_INT(decode("{\"eventid\":\"cowrie.login.failed\",", &ev, &why), AP_ERR_FORMAT);
    CHECK_EQ_STR(why, "invalid_json");
    CHECK_EQ_INT(decode("[1,2]", &ev, &why), AP_ERR_FORMAT);
    CHECK(why != NULL);
    CHECK_EQ_INT(decode("{\"eventid\":\"cowrie.login.failed\",\"timestamp\":\"2020-02-22T07:57:41Z\"}", &ev, &why), AP_ERR_FORMAT);
    CHECK_EQ_STR(why, "missing_session");
    CHECK_EQ_INT(decode("{\"session\":\"s\",\"timestamp\":\"2020-02-22T07:57:41Z\"}", &ev, &why), AP_ERR_FORMAT);
    CHECK_EQ_STR(why, "missing_eventid");
    CHECK_EQ_INT(decode("{\"eventid\":\"cowrie.login.failed\",\"session\":\"s\"}", &ev, &why), AP_ERR_FORMAT);
    CHECK_EQ_STR(why, "missing_timestamp");
    CHECK_EQ_INT(decode("{\"eventid\":\"cowrie.login.failed\",\"session\":\"s\",\"timestamp\":\"yesterday\"}", &ev, &why), AP_ERR_FORMAT);
    CHECK_EQ_STR(why, "bad_timestamp");
    /* invalid UTF-8 inside a string: repaired and kept, with a reason to report */
    CHECK_EQ_INT(decode("{\"eventid\":\"cowrie.command.input\",\"input\":\"echo \xff\xfe ok\",\"session\":\"s\","
                        "\"timestamp\":\"2020-02-22T07:57:41Z\"}", &ev, &why), AP_OK);
    CHECK_EQ_STR(why, "invalid_utf8");
    CHECK(str_is(ev.input, "echo \xEF\xBF\xBD\xEF\xBF\xBD ok"));
}

int main(void)
{
    ap_arena_init(&arena, 4096);
    CHECK_EQ_INT(ap_cowrie_decoder_new(&dec), AP_OK);
    test_connect();
    test_versions_and_hassh();
    test_logins_commands_transfers();
    test_unknown_and_raw();
    test_identity();
    test_bad_lines();
    ap_cowrie_decoder_free(dec);
    ap_arena_free(&arena);
    CHECK_DONE();
}
