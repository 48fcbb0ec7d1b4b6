/* intern.c — string interning. Every repeated text is stored once in `strings` under an id that
 * is its own 47-bit content hash, so the writer knows an id without asking the database: a new
 * text costs one INSERT OR IGNORE, a text seen recently costs nothing (a set-associative cache of
 * hashes known to be stored, each with a second fingerprint of the text). Only when an insert
 * was ignored and the cache did not know the text is the stored text compared, and a true
 * collision (another text under that id) moves the new text to the next free id upwards —
 * deterministic for a given insertion order.
 * Long forward payloads are stored as zstd frames (ap_store_intern_packed); the id is still the
 * hash of the plain text, so the same text reached either way gets the same id.
 */

/* Longest text a stored zstd frame may claim to hold (a damaged store must not make us
 * allocate without bound). */
#define AP_STORE_UNPACK_MAX ((size_t)64 << 20)
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "store/store_internal.h"
#include "util/hash.h"

#define CACHE_MASK (((uint64_t)1 << AP_INTERN_CACHE_BITS) - 1)

void ap_store_intern_cache_clear(ap_store *st)
{
    if (st->cache)
        memset(st->cache, 0, ((size_t)2 << AP_INTERN_CACHE_BITS) * sizeof *st->cache);
}

/* A cheap second fingerprint of the text (length and its first and last 8 bytes): a cache hit
 * needs it and the content hash to match, so two texts whose content hashes collide (or a hash
 * forced by a test) practically never share a cached id, without hashing long texts twice. */
static uint64_t content_check(ap_str s)
{
    uint64_t a = 0, b = 0;
    size_t n = s.n < 8 ? s.n : 8;
    if (n) {
        memcpy(&a, s.p, n);
        memcpy(&b, s.p + s.n - n, n);
    }
    return (a * 0x9e3779b97f4a7c15ULL) ^ (b + 0x632be59bd9b4e019ULL) ^ ((uint64_t)s.n << 1);
}

/* The cache is 2-way set associative: way 0 holds the most recently stored/used entry of a
 * set, way 1 the one before, so a burst of new texts (source IPs) does not evict the frequent
 * ones (usernames, passwords, client versions) at once. */
static ap_intern_slot *cache_find(ap_store *st, uint64_t hash, uint64_t check)
{
    ap_intern_slot *set = &st->cache[(hash & CACHE_MASK) * 2];
    if (set[0].id && set[0].hash == hash && set[0].check == check)
        return &set[0];
    if (set[1].id && set[1].hash == hash && set[1].check == check) {
        ap_intern_slot t = set[0];
        set[0] = set[1];
        set[1] = t;
        return &set[0];
    }
    return NULL;
}

static void cache_put(ap_store *st, uint64_t hash, uint64_t check, int64_t id)
{
    ap_intern_slot *set = &st->cache[(hash & CACHE_MASK) * 2];
    set[1] = set[0];
    set[0] = (ap_intern_slot){.hash = hash, .id = id, .check = check};
}

static int64_t next_probe(int64_t id)
{
    return id >= AP_STRING_ID_MASK ? 1 : id + 1;
}

static int zbuf_reserve(ap_store *st, size_t n)
{
    if (n <= st->zbuf_cap)
        return 1;
    unsigned char *p = realloc(st->zbuf, n);
    if (!p)
        return 0;
    st->zbuf = p;
    st->zbuf_cap = n;
    return 1;
}

void ap_store_zstd_free(ap_store *st)
{
    ZSTD_freeCCtx(st->zc);
    ZSTD_freeDCtx(st->zd);
    free(st->zbuf);
    st->zc = st->zd = NULL;
    st->zbuf = NULL;
    st->zbuf_cap = 0;
}

/* Decompresses a stored frame into st->zbuf; AP_ERR_FORMAT when it is damaged. */
static ap_status unpack(ap_store *st, const void *z, size_t zn, size_t *n)
{
    unsigned long long size = ZSTD_getFrameContentSize(z, zn);
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
        size > AP_STORE_UNPACK_MAX)
        return ap_store_failf(st, AP_ERR_FORMAT, "a compressed string in the store is damaged");
    if (!st->zd && !(st->zd = ZSTD_createDCtx()))
        return ap_store_failf(st, AP_ERR_NOMEM, "out of memory");
    if (!zbuf_reserve(st, (size_t)size + 1))
        return ap_store_failf(st, AP_ERR_NOMEM, "out of memory");
    size_t r = ZSTD_decompressDCtx(st->zd, st->zbuf, (size_t)size + 1, z, zn);
    if (ZSTD_isError(r) || r != size)
        return ap_store_failf(st, AP_ERR_FORMAT, "a compressed string in the store is damaged");
    *n = r;
    return AP_OK;
}

/* Compares the text stored under `id` with s: *state = 0 no row, 1 equal, 2 other text. */
static ap_status compare_stored(ap_store *st, int64_t id, ap_str s, int *state)
{
    sqlite3_stmt *q = ap_store_stmt(st, ST_STR_GET);
    if (!q)
        return AP_ERR_STORE;
    sqlite3_bind_int64(q, 1, id);
    int rc = sqlite3_step(q);
    ap_status r = AP_OK;
    if (rc == SQLITE_ROW) {
        const void *p = NULL;
        size_t n = 0;
        if (sqlite3_column_type(q, 0) == SQLITE_NULL && sqlite3_column_type(q, 1) == SQLITE_BLOB) {
            r = unpack(st, sqlite3_column_blob(q, 1), (size_t)sqlite3_column_bytes(q, 1), &n);
            p = st->zbuf;
        } else {
            p = sqlite3_column_blob(q, 0);
            n = (size_t)sqlite3_column_bytes(q, 0);
        }
        if (r == AP_OK)
            *state = (n == s.n && (n == 0 || (p && memcmp(p, s.p, n) == 0))) ? 1 : 2;
    } else if (rc == SQLITE_DONE) {
        *state = 0;
    } else {
        r = ap_store_fail(st, rc, "reading a string");
    }
    sqlite3_reset(q);
    return r;
}

ap_status ap_store_string_lookup_hashed(ap_store *st, ap_str s, uint64_t hash, int64_t *id,
                                        int *found)
{
    *id = 0;
    *found = 0;
    if (!s.p)
        return AP_OK;
    ap_intern_slot *slot = cache_find(st, hash, content_check(s));
    if (slot) {
        *id = slot->id;
        *found = 1;
        return AP_OK;
    }
    int64_t probe = ap_store_string_id_of_hash(hash);
    for (;;) {
        int state = 0;
        ap_status r = compare_stored(st, probe, s, &state);
        if (r != AP_OK)
            return r;
        if (state == 0)
            return AP_OK;
        if (state == 1) {
            *id = probe;
            *found = 1;
            return AP_OK;
        }
        probe = next_probe(probe);
    }
}

ap_status ap_store_string_lookup(ap_store *st, ap_str s, int64_t *id, int *found)
{
    return ap_store_string_lookup_hashed(st, s, s.p ? ap_hash64(s.p, s.n) : 0, id, found);
}

/* Compresses s into st->zbuf when that pays; *zn = 0 when it is to be stored plain. */
static ap_status pack(ap_store *st, ap_str s, size_t *zn)
{
    *zn = 0;
    if (!st->zc && !(st->zc = ZSTD_createCCtx()))
        return ap_store_failf(st, AP_ERR_NOMEM, "out of memory");
    size_t bound = ZSTD_compressBound(s.n);
    if (!zbuf_reserve(st, bound))
        return ap_store_failf(st, AP_ERR_NOMEM, "out of memory");
    size_t r = ZSTD_compressCCtx(st->zc, st->zbuf, bound, s.p, s.n, 1);
    if (!ZSTD_isError(r) && r < s.n - s.n / 5)
        *zn = r;
    return AP_OK;
}


static ap_status intern(ap_store *st, ap_str s, uint64_t hash, int packed, ap_str pre, int64_t *id)
{
    *id = 0;
    if (!s.p)
        return AP_OK;
    uint64_t check = content_check(s);
    ap_intern_slot *slot = cache_find(st, hash, check);
    if (slot) {
        st->intern_hits++;
        *id = slot->id;
        return AP_OK;
    }
    if (s.n > INT32_MAX)
        return ap_store_failf(st, AP_ERR_LIMIT, "string of %zu bytes is too long to store", s.n);
    size_t zn = 0;
    if (packed && s.n > AP_STORE_PACK_MIN) {
        if (pre.p && pre.n < s.n - s.n / 5) { /* compressed by the caller (ingest's parser thread) */
            if (!zbuf_reserve(st, pre.n))
                return ap_store_failf(st, AP_ERR_NOMEM, "out of memory");
            memcpy(st->zbuf, pre.p, pre.n);
            zn = pre.n;
        } else if (!pre.p) {
            TRY(pack(st, s, &zn));
        }
    }
    int64_t probe = ap_store_string_id_of_hash(hash);
    for (;;) {
        sqlite3_stmt *q = ap_store_stmt(st, zn ? ST_STR_INSERT_Z : ST_STR_INSERT);
        if (!q)
            return AP_ERR_STORE;
        sqlite3_bind_int64(q, 1, probe);
        if (zn)
            sqlite3_bind_blob(q, 2, st->zbuf, (int)zn, SQLITE_STATIC);
        else
            sqlite3_bind_text(q, 2, s.n ? s.p : "", (int)s.n, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        sqlite3_reset(q);
        if (rc != SQLITE_DONE)
            return ap_store_fail(st, rc, "storing a string");
        if (sqlite3_changes(st->db) > 0) {
            st->intern_inserts++;
            break;
        }
        /* Ignored: the id is taken, by this text (stored earlier) or by another (collision). */
        int state = 0;
        ap_status r = compare_stored(st, probe, s, &state);
        if (r != AP_OK)
            return r;
        if (state == 1)
            break;
        if (state == 0)
            return ap_store_failf(st, AP_ERR_INTERNAL, "string id %lld vanished while interning",
                                  (long long)probe);
        st->intern_collisions++;
        probe = next_probe(probe);
    }
    cache_put(st, hash, check, probe);
    *id = probe;
    return AP_OK;
}

ap_status ap_store_intern_hashed(ap_store *st, ap_str s, uint64_t hash, int64_t *id)
{
    return intern(st, s, hash, 0, AP_STR_NULL, id);
}

ap_status ap_store_intern_packed(ap_store *st, ap_str s, int64_t *id)
{
    if (!s.p) {
        *id = 0;
        return AP_OK;
    }
    return intern(st, s, ap_hash64(s.p, s.n), 1, AP_STR_NULL, id);
}

ap_status ap_store_intern_prepacked(ap_store *st, ap_str s, ap_str zstd_frame, int64_t *id)
{
    if (!s.p) {
        *id = 0;
        return AP_OK;
    }
    return intern(st, s, ap_hash64(s.p, s.n), 1, zstd_frame, id);
}

ap_status ap_store_intern(ap_store *st, ap_str s, int64_t *id)
{
    if (!s.p) {
        *id = 0;
        return AP_OK;
    }
    return ap_store_intern_hashed(st, s, ap_hash64(s.p, s.n), id);
}
