/* campaigns.c — the seed's campaign table, one row per campaign: its actor, incidents and
 * sessions, the shared TTP set, the infrastructure the incidents have in common (source IPs,
 * /24s, ASNs, SSH keys, file hashes, URLs), first and last seen, the primary tactic, and
 * campaign_score = incidents x criticality / duration in hours — the ranking an analyst reads
 * first ("twenty incidents with the same TTPs in two hours matter more than two in a month").
 * Tactic criticality comes from data/cluster/tactic-criticality.tsv.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_internal.h"
#include "cluster/tactics.h"

#define LIST_MAX 5 /* entries per infrastructure list */

typedef struct tcount {
    uint64_t tok;
    uint32_t n;
} tcount;

static int cmp_tcount(const void *a, const void *b)
{
    const tcount *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return (x->tok > y->tok) - (x->tok < y->tok);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static const ap_cluster *sort_c_;
static int cmp_by_campaign(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int64_t cx = sort_c_->campaign_of[x], cy = sort_c_->campaign_of[y];
    if (cx != cy)
        return cx < cy ? -1 : 1;
    return (x > y) - (x < y);
}

static const ap_campaign *sort_rows_;
static int cmp_by_score(const void *a, const void *b)
{
    const ap_campaign *x = &sort_rows_[*(const size_t *)a], *y = &sort_rows_[*(const size_t *)b];
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* Joins the labels of the most frequent tokens of `kind` (at most LIST_MAX) with "; ". */
static const char *join(ap_cluster *c, const tcount *tc, size_t n, cl_kind kind, uint32_t min)
{
    char buf[2048];
    size_t len = 0, k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && k < LIST_MAX; i++) {
        if (cl_token_kind(tc[i].tok) != kind || tc[i].n < min)
            continue;
        const char *l = kind == TK_TECH ? NULL : cl_label_of(&c->d, tc[i].tok);
        if (kind == TK_TECH) {
            const uint32_t *ti = ap_idmap_get(&c->d.tech_idx, tc[i].tok);
            l = ti ? c->d.tech_names[*ti] : NULL;
        }
        if (!l)
            continue;
        int w = snprintf(buf + len, sizeof buf - len, "%s%s", k ? "; " : "", l);
        if (w < 0 || (size_t)w >= sizeof buf - len)
            break;
        len += (size_t)w;
        k++;
    }
    return ap_arena_strdup(&c->text, buf);
}

ap_status cl_campaigns_build(ap_cluster *c, const cl_crit_table *crit_table)
{
    cl_data *d = &c->d;
    size_t n = d->nincidents;
    ap_arena_init(&c->text, 1 << 16);
    uint32_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx)
        return AP_ERR_NOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (c->campaign_of[i])
            idx[m++] = (uint32_t)i;
    sort_c_ = c;
    qsort(idx, m, sizeof *idx, cmp_by_campaign);
    sort_c_ = NULL;
    size_t groups = 0;
    for (size_t i = 0; i < m; i++)
        groups += !i || c->campaign_of[idx[i]] != c->campaign_of[idx[i - 1]];
    c->campaigns = calloc(groups ? groups : 1, sizeof *c->campaigns);
    c->campaign_order = malloc((groups ? groups : 1) * sizeof *c->campaign_order);
    cl_u64v toks = {0};
    tcount *tc = NULL;
    uint64_t *tech = NULL;
    uint32_t *tech_n = NULL;
    size_t tc_cap = 0;
    ap_status s = c->campaigns && c->campaign_order ? AP_OK : AP_ERR_NOMEM;
    for (size_t i = 0; i < m && s == AP_OK;) {
        size_t j = i;
        while (j < m && c->campaign_of[idx[j]] == c->campaign_of[idx[i]])
            j++;
        ap_campaign *row = &c->campaigns[c->ncampaigns];
        row->id = c->campaign_of[idx[i]];
        row->actor = c->actor_of[idx[i]];
        row->incidents = j - i;
        row->first_us = INT64_MAX;
        row->last_us = INT64_MIN;
        toks.n = 0;
        for (size_t k = i; k < j && s == AP_OK; k++) {
            const cl_incident *inc = &d->incidents[idx[k]];
            row->sessions += inc->n;
            if (inc->start_us < row->first_us)
                row->first_us = inc->start_us;
            if (inc->end_us > row->last_us)
                row->last_us = inc->end_us;
            for (uint32_t t = 0; t < inc->tok_n && s == AP_OK; t++) {
                uint64_t tok = d->itok.v[inc->tok_off + t];
                cl_kind kd = cl_token_kind(tok);
                if (kd == TK_TECH || kd == TK_NET || kd == TK_ASN || kd == TK_KEY ||
                    kd == TK_CLIENTKEY || kd == TK_HASH || kd == TK_URL || kd == TK_IP)
                    s = cl_u64v_push(&toks, tok);
            }
        }
        if (s != AP_OK)
            break;
        /* count each token over the incidents (incident token sets are duplicate-free) */
        if (toks.n)
            qsort(toks.v, toks.n, sizeof *toks.v, cmp_u64);
        if (toks.n > tc_cap) {
            tcount *p = realloc(tc, toks.n * sizeof *p);
            uint64_t *q = p ? realloc(tech, toks.n * sizeof *q) : NULL;
            uint32_t *r = q ? realloc(tech_n, toks.n * sizeof *r) : NULL;
            if (p)
                tc = p;
            if (q)
                tech = q;
            if (!r) {
                s = AP_ERR_NOMEM;
                break;
            }
            tech_n = r;
            tc_cap = toks.n;
        }
        size_t nt = 0;
        for (size_t k = 0; k < toks.n; k++) {
            if (nt && tc[nt - 1].tok == toks.v[k])
                tc[nt - 1].n++;
            else
                tc[nt++] = (tcount){toks.v[k], 1};
        }
        if (nt)
            qsort(tc, nt, sizeof *tc, cmp_tcount);
        /* shared TTPs (in at least half the incidents), tactics and criticality */
        uint32_t half = (uint32_t)((row->incidents + 1) / 2);
        size_t ntech = 0;
        for (size_t k = 0; k < nt; k++) {
            if (cl_token_kind(tc[k].tok) == TK_IP)
                row->ips++;
            if (cl_token_kind(tc[k].tok) == TK_TECH) {
                tech[ntech] = tc[k].tok;
                tech_n[ntech++] = tc[k].n;
            }
        }
        char pt[64];
        cl_tactic_summary(d, crit_table, tech, tech_n, ntech, row->incidents, pt, sizeof pt,
                          &row->criticality);
        row->primary_tactic = ap_arena_strdup(&c->text, pt);
        row->techniques = join(c, tc, nt, TK_TECH, half);
        row->nets = join(c, tc, nt, TK_NET, 1);
        row->asns = join(c, tc, nt, TK_ASN, 1);
        row->keys = join(c, tc, nt, TK_KEY, 1);
        if (row->keys && !*row->keys)
            row->keys = join(c, tc, nt, TK_CLIENTKEY, 1);
        row->hashes = join(c, tc, nt, TK_HASH, 1);
        row->urls = join(c, tc, nt, TK_URL, 1);
        if (!row->primary_tactic || !row->techniques || !row->nets || !row->asns || !row->keys ||
            !row->hashes || !row->urls) {
            s = AP_ERR_NOMEM;
            break;
        }
        const int64_t hour = INT64_C(3600000000);
        row->duration_hours = (double)(row->last_us / hour - row->first_us / hour + 1);
        row->score = (double)row->incidents * row->criticality / row->duration_hours;
        c->campaign_order[c->ncampaigns] = c->ncampaigns;
        c->ncampaigns++;
        i = j;
    }
    free(tc);
    free(tech);
    free(tech_n);
    cl_u64v_free(&toks);
    free(idx);
    if (s == AP_OK && c->ncampaigns) {
        sort_rows_ = c->campaigns;
        qsort(c->campaign_order, c->ncampaigns, sizeof *c->campaign_order, cmp_by_score);
        sort_rows_ = NULL;
    }
    return s;
}
