/* eval.c — scores a clustering against ground truth (see eval.h and docs/evaluation.md).
 *
 * Why it exists: every clustering change is judged by these numbers, on up to millions of
 * sessions, so they must be exact and linear. All scores come from the contingency table (how
 * many items have truth label t and predicted label p) and the per-label sizes: pair counts are
 * sums of C(k,2) over cells and labels, B-cubed is a sum over cells of k^2 / size, and ARI is a
 * function of the pair counts. Nothing loops over pairs of items.
 *
 * Labels are arbitrary 64-bit values, so they are first mapped to dense 32-bit ids (one
 * open-addressing table per side); the contingency table is then keyed by (truth id, pred id)
 * packed into one 64-bit key. */
#include "cluster/eval.h"

#include <stdlib.h>
#include <string.h>

#include "util/hash.h"

/* ---- a small open-addressing map uint64 -> uint64 (linear probing) -------------------------- */

/* `val` 0 marks an empty slot, so stored values are never 0 (ids are stored +1, counts >= 1). */
typedef struct u64_slot {
    uint64_t key;
    uint64_t val;
} u64_slot;

typedef struct u64_map {
    u64_slot *slots;
    size_t cap; /* a power of two */
    size_t used;
} u64_map;

static ap_status u64_map_init(u64_map *m, size_t cap)
{
    m->slots = calloc(cap, sizeof *m->slots);
    m->cap = cap;
    m->used = 0;
    return m->slots ? AP_OK : AP_ERR_NOMEM;
}

static void u64_map_free(u64_map *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->used = 0;
}

static size_t u64_map_home(const u64_map *m, uint64_t key)
{
    return (size_t)ap_hash64(&key, sizeof key) & (m->cap - 1);
}

/* Doubles the table (load factor stays <= 3/4). */
static ap_status u64_map_grow(u64_map *m)
{
    if (m->cap > SIZE_MAX / 2 / sizeof *m->slots)
        return AP_ERR_NOMEM;
    u64_map bigger;
    if (u64_map_init(&bigger, m->cap * 2) != AP_OK)
        return AP_ERR_NOMEM;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].val)
            continue;
        size_t j = u64_map_home(&bigger, m->slots[i].key);
        while (bigger.slots[j].val)
            j = (j + 1) & (bigger.cap - 1);
        bigger.slots[j] = m->slots[i];
    }
    bigger.used = m->used;
    u64_map_free(m);
    *m = bigger;
    return AP_OK;
}

/* Finds `key`, inserting it with value `init` (non-zero) when absent. *slot points at the
 * stored value (valid until the next insert); *inserted says whether the key was new. */
static ap_status u64_map_upsert(u64_map *m, uint64_t key, uint64_t init, uint64_t **slot,
                                int *inserted)
{
    if ((m->used + 1) * 4 > m->cap * 3) {
        ap_status st = u64_map_grow(m);
        if (st != AP_OK)
            return st;
    }
    size_t j = u64_map_home(m, key);
    while (m->slots[j].val) {
        if (m->slots[j].key == key) {
            *slot = &m->slots[j].val;
            *inserted = 0;
            return AP_OK;
        }
        j = (j + 1) & (m->cap - 1);
    }
    m->slots[j].key = key;
    m->slots[j].val = init;
    m->used++;
    *slot = &m->slots[j].val;
    *inserted = 1;
    return AP_OK;
}

/* ---- dense ids per label, with the size of each label's cluster ----------------------------- */

typedef struct label_ids {
    u64_map map;     /* label -> id + 1 */
    uint32_t *sizes; /* sizes[id]: items carrying that label */
    size_t n, cap;
} label_ids;

static ap_status label_ids_init(label_ids *l)
{
    memset(l, 0, sizeof *l);
    return u64_map_init(&l->map, 1024);
}

static void label_ids_free(label_ids *l)
{
    u64_map_free(&l->map);
    free(l->sizes);
    memset(l, 0, sizeof *l);
}

/* Counts one more item with `label`; *id receives the label's dense id. */
static ap_status label_ids_add(label_ids *l, uint64_t label, uint32_t *id)
{
    uint64_t *val;
    int inserted;
    ap_status st = u64_map_upsert(&l->map, label, (uint64_t)l->n + 1, &val, &inserted);
    if (st != AP_OK)
        return st;
    if (inserted) {
        if (l->n == l->cap) {
            size_t cap = l->cap ? l->cap * 2 : 1024;
            uint32_t *s = realloc(l->sizes, cap * sizeof *s);
            if (!s)
                return AP_ERR_NOMEM;
            l->sizes = s;
            l->cap = cap;
        }
        l->sizes[l->n++] = 0;
    }
    *id = (uint32_t)(*val - 1);
    l->sizes[*id]++;
    return AP_OK;
}

/* ---- the scores --------------------------------------------------------------------------- */

/* C(k,2) without overflow for any k below ~6e9 (halve the even factor first). */
static uint64_t pairs_of(uint64_t k)
{
    if (k < 2)
        return 0;
    return (k % 2 == 0) ? (k / 2) * (k - 1) : k * ((k - 1) / 2);
}

static uint64_t pairs_within(const label_ids *l)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < l->n; i++)
        sum += pairs_of(l->sizes[i]);
    return sum;
}

/* Harmonic mean of p and r, 0 when both are 0. */
static double f1_of(double p, double r)
{
    return (p + r > 0) ? 2.0 * p * r / (p + r) : 0.0;
}

/* Fills the scores from the pair counts (unordered pairs of distinct items):
 * same_both = together in truth and prediction, same_truth, same_pred, all = C(n,2). */
static void score_pairs(cl_eval_scores *out, uint64_t same_both, uint64_t same_truth,
                        uint64_t same_pred, uint64_t all)
{
    out->pair_precision = same_pred ? (double)((long double)same_both / same_pred) : 1.0;
    out->pair_recall = same_truth ? (double)((long double)same_both / same_truth) : 1.0;
    out->pair_f1 = f1_of(out->pair_precision, out->pair_recall);

    /* ARI in the pair-confusion form scikit-learn uses (equal to Hubert & Arabie's
     * (index - expected) / (max - expected)); identical partitions score 1, which also covers
     * the only ways the denominator can vanish (n < 2, or both all-singletons / both one
     * cluster). */
    uint64_t tp = same_both, fp = same_pred - same_both, fn = same_truth - same_both;
    uint64_t tn = all - same_truth - same_pred + same_both;
    if (fp == 0 && fn == 0) {
        out->ari = 1.0;
        return;
    }
    long double num = 2.0L * ((long double)tp * tn - (long double)fn * fp);
    long double den = (long double)(tp + fn) * (fn + tn) + (long double)(tp + fp) * (fp + tn);
    out->ari = (double)(num / den);
}

ap_status cl_eval_score(const uint64_t *truth, const uint64_t *pred, size_t n, cl_eval_scores *out)
{
    if (!out || (n && (!truth || !pred)))
        return AP_ERR_ARG;
    memset(out, 0, sizeof *out);
    if ((uint64_t)n >= UINT32_MAX)
        return AP_ERR_LIMIT; /* ids are 32-bit; 4 billion items is beyond any truth file */

    label_ids t = {0}, p = {0};
    u64_map cells = {0};
    ap_status st = label_ids_init(&t);
    if (st == AP_OK)
        st = label_ids_init(&p);
    if (st == AP_OK)
        st = u64_map_init(&cells, 1024);

    for (size_t i = 0; i < n && st == AP_OK; i++) {
        uint32_t tid, pid;
        uint64_t *count;
        int inserted;
        st = label_ids_add(&t, truth[i], &tid);
        if (st == AP_OK)
            st = label_ids_add(&p, pred[i], &pid);
        if (st == AP_OK)
            st = u64_map_upsert(&cells, (uint64_t)tid << 32 | pid, 1, &count, &inserted);
        if (st == AP_OK && !inserted)
            (*count)++;
    }
    if (st != AP_OK)
        goto done;

    /* One pass over the non-empty cells: pairs kept together, and the B-cubed sums
     * sum_cells k^2 / |pred cluster| (precision) and k^2 / |truth cluster| (recall). */
    uint64_t same_both = 0;
    long double bc_p = 0, bc_r = 0;
    for (size_t s = 0; s < cells.cap; s++) {
        uint64_t k = cells.slots[s].val;
        if (!k)
            continue;
        uint32_t tid = (uint32_t)(cells.slots[s].key >> 32);
        uint32_t pid = (uint32_t)cells.slots[s].key;
        long double k2 = (long double)k * k;
        same_both += pairs_of(k);
        bc_p += k2 / p.sizes[pid];
        bc_r += k2 / t.sizes[tid];
    }

    out->items = n;
    out->truth_clusters = t.n;
    out->pred_clusters = p.n;
    score_pairs(out, same_both, pairs_within(&t), pairs_within(&p), pairs_of(n));
    /* No items: nothing was wrongly split or merged, so B-cubed is 1 like the pair scores. */
    out->bcubed_precision = n ? (double)(bc_p / n) : 1.0;
    out->bcubed_recall = n ? (double)(bc_r / n) : 1.0;
    out->bcubed_f1 = f1_of(out->bcubed_precision, out->bcubed_recall);

done:
    label_ids_free(&t);
    label_ids_free(&p);
    u64_map_free(&cells);
    return st;
}
