/* graph.c — the campaign graph of graph.h: collects the nodes from the campaign model (the
 * selected campaigns, their incidents and actors, then every value node — address, ASN, key,
 * hash, URL, technique — once, by sorting the values and dropping repeats: n log n, no hash
 * table to size), and describes the graph as tables of typed columns that the Neo4j and
 * GraphML writers share. */
#include "share/graph.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "share/export.h"

const char *ap_graph_number(double d, char *buf, size_t n)
{
    if (n < 4) {
        if (n)
            buf[0] = '\0';
        return buf;
    }
    if (!(fabs(d) < 1e15)) { /* never for the model's numbers; keeps the text short */
        snprintf(buf, n, "%.6e", d);
        char *plus = strchr(buf, '+'); /* "1.5e+20" -> "1.5e20": Cypher has no '+' there */
        if (plus)
            memmove(plus, plus + 1, strlen(plus));
        return buf;
    }
    int w = snprintf(buf, n, "%.6f", d);
    size_t len = w < 0 ? 0 : (size_t)w < n ? (size_t)w : n - 1;
    if (memchr(buf, '.', len)) {
        while (len > 0 && buf[len - 1] == '0')
            len--;
        if (len > 0 && buf[len - 1] == '.')
            len++; /* keep one zero */
    }
    buf[len] = '\0';
    return buf;
}

ap_str ap_graph_asn_id(const char *asn)
{
    if (!asn || !asn[0])
        return ap_str_make(asn, 0);
    size_t n = strcspn(asn, " \t");
    return ap_str_make(asn, n);
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_str(ap_str a, ap_str b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    int c = n ? memcmp(a.p, b.p, n) : 0;
    return c ? c : (a.n > b.n) - (a.n < b.n);
}

static int cmp_campaign_id(const void *a, const void *b)
{
    int64_t x = (*(const ap_model_campaign *const *)a)->id;
    int64_t y = (*(const ap_model_campaign *const *)b)->id;
    return (x > y) - (x < y);
}

static int cmp_incident_id(const void *a, const void *b)
{
    int64_t x = (*(const ap_model_incident *const *)a)->id;
    int64_t y = (*(const ap_model_incident *const *)b)->id;
    return (x > y) - (x < y);
}

static int cmp_actor_id(const void *a, const void *b)
{
    int64_t x = (*(const ap_model_actor *const *)a)->id;
    int64_t y = (*(const ap_model_actor *const *)b)->id;
    return (x > y) - (x < y);
}

static int cmp_technique_id(const void *a, const void *b)
{
    return strcmp((*(const ap_model_technique *const *)a)->id,
                  (*(const ap_model_technique *const *)b)->id);
}

/* Address first; among equal addresses one with an ASN first, so the survivor keeps it. */
static int cmp_ip(const void *a, const void *b)
{
    const ap_graph_ip *x = a, *y = b;
    int c = strcmp(x->ip, y->ip);
    if (c)
        return c;
    if ((x->asn_id.n == 0) != (y->asn_id.n == 0))
        return x->asn_id.n == 0 ? 1 : -1;
    return cmp_str(x->asn_id, y->asn_id);
}

static int cmp_asn(const void *a, const void *b)
{
    const ap_graph_asn *x = a, *y = b;
    int c = cmp_str(x->id, y->id);
    return c ? c : strcmp(x->name, y->name);
}

/* Sorts and drops repeats; returns the new count. */
static size_t unique_cstr(const char **v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_cstr);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (strcmp(v[i], v[k - 1]) != 0)
            v[k++] = v[i];
    return k;
}

void ap_graph_free(ap_graph *g)
{
    free(g->campaigns);
    free(g->incidents);
    free(g->actors);
    free(g->ips);
    free(g->asns);
    free(g->keys);
    free(g->hashes);
    free(g->urls);
    free(g->techniques);
    memset(g, 0, sizeof *g);
}

/* calloc that treats 0 items as 1 (a valid pointer either way) */
static void *alloc_n(size_t n, size_t size) { return calloc(n ? n : 1, size); }

static ap_status collect_values(ap_graph *g)
{
    size_t nkeys = 0, nhashes = 0, nurls = 0, ntech = 0;
    for (size_t i = 0; i < g->ncampaigns; i++) {
        const ap_model_campaign *c = g->campaigns[i];
        ntech += c->ntechniques;
        for (size_t j = 0; j < c->niocs; j++) {
            ap_model_ioc_kind k = c->iocs[j].kind;
            nkeys += k == AP_MODEL_IOC_SSH_KEY || k == AP_MODEL_IOC_CLIENT_KEY;
            nhashes += k == AP_MODEL_IOC_SHA256;
            nurls += k == AP_MODEL_IOC_URL;
        }
    }
    g->keys = alloc_n(nkeys, sizeof *g->keys);
    g->hashes = alloc_n(nhashes, sizeof *g->hashes);
    g->urls = alloc_n(nurls, sizeof *g->urls);
    g->techniques = alloc_n(ntech, sizeof *g->techniques);
    if (!g->keys || !g->hashes || !g->urls || !g->techniques)
        return AP_ERR_NOMEM;
    for (size_t i = 0; i < g->ncampaigns; i++) {
        const ap_model_campaign *c = g->campaigns[i];
        for (size_t j = 0; j < c->ntechniques; j++)
            if (c->techniques[j].id)
                g->techniques[g->ntechniques++] = &c->techniques[j];
        for (size_t j = 0; j < c->niocs; j++) {
            const ap_model_ioc *x = &c->iocs[j];
            if (!x->value || !x->value[0])
                continue;
            if (x->kind == AP_MODEL_IOC_SSH_KEY || x->kind == AP_MODEL_IOC_CLIENT_KEY)
                g->keys[g->nkeys++] = x->value;
            else if (x->kind == AP_MODEL_IOC_SHA256)
                g->hashes[g->nhashes++] = x->value;
            else if (x->kind == AP_MODEL_IOC_URL)
                g->urls[g->nurls++] = x->value;
        }
    }
    g->nkeys = unique_cstr(g->keys, g->nkeys);
    g->nhashes = unique_cstr(g->hashes, g->nhashes);
    g->nurls = unique_cstr(g->urls, g->nurls);
    if (g->ntechniques) {
        qsort(g->techniques, g->ntechniques, sizeof *g->techniques, cmp_technique_id);
        size_t k = 1;
        for (size_t i = 1; i < g->ntechniques; i++)
            if (strcmp(g->techniques[i]->id, g->techniques[k - 1]->id) != 0)
                g->techniques[k++] = g->techniques[i];
        g->ntechniques = k;
    }
    return AP_OK;
}

static ap_status collect_network(ap_graph *g)
{
    g->ips = alloc_n(g->nincidents, sizeof *g->ips);
    g->asns = alloc_n(g->nincidents, sizeof *g->asns);
    if (!g->ips || !g->asns)
        return AP_ERR_NOMEM;
    for (size_t i = 0; i < g->nincidents; i++) {
        const ap_model_incident *x = g->incidents[i];
        if (!x->src_ip || !x->src_ip[0])
            continue;
        ap_str asn = ap_graph_asn_id(x->asn);
        g->ips[g->nips++] = (ap_graph_ip){x->src_ip, asn};
        if (asn.n)
            g->asns[g->nasns++] = (ap_graph_asn){asn, x->asn};
    }
    if (g->nips) {
        qsort(g->ips, g->nips, sizeof *g->ips, cmp_ip);
        size_t k = 1;
        for (size_t i = 1; i < g->nips; i++)
            if (strcmp(g->ips[i].ip, g->ips[k - 1].ip) != 0)
                g->ips[k++] = g->ips[i];
        g->nips = k;
    }
    if (g->nasns) {
        qsort(g->asns, g->nasns, sizeof *g->asns, cmp_asn);
        size_t k = 1;
        for (size_t i = 1; i < g->nasns; i++)
            if (cmp_str(g->asns[i].id, g->asns[k - 1].id) != 0)
                g->asns[k++] = g->asns[i];
        g->nasns = k;
    }
    return AP_OK;
}

ap_status ap_graph_build(const ap_model *m, const ap_export_options *opt, ap_graph *g)
{
    memset(g, 0, sizeof *g);
    g->m = m;
    int everything = opt->campaign <= 0 && opt->actor <= 0;
    size_t nc = ap_model_campaign_count(m);
    g->campaigns = alloc_n(nc, sizeof *g->campaigns);
    g->actors = alloc_n(nc, sizeof *g->actors);
    if (!g->campaigns || !g->actors)
        goto nomem;
    size_t ninc = 0;
    for (size_t i = 0; i < nc; i++) {
        const ap_model_campaign *c = ap_model_campaign_at(m, i);
        if (!c || !ap_export_selects_campaign(opt, c))
            continue;
        g->campaigns[g->ncampaigns++] = c;
        ninc += c->nincidents_idx;
        const ap_model_actor *a = c->actor > 0 ? ap_model_actor_find(m, c->actor) : NULL;
        if (a)
            g->actors[g->nactors++] = a;
    }
    qsort(g->campaigns, g->ncampaigns, sizeof *g->campaigns, cmp_campaign_id);
    if (g->nactors) {
        qsort(g->actors, g->nactors, sizeof *g->actors, cmp_actor_id);
        size_t k = 1;
        for (size_t i = 1; i < g->nactors; i++)
            if (g->actors[i]->id != g->actors[k - 1]->id)
                g->actors[k++] = g->actors[i];
        g->nactors = k;
    }

    if (everything) {
        size_t n = ap_model_incident_count(m);
        if (!(g->incidents = alloc_n(n, sizeof *g->incidents)))
            goto nomem;
        for (size_t i = 0; i < n; i++) {
            const ap_model_incident *x = ap_model_incident_at(m, i);
            if (x)
                g->incidents[g->nincidents++] = x;
        }
    } else {
        if (!(g->incidents = alloc_n(ninc, sizeof *g->incidents)))
            goto nomem;
        for (size_t i = 0; i < g->ncampaigns; i++) {
            const ap_model_campaign *c = g->campaigns[i];
            for (size_t j = 0; j < c->nincidents_idx; j++) {
                const ap_model_incident *x = ap_model_incident_at(m, c->incidents_idx[j]);
                if (x)
                    g->incidents[g->nincidents++] = x;
            }
        }
    }
    qsort(g->incidents, g->nincidents, sizeof *g->incidents, cmp_incident_id);

    if (collect_network(g) != AP_OK || collect_values(g) != AP_OK)
        goto nomem;
    return AP_OK;
nomem:
    ap_graph_free(g);
    return AP_ERR_NOMEM;
}

/* ---- value helpers ---- */

static void v_id(ap_graph_val *v, char prefix, int64_t id)
{
    v->present = id > 0;
    snprintf(v->buf, sizeof v->buf, "%c-%" PRId64, prefix, id);
    v->s = ap_str_c(v->buf);
}

/* Attacker or table text; "" is no property. */
static void v_str(ap_graph_val *v, const char *s)
{
    v->present = s && s[0];
    v->s = ap_str_c(s);
}

static void v_sv(ap_graph_val *v, ap_str s)
{
    v->present = s.p && s.n;
    v->s = s;
}

static void v_int(ap_graph_val *v, int64_t i)
{
    v->present = 1;
    v->i = i;
}

static void v_time(ap_graph_val *v, int64_t us)
{
    v->present = us != 0;
    v->i = us;
}

static void v_double(ap_graph_val *v, double d)
{
    v->present = isfinite(d);
    v->d = d;
}

static void clear(ap_graph_val *v, size_t n) { memset(v, 0, n * sizeof *v); }

/* ---- node tables ---- */

static const ap_graph_col campaign_cols[] = {{"id", AP_GCOL_ID},
                                             {"name", AP_GCOL_STR},
                                             {"actor", AP_GCOL_STR},
                                             {"incidents", AP_GCOL_INT},
                                             {"sessions", AP_GCOL_LONG},
                                             {"first_seen", AP_GCOL_TIME},
                                             {"last_seen", AP_GCOL_TIME},
                                             {"duration_hours", AP_GCOL_DOUBLE},
                                             {"criticality", AP_GCOL_DOUBLE},
                                             {"score", AP_GCOL_DOUBLE},
                                             {"primary_tactic", AP_GCOL_STR}};

static ap_status each_campaign(const ap_graph *g, const ap_graph_table *t, ap_graph_row_fn row,
                               void *ctx)
{
    ap_graph_val v[AP_GRAPH_MAX_COLS];
    for (size_t i = 0; i < g->ncampaigns; i++) {
        const ap_model_campaign *c = g->campaigns[i];
        clear(v, t->ncols);
        v_id(&v[0], 'C', c->id);
        v_id(&v[1], 'C', c->id);
        v_id(&v[2], 'A', c->actor);
        v_int(&v[3], (int64_t)c->incidents);
        v_int(&v[4], (int64_t)c->sessions);
        v_time(&v[5], c->first_us);
        v_time(&v[6], c->last_us);
        v_double(&v[7], c->duration_hours);
        v_double(&v[8], c->criticality);
        v_double(&v[9], c->score);
        v_str(&v[10], c->primary_tactic);
        ap_status st = row(ctx, t, v);
        if (st != AP_OK)
            return st;
    }
    return AP_OK;
}

static const ap_graph_col incident_cols[] = {
    {"id", AP_GCOL_ID},          {"name", AP_GCOL_STR},      {"campaign", AP_GCOL_STR},
    {"actor", AP_GCOL_STR},      {"sessions", AP_GCOL_LONG}, {"first_seen", AP_GCOL_TIME},
    {"last_seen", AP_GCOL_TIME}, {"src_ip", AP_GCOL_STR},    {"net", AP_GCOL_STR},
    {"asn", AP_GCOL_STR},        {"client", AP_GCOL_STR},    {"hassh", AP_GCOL_STR}};

static ap_status each_incident(const ap_graph *g, const ap_graph_table *t, ap_graph_row_fn row,
                               void *ctx)
{
    ap_graph_val v[AP_GRAPH_MAX_COLS];
    for (size_t i = 0; i < g->nincidents; i++) {
        const ap_model_incident *x = g->incidents[i];
        clear(v, t->ncols);
        v_id(&v[0], 'I', x->id);
        v_id(&v[1], 'I', x->id);
        v_id(&v[2], 'C', x->campaign);
        v_id(&v[3], 'A', x->actor);
        v_int(&v[4], (int64_t)x->sessions);
        v_time(&v[5], x->first_us);
        v_time(&v[6], x->last_us);
        v_str(&v[7], x->src_ip);
        v_str(&v[8], x->net);
        v_str(&v[9], x->asn);
        v_str(&v[10], x->client);
        v_str(&v[11], x->hassh);
        ap_status st = row(ctx, t, v);
        if (st != AP_OK)
            return st;
    }
    return AP_OK;
}

static const ap_graph_col actor_cols[] = {{"id", AP_GCOL_ID},         {"name", AP_GCOL_STR},
                                          {"campaigns", AP_GCOL_INT}, {"incidents", AP_GCOL_INT},
                                          {"sessions", AP_GCOL_LONG}, {"first_seen", AP_GCOL_TIME},
                                          {"last_seen", AP_GCOL_TIME}};

static ap_status each_actor(const ap_graph *g, const ap_graph_table *t, ap_graph_row_fn row,
                            void *ctx)
{
    ap_graph_val v[AP_GRAPH_MAX_COLS];
    for (size_t i = 0; i < g->nactors; i++) {
        const ap_model_actor *a = g->actors[i];
        clear(v, t->ncols);
        v_id(&v[0], 'A', a->id);
        v_id(&v[1], 'A', a->id);
        v_int(&v[2], (int64_t)a->ncampaigns);
        v_int(&v[3], (int64_t)a->incidents);
        v_int(&v[4], (int64_t)a->sessions);
        v_time(&v[5], a->first_us);
        v_time(&v[6], a->last_us);
        ap_status st = row(ctx, t, v);
        if (st != AP_OK)
            return st;
    }
    return AP_OK;
}

static const ap_graph_col ip_cols[] = {
    {"id", AP_GCOL_ID}, {"name", AP_GCOL_STR}, {"asn", AP_GCOL_STR}};

static ap_status each_ip(const ap_graph *g, const ap_graph_table *t, ap_graph_row_fn row, void *ctx)
{
    ap_graph_val v[AP_GRAPH_MAX_COLS];
    for (size_t i = 0; i < g->nips; i++) {
        clear(v, t->ncols);
        v_str(&v[0], g->ips[i].ip);
        v_str(&v[1], g->ips[i].ip);
        v_sv(&v[2], g->ips[i].asn_id);
        ap_status st = row(ctx, t, v);
        if (st != AP_OK)
            return st;
    }
    return AP_OK;
}

static const ap_graph_col value_cols[] = {{"id", AP_GCOL_ID}, {"name", AP_GCOL_STR}};

static ap_status each_asn(const ap_graph *g, const ap_graph_table *t, ap_graph_row_fn row,
                          void *ctx)
{
    ap_graph_val v[AP_GRAPH_MAX_COLS];
    for (size_t i = 0; i < g->nasns; i++) {
        clear(v, t->ncols);
        v_sv(&v[0], g->asns[i].id);
        v_str(&v[1], g->asns[i].name);
        ap_status st = row(ctx, t, v);
        if (st != AP_OK)
            return st;
    }
    return AP_OK;
}

static ap_status each_value(const char *const *values, size_t n, const ap_graph_table *t,
                            ap_graph_row_fn row, void *ctx)
{
    ap_graph_val v[AP_GRAPH_MAX_COLS];
    for (size_t i = 0; i < n; i++) {
        clear(v, t->ncols);
        v_str(&v[0], values[i]);
        v_str(&v[1], values[i]);
        ap_status st = row(ctx, t, v);
        if (st != AP_OK)
            return st;
    }
    return AP_OK;
}

static ap_status each_key(const ap_graph *g, const ap_graph_table *t, ap_graph_row_fn row,
                          void *ctx)
{
    return each_value(g->keys, g->nkeys, t, row, ctx);
}

static ap_status each_hash(const ap_graph *g, const ap_graph_table *t, ap_graph_row_fn row,
                           void *ctx)
{
    return each_value(g->hashes, g->nhashes, t, row, ctx);
}

static ap_status each_url(const ap_graph *g, const ap_graph_table *t, ap_graph_row_fn row,
                          void *ctx)
{
    return each_value(g->urls, g->nurls, t, row, ctx);
}

static const ap_graph_col technique_cols[] = {
    {"id", AP_GCOL_ID}, {"name", AP_GCOL_STR}, {"tactics", AP_GCOL_STRLIST}};

static ap_status each_technique(const ap_graph *g, const ap_graph_table *t, ap_graph_row_fn row,
                                void *ctx)
{
    ap_graph_val v[AP_GRAPH_MAX_COLS];
    for (size_t i = 0; i < g->ntechniques; i++) {
        const ap_model_technique *x = g->techniques[i];
        clear(v, t->ncols);
        v_str(&v[0], x->id);
        v_str(&v[1], x->name);
        v_str(&v[2], x->tactics);
        ap_status st = row(ctx, t, v);
        if (st != AP_OK)
            return st;
    }
    return AP_OK;
}

/* ---- relationship tables ---- */

static const ap_graph_col link_cols[] = {{"", AP_GCOL_START}, {"", AP_GCOL_END}};

static ap_status each_contains(const ap_graph *g, const ap_graph_table *t, ap_graph_row_fn row,
                               void *ctx)
{
    ap_graph_val v[AP_GRAPH_MAX_COLS];
    for (size_t i = 0; i < g->ncampaigns; i++) {
        const ap_model_campaign *c = g->campaigns[i];
        for (size_t j = 0; j < c->nincidents_idx; j++) {
            const ap_model_incident *x = ap_model_incident_at(g->m, c->incidents_idx[j]);
            if (!x)
                continue;
            clear(v, t->ncols);
            v_id(&v[0], 'C', c->id);
            v_id(&v[1], 'I', x->id);
            ap_status st = row(ctx, t, v);
            if (st != AP_OK)
                return st;
        }
    }
    return AP_OK;
}

static ap_status each_attributed(const ap_graph *g, const ap_graph_table *t, ap_graph_row_fn row,
                                 void *ctx)
{
    ap_graph_val v[AP_GRAPH_MAX_COLS];
    for (size_t i = 0; i < g->ncampaigns; i++) {
        const ap_model_campaign *c = g->campaigns[i];
        if (c->actor <= 0 || !ap_model_actor_find(g->m, c->actor))
            continue;
        clear(v, t->ncols);
        v_id(&v[0], 'C', c->id);
        v_id(&v[1], 'A', c->actor);
        ap_status st = row(ctx, t, v);
        if (st != AP_OK)
            return st;
    }
    return AP_OK;
}

static const ap_graph_col uses_cols[] = {{"", AP_GCOL_START},
                                         {"", AP_GCOL_END},
                                         {"sessions", AP_GCOL_LONG},
                                         {"incidents", AP_GCOL_INT},
                                         {"example", AP_GCOL_STR}};

static ap_status each_uses(const ap_graph *g, const ap_graph_table *t, ap_graph_row_fn row,
                           void *ctx)
{
    ap_graph_val v[AP_GRAPH_MAX_COLS];
    for (size_t i = 0; i < g->ncampaigns; i++) {
        const ap_model_campaign *c = g->campaigns[i];
        for (size_t j = 0; j < c->ntechniques; j++) {
            const ap_model_technique *x = &c->techniques[j];
            if (!x->id || !x->id[0])
                continue;
            clear(v, t->ncols);
            v_id(&v[0], 'C', c->id);
            v_str(&v[1], x->id);
            v_int(&v[2], (int64_t)x->sessions);
            v_int(&v[3], (int64_t)x->incidents);
            v_str(&v[4], x->example);
            ap_status st = row(ctx, t, v);
            if (st != AP_OK)
                return st;
        }
    }
    return AP_OK;
}

static const ap_graph_col ioc_link_cols[] = {
    {"", AP_GCOL_START},          {"", AP_GCOL_END},
    {"sessions", AP_GCOL_LONG},   {"incidents", AP_GCOL_INT},
    {"first_seen", AP_GCOL_TIME}, {"last_seen", AP_GCOL_TIME}};

/* Campaign -> value node edges of one IOC kind. */
static ap_status each_ioc_link(const ap_graph *g, const ap_graph_table *t, ap_graph_row_fn row,
                               void *ctx, ap_model_ioc_kind kind)
{
    ap_graph_val v[AP_GRAPH_MAX_COLS];
    for (size_t i = 0; i < g->ncampaigns; i++) {
        const ap_model_campaign *c = g->campaigns[i];
        for (size_t j = 0; j < c->niocs; j++) {
            const ap_model_ioc *x = &c->iocs[j];
            if (x->kind != kind || !x->value || !x->value[0])
                continue;
            clear(v, t->ncols);
            v_id(&v[0], 'C', c->id);
            v_str(&v[1], x->value);
            v_int(&v[2], (int64_t)x->sessions);
            v_int(&v[3], (int64_t)x->incidents);
            v_time(&v[4], x->first_us);
            v_time(&v[5], x->last_us);
            ap_status st = row(ctx, t, v);
            if (st != AP_OK)
                return st;
        }
    }
    return AP_OK;
}

static ap_status each_url_link(const ap_graph *g, const ap_graph_table *t, ap_graph_row_fn row,
                               void *ctx)
{
    return each_ioc_link(g, t, row, ctx, AP_MODEL_IOC_URL);
}

static ap_status each_hash_link(const ap_graph *g, const ap_graph_table *t, ap_graph_row_fn row,
                                void *ctx)
{
    return each_ioc_link(g, t, row, ctx, AP_MODEL_IOC_SHA256);
}

static ap_status each_injected(const ap_graph *g, const ap_graph_table *t, ap_graph_row_fn row,
                               void *ctx)
{
    return each_ioc_link(g, t, row, ctx, AP_MODEL_IOC_SSH_KEY);
}

static ap_status each_offered(const ap_graph *g, const ap_graph_table *t, ap_graph_row_fn row,
                              void *ctx)
{
    return each_ioc_link(g, t, row, ctx, AP_MODEL_IOC_CLIENT_KEY);
}

static ap_status each_from(const ap_graph *g, const ap_graph_table *t, ap_graph_row_fn row,
                           void *ctx)
{
    ap_graph_val v[AP_GRAPH_MAX_COLS];
    for (size_t i = 0; i < g->nincidents; i++) {
        const ap_model_incident *x = g->incidents[i];
        if (!x->src_ip || !x->src_ip[0])
            continue;
        clear(v, t->ncols);
        v_id(&v[0], 'I', x->id);
        v_str(&v[1], x->src_ip);
        ap_status st = row(ctx, t, v);
        if (st != AP_OK)
            return st;
    }
    return AP_OK;
}

static ap_status each_in_asn(const ap_graph *g, const ap_graph_table *t, ap_graph_row_fn row,
                             void *ctx)
{
    ap_graph_val v[AP_GRAPH_MAX_COLS];
    for (size_t i = 0; i < g->nips; i++) {
        if (!g->ips[i].asn_id.n)
            continue;
        clear(v, t->ncols);
        v_str(&v[0], g->ips[i].ip);
        v_sv(&v[1], g->ips[i].asn_id);
        ap_status st = row(ctx, t, v);
        if (st != AP_OK)
            return st;
    }
    return AP_OK;
}

#define COLS(a) a, sizeof(a) / sizeof((a)[0])

static const ap_graph_table tables[] = {
    {"campaigns", "Campaign", NULL, NULL, COLS(campaign_cols), each_campaign},
    {"incidents", "Incident", NULL, NULL, COLS(incident_cols), each_incident},
    {"actors", "Actor", NULL, NULL, COLS(actor_cols), each_actor},
    {"ips", "IP", NULL, NULL, COLS(ip_cols), each_ip},
    {"asns", "ASN", NULL, NULL, COLS(value_cols), each_asn},
    {"ssh_keys", "SSHKey", NULL, NULL, COLS(value_cols), each_key},
    {"malware", "Malware", NULL, NULL, COLS(value_cols), each_hash},
    {"urls", "URL", NULL, NULL, COLS(value_cols), each_url},
    {"techniques", "Technique", NULL, NULL, COLS(technique_cols), each_technique},
    {"contains", "CONTAINS", "Campaign", "Incident", COLS(link_cols), each_contains},
    {"attributed_to", "ATTRIBUTED_TO", "Campaign", "Actor", COLS(link_cols), each_attributed},
    {"uses", "USES", "Campaign", "Technique", COLS(uses_cols), each_uses},
    {"downloaded_url", "DOWNLOADED", "Campaign", "URL", COLS(ioc_link_cols), each_url_link},
    {"downloaded_malware", "DOWNLOADED", "Campaign", "Malware", COLS(ioc_link_cols),
     each_hash_link},
    {"injected", "INJECTED", "Campaign", "SSHKey", COLS(ioc_link_cols), each_injected},
    {"offered", "OFFERED", "Campaign", "SSHKey", COLS(ioc_link_cols), each_offered},
    {"from", "FROM", "Incident", "IP", COLS(link_cols), each_from},
    {"in_asn", "IN_ASN", "IP", "ASN", COLS(link_cols), each_in_asn},
};
#define NTABLES (sizeof tables / sizeof tables[0])

size_t ap_graph_table_count(void) { return NTABLES; }

const ap_graph_table *ap_graph_table_at(size_t i) { return i < NTABLES ? &tables[i] : NULL; }

const ap_graph_table *ap_graph_table_find(const char *name)
{
    for (size_t i = 0; i < NTABLES; i++)
        if (!tables[i].start && strcmp(tables[i].name, name) == 0)
            return &tables[i];
    return NULL;
}

ap_status ap_graph_visit(const ap_graph *g, const ap_graph_table *t, ap_graph_row_fn row, void *ctx)
{
    return t->each(g, t, row, ctx);
}
