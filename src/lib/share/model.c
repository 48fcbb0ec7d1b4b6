/* model.c — the campaign model exporters read (ap_model_*, include/actorprint.h): the last
 * stored clustering with, per campaign, actor and for the whole dataset, the techniques (with
 * session and incident counts and an example statement), the IOCs (with counts and first/last
 * seen) and the activity per day.
 *
 * Why a model and not SQL in every exporter: STIX, MISP, Navigator, Neo4j, the report and the
 * TAXII server all need the same aggregates, and they must agree. It is built from the cluster
 * stage's loader (the same tokens the clustering used, so what an export shows is what linked
 * the sessions) grouped by the stored assignment (cluster_sessions).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/model.h"
#include "cluster/tactics.h"
#include "core/error.h"
#include "store/store.h"
#include "understand/asn.h"
#include "util/grow.h"

struct ap_model {
    cl_data d;
    ap_arena mem; /* every array and string handed out */
    ap_model_incident *incidents;
    size_t nincidents;
    ap_model_campaign *campaigns;
    size_t ncampaigns;
    size_t *campaign_order;
    ap_model_actor *actors;
    size_t nactors;
    ap_model_dataset dataset;
};

static const char *const ioc_kind_names[AP_MODEL_IOC_KIND_COUNT] = {
    "ip",      "net",    "asn", "url",    "host",  "sha256",   "ssh-key",
    "client-key", "wallet", "tag", "client", "hassh", "password", "username"};

const char *ap_model_ioc_kind_name(ap_model_ioc_kind k)
{
    return (unsigned)k < AP_MODEL_IOC_KIND_COUNT ? ioc_kind_names[k] : NULL;
}

void ap_model_options_init(ap_model_options *o) { memset(o, 0, sizeof *o); }

/* The IOC kind of a token kind, or -1 for tokens that are not IOCs. */
static int ioc_kind_of(cl_kind k)
{
    switch (k) {
    case TK_IP: return AP_MODEL_IOC_IP;
    case TK_NET: return AP_MODEL_IOC_NET;
    case TK_ASN: return AP_MODEL_IOC_ASN;
    case TK_URL: return AP_MODEL_IOC_URL;
    case TK_HOST: return AP_MODEL_IOC_HOST;
    case TK_HASH: return AP_MODEL_IOC_SHA256;
    case TK_KEY: return AP_MODEL_IOC_SSH_KEY;
    case TK_CLIENTKEY: return AP_MODEL_IOC_CLIENT_KEY;
    case TK_WALLET: return AP_MODEL_IOC_WALLET;
    case TK_TAG: return AP_MODEL_IOC_TAG;
    case TK_TOOL: return AP_MODEL_IOC_CLIENT;
    case TK_HASSH: return AP_MODEL_IOC_HASSH;
    case TK_PASS: return AP_MODEL_IOC_PASSWORD;
    case TK_USER: return AP_MODEL_IOC_USERNAME;
    default: return -1;
    }
}

/* Only SHA-256 values are hashes here (md5/sha1 typed in commands are not file identities). */
static int is_sha256(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return 0;
    return n == 64;
}

/* ---- aggregation over a set of sessions ------------------------------------------------------ */

typedef struct agg_pair {
    uint64_t tok;
    uint32_t incident; /* model incident index */
    uint32_t session;  /* cl_data session index */
} agg_pair;

static int cmp_pair(const void *a, const void *b)
{
    const agg_pair *x = a, *y = b;
    if (x->tok != y->tok)
        return x->tok < y->tok ? -1 : 1;
    if (x->incident != y->incident)
        return x->incident < y->incident ? -1 : 1;
    return (x->session > y->session) - (x->session < y->session);
}

typedef struct agg_run {
    uint64_t tok;
    uint64_t sessions, incidents;
    int64_t first_us, last_us;
} agg_run;

static int cmp_run_sessions(const void *a, const void *b)
{
    const agg_run *x = a, *y = b;
    if (x->sessions != y->sessions)
        return x->sessions > y->sessions ? -1 : 1;
    return (x->tok > y->tok) - (x->tok < y->tok);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_normal_tech(const void *a, const void *b)
{
    const struct cl_normal_tech *x = a, *y = b;
    if (x->tok != y->tok)
        return x->tok < y->tok ? -1 : 1;
    return (x->tech > y->tech) - (x->tech < y->tech);
}

typedef struct builder {
    ap_model *m;
    const ap_asn_db *asn;
    const cl_crit_table *crit;
    uint32_t *sess_incident;  /* per cl_data session: model incident index, UINT32_MAX = none */
    uint64_t *infra;          /* per model incident: its infrastructure tokens (<= 4) */
    uint8_t *ninfra;
    agg_pair *pairs;
    size_t npairs, pairs_cap;
    agg_run *runs;
    size_t runs_cap;
} builder;

static ap_status push_pair(builder *b, uint64_t tok, uint32_t inc, uint32_t sess)
{
    if (ap_grow(&b->pairs, &b->pairs_cap, b->npairs, sizeof *b->pairs, 4096) != 0)
        return AP_ERR_NOMEM;
    b->pairs[b->npairs++] = (agg_pair){tok, inc, sess};
    return AP_OK;
}

static int wanted(const cl_data *d, uint64_t tok, int techniques_only)
{
    cl_kind k = cl_token_kind(tok);
    if (k == TK_TECH)
        return 1;
    if (k == TK_NGRAM) /* statements with a text (unigrams) give technique examples */
        return cl_label_of(d, tok) != NULL;
    return !techniques_only && ioc_kind_of(k) >= 0;
}

typedef struct aggregate {
    ap_model_technique *techniques;
    size_t ntechniques;
    ap_model_ioc *iocs;
    size_t niocs;
    ap_model_day *days;
    size_t ndays;
    uint64_t *tech_tok;        /* the techniques' tokens and incident counts (for tactics) */
    uint32_t *tech_incidents;
} aggregate;

static void *arena_array(ap_arena *a, size_t n, size_t size)
{
    return ap_arena_alloc(a, (n ? n : 1) * size);
}

static int cmp_ioc(const void *a, const void *b)
{
    const ap_model_ioc *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->sessions != y->sessions)
        return x->sessions > y->sessions ? -1 : 1;
    return strcmp(x->value, y->value);
}

static int cmp_tech(const void *a, const void *b)
{
    const ap_model_technique *x = a, *y = b;
    if (x->sessions != y->sessions)
        return x->sessions > y->sessions ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Aggregates the sessions sess[0..n-1] (cl_data indices). */
static ap_status aggregate_sessions(builder *b, const uint32_t *sess, size_t n, int techniques_only,
                                    aggregate *out)
{
    ap_model *m = b->m;
    cl_data *d = &m->d;
    memset(out, 0, sizeof *out);
    b->npairs = 0;
    ap_status s = AP_OK;
    for (size_t i = 0; i < n && s == AP_OK; i++) {
        const cl_session *se = &d->sessions[sess[i]];
        uint32_t inc = b->sess_incident[sess[i]];
        for (uint32_t t = 0; t < se->tok_n && s == AP_OK; t++) {
            uint64_t tok = d->tok.v[se->tok_off + t];
            if (wanted(d, tok, techniques_only))
                s = push_pair(b, tok, inc, sess[i]);
        }
        if (techniques_only || s != AP_OK)
            continue;
        for (uint8_t k = 0; k < b->ninfra[inc] && s == AP_OK; k++)
            s = push_pair(b, b->infra[(size_t)inc * 4 + k], inc, sess[i]);
        if (s == AP_OK && se->tool && se->client)
            s = push_pair(b, se->tool, inc, sess[i]);
    }
    if (s != AP_OK)
        return s;
    if (b->npairs)
        qsort(b->pairs, b->npairs, sizeof *b->pairs, cmp_pair);
    /* runs of one token */
    size_t nruns = 0;
    for (size_t i = 0; i < b->npairs;) {
        size_t j = i;
        agg_run r = {b->pairs[i].tok, 0, 0, INT64_MAX, INT64_MIN};
        uint32_t last_inc = UINT32_MAX;
        for (; j < b->npairs && b->pairs[j].tok == r.tok; j++) {
            const cl_session *se = &d->sessions[b->pairs[j].session];
            r.sessions++;
            if (b->pairs[j].incident != last_inc) {
                r.incidents++;
                last_inc = b->pairs[j].incident;
            }
            if (se->start_us < r.first_us)
                r.first_us = se->start_us;
            if (se->end_us > r.last_us)
                r.last_us = se->end_us;
        }
        if (ap_grow(&b->runs, &b->runs_cap, nruns, sizeof *b->runs, 1024) != 0)
            return AP_ERR_NOMEM;
        b->runs[nruns++] = r;
        i = j;
    }
    if (nruns)
        qsort(b->runs, nruns, sizeof *b->runs, cmp_run_sessions);
    size_t ntech = 0, nioc = 0;
    for (size_t i = 0; i < nruns; i++) {
        cl_kind k = cl_token_kind(b->runs[i].tok);
        if (k == TK_TECH)
            ntech++;
        else if (k != TK_NGRAM)
            nioc++;
    }
    out->techniques = arena_array(&m->mem, ntech, sizeof *out->techniques);
    out->tech_tok = arena_array(&m->mem, ntech, sizeof *out->tech_tok);
    out->tech_incidents = arena_array(&m->mem, ntech, sizeof *out->tech_incidents);
    out->iocs = arena_array(&m->mem, nioc, sizeof *out->iocs);
    if (!out->techniques || !out->tech_tok || !out->tech_incidents || !out->iocs)
        return AP_ERR_NOMEM;
    for (size_t i = 0; i < nruns; i++) {
        const agg_run *r = &b->runs[i];
        cl_kind k = cl_token_kind(r->tok);
        if (k == TK_TECH) {
            const uint32_t *ti = ap_idmap_get(&d->tech_idx, r->tok);
            if (!ti)
                continue;
            ap_model_technique *t = &out->techniques[out->ntechniques];
            t->id = d->tech_names[*ti];
            t->name = d->tech_title[*ti] ? d->tech_title[*ti] : "";
            t->tactics = d->tech_tactic[*ti] ? d->tech_tactic[*ti] : "";
            t->sessions = r->sessions;
            t->incidents = r->incidents;
            t->example = NULL;
            out->tech_tok[out->ntechniques] = r->tok;
            out->tech_incidents[out->ntechniques] = (uint32_t)r->incidents;
            out->ntechniques++;
        } else if (k != TK_NGRAM) {
            const char *v = cl_label_of(d, r->tok);
            int ik = ioc_kind_of(k);
            if (!v || ik < 0 || (ik == AP_MODEL_IOC_SHA256 && !is_sha256(v)))
                continue;
            out->iocs[out->niocs++] =
                (ap_model_ioc){(ap_model_ioc_kind)ik, v, r->sessions, r->incidents, r->first_us,
                               r->last_us};
        }
    }
    /* examples: the most used statement that showed each technique (runs are by sessions) */
    for (size_t i = 0; i < nruns; i++) {
        if (cl_token_kind(b->runs[i].tok) != TK_NGRAM)
            continue;
        struct cl_normal_tech key = {b->runs[i].tok, 0, 0};
        size_t lo = 0, hi = d->nnormal_tech;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (cmp_normal_tech(&d->normal_tech[mid], &key) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (; lo < d->nnormal_tech && d->normal_tech[lo].tok == key.tok; lo++) {
            const char *id = d->tech_names[d->normal_tech[lo].tech];
            for (size_t t = 0; t < out->ntechniques; t++)
                if (!out->techniques[t].example && !strcmp(out->techniques[t].id, id))
                    out->techniques[t].example = cl_label_of(d, key.tok);
        }
    }
    qsort(out->techniques, out->ntechniques, sizeof *out->techniques, cmp_tech);
    /* tech_tok/tech_incidents only feed the tactic summary: their order does not matter */
    qsort(out->iocs, out->niocs, sizeof *out->iocs, cmp_ioc);
    /* activity per UTC day */
    const int64_t day = INT64_C(86400000000);
    int64_t *starts = malloc((n ? n : 1) * sizeof *starts);
    if (!starts)
        return AP_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        int64_t t = d->sessions[sess[i]].start_us;
        starts[i] = (t >= 0 ? t / day : (t - day + 1) / day) * day;
    }
    /* sessions come in time order within incidents, not overall: count after a sort */
    qsort(starts, n, sizeof *starts, cmp_i64);
    size_t nd = 0;
    for (size_t i = 0; i < n; i++)
        nd += !i || starts[i] != starts[i - 1];
    out->days = arena_array(&m->mem, nd, sizeof *out->days);
    if (!out->days) {
        free(starts);
        return AP_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        if (!i || starts[i] != starts[i - 1])
            out->days[out->ndays++] = (ap_model_day){starts[i], 0, 0};
        out->days[out->ndays - 1].sessions++;
    }
    free(starts);
    return AP_OK;
}

/* Incidents started per day, over the incidents idx[0..n-1]. */
static void count_incident_days(const ap_model *m, const size_t *idx, size_t n, ap_model_day *days,
                                size_t ndays)
{
    const int64_t day = INT64_C(86400000000);
    for (size_t i = 0; i < n; i++) {
        int64_t t = m->incidents[idx[i]].first_us;
        int64_t dd = (t >= 0 ? t / day : (t - day + 1) / day) * day;
        size_t lo = 0, hi = ndays;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (days[mid].day_us < dd)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < ndays && days[lo].day_us == dd)
            days[lo].incidents++;
    }
}

/* ---- building ------------------------------------------------------------------------------- */

typedef struct sess_key {
    int64_t incident, start;
    uint32_t idx;
    uint32_t pad_;
} sess_key;

static int cmp_sess_key(const void *a, const void *b)
{
    const sess_key *x = a, *y = b;
    if (x->incident != y->incident)
        return x->incident < y->incident ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

static const ap_model *sort_m_;
static int64_t group_key(const ap_model *m, size_t i, int by_actor)
{
    return by_actor ? m->incidents[i].actor : m->incidents[i].campaign;
}
static int cmp_inc_campaign(const void *a, const void *b)
{
    const ap_model_incident *x = &sort_m_->incidents[*(const size_t *)a];
    const ap_model_incident *y = &sort_m_->incidents[*(const size_t *)b];
    if (x->campaign != y->campaign)
        return x->campaign < y->campaign ? -1 : 1;
    if (x->first_us != y->first_us)
        return x->first_us < y->first_us ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}
static int cmp_inc_actor(const void *a, const void *b)
{
    const ap_model_incident *x = &sort_m_->incidents[*(const size_t *)a];
    const ap_model_incident *y = &sort_m_->incidents[*(const size_t *)b];
    if (x->actor != y->actor)
        return x->actor < y->actor ? -1 : 1;
    if (x->first_us != y->first_us)
        return x->first_us < y->first_us ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}
static int cmp_campaign_score(const void *a, const void *b)
{
    const ap_model_campaign *x = &sort_m_->campaigns[*(const size_t *)a];
    const ap_model_campaign *y = &sort_m_->campaigns[*(const size_t *)b];
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static const char *label_or_empty(const cl_data *d, uint64_t tok)
{
    const char *l = cl_label_of(d, tok);
    return l ? l : "";
}

/* Groups the clustered sessions into the stored incidents. */
static ap_status build_incidents(builder *b, uint32_t **sess_order)
{
    ap_model *m = b->m;
    cl_data *d = &m->d;
    sess_key *k = malloc((d->nsessions ? d->nsessions : 1) * sizeof *k);
    b->sess_incident = malloc((d->nsessions ? d->nsessions : 1) * sizeof *b->sess_incident);
    *sess_order = malloc((d->nsessions ? d->nsessions : 1) * sizeof **sess_order);
    if (!k || !b->sess_incident || !*sess_order) {
        free(k);
        return AP_ERR_NOMEM;
    }
    size_t n = 0;
    for (size_t i = 0; i < d->nsessions; i++) {
        b->sess_incident[i] = UINT32_MAX;
        const uint32_t *p = ap_idmap_get(&d->prev_idx, (uint64_t)d->sessions[i].id);
        if (p)
            k[n++] = (sess_key){d->prev[*p][0], d->sessions[i].start_us, (uint32_t)i, 0};
    }
    qsort(k, n, sizeof *k, cmp_sess_key);
    size_t ni = 0;
    for (size_t i = 0; i < n; i++)
        ni += !i || k[i].incident != k[i - 1].incident;
    m->incidents = arena_array(&m->mem, ni, sizeof *m->incidents);
    b->infra = calloc((ni ? ni : 1) * 4, sizeof *b->infra);
    b->ninfra = calloc(ni ? ni : 1, 1);
    ap_status s = m->incidents && b->infra && b->ninfra ? AP_OK : AP_ERR_NOMEM;
    cl_u64v tmp = {0};
    for (size_t i = 0; i < n && s == AP_OK;) {
        size_t j = i;
        const cl_session *first = &d->sessions[k[i].idx];
        const uint32_t *p = ap_idmap_get(&d->prev_idx, (uint64_t)first->id);
        ap_model_incident *inc = &m->incidents[m->nincidents];
        inc->id = k[i].incident;
        inc->campaign = d->prev[*p][1];
        inc->actor = d->prev[*p][2];
        inc->src_ip = first->ip;
        inc->client = "";
        inc->hassh = "";
        inc->first_us = first->start_us;
        inc->last_us = first->end_us;
        for (; j < n && k[j].incident == k[i].incident; j++) {
            const cl_session *se = &d->sessions[k[j].idx];
            b->sess_incident[k[j].idx] = (uint32_t)m->nincidents;
            (*sess_order)[j] = k[j].idx;
            if (se->end_us > inc->last_us)
                inc->last_us = se->end_us;
            if (!*inc->client && se->client)
                inc->client = se->client;
            if (!*inc->hassh && se->hassh)
                inc->hassh = se->hassh;
        }
        inc->sessions = j - i;
        tmp.n = 0;
        if ((s = cl_add_infra(d, &tmp, first, b->asn)) != AP_OK)
            break;
        inc->net = inc->asn = "";
        for (size_t t = 0; t < tmp.n && t < 4; t++) {
            b->infra[m->nincidents * 4 + t] = tmp.v[t];
            cl_kind kd = cl_token_kind(tmp.v[t]);
            if (kd == TK_NET)
                inc->net = label_or_empty(d, tmp.v[t]);
            else if (kd == TK_ASN)
                inc->asn = label_or_empty(d, tmp.v[t]);
        }
        b->ninfra[m->nincidents] = (uint8_t)(tmp.n < 4 ? tmp.n : 4);
        m->nincidents++;
        i = j;
    }
    cl_u64v_free(&tmp);
    free(k);
    return s;
}

/* Sessions of incidents idx[0..n-1], into a malloc'd array. */
static ap_status sessions_of(const ap_model *m, const uint32_t *sess_order,
                             const size_t *inc_first, const size_t *idx, size_t n, uint32_t **out,
                             size_t *nout)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += m->incidents[idx[i]].sessions;
    uint32_t *v = malloc((total ? total : 1) * sizeof *v);
    if (!v)
        return AP_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (uint64_t j = 0; j < m->incidents[idx[i]].sessions; j++)
            v[k++] = sess_order[inc_first[idx[i]] + j];
    *out = v;
    *nout = k;
    return AP_OK;
}

/* The incidents with a campaign (by_actor 0) or an actor (1), sorted by that id then time, and
 * how many groups they form. *idx is malloc'd. */
static ap_status group_incidents(const ap_model *m, int by_actor, size_t **idx, size_t *k,
                                 size_t *ngroups)
{
    size_t n = m->nincidents;
    *idx = malloc((n ? n : 1) * sizeof **idx);
    if (!*idx)
        return AP_ERR_NOMEM;
    *k = 0;
    for (size_t i = 0; i < n; i++)
        if ((by_actor ? m->incidents[i].actor : m->incidents[i].campaign) > 0)
            (*idx)[(*k)++] = i;
    sort_m_ = m;
    qsort(*idx, *k, sizeof **idx, by_actor ? cmp_inc_actor : cmp_inc_campaign);
    sort_m_ = NULL;
    *ngroups = 0;
    for (size_t i = 0; i < *k; i++)
        *ngroups += !i || group_key(m, (*idx)[i], by_actor) != group_key(m, (*idx)[i - 1], by_actor);
    return AP_OK;
}

/* Sessions, first and last seen, and the aggregate of the incidents idx[0..n-1]. */
static ap_status summarise_group(builder *b, const uint32_t *sess_order, const size_t *inc_first,
                                 const size_t *idx, size_t n, uint64_t *sessions,
                                 int64_t *first_us, int64_t *last_us, aggregate *a)
{
    const ap_model *m = b->m;
    *sessions = 0;
    *first_us = INT64_MAX;
    *last_us = INT64_MIN;
    for (size_t q = 0; q < n; q++) {
        const ap_model_incident *inc = &m->incidents[idx[q]];
        *sessions += inc->sessions;
        if (inc->first_us < *first_us)
            *first_us = inc->first_us;
        if (inc->last_us > *last_us)
            *last_us = inc->last_us;
    }
    uint32_t *sess = NULL;
    size_t ns = 0;
    ap_status s = sessions_of(m, sess_order, inc_first, idx, n, &sess, &ns);
    if (s == AP_OK)
        s = aggregate_sessions(b, sess, ns, 0, a);
    free(sess);
    return s;
}

static ap_status build_campaigns(builder *b, const uint32_t *sess_order, const size_t *inc_first)
{
    ap_model *m = b->m;
    size_t *idx = NULL, k = 0, nc = 0;
    if (group_incidents(m, 0, &idx, &k, &nc) != AP_OK)
        return AP_ERR_NOMEM;
    m->campaigns = arena_array(&m->mem, nc, sizeof *m->campaigns);
    m->campaign_order = arena_array(&m->mem, nc, sizeof *m->campaign_order);
    ap_status s = m->campaigns && m->campaign_order ? AP_OK : AP_ERR_NOMEM;
    for (size_t i = 0; i < k && s == AP_OK;) {
        size_t j = i;
        while (j < k && m->incidents[idx[j]].campaign == m->incidents[idx[i]].campaign)
            j++;
        ap_model_campaign *c = &m->campaigns[m->ncampaigns];
        memset(c, 0, sizeof *c);
        c->id = m->incidents[idx[i]].campaign;
        c->actor = m->incidents[idx[i]].actor;
        c->incidents = j - i;
        size_t *own = arena_array(&m->mem, j - i, sizeof *own);
        if (!own) {
            s = AP_ERR_NOMEM;
            break;
        }
        memcpy(own, idx + i, (j - i) * sizeof *own);
        c->incidents_idx = own;
        c->nincidents_idx = j - i;
        aggregate a;
        if ((s = summarise_group(b, sess_order, inc_first, own, j - i, &c->sessions,
                                 &c->first_us, &c->last_us, &a)) != AP_OK)
            break;
        c->techniques = a.techniques;
        c->ntechniques = a.ntechniques;
        c->iocs = a.iocs;
        c->niocs = a.niocs;
        c->days = a.days;
        c->ndays = a.ndays;
        count_incident_days(m, own, j - i, a.days, a.ndays);
        char pt[64];
        cl_tactic_summary(&m->d, b->crit, a.tech_tok, a.tech_incidents, a.ntechniques,
                          c->incidents, pt, sizeof pt, &c->criticality);
        c->primary_tactic = ap_arena_strdup(&m->mem, pt);
        if (!c->primary_tactic) {
            s = AP_ERR_NOMEM;
            break;
        }
        const int64_t hour = INT64_C(3600000000);
        c->duration_hours = (double)(c->last_us / hour - c->first_us / hour + 1);
        c->score = (double)c->incidents * c->criticality / c->duration_hours;
        m->campaign_order[m->ncampaigns] = m->ncampaigns;
        m->ncampaigns++;
        i = j;
    }
    free(idx);
    if (s == AP_OK && m->ncampaigns) {
        sort_m_ = m;
        qsort(m->campaign_order, m->ncampaigns, sizeof *m->campaign_order, cmp_campaign_score);
        sort_m_ = NULL;
    }
    return s;
}

static ap_status build_actors(builder *b, const uint32_t *sess_order, const size_t *inc_first)
{
    ap_model *m = b->m;
    size_t *idx = NULL, k = 0, na = 0;
    if (group_incidents(m, 1, &idx, &k, &na) != AP_OK)
        return AP_ERR_NOMEM;
    m->actors = arena_array(&m->mem, na, sizeof *m->actors);
    ap_status s = m->actors ? AP_OK : AP_ERR_NOMEM;
    for (size_t i = 0; i < k && s == AP_OK;) {
        size_t j = i;
        while (j < k && m->incidents[idx[j]].actor == m->incidents[idx[i]].actor)
            j++;
        ap_model_actor *a = &m->actors[m->nactors];
        memset(a, 0, sizeof *a);
        a->id = m->incidents[idx[i]].actor;
        a->incidents = j - i;
        /* its campaigns, oldest first (incidents are in time order within the actor) */
        int64_t *camps = arena_array(&m->mem, j - i, sizeof *camps);
        if (!camps) {
            s = AP_ERR_NOMEM;
            break;
        }
        for (size_t q = i; q < j; q++) {
            int64_t cid = m->incidents[idx[q]].campaign;
            size_t t = 0;
            while (t < a->ncampaigns && camps[t] != cid)
                t++;
            if (t == a->ncampaigns && cid > 0)
                camps[a->ncampaigns++] = cid;
        }
        a->campaigns = camps;
        aggregate ag;
        if ((s = summarise_group(b, sess_order, inc_first, idx + i, j - i, &a->sessions,
                                 &a->first_us, &a->last_us, &ag)) != AP_OK)
            break;
        a->techniques = ag.techniques;
        a->ntechniques = ag.ntechniques;
        a->iocs = ag.iocs;
        a->niocs = ag.niocs;
        m->nactors++;
        i = j;
    }
    free(idx);
    return s;
}

static ap_status build_dataset(builder *b, const uint32_t *sess_order, size_t nclustered,
                               ap_store *store)
{
    ap_model *m = b->m;
    ap_model_dataset *ds = &m->dataset;
    ds->sessions = nclustered;
    ds->incidents = m->nincidents;
    ds->campaigns = m->ncampaigns;
    ds->actors = m->nactors;
    ds->first_us = INT64_MAX;
    ds->last_us = INT64_MIN;
    for (size_t i = 0; i < m->nincidents; i++) {
        if (m->incidents[i].first_us < ds->first_us)
            ds->first_us = m->incidents[i].first_us;
        if (m->incidents[i].last_us > ds->last_us)
            ds->last_us = m->incidents[i].last_us;
    }
    if (!m->nincidents)
        ds->first_us = ds->last_us = 0;
    aggregate a;
    ap_status s = aggregate_sessions(b, sess_order, nclustered, 1, &a);
    if (s != AP_OK)
        return s;
    ds->techniques = a.techniques;
    ds->ntechniques = a.ntechniques;
    /* "attack-18.1/rules-.../normalise-1" -> "18.1" */
    ap_arena tmp;
    ap_arena_init(&tmp, 1024);
    ap_str v = AP_STR_NULL;
    char version[32] = "";
    if (ap_store_meta_text(store, "map_version", &tmp, &v) == AP_OK && v.p && v.n > 7 &&
        !memcmp(v.p, "attack-", 7)) {
        size_t e = 7;
        while (e < v.n && v.p[e] != '/' && e - 7 < sizeof version - 1)
            e++;
        memcpy(version, v.p + 7, e - 7);
        version[e - 7] = '\0';
    }
    ap_arena_free(&tmp);
    ds->attack_version = ap_arena_strdup(&m->mem, version[0] ? version : "18.1");
    return ds->attack_version ? AP_OK : AP_ERR_NOMEM;
}

ap_status ap_model_open(ap_store *store, const ap_model_options *opt, ap_model **out, char *err,
                        size_t errlen)
{
    char dummy[8];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    *out = NULL;
    ap_model_options defaults;
    if (!opt) {
        ap_model_options_init(&defaults);
        opt = &defaults;
    }
    ap_model *m = calloc(1, sizeof *m);
    if (!m)
        return AP_ERR_NOMEM;
    cl_data_init(&m->d);
    ap_arena_init(&m->mem, 1 << 20);
    ap_asn_db *asn = NULL;
    cl_crit_table crit = {0};
    builder b = {.m = m};
    uint32_t *sess_order = NULL;
    size_t *inc_first = NULL;
    ap_status s = AP_OK;
    if (opt->asn_path && *opt->asn_path)
        s = ap_asn_open(opt->asn_path, opt->on_diag, opt->user, &asn, err, errlen);
    if (s == AP_OK)
        s = cl_crit_load(&crit, opt->criticality_path, opt->on_diag, opt->user, err, errlen);
    if (s == AP_OK && (s = cl_load(store, &m->d, err, errlen)) == AP_OK && m->d.nprev == 0) {
        ap_set_error(err, errlen, "nothing is clustered yet: run `actorprint cluster` first");
        s = AP_ERR_NOT_FOUND;
    }
    if (s == AP_OK && m->d.nnormal_tech)
        qsort(m->d.normal_tech, m->d.nnormal_tech, sizeof *m->d.normal_tech, cmp_normal_tech);
    b.asn = asn;
    b.crit = &crit;
    if (s == AP_OK)
        s = build_incidents(&b, &sess_order);
    if (s == AP_OK) {
        /* where each incident's sessions start in sess_order (incidents are in that order) */
        inc_first = malloc((m->nincidents ? m->nincidents : 1) * sizeof *inc_first);
        if (!inc_first) {
            s = AP_ERR_NOMEM;
        } else {
            size_t at = 0;
            for (size_t i = 0; i < m->nincidents; i++) {
                inc_first[i] = at;
                at += m->incidents[i].sessions;
            }
        }
    }
    if (s == AP_OK)
        s = build_campaigns(&b, sess_order, inc_first);
    if (s == AP_OK)
        s = build_actors(&b, sess_order, inc_first);
    if (s == AP_OK) {
        size_t nclustered = 0;
        for (size_t i = 0; i < m->nincidents; i++)
            nclustered += m->incidents[i].sessions;
        s = build_dataset(&b, sess_order, nclustered, store);
    }
    free(sess_order);
    free(inc_first);
    free(b.sess_incident);
    free(b.infra);
    free(b.ninfra);
    free(b.pairs);
    free(b.runs);
    cl_crit_free(&crit);
    if (asn)
        ap_asn_close(asn);
    if (s != AP_OK) {
        if (!err[0])
            ap_set_error(err, errlen, "%s",
                         s == AP_ERR_NOMEM ? "out of memory" : ap_store_errmsg(store));
        ap_model_close(m);
        return s;
    }
    *out = m;
    return AP_OK;
}

void ap_model_close(ap_model *m)
{
    if (!m)
        return;
    cl_data_free(&m->d);
    ap_arena_free(&m->mem);
    free(m);
}

size_t ap_model_campaign_count(const ap_model *m) { return m->ncampaigns; }

const ap_model_campaign *ap_model_campaign_at(const ap_model *m, size_t i)
{
    return i < m->ncampaigns ? &m->campaigns[m->campaign_order[i]] : NULL;
}

const ap_model_campaign *ap_model_campaign_find(const ap_model *m, int64_t id)
{
    /* campaigns are built in id order */
    size_t lo = 0, hi = m->ncampaigns;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->campaigns[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->ncampaigns && m->campaigns[lo].id == id ? &m->campaigns[lo] : NULL;
}

size_t ap_model_actor_count(const ap_model *m) { return m->nactors; }

const ap_model_actor *ap_model_actor_at(const ap_model *m, size_t i)
{
    return i < m->nactors ? &m->actors[i] : NULL;
}

const ap_model_actor *ap_model_actor_find(const ap_model *m, int64_t id)
{
    size_t lo = 0, hi = m->nactors;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->actors[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->nactors && m->actors[lo].id == id ? &m->actors[lo] : NULL;
}

size_t ap_model_incident_count(const ap_model *m) { return m->nincidents; }

const ap_model_incident *ap_model_incident_at(const ap_model *m, size_t i)
{
    return i < m->nincidents ? &m->incidents[i] : NULL;
}

const ap_model_dataset *ap_model_dataset_of(const ap_model *m) { return &m->dataset; }
