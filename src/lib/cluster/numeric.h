/* numeric.h — dense feature matrices and the numeric methods the cluster stage runs on them:
 * the seed's recipe (StandardScaler -> cosine -> DBSCAN) with eps chosen at the knee of the
 * k-distance curve, the k-distance plot, and feature ranking (variance, mutual information, chi2).
 *
 * Why a separate module: these work on any n x d matrix, with no knowledge of sessions or the
 * store, so they are unit-testable on small hand-made matrices. The incident features that fill
 * the matrix come from features.c. */
#ifndef AP_CLUSTER_NUMERIC_H
#define AP_CLUSTER_NUMERIC_H

#include <stddef.h>
#include <stdint.h>

#include "actorprint.h"

/* A row-major n x d matrix of doubles. Column names are optional (may be NULL). */
typedef struct cl_matrix {
    size_t rows, cols;
    double *v;               /* rows * cols values, v[r * cols + c] */
    const char *const *names; /* cols names or NULL; not owned */
} cl_matrix;

static inline double *cl_row(const cl_matrix *m, size_t r) { return m->v + r * m->cols; }

/* StandardScaler: every column to mean 0, standard deviation 1 (population sd, as scikit-learn);
 * a constant column becomes all zeros. Values are expected finite (NaN propagates). */
void cl_standard_scale(cl_matrix *m);

/* ---- DBSCAN with cosine distance (the seed recipe) ------------------------------------------ */

typedef struct cl_dbscan_options {
    double eps;      /* cosine distance radius (a point at exactly eps is a neighbour); <= 0: choose
                        it at the knee of the k-distance curve, see cl_dbscan */
    int min_samples; /* a core point has >= min_samples points (itself included) within eps; default 3 */
} cl_dbscan_options;

typedef struct cl_dbscan_result {
    int32_t *labels;  /* rows labels: 0..clusters-1, or -1 for noise; malloc'd, caller frees */
    size_t clusters;
    double eps;       /* the eps used (the knee when options.eps <= 0) */
    double *kdist;    /* rows sorted (descending) distances to the (min_samples-1)-th neighbour,
                         counting the row itself as the 0th (scikit-learn's
                         NearestNeighbors(n_neighbors=min_samples).kneighbors(X)[:, -1]; with
                         fewer rows than min_samples, the farthest row); malloc'd, caller frees;
                         NULL unless asked for */
    size_t kdist_n;
    size_t knee;      /* index into kdist of the knee */
} cl_dbscan_result;

/* Runs DBSCAN over the rows of m with cosine distance 1 - u.v of the L2-normalised rows, giving
 * the labels scikit-learn's DBSCAN(eps, min_samples, metric='precomputed') gives on
 * sklearn.metrics.pairwise.cosine_distances(m): clusters numbered in the order of their first
 * core row, a border row in the lowest-numbered cluster among its core neighbours, noise -1.
 * Identical rows are at distance exactly 0; they are collapsed first and count with their
 * multiplicity, so the cost is driven by distinct rows (no n x n matrix). An all-zero row is at
 * distance 0 from itself and 1 from every other row, its zero twins included (as scikit-learn,
 * which leaves a zero row unnormalised): with eps < 1 it is noise unless min_samples is 1.
 * eps <= 0: eps = kdist[knee] with knee = cl_knee(kdist); when that is 0 (a curve ending in
 * duplicates), the smallest positive k-distance (knee moves there), and 1e-6 when there is none.
 * want_kdist: fill result.kdist (and knee, also when eps is given). opt NULL: eps at the knee,
 * min_samples 3. Does not modify m. Uses two threads.
 * Return values: AP_OK; AP_ERR_NOMEM; AP_ERR_ARG (min_samples < 1, eps NaN, a value of m NaN or
 * infinite, NULL m->v with rows, or rows >= 2^31 - 1). */
ap_status cl_dbscan(const cl_matrix *m, const cl_dbscan_options *opt, int want_kdist,
                    cl_dbscan_result *out);
void cl_dbscan_result_free(cl_dbscan_result *r);

/* The knee (point of maximum curvature, Kneedle-style: largest distance below the chord from the
 * first to the last point) of a descending curve y[0..n-1]. Returns its index (0 when n < 3). */
size_t cl_knee(const double *y, size_t n);

/* Writes the k-distance curve (sorted descending, as in cl_dbscan_result) as a plot with the knee
 * and eps marked, titled `title` (printable ASCII kept, NULL: "k-distance"); k is the neighbour
 * count shown on the axis (min_samples: the row itself is the 1st). The format follows
 * path's extension: ".png" or ".svg", any case (cairo). err may be NULL.
 * Return values: AP_OK; AP_ERR_ARG (other extension, NULL path; err says so); AP_ERR_IO (err
 * says why); AP_ERR_NOMEM. */
ap_status cl_kdist_plot(const double *kdist, size_t n, size_t knee, double eps, int k,
                        const char *title, const char *path, char *err, size_t errlen);

/* ---- feature ranking ------------------------------------------------------------------------ */

typedef struct cl_feature_rank {
    size_t col;
    double variance;    /* population variance of the column as given */
    double mutual_info; /* I(feature; label) in nats, feature discretised into <= 10 equal-width
                           bins (0 when no labels) */
    double chi2;        /* chi-squared statistic of feature (non-negative values, as scikit-learn's
                           chi2: observed = per-class column sums) vs label; a column with a
                           negative labelled value is shifted by its minimum first; 0 when no
                           labels or the column sums to 0 */
    double score;       /* the rank key: mean of the three normalised ranks (lower = better) */
} cl_feature_rank;

/* Ranks the columns of m. labels: rows class ids >= 0, or -1 = unlabelled (left out of MI and
 * chi2); NULL (or no labelled row) = no labels (ranked by variance alone). Ties share their mean
 * rank; equal scores keep column order. NaN and infinite values count as 0. out: m->cols
 * entries, sorted best first. O(rows x cols).
 * Return values: AP_OK; AP_ERR_NOMEM; AP_ERR_ARG (NULL m or out, NULL m->v with rows). */
ap_status cl_rank_features(const cl_matrix *m, const int32_t *labels, cl_feature_rank *out);

#endif
