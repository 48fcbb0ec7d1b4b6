/* stix.c — builds the STIX 2.1 objects of a campaign-model selection (see stix.h for why they
 * are built once for the bundle export and the TAXII server, and docs/export-stix.md for what
 * each object says).
 *
 * Per selected campaign: a campaign, a sighting of it (session count, first/last seen), and
 * `attributed-to` its actor's intrusion-set. Shared objects — attack patterns, indicators,
 * infrastructure — are grouped over the whole model with one sort each (n log n, no pairs) and
 * emitted when a selected campaign uses them, with one `uses`/`indicates` relationship and, for
 * indicators, one sighting per selected campaign. Every attacker string reaches the JSON through
 * ap_escape_json, and pattern literals are escaped for the patterning grammar first.
 */
#include "share/stix.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/error.h"
#include "share/export.h"
#include "util/arena.h"
#include "util/escape.h"

/* STIX integers such as sighting.count stop at 999,999,999. */
#define STIX_MAX_COUNT 999999999u

struct stix_id_index {
    const char *id;
    size_t index; /* into ap_stix_set.v */
};

struct ap_stix_set {
    ap_arena arena; /* ids and JSON texts */
    ap_stix_object *v;
    size_t n, cap;
    struct stix_id_index *by_id; /* v's ids in order, for lookups */
    char bundle_id[80];
};

/* ---- a growable string ---- */

typedef struct sb {
    char *p;
    size_t n, cap;
    int failed; /* out of memory: everything after is dropped, the caller checks once */
} sb;

static int sb_reserve(sb *b, size_t extra)
{
    if (b->failed)
        return -1;
    if (extra > SIZE_MAX / 2 - b->n) {
        b->failed = 1;
        return -1;
    }
    size_t need = b->n + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

static void sb_put(sb *b, const char *s, size_t n)
{
    if (sb_reserve(b, n) != 0)
        return;
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void sb_puts(sb *b, const char *s) { sb_put(b, s, strlen(s)); }

static void sb_vprintf(sb *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void sb_vprintf(sb *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int len = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (len < 0) {
        b->failed = 1;
        return;
    }
    if (sb_reserve(b, (size_t)len) != 0)
        return;
    vsnprintf(b->p + b->n, (size_t)len + 1, fmt, ap);
    b->n += (size_t)len;
}

static void sb_printf(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(b, fmt, ap);
    va_end(ap);
}

/* A JSON string literal (quotes included) of any bytes. */
static void sb_json(sb *b, ap_str s)
{
    size_t len = ap_escape_json_buf(NULL, 0, s);
    if (sb_reserve(b, len) != 0)
        return;
    ap_escape_json_buf(b->p + b->n, len + 1, s);
    b->n += len;
}

/* "1 session", "3 sessions" */
static void sb_count(sb *b, uint64_t n, const char *noun)
{
    sb_printf(b, "%llu %s%s", (unsigned long long)n, noun, n == 1 ? "" : "s");
}

static void sb_reset(sb *b)
{
    b->n = 0;
    if (b->p)
        b->p[0] = '\0';
}

/* ---- UUIDs ---- */

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int ap_uuid_parse(const char *text, unsigned char out[16])
{
    if (!text || strlen(text) != 36)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < 36;) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text[i] != '-')
                return -1;
            i++;
            continue;
        }
        int hi = hex_val(text[i]), lo = hex_val(text[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[k++] = (unsigned char)(hi << 4 | lo);
        i += 2;
    }
    return 0;
}

ap_status ap_uuid5(const unsigned char ns[16], const void *name, size_t n, char out[37])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
             EVP_DigestUpdate(ctx, ns, 16) == 1 && (n == 0 || EVP_DigestUpdate(ctx, name, n) == 1) &&
             EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen >= 16;
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        out[0] = '\0';
        return AP_ERR_INTERNAL;
    }
    md[6] = (unsigned char)((md[6] & 0x0F) | 0x50); /* version 5 */
    md[8] = (unsigned char)((md[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    static const char hexdig[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hexdig[md[i] >> 4];
        out[o++] = hexdig[md[i] & 15];
    }
    out[o] = '\0';
    return AP_OK;
}

/* ---- patterns ---- */

size_t ap_stix_pattern_quote(char *dst, size_t cap, ap_str s)
{
    size_t len = 0, kept = 0;
    int cut = 0;
    /* one unit: an escape, a UTF-8 character or a stray byte; never split */
#define PQ_UNIT(src, ulen)                                                                       \
    do {                                                                                         \
        if (!cut && kept + (ulen) < cap) {                                                       \
            memcpy(dst + kept, (src), (ulen));                                                   \
            kept += (ulen);                                                                      \
        } else {                                                                                 \
            cut = 1;                                                                             \
        }                                                                                        \
        len += (ulen);                                                                           \
    } while (0)
    PQ_UNIT("'", 1);
    const unsigned char *p = (const unsigned char *)s.p;
    for (size_t i = 0; s.p && i < s.n;) {
        if (p[i] == '\'' || p[i] == '\\') {
            char esc[2] = {'\\', (char)p[i]};
            PQ_UNIT(esc, 2);
            i++;
            continue;
        }
        uint32_t cp;
        size_t u = p[i] < 0x80 ? 1 : ap_utf8_decode(p + i, s.n - i, &cp);
        if (u == 0)
            u = 1;
        PQ_UNIT(s.p + i, u);
        i += u;
    }
    PQ_UNIT("'", 1);
#undef PQ_UNIT
    if (cap > 0)
        dst[kept] = '\0';
    return len;
}

int ap_stix_key_fingerprint_hex(const char *fp, char hex[65], const char **algo)
{
    static const char hexdig[] = "0123456789abcdef";
    unsigned char raw[48];
    size_t nraw = 0;
    if (!fp)
        return -1;
    size_t n = strlen(fp);
    if (n > 7 && memcmp(fp, "SHA256:", 7) == 0) {
        /* base64 of the SHA-256 of the key blob, without padding as ssh-keygen prints it */
        const char *b = fp + 7;
        size_t bn = n - 7;
        unsigned char in[45];
        if (bn == 43) {
            memcpy(in, b, 43);
            in[43] = '=';
        } else if (bn == 44 && b[43] == '=') {
            memcpy(in, b, 44);
        } else {
            return -1;
        }
        in[44] = '\0';
        for (size_t i = 0; i < 43; i++) {
            unsigned char c = in[i];
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '+' || c == '/'))
                return -1;
        }
        if (EVP_DecodeBlock(raw, in, 44) != 33) /* 33: the padding byte counts */
            return -1;
        nraw = 32;
        *algo = "SHA-256";
    } else {
        /* MD5: "MD5:aa:bb:...", "aa:bb:..." (16 pairs) or 32 hex digits */
        const char *h = fp;
        if (n > 4 && memcmp(fp, "MD5:", 4) == 0) {
            h += 4;
            n -= 4;
        }
        int colons = n == 47;
        if (!colons && n != 32)
            return -1;
        for (size_t i = 0, k = 0; k < 16; k++) {
            int hi = hex_val(h[i]), lo = hex_val(h[i + 1]);
            if (hi < 0 || lo < 0)
                return -1;
            raw[k] = (unsigned char)(hi << 4 | lo);
            i += 2;
            if (colons && k < 15) {
                if (h[i] != ':')
                    return -1;
                i++;
            }
        }
        nraw = 16;
        *algo = "MD5";
    }
    for (size_t i = 0; i < nraw; i++) {
        hex[2 * i] = hexdig[raw[i] >> 4];
        hex[2 * i + 1] = hexdig[raw[i] & 15];
    }
    hex[2 * nraw] = '\0';
    return 0;
}

static int is_hex_len(const char *s, size_t want)
{
    size_t n = strlen(s);
    if (n != want)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (hex_val(s[i]) < 0)
            return 0;
    return 1;
}

/* ---- the builder ---- */

typedef struct stix_ctx {
    ap_stix_set *set;
    const ap_model *m;
    const ap_export_options *opt;
    unsigned char ns[16];
    char identity_id[80];
    sb obj;  /* the object being written */
    sb key;  /* scratch: id keys */
    sb tmp;  /* scratch: descriptions */
    ap_status st; /* first error; everything after it is skipped */
} stix_ctx;

static void ctx_fail(stix_ctx *x, ap_status s)
{
    if (x->st == AP_OK)
        x->st = s;
}

static int64_t ms_floor(int64_t us)
{
    if (us < 0)
        return 0;
    return us - us % 1000;
}

/* id = TYPE--UUIDv5(namespace, "TYPE|" + key formatted). */
static void make_id(stix_ctx *x, char out[80], const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void make_id(stix_ctx *x, char out[80], const char *type, const char *fmt, ...)
{
    sb_reset(&x->key);
    sb_printf(&x->key, "%s|", type);
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&x->key, fmt, ap);
    va_end(ap);
    char uuid[37];
    if (x->key.failed) {
        ctx_fail(x, AP_ERR_NOMEM);
        snprintf(out, 80, "%s--00000000-0000-5000-8000-000000000000", type);
        return;
    }
    if (ap_uuid5(x->ns, x->key.p, x->key.n, uuid) != AP_OK)
        ctx_fail(x, AP_ERR_INTERNAL);
    snprintf(out, 80, "%s--%s", type, uuid);
}

static void put_time(stix_ctx *x, const char *name, int64_t us)
{
    char t[40];
    ap_export_time(ms_floor(us), t, sizeof t);
    sb_printf(&x->obj, ",\"%s\":\"%s\"", name, t);
}

static void put_str(stix_ctx *x, const char *name, const char *value)
{
    sb_printf(&x->obj, ",\"%s\":", name);
    sb_json(&x->obj, ap_str_c(value ? value : ""));
}

static void put_u64(stix_ctx *x, const char *name, uint64_t v)
{
    sb_printf(&x->obj, ",\"%s\":%llu", name, (unsigned long long)v);
}

static void put_count(stix_ctx *x, const char *name, uint64_t v)
{
    put_u64(x, name, v > STIX_MAX_COUNT ? STIX_MAX_COUNT : v);
}

static void put_double(stix_ctx *x, const char *name, double v)
{
    if (isfinite(v))
        sb_printf(&x->obj, ",\"%s\":%.4f", name, v);
}

typedef struct obj_head {
    const char *type;
    const char *id;
    int64_t created_us, modified_us;
} obj_head;

static void obj_begin(stix_ctx *x, obj_head *h, const char *type, const char *id,
                      int64_t created_us, int64_t modified_us)
{
    h->type = type;
    h->id = id;
    h->created_us = ms_floor(created_us);
    h->modified_us = ms_floor(modified_us);
    if (h->modified_us < h->created_us) /* STIX: modified >= created */
        h->modified_us = h->created_us;
    sb_reset(&x->obj);
    sb_printf(&x->obj, "{\"type\":\"%s\",\"spec_version\":\"2.1\",\"id\":\"%s\"", type, id);
    if (strcmp(type, "identity") != 0)
        sb_printf(&x->obj, ",\"created_by_ref\":\"%s\"", x->identity_id);
    put_time(x, "created", h->created_us);
    put_time(x, "modified", h->modified_us);
}

static void obj_end(stix_ctx *x, const obj_head *h)
{
    sb_puts(&x->obj, "}");
    if (x->obj.failed) {
        ctx_fail(x, AP_ERR_NOMEM);
        return;
    }
    ap_stix_set *s = x->set;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        ap_stix_object *v = realloc(s->v, cap * sizeof *v);
        if (!v) {
            ctx_fail(x, AP_ERR_NOMEM);
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    ap_stix_object *o = &s->v[s->n];
    o->type = h->type; /* string literals */
    o->id = ap_arena_strdup(&s->arena, h->id);
    ap_str j = ap_arena_dup(&s->arena, ap_str_make(x->obj.p, x->obj.n));
    if (!o->id || !j.p) {
        ctx_fail(x, AP_ERR_NOMEM);
        return;
    }
    o->json = j.p;
    o->json_len = j.n;
    o->created_us = h->created_us;
    o->modified_us = h->modified_us;
    s->n++;
}

/* A relationship SOURCE --TYPE--> TARGET; its id depends on the three only. */
static void emit_relationship(stix_ctx *x, const char *rtype, const char *src, const char *dst,
                              int64_t created_us, int64_t modified_us, const char *description)
{
    char id[80];
    make_id(x, id, "relationship", "%s|%s|%s", rtype, src, dst);
    obj_head h;
    obj_begin(x, &h, "relationship", id, created_us, modified_us);
    sb_printf(&x->obj, ",\"relationship_type\":\"%s\",\"source_ref\":\"%s\",\"target_ref\":\"%s\"",
              rtype, src, dst);
    if (description)
        put_str(x, "description", description);
    obj_end(x, &h);
}

/* A summary sighting of `of` in one campaign (name "C-n" in the key and description). */
static void emit_sighting(stix_ctx *x, const char *of, int64_t campaign, uint64_t sessions,
                          uint64_t incidents, int64_t first_us, int64_t last_us)
{
    char id[80];
    make_id(x, id, "sighting", "%s|C-%lld", of, (long long)campaign);
    obj_head h;
    obj_begin(x, &h, "sighting", id, first_us, last_us);
    sb_reset(&x->tmp);
    sb_printf(&x->tmp, "Seen in campaign C-%lld: ", (long long)campaign);
    sb_count(&x->tmp, sessions, "session");
    sb_puts(&x->tmp, " in ");
    sb_count(&x->tmp, incidents, "incident");
    sb_puts(&x->tmp, " at the honeypots.");
    put_str(x, "description", x->tmp.p);
    put_time(x, "first_seen", h.created_us);
    put_time(x, "last_seen", h.modified_us);
    put_count(x, "count", sessions);
    sb_printf(&x->obj, ",\"sighting_of_ref\":\"%s\",\"where_sighted_refs\":[\"%s\"]", of,
              x->identity_id);
    sb_puts(&x->obj, ",\"summary\":true");
    sb_printf(&x->obj, ",\"x_actorprint_campaign\":\"C-%lld\"", (long long)campaign);
    put_u64(x, "x_actorprint_incidents", incidents);
    obj_end(x, &h);
}

/* A JSON array of the values of one IOC kind, as a custom property (nothing when none). */
static void put_ioc_list(stix_ctx *x, const char *name, const ap_model_ioc *iocs, size_t n,
                         ap_model_ioc_kind kind)
{
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        if (iocs[i].kind != kind || !iocs[i].value)
            continue;
        sb_printf(&x->obj, any ? "," : ",\"%s\":[", name);
        sb_json(&x->obj, ap_str_c(iocs[i].value));
        any = 1;
    }
    if (any)
        sb_puts(&x->obj, "]");
}

/* ---- campaigns and actors ---- */

static void campaign_id(stix_ctx *x, char out[80], int64_t id)
{
    make_id(x, out, "campaign", "C-%lld", (long long)id);
}

static void actor_id(stix_ctx *x, char out[80], int64_t id)
{
    make_id(x, out, "intrusion-set", "A-%lld", (long long)id);
}

static void emit_identity(stix_ctx *x)
{
    const char *producer = x->opt->producer && *x->opt->producer ? x->opt->producer : "actorprint";
    make_id(x, x->identity_id, "identity", "%s", producer);
    const ap_model_dataset *d = ap_model_dataset_of(x->m);
    int64_t t = d ? d->first_us : 0;
    obj_head h;
    obj_begin(x, &h, "identity", x->identity_id, t, t);
    put_str(x, "name", producer);
    put_str(x, "description",
            "Honeypot sensors analysed by actorprint: the producer of these objects and where "
            "their sightings were made.");
    sb_puts(&x->obj, ",\"identity_class\":\"system\"");
    obj_end(x, &h);
}

static void emit_actor(stix_ctx *x, const ap_model_actor *a)
{
    char id[80];
    actor_id(x, id, a->id);
    obj_head h;
    obj_begin(x, &h, "intrusion-set", id, a->first_us, a->last_us);
    sb_reset(&x->tmp);
    sb_printf(&x->tmp, "A-%lld", (long long)a->id);
    put_str(x, "name", x->tmp.p);
    sb_reset(&x->tmp);
    sb_printf(&x->tmp, "Actor A-%lld clustered by actorprint from honeypot sessions: ",
              (long long)a->id);
    sb_count(&x->tmp, a->ncampaigns, "campaign");
    sb_puts(&x->tmp, ", ");
    sb_count(&x->tmp, a->incidents, "incident");
    sb_puts(&x->tmp, ", ");
    sb_count(&x->tmp, a->sessions, "session");
    sb_puts(&x->tmp, ".");
    put_str(x, "description", x->tmp.p);
    put_time(x, "first_seen", h.created_us);
    put_time(x, "last_seen", h.modified_us);
    put_u64(x, "x_actorprint_incidents", a->incidents);
    put_u64(x, "x_actorprint_sessions", a->sessions);
    put_ioc_list(x, "x_actorprint_ssh_keys", a->iocs, a->niocs, AP_MODEL_IOC_SSH_KEY);
    put_ioc_list(x, "x_actorprint_client_keys", a->iocs, a->niocs, AP_MODEL_IOC_CLIENT_KEY);
    put_ioc_list(x, "x_actorprint_wallets", a->iocs, a->niocs, AP_MODEL_IOC_WALLET);
    obj_end(x, &h);
}

static void emit_campaign(stix_ctx *x, const ap_model_campaign *c)
{
    char id[80], set_id[80];
    campaign_id(x, id, c->id);
    obj_head h;
    obj_begin(x, &h, "campaign", id, c->first_us, c->last_us);
    sb_reset(&x->tmp);
    sb_printf(&x->tmp, "C-%lld", (long long)c->id);
    put_str(x, "name", x->tmp.p);
    sb_reset(&x->tmp);
    sb_printf(&x->tmp, "Campaign C-%lld clustered by actorprint from honeypot sessions: ",
              (long long)c->id);
    sb_count(&x->tmp, c->incidents, "incident");
    sb_puts(&x->tmp, ", ");
    sb_count(&x->tmp, c->sessions, "session");
    double hours = isfinite(c->duration_hours) && c->duration_hours > 0 ? c->duration_hours : 0;
    sb_puts(&x->tmp, " over ");
    sb_count(&x->tmp, (uint64_t)hours, "hour");
    if (c->actor > 0)
        sb_printf(&x->tmp, ", attributed to actor A-%lld", (long long)c->actor);
    sb_puts(&x->tmp, ".");
    put_str(x, "description", x->tmp.p);
    put_time(x, "first_seen", h.created_us);
    put_time(x, "last_seen", h.modified_us);
    if (c->primary_tactic && *c->primary_tactic) {
        sb_reset(&x->tmp);
        sb_printf(&x->tmp, "Primary ATT&CK tactic: %s", c->primary_tactic);
        put_str(x, "objective", x->tmp.p);
    }
    put_u64(x, "x_actorprint_incidents", c->incidents);
    put_u64(x, "x_actorprint_sessions", c->sessions);
    put_double(x, "x_actorprint_score", c->score);
    put_double(x, "x_actorprint_criticality", c->criticality);
    put_ioc_list(x, "x_actorprint_ssh_keys", c->iocs, c->niocs, AP_MODEL_IOC_SSH_KEY);
    put_ioc_list(x, "x_actorprint_wallets", c->iocs, c->niocs, AP_MODEL_IOC_WALLET);
    obj_end(x, &h);

    emit_sighting(x, id, c->id, c->sessions, c->incidents, c->first_us, c->last_us);
    if (c->actor > 0 && ap_model_actor_find(x->m, c->actor)) {
        actor_id(x, set_id, c->actor);
        emit_relationship(x, "attributed-to", id, set_id, c->first_us, c->last_us, NULL);
    }
}

/* ---- attack patterns: one per technique used anywhere, emitted when a selected campaign uses
 * it; created = the first time any campaign of the model showed it ---- */

typedef struct tech_entry {
    const ap_model_technique *t;
    const ap_model_campaign *c;
    int selected;
} tech_entry;

static int cmp_tech_entry(const void *pa, const void *pb)
{
    const tech_entry *a = pa, *b = pb;
    int r = strcmp(a->t->id, b->t->id);
    if (r)
        return r;
    return (a->c->id > b->c->id) - (a->c->id < b->c->id);
}

/* "T1098" or "T1098.004" */
static int valid_technique_id(const char *s)
{
    size_t n = strlen(s);
    if (n != 5 && n != 9)
        return 0;
    if (s[0] != 'T')
        return 0;
    for (size_t i = 1; i < 5; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    if (n == 9) {
        if (s[5] != '.')
            return 0;
        for (size_t i = 6; i < 9; i++)
            if (s[i] < '0' || s[i] > '9')
                return 0;
    }
    return 1;
}

static void emit_attack_pattern(stix_ctx *x, const ap_model_technique *t, const char *id,
                                int64_t first_us)
{
    obj_head h;
    obj_begin(x, &h, "attack-pattern", id, first_us, first_us);
    put_str(x, "name", t->name && *t->name ? t->name : t->id);
    char url[80];
    if (strlen(t->id) == 9)
        snprintf(url, sizeof url, "https://attack.mitre.org/techniques/%.5s/%s/", t->id, t->id + 6);
    else
        snprintf(url, sizeof url, "https://attack.mitre.org/techniques/%s/", t->id);
    sb_printf(&x->obj,
              ",\"external_references\":[{\"source_name\":\"mitre-attack\",\"external_id\":\"%s\","
              "\"url\":\"%s\"}]",
              t->id, url);
    /* tactics: ';'-separated shortnames, each a kill-chain phase of "mitre-attack" */
    const char *p = t->tactics ? t->tactics : "";
    int any = 0;
    while (*p) {
        size_t len = strcspn(p, ";,");
        if (len > 0) {
            sb_puts(&x->obj, any ? "," : ",\"kill_chain_phases\":[");
            sb_puts(&x->obj, "{\"kill_chain_name\":\"mitre-attack\",\"phase_name\":");
            sb_json(&x->obj, ap_str_make(p, len));
            sb_puts(&x->obj, "}");
            any = 1;
        }
        p += len;
        if (*p)
            p++;
    }
    if (any)
        sb_puts(&x->obj, "]");
    obj_end(x, &h);
}

static void emit_techniques(stix_ctx *x)
{
    size_t nc = ap_model_campaign_count(x->m), n = 0, cap = 0;
    for (size_t i = 0; i < nc; i++)
        cap += ap_model_campaign_at(x->m, i)->ntechniques;
    if (cap == 0)
        return;
    tech_entry *e = malloc(cap * sizeof *e);
    if (!e) {
        ctx_fail(x, AP_ERR_NOMEM);
        return;
    }
    for (size_t i = 0; i < nc; i++) {
        const ap_model_campaign *c = ap_model_campaign_at(x->m, i);
        for (size_t k = 0; k < c->ntechniques; k++) {
            const ap_model_technique *t = &c->techniques[k];
            if (t->id && valid_technique_id(t->id))
                e[n++] = (tech_entry){t, c, ap_export_selects_campaign(x->opt, c)};
        }
    }
    qsort(e, n, sizeof *e, cmp_tech_entry);
    char ap_id[80], camp[80];
    for (size_t g = 0; g < n && x->st == AP_OK;) {
        size_t end = g;
        int any = 0;
        int64_t first = INT64_MAX;
        while (end < n && strcmp(e[end].t->id, e[g].t->id) == 0) {
            any |= e[end].selected;
            if (e[end].c->first_us < first)
                first = e[end].c->first_us;
            end++;
        }
        if (any) {
            make_id(x, ap_id, "attack-pattern", "%s", e[g].t->id);
            emit_attack_pattern(x, e[g].t, ap_id, first);
            for (size_t k = g; k < end; k++) {
                if (!e[k].selected)
                    continue;
                const ap_model_technique *t = e[k].t;
                const ap_model_campaign *c = e[k].c;
                sb_reset(&x->tmp);
                sb_printf(&x->tmp, "%s %s seen in ", t->id, t->name ? t->name : "");
                sb_count(&x->tmp, t->sessions, "session");
                sb_puts(&x->tmp, " (");
                sb_count(&x->tmp, t->incidents, "incident");
                sb_printf(&x->tmp, ") of C-%lld", (long long)c->id);
                if (t->example && *t->example) {
                    sb_puts(&x->tmp, "; example: ");
                    sb_puts(&x->tmp, t->example);
                }
                sb_puts(&x->tmp, ".");
                if (x->tmp.failed) {
                    ctx_fail(x, AP_ERR_NOMEM);
                    break;
                }
                campaign_id(x, camp, c->id); /* ids use x->key, never x->tmp */
                emit_relationship(x, "uses", camp, ap_id, c->first_us, c->last_us, x->tmp.p);
            }
        }
        g = end;
    }
    free(e);
}

/* ---- indicators: one per STIX pattern (a source address that is also a C2 host is one
 * indicator), with `indicates` and a sighting per selected campaign ---- */

typedef struct ioc_entry {
    const char *pattern; /* in the set's arena */
    const ap_model_ioc *ioc;
    const ap_model_campaign *c;
    int selected;
} ioc_entry;

static int cmp_ioc_entry(const void *pa, const void *pb)
{
    const ioc_entry *a = pa, *b = pb;
    int r = strcmp(a->pattern, b->pattern);
    if (r)
        return r;
    if (a->c->id != b->c->id)
        return (a->c->id > b->c->id) - (a->c->id < b->c->id);
    return (int)a->ioc->kind - (int)b->ioc->kind;
}

/* The STIX pattern of an IOC (in arena), or NULL when the kind has no standard observable or
 * the value does not have the kind's form. */
static const char *ioc_pattern(stix_ctx *x, ap_arena *arena, const ap_model_ioc *ioc)
{
    const char *v = ioc->value;
    if (!v)
        return NULL;
    char hex[65];
    const char *algo = NULL;
    unsigned char addr[16];
    const char *prefix = NULL;
    ap_str lit = ap_str_c(v);
    switch (ioc->kind) {
    case AP_MODEL_IOC_IP:
    case AP_MODEL_IOC_HOST:
        if (inet_pton(AF_INET, v, addr) == 1)
            prefix = "[ipv4-addr:value = ";
        else if (inet_pton(AF_INET6, v, addr) == 1)
            prefix = "[ipv6-addr:value = ";
        else if (ioc->kind == AP_MODEL_IOC_HOST && *v)
            prefix = "[domain-name:value = ";
        break;
    case AP_MODEL_IOC_URL:
        if (*v)
            prefix = "[url:value = ";
        break;
    case AP_MODEL_IOC_SHA256:
        if (is_hex_len(v, 64)) {
            prefix = "[file:hashes.'SHA-256' = ";
            for (size_t i = 0; i < 64; i++)
                hex[i] = (char)(v[i] >= 'A' && v[i] <= 'F' ? v[i] - 'A' + 'a' : v[i]);
            hex[64] = '\0';
            lit = ap_str_make(hex, 64);
        }
        break;
    case AP_MODEL_IOC_SSH_KEY:
    case AP_MODEL_IOC_CLIENT_KEY:
        /* the OpenSSH fingerprint is the digest of the public-key blob: an artifact's hash */
        if (ap_stix_key_fingerprint_hex(v, hex, &algo) == 0) {
            prefix = strcmp(algo, "MD5") == 0 ? "[artifact:hashes.'MD5' = "
                                              : "[artifact:hashes.'SHA-256' = ";
            lit = ap_str_c(hex);
        }
        break;
    default:
        break;
    }
    if (!prefix)
        return NULL;
    size_t plen = strlen(prefix), qlen = ap_stix_pattern_quote(NULL, 0, lit);
    char *p = ap_arena_alloc(arena, plen + qlen + 2);
    if (!p) {
        ctx_fail(x, AP_ERR_NOMEM);
        return NULL;
    }
    memcpy(p, prefix, plen);
    ap_stix_pattern_quote(p + plen, qlen + 1, lit);
    p[plen + qlen] = ']';
    p[plen + qlen + 1] = '\0';
    return p;
}

static const char *ioc_role(ap_model_ioc_kind k)
{
    switch (k) {
    case AP_MODEL_IOC_IP: return "source address of honeypot sessions";
    case AP_MODEL_IOC_URL: return "URL downloaded from or named in attacker commands";
    case AP_MODEL_IOC_HOST: return "host of a download URL or address named in attacker commands";
    case AP_MODEL_IOC_SHA256: return "SHA-256 of a file downloaded, uploaded or named by the attacker";
    case AP_MODEL_IOC_SSH_KEY: return "SSH public key the attacker wrote to authorized_keys";
    case AP_MODEL_IOC_CLIENT_KEY: return "SSH public key the client offered at login";
    default: return "indicator";
    }
}

static const char *ioc_title(ap_model_ioc_kind k)
{
    switch (k) {
    case AP_MODEL_IOC_IP: return "Source address";
    case AP_MODEL_IOC_URL: return "URL";
    case AP_MODEL_IOC_HOST: return "Host";
    case AP_MODEL_IOC_SHA256: return "File SHA-256";
    case AP_MODEL_IOC_SSH_KEY: return "Injected SSH key";
    case AP_MODEL_IOC_CLIENT_KEY: return "SSH client key";
    default: return "Indicator";
    }
}

static void emit_indicator_group(stix_ctx *x, ioc_entry *e, size_t n)
{
    int64_t first = INT64_MAX, last = INT64_MIN;
    unsigned kinds = 0;
    ap_model_ioc_kind main_kind = AP_MODEL_IOC_KIND_COUNT;
    for (size_t i = 0; i < n; i++) {
        const ap_model_ioc *ioc = e[i].ioc;
        if (ioc->first_us < first)
            first = ioc->first_us;
        if (ioc->last_us > last)
            last = ioc->last_us;
        kinds |= 1u << ioc->kind;
        if (ioc->kind < main_kind)
            main_kind = ioc->kind;
    }
    /* the value named in the title: the main kind's entry with the smallest value (stable) */
    const char *value = NULL;
    for (size_t i = 0; i < n; i++)
        if (e[i].ioc->kind == main_kind && (!value || strcmp(e[i].ioc->value, value) < 0))
            value = e[i].ioc->value;

    char id[80];
    make_id(x, id, "indicator", "%s", e[0].pattern);
    obj_head h;
    obj_begin(x, &h, "indicator", id, first, last);
    sb_reset(&x->tmp);
    sb_printf(&x->tmp, "%s %s", ioc_title(main_kind), value);
    put_str(x, "name", x->tmp.p);
    sb_reset(&x->tmp);
    sb_puts(&x->tmp, "Seen at actorprint's honeypots as: ");
    int first_role = 1;
    for (int k = 0; k < AP_MODEL_IOC_KIND_COUNT; k++) {
        if (!(kinds & (1u << k)))
            continue;
        if (!first_role)
            sb_puts(&x->tmp, "; ");
        sb_puts(&x->tmp, ioc_role((ap_model_ioc_kind)k));
        first_role = 0;
    }
    sb_puts(&x->tmp, ".");
    put_str(x, "description", x->tmp.p);
    sb_puts(&x->obj, ",\"indicator_types\":[\"malicious-activity\"]");
    put_str(x, "pattern", e[0].pattern);
    sb_puts(&x->obj, ",\"pattern_type\":\"stix\",\"pattern_version\":\"2.1\"");
    put_time(x, "valid_from", h.created_us);
    if (main_kind == AP_MODEL_IOC_SSH_KEY || main_kind == AP_MODEL_IOC_CLIENT_KEY)
        put_str(x, "x_actorprint_ssh_key_fingerprint", value);
    obj_end(x, &h);

    char camp[80];
    for (size_t i = 0; i < n && x->st == AP_OK;) {
        /* one campaign's entries (the same pattern under two kinds) together */
        size_t end = i;
        int64_t cf = INT64_MAX, cl = INT64_MIN;
        uint64_t sessions = 0, incidents = 0;
        while (end < n && e[end].c == e[i].c) {
            const ap_model_ioc *ioc = e[end].ioc;
            cf = ioc->first_us < cf ? ioc->first_us : cf;
            cl = ioc->last_us > cl ? ioc->last_us : cl;
            sessions = ioc->sessions > sessions ? ioc->sessions : sessions;
            incidents = ioc->incidents > incidents ? ioc->incidents : incidents;
            end++;
        }
        if (e[i].selected) {
            campaign_id(x, camp, e[i].c->id);
            emit_relationship(x, "indicates", id, camp, cf, cl, NULL);
            emit_sighting(x, id, e[i].c->id, sessions, incidents, cf, cl);
        }
        i = end;
    }
}

static void emit_indicators(stix_ctx *x)
{
    size_t nc = ap_model_campaign_count(x->m), n = 0, cap = 0;
    for (size_t i = 0; i < nc; i++)
        cap += ap_model_campaign_at(x->m, i)->niocs;
    if (cap == 0)
        return;
    ioc_entry *e = malloc(cap * sizeof *e);
    if (!e) {
        ctx_fail(x, AP_ERR_NOMEM);
        return;
    }
    ap_arena patterns; /* the objects copy what they keep */
    ap_arena_init(&patterns, 1 << 20);
    for (size_t i = 0; i < nc && x->st == AP_OK; i++) {
        const ap_model_campaign *c = ap_model_campaign_at(x->m, i);
        for (size_t k = 0; k < c->niocs; k++) {
            const char *p = ioc_pattern(x, &patterns, &c->iocs[k]);
            if (p)
                e[n++] = (ioc_entry){p, &c->iocs[k], c, ap_export_selects_campaign(x->opt, c)};
        }
    }
    qsort(e, n, sizeof *e, cmp_ioc_entry);
    for (size_t g = 0; g < n && x->st == AP_OK;) {
        size_t end = g;
        int any = 0;
        while (end < n && strcmp(e[end].pattern, e[g].pattern) == 0)
            any |= e[end++].selected;
        if (any)
            emit_indicator_group(x, e + g, end - g);
        g = end;
    }
    ap_arena_free(&patterns);
    free(e);
}

/* ---- infrastructure: one per C2 / download host ---- */

/* The host of a URL ("scheme://[user@]host[:port]/..."), lower case, without brackets or a
 * final dot, into buf; NULL when there is none. */
static const char *url_host(const char *url, char *buf, size_t cap)
{
    const char *s = strstr(url, "://");
    if (!s)
        return NULL;
    s += 3;
    size_t alen = strcspn(s, "/?#\\");
    const char *at = NULL;
    for (size_t i = 0; i < alen; i++)
        if (s[i] == '@')
            at = s + i;
    const char *h = at ? at + 1 : s;
    size_t hlen = alen - (size_t)(h - s);
    if (hlen > 0 && h[0] == '[') {
        const char *close = memchr(h, ']', hlen);
        if (!close)
            return NULL;
        h++;
        hlen = (size_t)(close - h);
    } else {
        const char *colon = memchr(h, ':', hlen);
        if (colon)
            hlen = (size_t)(colon - h);
    }
    if (hlen > 0 && h[hlen - 1] == '.')
        hlen--;
    if (hlen == 0 || hlen >= cap)
        return NULL;
    for (size_t i = 0; i < hlen; i++)
        buf[i] = (char)(h[i] >= 'A' && h[i] <= 'Z' ? h[i] - 'A' + 'a' : h[i]);
    buf[hlen] = '\0';
    unsigned char a6[16];
    if (strchr(buf, ':') && inet_pton(AF_INET6, buf, a6) == 1 &&
        !inet_ntop(AF_INET6, a6, buf, (socklen_t)cap))
        return NULL;
    return buf;
}

static int cmp_cstr(const void *pa, const void *pb)
{
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

static int cmp_host_entry(const void *pa, const void *pb)
{
    const ioc_entry *a = pa, *b = pb;
    int r = strcmp(a->ioc->value, b->ioc->value);
    if (r)
        return r;
    return (a->c->id > b->c->id) - (a->c->id < b->c->id);
}

static void emit_infrastructure(stix_ctx *x)
{
    size_t nc = ap_model_campaign_count(x->m), nh = 0, nu = 0, cap = 0;
    for (size_t i = 0; i < nc; i++)
        cap += ap_model_campaign_at(x->m, i)->niocs;
    if (cap == 0)
        return;
    ioc_entry *e = malloc(cap * sizeof *e);
    const char **url_hosts = malloc(cap * sizeof *url_hosts);
    if (!e || !url_hosts) {
        free(e);
        free(url_hosts);
        ctx_fail(x, AP_ERR_NOMEM);
        return;
    }
    char hbuf[512];
    ap_arena hosts; /* URL hosts, for the lookups only */
    ap_arena_init(&hosts, 1 << 16);
    for (size_t i = 0; i < nc && x->st == AP_OK; i++) {
        const ap_model_campaign *c = ap_model_campaign_at(x->m, i);
        for (size_t k = 0; k < c->niocs; k++) {
            const ap_model_ioc *ioc = &c->iocs[k];
            if (!ioc->value || !*ioc->value)
                continue;
            if (ioc->kind == AP_MODEL_IOC_HOST) {
                e[nh++] = (ioc_entry){NULL, ioc, c, ap_export_selects_campaign(x->opt, c)};
            } else if (ioc->kind == AP_MODEL_IOC_URL) {
                const char *h = url_host(ioc->value, hbuf, sizeof hbuf);
                if (h && !(url_hosts[nu++] = ap_arena_strdup(&hosts, h)))
                    ctx_fail(x, AP_ERR_NOMEM);
            }
        }
    }
    if (x->st != AP_OK)
        nh = nu = 0; /* a host copy failed: emit nothing, just clean up */
    qsort(e, nh, sizeof *e, cmp_host_entry);
    qsort(url_hosts, nu, sizeof *url_hosts, cmp_cstr);
    char id[80], camp[80];
    for (size_t g = 0; g < nh && x->st == AP_OK;) {
        size_t end = g;
        int any = 0;
        int64_t first = INT64_MAX, last = INT64_MIN;
        while (end < nh && strcmp(e[end].ioc->value, e[g].ioc->value) == 0) {
            any |= e[end].selected;
            first = e[end].ioc->first_us < first ? e[end].ioc->first_us : first;
            last = e[end].ioc->last_us > last ? e[end].ioc->last_us : last;
            end++;
        }
        if (any) {
            const char *host = e[g].ioc->value;
            int serves = nu && bsearch(&host, url_hosts, nu, sizeof *url_hosts, cmp_cstr) != NULL;
            make_id(x, id, "infrastructure", "%s", host);
            obj_head h;
            obj_begin(x, &h, "infrastructure", id, first, last);
            put_str(x, "name", host);
            put_str(x, "description",
                    serves ? "Server that attackers downloaded files from in honeypot sessions."
                           : "Host that attacker commands in honeypot sessions connected to or "
                             "named (possible command and control).");
            sb_printf(&x->obj, ",\"infrastructure_types\":[\"%s\"]",
                      serves ? "hosting-malware" : "command-and-control");
            put_time(x, "first_seen", h.created_us);
            put_time(x, "last_seen", h.modified_us);
            obj_end(x, &h);
            for (size_t k = g; k < end; k++) {
                if (!e[k].selected)
                    continue;
                const ap_model_ioc *ioc = e[k].ioc;
                sb_reset(&x->tmp);
                sb_puts(&x->tmp, "Used in ");
                sb_count(&x->tmp, ioc->sessions, "session");
                sb_puts(&x->tmp, " (");
                sb_count(&x->tmp, ioc->incidents, "incident");
                sb_printf(&x->tmp, ") of C-%lld.", (long long)e[k].c->id);
                if (x->tmp.failed) {
                    ctx_fail(x, AP_ERR_NOMEM);
                    break;
                }
                campaign_id(x, camp, e[k].c->id);
                emit_relationship(x, "uses", camp, id, ioc->first_us, ioc->last_us, x->tmp.p);
            }
        }
        g = end;
    }
    ap_arena_free(&hosts);
    free(e);
    free(url_hosts);
}

/* ---- the set ---- */

static int cmp_object(const void *pa, const void *pb)
{
    const ap_stix_object *a = pa, *b = pb;
    if (a->modified_us != b->modified_us)
        return (a->modified_us > b->modified_us) - (a->modified_us < b->modified_us);
    return strcmp(a->id, b->id);
}

static int cmp_index_by_id(const void *pa, const void *pb)
{
    return strcmp(((const struct stix_id_index *)pa)->id, ((const struct stix_id_index *)pb)->id);
}

static int cmp_campaign_ptr(const void *pa, const void *pb)
{
    const ap_model_campaign *a = *(const ap_model_campaign *const *)pa;
    const ap_model_campaign *b = *(const ap_model_campaign *const *)pb;
    return (a->id > b->id) - (a->id < b->id);
}

static int cmp_i64(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return (a > b) - (a < b);
}

ap_status ap_stix_build(const ap_model *m, const ap_export_options *opt, ap_stix_set **out,
                        char *err, size_t errlen)
{
    *out = NULL;
    if (!m || !opt)
        return AP_ERR_ARG;
    if (opt->campaign > 0 && !ap_model_campaign_find(m, opt->campaign)) {
        ap_set_error(err, errlen, "no campaign C-%lld in the last clustering",
                     (long long)opt->campaign);
        return AP_ERR_NOT_FOUND;
    }
    if (opt->campaign <= 0 && opt->actor > 0 && !ap_model_actor_find(m, opt->actor)) {
        ap_set_error(err, errlen, "no actor A-%lld in the last clustering", (long long)opt->actor);
        return AP_ERR_NOT_FOUND;
    }
    ap_stix_set *s = calloc(1, sizeof *s);
    if (!s)
        return AP_ERR_NOMEM;
    ap_arena_init(&s->arena, 1 << 20);
    stix_ctx x = {.set = s, .m = m, .opt = opt, .st = AP_OK};
    if (ap_uuid_parse(AP_STIX_NAMESPACE, x.ns) != 0)
        x.st = AP_ERR_INTERNAL;

    size_t nc = ap_model_campaign_count(m), nsel = 0;
    const ap_model_campaign **sel = malloc((nc ? nc : 1) * sizeof *sel);
    int64_t *actors = malloc((nc ? nc : 1) * sizeof *actors);
    if (!sel || !actors)
        ctx_fail(&x, AP_ERR_NOMEM);
    size_t na = 0;
    if (x.st == AP_OK) {
        for (size_t i = 0; i < nc; i++) {
            const ap_model_campaign *c = ap_model_campaign_at(m, i);
            if (!ap_export_selects_campaign(opt, c))
                continue;
            sel[nsel++] = c;
            if (c->actor > 0)
                actors[na++] = c->actor;
        }
        qsort(sel, nsel, sizeof *sel, cmp_campaign_ptr);
        qsort(actors, na, sizeof *actors, cmp_i64);
    }

    if (x.st == AP_OK)
        emit_identity(&x);
    for (size_t i = 0; i < na && x.st == AP_OK; i++) {
        if (i > 0 && actors[i] == actors[i - 1])
            continue;
        const ap_model_actor *a = ap_model_actor_find(m, actors[i]);
        if (a)
            emit_actor(&x, a);
    }
    for (size_t i = 0; i < nsel && x.st == AP_OK; i++)
        emit_campaign(&x, sel[i]);
    if (x.st == AP_OK)
        emit_techniques(&x);
    if (x.st == AP_OK)
        emit_indicators(&x);
    if (x.st == AP_OK)
        emit_infrastructure(&x);
    free(sel);
    free(actors);

    if (x.st == AP_OK) {
        qsort(s->v, s->n, sizeof *s->v, cmp_object);
        s->by_id = malloc((s->n ? s->n : 1) * sizeof *s->by_id);
        if (!s->by_id) {
            x.st = AP_ERR_NOMEM;
        } else {
            for (size_t i = 0; i < s->n; i++)
                s->by_id[i] = (struct stix_id_index){s->v[i].id, i};
            qsort(s->by_id, s->n, sizeof *s->by_id, cmp_index_by_id);
        }
        char bid[80];
        if (opt->campaign > 0)
            make_id(&x, bid, "bundle", "campaign|C-%lld", (long long)opt->campaign);
        else if (opt->actor > 0)
            make_id(&x, bid, "bundle", "actor|A-%lld", (long long)opt->actor);
        else
            make_id(&x, bid, "bundle", "all");
        snprintf(s->bundle_id, sizeof s->bundle_id, "%s", bid);
    }
    free(x.obj.p);
    free(x.key.p);
    free(x.tmp.p);
    if (x.st != AP_OK) {
        ap_set_error(err, errlen, "building the STIX objects: %s", ap_strerror(x.st));
        ap_stix_free(s);
        return x.st;
    }
    *out = s;
    return AP_OK;
}

void ap_stix_free(ap_stix_set *s)
{
    if (!s)
        return;
    ap_arena_free(&s->arena);
    free(s->v);
    free(s->by_id);
    free(s);
}

size_t ap_stix_count(const ap_stix_set *s) { return s ? s->n : 0; }

const ap_stix_object *ap_stix_at(const ap_stix_set *s, size_t i)
{
    return s && i < s->n ? &s->v[i] : NULL;
}

const char *ap_stix_bundle_id(const ap_stix_set *s) { return s ? s->bundle_id : ""; }

size_t ap_stix_find(const ap_stix_set *s, ap_str id)
{
    if (!s || !s->by_id || !id.p)
        return (size_t)-1;
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *m = s->by_id[mid].id;
        size_t mn = strlen(m);
        int r = memcmp(m, id.p, mn < id.n ? mn : id.n);
        if (r == 0)
            r = (mn > id.n) - (mn < id.n);
        if (r == 0)
            return s->by_id[mid].index;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (size_t)-1;
}

ap_status ap_stix_write_bundle(const ap_stix_set *s, FILE *f)
{
    fprintf(f, "{\"type\":\"bundle\",\"id\":\"%s\",\"objects\":[\n", s->bundle_id);
    for (size_t i = 0; i < s->n; i++) {
        fwrite(s->v[i].json, 1, s->v[i].json_len, f);
        fputs(i + 1 < s->n ? ",\n" : "\n", f);
    }
    fputs("]}\n", f);
    return ferror(f) ? AP_ERR_IO : AP_OK;
}

ap_status ap_export_stix(const ap_model *m, const ap_export_options *opt, char *err, size_t errlen)
{
    ap_stix_set *s = NULL;
    ap_status st = ap_stix_build(m, opt, &s, err, errlen);
    if (st != AP_OK)
        return st;
    int close_it = 0;
    FILE *f = ap_export_open_file(opt, &close_it, err, errlen);
    if (!f) {
        ap_stix_free(s);
        return AP_ERR_IO;
    }
    const char *what = opt->out && strcmp(opt->out, "-") ? opt->out : "standard output";
    st = ap_stix_write_bundle(s, f);
    ap_status cs = ap_export_close(f, close_it, what, err, errlen);
    if (st != AP_OK && cs == AP_OK)
        ap_set_error(err, errlen, "%s: write failed", what);
    ap_stix_free(s);
    if (st == AP_OK)
        st = cs;
    return st;
}
