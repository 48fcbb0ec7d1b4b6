/* test_sim.c — pins the simulated Cowrie log generator: same seed gives byte-identical output,
 * another seed different output; every line is one JSON object the project's parser accepts;
 * truth.csv names exactly the sessions found in the logs; at least 12 actors; the mdrfckr key
 * line is there; every hassh is the MD5 of its hasshAlgorithms; .gz days decompress; options are
 * validated; target_bytes stops near the target; ip2asn.tsv parses, is sorted and disjoint, and
 * maps every actor's addresses to its provider (xmrig_miner and cloud_curlpipe share one). */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "actorprint.h"
#include "check.h"
#include "ingest/json.h"
#include "understand/asn.h"

/* ---- small helpers ---------------------------------------------------------------------------- */

/* Reads a whole file (gzip or plain: zlib reads both) with 64 zero bytes of padding. */
static char *slurp(const char *path, size_t *len)
{
    gzFile g = gzopen(path, "rb");
    if (!g)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap + 64);
    for (;;) {
        if (!buf)
            break;
        if (cap - n < (1 << 16)) {
            char *nb = realloc(buf, cap * 2 + 64);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        int r = gzread(g, buf + n, (unsigned)(cap - n));
        if (r < 0) {
            free(buf);
            buf = NULL;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    gzclose(g);
    if (buf)
        memset(buf + n, 0, 64);
    *len = n;
    return buf;
}

typedef struct strset {
    char **v;
    size_t n, cap;
} strset;

static void set_add(strset *s, const char *str)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = strdup(str);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts and removes duplicates. */
static void set_finish(strset *s)
{
    qsort(s->v, s->n, sizeof *s->v, cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (k && !strcmp(s->v[k - 1], s->v[i])) {
            free(s->v[i]);
            continue;
        }
        s->v[k++] = s->v[i];
    }
    s->n = k;
}

static int set_has(const strset *s, const char *str)
{
    return bsearch(&str, s->v, s->n, sizeof *s->v, cmp_str) != NULL;
}

static void set_free(strset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* The log files under dir, "SENSOR/cowrie.json.DATE[.gz]", sorted. */
static void list_logs(const char *dir, strset *out)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || strstr(e->d_name, ".csv"))
            continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
        DIR *d2 = opendir(sub);
        if (!d2)
            continue;
        struct dirent *f;
        while ((f = readdir(d2))) {
            if (strncmp(f->d_name, "cowrie.json.", 12) != 0)
                continue;
            char rel[1024];
            snprintf(rel, sizeof rel, "%s/%s", e->d_name, f->d_name);
            set_add(out, rel);
        }
        closedir(d2);
    }
    closedir(d);
    set_finish(out);
}

static int files_equal(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int eq = fa && fb;
    while (eq) {
        char x[65536], y[65536];
        size_t na = fread(x, 1, sizeof x, fa), nb = fread(y, 1, sizeof y, fb);
        if (na != nb || memcmp(x, y, na) != 0)
            eq = 0;
        if (na == 0)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return eq;
}

/* ---- per-line field capture -------------------------------------------------------------------- */

typedef struct line_fields {
    char eventid[64], session[32], sensor[32], hassh[40], src_ip[64];
    char algos[2048];
    int has_key_line;
    int nfields;
} line_fields;

static void copy_field(char *dst, size_t cap, ap_str v)
{
    size_t n = v.n < cap - 1 ? v.n : cap - 1;
    memcpy(dst, v.p, n);
    dst[n] = 0;
}

static int on_field(void *user, const ap_json_field *f)
{
    line_fields *lf = user;
    lf->nfields++;
    if (f->type != AP_JSON_STRING)
        return 0;
    if (ap_str_eq_c(f->key, "eventid"))
        copy_field(lf->eventid, sizeof lf->eventid, f->str);
    else if (ap_str_eq_c(f->key, "session"))
        copy_field(lf->session, sizeof lf->session, f->str);
    else if (ap_str_eq_c(f->key, "sensor"))
        copy_field(lf->sensor, sizeof lf->sensor, f->str);
    else if (ap_str_eq_c(f->key, "src_ip"))
        copy_field(lf->src_ip, sizeof lf->src_ip, f->str);
    else if (ap_str_eq_c(f->key, "hassh"))
        copy_field(lf->hassh, sizeof lf->hassh, f->str);
    else if (ap_str_eq_c(f->key, "hasshAlgorithms"))
        copy_field(lf->algos, sizeof lf->algos, f->str);
    else if (ap_str_eq_c(f->key, "input")) {
        static const char needle[] = " mdrfckr\">>.ssh/authorized_keys";
        size_t nl = sizeof needle - 1;
        for (size_t i = 0; i + nl <= f->str.n; i++)
            if (memcmp(f->str.p + i, needle, nl) == 0 &&
                f->str.n > 8 && memcmp(f->str.p, "cd ~ && ", 8) == 0) {
                lf->has_key_line = 1;
                break;
            }
    }
    return 0;
}

static void md5_hex(const char *s, char out[33])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(s, strlen(s), md, &n, EVP_md5(), NULL);
    for (unsigned i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

typedef struct scan_result {
    uint64_t lines, bad_json, no_session, hassh_checked, hassh_bad, key_lines, gz_files, gz_bad;
    uint64_t old_lines, unknown_events;
    strset sessions;
    strset conns; /* "sensor,session src_ip" of every cowrie.session.connect */
} scan_result;

static void scan_dir(const char *dir, scan_result *r)
{
    ap_json_parser *p = NULL;
    if (ap_json_parser_new(&p) != AP_OK) {
        r->bad_json++;
        return;
    }
    strset logs = {0};
    list_logs(dir, &logs);
    for (size_t i = 0; i < logs.n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, logs.v[i]);
        size_t len = 0;
        char *buf = slurp(path, &len);
        int is_gz = strstr(logs.v[i], ".gz") != NULL;
        if (is_gz) {
            r->gz_files++;
            if (!buf || len == 0)
                r->gz_bad++;
        }
        if (!buf)
            continue;
        size_t pos = 0;
        while (pos < len) {
            char *nl = memchr(buf + pos, '\n', len - pos);
            size_t end = nl ? (size_t)(nl - buf) : len;
            line_fields lf;
            memset(&lf, 0, sizeof lf);
            char errbuf[128];
            r->lines++;
            if (buf[pos] == '{' && end > pos + 1 && buf[pos + 1] == '"' &&
                memchr(buf + pos, ' ', end - pos) && strstr(buf + pos, "\"isError\": 0"))
                r->old_lines++;
            ap_status st = ap_json_object_each(p, buf + pos, end - pos, on_field, &lf, errbuf,
                                               sizeof errbuf);
            if (st != AP_OK || lf.nfields < 4) {
                r->bad_json++;
                if (r->bad_json < 5)
                    fprintf(stderr, "%s: bad line: %.120s (%s)\n", logs.v[i], buf + pos, errbuf);
            } else {
                if (!lf.session[0] || !lf.sensor[0]) {
                    r->no_session++;
                } else {
                    char key[96];
                    snprintf(key, sizeof key, "%s,%s", lf.sensor, lf.session);
                    set_add(&r->sessions, key);
                    if (!strcmp(lf.eventid, "cowrie.session.connect") && lf.src_ip[0]) {
                        char conn[160];
                        snprintf(conn, sizeof conn, "%s %s", key, lf.src_ip);
                        set_add(&r->conns, conn);
                    }
                }
                if (lf.hassh[0]) {
                    char md[33];
                    md5_hex(lf.algos, md);
                    r->hassh_checked++;
                    if (strcmp(md, lf.hassh) != 0)
                        r->hassh_bad++;
                }
                if (lf.has_key_line)
                    r->key_lines++;
                if (!strcmp(lf.eventid, "cowrie.virustotal.scanfile"))
                    r->unknown_events++;
            }
            pos = end + 1;
        }
        free(buf);
    }
    set_finish(&r->sessions);
    set_finish(&r->conns);
    set_free(&logs);
    ap_json_parser_free(p);
}

/* ---- tests ----------------------------------------------------------------------------------- */

static ap_status run(const char *dir, uint64_t seed, int gzip, uint64_t target, ap_sim_summary *sum)
{
    ap_sim_options o;
    ap_sim_options_init(&o);
    o.seed = seed;
    o.sensors = 3;
    o.days = 3;
    o.scale = 0.04;
    o.gzip = gzip;
    o.target_bytes = target;
    char err[256];
    ap_status st = ap_simulate(dir, &o, sum, err, sizeof err);
    if (st != AP_OK)
        fprintf(stderr, "ap_simulate(%s): %s\n", dir, err);
    return st;
}

static void test_determinism(const char *base)
{
    char a[2048], b[2048], c[2048];
    snprintf(a, sizeof a, "%s/a", base);
    snprintf(b, sizeof b, "%s/b", base);
    snprintf(c, sizeof c, "%s/c", base);
    ap_sim_summary sa, sb, sc;
    CHECK_EQ_INT(run(a, 42, 1, 0, &sa), AP_OK);
    CHECK_EQ_INT(run(b, 42, 1, 0, &sb), AP_OK);
    CHECK_EQ_INT(run(c, 43, 1, 0, &sc), AP_OK);
    CHECK_EQ_INT(sa.bytes, sb.bytes);
    CHECK_EQ_INT(sa.events, sb.events);
    CHECK_EQ_INT(sa.files, 9);
    strset la = {0}, lb = {0};
    list_logs(a, &la);
    list_logs(b, &lb);
    CHECK_EQ_INT(la.n, 9);
    CHECK_EQ_INT(la.n, lb.n);
    int same = la.n == lb.n, differs = 0;
    for (size_t i = 0; same && i < la.n; i++) {
        char pa[4096], pb[4096], pc[4096];
        snprintf(pa, sizeof pa, "%s/%s", a, la.v[i]);
        snprintf(pb, sizeof pb, "%s/%s", b, la.v[i]);
        snprintf(pc, sizeof pc, "%s/%s", c, la.v[i]);
        if (!files_equal(pa, pb))
            same = 0;
        if (!files_equal(pa, pc))
            differs = 1;
    }
    char ta[4096], tb[4096];
    snprintf(ta, sizeof ta, "%s/truth.csv", a);
    snprintf(tb, sizeof tb, "%s/truth.csv", b);
    CHECK(same);
    CHECK(files_equal(ta, tb));
    CHECK(differs);
    CHECK(sa.bytes != sc.bytes || sa.events != sc.events || differs);
    /* two gzipped days and the newest day plain, per sensor */
    size_t ngz = 0;
    for (size_t i = 0; i < la.n; i++)
        ngz += strstr(la.v[i], ".gz") != NULL;
    CHECK_EQ_INT(ngz, 6);
    set_free(&la);
    set_free(&lb);
}

static void test_content(const char *base)
{
    char a[2048];
    snprintf(a, sizeof a, "%s/a", base);
    scan_result r;
    memset(&r, 0, sizeof r);
    scan_dir(a, &r);
    CHECK(r.lines > 1000);
    CHECK_EQ_INT(r.bad_json, 0);
    CHECK_EQ_INT(r.no_session, 0);
    CHECK(r.hassh_checked > 50);
    CHECK_EQ_INT(r.hassh_bad, 0);
    CHECK(r.key_lines > 0);
    CHECK_EQ_INT(r.gz_files, 6);
    CHECK_EQ_INT(r.gz_bad, 0);
    CHECK(r.old_lines > 0);      /* sensor 0 writes the Cowrie 1.x shape */
    CHECK(r.old_lines < r.lines);

    /* truth.csv: one row per (sensor, session) found in the logs, and only those */
    char tpath[4096];
    snprintf(tpath, sizeof tpath, "%s/truth.csv", a);
    FILE *f = fopen(tpath, "r");
    CHECK(f != NULL);
    strset truth = {0}, actors = {0};
    size_t rows = 0, missing = 0;
    char line[512];
    if (f && fgets(line, sizeof line, f))
        CHECK_EQ_STR(line, "sensor,session,actor,campaign\n");
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char *c1 = strchr(line, ',');
        char *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        char *c3 = c2 ? strchr(c2 + 1, ',') : NULL;
        if (!c3) {
            missing++;
            continue;
        }
        *c2 = 0;
        *c3 = 0;
        rows++;
        if (!set_has(&r.sessions, line))
            missing++;
        set_add(&truth, line);
        if (strcmp(c2 + 1, "noise") != 0)
            set_add(&actors, c2 + 1);
        else
            CHECK_EQ_STR(c3 + 1, "noise");
    }
    if (f)
        fclose(f);
    set_finish(&truth);
    set_finish(&actors);
    CHECK_EQ_INT(missing, 0);
    CHECK_EQ_INT(rows, truth.n);        /* no session listed twice */
    CHECK_EQ_INT(truth.n, r.sessions.n); /* every session in the logs is listed */
    CHECK(actors.n >= 12);
    set_free(&truth);
    set_free(&actors);
    set_free(&r.sessions);
    set_free(&r.conns);

    /* the notes file documents duplicates and midnight-spanning sessions */
    char npath[4096];
    snprintf(npath, sizeof npath, "%s/truth-notes.csv", a);
    f = fopen(npath, "r");
    CHECK(f != NULL);
    int midnight = 0;
    while (f && fgets(line, sizeof line, f))
        midnight += strncmp(line, "midnight,", 9) == 0;
    if (f)
        fclose(f);
    CHECK(midnight > 0);
}

static void count_diag(void *user, const ap_diag *d)
{
    (void)d;
    ++*(int *)user;
}

/* Every ip2asn.tsv line well-formed, and ranges sorted by start and disjoint within a family. */
static void check_asn_file_order(const char *path)
{
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    char line[512];
    unsigned char prev_end[2][16] = {{0}};
    int have[2] = {0, 0}, bad = 0, lines = 0;
    while (f && fgets(line, sizeof line, f)) {
        lines++;
        char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2) {
            bad++;
            continue;
        }
        *t1 = *t2 = 0;
        int v6 = strchr(line, ':') != NULL;
        unsigned char s[16] = {0}, e[16] = {0};
        if (inet_pton(v6 ? AF_INET6 : AF_INET, line, s) != 1 ||
            inet_pton(v6 ? AF_INET6 : AF_INET, t1 + 1, e) != 1 || memcmp(s, e, 16) > 0 ||
            (have[v6] && memcmp(s, prev_end[v6], 16) <= 0))
            bad++;
        memcpy(prev_end[v6], e, 16);
        have[v6] = 1;
    }
    if (f)
        fclose(f);
    CHECK(lines > 200);
    CHECK_EQ_INT(bad, 0);
}

/* "actors sharing a cloud ASN": the simulated providers, looked up from the generated logs. */
static void test_asn_table(const char *base)
{
    char a[2048], path[4096], other[4096];
    snprintf(a, sizeof a, "%s/a", base);
    snprintf(path, sizeof path, "%s/ip2asn.tsv", a);
    snprintf(other, sizeof other, "%s/c/ip2asn.tsv", base);
    CHECK(files_equal(path, other)); /* fixed content: the seed changes IPs, not providers */
    check_asn_file_order(path);
    int diags = 0;
    ap_asn_db *db = NULL;
    char err[512];
    CHECK_EQ_INT(ap_asn_open(path, count_diag, &diags, &db, err, sizeof err), AP_OK);
    CHECK_EQ_INT(diags, 0);
    if (!db) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    ap_asn_info info;
    ap_asn_describe(db, &info);
    CHECK_EQ_INT(info.overlaps, 0);
    CHECK_EQ_INT(info.bad_lines, 0);
    CHECK_EQ_INT(info.v6_ranges, 4);

    scan_result r;
    memset(&r, 0, sizeof r);
    scan_dir(a, &r);
    /* truth rows "sensor,session,actor,campaign" -> actor; connects sorted like the truth keys */
    char tpath[4096];
    snprintf(tpath, sizeof tpath, "%s/truth.csv", a);
    FILE *f = fopen(tpath, "r");
    strset truth = {0};
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        set_add(&truth, line);
    }
    if (f)
        fclose(f);
    set_finish(&truth);
    enum { XMRIG, CURL, RECON, BRUTE, SNOW, NOISE, OTHER, NKIND };
    static const char *const names[] = {"xmrig_miner", "cloud_curlpipe", "recon_scout",
                                        "ssh_bruteforcer", "snowshoe_stuffer", "noise"};
    static const uint32_t want[] = {14061, 14061, 24940, 4134, 4200000013u};
    size_t seen[NKIND] = {0}, wrong[NKIND] = {0}, missing[NKIND] = {0}, recon_v6 = 0;
    uint32_t xmrig_asn = 0, curl_asn = 0, recon_asn = 0;
    for (size_t i = 0; i < r.conns.n; i++) {
        char *sp = strchr(r.conns.v[i], ' ');
        if (!sp)
            continue;
        /* find the truth row that starts with "sensor,session," */
        size_t klen = (size_t)(sp - r.conns.v[i]);
        size_t lo = 0, hi = truth.n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (strncmp(truth.v[mid], r.conns.v[i], klen) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo >= truth.n || strncmp(truth.v[lo], r.conns.v[i], klen) != 0 ||
            truth.v[lo][klen] != ',')
            continue;
        const char *actor = truth.v[lo] + klen + 1;
        int kind = OTHER;
        for (int k = 0; k < NOISE + 1; k++)
            if (!strncmp(actor, names[k], strlen(names[k])) && actor[strlen(names[k])] == ',')
                kind = k;
        const char *ip = sp + 1;
        uint32_t asn = 0;
        const char *org = NULL;
        int found = ap_asn_lookup(db, ip, strlen(ip), &asn, &org);
        seen[kind]++;
        if (!found) {
            missing[kind]++;
            continue;
        }
        if (kind < NOISE && asn != want[kind])
            wrong[kind]++;
        if (kind == XMRIG)
            xmrig_asn = asn;
        if (kind == CURL)
            curl_asn = asn;
        if (kind == RECON) {
            recon_asn = asn;
            recon_v6 += strchr(ip, ':') != NULL;
        }
    }
    for (int k = 0; k < NKIND; k++) {
        CHECK(seen[k] > 0);
        CHECK_EQ_INT(missing[k], 0); /* noise too: its address space is covered */
        CHECK_EQ_INT(wrong[k], 0);
    }
    CHECK(recon_v6 > 0);
    CHECK_EQ_INT(xmrig_asn, 14061);
    CHECK_EQ_INT(curl_asn, xmrig_asn); /* two actors, one cloud ASN */
    CHECK_EQ_INT(recon_asn, 24940);
    CHECK(recon_asn != xmrig_asn);
    const char *org = NULL;
    CHECK_EQ_INT(ap_asn_lookup(db, "167.99.41.7", 11, NULL, &org), 1);
    CHECK_EQ_STR(org, "DIGITALOCEAN-ASN");
    set_free(&truth);
    set_free(&r.sessions);
    set_free(&r.conns);
    ap_asn_close(db);
}

static void test_target_bytes(const char *base)
{
    char d[2048];
    snprintf(d, sizeof d, "%s/t", base);
    ap_sim_summary s;
    uint64_t target = 6u << 20;
    CHECK_EQ_INT(run(d, 7, 0, target, &s), AP_OK);
    CHECK(s.bytes >= target * 9 / 10);
    CHECK(s.bytes <= target * 11 / 10);
}

static void test_bad_options(const char *base)
{
    char d[2048];
    snprintf(d, sizeof d, "%s/bad", base);
    ap_sim_options o;
    ap_sim_options_init(&o);
    CHECK_EQ_INT(o.sensors, 3);
    CHECK_EQ_INT(o.days, 7);
    o.start_date = "2024-13-01";
    char err[128];
    CHECK_EQ_INT(ap_simulate(d, &o, NULL, err, sizeof err), AP_ERR_ARG);
    CHECK(strstr(err, "start date") != NULL);
    ap_sim_options_init(&o);
    o.scale = 0;
    CHECK_EQ_INT(ap_simulate(d, &o, NULL, err, sizeof err), AP_ERR_ARG);
    CHECK_EQ_INT(ap_simulate(NULL, &o, NULL, err, sizeof err), AP_ERR_ARG);
}

int main(void)
{
    const char *base = check_tmpdir("sim");
    char dir[1024];
    snprintf(dir, sizeof dir, "%.1000s", base);
    test_determinism(dir);
    test_content(dir);
    test_asn_table(dir);
    test_target_bytes(dir);
    test_bad_options(dir);
    CHECK_DONE();
}
