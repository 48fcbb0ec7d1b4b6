/* asn.c — IP address -> autonomous system, from an ip2asn TSV file or a MaxMind DB (see asn.h
 * for why and docs/asn.md for the formats).
 *
 * How:
 *  - The format is recognised by content: a MaxMind DB ends with a metadata section that starts
 *    with the marker "\xAB\xCD\xEFMaxMind.com" in the last 128 KiB; anything else is read
 *    through zlib (which reads plain files as they are and gzip files decompressed) as TSV.
 *  - TSV lines become ranges of 128-bit numbers (IPv4 in the low 32 bits of its own table).
 *    Overlaps are resolved so that the earlier line wins: in the usual case the file is already
 *    sorted and disjoint and one pass proves it; otherwise every range is inserted in file order
 *    into a POSIX tsearch tree whose comparison calls overlapping ranges equal, so a range that
 *    overlaps one already kept is found instead of inserted. The kept ranges are then sorted
 *    into compact arrays that lookups bisect without locks; for IPv4 a 65 537-entry index by /16
 *    first narrows the bisection to the ranges near the address.
 *  - MaxMind DBs are read by libmaxminddb (mmap, lookups are read-only); the organisation name
 *    there is not NUL-terminated, so each distinct one is copied once into a cache under a
 *    mutex, and the copy lives as long as the database.
 */
#include "core/error.h"
#include "understand/asn.h"
#include "util/hash.h"

#include <arpa/inet.h>
#include <errno.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <zlib.h>

#define ASN_MAX_FILE ((size_t)1 << 30)    /* uncompressed TSV bytes */
#define ASN_MAX_LINE 4096                 /* longer TSV lines are bad lines */
#define MMDB_TAIL ((long)128 * 1024)      /* the metadata section lies within this */
static const char mmdb_marker[] = "\xAB\xCD\xEFMaxMind.com";

enum { ASN_TSV = 1, ASN_MMDB = 2 };

typedef struct u128 {
    uint64_t hi, lo;
} u128;

static int u128_cmp(u128 a, u128 b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    return a.lo < b.lo ? -1 : a.lo > b.lo;
}

/* One organisation name copied out of a MaxMind DB, keyed by where it lies in the mapping. */
typedef struct org_slot {
    const char *key;
    char *copy;
} org_slot;

struct ap_asn_db {
    int kind;
    ap_asn_info info;
    /* TSV: kept ranges, sorted by start; org is an offset into orgs */
    size_t n4, n6;
    uint32_t *v4_start, *v4_end, *v4_asn, *v4_org;
    uint32_t *v4_by16; /* [h]: first range whose start is in h.0.0/16 or later; [65536] = n4 */
    u128 *v6_start, *v6_end;
    uint32_t *v6_asn, *v6_org;
    char *orgs;
    /* MMDB */
    MMDB_s mmdb;
    int mmdb_open;
    pthread_mutex_t lock;
    int lock_ready;
    org_slot *cache;
    size_t cache_cap, cache_n;
};

/* ---- addresses --------------------------------------------------------------------------- */

/* Parses n bytes of text as an IPv4 or IPv6 address. *v6 tells which; IPv4 is in out->lo. With
 * map_v4, an IPv4-mapped IPv6 address (::ffff:a.b.c.d) comes back as IPv4. */
static int parse_addr(const char *p, size_t n, int map_v4, int *v6, u128 *out)
{
    char buf[64];
    if (!p || n == 0 || n >= sizeof buf || memchr(p, '\0', n))
        return 0;
    memcpy(buf, p, n);
    buf[n] = '\0';
    if (memchr(buf, ':', n)) {
        unsigned char a[16];
        if (inet_pton(AF_INET6, buf, a) != 1)
            return 0;
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (map_v4 && memcmp(a, mapped, 12) == 0) {
            *v6 = 0;
            out->hi = 0;
            out->lo = (uint64_t)a[12] << 24 | (uint64_t)a[13] << 16 | (uint64_t)a[14] << 8 | a[15];
            return 1;
        }
        out->hi = out->lo = 0;
        for (int i = 0; i < 8; i++) {
            out->hi = out->hi << 8 | a[i];
            out->lo = out->lo << 8 | a[8 + i];
        }
        *v6 = 1;
        return 1;
    }
    unsigned char a[4];
    if (inet_pton(AF_INET, buf, a) != 1)
        return 0;
    *v6 = 0;
    out->hi = 0;
    out->lo = (uint64_t)a[0] << 24 | (uint64_t)a[1] << 16 | (uint64_t)a[2] << 8 | a[3];
    return 1;
}

/* ---- TSV parsing ----------------------------------------------------------------------------- */

typedef struct range_in {
    u128 start, end;
    uint32_t asn, org;
    uint64_t line;
    uint64_t offset;
    int kept;
} range_in;

typedef struct range_vec {
    range_in *v;
    size_t n, cap;
} range_vec;

typedef struct intern_slot {
    uint64_t hash;
    uint32_t off, len; /* len + 1, 0 = empty slot */
} intern_slot;

typedef struct tsv_ctx {
    const char *name;
    ap_diag_fn on_diag;
    void *user;
    range_vec v4, v6;
    char *pool;
    size_t pool_len, pool_cap;
    intern_slot *slots;
    size_t slot_cap, slot_n;
    ap_asn_info info;
} tsv_ctx;

static void diag(const tsv_ctx *c, uint64_t line, uint64_t offset, const char *reason,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void diag(const tsv_ctx *c, uint64_t line, uint64_t offset, const char *reason,
                 const char *fmt, ...)
{
    if (!c->on_diag)
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ap_diag d = {AP_SEV_WARNING, c->name, line, offset, reason, msg};
    c->on_diag(c->user, &d);
}

static int vec_push(range_vec *v, const range_in *r)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 1024;
        range_in *nv = realloc(v->v, cap * sizeof *nv);
        if (!nv)
            return -1;
        v->v = nv;
        v->cap = cap;
    }
    v->v[v->n++] = *r;
    return 0;
}

/* Copies an organisation name into the pool once; *off receives its offset. */
static int intern_org(tsv_ctx *c, const char *s, size_t n, uint32_t *off)
{
    if (c->slot_n * 2 >= c->slot_cap) {
        size_t cap = c->slot_cap ? c->slot_cap * 2 : 1024;
        intern_slot *ns = calloc(cap, sizeof *ns);
        if (!ns)
            return -1;
        for (size_t i = 0; i < c->slot_cap; i++) {
            if (!c->slots[i].len)
                continue;
            size_t j = c->slots[i].hash & (cap - 1);
            while (ns[j].len)
                j = (j + 1) & (cap - 1);
            ns[j] = c->slots[i];
        }
        free(c->slots);
        c->slots = ns;
        c->slot_cap = cap;
    }
    uint64_t h = ap_hash64(s, n);
    size_t j = h & (c->slot_cap - 1);
    while (c->slots[j].len) {
        const intern_slot *e = &c->slots[j];
        if (e->hash == h && e->len == n + 1 && memcmp(c->pool + e->off, s, n) == 0) {
            *off = e->off;
            return 0;
        }
        j = (j + 1) & (c->slot_cap - 1);
    }
    if (c->pool_len + n + 1 > c->pool_cap) {
        size_t cap = c->pool_cap ? c->pool_cap : 4096;
        while (cap < c->pool_len + n + 1)
            cap *= 2;
        char *np = realloc(c->pool, cap);
        if (!np)
            return -1;
        c->pool = np;
        c->pool_cap = cap;
    }
    if (c->pool_len + n + 1 > UINT32_MAX)
        return -1;
    memcpy(c->pool + c->pool_len, s, n);
    c->pool[c->pool_len + n] = '\0';
    c->slots[j] = (intern_slot){h, (uint32_t)c->pool_len, (uint32_t)(n + 1)};
    c->slot_n++;
    *off = (uint32_t)c->pool_len;
    c->pool_len += n + 1;
    return 0;
}

/* AS number: decimal digits, optionally after "AS"; at most 4294967295. */
static int parse_asn(const char *p, size_t n, uint32_t *out)
{
    if (n >= 2 && (p[0] == 'A' || p[0] == 'a') && (p[1] == 'S' || p[1] == 's')) {
        p += 2;
        n -= 2;
    }
    if (n == 0 || n > 10)
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    if (v > UINT32_MAX)
        return 0;
    *out = (uint32_t)v;
    return 1;
}

enum { LINE_OK, LINE_NOT_ROUTED, LINE_BAD, LINE_NOMEM };

/* Parses one line (without its newline). On LINE_BAD, *why says what is wrong. */
static int parse_line(tsv_ctx *c, const char *p, size_t n, uint64_t line, uint64_t offset,
                      const char **why)
{
    if (n > ASN_MAX_LINE) {
        *why = "line too long";
        return LINE_BAD;
    }
    if (memchr(p, '\0', n)) {
        *why = "NUL byte in the line";
        return LINE_BAD;
    }
    const char *f[5] = {0};
    size_t fl[5] = {0};
    size_t nf = 0;
    const char *q = p, *end = p + n;
    while (nf < 5) {
        const char *tab = nf < 4 ? memchr(q, '\t', (size_t)(end - q)) : NULL;
        const char *fe = tab ? tab : end;
        f[nf] = q;
        fl[nf] = (size_t)(fe - q);
        nf++;
        if (!tab)
            break;
        q = tab + 1;
    }
    if (nf < 3) {
        *why = "fewer than 3 tab-separated fields (range_start, range_end, AS_number)";
        return LINE_BAD;
    }
    range_in r;
    memset(&r, 0, sizeof r);
    int s6 = 0, e6 = 0;
    if (!parse_addr(f[0], fl[0], 0, &s6, &r.start)) {
        *why = "range_start is not an IP address";
        return LINE_BAD;
    }
    if (!parse_addr(f[1], fl[1], 0, &e6, &r.end)) {
        *why = "range_end is not an IP address";
        return LINE_BAD;
    }
    if (s6 != e6) {
        *why = "range_start and range_end are of different address families";
        return LINE_BAD;
    }
    if (u128_cmp(r.start, r.end) > 0) {
        *why = "range_start is after range_end";
        return LINE_BAD;
    }
    if (!parse_asn(f[2], fl[2], &r.asn)) {
        *why = "AS_number is not a number below 2^32";
        return LINE_BAD;
    }
    if (r.asn == 0) {
        c->info.not_routed++;
        return LINE_NOT_ROUTED;
    }
    const char *desc = nf >= 5 ? f[4] : "";
    size_t dl = nf >= 5 ? fl[4] : 0;
    while (dl && (desc[dl - 1] == ' ' || desc[dl - 1] == '\t'))
        dl--;
    if (intern_org(c, desc, dl, &r.org))
        return LINE_NOMEM;
    r.line = line;
    r.offset = offset;
    if (vec_push(s6 ? &c->v6 : &c->v4, &r))
        return LINE_NOMEM;
    return LINE_OK;
}

/* tsearch order on ranges: overlapping ranges compare equal, so inserting a range that overlaps
 * a kept one finds that one instead. Kept ranges are disjoint, hence totally ordered. */
static int cmp_overlap(const void *a, const void *b)
{
    const range_in *x = a, *y = b;
    if (u128_cmp(x->end, y->start) < 0)
        return -1;
    if (u128_cmp(x->start, y->end) > 0)
        return 1;
    return 0;
}

static int cmp_start(const void *a, const void *b)
{
    const range_in *x = a, *y = b;
    return u128_cmp(x->start, y->start);
}

/* Marks the ranges to keep (earlier line wins an overlap), reports the others, and compacts the
 * vector to the kept ranges sorted by start. */
static int resolve_overlaps(tsv_ctx *c, range_vec *v)
{
    int disjoint_sorted = 1;
    for (size_t i = 1; i < v->n && disjoint_sorted; i++)
        if (u128_cmp(v->v[i].start, v->v[i - 1].end) <= 0)
            disjoint_sorted = 0;
    if (disjoint_sorted)
        return 0;
    void *root = NULL;
    int rc = 0;
    for (size_t i = 0; i < v->n; i++) {
        range_in *r = &v->v[i];
        void *hit = tsearch(r, &root, cmp_overlap);
        if (!hit) {
            rc = -1;
            break;
        }
        const range_in *found = *(range_in *const *)hit;
        if (found == r) {
            r->kept = 1;
        } else {
            c->info.overlaps++;
            diag(c, r->line, r->offset, "overlapping_asn_range",
                 "range overlaps the one on line %llu (kept, AS%u); skipped",
                 (unsigned long long)found->line, found->asn);
        }
    }
    for (size_t i = 0; i < v->n; i++)
        if (v->v[i].kept)
            tdelete(&v->v[i], &root, cmp_overlap);
    if (rc)
        return rc;
    size_t k = 0;
    for (size_t i = 0; i < v->n; i++)
        if (v->v[i].kept)
            v->v[k++] = v->v[i];
    v->n = k;
    qsort(v->v, v->n, sizeof *v->v, cmp_start);
    return 0;
}

static void db_free_tables(ap_asn_db *db)
{
    free(db->v4_start);
    free(db->v4_end);
    free(db->v4_asn);
    free(db->v4_org);
    free(db->v4_by16);
    free(db->v6_start);
    free(db->v6_end);
    free(db->v6_asn);
    free(db->v6_org);
    free(db->orgs);
}

static int build_tables(ap_asn_db *db, tsv_ctx *c)
{
    size_t n4 = c->v4.n, n6 = c->v6.n;
    db->v4_start = malloc((n4 ? n4 : 1) * sizeof *db->v4_start);
    db->v4_end = malloc((n4 ? n4 : 1) * sizeof *db->v4_end);
    db->v4_asn = malloc((n4 ? n4 : 1) * sizeof *db->v4_asn);
    db->v4_org = malloc((n4 ? n4 : 1) * sizeof *db->v4_org);
    db->v6_start = malloc((n6 ? n6 : 1) * sizeof *db->v6_start);
    db->v6_end = malloc((n6 ? n6 : 1) * sizeof *db->v6_end);
    db->v6_asn = malloc((n6 ? n6 : 1) * sizeof *db->v6_asn);
    db->v6_org = malloc((n6 ? n6 : 1) * sizeof *db->v6_org);
    db->v4_by16 = malloc(65537 * sizeof *db->v4_by16);
    if (!db->v4_start || !db->v4_end || !db->v4_asn || !db->v4_org || !db->v6_start ||
        !db->v6_end || !db->v6_asn || !db->v6_org || !db->v4_by16 || n4 >= UINT32_MAX)
        return -1;
    for (size_t i = 0; i < n4; i++) {
        db->v4_start[i] = (uint32_t)c->v4.v[i].start.lo;
        db->v4_end[i] = (uint32_t)c->v4.v[i].end.lo;
        db->v4_asn[i] = c->v4.v[i].asn;
        db->v4_org[i] = c->v4.v[i].org;
    }
    /* a /16 index narrows the bisection to the ranges near the address (cache misses dominate
     * lookups in a full table) */
    size_t i4 = 0;
    for (uint32_t h = 0; h <= 65536; h++) {
        while (i4 < n4 && db->v4_start[i4] >> 16 < h)
            i4++;
        db->v4_by16[h] = (uint32_t)i4;
    }
    for (size_t i = 0; i < n6; i++) {
        db->v6_start[i] = c->v6.v[i].start;
        db->v6_end[i] = c->v6.v[i].end;
        db->v6_asn[i] = c->v6.v[i].asn;
        db->v6_org[i] = c->v6.v[i].org;
    }
    db->n4 = n4;
    db->n6 = n6;
    db->orgs = c->pool;
    c->pool = NULL;
    if (!db->orgs) { /* no routed range at all: lookups never read it, but keep it valid */
        db->orgs = calloc(1, 1);
        if (!db->orgs)
            return -1;
    }
    return 0;
}

ap_status ap_asn_parse_tsv(const char *name, const char *buf, size_t len, ap_diag_fn on_diag,
                           void *user, ap_asn_db **out, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out || (!buf && len)) {
        ap_set_error(err, errlen, "ap_asn_parse_tsv: invalid arguments");
        return AP_ERR_ARG;
    }
    *out = NULL;
    if (!name)
        name = "(memory)";
    if (len > ASN_MAX_FILE) {
        ap_set_error(err, errlen, "%s: larger than %zu bytes", name, ASN_MAX_FILE);
        return AP_ERR_LIMIT;
    }
    tsv_ctx c;
    memset(&c, 0, sizeof c);
    c.name = name;
    c.on_diag = on_diag;
    c.user = user;
    ap_status st = AP_OK;
    ap_asn_db *db = NULL;
    size_t pos = 0;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        pos = 3; /* a UTF-8 byte-order mark written by some editors */
    int seen_record = 0;
    for (uint64_t line = 1; pos < len; line++) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - buf) : len;
        size_t n = end - pos;
        const char *p = buf + pos;
        uint64_t offset = pos;
        pos = nl ? end + 1 : len;
        if (n && p[n - 1] == '\r')
            n--;
        if (n == 0 || p[0] == '#')
            continue;
        const char *why = NULL;
        int r = parse_line(&c, p, n, line, offset, &why);
        if (r == LINE_NOMEM) {
            st = AP_ERR_NOMEM;
            ap_set_error(err, errlen, "out of memory");
            goto done;
        }
        if (r == LINE_BAD) {
            if (!seen_record) {
                /* the first record decides whether this is an ip2asn file at all */
                ap_set_error(err, errlen,
                        "%s:%llu: neither a MaxMind DB (.mmdb) nor an ip2asn TSV file "
                        "(range_start<TAB>range_end<TAB>AS_number<TAB>country<TAB>"
                        "description): %s",
                        name, (unsigned long long)line, why);
                st = AP_ERR_FORMAT;
                goto done;
            }
            c.info.bad_lines++;
            diag(&c, line, offset, "bad_asn_line", "skipped ip2asn line: %s", why);
            continue;
        }
        seen_record = 1;
    }
    if (!seen_record) {
        ap_set_error(err, errlen, "%s: no ip2asn records (empty file?)", name);
        st = AP_ERR_FORMAT;
        goto done;
    }
    if (resolve_overlaps(&c, &c.v4) || resolve_overlaps(&c, &c.v6)) {
        st = AP_ERR_NOMEM;
        ap_set_error(err, errlen, "out of memory");
        goto done;
    }
    db = calloc(1, sizeof *db);
    if (!db || build_tables(db, &c)) {
        st = AP_ERR_NOMEM;
        ap_set_error(err, errlen, "out of memory");
        goto done;
    }
    db->kind = ASN_TSV;
    db->info = c.info;
    db->info.format = "ip2asn-tsv";
    db->info.type = "ip2asn";
    db->info.v4_ranges = db->n4;
    db->info.v6_ranges = db->n6;
    *out = db;
    db = NULL;
done:
    if (db) {
        db_free_tables(db);
        free(db);
    }
    free(c.v4.v);
    free(c.v6.v);
    free(c.pool);
    free(c.slots);
    return st;
}

/* ---- MaxMind DB ------------------------------------------------------------------------------ */

static int ci_contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; hay && *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && (hay[i] | 0x20) == (needle[i] | 0x20))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

static ap_status open_mmdb(const char *path, ap_asn_db **out, char *err, size_t errlen)
{
    ap_asn_db *db = calloc(1, sizeof *db);
    if (!db) {
        ap_set_error(err, errlen, "out of memory");
        return AP_ERR_NOMEM;
    }
    int rc = MMDB_open(path, MMDB_MODE_MMAP, &db->mmdb);
    if (rc != MMDB_SUCCESS) {
        ap_status st = rc == MMDB_IO_ERROR         ? AP_ERR_IO
                       : rc == MMDB_OUT_OF_MEMORY_ERROR ? AP_ERR_NOMEM
                                                        : AP_ERR_FORMAT;
        ap_set_error(err, errlen, "%s: cannot read the MaxMind DB: %s%s%s", path, MMDB_strerror(rc),
                rc == MMDB_IO_ERROR ? ": " : "", rc == MMDB_IO_ERROR ? strerror(errno) : "");
        free(db);
        return st;
    }
    db->mmdb_open = 1;
    const char *type = db->mmdb.metadata.database_type ? db->mmdb.metadata.database_type : "";
    if (!ci_contains(type, "ASN") && !ci_contains(type, "ISP")) {
        ap_set_error(err, errlen,
                "%s: a MaxMind DB of type '%.80s', which holds no ASN data (use GeoLite2-ASN, "
                "DB-IP ASN lite or an ip2asn TSV file)",
                path, type);
        ap_asn_close(db);
        return AP_ERR_FORMAT;
    }
    if (pthread_mutex_init(&db->lock, NULL) != 0) {
        ap_set_error(err, errlen, "cannot create a mutex");
        ap_asn_close(db);
        return AP_ERR_NOMEM;
    }
    db->lock_ready = 1;
    db->kind = ASN_MMDB;
    db->info.format = "mmdb";
    db->info.type = type;
    *out = db;
    return AP_OK;
}

/* The NUL-terminated copy of a MaxMind DB string, made once per distinct string. */
static const char *mmdb_org(ap_asn_db *db, const char *s, uint32_t n)
{
    const char *res = "";
    pthread_mutex_lock(&db->lock);
    if (db->cache_n * 2 >= db->cache_cap) {
        size_t cap = db->cache_cap ? db->cache_cap * 2 : 256;
        org_slot *ns = calloc(cap, sizeof *ns);
        if (!ns)
            goto out;
        for (size_t i = 0; i < db->cache_cap; i++) {
            if (!db->cache[i].key)
                continue;
            size_t j = ap_hash64(&db->cache[i].key, sizeof db->cache[i].key) & (cap - 1);
            while (ns[j].key)
                j = (j + 1) & (cap - 1);
            ns[j] = db->cache[i];
        }
        free(db->cache);
        db->cache = ns;
        db->cache_cap = cap;
    }
    size_t j = ap_hash64(&s, sizeof s) & (db->cache_cap - 1);
    while (db->cache[j].key && db->cache[j].key != s)
        j = (j + 1) & (db->cache_cap - 1);
    if (!db->cache[j].key) {
        char *copy = malloc((size_t)n + 1);
        if (!copy)
            goto out;
        memcpy(copy, s, n);
        copy[n] = '\0';
        db->cache[j].key = s;
        db->cache[j].copy = copy;
        db->cache_n++;
    }
    res = db->cache[j].copy;
out:
    pthread_mutex_unlock(&db->lock);
    return res;
}

static int lookup_mmdb(const ap_asn_db *cdb, int v6, u128 a, uint32_t *asn, const char **org)
{
    ap_asn_db *db = (ap_asn_db *)cdb; /* only the org cache changes, under the mutex */
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    const struct sockaddr *sa;
    if (v6) {
        memset(&sin6, 0, sizeof sin6);
        sin6.sin6_family = AF_INET6;
        for (int i = 0; i < 8; i++) {
            sin6.sin6_addr.s6_addr[i] = (unsigned char)(a.hi >> (56 - 8 * i));
            sin6.sin6_addr.s6_addr[8 + i] = (unsigned char)(a.lo >> (56 - 8 * i));
        }
        sa = (const struct sockaddr *)&sin6;
    } else {
        memset(&sin, 0, sizeof sin);
        sin.sin_family = AF_INET;
        sin.sin_addr.s_addr = htonl((uint32_t)a.lo);
        sa = (const struct sockaddr *)&sin;
    }
    int mmdb_err = MMDB_SUCCESS;
    MMDB_lookup_result_s res = MMDB_lookup_sockaddr(&db->mmdb, sa, &mmdb_err);
    if (mmdb_err != MMDB_SUCCESS || !res.found_entry)
        return 0;
    MMDB_entry_data_s d;
    if (MMDB_get_value(&res.entry, &d, "autonomous_system_number", NULL) != MMDB_SUCCESS ||
        !d.has_data)
        return 0;
    uint64_t v;
    switch (d.type) {
    case MMDB_DATA_TYPE_UINT16: v = d.uint16; break;
    case MMDB_DATA_TYPE_UINT32: v = d.uint32; break;
    case MMDB_DATA_TYPE_UINT64: v = d.uint64; break;
    case MMDB_DATA_TYPE_INT32: v = d.int32 > 0 ? (uint64_t)d.int32 : 0; break;
    default: return 0;
    }
    if (v == 0 || v > UINT32_MAX)
        return 0;
    *asn = (uint32_t)v;
    *org = "";
    if (MMDB_get_value(&res.entry, &d, "autonomous_system_organization", NULL) == MMDB_SUCCESS &&
        d.has_data && d.type == MMDB_DATA_TYPE_UTF8_STRING)
        *org = mmdb_org(db, d.utf8_string, d.data_size);
    return 1;
}

/* ---- opening files --------------------------------------------------------------------------- */

/* Is the MaxMind DB metadata marker in the last MMDB_TAIL bytes of f? */
static int has_mmdb_marker(FILE *f, long size)
{
    long from = size > MMDB_TAIL ? size - MMDB_TAIL : 0;
    size_t want = (size_t)(size - from);
    if (want < sizeof mmdb_marker - 1 || fseek(f, from, SEEK_SET) != 0)
        return 0;
    unsigned char *tail = malloc(want);
    if (!tail)
        return 0;
    size_t got = fread(tail, 1, want, f);
    size_t m = sizeof mmdb_marker - 1;
    int found = 0;
    for (size_t i = 0; !found && i + m <= got; i++)
        found = tail[i] == 0xAB && memcmp(tail + i, mmdb_marker, m) == 0;
    free(tail);
    return found;
}

/* Reads a plain or gzip-compressed file whole (zlib passes plain files through). */
static ap_status read_text(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
    gzFile g = gzopen(path, "rb");
    if (!g) {
        ap_set_error(err, errlen, "%s: %s", path, strerror(errno ? errno : ENOMEM));
        return errno ? AP_ERR_IO : AP_ERR_NOMEM;
    }
    gzbuffer(g, 1 << 17);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    ap_status st = AP_OK;
    while (buf) {
        if (n == cap) {
            if (cap >= ASN_MAX_FILE) {
                ap_set_error(err, errlen, "%s: larger than %zu bytes", path, ASN_MAX_FILE);
                st = AP_ERR_LIMIT;
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
        size_t want = cap - n > (1u << 30) ? (1u << 30) : cap - n;
        int r = gzread(g, buf + n, (unsigned)want);
        if (r < 0) {
            int zerr = 0;
            const char *msg = gzerror(g, &zerr);
            ap_set_error(err, errlen, "%s: %s", path,
                    zerr == Z_ERRNO ? strerror(errno) : msg ? msg : "read error");
            st = zerr == Z_ERRNO ? AP_ERR_IO : AP_ERR_FORMAT;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    gzclose(g);
    if (!buf) {
        ap_set_error(err, errlen, "out of memory");
        return AP_ERR_NOMEM;
    }
    if (st != AP_OK) {
        free(buf);
        return st;
    }
    *out = buf;
    *len = n;
    return AP_OK;
}

ap_status ap_asn_open(const char *path, ap_diag_fn on_diag, void *user, ap_asn_db **out,
                      char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!path || !out) {
        ap_set_error(err, errlen, "ap_asn_open: invalid arguments");
        return AP_ERR_ARG;
    }
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        ap_set_error(err, errlen, "%s: %s", path, strerror(errno));
        return AP_ERR_IO;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        ap_set_error(err, errlen, "%s: not a regular file", path);
        fclose(f);
        return AP_ERR_IO;
    }
    int is_mmdb = sb.st_size > 0 && has_mmdb_marker(f, (long)sb.st_size);
    fclose(f);
    if (is_mmdb)
        return open_mmdb(path, out, err, errlen);
    char *buf = NULL;
    size_t len = 0;
    ap_status st = read_text(path, &buf, &len, err, errlen);
    if (st != AP_OK)
        return st;
    st = ap_asn_parse_tsv(path, buf, len, on_diag, user, out, err, errlen);
    free(buf);
    return st;
}

/* ---- lookups -------------------------------------------------------------------------------- */

/* Index of the last range starting at or before a, or (size_t)-1. Every range before a's /16
 * starts at or before a and every range after it starts after a, so the first start > a lies in
 * [by16[h], by16[h + 1]]; the one before it may start in an earlier /16. */
static size_t find_v4(const ap_asn_db *db, uint32_t a)
{
    const uint32_t *start = db->v4_start;
    size_t lo = db->v4_by16[a >> 16], hi = db->v4_by16[(a >> 16) + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (start[mid] <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1;
}

static size_t find_v6(const u128 *start, size_t n, u128 a)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (u128_cmp(start[mid], a) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1;
}

int ap_asn_lookup(const ap_asn_db *db, const char *ip, size_t iplen, uint32_t *asn,
                  const char **org)
{
    uint32_t a_dummy;
    const char *o_dummy;
    if (!asn)
        asn = &a_dummy;
    if (!org)
        org = &o_dummy;
    *asn = 0;
    *org = NULL;
    int v6 = 0;
    u128 a;
    if (!db || !parse_addr(ip, iplen, 1, &v6, &a))
        return 0;
    if (db->kind == ASN_MMDB) {
        if (lookup_mmdb(db, v6, a, asn, org))
            return 1;
        *asn = 0;
        *org = NULL;
        return 0;
    }
    if (!v6) {
        size_t i = find_v4(db, (uint32_t)a.lo);
        if (i == (size_t)-1 || (uint32_t)a.lo > db->v4_end[i])
            return 0;
        *asn = db->v4_asn[i];
        *org = db->orgs + db->v4_org[i];
        return 1;
    }
    size_t i = find_v6(db->v6_start, db->n6, a);
    if (i == (size_t)-1 || u128_cmp(a, db->v6_end[i]) > 0)
        return 0;
    *asn = db->v6_asn[i];
    *org = db->orgs + db->v6_org[i];
    return 1;
}

void ap_asn_describe(const ap_asn_db *db, ap_asn_info *info)
{
    if (!info)
        return;
    memset(info, 0, sizeof *info);
    if (db)
        *info = db->info;
}

void ap_asn_close(ap_asn_db *db)
{
    if (!db)
        return;
    if (db->mmdb_open)
        MMDB_close(&db->mmdb);
    if (db->lock_ready)
        pthread_mutex_destroy(&db->lock);
    for (size_t i = 0; i < db->cache_cap; i++)
        free(db->cache[i].copy);
    free(db->cache);
    db_free_tables(db);
    free(db);
}
