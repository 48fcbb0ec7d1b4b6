/* cowrie.c — Cowrie JSON line → ap_event. See cowrie.h for what is decoded and why.
 *
 * The field walk copies only the fields the store models into the caller's arena (the `message`
 * field, a third of every line, is never copied). Lines with invalid UTF-8 are repaired (each bad
 * byte becomes U+FFFD) and decoded again, so the event is kept; the caller is told so it can report
 * and count the line. */
#include "ingest/cowrie.h"
#include "ingest/reader.h"
#include "util/hash.h"
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *id;
    size_t len;
    int raw;
} kind_table[AP_EV__COUNT] = {
    [AP_EV_UNKNOWN] = {NULL, 0, 1},
#define AP_X(kind, eid, raw) [AP_EV_##kind] = {eid, sizeof(eid) - 1, raw},
    AP_EVENT_KINDS(AP_X)
#undef AP_X
};

const char *ap_event_kind_id(ap_event_kind k)
{
    return (unsigned)k < AP_EV__COUNT ? kind_table[k].id : NULL;
}

int ap_event_kind_is_raw(ap_event_kind k)
{
    return (unsigned)k < AP_EV__COUNT ? kind_table[k].raw : 1;
}

ap_event_kind ap_event_kind_from_id(ap_str eventid)
{
    if (!ap_str_starts(eventid, "cowrie."))
        return AP_EV_UNKNOWN;
    for (int k = 1; k < AP_EV__COUNT; k++) /* runs once per event: lengths first, no strlen */
        if (eventid.n == kind_table[k].len && memcmp(eventid.p, kind_table[k].id, eventid.n) == 0)
            return (ap_event_kind)k;
    return AP_EV_UNKNOWN;
}

/* Which raw field a key fills. */
enum field_slot {
    F_NONE = 0, F_EVENTID, F_TIMESTAMP, F_SESSION, F_SENSOR, F_SRC_IP, F_SRC_PORT, F_DST_IP,
    F_DST_PORT, F_PROTOCOL, F_USERNAME, F_PASSWORD, F_INPUT, F_URL, F_SHASUM, F_OUTFILE,
    F_DESTFILE, F_FILENAME, F_DUPLICATE, F_VERSION, F_HASSH, F_HASSH_ALGS, F_KEX_ALGS, F_ENC_CS,
    F_MAC_CS, F_COMP_CS, F_FINGERPRINT, F_KEY, F_TYPE, F_WIDTH, F_HEIGHT, F_ARCH, F_TTYLOG,
    F_SIZE, F_DURATION, F_DATA, F_NAME, F_VALUE
};

static const struct {
    const char *key;
    enum field_slot slot;
} key_table[] = {
    {"eventid", F_EVENTID},     {"timestamp", F_TIMESTAMP},
    {"session", F_SESSION},     {"sensor", F_SENSOR},
    {"src_ip", F_SRC_IP},       {"src_port", F_SRC_PORT},
    {"dst_ip", F_DST_IP},       {"dst_port", F_DST_PORT},
    {"protocol", F_PROTOCOL},   {"username", F_USERNAME},
    {"password", F_PASSWORD},   {"input", F_INPUT},
    {"url", F_URL},             {"shasum", F_SHASUM},
    {"outfile", F_OUTFILE},     {"destfile", F_DESTFILE},
    {"filename", F_FILENAME},   {"duplicate", F_DUPLICATE},
    {"version", F_VERSION},     {"hassh", F_HASSH},
    {"hasshAlgorithms", F_HASSH_ALGS}, {"kexAlgs", F_KEX_ALGS},
    {"encCS", F_ENC_CS},        {"macCS", F_MAC_CS},
    {"compCS", F_COMP_CS},      {"fingerprint", F_FINGERPRINT},
    {"key", F_KEY},             {"type", F_TYPE},
    {"width", F_WIDTH},         {"height", F_HEIGHT},
    {"arch", F_ARCH},           {"ttylog", F_TTYLOG},
    {"size", F_SIZE},           {"duration", F_DURATION},
    {"data", F_DATA},           {"name", F_NAME},
    {"value", F_VALUE},
};

#define NSLOTS (F_VALUE + 1)
#define KEY_BUCKETS 128

struct ap_cowrie_decoder {
    ap_json_parser *json;
    unsigned char bucket[KEY_BUCKETS][4]; /* key_table index + 1 per bucket, up to 4 */
    char *repair;                          /* invalid UTF-8 repair buffer (with padding) */
    size_t repair_cap;
    char *algs;                            /* scratch for 1.x HASSH algorithm lists */
    size_t algs_len, algs_cap;
};

static unsigned key_bucket(const char *p, size_t n)
{
    return (unsigned)((n * 31u + (unsigned char)p[0] * 7u + (unsigned char)p[n - 1]) % KEY_BUCKETS);
}

ap_status ap_cowrie_decoder_new(ap_cowrie_decoder **out)
{
    ap_cowrie_decoder *d = calloc(1, sizeof *d);
    if (!d)
        return AP_ERR_NOMEM;
    ap_status st = ap_json_parser_new(&d->json);
    if (st != AP_OK) {
        free(d);
        return st;
    }
    for (size_t i = 0; i < sizeof key_table / sizeof key_table[0]; i++) {
        const char *k = key_table[i].key;
        unsigned b = key_bucket(k, strlen(k));
        int placed = 0;
        for (int j = 0; j < 4 && !placed; j++)
            if (!d->bucket[b][j]) {
                d->bucket[b][j] = (unsigned char)(i + 1);
                placed = 1;
            }
        if (!placed) { /* the table outgrew the buckets: a build-time bug */
            ap_cowrie_decoder_free(d);
            return AP_ERR_INTERNAL;
        }
    }
    *out = d;
    return AP_OK;
}

void ap_cowrie_decoder_free(ap_cowrie_decoder *d)
{
    if (!d)
        return;
    ap_json_parser_free(d->json);
    free(d->repair);
    free(d->algs);
    free(d);
}

static enum field_slot lookup_key(const ap_cowrie_decoder *d, ap_str key)
{
    if (key.n == 0)
        return F_NONE;
    unsigned b = key_bucket(key.p, key.n);
    for (int j = 0; j < 4 && d->bucket[b][j]; j++) {
        unsigned i = d->bucket[b][j] - 1u;
        if (ap_str_eq_c(key, key_table[i].key))
            return key_table[i].slot;
    }
    return F_NONE;
}

/* Fields seen during one walk, as parsed (strings still in parser memory). */
typedef struct walk_state {
    const ap_cowrie_decoder *d;
    ap_json_field f[NSLOTS];
    unsigned char seen[NSLOTS];
} walk_state;

static int on_field(void *user, const ap_json_field *field)
{
    walk_state *w = user;
    enum field_slot s = lookup_key(w->d, field->key);
    if (s != F_NONE && !w->seen[s]) { /* first occurrence wins, like most JSON readers */
        w->f[s] = *field;
        w->seen[s] = 1;
    }
    return 0;
}

static ap_str take_str(walk_state *w, enum field_slot s, ap_arena *a)
{
    if (!w->seen[s])
        return AP_STR_NULL;
    const ap_json_field *f = &w->f[s];
    char num[32];
    switch (f->type) {
    case AP_JSON_STRING:
        return ap_arena_dup(a, f->str);
    case AP_JSON_INT:
        snprintf(num, sizeof num, "%lld", (long long)f->i);
        return ap_arena_dup(a, ap_str_c(num));
    case AP_JSON_DOUBLE:
        snprintf(num, sizeof num, "%.17g", f->d);
        return ap_arena_dup(a, ap_str_c(num));
    case AP_JSON_BOOL:
        return ap_arena_dup(a, ap_str_c(f->i ? "true" : "false"));
    case AP_JSON_ARRAY:
    case AP_JSON_OBJECT:
        return ap_arena_dup(a, f->str); /* raw JSON text: unusual, but keep it */
    case AP_JSON_NULL:
        break;
    }
    return AP_STR_NULL;
}

/* Integers may be logged as numbers or numeric strings. Returns -1 when absent or not numeric. */
static int64_t take_int(walk_state *w, enum field_slot s)
{
    if (!w->seen[s])
        return -1;
    const ap_json_field *f = &w->f[s];
    if (f->type == AP_JSON_INT || f->type == AP_JSON_BOOL)
        return f->i;
    if (f->type == AP_JSON_DOUBLE)
        return f->d >= 0 && f->d < 9.2e18 ? (int64_t)f->d : -1;
    if (f->type == AP_JSON_STRING && f->str.n > 0 && f->str.n < 20) {
        int64_t v = 0;
        for (size_t i = 0; i < f->str.n; i++) {
            char c = f->str.p[i];
            if (c < '0' || c > '9')
                return -1;
            v = v * 10 + (c - '0');
        }
        return v;
    }
    return -1;
}

static int port_or_unknown(int64_t v) { return v >= 0 && v <= 65535 ? (int)v : -1; }

static double take_double(walk_state *w, enum field_slot s)
{
    if (!w->seen[s])
        return -1.0;
    const ap_json_field *f = &w->f[s];
    if (f->type == AP_JSON_DOUBLE || f->type == AP_JSON_INT)
        return f->d;
    if (f->type == AP_JSON_STRING && f->str.n > 0 && f->str.n < 40) {
        char buf[48];
        memcpy(buf, f->str.p, f->str.n);
        buf[f->str.n] = '\0';
        char *end;
        double v = strtod(buf, &end);
        return *end == '\0' ? v : -1.0;
    }
    return -1.0;
}

/* Cowrie versions before 2.1 logged the client version as a Python bytes repr, b'SSH-2.0-Go':
 * that wrapper is the logger's, not the client's, so it is removed. */
static ap_str unwrap_bytes_repr(ap_str v)
{
    if (v.p && v.n >= 3 && v.p[0] == 'b' && (v.p[1] == '\'' || v.p[1] == '"') &&
        v.p[v.n - 1] == v.p[1])
        return ap_str_make(v.p + 2, v.n - 3);
    return v;
}

/* Appends n bytes to the algorithm-list scratch. Returns 0, or 1 when out of memory. */
static int algs_append(ap_cowrie_decoder *d, const char *p, size_t n)
{
    if (d->algs_len + n > d->algs_cap) {
        size_t cap = d->algs_cap ? d->algs_cap * 2 : 1024;
        while (cap < d->algs_len + n)
            cap *= 2;
        char *q = realloc(d->algs, cap);
        if (!q)
            return 1;
        d->algs = q;
        d->algs_cap = cap;
    }
    if (n)
        memcpy(d->algs + d->algs_len, p, n);
    d->algs_len += n;
    return 0;
}

/* One element of a KEX list: comma-separated within the list. */
static int append_alg(void *user, size_t index, ap_str s)
{
    ap_cowrie_decoder *d = user;
    return (index > 0 && algs_append(d, ",", 1)) || algs_append(d, s.p, s.n);
}

/* HASSH (Salesforce): MD5 of "kex;enc;mac;cmp", each the client's comma-separated list. Used for
 * 2018-era logs, which carry the lists but not the hash. */
static int compute_hassh(ap_cowrie_decoder *d, walk_state *w, ap_arena *a, ap_event *ev)
{
    static const enum field_slot parts[4] = {F_KEX_ALGS, F_ENC_CS, F_MAC_CS, F_COMP_CS};
    d->algs_len = 0;
    for (int i = 0; i < 4; i++) {
        if (!w->seen[parts[i]] || w->f[parts[i]].type != AP_JSON_ARRAY)
            return 0;
        if (i > 0 && algs_append(d, ";", 1))
            return 0;
        if (ap_json_array_strings(d->json, w->f[parts[i]].str, append_alg, d) != AP_OK)
            return 0;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(d->algs, d->algs_len, md, &mdlen, EVP_md5(), NULL) || mdlen != 16)
        return 0;
    char hex[33];
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[32] = '\0';
    ev->hassh = ap_arena_dup(a, ap_str_make(hex, 32));
    ev->hassh_algorithms = ap_arena_dup(a, ap_str_make(d->algs, d->algs_len));
    return 1;
}

/* Copies `line` into the repair buffer with each byte that is not part of a valid UTF-8 sequence
 * replaced by U+FFFD. Returns the new length, or 0 when out of memory. */
static size_t repair_utf8(ap_cowrie_decoder *d, const char *line, size_t len)
{
    size_t cap = len * 3 + AP_READER_PADDING + 1;
    if (cap > d->repair_cap) {
        char *p = realloc(d->repair, cap);
        if (!p)
            return 0;
        d->repair = p;
        d->repair_cap = cap;
    }
    const unsigned char *s = (const unsigned char *)line;
    char *o = d->repair;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        int ok = n > 0 && i + n <= len;
        for (size_t k = 1; ok && k < n; k++)
            ok = (s[i + k] & 0xC0) == 0x80;
        if (ok && n > 1) { /* reject overlong forms, surrogates and code points past U+10FFFF */
            unsigned cp = n == 2 ? ((c & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu)
                        : n == 3 ? ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu)
                                 : ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) |
                                       ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu);
            static const unsigned min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
            ok = cp >= min_cp[n] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
        }
        if (ok) {
            memcpy(o, s + i, n);
            o += n;
            i += n;
        } else {
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
            i += 1;
        }
    }
    size_t out = (size_t)(o - d->repair);
    memset(o, ' ', AP_READER_PADDING);
    return out;
}

ap_status ap_cowrie_decode(ap_cowrie_decoder *d, const char *line, size_t len, ap_arena *arena,
                           ap_event *ev, const char **reason, char *msg, size_t msglen)
{
    walk_state w;
    memset(w.seen, 0, sizeof w.seen);
    w.d = d;
    char jerr[160] = "";
    const char *text = line;
    size_t tlen = len;
    int repaired = 0;
    *reason = NULL;
    ap_status st = ap_json_object_each(d->json, text, tlen, on_field, &w, jerr, sizeof jerr);
    if (st == AP_ERR_FORMAT && strstr(jerr, "UTF-8")) {
        tlen = repair_utf8(d, line, len);
        if (tlen == 0)
            return AP_ERR_NOMEM;
        text = d->repair;
        memset(w.seen, 0, sizeof w.seen);
        st = ap_json_object_each(d->json, text, tlen, on_field, &w, jerr, sizeof jerr);
        repaired = 1;
    }
    if (st != AP_OK) {
        if (st == AP_ERR_FORMAT && strstr(jerr, "not a JSON object")) {
            *reason = "not_an_object";
            snprintf(msg, msglen, "JSON value is not an object: not a Cowrie event");
        } else if (st == AP_ERR_FORMAT) {
            *reason = "invalid_json";
            snprintf(msg, msglen, "%s%s", strncmp(jerr, "invalid JSON", 12) == 0 ? "" : "invalid JSON: ", jerr);
        }
        return st;
    }

    memset(ev, 0, sizeof *ev);
    ev->src_port = ev->dst_port = -1;
    ev->width = ev->height = -1;
    ev->size = -1;
    ev->duplicate = -1;
    ev->duration = -1.0;
    ev->hash = ap_hash64(line, len);

    if (!w.seen[F_EVENTID] || w.f[F_EVENTID].type != AP_JSON_STRING) {
        *reason = "missing_eventid";
        snprintf(msg, msglen, "no \"eventid\" string: not a Cowrie event");
        return AP_ERR_FORMAT;
    }
    if (!w.seen[F_TIMESTAMP] || w.f[F_TIMESTAMP].type != AP_JSON_STRING) {
        *reason = "missing_timestamp";
        snprintf(msg, msglen, "no \"timestamp\" string");
        return AP_ERR_FORMAT;
    }
    ap_str ts = w.f[F_TIMESTAMP].str;
    if (ap_parse_time(ts.p, ts.n, &ev->ts_us) != AP_OK) {
        *reason = "bad_timestamp";
        snprintf(msg, msglen, "timestamp \"%.*s\" is not an RFC 3339 time", (int)(ts.n > 40 ? 40 : ts.n), ts.p);
        return AP_ERR_FORMAT;
    }
    ev->session = take_str(&w, F_SESSION, arena);
    if (!ev->session.p || ev->session.n == 0) {
        *reason = "missing_session";
        snprintf(msg, msglen, "no \"session\" field: the event cannot be attached to a session");
        return AP_ERR_FORMAT;
    }
    ev->eventid = ap_arena_dup(arena, w.f[F_EVENTID].str);
    ev->kind = ap_event_kind_from_id(ev->eventid);
    ev->sensor = take_str(&w, F_SENSOR, arena);
    ev->src_ip = take_str(&w, F_SRC_IP, arena);
    ev->src_port = port_or_unknown(take_int(&w, F_SRC_PORT));

    switch (ev->kind) {
    case AP_EV_SESSION_CONNECT:
        ev->dst_ip = take_str(&w, F_DST_IP, arena);
        ev->dst_port = port_or_unknown(take_int(&w, F_DST_PORT));
        ev->protocol = take_str(&w, F_PROTOCOL, arena);
        break;
    case AP_EV_CLIENT_VERSION:
        ev->version = unwrap_bytes_repr(take_str(&w, F_VERSION, arena));
        if (w.seen[F_KEX_ALGS]) /* 2018-era: the KEX lists ride on this event */
            compute_hassh(d, &w, arena, ev);
        break;
    case AP_EV_CLIENT_KEX:
        ev->hassh = take_str(&w, F_HASSH, arena);
        ev->hassh_algorithms = take_str(&w, F_HASSH_ALGS, arena);
        if (!ev->hassh.p)
            compute_hassh(d, &w, arena, ev);
        break;
    case AP_EV_CLIENT_FINGERPRINT:
        ev->fingerprint = take_str(&w, F_FINGERPRINT, arena);
        ev->key = take_str(&w, F_KEY, arena);
        ev->key_type = take_str(&w, F_TYPE, arena);
        ev->username = take_str(&w, F_USERNAME, arena);
        break;
    case AP_EV_CLIENT_SIZE: {
        int64_t wd = take_int(&w, F_WIDTH), ht = take_int(&w, F_HEIGHT);
        ev->width = wd >= 0 && wd < 100000 ? (int)wd : -1;
        ev->height = ht >= 0 && ht < 100000 ? (int)ht : -1;
        break;
    }
    case AP_EV_LOGIN_SUCCESS:
    case AP_EV_LOGIN_FAILED:
        ev->username = take_str(&w, F_USERNAME, arena);
        ev->password = take_str(&w, F_PASSWORD, arena);
        break;
    case AP_EV_SESSION_PARAMS:
        ev->arch = take_str(&w, F_ARCH, arena);
        break;
    case AP_EV_COMMAND_INPUT:
    case AP_EV_COMMAND_SUCCESS:
    case AP_EV_COMMAND_FAILED:
        ev->input = take_str(&w, F_INPUT, arena);
        break;
    case AP_EV_FILE_DOWNLOAD:
    case AP_EV_FILE_DOWNLOAD_FAILED:
    case AP_EV_FILE_UPLOAD:
        ev->url = take_str(&w, F_URL, arena);
        ev->shasum = take_str(&w, F_SHASUM, arena);
        ev->outfile = take_str(&w, F_OUTFILE, arena);
        ev->filename = w.seen[F_DESTFILE] ? take_str(&w, F_DESTFILE, arena)
                                          : take_str(&w, F_FILENAME, arena);
        ev->duplicate = (int)take_int(&w, F_DUPLICATE);
        break;
    case AP_EV_TCPIP_REQUEST:
    case AP_EV_TCPIP_DATA:
        ev->dst_ip = take_str(&w, F_DST_IP, arena);
        ev->dst_port = port_or_unknown(take_int(&w, F_DST_PORT));
        ev->data = take_str(&w, F_DATA, arena);
        break;
    case AP_EV_LOG_CLOSED:
        ev->ttylog = take_str(&w, F_TTYLOG, arena);
        ev->shasum = take_str(&w, F_SHASUM, arena);
        ev->size = take_int(&w, F_SIZE);
        ev->duration = take_double(&w, F_DURATION);
        ev->duplicate = (int)take_int(&w, F_DUPLICATE);
        break;
    case AP_EV_SESSION_CLOSED:
        ev->duration = take_double(&w, F_DURATION);
        break;
    default:
        break;
    }
    if (ap_event_kind_is_raw(ev->kind))
        ev->line = ap_arena_dup(arena, ap_str_make(text, tlen));
    if (repaired) {
        *reason = "invalid_utf8";
        snprintf(msg, msglen, "invalid UTF-8 replaced by U+FFFD; event kept");
    }
    return AP_OK;
}
