/* test_numeric.c — pins the seed recipe's numeric methods (cluster/numeric.h): StandardScaler
 * values; DBSCAN labels as scikit-learn gives them (hand-worked cases for groups and outliers,
 * duplicates counting toward min_samples, zero rows, border rows and cluster numbering) and a
 * randomized cross-check against a literal O(n^2) transcription of scikit-learn's algorithm;
 * the k-distance curve and its knee; the plot files; feature ranking. */
#include <math.h>
#include <stdint.h>

#include "check.h"
#include "cluster/numeric.h"

#define DEG (M_PI / 180.0)

/* cairo's toy text API loads fontconfig, which keeps a process-wide cache it never frees (a
 * fixed ~650 bytes, not per plot). LeakSanitizer calls this hook when the binary defines it. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }

static cl_matrix matrix(double *v, size_t rows, size_t cols)
{
    cl_matrix m = {rows, cols, v, NULL};
    return m;
}

static int near(double a, double b) { return fabs(a - b) <= 1e-12; }

/* 2-D rows at the given angles (degrees), with magnitudes 1, 2, 3, 1, 2, 3... (cosine distance
 * ignores magnitude). */
static void angle_rows(double *v, const double *deg, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double mag = (double)(i % 3 + 1);
        v[2 * i] = mag * cos(deg[i] * DEG);
        v[2 * i + 1] = mag * sin(deg[i] * DEG);
    }
}

static int labels_are(const cl_dbscan_result *r, const int32_t *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (r->labels[i] != want[i]) {
            fprintf(stderr, "  row %zu: label %d, want %d\n", i, r->labels[i], want[i]);
            return 0;
        }
    return 1;
}

static ap_status run(double *v, size_t rows, size_t cols, double eps, int min_samples,
                     int want_kdist, cl_dbscan_result *r)
{
    cl_matrix m = matrix(v, rows, cols);
    cl_dbscan_options o = {eps, min_samples};
    return cl_dbscan(&m, &o, want_kdist, r);
}

static void test_standard_scale(void)
{
    /* columns: mean 5 sd 2; constant; mean 1 sd 1 */
    double v[8 * 3] = {2, 3, 0, 4, 3, 2, 4, 3, 0, 4, 3, 2, 5, 3, 0, 5, 3, 2, 7, 3, 0, 9, 3, 2};
    cl_matrix m = matrix(v, 8, 3);
    cl_standard_scale(&m);
    const double col0[8] = {-1.5, -0.5, -0.5, -0.5, 0, 0, 1, 2};
    for (size_t r = 0; r < 8; r++) {
        CHECK(cl_row(&m, r)[0] == col0[r]);
        CHECK(cl_row(&m, r)[1] == 0.0);
        CHECK(cl_row(&m, r)[2] == (r % 2 ? 1.0 : -1.0));
    }
    /* {1, 2, 3, 4}: mean 2.5, population sd sqrt(1.25) */
    double w[4] = {1, 2, 3, 4};
    cl_matrix m1 = matrix(w, 4, 1);
    cl_standard_scale(&m1);
    CHECK(near(w[0], -1.5 / sqrt(1.25)));
    CHECK(near(w[3], 1.5 / sqrt(1.25)));
    /* more than one block of 64 columns */
    double big[2 * 70];
    for (size_t c = 0; c < 70; c++) {
        big[c] = (double)c;
        big[70 + c] = (double)c + 2.0 * (double)(c + 1);
    }
    cl_matrix mb = matrix(big, 2, 70);
    cl_standard_scale(&mb);
    CHECK(big[0] == -1.0 && big[70] == 1.0);
    CHECK(big[69] == -1.0 && big[139] == 1.0);
}

/* Three tight groups and three outliers, eps 0.3 (45.57 degrees), min_samples 3. */
static void test_groups_and_outliers(void)
{
    const double deg[12] = {60, 120, 0, 118, 240, 3, 122, 180, 357, 238, 242, 300};
    double v[24];
    angle_rows(v, deg, 12);
    cl_dbscan_result r;
    CHECK_EQ_INT(run(v, 12, 2, 0.3, 3, 0, &r), AP_OK);
    const int32_t want[12] = {-1, 0, 1, 0, 2, 1, 0, -1, 1, 2, 2, -1};
    CHECK(labels_are(&r, want, 12));
    CHECK_EQ_INT(r.clusters, 3);
    CHECK(r.eps == 0.3);
    CHECK(r.kdist == NULL);
    cl_dbscan_result_free(&r);
}

/* A row within eps of a core row of two clusters (min_samples 4, itself + 2 < 4): it joins the
 * cluster numbered first, the one whose expansion reaches it first. Clusters are numbered by
 * their first CORE row, so a border row 0 does not make its cluster number 0. */
static void test_border_order(void)
{
    const double a[4] = {-30, -28, -26, -24}, b[4] = {64, 66, 68, 70};
    double deg[9], v[18];
    cl_dbscan_result r;

    /* B, p, A */
    for (int i = 0; i < 4; i++) {
        deg[i] = b[i];
        deg[5 + i] = a[i];
    }
    deg[4] = 20;
    angle_rows(v, deg, 9);
    CHECK_EQ_INT(run(v, 9, 2, 0.3, 4, 0, &r), AP_OK);
    const int32_t want1[9] = {0, 0, 0, 0, 0, 1, 1, 1, 1};
    CHECK(labels_are(&r, want1, 9));
    CHECK_EQ_INT(r.clusters, 2);
    cl_dbscan_result_free(&r);

    /* p, A, B: p is row 0 but not core; A's first core row comes first */
    deg[0] = 20;
    for (int i = 0; i < 4; i++) {
        deg[1 + i] = a[i];
        deg[5 + i] = b[i];
    }
    angle_rows(v, deg, 9);
    CHECK_EQ_INT(run(v, 9, 2, 0.3, 4, 0, &r), AP_OK);
    const int32_t want2[9] = {0, 0, 0, 0, 0, 1, 1, 1, 1};
    CHECK(labels_are(&r, want2, 9));
    cl_dbscan_result_free(&r);

    /* p, B, A */
    for (int i = 0; i < 4; i++) {
        deg[1 + i] = b[i];
        deg[5 + i] = a[i];
    }
    angle_rows(v, deg, 9);
    CHECK_EQ_INT(run(v, 9, 2, 0.3, 4, 0, &r), AP_OK);
    CHECK(labels_are(&r, want2, 9));
    cl_dbscan_result_free(&r);

    /* q (112 degrees, border of B only), A, B: row 0 is labelled 1 */
    deg[0] = 112;
    for (int i = 0; i < 4; i++) {
        deg[1 + i] = a[i];
        deg[5 + i] = b[i];
    }
    angle_rows(v, deg, 9);
    CHECK_EQ_INT(run(v, 9, 2, 0.3, 4, 0, &r), AP_OK);
    const int32_t want3[9] = {1, 0, 0, 0, 0, 1, 1, 1, 1};
    CHECK(labels_are(&r, want3, 9));
    cl_dbscan_result_free(&r);
}

static void test_duplicates(void)
{
    /* (1,0) three times: core; (0,1) twice and (-1,0) twice: noise */
    double v[16] = {1, 0, 0, 1, 1, 0, 0, 1, 1, 0, -1, 0, -1, 0, 0, 5};
    cl_dbscan_result r;
    CHECK_EQ_INT(run(v, 7, 2, 0.3, 3, 1, &r), AP_OK);
    const int32_t want[7] = {0, -1, 0, -1, 0, -1, -1};
    CHECK(labels_are(&r, want, 7));
    CHECK_EQ_INT(r.clusters, 1);
    /* k-distances: the triple 0; the pairs reach their third point at distance 1 */
    CHECK_EQ_INT(r.kdist_n, 7);
    const double kd[7] = {1, 1, 1, 1, 0, 0, 0};
    for (int i = 0; i < 7; i++)
        CHECK(r.kdist[i] == kd[i]);
    CHECK_EQ_INT(r.knee, 4);
    cl_dbscan_result_free(&r);

    /* (0,5) has the direction of (0,1): the pair becomes core, numbered by its first row */
    CHECK_EQ_INT(run(v, 8, 2, 0.3, 3, 0, &r), AP_OK);
    const int32_t want8[8] = {0, 1, 0, 1, 0, -1, -1, 1};
    CHECK(labels_are(&r, want8, 8));
    CHECK_EQ_INT(r.clusters, 2);
    cl_dbscan_result_free(&r);

    /* eps at the knee: the knee of {1,1,1,1,0,0,0} is at a 0, so eps moves to the smallest
     * positive k-distance (1) and everything joins through the (0,1) rows */
    CHECK_EQ_INT(run(v, 7, 2, 0, 3, 1, &r), AP_OK);
    CHECK(r.eps == 1.0);
    CHECK_EQ_INT(r.knee, 3);
    const int32_t all0[7] = {0, 0, 0, 0, 0, 0, 0};
    CHECK(labels_are(&r, all0, 7));
    CHECK_EQ_INT(r.clusters, 1);
    cl_dbscan_result_free(&r);

    /* -0.0 and 0.0 are the same value */
    double z[6] = {1, -0.0, 1, 0.0, 1, 0};
    CHECK_EQ_INT(run(z, 3, 2, 1e-9, 3, 1, &r), AP_OK);
    const int32_t one[3] = {0, 0, 0};
    CHECK(labels_are(&r, one, 3));
    CHECK(r.kdist[0] == 0.0);
    cl_dbscan_result_free(&r);

    /* every row identical, auto eps: no positive k-distance, eps 1e-6 */
    double same[8] = {2, 3, 2, 3, 2, 3, 2, 3};
    CHECK_EQ_INT(run(same, 4, 2, 0, 3, 0, &r), AP_OK);
    CHECK(r.eps == 1e-6);
    CHECK_EQ_INT(r.clusters, 1);
    cl_dbscan_result_free(&r);
}

/* A zero row is at distance 0 from itself and 1 from every other row, zero twins included. */
static void test_zero_rows(void)
{
    double v[12] = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1};
    cl_dbscan_result r;
    CHECK_EQ_INT(run(v, 6, 2, 0.3, 3, 1, &r), AP_OK);
    const int32_t want[6] = {-1, -1, -1, 0, 0, 0};
    CHECK(labels_are(&r, want, 6));
    const double kd[6] = {1, 1, 1, 0, 0, 0};
    for (int i = 0; i < 6; i++)
        CHECK(r.kdist[i] == kd[i]);
    cl_dbscan_result_free(&r);

    CHECK_EQ_INT(run(v, 6, 2, 0.3, 1, 1, &r), AP_OK); /* each zero row is its own cluster */
    const int32_t want1[6] = {0, 1, 2, 3, 3, 3};
    CHECK(labels_are(&r, want1, 6));
    CHECK_EQ_INT(r.clusters, 4);
    CHECK(r.kdist[0] == 0 && r.kdist[5] == 0);
    cl_dbscan_result_free(&r);

    CHECK_EQ_INT(run(v, 6, 2, 1.0, 3, 0, &r), AP_OK); /* distance 1 is within eps 1 */
    const int32_t all0[6] = {0, 0, 0, 0, 0, 0};
    CHECK(labels_are(&r, all0, 6));
    CHECK_EQ_INT(r.clusters, 1);
    cl_dbscan_result_free(&r);

    CHECK_EQ_INT(run(v, 6, 2, 1.0, 7, 0, &r), AP_OK); /* fewer rows than min_samples */
    const int32_t none[6] = {-1, -1, -1, -1, -1, -1};
    CHECK(labels_are(&r, none, 6));
    CHECK_EQ_INT(r.clusters, 0);
    cl_dbscan_result_free(&r);

    /* no columns at all: every row is a zero row */
    CHECK_EQ_INT(run(v, 4, 0, 0.5, 1, 0, &r), AP_OK);
    const int32_t own[4] = {0, 1, 2, 3};
    CHECK(labels_are(&r, own, 4));
    cl_dbscan_result_free(&r);
}

static void test_bad_arguments(void)
{
    double v[4] = {1, 2, NAN, 4};
    cl_dbscan_result r;
    CHECK_EQ_INT(run(v, 2, 2, 0.3, 3, 0, &r), AP_ERR_ARG);
    CHECK(r.labels == NULL);
    v[2] = INFINITY;
    CHECK_EQ_INT(run(v, 2, 2, 0.3, 3, 0, &r), AP_ERR_ARG);
    v[2] = 3;
    CHECK_EQ_INT(run(v, 2, 2, 0.3, 0, 0, &r), AP_ERR_ARG);
    CHECK_EQ_INT(run(v, 2, 2, NAN, 3, 0, &r), AP_ERR_ARG);
    CHECK_EQ_INT(run(v, 0, 2, 0, 3, 1, &r), AP_OK); /* no rows */
    CHECK_EQ_INT(r.clusters, 0);
    CHECK_EQ_INT(r.kdist_n, 0);
    cl_dbscan_result_free(&r);
    cl_matrix m = matrix(v, 2, 2);
    CHECK_EQ_INT(cl_dbscan(&m, NULL, 0, &r), AP_OK); /* defaults: eps at the knee, 3 */
    const int32_t none[2] = {-1, -1};
    CHECK(labels_are(&r, none, 2));
    cl_dbscan_result_free(&r);
}

/* ---- a literal transcription of scikit-learn, O(n^2), for the cross-check -------------------- */

typedef struct naive {
    size_t n, d;
    const double *x;
    double *u;
    int *zero;
    double *dist;   /* the n x n matrix the seed built */
    double *sorted; /* each of its rows sorted ascending */
} naive;

/* the same summation order as dbscan.c's dot (four running sums), so ties decide alike */
static double dotp(const double *a, const double *b, size_t d)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= d; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    double s = (s0 + s1) + (s2 + s3);
    for (; i < d; i++)
        s += a[i] * b[i];
    return s;
}

static double naive_cosine(const naive *nv, size_t i, size_t j);

static int dbl_asc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void naive_init(naive *nv, const double *x, size_t n, size_t d)
{
    nv->n = n;
    nv->d = d;
    nv->x = x;
    nv->u = malloc(n * d * sizeof *nv->u);
    nv->zero = malloc(n * sizeof *nv->zero);
    for (size_t i = 0; i < n; i++) {
        double norm = sqrt(dotp(x + i * d, x + i * d, d));
        nv->zero[i] = norm == 0;
        for (size_t c = 0; c < d; c++)
            nv->u[i * d + c] = nv->zero[i] ? 0 : x[i * d + c] / norm;
    }
    nv->dist = malloc(n * n * sizeof *nv->dist);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            nv->dist[i * n + j] = naive_cosine(nv, i, j);
    nv->sorted = malloc(n * n * sizeof *nv->sorted);
    memcpy(nv->sorted, nv->dist, n * n * sizeof *nv->sorted);
    for (size_t i = 0; i < n; i++)
        qsort(nv->sorted + i * n, n, sizeof *nv->sorted, dbl_asc);
}

static void naive_free(naive *nv)
{
    free(nv->u);
    free(nv->zero);
    free(nv->dist);
    free(nv->sorted);
}

/* cosine_distances as scikit-learn computes them, identical rows at exactly 0 */
static double naive_cosine(const naive *nv, size_t i, size_t j)
{
    if (i == j)
        return 0;
    if (nv->zero[i] || nv->zero[j])
        return 1;
    if (memcmp(nv->x + i * nv->d, nv->x + j * nv->d, nv->d * sizeof(double)) == 0)
        return 0;
    double s = 1.0 - dotp(nv->u + i * nv->d, nv->u + j * nv->d, nv->d);
    return s < 0 ? 0 : s > 2 ? 2 : s;
}

static double naive_dist(const naive *nv, size_t i, size_t j) { return nv->dist[i * nv->n + j]; }

/* sklearn.cluster.DBSCAN: neighbourhoods, core samples, then dbscan_inner's depth-first walk */
static size_t naive_dbscan(const naive *nv, double eps, int min_samples, int32_t *labels)
{
    size_t n = nv->n, clusters = 0, top = 0;
    int *core = calloc(n, sizeof *core);
    size_t *stack = malloc(n * n * sizeof *stack + 1);
    for (size_t i = 0; i < n; i++) {
        int cnt = 0;
        for (size_t j = 0; j < n; j++)
            cnt += naive_dist(nv, i, j) <= eps;
        core[i] = cnt >= min_samples;
        labels[i] = -1;
    }
    for (size_t start = 0; start < n; start++) {
        if (labels[start] != -1 || !core[start])
            continue;
        size_t i = start;
        for (;;) {
            if (labels[i] == -1) {
                labels[i] = (int32_t)clusters;
                if (core[i])
                    for (size_t j = 0; j < n; j++)
                        if (naive_dist(nv, i, j) <= eps && labels[j] == -1)
                            stack[top++] = j;
            }
            if (top == 0)
                break;
            i = stack[--top];
        }
        clusters++;
    }
    free(core);
    free(stack);
    return clusters;
}

static int dbl_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x > y ? -1 : x < y;
}

/* NearestNeighbors(n_neighbors=min_samples).kneighbors(X)[:, -1], sorted descending */
static void naive_kdist(const naive *nv, int min_samples, double *out)
{
    size_t n = nv->n, k = (size_t)min_samples < n ? (size_t)min_samples : n;
    for (size_t i = 0; i < n; i++)
        out[i] = nv->sorted[i * n + k - 1];
    qsort(out, n, sizeof *out, dbl_desc);
}

static uint64_t rng_state = 0x1234567;
static double uniform(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}
static double gauss(void) { return sqrt(-2 * log(uniform() + 1e-300)) * cos(2 * M_PI * uniform()); }

static int cross_check(const naive *nv, double eps, int min_samples)
{
    const double *x = nv->x;
    size_t n = nv->n, d = nv->d;
    int32_t *want = malloc(n * sizeof *want);
    double *kd = malloc(n * sizeof *kd);
    cl_dbscan_result r;
    int ok = run((double *)x, n, d, eps, min_samples, 1, &r) == AP_OK;
    if (ok) {
        size_t clusters = naive_dbscan(nv, r.eps, min_samples, want);
        naive_kdist(nv, min_samples, kd);
        ok = clusters == r.clusters && labels_are(&r, want, n) && r.kdist_n == n &&
             memcmp(kd, r.kdist, n * sizeof *kd) == 0;
        if (!ok)
            fprintf(stderr, "  cross-check n=%zu d=%zu eps=%g min_samples=%d: %zu vs %zu clusters\n",
                    n, d, r.eps, min_samples, r.clusters, clusters);
    }
    cl_dbscan_result_free(&r);
    free(want);
    free(kd);
    return ok;
}

static void test_cross_check(void)
{
    enum { N = 500 };
    static double grid[N * 3], blobs[N * 8];
    /* small-integer rows: many duplicates, exact ties (orthogonal rows at distance exactly 1),
     * zero rows */
    for (size_t i = 0; i < N * 3; i++)
        grid[i] = (double)((int)(uniform() * 4) - 1);
    const double eps_grid[] = {0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 1.5, 2.5, 0};
    const int ms[] = {1, 3, 5, 12};
    naive nv;
    naive_init(&nv, grid, N, 3);
    for (size_t e = 0; e < sizeof eps_grid / sizeof *eps_grid; e++)
        for (size_t k = 0; k < sizeof ms / sizeof *ms; k++)
            CHECK(cross_check(&nv, eps_grid[e], ms[k]));
    naive_free(&nv);

    /* scaled Gaussian blobs in 8-D with outliers, copied rows, and zero rows added after
     * scaling: 500 distinct-ish rows, enough for a deep tree and two threads */
    double centre[6][8];
    for (int c = 0; c < 6; c++)
        for (int j = 0; j < 8; j++)
            centre[c][j] = gauss() * 3;
    for (size_t i = 0; i < N; i++) {
        double *row = blobs + i * 8;
        if (i < 420) {
            int c = (int)(uniform() * 6);
            for (int j = 0; j < 8; j++)
                row[j] = centre[c][j] + gauss() * (0.2 + 0.2 * c);
        } else if (i < 450) {
            for (int j = 0; j < 8; j++)
                row[j] = gauss() * 4;
        } else {
            memcpy(row, blobs + (size_t)(uniform() * 420) * 8, 8 * sizeof *row);
        }
    }
    cl_matrix m = matrix(blobs, N, 8);
    cl_standard_scale(&m);
    for (size_t i = 490; i < 495; i++)
        memset(blobs + i * 8, 0, 8 * sizeof *blobs);
    const double eps_blobs[] = {0.005, 0.02, 0.05, 0.1, 0.2, 0.3, 0.6, 0};
    const int ms2[] = {2, 3, 4, 10};
    naive_init(&nv, blobs, N, 8);
    for (size_t e = 0; e < sizeof eps_blobs / sizeof *eps_blobs; e++)
        for (size_t k = 0; k < sizeof ms2 / sizeof *ms2; k++)
            CHECK(cross_check(&nv, eps_blobs[e], ms2[k]));
    naive_free(&nv);

    /* feature-like rows: counts near 12 centres in 20 columns, 600 variants drawn with a skew
     * (heavy duplication), scaled: many cores in intrinsically high dimension */
    enum { ROWS = 1200, COLS = 20, VARIANTS = 600 };
    static double counts[ROWS * COLS], centres[12 * COLS], variants[VARIANTS * COLS];
    for (size_t i = 0; i < 12 * COLS; i++)
        centres[i] = uniform() < 0.4 ? floor(uniform() * 20) : 0;
    for (size_t v = 0; v < VARIANTS; v++) {
        size_t c = (size_t)(pow(uniform(), 1.5) * 12);
        for (size_t k = 0; k < COLS; k++) {
            double x = centres[c * COLS + k] + (uniform() < 0.15 ? floor(uniform() * 5) - 2 : 0);
            variants[v * COLS + k] = x < 0 ? 0 : x;
        }
    }
    for (size_t r = 0; r < ROWS; r++)
        memcpy(counts + r * COLS, variants + (size_t)(pow(uniform(), 2.0) * VARIANTS) * COLS,
               COLS * sizeof *counts);
    cl_matrix mc = matrix(counts, ROWS, COLS);
    cl_standard_scale(&mc);
    const double eps_counts[] = {1e-3, 0.03, 0.1, 0.3, 0};
    const int ms3[] = {2, 3, 10};
    naive_init(&nv, counts, ROWS, COLS);
    for (size_t e = 0; e < sizeof eps_counts / sizeof *eps_counts; e++)
        for (size_t k = 0; k < sizeof ms3 / sizeof *ms3; k++)
            CHECK(cross_check(&nv, eps_counts[e], ms3[k]));
    naive_free(&nv);
}

static void test_knee(void)
{
    /* steep from 1.0 to 0.3 over 10 points, then nearly flat to 0.25: the corner is index 9 */
    double y[100];
    for (int i = 0; i < 10; i++)
        y[i] = 1.0 - 0.7 * i / 9.0;
    for (int i = 10; i < 100; i++)
        y[i] = 0.3 - 0.05 * (i - 9) / 90.0;
    CHECK_EQ_INT(cl_knee(y, 100), 9);
    const double line[5] = {4, 3, 2, 1, 0};
    CHECK_EQ_INT(cl_knee(line, 5), 0); /* nothing below the chord */
    CHECK_EQ_INT(cl_knee(y, 2), 0);
    CHECK_EQ_INT(cl_knee(NULL, 0), 0);
}

static int file_starts_with(const char *path, const char *magic, size_t n, long *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char buf[16] = {0};
    size_t got = fread(buf, 1, n, f);
    fseek(f, 0, SEEK_END);
    *size = ftell(f);
    fclose(f);
    return got == n && memcmp(buf, magic, n) == 0;
}

static int file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    static char buf[1 << 20];
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[got] = '\0';
    return strstr(buf, needle) != NULL;
}

static void test_plot(void)
{
    const char *dir = check_tmpdir("numeric");
    char path[4200], err[256];
    double kd[2000];
    for (int i = 0; i < 2000; i++)
        kd[i] = i < 100 ? 1.0 - i * 0.006 : 0.4 * exp(-(i - 100) / 300.0);
    size_t knee = cl_knee(kd, 2000);
    long size = 0;

    snprintf(path, sizeof path, "%s/kdist.png", dir);
    CHECK_EQ_INT(cl_kdist_plot(kd, 2000, knee, kd[knee], 3, "k-distance \x1b[31m\xff", path, err,
                               sizeof err),
                 AP_OK);
    CHECK(file_starts_with(path, "\x89PNG\r\n\x1a\n", 8, &size));
    CHECK(size > 1000);

    snprintf(path, sizeof path, "%s/kdist.SVG", dir);
    CHECK_EQ_INT(cl_kdist_plot(kd, 2000, knee, kd[knee], 3, "k-distance", path, err, sizeof err),
                 AP_OK);
    CHECK(file_contains(path, "<svg"));

    snprintf(path, sizeof path, "%s/empty.svg", dir);
    CHECK_EQ_INT(cl_kdist_plot(NULL, 0, 0, 0.3, 3, NULL, path, err, sizeof err), AP_OK);
    CHECK(file_contains(path, "<svg"));

    snprintf(path, sizeof path, "%s/kdist.jpg", dir);
    err[0] = '\0';
    CHECK_EQ_INT(cl_kdist_plot(kd, 2000, knee, 0.3, 3, "t", path, err, sizeof err), AP_ERR_ARG);
    CHECK(strstr(err, ".png or .svg") != NULL);
    CHECK_EQ_INT(cl_kdist_plot(kd, 2000, knee, 0.3, 3, "t", "dir.png/plot", err, sizeof err),
                 AP_ERR_ARG);
    CHECK_EQ_INT(cl_kdist_plot(kd, 2000, knee, 0.3, 3, "t", "/nonexistent-dir/x.png", err,
                               sizeof err),
                 AP_ERR_IO);
    CHECK(strstr(err, "/nonexistent-dir/x.png: ") == err);
    CHECK_EQ_INT(cl_kdist_plot(kd, 2000, knee, 0.3, 3, "t", "/nonexistent-dir/x.svg", err,
                               sizeof err),
                 AP_ERR_IO);
}

static void test_rank(void)
{
    /* 12 rows, 3 classes of 4. col 0 = 2 * label + 1 decides the label; col 1 repeats 0..3 in
     * every class (independent of it); col 2 is constant. */
    double v[12 * 3];
    int32_t labels[12];
    for (int r = 0; r < 12; r++) {
        labels[r] = r / 4 * 7; /* class ids need not be dense */
        v[r * 3] = 2.0 * (r / 4) + 1;
        v[r * 3 + 1] = r % 4;
        v[r * 3 + 2] = 5;
    }
    cl_matrix m = matrix(v, 12, 3);
    cl_feature_rank out[3];
    CHECK_EQ_INT(cl_rank_features(&m, labels, out), AP_OK);
    CHECK_EQ_INT(out[0].col, 0);
    CHECK_EQ_INT(out[1].col, 1);
    CHECK_EQ_INT(out[2].col, 2);
    CHECK(near(out[0].mutual_info, log(3.0)));
    CHECK(near(out[0].chi2, 128.0 / 12.0)); /* observed 4, 12, 20; expected 12 each */
    CHECK(near(out[0].variance, 8.0 / 3.0));
    CHECK(out[0].score == 0.0);
    CHECK(near(out[1].mutual_info, 0) && near(out[1].chi2, 0));
    CHECK(near(out[1].variance, 1.25));
    CHECK(near(out[1].score, (0.5 + 0.75 + 0.75) / 3)); /* ties share their mean rank */
    CHECK(out[2].variance == 0 && out[2].mutual_info == 0 && out[2].chi2 == 0);
    CHECK(near(out[2].score, (1.0 + 0.75 + 0.75) / 3));

    /* a negative column is shifted by its minimum for chi2: -1,-3,-5 -> 4,2,0; an unlabelled
     * row is left out of MI and chi2 but not of the variance */
    double w[13];
    int32_t lab[13];
    for (int r = 0; r < 12; r++) {
        w[r] = -(2.0 * (r / 4) + 1);
        lab[r] = r / 4;
    }
    w[12] = 100;
    lab[12] = -1;
    cl_matrix mw = matrix(w, 13, 1);
    CHECK_EQ_INT(cl_rank_features(&mw, lab, out), AP_OK);
    CHECK(near(out[0].chi2, 16.0)); /* observed 16, 8, 0; expected 8 each */
    CHECK(near(out[0].mutual_info, log(3.0)));
    CHECK(out[0].variance > 600);

    /* no labels: variance alone */
    CHECK_EQ_INT(cl_rank_features(&m, NULL, out), AP_OK);
    CHECK_EQ_INT(out[0].col, 0);
    CHECK_EQ_INT(out[2].col, 2);
    CHECK(out[0].mutual_info == 0 && out[0].chi2 == 0);
    CHECK(out[0].score == 0.0 && out[2].score == 1.0);
}

int main(void)
{
    test_standard_scale();
    test_groups_and_outliers();
    test_border_order();
    test_duplicates();
    test_zero_rows();
    test_bad_arguments();
    test_cross_check();
    test_knee();
    test_plot();
    test_rank();
    CHECK_DONE();
}
