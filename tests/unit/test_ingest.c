/* test_ingest.c — the ingest pipeline seen through the public API only: logs written by the test
 * are read with ap_ingest, and the exact numbers are checked in the ingest summary, in
 * ap_store_stats and in every field ap_session_iter hands out. Covers every modelled event kind,
 * one and two threads giving the same store, re-runs, appends, the same content in two files,
 * bad lines reported through the diagnostics callback with file and line, the line length
 * limit, the include pattern for directories, a missing input, and the stop flag. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "actorprint.h"
#include "check.h"

#define OK(expr) CHECK_EQ_INT((expr), AP_OK)

static char dir[4096];

static const char *path_in(const char *name)
{
    static char buf[64][4200]; /* enough that no test sees one of its paths reused */
    static int k;
    k = (k + 1) % 64;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void write_file(const char *path, const char *mode, const char *text)
{
    FILE *f = fopen(path, mode);
    if (!f) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

/* ---- diagnostics collector ---- */

typedef struct diags {
    int n;
    int errors, warnings;
    char reason[16][40];
    char file[16][4200];
    uint64_t line[16];
    ap_severity sev[16];
} diags;

static void collect(void *user, const ap_diag *d)
{
    diags *c = user;
    if (d->severity == AP_SEV_ERROR)
        c->errors++;
    else if (d->severity == AP_SEV_WARNING)
        c->warnings++;
    if (c->n < 16) {
        snprintf(c->reason[c->n], sizeof c->reason[0], "%s", d->reason ? d->reason : "");
        snprintf(c->file[c->n], sizeof c->file[0], "%s", d->file ? d->file : "");
        c->line[c->n] = d->line;
        c->sev[c->n] = d->severity;
    }
    c->n++;
}

static int find_diag(const diags *c, const char *reason)
{
    for (int i = 0; i < c->n && i < 16; i++)
        if (strcmp(c->reason[i], reason) == 0)
            return i;
    return -1;
}

/* Ingests `paths` into the store at db (created when missing) with `threads`. */
static ap_status ingest(const char *db, const char *const *paths, size_t n, unsigned threads,
                        diags *d, ap_ingest_summary *sum)
{
    ap_store *st = NULL;
    char err[256];
    ap_status s = ap_store_open(db, AP_STORE_READ_WRITE, &st, err, sizeof err);
    if (s != AP_OK) {
        fprintf(stderr, "open %s: %s\n", db, err);
        return s;
    }
    ap_ingest_options o;
    ap_ingest_options_init(&o);
    o.threads = threads;
    if (d) {
        memset(d, 0, sizeof *d);
        o.on_diag = collect;
        o.diag_user = d;
    }
    s = ap_ingest(st, paths, n, &o, sum);
    ap_store_close(st);
    return s;
}

static ap_status get_stats(const char *db, ap_stats *out)
{
    ap_store *st = NULL;
    memset(out, 0, sizeof *out);
    ap_status s = ap_store_open(db, AP_STORE_READ_ONLY, &st, NULL, 0);
    if (s == AP_OK)
        s = ap_store_stats(st, out);
    ap_store_close(st);
    return s;
}

static uint64_t reason_count(const ap_stats *s, const char *reason)
{
    for (size_t i = 0; i < s->nreasons; i++)
        if (s->reasons[i].reason && strcmp(s->reasons[i].reason, reason) == 0)
            return s->reasons[i].count;
    return 0;
}

static int64_t ts(const char *iso)
{
    int64_t us = 0;
    if (ap_parse_time(iso, strlen(iso), &us) != AP_OK)
        return -1;
    return us;
}

/* ---- the sample: every modelled kind, one ssh and one telnet session, 23 lines ---- */

#define L(s, t, e, rest)                                                                           \
    "{\"eventid\":\"" e "\",\"session\":\"" s "\",\"sensor\":\"hp1\",\"src_ip\":\"203.0.113.7\","  \
    "\"timestamp\":\"2024-03-01T" t "Z\"" rest "}\n"

static const char SAMPLE[] =
    L("a1b2c3d4e5f6", "10:00:00.000000", "cowrie.session.connect",
      ",\"src_port\":51234,\"dst_ip\":\"10.0.0.5\",\"dst_port\":22,\"protocol\":\"ssh\"")
    L("a1b2c3d4e5f6", "10:00:00.100000", "cowrie.client.version", ",\"version\":\"SSH-2.0-Go\"")
    L("a1b2c3d4e5f6", "10:00:00.200000", "cowrie.client.kex",
      ",\"hassh\":\"0123456789abcdef0123456789abcdef\",\"hasshAlgorithms\":\"a;b;c;d\"")
    L("a1b2c3d4e5f6", "10:00:00.300000", "cowrie.client.fingerprint",
      ",\"fingerprint\":\"aa:bb:cc\",\"key\":\"AAAAB3\",\"type\":\"ssh-rsa\",\"username\":\"root\"")
    L("a1b2c3d4e5f6", "10:00:01.000000", "cowrie.login.failed",
      ",\"username\":\"root\",\"password\":\"123456\"")
    L("a1b2c3d4e5f6", "10:00:02.000000", "cowrie.login.success",
      ",\"username\":\"root\",\"password\":\"p\\\"a\\\\ss\"")
    L("a1b2c3d4e5f6", "10:00:02.100000", "cowrie.client.size", ",\"width\":120,\"height\":40")
    L("a1b2c3d4e5f6", "10:00:02.150000", "cowrie.client.var", ",\"name\":\"LANG\",\"value\":\"C\"")
    L("a1b2c3d4e5f6", "10:00:02.200000", "cowrie.session.params", ",\"arch\":\"linux-x64-lsb\"")
    L("a1b2c3d4e5f6", "10:00:03.000000", "cowrie.command.input",
      ",\"input\":\"echo \\\"x\\\" \\\\ \\t caf\\u00e9\"")
    L("a1b2c3d4e5f6", "10:00:04.000000", "cowrie.command.input", ",\"input\":\"nosuch\"")
    L("a1b2c3d4e5f6", "10:00:04.000500", "cowrie.command.failed", ",\"input\":\"nosuch\"")
    L("a1b2c3d4e5f6", "10:00:05.000000", "cowrie.session.file_download",
      ",\"url\":\"http://198.51.100.9/x.sh\",\"shasum\":\"abc123\",\"outfile\":\"dl/abc123\","
      "\"destfile\":\"/tmp/x.sh\",\"duplicate\":false")
    L("a1b2c3d4e5f6", "10:00:05.500000", "cowrie.session.file_download.failed",
      ",\"url\":\"http://198.51.100.9/y.sh\"")
    L("a1b2c3d4e5f6", "10:00:06.000000", "cowrie.session.file_upload",
      ",\"filename\":\"up.tgz\",\"shasum\":\"def456\",\"outfile\":\"dl/def456\"")
    L("a1b2c3d4e5f6", "10:00:07.000000", "cowrie.direct-tcpip.request",
      ",\"dst_ip\":\"example.com\",\"dst_port\":443,\"src_port\":0")
    L("a1b2c3d4e5f6", "10:00:08.000000", "cowrie.log.closed",
      ",\"ttylog\":\"tty/abc\",\"size\":100,\"shasum\":\"abc\",\"duration\":1.5,\"duplicate\":false")
    L("a1b2c3d4e5f6", "10:00:09.000000", "cowrie.frobnicate", ",\"what\":\"unknown kind\"")
    L("a1b2c3d4e5f6", "10:00:12.500000", "cowrie.session.closed", ",\"duration\":12.5")
    L("0011aabb", "11:00:00.000000", "cowrie.session.connect",
      ",\"src_port\":40000,\"dst_ip\":\"10.0.0.5\",\"dst_port\":23,\"protocol\":\"telnet\"")
    L("0011aabb", "11:00:01.000000", "cowrie.login.success",
      ",\"username\":\"admin\",\"password\":\"admin\"")
    L("0011aabb", "11:00:02.000000", "cowrie.command.input", ",\"input\":\"sh\"")
    L("0011aabb", "11:00:03.250000", "cowrie.session.closed", ",\"duration\":3.25");
#define SAMPLE_LINES 23

static void check_sample_stats(const ap_stats *s, uint64_t files)
{
    CHECK_EQ_INT(s->events, SAMPLE_LINES);
    CHECK_EQ_INT(s->sessions, 2);
    CHECK_EQ_INT(s->sensors, 1);
    CHECK_EQ_INT(s->source_ips, 1);
    CHECK_EQ_INT(s->sessions_with_commands, 2);
    CHECK_EQ_INT(s->commands, 3);
    CHECK_EQ_INT(s->logins_ok, 2);
    CHECK_EQ_INT(s->logins_failed, 1);
    CHECK_EQ_INT(s->downloads, 1); /* the saved one; a failed download is not a download */
    CHECK_EQ_INT(s->uploads, 1);
    CHECK_EQ_INT(s->distinct_hassh, 1);
    CHECK_EQ_INT(s->client_keys, 1);
    CHECK_EQ_INT(s->tcp_forwards, 1);
    CHECK_EQ_INT(s->unknown_events, 1);
    CHECK_EQ_INT(s->files, files);
    CHECK_EQ_INT(s->first_ts_us, ts("2024-03-01T10:00:00Z"));
    CHECK_EQ_INT(s->last_ts_us, ts("2024-03-01T11:00:03.25Z"));
    CHECK_EQ_INT(s->bad_lines, 0);
    CHECK_EQ_INT(s->nreasons, 0);
}

static void check_sample_sessions(const char *db)
{
    ap_store *st = NULL;
    ap_session_iter *it = NULL;
    const ap_session_view *v = NULL;
    OK(ap_store_open(db, AP_STORE_READ_ONLY, &st, NULL, 0));
    if (!st)
        return;
    ap_session_filter f;
    memset(&f, 0, sizeof f);
    OK(ap_session_iter_open(st, &f, &it));
    OK(ap_session_iter_next(it, &v));
    if (v) { /* the ssh session, oldest first */
        CHECK_EQ_STR(v->sensor, "hp1");
        CHECK_EQ_STR(v->session, "a1b2c3d4e5f6");
        CHECK_EQ_STR(v->protocol, "ssh");
        CHECK_EQ_STR(v->src_ip, "203.0.113.7");
        CHECK_EQ_INT(v->src_port, 51234);
        CHECK_EQ_STR(v->dst_ip, "10.0.0.5");
        CHECK_EQ_INT(v->dst_port, 22);
        CHECK_EQ_INT(v->start_us, ts("2024-03-01T10:00:00Z"));
        CHECK_EQ_INT(v->end_us, ts("2024-03-01T10:00:12.5Z"));
        CHECK(fabs(v->duration - 12.5) < 1e-9);
        CHECK_EQ_INT(v->closed, 1);
        CHECK_EQ_STR(v->client_version, "SSH-2.0-Go");
        CHECK_EQ_STR(v->hassh, "0123456789abcdef0123456789abcdef");
        CHECK_EQ_STR(v->arch, "linux-x64-lsb");
        CHECK_EQ_INT(v->term_width, 120);
        CHECK_EQ_INT(v->term_height, 40);
        CHECK_EQ_INT(v->events, 19);
        CHECK_EQ_INT(v->nlogins, 2);
        if (v->nlogins == 2) {
            CHECK_EQ_INT(v->logins[0].ts_us, ts("2024-03-01T10:00:01Z"));
            CHECK_EQ_STR(v->logins[0].username, "root");
            CHECK_EQ_STR(v->logins[0].password, "123456");
            CHECK_EQ_INT(v->logins[0].success, 0);
            CHECK_EQ_STR(v->logins[1].password, "p\"a\\ss");
            CHECK_EQ_INT(v->logins[1].success, 1);
        }
        CHECK_EQ_INT(v->ncommands, 2);
        if (v->ncommands == 2) {
            CHECK_EQ_STR(v->commands[0].input, "echo \"x\" \\ \t caf\xc3\xa9");
            CHECK_EQ_INT(v->commands[0].success, -1);
            CHECK_EQ_INT(v->commands[0].ts_us, ts("2024-03-01T10:00:03Z"));
            CHECK_EQ_STR(v->commands[1].input, "nosuch");
            CHECK_EQ_INT(v->commands[1].success, 0);
        }
        CHECK_EQ_INT(v->ntransfers, 3);
        if (v->ntransfers == 3) {
            CHECK_EQ_INT(v->transfers[0].upload, 0);
            CHECK_EQ_INT(v->transfers[0].failed, 0);
            CHECK_EQ_STR(v->transfers[0].url, "http://198.51.100.9/x.sh");
            CHECK_EQ_STR(v->transfers[0].shasum, "abc123");
            CHECK_EQ_STR(v->transfers[0].outfile, "dl/abc123");
            CHECK_EQ_STR(v->transfers[0].filename, "/tmp/x.sh");
            CHECK_EQ_INT(v->transfers[1].failed, 1);
            CHECK_EQ_STR(v->transfers[1].url, "http://198.51.100.9/y.sh");
            CHECK_EQ_INT(v->transfers[2].upload, 1);
            CHECK(v->transfers[2].url == NULL);
            CHECK_EQ_STR(v->transfers[2].filename, "up.tgz");
            CHECK_EQ_STR(v->transfers[2].shasum, "def456");
        }
        CHECK_EQ_INT(v->nclient_keys, 1);
        if (v->nclient_keys == 1)
            CHECK_EQ_STR(v->client_keys[0], "aa:bb:cc");
        CHECK_EQ_INT(v->nforwards, 1);
        if (v->nforwards == 1)
            CHECK_EQ_STR(v->forwards[0], "example.com:443");
    }
    OK(ap_session_iter_next(it, &v));
    if (v) {
        CHECK_EQ_STR(v->session, "0011aabb");
        CHECK_EQ_STR(v->protocol, "telnet");
        CHECK_EQ_INT(v->dst_port, 23);
        CHECK(v->client_version == NULL);
        CHECK(v->hassh == NULL);
        CHECK_EQ_INT(v->events, 4);
        CHECK_EQ_INT(v->nlogins, 1);
        CHECK_EQ_INT(v->ncommands, 1);
        CHECK(fabs(v->duration - 3.25) < 1e-9);
    }
    CHECK_EQ_INT(ap_session_iter_next(it, &v), AP_END);
    ap_session_iter_close(it);

    /* filters */
    f.ip = "203.0.113.7";
    OK(ap_session_iter_open(st, &f, &it));
    int n = 0;
    while (ap_session_iter_next(it, &v) == AP_OK)
        n++;
    CHECK_EQ_INT(n, 2);
    ap_session_iter_close(it);
    memset(&f, 0, sizeof f);
    f.since_us = ts("2024-03-01T10:30:00Z");
    OK(ap_session_iter_open(st, &f, &it));
    OK(ap_session_iter_next(it, &v));
    if (v)
        CHECK_EQ_STR(v->session, "0011aabb");
    CHECK_EQ_INT(ap_session_iter_next(it, &v), AP_END);
    ap_session_iter_close(it);
    ap_store_close(st);
}

static void test_sample(void)
{
    const char *log = path_in("sample/cowrie.json");
    mkdir(path_in("sample"), 0755);
    write_file(log, "w", SAMPLE);
    const char *paths[] = {log};
    ap_ingest_summary sum;
    diags d;
    OK(ingest(path_in("sample1.db"), paths, 1, 1, &d, &sum));
    CHECK_EQ_INT(d.n, 0);
    CHECK_EQ_INT(sum.files, 1);
    CHECK_EQ_INT(sum.files_skipped, 0);
    CHECK_EQ_INT(sum.bytes, sizeof SAMPLE - 1);
    CHECK_EQ_INT(sum.lines, SAMPLE_LINES);
    CHECK_EQ_INT(sum.events, SAMPLE_LINES);
    CHECK_EQ_INT(sum.duplicates, 0);
    CHECK_EQ_INT(sum.unknown_events, 1);
    CHECK_EQ_INT(sum.bad_lines, 0);
    CHECK_EQ_INT(sum.sessions_new, 2);
    CHECK_EQ_INT(sum.sessions_updated, 0);
    CHECK_EQ_INT(sum.read_errors, 0);
    ap_stats s;
    OK(get_stats(path_in("sample1.db"), &s));
    check_sample_stats(&s, 1);
    ap_stats_free(&s);
    check_sample_sessions(path_in("sample1.db"));

    /* two threads: the same store */
    OK(ingest(path_in("sample2.db"), paths, 1, 0, NULL, &sum));
    CHECK_EQ_INT(sum.events, SAMPLE_LINES);
    OK(get_stats(path_in("sample2.db"), &s));
    check_sample_stats(&s, 1);
    ap_stats_free(&s);
    check_sample_sessions(path_in("sample2.db"));

    /* a second run reads nothing */
    OK(ingest(path_in("sample1.db"), paths, 1, 1, &d, &sum));
    CHECK_EQ_INT(d.n, 0);
    CHECK_EQ_INT(sum.files, 1);
    CHECK_EQ_INT(sum.files_skipped, 1);
    CHECK_EQ_INT(sum.lines, 0);
    CHECK_EQ_INT(sum.events, 0);
    CHECK_EQ_INT(sum.sessions_new + sum.sessions_updated, 0);

    /* the same content under another name: stored once */
    const char *copy = path_in("sample/cowrie.json.2024-03-01");
    write_file(copy, "w", SAMPLE);
    const char *both[] = {copy};
    OK(ingest(path_in("sample1.db"), both, 1, 1, &d, &sum));
    CHECK_EQ_INT(sum.events, 0);
    CHECK_EQ_INT(sum.duplicates + sum.files_skipped * SAMPLE_LINES, SAMPLE_LINES);
    OK(get_stats(path_in("sample1.db"), &s));
    CHECK_EQ_INT(s.events, SAMPLE_LINES);
    CHECK_EQ_INT(s.sessions, 2);
    ap_stats_free(&s);
}

static void test_append(void)
{
    const char *log = path_in("append.json");
    write_file(log, "w", SAMPLE);
    const char *paths[] = {log};
    ap_ingest_summary sum;
    diags d;
    OK(ingest(path_in("append.db"), paths, 1, 1, &d, &sum));
    CHECK_EQ_INT(sum.events, SAMPLE_LINES);
    static const char more[] =
        L("0011aabb", "11:00:05.000000", "cowrie.command.input", ",\"input\":\"late\"")
        L("beef0001", "12:00:00.000000", "cowrie.session.connect", ",\"protocol\":\"ssh\"");
    write_file(log, "a", more);
    OK(ingest(path_in("append.db"), paths, 1, 1, &d, &sum));
    CHECK_EQ_INT(d.n, 0);             /* no "content differs" warning */
    CHECK_EQ_INT(sum.lines, 2);       /* only the new lines are read */
    CHECK_EQ_INT(sum.bytes, sizeof more - 1);
    CHECK_EQ_INT(sum.events, 2);
    CHECK_EQ_INT(sum.duplicates, 0);
    CHECK_EQ_INT(sum.sessions_new, 1);
    CHECK_EQ_INT(sum.sessions_updated, 1);
    ap_stats s;
    OK(get_stats(path_in("append.db"), &s));
    CHECK_EQ_INT(s.events, SAMPLE_LINES + 2);
    CHECK_EQ_INT(s.sessions, 3);
    CHECK_EQ_INT(s.commands, 4);
    CHECK_EQ_INT(s.files, 1);
    CHECK_EQ_INT(s.last_ts_us, ts("2024-03-01T12:00:00Z"));
    ap_stats_free(&s);
}

static void test_bad_lines(void)
{
    const char *log = path_in("bad.json");
    char *text = malloc(4096);
    snprintf(text, 4096, "%s%s%s%s%s",
             L("b0000001", "01:00:00.000000", "cowrie.session.connect", ",\"protocol\":\"ssh\""),
             "{\"eventid\":\"cowrie.command.input\",\n",                              /* line 2 */
             "{\"eventid\":\"cowrie.command.input\",\"timestamp\":\"2024-03-01T01:00:01Z\"}\n", /* 3 */
             L("b0000001", "01:00:02.000000", "cowrie.command.input", ",\"input\":\"ls\""),
             L("b0000001", "01:00:02.000000", "cowrie.command.input", ",\"input\":\"ls\""));
    write_file(log, "w", text);
    free(text);
    const char *paths[] = {log};
    ap_ingest_summary sum;
    diags d;
    OK(ingest(path_in("bad.db"), paths, 1, 0, &d, &sum));
    CHECK_EQ_INT(sum.lines, 5);
    CHECK_EQ_INT(sum.events, 2);
    CHECK_EQ_INT(sum.duplicates, 1);
    CHECK_EQ_INT(sum.bad_lines, 2);
    CHECK_EQ_INT(d.warnings, 2);
    CHECK_EQ_INT(d.errors, 0);
    int i = find_diag(&d, "invalid_json");
    CHECK(i >= 0);
    if (i >= 0) {
        CHECK_EQ_STR(d.file[i], log);
        CHECK_EQ_INT(d.line[i], 2);
        CHECK_EQ_INT(d.sev[i], AP_SEV_WARNING);
    }
    i = find_diag(&d, "missing_session");
    CHECK(i >= 0);
    if (i >= 0)
        CHECK_EQ_INT(d.line[i], 3);
    ap_stats s;
    OK(get_stats(path_in("bad.db"), &s));
    CHECK_EQ_INT(s.events, 2);
    CHECK_EQ_INT(s.bad_lines, 2);
    CHECK_EQ_INT(s.nreasons, 2);
    CHECK_EQ_INT(reason_count(&s, "invalid_json"), 1);
    CHECK_EQ_INT(reason_count(&s, "missing_session"), 1);
    ap_stats_free(&s);
}

static void test_max_line(void)
{
    const char *log = path_in("long.json");
    char big[1200];
    memset(big, 'A', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    FILE *f = fopen(log, "w");
    if (!f)
        return;
    fputs(L("c0000001", "01:00:00.000000", "cowrie.session.connect", ""), f);
    fprintf(f, "{\"eventid\":\"cowrie.command.input\",\"session\":\"c0000001\","
               "\"timestamp\":\"2024-03-01T01:00:01Z\",\"input\":\"%s\"}\n", big);
    fputs(L("c0000001", "01:00:02.000000", "cowrie.session.closed", ""), f);
    fclose(f);

    ap_store *st = NULL;
    OK(ap_store_open(path_in("long.db"), AP_STORE_READ_WRITE, &st, NULL, 0));
    if (!st)
        return;
    ap_ingest_options o;
    ap_ingest_options_init(&o);
    o.max_line = 1024;
    diags d;
    memset(&d, 0, sizeof d);
    o.on_diag = collect;
    o.diag_user = &d;
    const char *paths[] = {log};
    ap_ingest_summary sum;
    OK(ap_ingest(st, paths, 1, &o, &sum));
    CHECK_EQ_INT(sum.events, 2);
    CHECK_EQ_INT(sum.bad_lines, 1);
    int i = find_diag(&d, "line_too_long");
    CHECK(i >= 0);
    if (i >= 0)
        CHECK_EQ_INT(d.line[i], 2);
    ap_stats s;
    OK(ap_store_stats(st, &s));
    CHECK_EQ_INT(reason_count(&s, "line_too_long"), 1);
    ap_stats_free(&s);
    ap_store_close(st);
}

static void test_include_and_missing(void)
{
    mkdir(path_in("tree"), 0755);
    mkdir(path_in("tree/sub"), 0755);
    write_file(path_in("tree/sub/cowrie.json"), "w",
               L("d0000001", "01:00:00.000000", "cowrie.session.connect", ""));
    write_file(path_in("tree/sub/honeypot.log"), "w",
               L("d0000002", "01:00:00.000000", "cowrie.session.connect", ""));
    write_file(path_in("tree/truth.csv"), "w", "sensor,session,actor,campaign\n");

    /* default pattern: cowrie.json* only */
    const char *paths[] = {path_in("tree")};
    ap_ingest_summary sum;
    OK(ingest(path_in("tree1.db"), paths, 1, 1, NULL, &sum));
    CHECK_EQ_INT(sum.files, 1);
    CHECK_EQ_INT(sum.events, 1);

    /* another pattern */
    ap_store *st = NULL;
    OK(ap_store_open(path_in("tree2.db"), AP_STORE_READ_WRITE, &st, NULL, 0));
    if (st) {
        ap_ingest_options o;
        ap_ingest_options_init(&o);
        o.include = "*.log";
        OK(ap_ingest(st, paths, 1, &o, &sum));
        CHECK_EQ_INT(sum.files, 1);
        CHECK_EQ_INT(sum.events, 1);
        ap_session_filter f;
        memset(&f, 0, sizeof f);
        ap_session_iter *it = NULL;
        const ap_session_view *v = NULL;
        OK(ap_session_iter_open(st, &f, &it));
        OK(ap_session_iter_next(it, &v));
        if (v)
            CHECK_EQ_STR(v->session, "d0000002");
        ap_session_iter_close(it);
        ap_store_close(st);
    }

    /* a missing input: AP_ERR_IO, an error diagnostic, the rest read */
    const char *mixed[] = {path_in("no-such-file.json"), path_in("tree/sub/cowrie.json")};
    diags d;
    CHECK_EQ_INT(ingest(path_in("tree3.db"), mixed, 2, 0, &d, &sum), AP_ERR_IO);
    CHECK_EQ_INT(d.errors, 1);
    CHECK_EQ_INT(sum.read_errors, 1);
    CHECK_EQ_INT(sum.events, 1);
    int i = find_diag(&d, d.n > 0 ? d.reason[0] : "");
    CHECK(i == 0 && strstr(d.file[0], "no-such-file.json") != NULL);
    ap_stats s;
    OK(get_stats(path_in("tree3.db"), &s));
    CHECK_EQ_INT(s.events, 1);
    ap_stats_free(&s);
}

static void test_stop_and_args(void)
{
    const char *log = path_in("stop.json");
    write_file(log, "w", SAMPLE);
    ap_store *st = NULL;
    OK(ap_store_open(path_in("stop.db"), AP_STORE_READ_WRITE, &st, NULL, 0));
    if (!st)
        return;
    const char *paths[] = {log};
    ap_ingest_options o;
    ap_ingest_options_init(&o);
    volatile int stop = 1;
    o.stop = &stop;
    ap_ingest_summary sum;
    CHECK_EQ_INT(ap_ingest(st, paths, 1, &o, &sum), AP_ERR_INTERRUPTED);
    ap_stats s;
    OK(ap_store_stats(st, &s)); /* consistent and readable */
    CHECK(s.events <= SAMPLE_LINES);
    ap_stats_free(&s);
    stop = 0;
    OK(ap_ingest(st, paths, 1, &o, &sum)); /* continues to the end */
    OK(ap_store_stats(st, &s));
    check_sample_stats(&s, 1);
    ap_stats_free(&s);

    CHECK_EQ_INT(ap_ingest(NULL, paths, 1, NULL, &sum), AP_ERR_ARG);
    CHECK_EQ_INT(ap_ingest(st, NULL, 1, NULL, &sum), AP_ERR_ARG);
    OK(ap_ingest(st, paths, 0, NULL, &sum)); /* nothing to do */
    CHECK_EQ_INT(sum.events, 0);
    ap_store_close(st);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s", check_tmpdir("test_ingest"));
    test_sample();
    test_append();
    test_bad_lines();
    test_max_line();
    test_include_and_missing();
    test_stop_and_args();
    CHECK_DONE();
}
