/* test_asn.c — pins the ASN lookup (src/lib/understand/asn.c): ip2asn TSV parsing and lookups at
 * range edges, IPv6 up to the last address, IPv4-mapped IPv6, absent and malformed addresses,
 * bad lines reported with their line numbers, overlapping ranges (the earlier line wins),
 * gzip-compressed TSV, files that are neither format, and — when Debian's
 * libmaxmind-db-writer-perl is installed — a real MaxMind DB written for the test, truncated
 * copies of it and a non-ASN MaxMind DB. A GeoLite2-ASN / DB-IP file in /usr/share/GeoIP is
 * used when present. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "check.h"
#include "understand/asn.h"

/* ---- helpers --------------------------------------------------------------------------------- */

typedef struct diag_log {
    int n;
    uint64_t line[32];
    char reason[32][32];
    char file[64];
} diag_log;

static void on_diag(void *user, const ap_diag *d)
{
    diag_log *l = user;
    if (l->n < 32) {
        l->line[l->n] = d->line;
        snprintf(l->reason[l->n], sizeof l->reason[0], "%s", d->reason ? d->reason : "");
        snprintf(l->file, sizeof l->file, "%s", d->file ? d->file : "");
        CHECK_EQ_INT(d->severity, AP_SEV_WARNING);
        CHECK(d->message && d->message[0]);
    }
    l->n++;
}

static ap_asn_db *parse(const char *text, diag_log *log)
{
    ap_asn_db *db = NULL;
    char err[256];
    ap_status st =
        ap_asn_parse_tsv("t.tsv", text, strlen(text), on_diag, log, &db, err, sizeof err);
    if (st != AP_OK)
        fprintf(stderr, "parse: %s\n", err);
    CHECK_EQ_INT(st, AP_OK);
    return db;
}

/* ASN of ip (0 when absent). */
static uint32_t asn_of(const ap_asn_db *db, const char *ip)
{
    uint32_t asn = 12345;
    const char *org = "x";
    int found = ap_asn_lookup(db, ip, strlen(ip), &asn, &org);
    if (!found) {
        CHECK_EQ_INT(asn, 0);
        CHECK(org == NULL);
        return 0;
    }
    CHECK(asn != 0);
    CHECK(org != NULL);
    return asn;
}

static const char *org_of(const ap_asn_db *db, const char *ip)
{
    const char *org = NULL;
    ap_asn_lookup(db, ip, strlen(ip), NULL, &org);
    return org;
}

static int write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, n, f);
    return (fclose(f) == 0 && w == n) ? 0 : -1;
}

static char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc(sz > 0 ? (size_t)sz : 1);
    *n = buf && sz > 0 ? fread(buf, 1, (size_t)sz, f) : 0;
    fclose(f);
    return buf;
}

static const char sample[] =
    "# iptoasn.com ip2asn-combined excerpt\n"
    "0.0.0.0\t0.255.255.255\t0\tNone\tNot routed\n"
    "1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\r\n"
    "1.0.1.0\t1.0.3.255\t0\tNone\tNot routed\n"
    "1.0.4.0\t1.0.7.255\t38803\tAU\tWPL-AS-AP Wirefreebroadband Pty Ltd\n"
    "\n"
    "167.99.0.0\t167.99.255.255\t14061\tUS\tDIGITALOCEAN-ASN\n"
    "206.189.0.0\t206.189.255.255\t14061\tUS\tDIGITALOCEAN-ASN\n"
    "218.92.0.0\t218.92.255.255\tAS4134\tCN\tCHINANET-BACKBONE No.31,Jin-rong Street\n"
    "255.255.255.0\t255.255.255.255\t4200000000\tZZ\t\n"
    "2001:bc8::\t2001:bc8:ffff:ffff:ffff:ffff:ffff:ffff\t12876\tFR\tOnline SAS\n"
    "2a01:4f8::\t2a01:4f9:ffff:ffff:ffff:ffff:ffff:ffff\t24940\tDE\tHETZNER-AS\n"
    "ffff::\tffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\t64512\tZZ\tTOP\n"
    "1.1.1.0\t1.1.1.255\t13335\tUS\n";

/* ---- tests ----------------------------------------------------------------------------------- */

static void test_tsv_lookups(void)
{
    diag_log log = {0};
    ap_asn_db *db = parse(sample, &log);
    if (!db)
        return;
    CHECK_EQ_INT(log.n, 0);
    ap_asn_info info;
    ap_asn_describe(db, &info);
    CHECK_EQ_STR(info.format, "ip2asn-tsv");
    CHECK_EQ_INT(info.v4_ranges, 7);
    CHECK_EQ_INT(info.v6_ranges, 3);
    CHECK_EQ_INT(info.not_routed, 2);
    CHECK_EQ_INT(info.bad_lines, 0);
    CHECK_EQ_INT(info.overlaps, 0);

    /* IPv4 range edges */
    CHECK_EQ_INT(asn_of(db, "0.0.0.0"), 0);
    CHECK_EQ_INT(asn_of(db, "0.255.255.255"), 0);
    CHECK_EQ_INT(asn_of(db, "1.0.0.0"), 13335);
    CHECK_EQ_INT(asn_of(db, "1.0.0.255"), 13335);
    CHECK_EQ_INT(asn_of(db, "1.0.1.0"), 0);  /* not routed */
    CHECK_EQ_INT(asn_of(db, "1.0.3.255"), 0);
    CHECK_EQ_INT(asn_of(db, "1.0.4.0"), 38803);
    CHECK_EQ_INT(asn_of(db, "1.0.7.255"), 38803);
    CHECK_EQ_INT(asn_of(db, "1.0.8.0"), 0);  /* gap after a range */
    CHECK_EQ_INT(asn_of(db, "167.98.255.255"), 0);
    CHECK_EQ_INT(asn_of(db, "167.99.0.0"), 14061);
    CHECK_EQ_INT(asn_of(db, "167.99.41.7"), 14061);
    CHECK_EQ_INT(asn_of(db, "167.99.255.255"), 14061);
    CHECK_EQ_INT(asn_of(db, "167.100.0.0"), 0);
    CHECK_EQ_INT(asn_of(db, "218.92.0.107"), 4134); /* "AS" prefix accepted */
    CHECK_EQ_INT(asn_of(db, "255.255.255.255"), 4200000000u);
    CHECK_EQ_INT(asn_of(db, "255.255.254.255"), 0);
    CHECK_EQ_INT(asn_of(db, "1.1.1.1"), 13335); /* 4 fields: no description */
    CHECK_EQ_STR(org_of(db, "1.1.1.1"), "");
    CHECK_EQ_STR(org_of(db, "255.255.255.1"), "");
    CHECK_EQ_STR(org_of(db, "1.0.0.1"), "CLOUDFLARENET"); /* CRLF line */
    CHECK_EQ_STR(org_of(db, "1.0.5.5"), "WPL-AS-AP Wirefreebroadband Pty Ltd");
    CHECK_EQ_STR(org_of(db, "218.92.0.1"), "CHINANET-BACKBONE No.31,Jin-rong Street");
    /* one copy per organisation */
    CHECK(org_of(db, "167.99.1.1") == org_of(db, "206.189.1.1"));

    /* IPv6 */
    CHECK_EQ_INT(asn_of(db, "2001:bc8::"), 12876);
    CHECK_EQ_INT(asn_of(db, "2001:bc8:1830:1234::5"), 12876);
    CHECK_EQ_INT(asn_of(db, "2001:bc7:ffff:ffff:ffff:ffff:ffff:ffff"), 0);
    CHECK_EQ_INT(asn_of(db, "2001:bc9::"), 0);
    CHECK_EQ_INT(asn_of(db, "2a01:4f8::1"), 24940);
    CHECK_EQ_INT(asn_of(db, "2a01:4f9:c011:1234::1"), 24940);
    CHECK_EQ_INT(asn_of(db, "2a01:4fa::"), 0);
    CHECK_EQ_INT(asn_of(db, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 64512);
    CHECK_EQ_INT(asn_of(db, "::"), 0);
    CHECK_EQ_INT(asn_of(db, "::1"), 0);
    CHECK_EQ_STR(org_of(db, "2a01:4f8::2"), "HETZNER-AS");

    /* IPv4-mapped IPv6 looks up the IPv4 table, in both spellings */
    CHECK_EQ_INT(asn_of(db, "::ffff:167.99.3.4"), 14061);
    CHECK_EQ_INT(asn_of(db, "::FFFF:a763:0304"), 14061);
    CHECK_EQ_INT(asn_of(db, "::ffff:1.0.1.1"), 0);
    CHECK_EQ_INT(asn_of(db, "::167.99.3.4"), 0); /* IPv4-compatible is not mapped */

    /* attacker text: bounded, not NUL-terminated, anything */
    uint32_t asn = 7;
    const char *org = "x";
    CHECK_EQ_INT(ap_asn_lookup(db, "1.0.0.12345", 7, &asn, &org), 1); /* "1.0.0.1" */
    CHECK_EQ_INT(asn, 13335);
    CHECK_EQ_INT(ap_asn_lookup(db, "1.0.0.1\0zz", 10, &asn, &org), 0);
    CHECK_EQ_INT(asn, 0);
    CHECK(org == NULL);
    CHECK_EQ_INT(ap_asn_lookup(db, NULL, 0, &asn, &org), 0);
    CHECK_EQ_INT(ap_asn_lookup(db, "", 0, &asn, &org), 0);
    CHECK_EQ_INT(ap_asn_lookup(NULL, "1.0.0.1", 7, &asn, &org), 0);
    CHECK_EQ_INT(ap_asn_lookup(db, "1.0.0.1", 7, NULL, NULL), 1);
    CHECK_EQ_INT(asn_of(db, " 1.0.0.1"), 0);
    CHECK_EQ_INT(asn_of(db, "1.0.0.1 "), 0);
    CHECK_EQ_INT(asn_of(db, "1.0.0"), 0);
    CHECK_EQ_INT(asn_of(db, "1.0.0.256"), 0);
    CHECK_EQ_INT(asn_of(db, "01.0.0.1"), 0);
    CHECK_EQ_INT(asn_of(db, "1.0.0.1/24"), 0);
    CHECK_EQ_INT(asn_of(db, "fe80::1%eth0"), 0);
    CHECK_EQ_INT(asn_of(db, "example.com"), 0);
    char big[200];
    memset(big, '1', sizeof big);
    CHECK_EQ_INT(ap_asn_lookup(db, big, sizeof big, &asn, &org), 0);
    ap_asn_close(db);
}

static void test_bad_lines(void)
{
    static const char text[] =
        "1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n"      /* 1 */
        "1.0.4.0 1.0.7.255 38803 AU spaces\n"                   /* 2: no tabs */
        "1.0.8.0\t1.0.8.255\n"                                  /* 3: two fields */
        "1.0.9.0\t1.0.9.255\tAS\tUS\tx\n"                       /* 4: no number */
        "1.0.10.0\t1.0.10.255\t4294967296\tUS\tx\n"             /* 5: 2^32 */
        "1.0.12.0\t1.0.11.0\t5\tUS\tx\n"                        /* 6: start after end */
        "1.0.13.0\t2001:db8::\t5\tUS\tx\n"                      /* 7: families differ */
        "1.0.14.999\t1.0.14.255\t5\tUS\tx\n"                    /* 8: bad address */
        "\n"                                                    /* 9 */
        "# a comment\n"                                         /* 10 */
        "1.0.15.0\t1.0.15.255\t4294967295\tUS\tMAX\n"           /* 11: fine */
        "1.0.16.0\t1.0.16.255\t-5\tUS\tx\n"                     /* 12: negative */
        "1.0.17.0\t1.0.17.255\t17\tUS\tlast, no newline";       /* 13: fine */
    diag_log log = {0};
    ap_asn_db *db = parse(text, &log);
    if (!db)
        return;
    static const uint64_t want[] = {2, 3, 4, 5, 6, 7, 8, 12};
    CHECK_EQ_INT(log.n, 8);
    for (int i = 0; i < 8 && i < log.n; i++) {
        CHECK_EQ_INT(log.line[i], want[i]);
        CHECK_EQ_STR(log.reason[i], "bad_asn_line");
    }
    CHECK_EQ_STR(log.file, "t.tsv");
    ap_asn_info info;
    ap_asn_describe(db, &info);
    CHECK_EQ_INT(info.bad_lines, 8);
    CHECK_EQ_INT(info.v4_ranges, 3);
    CHECK_EQ_INT(asn_of(db, "1.0.4.1"), 0);
    CHECK_EQ_INT(asn_of(db, "1.0.15.3"), 4294967295u);
    CHECK_EQ_INT(asn_of(db, "1.0.17.255"), 17);
    CHECK_EQ_STR(org_of(db, "1.0.17.1"), "last, no newline");
    ap_asn_close(db);

    /* a NUL byte inside a line makes it a bad line (length-bounded input) */
    static const char withnul[] = "1.0.0.0\t1.0.0.255\t1\tUS\ta\n2.0.0.0\t2.0.0.255\t2\tUS\tb\0c\n";
    diag_log l2 = {0};
    db = NULL;
    char err[256];
    CHECK_EQ_INT(ap_asn_parse_tsv("n.tsv", withnul, sizeof withnul - 1, on_diag, &l2, &db, err,
                                  sizeof err),
                 AP_OK);
    CHECK_EQ_INT(l2.n, 1);
    CHECK_EQ_INT(l2.line[0], 2);
    CHECK_EQ_INT(asn_of(db, "2.0.0.1"), 0);
    ap_asn_close(db);

    /* the first record decides: not ip2asn at all */
    db = (ap_asn_db *)1;
    static const char csv[] = "ip,asn\n1.2.3.4,5\n";
    CHECK_EQ_INT(ap_asn_parse_tsv("x.csv", csv, sizeof csv - 1, NULL, NULL, &db, err, sizeof err),
                 AP_ERR_FORMAT);
    CHECK(db == NULL);
    CHECK(strstr(err, "x.csv:1:") != NULL);
    CHECK(strstr(err, "neither a MaxMind DB") != NULL);
    CHECK_EQ_INT(ap_asn_parse_tsv("e.tsv", "", 0, NULL, NULL, &db, err, sizeof err),
                 AP_ERR_FORMAT);
    CHECK(strstr(err, "no ip2asn records") != NULL);
    static const char comments[] = "# only\n\n";
    CHECK_EQ_INT(ap_asn_parse_tsv("c.tsv", comments, sizeof comments - 1, NULL, NULL, &db, err,
                                  sizeof err),
                 AP_ERR_FORMAT);
    CHECK_EQ_INT(ap_asn_parse_tsv("a.tsv", "x", 1, NULL, NULL, NULL, err, sizeof err), AP_ERR_ARG);
    /* only "Not routed" lines: a valid, empty database */
    static const char unrouted[] = "0.0.0.0\t0.255.255.255\t0\tNone\tNot routed\n";
    CHECK_EQ_INT(ap_asn_parse_tsv("z.tsv", unrouted, sizeof unrouted - 1, NULL, NULL, &db, err,
                                  sizeof err),
                 AP_OK);
    CHECK_EQ_INT(asn_of(db, "0.1.2.3"), 0);
    CHECK_EQ_INT(asn_of(db, "::1"), 0);
    ap_asn_close(db);
}

static void test_overlaps(void)
{
    static const char text[] =
        "10.0.0.0\t10.0.0.255\t1\tZZ\tfirst\n"       /* 1: kept */
        "10.0.0.128\t10.0.1.255\t2\tZZ\tsecond\n"    /* 2: overlaps 1 */
        "9.255.255.0\t10.0.0.0\t3\tZZ\tthird\n"      /* 3: starts before 1, overlaps it */
        "9.0.0.0\t11.0.0.0\t4\tZZ\twide\n"           /* 4: covers 1 */
        "10.0.5.0\t10.0.5.255\t5\tZZ\tinside 4\n"    /* 5: kept: 4 was dropped */
        "8.0.0.0\t8.0.0.255\t6\tZZ\tbefore\n"        /* 6: kept (unsorted) */
        "10.0.5.255\t10.0.5.255\t7\tZZ\tedge\n"      /* 7: overlaps 5 at one address */
        "2001:db8::\t2001:db8::ffff\t8\tZZ\tv6\n"    /* 8 */
        "2001:db8::ff\t2001:db8::1:0\t9\tZZ\tv6b\n"; /* 9: overlaps 8 */
    diag_log log = {0};
    ap_asn_db *db = parse(text, &log);
    if (!db)
        return;
    static const uint64_t want[] = {2, 3, 4, 7, 9};
    CHECK_EQ_INT(log.n, 5);
    for (int i = 0; i < 5 && i < log.n; i++) {
        CHECK_EQ_INT(log.line[i], want[i]);
        CHECK_EQ_STR(log.reason[i], "overlapping_asn_range");
    }
    ap_asn_info info;
    ap_asn_describe(db, &info);
    CHECK_EQ_INT(info.overlaps, 5);
    CHECK_EQ_INT(info.v4_ranges, 3);
    CHECK_EQ_INT(info.v6_ranges, 1);
    CHECK_EQ_INT(asn_of(db, "10.0.0.0"), 1);
    CHECK_EQ_INT(asn_of(db, "10.0.0.200"), 1);
    CHECK_EQ_INT(asn_of(db, "10.0.1.5"), 0);
    CHECK_EQ_INT(asn_of(db, "9.255.255.5"), 0);
    CHECK_EQ_INT(asn_of(db, "10.0.5.0"), 5);
    CHECK_EQ_INT(asn_of(db, "10.0.5.255"), 5);
    CHECK_EQ_INT(asn_of(db, "10.0.6.0"), 0);
    CHECK_EQ_INT(asn_of(db, "8.0.0.77"), 6);
    CHECK_EQ_INT(asn_of(db, "2001:db8::ff"), 8);
    CHECK_EQ_INT(asn_of(db, "2001:db8::1:0"), 0);
    ap_asn_close(db);

    /* unsorted but disjoint: nothing dropped */
    static const char unsorted[] = "3.0.0.0\t3.0.0.255\t3\tZZ\tc\n1.0.0.0\t1.0.0.255\t1\tZZ\ta\n"
                                   "2.0.0.0\t2.0.0.255\t2\tZZ\tb\n";
    diag_log l2 = {0};
    db = parse(unsorted, &l2);
    if (!db)
        return;
    CHECK_EQ_INT(l2.n, 0);
    CHECK_EQ_INT(asn_of(db, "1.0.0.9"), 1);
    CHECK_EQ_INT(asn_of(db, "2.0.0.9"), 2);
    CHECK_EQ_INT(asn_of(db, "3.0.0.9"), 3);
    CHECK_EQ_STR(org_of(db, "2.0.0.9"), "b");
    ap_asn_close(db);
}

/* Random disjoint IPv4 ranges (many crossing /16 and /8 boundaries, with gaps), written in a
 * shuffled order, against a reference answer computed here by scanning. */
static uint64_t lcg_state = 88172645463325252ull;
static uint32_t rnd(void)
{
    lcg_state ^= lcg_state << 13;
    lcg_state ^= lcg_state >> 7;
    lcg_state ^= lcg_state << 17;
    return (uint32_t)(lcg_state >> 16);
}

enum { NRAND = 3000 };
static uint32_t r_start[NRAND], r_end[NRAND];

static uint32_t reference(uint32_t a)
{
    for (int i = 0; i < NRAND; i++)
        if (r_start[i] <= a && a <= r_end[i])
            return (uint32_t)i + 1;
    return 0;
}

static void test_random_ranges(void)
{
    uint32_t a = 1u << 20;
    for (int i = 0; i < NRAND; i++) {
        static const uint32_t sizes[] = {1, 256, 1024, 65536, 200000, 1u << 20};
        uint32_t size = sizes[rnd() % 6] + (rnd() % 2 ? rnd() % 5000 : 0);
        r_start[i] = a;
        r_end[i] = a + size - 1;
        a = r_end[i] + 1 + (rnd() % 3 ? 0 : rnd() % 300000);
    }
    int increasing = 1; /* no wrap past 255.255.255.255 */
    for (int i = 1; i < NRAND; i++)
        increasing &= r_start[i] > r_end[i - 1] && r_end[i] >= r_start[i];
    CHECK(increasing);
    int order[NRAND];
    for (int i = 0; i < NRAND; i++)
        order[i] = i;
    for (int i = NRAND - 1; i > 0; i--) {
        int j = (int)(rnd() % (uint32_t)(i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    char *text = malloc((size_t)NRAND * 64);
    size_t n = 0;
    for (int k = 0; text && k < NRAND; k++) {
        int i = order[k];
        uint32_t s = r_start[i], e = r_end[i];
        n += (size_t)sprintf(text + n, "%u.%u.%u.%u\t%u.%u.%u.%u\t%d\tZZ\tr\n", s >> 24,
                             (s >> 16) & 255, (s >> 8) & 255, s & 255, e >> 24, (e >> 16) & 255,
                             (e >> 8) & 255, e & 255, i + 1);
    }
    diag_log log = {0};
    ap_asn_db *db = text ? parse(text, &log) : NULL;
    free(text);
    if (!db)
        return;
    CHECK_EQ_INT(log.n, 0);
    int bad = 0;
    for (int k = 0; k < 40000; k++) {
        uint32_t x;
        int i = (int)(rnd() % NRAND);
        switch (k % 5) {
        case 0: x = r_start[i]; break;
        case 1: x = r_end[i]; break;
        case 2: x = r_start[i] - 1; break;
        case 3: x = r_end[i] + 1; break;
        default: x = rnd() << 4 ^ rnd(); break;
        }
        char ip[32];
        snprintf(ip, sizeof ip, "%u.%u.%u.%u", x >> 24, (x >> 16) & 255, (x >> 8) & 255, x & 255);
        uint32_t asn = 0;
        ap_asn_lookup(db, ip, strlen(ip), &asn, NULL);
        if (asn != reference(x) && bad++ < 5)
            fprintf(stderr, "random ranges: %s -> %u, want %u\n", ip, asn, reference(x));
    }
    CHECK_EQ_INT(bad, 0);
    ap_asn_close(db);
}

static void test_files(const char *dir)
{
    char path[4096], err[512];
    ap_asn_db *db = NULL;

    /* plain TSV file, and the same gzip-compressed */
    snprintf(path, sizeof path, "%s/ip2asn.tsv", dir);
    CHECK_EQ_INT(write_file(path, sample, sizeof sample - 1), 0);
    CHECK_EQ_INT(ap_asn_open(path, NULL, NULL, &db, err, sizeof err), AP_OK);
    CHECK_EQ_INT(asn_of(db, "167.99.1.1"), 14061);
    ap_asn_close(db);
    db = NULL;
    snprintf(path, sizeof path, "%s/ip2asn.tsv.gz", dir);
    gzFile g = gzopen(path, "wb");
    CHECK(g != NULL);
    if (g) {
        gzwrite(g, sample, sizeof sample - 1);
        gzclose(g);
    }
    CHECK_EQ_INT(ap_asn_open(path, NULL, NULL, &db, err, sizeof err), AP_OK);
    CHECK_EQ_INT(asn_of(db, "2a01:4f9::1"), 24940);
    ap_asn_close(db);
    db = NULL;

    /* a corrupt gzip stream after a valid start */
    size_t gzn = 0;
    char *gzbuf = read_all(path, &gzn);
    if (gzbuf && gzn > 30) {
        for (size_t i = 20; i < gzn - 8; i++)
            gzbuf[i] = (char)(gzbuf[i] ^ 0x5a);
        snprintf(path, sizeof path, "%s/corrupt.tsv.gz", dir);
        write_file(path, gzbuf, gzn);
        ap_status st = ap_asn_open(path, NULL, NULL, &db, err, sizeof err);
        CHECK(st == AP_ERR_FORMAT);
        CHECK(db == NULL);
    }
    free(gzbuf);

    /* neither format: binary bytes */
    static const unsigned char junk[] = {0x00, 0x01, 0x02, 0xff, 0x10, 0x09, 0x0a, 0x41, 0x42};
    snprintf(path, sizeof path, "%s/junk.bin", dir);
    write_file(path, junk, sizeof junk);
    CHECK_EQ_INT(ap_asn_open(path, NULL, NULL, &db, err, sizeof err), AP_ERR_FORMAT);
    CHECK(strstr(err, "neither a MaxMind DB (.mmdb) nor an ip2asn TSV file") != NULL);
    CHECK(db == NULL);

    /* a MaxMind DB marker followed by garbage: libmaxminddb refuses it, we do not crash */
    static const char fake[] = "\x01\x02\x03\x04 search tree \xAB\xCD\xEFMaxMind.com\xe9garbage";
    snprintf(path, sizeof path, "%s/fake.mmdb", dir);
    write_file(path, fake, sizeof fake - 1);
    CHECK_EQ_INT(ap_asn_open(path, NULL, NULL, &db, err, sizeof err), AP_ERR_FORMAT);
    CHECK(strstr(err, "cannot read the MaxMind DB") != NULL);
    CHECK(db == NULL);

    /* empty file, missing file, directory */
    snprintf(path, sizeof path, "%s/empty.tsv", dir);
    write_file(path, "", 0);
    CHECK_EQ_INT(ap_asn_open(path, NULL, NULL, &db, err, sizeof err), AP_ERR_FORMAT);
    snprintf(path, sizeof path, "%s/missing.tsv", dir);
    CHECK_EQ_INT(ap_asn_open(path, NULL, NULL, &db, err, sizeof err), AP_ERR_IO);
    CHECK(strstr(err, "missing.tsv") != NULL);
    CHECK_EQ_INT(ap_asn_open(dir, NULL, NULL, &db, err, sizeof err), AP_ERR_IO);
    CHECK_EQ_INT(ap_asn_open(NULL, NULL, NULL, &db, err, sizeof err), AP_ERR_ARG);
}

/* ---- MaxMind DB written by Debian's libmaxmind-db-writer-perl (skipped when absent) ---------- */

static int write_mmdb(const char *dir, const char *out, const char *type)
{
    char script[4096], cmd[8192];
    snprintf(script, sizeof script, "%s/write_mmdb.pl", dir);
    FILE *f = fopen(script, "w");
    if (!f)
        return -1;
    fprintf(f,
            "use strict; use warnings;\n"
            "use MaxMind::DB::Writer::Tree;\n"
            "my $t = MaxMind::DB::Writer::Tree->new(ip_version => 6, record_size => 24,\n"
            "  database_type => $ARGV[1], languages => ['en'], description => {en => 'test'},\n"
            "  map_key_type_callback => sub { $_[0] eq 'autonomous_system_number' ? 'uint32'\n"
            "                                 : 'utf8_string' });\n"
            "$t->insert_network('167.99.0.0/16', {autonomous_system_number => 14061,\n"
            "  autonomous_system_organization => 'DIGITALOCEAN-ASN'});\n"
            "$t->insert_network('206.189.0.0/16', {autonomous_system_number => 14061,\n"
            "  autonomous_system_organization => 'DIGITALOCEAN-ASN'});\n"
            "$t->insert_network('218.92.0.0/16', {autonomous_system_number => 4134,\n"
            "  autonomous_system_organization => 'CHINANET-BACKBONE'});\n"
            "$t->insert_network('5.188.62.0/24',\n"
            "  {autonomous_system_organization => 'no number'});\n"
            "$t->insert_network('2a01:4f8::/31', {autonomous_system_number => 24940,\n"
            "  autonomous_system_organization => 'Hetzner Online GmbH'});\n"
            "open my $fh, '>:raw', $ARGV[0] or die; $t->write_tree($fh); close $fh or die;\n");
    fclose(f);
    snprintf(cmd, sizeof cmd, "perl '%s' '%s' '%s' 2>/dev/null", script, out, type);
    return system(cmd) == 0 ? 0 : -1;
}

typedef struct thread_arg {
    const ap_asn_db *db;
    int bad;
} thread_arg;

static void *lookup_thread(void *p)
{
    thread_arg *a = p;
    for (int i = 0; i < 20000; i++) {
        char ip[48];
        snprintf(ip, sizeof ip, i % 2 ? "167.99.%d.%d" : "218.92.%d.%d", (i / 256) % 256, i % 256);
        uint32_t asn = 0;
        const char *org = NULL;
        if (!ap_asn_lookup(a->db, ip, strlen(ip), &asn, &org) || asn != (i % 2 ? 14061u : 4134u) ||
            !org || !org[0])
            a->bad++;
    }
    return NULL;
}

static void test_mmdb(const char *dir)
{
    if (system("perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null") != 0) {
        fprintf(stderr, "skipped: MaxMind DB tests (install libmaxmind-db-writer-perl)\n");
        return;
    }
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/asn.mmdb", dir);
    CHECK_EQ_INT(write_mmdb(dir, path, "GeoLite2-ASN"), 0);
    ap_asn_db *db = NULL;
    CHECK_EQ_INT(ap_asn_open(path, NULL, NULL, &db, err, sizeof err), AP_OK);
    if (!db) {
        fprintf(stderr, "mmdb: %s\n", err);
        return;
    }
    ap_asn_info info;
    ap_asn_describe(db, &info);
    CHECK_EQ_STR(info.format, "mmdb");
    CHECK_EQ_STR(info.type, "GeoLite2-ASN");
    CHECK_EQ_INT(asn_of(db, "167.99.0.0"), 14061);
    CHECK_EQ_INT(asn_of(db, "167.99.255.255"), 14061);
    CHECK_EQ_INT(asn_of(db, "167.98.255.255"), 0);
    CHECK_EQ_INT(asn_of(db, "167.100.0.0"), 0);
    CHECK_EQ_INT(asn_of(db, "::ffff:218.92.0.107"), 4134);
    CHECK_EQ_INT(asn_of(db, "2a01:4f9:c011::1"), 24940);
    CHECK_EQ_INT(asn_of(db, "2a01:4fa::1"), 0);
    CHECK_EQ_INT(asn_of(db, "5.188.62.4"), 0); /* a record without a number */
    CHECK_EQ_INT(asn_of(db, "8.8.8.8"), 0);
    CHECK_EQ_INT(asn_of(db, "not an ip"), 0);
    CHECK_EQ_STR(org_of(db, "2a01:4f8::1"), "Hetzner Online GmbH");
    CHECK_EQ_STR(org_of(db, "167.99.1.1"), "DIGITALOCEAN-ASN");
    /* one copy per string in the file */
    CHECK(org_of(db, "167.99.1.1") == org_of(db, "167.99.200.1"));

    /* concurrent lookups (the org cache is shared) */
    pthread_t t[4];
    thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (thread_arg){db, 0};
        pthread_create(&t[i], NULL, lookup_thread, &args[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK_EQ_INT(args[i].bad, 0);
    }
    ap_asn_close(db);
    db = NULL;

    /* truncated copies: an error, never a crash */
    size_t n = 0;
    char *whole = read_all(path, &n);
    CHECK(whole != NULL && n > 100);
    size_t cuts[] = {n / 2, n - 1, n - 20, 16, 1};
    for (size_t i = 0; whole && i < sizeof cuts / sizeof cuts[0]; i++) {
        char tpath[4200];
        snprintf(tpath, sizeof tpath, "%s/trunc%zu.mmdb", dir, i);
        write_file(tpath, whole, cuts[i]);
        db = NULL;
        ap_status st = ap_asn_open(tpath, NULL, NULL, &db, err, sizeof err);
        if (st == AP_OK) { /* metadata intact: whatever it returns, it must not crash */
            asn_of(db, "167.99.1.1");
            asn_of(db, "2a01:4f8::1");
            ap_asn_close(db);
        }
        CHECK(st == AP_ERR_FORMAT);
    }
    free(whole);

    /* a MaxMind DB of another kind (a City database) is refused with a clear message */
    snprintf(path, sizeof path, "%s/city.mmdb", dir);
    CHECK_EQ_INT(write_mmdb(dir, path, "GeoLite2-City"), 0);
    db = NULL;
    CHECK_EQ_INT(ap_asn_open(path, NULL, NULL, &db, err, sizeof err), AP_ERR_FORMAT);
    CHECK(strstr(err, "'GeoLite2-City', which holds no ASN data") != NULL);
    CHECK(db == NULL);
}

/* A real ASN database shipped on this machine, if any: 8.8.8.8 is Google's AS15169. */
static void test_system_mmdb(void)
{
    static const char *const paths[] = {"/usr/share/GeoIP/GeoLite2-ASN.mmdb",
                                        "/usr/share/GeoIP/dbip-asn-lite.mmdb",
                                        "/var/lib/GeoIP/GeoLite2-ASN.mmdb"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        FILE *f = fopen(paths[i], "rb");
        if (!f)
            continue;
        fclose(f);
        ap_asn_db *db = NULL;
        char err[512];
        CHECK_EQ_INT(ap_asn_open(paths[i], NULL, NULL, &db, err, sizeof err), AP_OK);
        CHECK_EQ_INT(asn_of(db, "8.8.8.8"), 15169);
        ap_asn_close(db);
        return;
    }
    fprintf(stderr, "skipped: no ASN MaxMind DB in /usr/share/GeoIP\n");
}

int main(void)
{
    const char *tmp = check_tmpdir("asn");
    char dir[1024];
    snprintf(dir, sizeof dir, "%.1000s", tmp);
    test_tsv_lookups();
    test_bad_lines();
    test_overlaps();
    test_random_ranges();
    test_files(dir);
    test_mmdb(dir);
    test_system_mmdb();
    CHECK_DONE();
}
