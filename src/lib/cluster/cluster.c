/* cluster.c — the cluster stage's entry point (ap_cluster_run): load the sessions, group them
 * into incidents, link incidents into campaigns and actors (link.c, or the seed's DBSCAN
 * recipe), number the result stably against the last run (ids.c), build the campaign table
 * (campaigns.c) and store it all. The accessors let the CLI and exporters read the result
 * without SQL.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster/cluster_internal.h"
#include "cluster/ids.h"
#include "cluster/tactics.h"
#include "cluster/numeric.h"
#include "store/store.h"
#include "understand/asn.h"

void ap_cluster_options_init(ap_cluster_options *o)
{
    memset(o, 0, sizeof *o);
    o->gap_us = INT64_C(30) * 60 * 1000000;
    o->method = AP_CLUSTER_LINKS;
    o->behaviour_jaccard = 0.5;
    o->eps = 0.3;
    o->min_samples = 3;
}

double cl_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

ap_status cl_prepare(ap_store *store, const ap_cluster_options *opt, cl_data *d, char *err,
                     size_t errlen)
{
    ap_asn_db *asn = NULL;
    ap_status s = AP_OK;
    if (opt->asn_path && *opt->asn_path &&
        (s = ap_asn_open(opt->asn_path, opt->on_diag, opt->user, &asn, err, errlen)) != AP_OK)
        return s;
    s = cl_load(store, d, err, errlen);
    if (s == AP_OK && (s = cl_build_incidents(d, opt->gap_us > 0 ? opt->gap_us : 1, asn)) != AP_OK)
        snprintf(err, errlen, "out of memory building incidents");
    if (asn)
        ap_asn_close(asn);
    return s;
}

/* DBSCAN over the incident feature vectors: campaign = actor = DBSCAN cluster. */
static ap_status dbscan_components(ap_cluster *c, const ap_cluster_options *opt, char *err,
                                   size_t errlen)
{
    cl_data *d = &c->d;
    cl_features f;
    ap_status s = cl_features_build(d, &f);
    if (s != AP_OK)
        return s;
    cl_standard_scale(&f.m);
    cl_dbscan_options o = {opt->eps, opt->min_samples > 0 ? opt->min_samples : 3};
    cl_dbscan_result r;
    memset(&r, 0, sizeof r);
    s = cl_dbscan(&f.m, &o, opt->kdist_plot != NULL || opt->eps <= 0, &r);
    if (s == AP_OK && opt->kdist_plot) {
        char title[96];
        snprintf(title, sizeof title, "k-distance, k = %d (%zu incidents)", o.min_samples,
                 d->nincidents);
        s = cl_kdist_plot(r.kdist, r.kdist_n, r.knee, r.eps, o.min_samples, title,
                          opt->kdist_plot, err, errlen);
    }
    if (s == AP_OK) {
        c->sum.dbscan_eps = r.eps;
        /* representative = the first incident of each cluster */
        uint32_t *rep = malloc((r.clusters ? r.clusters : 1) * sizeof *rep);
        if (!rep) {
            s = AP_ERR_NOMEM;
        } else {
            for (size_t k = 0; k < r.clusters; k++)
                rep[k] = UINT32_MAX;
            for (size_t i = 0; i < d->nincidents; i++) {
                int32_t l = r.labels[i];
                if (l >= 0 && rep[l] == UINT32_MAX)
                    rep[l] = (uint32_t)i;
                d->incidents[i].campaign = l >= 0 ? rep[l] : (uint32_t)i;
                d->incidents[i].actor = d->incidents[i].campaign;
            }
            free(rep);
        }
    }
    cl_dbscan_result_free(&r);
    cl_features_free(&f);
    return s;
}

/* Numbers campaigns and actors. A campaign number goes to every campaign component of two or
 * more incidents and to a lone incident that belongs to an actor; an actor number to every
 * actor component of two or more incidents. */
static ap_status number(ap_cluster *c, int64_t *next_campaign, int64_t *next_actor)
{
    cl_data *d = &c->d;
    size_t n = d->nincidents;
    uint32_t *camp = malloc((n ? n : 1) * sizeof *camp), *act = malloc((n ? n : 1) * sizeof *act);
    uint32_t *size_c = calloc(n ? n : 1, sizeof *size_c), *size_a = calloc(n ? n : 1, sizeof *size_a);
    uint8_t *elig = malloc(n ? n : 1);
    c->campaign_of = malloc((n ? n : 1) * sizeof *c->campaign_of);
    c->actor_of = malloc((n ? n : 1) * sizeof *c->actor_of);
    ap_status s = AP_OK;
    if (!camp || !act || !size_c || !size_a || !elig || !c->campaign_of || !c->actor_of)
        s = AP_ERR_NOMEM;
    for (size_t i = 0; s == AP_OK && i < n; i++) {
        camp[i] = d->incidents[i].campaign;
        act[i] = d->incidents[i].actor;
        size_c[camp[i]]++;
        size_a[act[i]]++;
    }
    for (size_t i = 0; s == AP_OK && i < n; i++)
        elig[i] = size_a[act[i]] >= 2;
    if (s == AP_OK)
        s = cl_assign_ids(d, act, elig, 2, next_actor, c->actor_of, &c->sum.kept_actor_ids);
    for (size_t i = 0; s == AP_OK && i < n; i++)
        elig[i] = size_c[camp[i]] >= 2 || size_a[act[i]] >= 2;
    if (s == AP_OK)
        s = cl_assign_ids(d, camp, elig, 1, next_campaign, c->campaign_of,
                          &c->sum.kept_campaign_ids);
    if (s == AP_OK) {
        for (size_t i = 0; i < n; i++) {
            c->sum.linked_incidents += elig[i];
            if (elig[i] && camp[i] == i)
                c->sum.campaigns++;
            if (size_a[act[i]] >= 2 && act[i] == i)
                c->sum.actors++;
        }
    }
    free(camp);
    free(act);
    free(size_c);
    free(size_a);
    free(elig);
    return s;
}

static ap_status save(ap_store *store, ap_cluster *c, int64_t next_campaign, int64_t next_actor)
{
    cl_data *d = &c->d;
    ap_store_cl_assignment *a = malloc((d->nsessions ? d->nsessions : 1) * sizeof *a);
    ap_store_cl_campaign *rows = malloc((c->ncampaigns ? c->ncampaigns : 1) * sizeof *rows);
    if (!a || !rows) {
        free(a);
        free(rows);
        return AP_ERR_NOMEM;
    }
    /* sessions are loaded in id order, which is the table's key order */
    for (size_t i = 0; i < d->nsessions; i++) {
        const cl_session *s = &d->sessions[i];
        a[i] = (ap_store_cl_assignment){s->id, d->incidents[s->incident].id,
                                        c->campaign_of[s->incident], c->actor_of[s->incident]};
    }
    for (size_t i = 0; i < c->ncampaigns; i++) {
        const ap_campaign *x = &c->campaigns[i];
        rows[i] = (ap_store_cl_campaign){x->id,           x->actor,           (int64_t)x->incidents,
                                         (int64_t)x->sessions, x->first_us,   x->last_us,
                                         (int64_t)x->ips, x->primary_tactic, x->techniques,
                                         x->nets,         x->asns,            x->keys,
                                         x->hashes,       x->urls,            x->criticality,
                                         x->score};
    }
    ap_status s = ap_store_cl_save(store, a, d->nsessions, rows, c->ncampaigns, next_campaign,
                                   next_actor);
    free(a);
    free(rows);
    return s;
}

ap_status ap_cluster_run(ap_store *store, const ap_cluster_options *opt, ap_cluster **out,
                         char *err, size_t errlen)
{
    char dummy[8];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    *out = NULL;
    ap_cluster_options defaults;
    if (!opt) {
        ap_cluster_options_init(&defaults);
        opt = &defaults;
    }
    ap_cluster *c = calloc(1, sizeof *c);
    if (!c)
        return AP_ERR_NOMEM;
    cl_data_init(&c->d);
    double t0 = cl_now();
    int64_t next_campaign = 1, next_actor = 1;
    ap_status s = ap_store_cl_counters(store, &next_campaign, &next_actor);
    if (s == AP_OK)
        s = cl_prepare(store, opt, &c->d, err, errlen);
    double t1 = cl_now();
    if (s == AP_OK) {
        if (opt->method == AP_CLUSTER_DBSCAN) {
            s = dbscan_components(c, opt, err, errlen);
        } else {
            cl_link_options lo;
            cl_link_options_init(&lo);
            if (opt->behaviour_jaccard > 0)
                lo.behaviour_jaccard = opt->behaviour_jaccard;
            lo.use_previous = !opt->fresh;
            cl_link_stats ls;
            s = cl_link(&c->d, &lo, &ls);
            c->sum.strong_identifiers = ls.strong_tokens;
            c->sum.generic_identifiers = ls.generic_tokens;
        }
    }
    double t2 = cl_now();
    if (s == AP_OK)
        s = number(c, &next_campaign, &next_actor);
    cl_crit_table crit = {0};
    if (s == AP_OK)
        s = cl_crit_load(&crit, NULL, NULL, NULL, err, errlen);
    if (s == AP_OK)
        s = cl_campaigns_build(c, &crit);
    cl_crit_free(&crit);
    if (s == AP_OK && !opt->dry_run)
        s = save(store, c, next_campaign, next_actor);
    if (s != AP_OK) {
        if (!err[0])
            snprintf(err, errlen, "%s",
                     s == AP_ERR_NOMEM ? "out of memory" : ap_store_errmsg(store));
        ap_cluster_free(c);
        return s;
    }
    c->sum.sessions = c->d.nsessions;
    c->sum.incidents = c->d.nincidents;
    c->sum.load_s = t1 - t0;
    c->sum.link_s = t2 - t1;
    c->sum.total_s = cl_now() - t0;
    *out = c;
    return AP_OK;
}

const ap_cluster_summary *ap_cluster_summary_of(const ap_cluster *c) { return &c->sum; }

void ap_cluster_session_at(const ap_cluster *c, size_t i, ap_cluster_session *out)
{
    const cl_data *d = &c->d;
    const cl_session *s = &d->sessions[d->order[i]];
    out->sensor = s->sensor < d->nsensors && d->sensors[s->sensor] ? d->sensors[s->sensor] : "";
    out->session = s->name;
    out->src_ip = s->ip;
    out->incident = d->incidents[s->incident].id;
    out->campaign = c->campaign_of[s->incident];
    out->actor = c->actor_of[s->incident];
}

size_t ap_cluster_campaign_count(const ap_cluster *c) { return c->ncampaigns; }

const ap_campaign *ap_cluster_campaign_at(const ap_cluster *c, size_t i)
{
    return i < c->ncampaigns ? &c->campaigns[c->campaign_order[i]] : NULL;
}

void ap_cluster_free(ap_cluster *c)
{
    if (!c)
        return;
    cl_data_free(&c->d);
    free(c->campaign_of);
    free(c->actor_of);
    free(c->campaigns);
    free(c->campaign_order);
    ap_arena_free(&c->text);
    free(c);
}
