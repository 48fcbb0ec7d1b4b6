/* load.c — reads what clustering needs from the store into the in-memory model (model.h): every
 * session with its tooling, and its behaviour and identifiers as tokens — credential pairs and
 * their order, command n-grams over the normal forms the understand stage stored, techniques,
 * IOCs, injected and offered SSH keys, transfers and forward targets.
 *
 * Why whole-table scans merged in memory: a year is ~1.6 M sessions; one ordered scan per table
 * costs seconds, a query per session would cost minutes. Per command text the mapping results
 * are read once (texts repeat across sessions by the thousand).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/model.h"
#include "store/store.h"
#include "util/grow.h"
#include "util/hash.h"

#define TRY_(expr)                                                                               \
    do {                                                                                         \
        ap_status s_ = (expr);                                                                   \
        if (s_ != AP_OK)                                                                         \
            return s_;                                                                           \
    } while (0)

/* ---- small containers -------------------------------------------------------------------- */

ap_status cl_u64v_push(cl_u64v *a, uint64_t x)
{
    if (ap_grow(&a->v, &a->cap, a->n, sizeof *a->v, 1024) != 0)
        return AP_ERR_NOMEM;
    a->v[a->n++] = x;
    return AP_OK;
}

void cl_u64v_free(cl_u64v *a)
{
    free(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

size_t cl_sort_unique(uint64_t *v, size_t n)
{
    if (n < 2)
        return n;
    qsort(v, n, sizeof *v, cmp_u64);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (v[i] != v[k - 1])
            v[k++] = v[i];
    return k;
}

void cl_data_init(cl_data *d)
{
    memset(d, 0, sizeof *d);
    ap_arena_init(&d->arena, 1 << 20);
}

void cl_data_free(cl_data *d)
{
    free(d->sensors);
    free(d->sessions);
    ap_idmap_free(&d->session_idx);
    cl_u64v_free(&d->tok);
    free(d->order);
    free(d->incidents);
    cl_u64v_free(&d->itok);
    ap_idmap_free(&d->input_idx);
    free(d->inputs);
    cl_u64v_free(&d->stmts);
    cl_u64v_free(&d->intok);
    ap_idmap_free(&d->tech_idx);
    free(d->tech_names);
    free(d->tech_tactic);
    free(d->tech_title);
    free(d->tech_tokens);
    free(d->normal_tech);
    ap_idmap_free(&d->label_idx);
    free(d->labels);
    ap_idmap_free(&d->prev_idx);
    free(d->prev);
    ap_arena_free(&d->arena);
    memset(d, 0, sizeof *d);
}

static char *dup_text(cl_data *d, const char *s, size_t n)
{
    char *p = ap_arena_alloc(&d->arena, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

ap_status cl_label(cl_data *d, uint64_t t, const char *s, size_t n)
{
    if (!s)
        return AP_OK;
    int added = 0;
    uint32_t *slot = ap_idmap_put(&d->label_idx, t, (uint32_t)d->nlabels, &added);
    if (!slot)
        return AP_ERR_NOMEM;
    if (!added)
        return AP_OK;
    if (ap_grow(&d->labels, &d->labels_cap, d->nlabels, sizeof *d->labels, 256) != 0)
        return AP_ERR_NOMEM;
    if (!(d->labels[d->nlabels] = dup_text(d, s, n)))
        return AP_ERR_NOMEM;
    d->nlabels++;
    return AP_OK;
}

const char *cl_label_of(const cl_data *d, uint64_t t)
{
    const uint32_t *i = ap_idmap_get(&d->label_idx, t);
    return i ? d->labels[*i] : NULL;
}

static uint64_t h2(uint64_t a, uint64_t b)
{
    uint64_t x[2] = {a, b};
    return ap_hash64(x, sizeof x);
}

static uint64_t htext(const char *s, size_t n) { return ap_hash64(s, n); }

/* ---- (session index, token) pairs, sorted into per-session runs at the end --------------- */

typedef struct tok_pair {
    uint32_t session;
    uint32_t pad_;
    uint64_t tok;
} tok_pair;

typedef struct loader {
    cl_data *d;
    tok_pair *pairs;
    size_t npairs, pairs_cap;
    ap_idmap pw_entropy; /* password string id -> float bits of its entropy */
    ap_idmap event_tech; /* event rule code -> technique token index into tech */
    ap_idmap brute;      /* src_ip_id -> technique index */
    /* the session being filled by the ordered scans */
    int64_t cur_id;
    uint32_t cur;
    int cur_ok;
    uint64_t prev_cred;          /* logins: the previous pair of this session */
    uint64_t ng[2];              /* commands: the previous two normal forms */
    /* input (command text) pairs */
    struct in_pair {
        int64_t input;
        uint64_t tok;
    } *ip;
    size_t nip, ip_cap;
    ap_status status;
    char *err;
    size_t errlen;
} loader;

static ap_status add_pair(loader *L, uint32_t session, uint64_t tok)
{
    if (ap_grow(&L->pairs, &L->pairs_cap, L->npairs, sizeof *L->pairs, 65536) != 0)
        return AP_ERR_NOMEM;
    L->pairs[L->npairs++] = (tok_pair){session, 0, tok};
    return AP_OK;
}

/* Positions L on the session with store id `id`; 0 when the row belongs to no loaded session. */
static int seek_session(loader *L, int64_t id)
{
    if (id != L->cur_id) {
        L->cur_id = id;
        const uint32_t *i = ap_idmap_get(&L->d->session_idx, (uint64_t)id);
        L->cur_ok = i != NULL;
        L->cur = i ? *i : 0;
        L->prev_cred = 0;
        L->ng[0] = L->ng[1] = 0;
    }
    return L->cur_ok;
}

/* ---- techniques --------------------------------------------------------------------------- */

static ap_status technique_token(cl_data *d, const char *id, size_t n, uint64_t *tok)
{
    *tok = cl_token(TK_TECH, htext(id, n));
    int added = 0;
    uint32_t *slot = ap_idmap_put(&d->tech_idx, *tok, (uint32_t)d->ntech, &added);
    if (!slot)
        return AP_ERR_NOMEM;
    if (!added)
        return AP_OK;
    /* four parallel arrays share one capacity: grow each to the same size */
    if (d->ntech == d->tech_cap) {
        size_t cap = d->tech_cap;
        if (ap_grow(&d->tech_names, &cap, d->ntech, sizeof *d->tech_names, 128) != 0)
            return AP_ERR_NOMEM;
        cap = d->tech_cap;
        if (ap_grow(&d->tech_tactic, &cap, d->ntech, sizeof *d->tech_tactic, 128) != 0)
            return AP_ERR_NOMEM;
        cap = d->tech_cap;
        if (ap_grow(&d->tech_title, &cap, d->ntech, sizeof *d->tech_title, 128) != 0)
            return AP_ERR_NOMEM;
        cap = d->tech_cap;
        if (ap_grow(&d->tech_tokens, &cap, d->ntech, sizeof *d->tech_tokens, 128) != 0)
            return AP_ERR_NOMEM;
        d->tech_cap = cap;
    }
    d->tech_tokens[d->ntech] = *tok;
    d->tech_names[d->ntech] = dup_text(d, id, n);
    d->tech_tactic[d->ntech] = NULL;
    d->tech_title[d->ntech] = NULL;
    if (!d->tech_names[d->ntech])
        return AP_ERR_NOMEM;
    d->ntech++;
    return AP_OK;
}

static ap_status on_tactic(void *user, const ap_store_col *c, int nc)
{
    loader *L = user;
    if (nc < 2 || !c[0].s || !c[1].s)
        return AP_OK;
    uint64_t tok;
    TRY_(technique_token(L->d, c[0].s, (size_t)c[0].n, &tok));
    uint32_t i = *ap_idmap_get(&L->d->tech_idx, tok);
    /* all tactics of the technique, ';'-separated */
    const char *old = L->d->tech_tactic[i];
    size_t on = old ? strlen(old) + 1 : 0;
    char *p = ap_arena_alloc(&L->d->arena, on + (size_t)c[1].n + 1);
    if (!p)
        return AP_ERR_NOMEM;
    if (old) {
        memcpy(p, old, on - 1);
        p[on - 1] = ';';
    }
    memcpy(p + on, c[1].s, (size_t)c[1].n);
    p[on + (size_t)c[1].n] = '\0';
    L->d->tech_tactic[i] = p;
    return AP_OK;
}

static ap_status on_tech_name(void *user, const ap_store_col *c, int nc)
{
    loader *L = user;
    if (nc < 2 || !c[0].s || !c[1].s)
        return AP_OK;
    uint64_t tok;
    TRY_(technique_token(L->d, c[0].s, (size_t)c[0].n, &tok));
    uint32_t i = *ap_idmap_get(&L->d->tech_idx, tok);
    if (!L->d->tech_title[i] && !(L->d->tech_title[i] = dup_text(L->d, c[1].s, (size_t)c[1].n)))
        return AP_ERR_NOMEM;
    return AP_OK;
}

static ap_status on_event_rule(void *user, const ap_store_col *c, int nc)
{
    loader *L = user;
    if (nc < 2 || !c[1].s)
        return AP_OK;
    uint64_t tok;
    TRY_(technique_token(L->d, c[1].s, (size_t)c[1].n, &tok));
    return ap_idmap_put(&L->event_tech, (uint64_t)c[0].i + 1, *ap_idmap_get(&L->d->tech_idx, tok),
                        NULL)
               ? AP_OK
               : AP_ERR_NOMEM;
}

static ap_status on_bruteforce(void *user, const ap_store_col *c, int nc)
{
    loader *L = user;
    if (nc < 2 || !c[1].s || !c[0].i)
        return AP_OK;
    uint64_t tok;
    TRY_(technique_token(L->d, c[1].s, (size_t)c[1].n, &tok));
    return ap_idmap_put(&L->brute, (uint64_t)c[0].i, *ap_idmap_get(&L->d->tech_idx, tok), NULL)
               ? AP_OK
               : AP_ERR_NOMEM;
}

static ap_status event_technique(loader *L, uint32_t session, int code)
{
    const uint32_t *t = ap_idmap_get(&L->event_tech, (uint64_t)code + 1);
    return t ? add_pair(L, session, L->d->tech_tokens[*t]) : AP_OK;
}

/* ---- command texts: statements, techniques, IOCs, keys ----------------------------------- */

static ap_status input_index(loader *L, int64_t input, uint32_t *out)
{
    cl_data *d = L->d;
    int added = 0;
    uint32_t *slot = ap_idmap_put(&d->input_idx, (uint64_t)input, (uint32_t)d->ninputs, &added);
    if (!slot)
        return AP_ERR_NOMEM;
    if (added) {
        if (ap_grow(&d->inputs, &d->inputs_cap, d->ninputs, sizeof *d->inputs, 1024) != 0)
            return AP_ERR_NOMEM;
        d->inputs[d->ninputs++] = (cl_input){d->stmts.n, 0, 0, 0};
    }
    *out = *slot;
    return AP_OK;
}

static ap_status on_statement(void *user, const ap_store_col *c, int nc)
{
    loader *L = user;
    if (nc < 3 || !c[1].i)
        return AP_OK;
    uint32_t i;
    TRY_(input_index(L, c[0].i, &i));
    cl_input *in = &L->d->inputs[i];
    if (in->stmt_off + in->stmt_n != L->d->stmts.n) /* rows arrive ordered by input */
        return AP_OK;
    TRY_(cl_u64v_push(&L->d->stmts, (uint64_t)c[1].i));
    in->stmt_n++;
    return AP_OK;
}

static ap_status on_normal_text(void *user, const ap_store_col *c, int nc)
{
    loader *L = user;
    if (nc < 2 || !c[1].s)
        return AP_OK;
    return cl_label(L->d, cl_token(TK_NGRAM, (uint64_t)c[0].i), c[1].s, (size_t)c[1].n);
}

static ap_status input_token(loader *L, int64_t input, uint64_t tok)
{
    if (ap_grow(&L->ip, &L->ip_cap, L->nip, sizeof *L->ip, 1024) != 0)
        return AP_ERR_NOMEM;
    L->ip[L->nip++] = (struct in_pair){input, tok};
    return AP_OK;
}

static ap_status on_input_technique(void *user, const ap_store_col *c, int nc)
{
    loader *L = user;
    if (nc < 2 || !c[1].s)
        return AP_OK;
    uint64_t tok;
    TRY_(technique_token(L->d, c[1].s, (size_t)c[1].n, &tok));
    if (nc >= 3 && c[2].i) {
        /* remembered so reports can show a statement that showed the technique */
        cl_data *d = L->d;
        if (ap_grow(&d->normal_tech, &d->normal_tech_cap, d->nnormal_tech,
                    sizeof *d->normal_tech, 1024) != 0)
            return AP_ERR_NOMEM;
        d->normal_tech[d->nnormal_tech++] = (struct cl_normal_tech){
            cl_token(TK_NGRAM, (uint64_t)c[2].i), *ap_idmap_get(&d->tech_idx, tok), 0};
    }
    return input_token(L, c[0].i, tok);
}

/* The host part of a URL ("scheme://[user@]host[:port]/..."), or the whole text. */
static void url_host(const char *s, size_t n, const char **h, size_t *hn)
{
    const char *p = memchr(s, ':', n);
    size_t i = 0;
    if (p && (size_t)(p - s) + 2 < n && p[1] == '/' && p[2] == '/')
        i = (size_t)(p - s) + 3;
    size_t j = i;
    while (j < n && s[j] != '/' && s[j] != '?' && s[j] != '#')
        j++;
    const char *at = memchr(s + i, '@', j - i);
    if (at)
        i = (size_t)(at - s) + 1;
    size_t k = i;
    if (k < j && s[k] == '[') {
        while (k < j && s[k] != ']')
            k++;
        if (k < j)
            k++;
    } else {
        while (k < j && s[k] != ':')
            k++;
    }
    *h = s + i;
    *hn = k - i;
}

static ap_status url_tokens(loader *L, const char *u, size_t n, int64_t input, uint32_t session,
                            int per_session)
{
    uint64_t t1 = cl_token(TK_URL, htext(u, n));
    const char *h;
    size_t hn;
    url_host(u, n, &h, &hn);
    uint64_t t2 = cl_token(TK_HOST, htext(h, hn));
    TRY_(cl_label(L->d, t1, u, n));
    if (hn)
        TRY_(cl_label(L->d, t2, h, hn));
    if (per_session) {
        TRY_(add_pair(L, session, t1));
        return hn ? add_pair(L, session, t2) : AP_OK;
    }
    TRY_(input_token(L, input, t1));
    return hn ? input_token(L, input, t2) : AP_OK;
}

static int type_is(const ap_store_col *c, const char *t)
{
    return c->s && (size_t)c->n == strlen(t) && !memcmp(c->s, t, (size_t)c->n);
}

static ap_status on_input_ioc(void *user, const ap_store_col *c, int nc)
{
    loader *L = user;
    if (nc < 4 || !c[2].s || !c[3].s)
        return AP_OK;
    const char *v = c[3].s;
    size_t n = (size_t)c[3].n;
    cl_kind k;
    if (type_is(&c[2], "url"))
        return url_tokens(L, v, n, c[0].i, 0, 0);
    if (type_is(&c[2], "domain") || type_is(&c[2], "ipv4") || type_is(&c[2], "ipv6"))
        k = TK_HOST;
    else if (type_is(&c[2], "btc") || type_is(&c[2], "xmr") || type_is(&c[2], "eth"))
        k = TK_WALLET;
    else if (type_is(&c[2], "busybox_tag") || type_is(&c[2], "marker"))
        k = TK_TAG;
    else if (type_is(&c[2], "md5") || type_is(&c[2], "sha1") || type_is(&c[2], "sha256") ||
             type_is(&c[2], "sha512"))
        k = TK_HASH;
    else
        return AP_OK;
    uint64_t t = cl_token(k, htext(v, n));
    TRY_(cl_label(L->d, t, v, n));
    return input_token(L, c[0].i, t);
}

static ap_status on_input_key(void *user, const ap_store_col *c, int nc)
{
    loader *L = user;
    if (nc < 4 || !c[3].s || !c[2].i) /* keys only mentioned, not written, are not the actor's */
        return AP_OK;
    uint64_t t = cl_token(TK_KEY, htext(c[3].s, (size_t)c[3].n));
    TRY_(cl_label(L->d, t, c[3].s, (size_t)c[3].n));
    return input_token(L, c[0].i, t);
}

static int cmp_in_pair(const void *a, const void *b)
{
    const struct in_pair *x = a, *y = b;
    if (x->input != y->input)
        return x->input < y->input ? -1 : 1;
    return (x->tok > y->tok) - (x->tok < y->tok);
}

/* Files the collected (input, token) pairs under their inputs, deduplicated. */
static ap_status finish_inputs(loader *L)
{
    cl_data *d = L->d;
    if (L->nip)
        qsort(L->ip, L->nip, sizeof *L->ip, cmp_in_pair);
    for (size_t i = 0; i < L->nip;) {
        size_t j = i;
        uint32_t idx;
        TRY_(input_index(L, L->ip[i].input, &idx));
        d->inputs[idx].tok_off = d->intok.n;
        for (; j < L->nip && L->ip[j].input == L->ip[i].input; j++) {
            if (j > i && L->ip[j].tok == L->ip[j - 1].tok)
                continue;
            TRY_(cl_u64v_push(&d->intok, L->ip[j].tok));
            d->inputs[idx].tok_n++;
        }
        i = j;
    }
    return AP_OK;
}

/* ---- sessions and their events ------------------------------------------------------------ */

static ap_status on_sensor(void *user, const ap_store_col *c, int nc)
{
    loader *L = user;
    cl_data *d = L->d;
    if (nc < 2 || c[0].i < 0 || c[0].i > 1000000)
        return AP_OK;
    size_t id = (size_t)c[0].i;
    if (id >= d->nsensors) {
        char **p = realloc(d->sensors, (id + 1) * sizeof *p);
        if (!p)
            return AP_ERR_NOMEM;
        for (size_t i = d->nsensors; i <= id; i++)
            p[i] = NULL;
        d->sensors = p;
        d->nsensors = id + 1;
    }
    d->sensors[id] = dup_text(d, c[1].s ? c[1].s : "", c[1].s ? (size_t)c[1].n : 0);
    return d->sensors[id] ? AP_OK : AP_ERR_NOMEM;
}

static ap_status on_session(void *user, const ap_store_col *c, int nc)
{
    loader *L = user;
    cl_data *d = L->d;
    if (nc < 12)
        return AP_OK;
    if (ap_grow(&d->sessions, &d->sessions_cap, d->nsessions, sizeof *d->sessions, 4096) != 0)
        return AP_ERR_NOMEM;
    cl_session *s = &d->sessions[d->nsessions];
    memset(s, 0, sizeof *s);
    s->id = c[0].i;
    s->sensor = (uint32_t)(c[1].i >= 0 && (size_t)c[1].i < d->nsensors ? c[1].i : 0);
    s->src_ip_id = c[2].i;
    s->start_us = c[3].i;
    s->end_us = c[4].i < c[3].i ? c[3].i : c[4].i;
    if (c[6].i || c[7].i)
        s->tool = cl_token(TK_TOOL, h2((uint64_t)c[6].i, (uint64_t)c[7].i));
    else if (c[5].i)
        s->tool = cl_token(TK_TOOL, h2((uint64_t)c[5].i, 0));
    s->ip = dup_text(d, c[8].s ? c[8].s : "", c[8].s ? (size_t)c[8].n : 0);
    s->name = dup_text(d, c[9].s ? c[9].s : "", c[9].s ? (size_t)c[9].n : 0);
    s->client = c[10].s ? dup_text(d, c[10].s, (size_t)c[10].n) : NULL;
    s->hassh = c[11].s ? dup_text(d, c[11].s, (size_t)c[11].n) : NULL;
    if (!s->ip || !s->name || (c[10].s && !s->client) || (c[11].s && !s->hassh))
        return AP_ERR_NOMEM;
    if (s->tool && s->client)
        TRY_(cl_label(d, s->tool, s->client, strlen(s->client)));
    if (!ap_idmap_put(&d->session_idx, (uint64_t)s->id, (uint32_t)d->nsessions, NULL))
        return AP_ERR_NOMEM;
    if (s->hassh) {
        uint64_t t = cl_token(TK_HASSH, htext(s->hassh, strlen(s->hassh)));
        TRY_(cl_label(d, t, s->hassh, strlen(s->hassh)));
        TRY_(add_pair(L, (uint32_t)d->nsessions, t));
    }
    d->nsessions++;
    return AP_OK;
}

/* Shannon entropy of a password, bits per character (0 for the empty one). */
static double entropy(const char *s, size_t n)
{
    if (!n)
        return 0;
    unsigned cnt[256] = {0};
    for (size_t i = 0; i < n; i++)
        cnt[(unsigned char)s[i]]++;
    double e = 0;
    for (int i = 0; i < 256; i++)
        if (cnt[i]) {
            double p = (double)cnt[i] / (double)n;
            e -= p * log2(p);
        }
    return e;
}

static ap_status on_password(void *user, const ap_store_col *c, int nc)
{
    loader *L = user;
    if (nc < 2 || !c[1].s || !c[0].i)
        return AP_OK;
    TRY_(cl_label(L->d, cl_token(TK_PASS, (uint64_t)c[0].i), c[1].s, (size_t)c[1].n));
    float e = (float)entropy(c[1].s, (size_t)c[1].n);
    uint32_t bits;
    memcpy(&bits, &e, sizeof bits);
    return ap_idmap_put(&L->pw_entropy, (uint64_t)c[0].i, bits, NULL) ? AP_OK : AP_ERR_NOMEM;
}

static ap_status on_username(void *user, const ap_store_col *c, int nc)
{
    loader *L = user;
    if (nc < 2 || !c[1].s || !c[0].i)
        return AP_OK;
    return cl_label(L->d, cl_token(TK_USER, (uint64_t)c[0].i), c[1].s, (size_t)c[1].n);
}

static ap_status on_login(void *user, const ap_store_col *c, int nc)
{
    loader *L = user;
    if (nc < 5 || !seek_session(L, c[0].i))
        return AP_OK;
    cl_session *s = &L->d->sessions[L->cur];
    s->logins++;
    if (c[3].i) {
        s->succeeded++;
        TRY_(event_technique(L, L->cur, 1));
    } else {
        s->failed++;
        const uint32_t *t = ap_idmap_get(&L->brute, (uint64_t)s->src_ip_id);
        if (t)
            TRY_(add_pair(L, L->cur, L->d->tech_tokens[*t]));
    }
    const uint32_t *e = ap_idmap_get(&L->pw_entropy, (uint64_t)c[2].i);
    if (e) {
        float f;
        memcpy(&f, e, sizeof f);
        s->pw_entropy += f;
    }
    uint64_t pair = h2((uint64_t)c[1].i, (uint64_t)c[2].i);
    TRY_(add_pair(L, L->cur, cl_token(TK_CRED, pair)));
    TRY_(add_pair(L, L->cur, cl_token(TK_USER, (uint64_t)c[1].i)));
    if (c[2].i)
        TRY_(add_pair(L, L->cur, cl_token(TK_PASS, (uint64_t)c[2].i)));
    if (L->prev_cred)
        TRY_(add_pair(L, L->cur, cl_token(TK_CREDSEQ, h2(L->prev_cred, pair))));
    L->prev_cred = pair;
    return AP_OK;
}

static ap_status on_command(void *user, const ap_store_col *c, int nc)
{
    loader *L = user;
    if (nc < 3 || !seek_session(L, c[0].i))
        return AP_OK;
    cl_session *s = &L->d->sessions[L->cur];
    if (!s->commands)
        s->first_cmd_us = c[1].i;
    s->last_cmd_us = c[1].i;
    s->commands++;
    const uint32_t *ii = ap_idmap_get(&L->d->input_idx, (uint64_t)c[2].i);
    if (!ii)
        return AP_OK;
    const cl_input *in = &L->d->inputs[*ii];
    for (uint32_t k = 0; k < in->stmt_n; k++) {
        uint64_t n0 = L->d->stmts.v[in->stmt_off + k];
        TRY_(add_pair(L, L->cur, cl_token(TK_NGRAM, n0)));
        if (L->ng[1])
            TRY_(add_pair(L, L->cur, cl_token(TK_NGRAM, h2(L->ng[1], n0))));
        if (L->ng[0] && L->ng[1])
            TRY_(add_pair(L, L->cur, cl_token(TK_NGRAM, h2(h2(L->ng[0], L->ng[1]), n0))));
        L->ng[0] = L->ng[1];
        L->ng[1] = n0;
    }
    for (uint32_t k = 0; k < in->tok_n; k++)
        TRY_(add_pair(L, L->cur, L->d->intok.v[in->tok_off + k]));
    return AP_OK;
}

static ap_status on_transfer(void *user, const ap_store_col *c, int nc)
{
    loader *L = user;
    if (nc < 6 || !seek_session(L, c[0].i))
        return AP_OK;
    cl_session *s = &L->d->sessions[L->cur];
    if (c[1].i == 2)
        s->uploads++;
    else
        s->downloads++;
    TRY_(event_technique(L, L->cur, c[1].i == 2 ? 3 : 2));
    if (c[3].i) {
        /* the same token as the hash's text typed in a command */
        uint64_t t = c[5].s ? cl_token(TK_HASH, htext(c[5].s, (size_t)c[5].n))
                            : cl_token(TK_HASH, (uint64_t)c[3].i);
        if (c[5].s)
            TRY_(cl_label(L->d, t, c[5].s, (size_t)c[5].n));
        TRY_(add_pair(L, L->cur, t));
    }
    if (c[4].s)
        TRY_(url_tokens(L, c[4].s, (size_t)c[4].n, 0, L->cur, 1));
    return AP_OK;
}

static ap_status on_client_key(void *user, const ap_store_col *c, int nc)
{
    loader *L = user;
    if (nc < 3 || !seek_session(L, c[0].i))
        return AP_OK;
    L->d->sessions[L->cur].client_keys++;
    TRY_(event_technique(L, L->cur, 5));
    if (!c[1].i)
        return AP_OK;
    uint64_t t = cl_token(TK_CLIENTKEY, (uint64_t)c[1].i);
    if (c[2].s)
        TRY_(cl_label(L->d, t, c[2].s, (size_t)c[2].n));
    return add_pair(L, L->cur, t);
}

static ap_status on_forward(void *user, const ap_store_col *c, int nc)
{
    loader *L = user;
    if (nc < 4 || !seek_session(L, c[0].i))
        return AP_OK;
    L->d->sessions[L->cur].forwards++;
    TRY_(event_technique(L, L->cur, 4));
    uint64_t t = cl_token(TK_FWD, h2((uint64_t)c[1].i, (uint64_t)c[2].i));
    if (c[3].s)
        TRY_(cl_label(L->d, t, c[3].s, (size_t)c[3].n));
    return add_pair(L, L->cur, t);
}

static ap_status on_previous(void *user, const ap_store_col *c, int nc)
{
    loader *L = user;
    cl_data *d = L->d;
    if (nc < 4)
        return AP_OK;
    if (ap_grow(&d->prev, &d->prev_cap, d->nprev, sizeof *d->prev, 4096) != 0)
        return AP_ERR_NOMEM;
    d->prev[d->nprev][0] = c[1].i;
    d->prev[d->nprev][1] = c[2].i;
    d->prev[d->nprev][2] = c[3].i;
    if (!ap_idmap_put(&d->prev_idx, (uint64_t)c[0].i, (uint32_t)d->nprev, NULL))
        return AP_ERR_NOMEM;
    d->nprev++;
    return AP_OK;
}

/* Counting sort of the pairs by session; each session's run deduplicated. */
static ap_status finish_sessions(loader *L)
{
    cl_data *d = L->d;
    size_t ns = d->nsessions;
    size_t *start = calloc(ns + 1, sizeof *start);
    if (!start)
        return AP_ERR_NOMEM;
    for (size_t i = 0; i < L->npairs; i++)
        start[L->pairs[i].session + 1]++;
    for (size_t i = 0; i < ns; i++)
        start[i + 1] += start[i];
    cl_u64v_free(&d->tok);
    d->tok.v = malloc((L->npairs ? L->npairs : 1) * sizeof *d->tok.v);
    if (!d->tok.v) {
        free(start);
        return AP_ERR_NOMEM;
    }
    d->tok.cap = L->npairs ? L->npairs : 1;
    size_t *fill = malloc((ns + 1) * sizeof *fill);
    if (!fill) {
        free(start);
        return AP_ERR_NOMEM;
    }
    memcpy(fill, start, (ns + 1) * sizeof *fill);
    for (size_t i = 0; i < L->npairs; i++)
        d->tok.v[fill[L->pairs[i].session]++] = L->pairs[i].tok;
    free(fill);
    size_t out = 0;
    for (size_t i = 0; i < ns; i++) {
        size_t n = cl_sort_unique(d->tok.v + start[i], start[i + 1] - start[i]);
        memmove(d->tok.v + out, d->tok.v + start[i], n * sizeof *d->tok.v);
        d->sessions[i].tok_off = out;
        d->sessions[i].tok_n = (uint32_t)n;
        out += n;
    }
    d->tok.n = out;
    free(start);
    return AP_OK;
}

ap_status cl_load(ap_store *st, cl_data *d, char *err, size_t errlen)
{
    loader L = {.d = d, .cur_id = -1, .err = err, .errlen = errlen};
    ap_status s = AP_OK;
    static const struct {
        ap_store_cl_scan scan;
        ap_store_scan_fn fn;
    } steps[] = {
        {AP_CL_SENSORS, on_sensor},
        {AP_CL_TACTICS, on_tactic},
        {AP_CL_TECH_NAMES, on_tech_name},
        {AP_CL_EVENT_RULES, on_event_rule},
        {AP_CL_BRUTEFORCE, on_bruteforce},
        {AP_CL_STATEMENTS, on_statement},
        {AP_CL_NORMAL_TEXTS, on_normal_text},
        {AP_CL_INPUT_TECHNIQUES, on_input_technique},
        {AP_CL_INPUT_IOCS, on_input_ioc},
        {AP_CL_INPUT_KEYS, on_input_key},
        {AP_CL_SESSIONS, on_session},
        {AP_CL_LOGIN_TEXTS, on_password},
        {AP_CL_USER_TEXTS, on_username},
        {AP_CL_LOGINS, on_login},
        {AP_CL_COMMANDS, on_command},
        {AP_CL_TRANSFERS, on_transfer},
        {AP_CL_CLIENT_KEYS, on_client_key},
        {AP_CL_FORWARDS, on_forward},
        {AP_CL_PREVIOUS, on_previous},
    };
    for (size_t i = 0; s == AP_OK && i < sizeof steps / sizeof steps[0]; i++) {
        L.cur_id = -1;
        s = ap_store_cl_scan_rows(st, steps[i].scan, steps[i].fn, &L);
        if (s == AP_OK && steps[i].scan == AP_CL_INPUT_KEYS)
            s = finish_inputs(&L);
    }
    if (s == AP_OK)
        s = finish_sessions(&L);
    if (s != AP_OK && err && errlen)
        snprintf(err, errlen, "%s", s == AP_ERR_NOMEM ? "out of memory" : ap_store_errmsg(st));
    free(L.pairs);
    free(L.ip);
    ap_idmap_free(&L.pw_entropy);
    ap_idmap_free(&L.event_tech);
    ap_idmap_free(&L.brute);
    return s;
}
