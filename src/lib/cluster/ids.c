/* ids.c — stable campaign and actor numbers across daily runs.
 *
 * Why: clustering is recomputed from all the data every run, so its components have no memory;
 * an analyst's notes, tickets and exported STIX objects name C-12 and A-3 and must keep working
 * tomorrow. Each new component inherits the number of the previous run's cluster it overlaps
 * most (counted in sessions); each old number goes to at most one component, the largest
 * overlaps first; components that overlap nothing get numbers never used before (the counter
 * is kept in the store, so a number is never reused for something else).
 */
#include <stdlib.h>
#include <string.h>

#include "cluster/ids.h"

typedef struct cand {
    uint32_t comp;
    uint32_t pad_;
    int64_t prev;
    uint64_t weight;
} cand;

static int cmp_cand_key(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->comp != y->comp)
        return x->comp < y->comp ? -1 : 1;
    return (x->prev > y->prev) - (x->prev < y->prev);
}

static int cmp_cand_weight(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->weight != y->weight)
        return x->weight > y->weight ? -1 : 1;
    if (x->prev != y->prev)
        return x->prev < y->prev ? -1 : 1;
    return (x->comp > y->comp) - (x->comp < y->comp);
}

typedef struct newcomp {
    int64_t start;
    uint32_t comp;
} newcomp;

static int cmp_newcomp(const void *a, const void *b)
{
    const newcomp *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->comp > y->comp) - (x->comp < y->comp);
}

ap_status cl_assign_ids(const cl_data *d, const uint32_t *comp, const uint8_t *eligible, int level,
                        int64_t *next_id, int64_t *ids, uint64_t *kept)
{
    size_t n = d->nincidents;
    *kept = 0;
    /* one candidate per (eligible session with a previous id) */
    cand *c = malloc((d->nsessions ? d->nsessions : 1) * sizeof *c);
    int64_t *comp_id = malloc((n ? n : 1) * sizeof *comp_id);
    if (!c || !comp_id) {
        free(c);
        free(comp_id);
        return AP_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        comp_id[i] = 0;
    size_t nc = 0;
    for (size_t i = 0; i < n; i++) {
        if (!eligible[i])
            continue;
        const cl_incident *inc = &d->incidents[i];
        for (uint32_t k = 0; k < inc->n; k++) {
            const cl_session *s = &d->sessions[d->order[inc->first + k]];
            const uint32_t *p = ap_idmap_get(&d->prev_idx, (uint64_t)s->id);
            if (p && d->prev[*p][level] > 0)
                c[nc++] = (cand){comp[i], 0, d->prev[*p][level], 1};
        }
    }
    /* sum the weights of equal (component, previous id) pairs */
    if (nc)
        qsort(c, nc, sizeof *c, cmp_cand_key);
    size_t m = 0;
    for (size_t i = 0; i < nc; i++) {
        if (m && c[m - 1].comp == c[i].comp && c[m - 1].prev == c[i].prev)
            c[m - 1].weight++;
        else
            c[m++] = c[i];
    }
    if (m)
        qsort(c, m, sizeof *c, cmp_cand_weight);
    /* greedy: largest overlaps first; each previous id and each component used once */
    ap_idmap used = {0};
    ap_status st = AP_OK;
    for (size_t i = 0; i < m && st == AP_OK; i++) {
        if (comp_id[c[i].comp] || ap_idmap_get(&used, (uint64_t)c[i].prev))
            continue;
        if (!ap_idmap_put(&used, (uint64_t)c[i].prev, 1, NULL)) {
            st = AP_ERR_NOMEM;
            break;
        }
        comp_id[c[i].comp] = c[i].prev;
        (*kept)++;
    }
    ap_idmap_free(&used);
    free(c);
    /* new components, numbered in order of their first activity */
    newcomp *nw = st == AP_OK ? malloc((n ? n : 1) * sizeof *nw) : NULL;
    if (st == AP_OK && !nw)
        st = AP_ERR_NOMEM;
    if (st == AP_OK) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (eligible[i] && comp[i] == i && !comp_id[i])
                nw[k++] = (newcomp){INT64_MAX, (uint32_t)i};
        /* earliest start of each new component */
        for (size_t i = 0, j = 0; i < n && k; i++) {
            (void)j;
            if (!eligible[i] || comp_id[comp[i]])
                continue;
            /* find the component's slot: components are listed by representative, which is
             * their smallest incident index, so a binary search over nw finds it */
            size_t lo = 0, hi = k;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (nw[mid].comp < comp[i])
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo < k && nw[lo].comp == comp[i] && d->incidents[i].start_us < nw[lo].start)
                nw[lo].start = d->incidents[i].start_us;
        }
        qsort(nw, k, sizeof *nw, cmp_newcomp);
        for (size_t i = 0; i < k; i++)
            comp_id[nw[i].comp] = (*next_id)++;
    }
    free(nw);
    for (size_t i = 0; i < n && st == AP_OK; i++)
        ids[i] = eligible[i] ? comp_id[comp[i]] : 0;
    free(comp_id);
    return st;
}
