/* rank.c — ranks feature columns so the 20-40 that matter are chosen from data rather than by
 * hand: variance (does the column vary at all?), mutual information with a labelling and
 * scikit-learn's chi2 statistic (does it separate the labels?), combined as the mean of the
 * three normalised ranks.
 *
 * Definitions (docs/seed-recipe.md):
 *  - variance: population variance of the column as given, over all rows;
 *  - mutual information: the column cut into 10 equal-width bins between its smallest and
 *    largest labelled value (a constant column is one bin, MI 0), in nats, over labelled rows;
 *  - chi2: sklearn.feature_selection.chi2 — observed = per-class column sums, expected = class
 *    share x column sum, sum of (observed - expected)^2 / expected. chi2 needs non-negative
 *    values: a column with a negative labelled value is shifted by its minimum first. A column
 *    summing to 0 scores 0 (scikit-learn gives NaN);
 *  - NaN and infinite values count as 0; a negative label means unlabelled; with no labelled
 *    row the ranking is by variance alone.
 * Cost: O(rows x cols) plus O(rows log rows) to number the labels. Columns are processed in
 * blocks so the per-class tables stay within a fixed memory budget however many labels. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/numeric.h"

enum { MI_BINS = 10 };
#define TABLE_BUDGET ((size_t)1 << 23) /* doubles per block of per-class tables (64 MB) */

static double value(const cl_matrix *m, size_t r, size_t c)
{
    double x = cl_row(m, r)[c];
    return isfinite(x) ? x : 0.0;
}

static int i32_cmp(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return x < y ? -1 : x > y;
}

/* Dense class numbers 0..K-1 for labels >= 0 (-1 for the rest). Returns K, or -1 when out of
 * memory. */
static long number_classes(const int32_t *labels, size_t rows, int32_t *cls)
{
    int32_t *sorted = malloc((rows + 1) * sizeof *sorted);
    if (!sorted)
        return -1;
    size_t n = 0;
    for (size_t r = 0; r < rows; r++)
        if (labels[r] >= 0)
            sorted[n++] = labels[r];
    qsort(sorted, n, sizeof *sorted, i32_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || sorted[i] != sorted[k - 1])
            sorted[k++] = sorted[i];
    for (size_t r = 0; r < rows; r++) {
        cls[r] = -1;
        if (labels[r] < 0)
            continue;
        size_t lo = 0, hi = k;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (sorted[mid] < labels[r])
                lo = mid + 1;
            else
                hi = mid;
        }
        cls[r] = (int32_t)lo;
    }
    free(sorted);
    return (long)k;
}

static void compute_variance(const cl_matrix *m, double *mean, cl_feature_rank *out)
{
    size_t rows = m->rows, cols = m->cols;
    for (size_t c = 0; c < cols; c++) {
        mean[c] = 0;
        out[c].variance = 0;
    }
    if (rows == 0)
        return;
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            mean[c] += value(m, r, c);
    for (size_t c = 0; c < cols; c++)
        mean[c] /= (double)rows;
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) {
            double d = value(m, r, c) - mean[c];
            out[c].variance += d * d;
        }
    for (size_t c = 0; c < cols; c++)
        out[c].variance /= (double)rows;
}

typedef struct label_stats {
    const int32_t *cls;
    size_t k;           /* classes */
    size_t labelled;    /* rows with a class */
    double *class_rows; /* k: rows per class */
    double *lo, *hi;    /* cols: smallest and largest labelled value */
} label_stats;

static int bin_of(double x, double lo, double hi)
{
    if (!(hi > lo))
        return 0;
    int b = (int)((x - lo) / (hi - lo) * MI_BINS);
    return b < 0 ? 0 : b >= MI_BINS ? MI_BINS - 1 : b;
}

/* MI and chi2 for columns [c0, c0 + nc), with per-class tables bins[c][bin][class] and
 * sums[c][class] (size nc * k * (MI_BINS + 1) doubles in `table`). */
static void score_block(const cl_matrix *m, const label_stats *ls, size_t c0, size_t nc,
                        double *table, cl_feature_rank *out)
{
    size_t k = ls->k, per_col = k * (MI_BINS + 1);
    memset(table, 0, nc * per_col * sizeof *table);
    for (size_t r = 0; r < m->rows; r++) {
        int32_t cl = ls->cls[r];
        if (cl < 0)
            continue;
        for (size_t c = 0; c < nc; c++) {
            size_t col = c0 + c;
            double x = value(m, r, col);
            double *t = table + c * per_col;
            t[(size_t)bin_of(x, ls->lo[col], ls->hi[col]) * k + (size_t)cl] += 1;
            t[MI_BINS * k + (size_t)cl] += ls->lo[col] < 0 ? x - ls->lo[col] : x;
        }
    }
    const double total = (double)ls->labelled;
    for (size_t c = 0; c < nc; c++) {
        const double *t = table + c * per_col;
        double mi = 0;
        for (int b = 0; b < MI_BINS; b++) {
            double in_bin = 0;
            for (size_t j = 0; j < k; j++)
                in_bin += t[(size_t)b * k + j];
            for (size_t j = 0; j < k && in_bin > 0; j++) {
                double nbk = t[(size_t)b * k + j];
                if (nbk > 0)
                    mi += nbk / total * log(nbk * total / (in_bin * ls->class_rows[j]));
            }
        }
        out[c0 + c].mutual_info = mi > 0 ? mi : 0; /* rounding can leave -1e-17 */
        const double *sums = t + MI_BINS * k;
        double col_sum = 0, chi2 = 0;
        for (size_t j = 0; j < k; j++)
            col_sum += sums[j];
        for (size_t j = 0; j < k && col_sum > 0; j++) {
            double expected = ls->class_rows[j] / total * col_sum;
            if (expected > 0)
                chi2 += (sums[j] - expected) * (sums[j] - expected) / expected;
        }
        out[c0 + c].chi2 = chi2;
    }
}

static ap_status compute_label_scores(const cl_matrix *m, const int32_t *labels,
                                      cl_feature_rank *out, int *have_labels)
{
    size_t rows = m->rows, cols = m->cols;
    ap_status st = AP_OK;
    label_stats ls = {0};
    double *table = NULL;
    int32_t *cls = malloc((rows + 1) * sizeof *cls);
    ls.lo = malloc((cols + 1) * sizeof *ls.lo);
    ls.hi = malloc((cols + 1) * sizeof *ls.hi);
    if (!cls || !ls.lo || !ls.hi) {
        st = AP_ERR_NOMEM;
        goto out;
    }
    long k = number_classes(labels, rows, cls);
    if (k < 0) {
        st = AP_ERR_NOMEM;
        goto out;
    }
    if (k == 0)
        goto out; /* nothing labelled */
    ls.cls = cls;
    ls.k = (size_t)k;
    ls.class_rows = calloc(ls.k, sizeof *ls.class_rows);
    size_t block = TABLE_BUDGET / (ls.k * (MI_BINS + 1));
    if (block < 1)
        block = 1;
    if (block > cols)
        block = cols;
    table = malloc((block * ls.k * (MI_BINS + 1) + 1) * sizeof *table);
    if (!ls.class_rows || !table) {
        st = AP_ERR_NOMEM;
        goto out;
    }
    for (size_t c = 0; c < cols; c++) {
        ls.lo[c] = INFINITY;
        ls.hi[c] = -INFINITY;
    }
    for (size_t r = 0; r < rows; r++) {
        if (cls[r] < 0)
            continue;
        ls.labelled++;
        ls.class_rows[cls[r]] += 1;
        for (size_t c = 0; c < cols; c++) {
            double x = value(m, r, c);
            if (x < ls.lo[c])
                ls.lo[c] = x;
            if (x > ls.hi[c])
                ls.hi[c] = x;
        }
    }
    for (size_t c0 = 0; c0 < cols; c0 += block)
        score_block(m, &ls, c0, cols - c0 < block ? cols - c0 : block, table, out);
    *have_labels = 1;
out:
    free(cls);
    free(ls.lo);
    free(ls.hi);
    free(ls.class_rows);
    free(table);
    return st;
}

typedef struct keyed {
    double key;
    size_t col;
} keyed;

static int keyed_desc(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key > y->key ? -1 : 1;
    return x->col < y->col ? -1 : x->col > y->col;
}

/* Adds to score[col] the column's rank by `key` (best = 0, ties share their mean rank), scaled
 * to [0, 1]. */
static void add_rank(keyed *tmp, size_t cols, const double *key, double *score)
{
    for (size_t c = 0; c < cols; c++)
        tmp[c] = (keyed){isnan(key[c]) ? -INFINITY : key[c], c};
    qsort(tmp, cols, sizeof *tmp, keyed_desc);
    double scale = cols > 1 ? 1.0 / (double)(cols - 1) : 0;
    for (size_t i = 0; i < cols;) {
        size_t j = i;
        while (j + 1 < cols && tmp[j + 1].key == tmp[i].key)
            j++;
        double rank = (double)(i + j) / 2.0 * scale;
        for (size_t t = i; t <= j; t++)
            score[tmp[t].col] += rank;
        i = j + 1;
    }
}

static int rank_cmp(const void *a, const void *b)
{
    const cl_feature_rank *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? -1 : 1;
    return x->col < y->col ? -1 : x->col > y->col;
}

ap_status cl_rank_features(const cl_matrix *m, const int32_t *labels, cl_feature_rank *out)
{
    if (!m || !out || (m->rows > 0 && m->cols > 0 && !m->v))
        return AP_ERR_ARG;
    size_t cols = m->cols;
    if (cols == 0)
        return AP_OK;
    ap_status st = AP_OK;
    double *mean = malloc(cols * sizeof *mean);
    double *key = malloc(cols * sizeof *key);
    double *score = calloc(cols, sizeof *score);
    keyed *tmp = malloc(cols * sizeof *tmp);
    if (!mean || !key || !score || !tmp) {
        st = AP_ERR_NOMEM;
        goto out;
    }
    for (size_t c = 0; c < cols; c++)
        out[c] = (cl_feature_rank){.col = c};
    compute_variance(m, mean, out);
    int have_labels = 0;
    if (labels && m->rows > 0 && (st = compute_label_scores(m, labels, out, &have_labels)) != AP_OK)
        goto out;

    for (size_t c = 0; c < cols; c++)
        key[c] = out[c].variance;
    add_rank(tmp, cols, key, score);
    if (have_labels) {
        for (size_t c = 0; c < cols; c++)
            key[c] = out[c].mutual_info;
        add_rank(tmp, cols, key, score);
        for (size_t c = 0; c < cols; c++)
            key[c] = out[c].chi2;
        add_rank(tmp, cols, key, score);
    }
    for (size_t c = 0; c < cols; c++)
        out[c].score = score[c] / (have_labels ? 3.0 : 1.0);
    qsort(out, cols, sizeof *out, rank_cmp);
out:
    free(mean);
    free(key);
    free(score);
    free(tmp);
    return st;
}
