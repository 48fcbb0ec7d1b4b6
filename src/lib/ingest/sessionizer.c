/* sessionizer.c — events → sessions in the store; see sessionizer.h for why it exists. */
#include "ingest/sessionizer.h"
#include "store/store.h"
#include "util/hash.h"
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_MAX_OPEN 200000
/* A session with no event for this long (log time) is written out and dropped from memory: Cowrie
 * ends idle sessions after minutes, so one that is silent for an hour lost its close event (a
 * sensor restart); if it does come back it is reloaded from the store. */
#define IDLE_EVICT_US (3600LL * 1000000)
#define LINEAR_DEDUP_MAX 16 /* below this many events a linear scan beats a hash set */

/* String fields of a session: owned copies so the session outlives the batch it came from. */
enum sess_field { SF_SESSION, SF_PROTOCOL, SF_SRC_IP, SF_DST_IP, SF_CLIENT_VERSION, SF_HASSH,
                  SF_HASSH_ALGS, SF_ARCH, SF__COUNT };

typedef struct sess {
    struct sess *next;       /* hash chain */
    struct sess *lru_prev, *lru_next;
    uint64_t key_hash;
    ap_session_rec rec;
    char *str[SF__COUNT];
    uint64_t *hashes;        /* arrival order (what the store keeps) */
    size_t nhash, hash_cap;
    uint64_t *set;           /* open addressing over hashes, once nhash > LINEAR_DEDUP_MAX */
    size_t set_cap;
    int dirty;
    int unsaved;             /* created this run, row not yet written (id reserved) */
    int counted_update;      /* an existing session already counted in sessions_updated */
} sess;

typedef struct sensor_entry {
    char *name;
    int64_t id;
} sensor_entry;

struct ap_sessionizer {
    ap_store *store;
    size_t max_open;
    sess **buckets;
    size_t nbuckets, count;
    sess lru;                 /* sentinel: lru.lru_next = most recent */
    sensor_entry *sensors;
    size_t nsensors, sensors_cap, last_sensor;
    ap_arena scratch;
    ap_sessionizer_counts counts;
    /* Sessions created in this run, as a Bloom filter: when the store held no session before
     * the run, a session neither in memory nor in the filter cannot be in the store, and the
     * look-up is skipped. Fixed size, so memory stays bounded; a false positive costs a look-up. */
    int store_state;          /* 0 not yet asked, 1 store was empty, 2 store had sessions */
    int64_t latest_us;        /* latest event time seen */
    uint64_t *created;
    sess **order;             /* flush: new sessions in id order */
    size_t order_cap;
};

#define CREATED_BITS (1u << 26) /* 8 MiB */

static void created_add(ap_sessionizer *z, uint64_t kh)
{
    uint32_t a = (uint32_t)kh & (CREATED_BITS - 1), b = (uint32_t)(kh >> 38) & (CREATED_BITS - 1);
    z->created[a >> 6] |= 1ull << (a & 63);
    z->created[b >> 6] |= 1ull << (b & 63);
}

static int created_maybe(const ap_sessionizer *z, uint64_t kh)
{
    uint32_t a = (uint32_t)kh & (CREATED_BITS - 1), b = (uint32_t)(kh >> 38) & (CREATED_BITS - 1);
    return (z->created[a >> 6] >> (a & 63) & 1) && (z->created[b >> 6] >> (b & 63) & 1);
}

/* ---- small helpers ---------------------------------------------------------------------- */

static void lru_unlink(sess *s)
{
    s->lru_prev->lru_next = s->lru_next;
    s->lru_next->lru_prev = s->lru_prev;
}

static void lru_push_front(ap_sessionizer *z, sess *s)
{
    s->lru_next = z->lru.lru_next;
    s->lru_prev = &z->lru;
    z->lru.lru_next->lru_prev = s;
    z->lru.lru_next = s;
}

static void sess_free(sess *s)
{
    for (int i = 0; i < SF__COUNT; i++)
        free(s->str[i]);
    free(s->hashes);
    free(s->set);
    free(s);
}

/* Points rec's view at an owned copy of v (or leaves it when v is absent or unchanged). */
static ap_status sess_set_str(sess *s, enum sess_field f, ap_str *field, ap_str v)
{
    if (!v.p || (field->p && ap_str_eq(*field, v)))
        return AP_OK;
    char *copy = malloc(v.n + 1);
    if (!copy)
        return AP_ERR_NOMEM;
    if (v.n)
        memcpy(copy, v.p, v.n);
    copy[v.n] = '\0';
    free(s->str[f]);
    s->str[f] = copy;
    *field = ap_str_make(copy, v.n);
    s->dirty = 1;
    return AP_OK;
}

static uint64_t session_key_hash(int64_t sensor_id, ap_str session)
{
    return ap_hash64_seed(session.p, session.n, (uint64_t)sensor_id * 0x9E3779B97F4A7C15ull + 1);
}

/* ---- dedup set -------------------------------------------------------------------------- */

static int set_insert(uint64_t *set, size_t cap, uint64_t h)
{
    uint64_t v = h ? h : 1; /* 0 marks an empty slot */
    size_t i = (size_t)(v * 0x9E3779B97F4A7C15ull >> 7) & (cap - 1);
    while (set[i]) {
        if (set[i] == v)
            return 0;
        i = (i + 1) & (cap - 1);
    }
    set[i] = v;
    return 1;
}

static ap_status set_rebuild(sess *s, size_t cap)
{
    uint64_t *set = calloc(cap, sizeof *set);
    if (!set)
        return AP_ERR_NOMEM;
    for (size_t i = 0; i < s->nhash; i++)
        set_insert(set, cap, s->hashes[i]);
    free(s->set);
    s->set = set;
    s->set_cap = cap;
    return AP_OK;
}

/* Adds h when new. *added = 0 when the session already has it. */
static ap_status sess_add_hash(sess *s, uint64_t h, int *added)
{
    uint64_t v = h ? h : 1;
    *added = 0;
    if (s->set) {
        if ((s->nhash + 1) * 2 > s->set_cap) {
            ap_status st = set_rebuild(s, s->set_cap * 2);
            if (st != AP_OK)
                return st;
        }
        if (!set_insert(s->set, s->set_cap, v))
            return AP_OK;
    } else {
        for (size_t i = 0; i < s->nhash; i++)
            if (s->hashes[i] == v)
                return AP_OK;
    }
    if (s->nhash == s->hash_cap) {
        size_t cap = s->hash_cap ? s->hash_cap * 2 : 8;
        uint64_t *p = realloc(s->hashes, cap * sizeof *p);
        if (!p)
            return AP_ERR_NOMEM;
        s->hashes = p;
        s->hash_cap = cap;
    }
    s->hashes[s->nhash++] = v;
    if (!s->set && s->nhash > LINEAR_DEDUP_MAX) {
        ap_status st = set_rebuild(s, 64);
        if (st != AP_OK)
            return st;
    }
    *added = 1;
    return AP_OK;
}

/* ---- the session table ------------------------------------------------------------------ */

static ap_status table_grow(ap_sessionizer *z)
{
    size_t n = z->nbuckets ? z->nbuckets * 2 : 4096;
    sess **b = calloc(n, sizeof *b);
    if (!b)
        return AP_ERR_NOMEM;
    for (size_t i = 0; i < z->nbuckets; i++) {
        sess *s = z->buckets[i];
        while (s) {
            sess *next = s->next;
            size_t j = (size_t)s->key_hash & (n - 1);
            s->next = b[j];
            b[j] = s;
            s = next;
        }
    }
    free(z->buckets);
    z->buckets = b;
    z->nbuckets = n;
    return AP_OK;
}

static void table_remove(ap_sessionizer *z, sess *s)
{
    sess **pp = &z->buckets[(size_t)s->key_hash & (z->nbuckets - 1)];
    while (*pp && *pp != s)
        pp = &(*pp)->next;
    if (*pp)
        *pp = s->next;
    lru_unlink(s);
    z->count--;
}

static ap_status sensor_id(ap_sessionizer *z, ap_str name, int64_t *id)
{
    /* consecutive events nearly always come from the sensor of the one before */
    if (z->last_sensor < z->nsensors && ap_str_eq_c(name, z->sensors[z->last_sensor].name)) {
        *id = z->sensors[z->last_sensor].id;
        return AP_OK;
    }
    for (size_t i = 0; i < z->nsensors; i++)
        if (ap_str_eq_c(name, z->sensors[i].name)) {
            *id = z->sensors[i].id;
            z->last_sensor = i;
            return AP_OK;
        }
    ap_status st = ap_store_sensor_id(z->store, name, id);
    if (st != AP_OK)
        return st;
    if (z->nsensors == z->sensors_cap) {
        size_t cap = z->sensors_cap ? z->sensors_cap * 2 : 8;
        sensor_entry *p = realloc(z->sensors, cap * sizeof *p);
        if (!p)
            return AP_ERR_NOMEM;
        z->sensors = p;
        z->sensors_cap = cap;
    }
    char *copy = malloc(name.n + 1);
    if (!copy)
        return AP_ERR_NOMEM;
    if (name.n)
        memcpy(copy, name.p, name.n);
    copy[name.n] = '\0';
    z->sensors[z->nsensors++] = (sensor_entry){copy, *id};
    return AP_OK;
}

/* Copies a session loaded from the store into a new in-memory session. */
static ap_status sess_adopt(sess *s, const ap_session_rec *r)
{
    ap_status st = AP_OK;
    ap_str session = r->session;
    s->rec = *r;
    s->rec.session = s->rec.protocol = s->rec.src_ip = s->rec.dst_ip = AP_STR_NULL;
    s->rec.client_version = s->rec.hassh = s->rec.hassh_algorithms = s->rec.arch = AP_STR_NULL;
    s->rec.hashes = NULL;
    if ((st = sess_set_str(s, SF_SESSION, &s->rec.session, session)) != AP_OK ||
        (st = sess_set_str(s, SF_PROTOCOL, &s->rec.protocol, r->protocol)) != AP_OK ||
        (st = sess_set_str(s, SF_SRC_IP, &s->rec.src_ip, r->src_ip)) != AP_OK ||
        (st = sess_set_str(s, SF_DST_IP, &s->rec.dst_ip, r->dst_ip)) != AP_OK ||
        (st = sess_set_str(s, SF_CLIENT_VERSION, &s->rec.client_version, r->client_version)) != AP_OK ||
        (st = sess_set_str(s, SF_HASSH, &s->rec.hassh, r->hassh)) != AP_OK ||
        (st = sess_set_str(s, SF_HASSH_ALGS, &s->rec.hassh_algorithms, r->hassh_algorithms)) != AP_OK ||
        (st = sess_set_str(s, SF_ARCH, &s->rec.arch, r->arch)) != AP_OK)
        return st;
    for (uint64_t i = 0; i < r->nhashes; i++) {
        int added;
        if ((st = sess_add_hash(s, r->hashes[i], &added)) != AP_OK)
            return st;
    }
    s->dirty = 0;
    return AP_OK;
}

/* Finds the session of an event in memory, else in the store, else creates it. */
static ap_status session_get(ap_sessionizer *z, const ap_event *ev, sess **out)
{
    ap_status st;
    int64_t sid;
    ap_str sensor = ev->sensor.p ? ev->sensor : AP_STR_LIT("");
    if ((st = sensor_id(z, sensor, &sid)) != AP_OK)
        return st;
    uint64_t kh = session_key_hash(sid, ev->session);
    if (z->nbuckets) {
        for (sess *s = z->buckets[(size_t)kh & (z->nbuckets - 1)]; s; s = s->next)
            if (s->key_hash == kh && s->rec.sensor_id == sid && ap_str_eq(s->rec.session, ev->session)) {
                lru_unlink(s);
                lru_push_front(z, s);
                *out = s;
                return AP_OK;
            }
    }
    if (z->count + 1 > z->nbuckets && (st = table_grow(z)) != AP_OK)
        return st;
    sess *s = calloc(1, sizeof *s);
    if (!s)
        return AP_ERR_NOMEM;
    ap_session_rec found;
    int is_found = 0;
    if (!z->store_state)
        z->store_state = ap_store_had_sessions(z->store) ? 2 : 1;
    if (z->store_state == 2 || created_maybe(z, kh)) {
        ap_arena_reset(&z->scratch);
        st = ap_store_session_find(z->store, sid, ev->session, &z->scratch, &found, &is_found);
    }
    if (st == AP_OK && is_found) {
        st = sess_adopt(s, &found);
        /* into a store that was empty, a stored session can only be one this run wrote out */
        s->counted_update = z->store_state == 1;
    } else if (st == AP_OK) {
        s->rec.sensor_id = sid;
        s->rec.src_port = s->rec.dst_port = -1;
        s->rec.duration = -1.0;
        st = sess_set_str(s, SF_SESSION, &s->rec.session, ev->session);
        if (st == AP_OK)
            st = ap_store_session_reserve_id(z->store, &s->rec.id);
        if (st == AP_OK) {
            z->counts.sessions_new++;
            created_add(z, kh);
            s->unsaved = 1;
        }
        s->counted_update = 1; /* new in this run: never counted as updated */
    }
    if (st != AP_OK) {
        sess_free(s);
        return st;
    }
    s->key_hash = kh;
    size_t b = (size_t)kh & (z->nbuckets - 1);
    s->next = z->buckets[b];
    z->buckets[b] = s;
    lru_push_front(z, s);
    z->count++;
    if (z->count > z->counts.peak_open_sessions)
        z->counts.peak_open_sessions = z->count;
    *out = s;
    return AP_OK;
}

/* ---- public ----------------------------------------------------------------------------- */

ap_status ap_sessionizer_new(ap_store *store, size_t max_open, ap_sessionizer **out)
{
    ap_sessionizer *z = calloc(1, sizeof *z);
    if (!z)
        return AP_ERR_NOMEM;
    z->store = store;
    z->max_open = max_open ? max_open : DEFAULT_MAX_OPEN;
    z->lru.lru_next = z->lru.lru_prev = &z->lru;
    ap_arena_init(&z->scratch, 16 * 1024);
    z->created = calloc(CREATED_BITS / 64, sizeof *z->created);
    ap_status st = z->created ? table_grow(z) : AP_ERR_NOMEM;
    if (st != AP_OK) {
        free(z->created);
        free(z);
        return st;
    }
    *out = z;
    return AP_OK;
}

void ap_sessionizer_reset(ap_sessionizer *z)
{
    sess *s = z->lru.lru_next;
    while (s != &z->lru) {
        sess *next = s->lru_next;
        sess_free(s);
        s = next;
    }
    z->lru.lru_next = z->lru.lru_prev = &z->lru;
    memset(z->buckets, 0, z->nbuckets * sizeof *z->buckets);
    z->count = 0;
    for (size_t i = 0; i < z->nsensors; i++) /* ids may have been rolled back too */
        free(z->sensors[i].name);
    z->nsensors = 0;
    z->store_state = 0;
    memset(z->created, 0, CREATED_BITS / 8);
}

void ap_sessionizer_free(ap_sessionizer *z)
{
    if (!z)
        return;
    ap_sessionizer_reset(z);
    free(z->buckets);
    free(z->sensors);
    free(z->created);
    free(z->order);
    ap_arena_free(&z->scratch);
    free(z);
}

void ap_sessionizer_get_counts(const ap_sessionizer *z, ap_sessionizer_counts *out)
{
    *out = z->counts;
    out->open_sessions = z->count;
}

static void widen_time(sess *s, int64_t ts)
{
    if (s->rec.start_us == 0 || ts < s->rec.start_us) {
        s->rec.start_us = ts;
        s->dirty = 1;
    }
    if (ts > s->rec.end_us) {
        s->rec.end_us = ts;
        s->dirty = 1;
    }
}

ap_status ap_sessionizer_apply(ap_sessionizer *z, const ap_event *ev, int *is_new)
{
    sess *s;
    int added;
    ap_status st = session_get(z, ev, &s);
    if (st != AP_OK)
        return st;
    if ((st = sess_add_hash(s, ev->hash, &added)) != AP_OK)
        return st;
    *is_new = added;
    if (!added) {
        z->counts.duplicates++;
        return AP_OK;
    }
    z->counts.events++;
    if (ev->ts_us > z->latest_us)
        z->latest_us = ev->ts_us;
    if (!s->counted_update) {
        s->counted_update = 1;
        z->counts.sessions_updated++;
    }
    s->rec.events = s->nhash;
    s->dirty = 1;
    widen_time(s, ev->ts_us);
    ap_session_rec *r = &s->rec;
    int64_t id = r->id;
    if (!r->src_ip.p && (st = sess_set_str(s, SF_SRC_IP, &r->src_ip, ev->src_ip)) != AP_OK)
        return st;

    switch (ev->kind) {
    case AP_EV_SESSION_CONNECT:
        if ((st = sess_set_str(s, SF_SRC_IP, &r->src_ip, ev->src_ip)) != AP_OK ||
            (st = sess_set_str(s, SF_DST_IP, &r->dst_ip, ev->dst_ip)) != AP_OK ||
            (st = sess_set_str(s, SF_PROTOCOL, &r->protocol, ev->protocol)) != AP_OK)
            return st;
        if (ev->src_port >= 0)
            r->src_port = ev->src_port;
        if (ev->dst_port >= 0)
            r->dst_port = ev->dst_port;
        break;
    case AP_EV_CLIENT_VERSION:
        if ((st = sess_set_str(s, SF_CLIENT_VERSION, &r->client_version, ev->version)) != AP_OK)
            return st;
        /* 2018-era version events carry the KEX lists and so a HASSH */
        if ((st = sess_set_str(s, SF_HASSH, &r->hassh, ev->hassh)) != AP_OK ||
            (st = sess_set_str(s, SF_HASSH_ALGS, &r->hassh_algorithms, ev->hassh_algorithms)) != AP_OK)
            return st;
        break;
    case AP_EV_CLIENT_KEX:
        if ((st = sess_set_str(s, SF_HASSH, &r->hassh, ev->hassh)) != AP_OK ||
            (st = sess_set_str(s, SF_HASSH_ALGS, &r->hassh_algorithms, ev->hassh_algorithms)) != AP_OK)
            return st;
        break;
    case AP_EV_CLIENT_FINGERPRINT:
        st = ap_store_add_client_key(z->store, id, ev->ts_us, ev->fingerprint, ev->key, ev->key_type,
                                     ev->username);
        break;
    case AP_EV_CLIENT_SIZE:
        if (ev->width >= 0)
            r->term_width = ev->width;
        if (ev->height >= 0)
            r->term_height = ev->height;
        break;
    case AP_EV_LOGIN_SUCCESS:
    case AP_EV_LOGIN_FAILED:
        st = ap_store_add_login(z->store, id, ev->ts_us, ev->username, ev->password,
                                ev->kind == AP_EV_LOGIN_SUCCESS);
        break;
    case AP_EV_SESSION_PARAMS:
        st = sess_set_str(s, SF_ARCH, &r->arch, ev->arch);
        break;
    case AP_EV_COMMAND_INPUT:
        st = ap_store_add_command(z->store, id, ev->ts_us, ev->input, -1);
        break;
    case AP_EV_COMMAND_SUCCESS:
    case AP_EV_COMMAND_FAILED: {
        int ok = ev->kind == AP_EV_COMMAND_SUCCESS, updated = 0;
        st = ap_store_set_command_success(z->store, id, ev->input, ok, &updated);
        if (st == AP_OK && !updated) /* a status without its input event (older Cowrie) */
            st = ap_store_add_command(z->store, id, ev->ts_us, ev->input, ok);
        break;
    }
    case AP_EV_FILE_DOWNLOAD:
    case AP_EV_FILE_DOWNLOAD_FAILED:
    case AP_EV_FILE_UPLOAD: {
        ap_transfer_kind k = ev->kind == AP_EV_FILE_DOWNLOAD ? AP_TRANSFER_DOWNLOAD
                           : ev->kind == AP_EV_FILE_UPLOAD ? AP_TRANSFER_UPLOAD
                                                           : AP_TRANSFER_DOWNLOAD_FAILED;
        st = ap_store_add_transfer(z->store, id, ev->ts_us, k, ev->url, ev->shasum, ev->outfile,
                                   ev->filename, ev->duplicate);
        break;
    }
    case AP_EV_TCPIP_REQUEST:
    case AP_EV_TCPIP_DATA:
        st = ap_store_add_forward_packed(z->store, id, ev->ts_us, ev->dst_ip, ev->dst_port,
                                         ev->src_ip, ev->src_port, ev->data, ev->data_zstd);
        break;
    case AP_EV_LOG_CLOSED:
        st = ap_store_add_ttylog(z->store, id, ev->ts_us, ev->ttylog, ev->shasum, ev->size,
                                 ev->duration, ev->duplicate);
        break;
    case AP_EV_SESSION_CLOSED:
        r->closed = 1;
        if (ev->duration >= 0)
            r->duration = ev->duration;
        break;
    default: /* kinds kept raw: cowrie.client.var, cowrie.log.open, unknown eventids */
        if (ev->kind == AP_EV_UNKNOWN)
            z->counts.unknown_events++;
        st = ap_store_add_raw_event(z->store, id, ev->ts_us, ev->eventid, ev->line,
                                    ev->kind == AP_EV_UNKNOWN);
        break;
    }
    return st;
}

static int cmp_sess_id(const void *a, const void *b)
{
    int64_t x = (*(sess *const *)a)->rec.id, y = (*(sess *const *)b)->rec.id;
    return (x > y) - (x < y);
}

static ap_status write_session(ap_sessionizer *z, sess *s)
{
    s->rec.hashes = s->hashes;
    s->rec.nhashes = s->nhash;
    s->rec.events = s->nhash;
    ap_status st = s->unsaved ? ap_store_session_insert(z->store, &s->rec)
                              : ap_store_session_update(z->store, &s->rec);
    if (st == AP_OK)
        s->dirty = s->unsaved = 0;
    return st;
}

ap_status ap_sessionizer_flush(ap_sessionizer *z)
{
    /* New sessions are written in id order: their ids are above every stored one, so the rows
     * append to the table instead of splitting pages in its middle. */
    size_t n = 0;
    for (sess *s = z->lru.lru_next; s != &z->lru; s = s->lru_next)
        n += s->dirty && s->unsaved;
    if (n > z->order_cap) {
        sess **o = realloc(z->order, n * sizeof *o);
        if (!o)
            return AP_ERR_NOMEM;
        z->order = o;
        z->order_cap = n;
    }
    n = 0;
    for (sess *s = z->lru.lru_next; s != &z->lru; s = s->lru_next)
        if (s->dirty && s->unsaved)
            z->order[n++] = s;
    if (n > 1)
        qsort(z->order, n, sizeof *z->order, cmp_sess_id);
    for (size_t i = 0; i < n; i++) {
        ap_status st = write_session(z, z->order[i]);
        if (st != AP_OK)
            return st;
    }
    /* Then, from least to most recently used: write what else changed, drop closed sessions
     * and, above the bound, the oldest open ones. */
    sess *s = z->lru.lru_prev;
    while (s != &z->lru) {
        sess *prev = s->lru_prev;
        if (s->dirty) {
            ap_status st = write_session(z, s);
            if (st != AP_OK)
                return st;
        }
        if (s->rec.closed || z->count > z->max_open || s->rec.end_us + IDLE_EVICT_US < z->latest_us) {
            table_remove(z, s);
            sess_free(s);
        }
        s = prev;
    }
    return AP_OK;
}
