/* dbscan.c — the seed recipe's clustering: DBSCAN with cosine distance, giving the labels
 * scikit-learn's DBSCAN(metric='precomputed') gives on cosine_distances(X), without the n x n
 * distance matrix the seed built (3 GB for 9 k incidents).
 *
 * How:
 *  - identical rows are collapsed (a hash of each row) and count with their multiplicity, so the
 *    cost is driven by the distinct rows;
 *  - the distinct non-zero rows are L2-normalised. For unit vectors the cosine distance 1 - u.v is
 *    half the squared Euclidean distance, so a ball tree (a metric index: nested balls around
 *    centroids) answers the eps range queries (Euclidean radius sqrt(2 eps)) and the
 *    k-nearest-neighbour queries of the k-distance curve. The tree only prunes, with a margin
 *    for rounding; membership is decided by 1 - u.v <= eps on each candidate, as the seed's
 *    matrix did, so the results are exact;
 *  - an all-zero row is what scikit-learn makes of it: distance 0 to itself and 1 to every other
 *    row, its zero twins included, so zero rows never pool their multiplicity;
 *  - labels follow scikit-learn's dbscan_inner: a core point has >= min_samples points (itself
 *    included) within eps; clusters are the connected groups of core points, numbered in the
 *    order of their first core row; a border point joins the cluster with the smallest number
 *    among its core neighbours (the first whose depth-first expansion reaches it); noise is -1.
 *
 * The queries run in three passes over the distinct rows (is it core? join the cores; attach
 * the borders), each spread over two threads. See docs/seed-recipe.md. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/numeric.h"
#include "util/hash.h"

enum {
    BALL_LEAF = 16,           /* points scanned linearly at a leaf of the tree */
    DBSCAN_THREADS = 2,       /* query threads (this VM has two cores) */
    PARALLEL_MIN_ITEMS = 256, /* fewer distinct rows than this: one thread */
    PARALLEL_CHUNK = 16       /* distinct rows a thread takes at a time */
};

#define NO_ID UINT32_MAX

/* The tree prunes with Euclidean distances computed in floating point; this slack keeps every
 * pruning decision conservative, so no point within eps is ever skipped. */
static double prune_reach(double cosine_radius)
{
    if (cosine_radius < 0)
        cosine_radius = 0;
    return sqrt(2.0 * cosine_radius + 1e-12) + 1e-9;
}

/* The Euclidean radius within which every point is surely within eps, so a subtree inside it
 * needs no distances; the margin dwarfs the rounding of the dot products. Negative: none. */
static double inner_reach(double eps)
{
    double c = 2.0 * eps * (1.0 - 1e-9) - 1e-10;
    return c > 0 ? sqrt(c) - 1e-9 : -1.0;
}

/* The dot product that decides every distance: four running sums (columns i mod 4), added as
 * (s0 + s1) + (s2 + s3), then the columns past the last multiple of 4. Any fixed order would
 * do; this one lets the compiler use vector instructions. */
static inline double dot(const double *a, const double *b, size_t d)
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

/* Euclidean distance, for pruning only (membership uses dot): four running sums let the
 * compiler use vector instructions; the different rounding is covered by the pruning slack. */
static inline double euclid(const double *a, const double *b, size_t d)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= d; i += 4) {
        double t0 = a[i] - b[i], t1 = a[i + 1] - b[i + 1];
        double t2 = a[i + 2] - b[i + 2], t3 = a[i + 3] - b[i + 3];
        s0 += t0 * t0;
        s1 += t1 * t1;
        s2 += t2 * t2;
        s3 += t3 * t3;
    }
    for (; i < d; i++) {
        double t = a[i] - b[i];
        s0 += t * t;
    }
    return sqrt((s0 + s1) + (s2 + s3));
}

/* Cosine distance as scikit-learn reports it (clipped to [0, 2]). */
static inline double cosine_value(double dotp)
{
    double d = 1.0 - dotp;
    return d < 0 ? 0 : d > 2 ? 2 : d;
}

/* ---- collapsing identical rows ------------------------------------------------------------ */

typedef struct distinct_rows {
    size_t n;         /* distinct rows */
    uint32_t *of_row; /* rows: the distinct id of each row */
    uint32_t *first;  /* distinct id -> the first row holding it */
    uint32_t *weight; /* distinct id -> multiplicity */
    uint64_t *hash;   /* distinct id -> hash of its values */
} distinct_rows;

static void distinct_free(distinct_rows *d)
{
    free(d->of_row);
    free(d->first);
    free(d->weight);
    free(d->hash);
    memset(d, 0, sizeof *d);
}

static int rows_equal(const double *a, const double *b, size_t cols)
{
    for (size_t c = 0; c < cols; c++)
        if (a[c] != b[c])
            return 0;
    return 1;
}

static int table_grow(uint32_t **table, size_t *cap, const uint64_t *hash)
{
    size_t ncap = *cap * 2;
    uint32_t *nt = malloc(ncap * sizeof *nt);
    if (!nt)
        return -1;
    memset(nt, 0xff, ncap * sizeof *nt);
    for (size_t s = 0; s < *cap; s++) {
        uint32_t id = (*table)[s];
        if (id == NO_ID)
            continue;
        size_t slot = (size_t)hash[id] & (ncap - 1);
        while (nt[slot] != NO_ID)
            slot = (slot + 1) & (ncap - 1);
        nt[slot] = id;
    }
    free(*table);
    *table = nt;
    *cap = ncap;
    return 0;
}

/* Groups equal rows (by value: -0.0 equals 0.0). AP_ERR_ARG when a value is NaN or infinite. */
static ap_status collapse_rows(const cl_matrix *m, distinct_rows *d)
{
    size_t rows = m->rows, cols = m->cols;
    ap_status st = AP_OK;
    memset(d, 0, sizeof *d);
    size_t cap = 1024;
    uint32_t *table = malloc(cap * sizeof *table);
    double *canon = malloc((cols + 1) * sizeof *canon);
    d->of_row = malloc((rows + 1) * sizeof *d->of_row);
    d->first = malloc((rows + 1) * sizeof *d->first);
    d->weight = malloc((rows + 1) * sizeof *d->weight);
    d->hash = malloc((rows + 1) * sizeof *d->hash);
    if (!table || !canon || !d->of_row || !d->first || !d->weight || !d->hash) {
        st = AP_ERR_NOMEM;
        goto out;
    }
    memset(table, 0xff, cap * sizeof *table);
    for (size_t r = 0; r < rows; r++) {
        const double *x = cl_row(m, r);
        for (size_t c = 0; c < cols; c++) {
            if (!isfinite(x[c])) {
                st = AP_ERR_ARG;
                goto out;
            }
            canon[c] = x[c] + 0.0; /* -0.0 becomes 0.0, so equal rows hash alike */
        }
        uint64_t h = ap_hash64(canon, cols * sizeof *canon);
        size_t slot = (size_t)h & (cap - 1);
        uint32_t id;
        while ((id = table[slot]) != NO_ID) {
            if (d->hash[id] == h && rows_equal(cl_row(m, d->first[id]), x, cols))
                break;
            slot = (slot + 1) & (cap - 1);
        }
        if (id == NO_ID) {
            id = (uint32_t)d->n++;
            d->first[id] = (uint32_t)r;
            d->weight[id] = 0;
            d->hash[id] = h;
            table[slot] = id;
            if (d->n * 2 > cap && table_grow(&table, &cap, d->hash) != 0) {
                st = AP_ERR_NOMEM;
                goto out;
            }
        }
        d->weight[id]++;
        d->of_row[r] = id;
    }
out:
    free(table);
    free(canon);
    if (st != AP_OK)
        distinct_free(d);
    return st;
}

/* ---- the ball tree over unit vectors ------------------------------------------------------ */

/* A node covers tree positions [lo, hi): every point of it lies within `radius` of the node's
 * centroid. A leaf (left < 0) is scanned. An internal node splits its points by which of two
 * far-apart points they are nearer to, which keeps separate clusters in separate subtrees; a
 * split that would leave less than 1/16 on one side is made at the median instead, so the depth
 * stays O(log n). Children always come after their parent in the node array. */
typedef struct ball_node {
    uint32_t lo, hi;
    int32_t left, right;
    double radius;
} ball_node;

typedef struct ball_tree {
    size_t n, dim;
    double *up;     /* n x dim unit vectors in tree order */
    uint32_t *item; /* tree position -> the caller's item id */
    ball_node *node;
    double *centre; /* nodes x dim centroids */
    size_t nodes;
} ball_tree;

typedef struct key_id {
    double key;
    uint32_t id;
} key_id;

/* Reorders a[0..n) so that a[k] has the k-th smallest key, smaller-or-equal ones before it and
 * larger-or-equal ones after (Hoare quickselect, median-of-three pivot). */
static void select_nth(key_id *a, ptrdiff_t n, ptrdiff_t k)
{
    ptrdiff_t lo = 0, hi = n - 1;
    while (hi > lo) {
        ptrdiff_t mid = lo + (hi - lo) / 2;
        double x = a[lo].key, y = a[mid].key, z = a[hi].key;
        double p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        ptrdiff_t i = lo, j = hi;
        while (i <= j) {
            while (a[i].key < p)
                i++;
            while (a[j].key > p)
                j--;
            if (i <= j) {
                key_id t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return;
    }
}

typedef struct ball_builder {
    ball_tree *t;
    const double *vec; /* item id -> unit vector (item * dim) */
    uint32_t *perm;    /* tree position -> item id, reordered while building */
    key_id *scratch;
    double *axis;      /* dim */
} ball_builder;

/* The point of perm[lo..hi) farthest from c. */
static uint32_t farthest(const ball_builder *b, uint32_t lo, uint32_t hi, const double *c,
                         double *dist)
{
    size_t dim = b->t->dim;
    uint32_t best = b->perm[lo];
    double bd = -1;
    for (uint32_t p = lo; p < hi; p++) {
        double d = euclid(c, b->vec + (size_t)b->perm[p] * dim, dim);
        if (d > bd) {
            bd = d;
            best = b->perm[p];
        }
    }
    if (dist)
        *dist = bd;
    return best;
}

static int32_t ball_build_node(ball_builder *b, uint32_t lo, uint32_t hi)
{
    ball_tree *t = b->t;
    size_t dim = t->dim;
    int32_t me = (int32_t)t->nodes++;
    double *c = t->centre + (size_t)me * dim;
    for (size_t k = 0; k < dim; k++)
        c[k] = 0;
    for (uint32_t p = lo; p < hi; p++) {
        const double *x = b->vec + (size_t)b->perm[p] * dim;
        for (size_t k = 0; k < dim; k++)
            c[k] += x[k];
    }
    for (size_t k = 0; k < dim; k++)
        c[k] /= (double)(hi - lo);
    ball_node nd = {lo, hi, -1, -1, 0};
    uint32_t a = farthest(b, lo, hi, c, &nd.radius);
    t->node[me] = nd; /* the node array never moves: it is sized for the worst case */
    if (hi - lo <= BALL_LEAF)
        return me;

    const double *va = b->vec + (size_t)a * dim;
    const double *vb = b->vec + (size_t)farthest(b, lo, hi, va, NULL) * dim;
    for (size_t k = 0; k < dim; k++)
        b->axis[k] = vb[k] - va[k];
    size_t cnt = hi - lo, m = cnt / 2, nearer_a = 0;
    double halfway = 0.5 * (dot(va, b->axis, dim) + dot(vb, b->axis, dim));
    for (size_t k = 0; k < cnt; k++) {
        uint32_t id = b->perm[lo + k];
        b->scratch[k].key = dot(b->vec + (size_t)id * dim, b->axis, dim);
        b->scratch[k].id = id;
        nearer_a += b->scratch[k].key < halfway;
    }
    if (nearer_a >= cnt / 16 && cnt - nearer_a >= cnt / 16)
        m = nearer_a; /* both sides non-empty: cnt > BALL_LEAF >= 16 */
    select_nth(b->scratch, (ptrdiff_t)cnt, (ptrdiff_t)m);
    for (size_t k = 0; k < cnt; k++)
        b->perm[lo + k] = b->scratch[k].id;
    uint32_t mid = lo + (uint32_t)m;
    int32_t left = ball_build_node(b, lo, mid);
    int32_t right = ball_build_node(b, mid, hi);
    t->node[me].left = left;
    t->node[me].right = right;
    return me;
}

static void ball_free(ball_tree *t)
{
    free(t->up);
    free(t->item);
    free(t->node);
    free(t->centre);
    memset(t, 0, sizeof *t);
}

/* Builds the tree over n unit vectors vec[id * dim]. */
static ap_status ball_build(ball_tree *t, const double *vec, size_t n, size_t dim)
{
    memset(t, 0, sizeof *t);
    t->n = n;
    t->dim = dim;
    size_t max_nodes = 2 * n + 1; /* every leaf holds at least one point */
    t->item = malloc((n + 1) * sizeof *t->item);
    t->node = malloc(max_nodes * sizeof *t->node);
    t->centre = malloc((max_nodes * dim + 1) * sizeof *t->centre);
    t->up = malloc((n * dim + 1) * sizeof *t->up);
    key_id *scratch = malloc((n + 1) * sizeof *scratch);
    double *axis = malloc((dim + 1) * sizeof *axis);
    if (!t->item || !t->node || !t->centre || !t->up || !scratch || !axis) {
        free(scratch);
        free(axis);
        ball_free(t);
        return AP_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        t->item[i] = (uint32_t)i;
    if (n > 0) {
        ball_builder b = {t, vec, t->item, scratch, axis};
        ball_build_node(&b, 0, (uint32_t)n);
    }
    free(scratch);
    free(axis);
    for (size_t p = 0; p < n; p++)
        memcpy(t->up + p * dim, vec + (size_t)t->item[p] * dim, dim * sizeof *t->up);
    return AP_OK;
}

static inline double centre_dist(const ball_tree *t, const double *q, int32_t ni)
{
    return euclid(q, t->centre + (size_t)ni * t->dim, t->dim);
}

/* ---- weighted k-nearest-neighbour queries -------------------------------------------------- */

typedef struct heap_entry {
    double d;
    uint64_t w;
} heap_entry;

/* The nearest candidates whose weights reach `need`, in a max-heap on distance. */
typedef struct knn_query {
    const ball_tree *t;
    const double *q;
    uint32_t self;
    const uint32_t *weight;
    uint64_t need, total;
    heap_entry *h;
    size_t hn;
    double reach; /* Euclidean pruning radius: infinite until `need` is reached */
} knn_query;

static void heap_push(heap_entry *h, size_t *n, heap_entry e)
{
    size_t i = (*n)++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h[p].d >= e.d)
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = e;
}

static void heap_pop(heap_entry *h, size_t *n)
{
    heap_entry last = h[--(*n)];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && h[c + 1].d > h[c].d)
            c++;
        if (h[c].d <= last.d)
            break;
        h[i] = h[c];
        i = c;
    }
    if (*n > 0)
        h[i] = last;
}

static void knn_offer(knn_query *k, double d, uint64_t w)
{
    if (k->total >= k->need && d >= k->h[0].d)
        return;
    heap_push(k->h, &k->hn, (heap_entry){d, w});
    k->total += w;
    while (k->hn > 0 && k->total - k->h[0].w >= k->need) {
        k->total -= k->h[0].w;
        heap_pop(k->h, &k->hn);
    }
    if (k->total >= k->need)
        k->reach = prune_reach(k->h[0].d);
}

/* Visits node ni, whose centroid is at distance d from the query. */
static void knn_node(knn_query *k, int32_t ni, double d)
{
    const ball_node *nd = &k->t->node[ni];
    if (d - nd->radius > k->reach)
        return;
    size_t dim = k->t->dim;
    if (nd->left < 0) {
        for (uint32_t p = nd->lo; p < nd->hi; p++)
            if (p != k->self)
                knn_offer(k, cosine_value(dot(k->q, k->t->up + (size_t)p * dim, dim)), k->weight[p]);
        return;
    }
    double dl = centre_dist(k->t, k->q, nd->left), dr = centre_dist(k->t, k->q, nd->right);
    if (dl <= dr) {
        knn_node(k, nd->left, dl);
        knn_node(k, nd->right, dr);
    } else {
        knn_node(k, nd->right, dr);
        knn_node(k, nd->left, dl);
    }
}

/* ---- the passes, spread over threads -------------------------------------------------------- */

typedef struct dbscan_job dbscan_job;

typedef struct worker {
    dbscan_job *job;
    uint32_t *hits; /* reused buffers: core points found by a joining query */
    size_t hits_cap;
    int32_t *marks; /* nodes whose core points a joining query joined */
    size_t marks_cap;
    heap_entry *heap;
} worker;

struct dbscan_job {
    int (*item)(dbscan_job *j, worker *w, uint32_t pos); /* 0, or -1 when out of memory */
    size_t n;
    atomic_size_t next;
    atomic_int failed;

    const ball_tree *t;
    const uint32_t *weight;  /* tree position -> multiplicity */
    uint64_t *weight_before; /* n + 1: multiplicities of the positions before p */
    double eps, reach, inner; /* cosine radius; Euclidean pruning and containment radii */
    uint64_t min_samples;
    uint8_t *core;            /* tree position -> is a core point */
    uint32_t *core_before;    /* n + 1: core points before position p */
    _Atomic uint32_t *parent; /* union-find over tree positions (core points): parent <= self */
    pthread_mutex_t lock;     /* serialises the unions of the joining pass */
    _Atomic uint32_t *joined; /* node -> a core point every core point of the subtree is joined
                                 with, or NO_ID (set once known; groups only grow) */
    uint32_t *comp_key;       /* tree position -> first row of its core group (after joining) */
    uint32_t *min_key;        /* node -> smallest comp_key among the subtree's core points */
    uint32_t *border_key;     /* tree position -> smallest key among its core neighbours */
    uint64_t zero_rows, rows_cap; /* k-distance: rows at distance 1; min(min_samples, rows) */
    double *kdist;            /* tree position -> its k-distance */
};

static void *worker_run(void *arg)
{
    worker *w = arg;
    dbscan_job *j = w->job;
    for (;;) {
        size_t s = atomic_fetch_add(&j->next, PARALLEL_CHUNK);
        if (s >= j->n || atomic_load(&j->failed))
            break;
        size_t e = s + PARALLEL_CHUNK < j->n ? s + PARALLEL_CHUNK : j->n;
        for (size_t i = s; i < e; i++)
            if (j->item(j, w, (uint32_t)i) != 0) {
                atomic_store(&j->failed, 1);
                return NULL;
            }
    }
    return NULL;
}

static ap_status run_pass(dbscan_job *j, worker *w, int (*item)(dbscan_job *, worker *, uint32_t))
{
    j->item = item;
    atomic_store(&j->next, 0);
    atomic_store(&j->failed, 0);
    pthread_t tid[DBSCAN_THREADS];
    int started[DBSCAN_THREADS] = {0};
    int threads = j->n >= PARALLEL_MIN_ITEMS ? DBSCAN_THREADS : 1;
    for (int i = 1; i < threads; i++)
        started[i] = pthread_create(&tid[i], NULL, worker_run, &w[i]) == 0;
    worker_run(&w[0]); /* a thread that failed to start leaves its share to the others */
    for (int i = 1; i < threads; i++)
        if (started[i])
            pthread_join(tid[i], NULL);
    return atomic_load(&j->failed) ? AP_ERR_NOMEM : AP_OK;
}

/* ---- union-find shared by the joining threads -----------------------------------------------
 * Unions happen under the job's lock; anyone may look up roots without it. A parent never has a
 * larger position than its child and links only ever point within one group, so a lookup
 * always ends, and two points found with the same root are truly in one group (a stale answer
 * can only be "not yet"). */

static inline uint32_t uf_parent(_Atomic uint32_t *parent, uint32_t x)
{
    return atomic_load_explicit(&parent[x], memory_order_relaxed);
}

/* The root of x, halving the path (under the lock, or when no other thread runs). */
static uint32_t uf_find(_Atomic uint32_t *parent, uint32_t x)
{
    uint32_t p;
    while ((p = uf_parent(parent, x)) != x) {
        uint32_t gp = uf_parent(parent, p);
        atomic_store_explicit(&parent[x], gp, memory_order_relaxed);
        x = gp;
    }
    return x;
}

static uint32_t uf_root_readonly(_Atomic uint32_t *parent, uint32_t x)
{
    uint32_t p;
    while ((p = uf_parent(parent, x)) != x)
        x = p;
    return x;
}

static void uf_union(_Atomic uint32_t *parent, uint32_t a, uint32_t b)
{
    a = uf_find(parent, a);
    b = uf_find(parent, b);
    if (a == b)
        return;
    if (a < b)
        atomic_store_explicit(&parent[b], a, memory_order_relaxed);
    else
        atomic_store_explicit(&parent[a], b, memory_order_relaxed);
}

/* ---- range queries ------------------------------------------------------------------------ */

/* What a range query does with the points within eps: count their multiplicities (is the query
 * point core?), list the core points to join with, or find the smallest key of a core
 * neighbour's group (which cluster does a border point join?). */
typedef enum { QUERY_COUNT, QUERY_JOIN, QUERY_BORDER } query_kind;

typedef struct range_query {
    dbscan_job *j;
    worker *w;
    const double *q;
    uint32_t self; /* the query's own tree position: always its own neighbour */
    query_kind kind;
    uint64_t count;       /* QUERY_COUNT */
    uint32_t best;        /* QUERY_BORDER */
    uint32_t root;        /* QUERY_JOIN: the query point's group when the query began */
    size_t nhits, nmarks; /* QUERY_JOIN, in w->hits and w->marks */
    int done, oom;
} range_query;

static int grow(void **buf, size_t *cap, size_t elem)
{
    size_t ncap = *cap ? *cap * 2 : 256;
    void *nb = realloc(*buf, ncap * elem);
    if (!nb)
        return -1;
    *buf = nb;
    *cap = ncap;
    return 0;
}

static void join_hit(range_query *rq, uint32_t pos)
{
    worker *w = rq->w;
    if (rq->nhits == w->hits_cap && grow((void **)&w->hits, &w->hits_cap, sizeof *w->hits) != 0) {
        rq->oom = rq->done = 1;
        return;
    }
    w->hits[rq->nhits++] = pos;
}

/* Node ni's core points will all be in the query point's group once its unions are done. */
static void join_mark(range_query *rq, int32_t ni)
{
    worker *w = rq->w;
    if (rq->nmarks == w->marks_cap &&
        grow((void **)&w->marks, &w->marks_cap, sizeof *w->marks) != 0) {
        rq->oom = rq->done = 1;
        return;
    }
    w->marks[rq->nmarks++] = ni;
}

static inline int within_eps(const range_query *rq, uint32_t pos)
{
    const ball_tree *t = rq->j->t;
    return pos == rq->self || 1.0 - dot(rq->q, t->up + (size_t)pos * t->dim, t->dim) <= rq->j->eps;
}

static inline int has_core(const dbscan_job *j, const ball_node *nd)
{
    return j->core_before[nd->hi] != j->core_before[nd->lo];
}

/* Is core point pos in the query point's group already? (A "no" may be stale.) */
static inline int in_query_group(const range_query *rq, uint32_t pos)
{
    return uf_root_readonly(rq->j->parent, pos) == rq->root;
}

/* Are all core points of node ni in the query's group already? */
static int node_in_query_group(const range_query *rq, int32_t ni)
{
    const dbscan_job *j = rq->j;
    if (!has_core(j, &j->t->node[ni]))
        return 1;
    uint32_t rep = atomic_load_explicit(&j->joined[ni], memory_order_acquire);
    return rep != NO_ID && in_query_group(rq, rep);
}

/* One point, found within eps or not. QUERY_JOIN only looks at core points not yet in the
 * query's group and after the query point (the pair's earlier point finds the later one), and
 * returns 0 for a core point it leaves out. */
static int range_point(range_query *rq, uint32_t pos)
{
    const dbscan_job *j = rq->j;
    switch (rq->kind) {
    case QUERY_COUNT:
        if (within_eps(rq, pos)) {
            rq->count += j->weight[pos];
            rq->done = rq->count >= j->min_samples;
        }
        return 1;
    case QUERY_JOIN:
        if (!j->core[pos] || pos == rq->self || in_query_group(rq, pos))
            return 1;
        if (pos < rq->self || !within_eps(rq, pos))
            return 0;
        join_hit(rq, pos);
        return 1;
    case QUERY_BORDER:
        if (j->core[pos] && j->comp_key[pos] < rq->best && within_eps(rq, pos))
            rq->best = j->comp_key[pos];
        return 1;
    }
    return 1;
}

/* Every point of node ni is within eps: no distances needed. */
static void range_whole(range_query *rq, int32_t ni)
{
    dbscan_job *j = rq->j;
    const ball_node *nd = &j->t->node[ni];
    switch (rq->kind) {
    case QUERY_COUNT:
        rq->count += j->weight_before[nd->hi] - j->weight_before[nd->lo];
        rq->done = rq->count >= j->min_samples;
        break;
    case QUERY_JOIN: {
        uint32_t rep = atomic_load_explicit(&j->joined[ni], memory_order_acquire);
        if (rep != NO_ID) {
            join_hit(rq, rep);
        } else {
            for (uint32_t p = nd->lo; p < nd->hi && !rq->done; p++)
                if (j->core[p] && p != rq->self && !in_query_group(rq, p))
                    join_hit(rq, p);
        }
        join_mark(rq, ni);
        break;
    }
    case QUERY_BORDER:
        if (j->min_key[ni] < rq->best)
            rq->best = j->min_key[ni];
        break;
    }
}

/* Does node ni need a visit? Decided without distances; for QUERY_JOIN a node left out may
 * clear *all (see range_node). */
static int range_needed(const range_query *rq, int32_t ni, int *all)
{
    const dbscan_job *j = rq->j;
    switch (rq->kind) {
    case QUERY_COUNT:
        return 1;
    case QUERY_JOIN:
        if (node_in_query_group(rq, ni))
            return 0;
        if (j->t->node[ni].hi <= rq->self) { /* only earlier points: their queries find these */
            *all = 0;
            return 0;
        }
        return 1;
    case QUERY_BORDER:
        return j->min_key[ni] < rq->best; /* else nothing below can lower the key */
    }
    return 1;
}

/* Visits node ni (range_needed said yes), whose centroid is at distance d from the query.
 * For QUERY_JOIN, returns 1 when every core point below will be in the query point's group
 * once its unions are done; the node is then marked (joined[ni]) so later queries of the
 * group skip it. */
static int range_node(range_query *rq, int32_t ni, double d)
{
    dbscan_job *j = rq->j;
    const ball_node *nd = &j->t->node[ni];
    const int join = rq->kind == QUERY_JOIN;
    if (d - nd->radius > j->reach) /* the ball lies beyond eps */
        return !join || !has_core(j, nd);
    if (d + nd->radius <= j->inner) { /* the ball lies within eps */
        range_whole(rq, ni);
        return 1;
    }
    int all = 1;
    if (nd->left < 0) {
        for (uint32_t p = nd->lo; p < nd->hi && !rq->done; p++)
            all &= range_point(rq, p);
    } else {
        int32_t child[2] = {nd->left, nd->right};
        double cd[2] = {0, 0};
        int visit[2];
        for (int c = 0; c < 2; c++) {
            visit[c] = range_needed(rq, child[c], &all);
            if (visit[c])
                cd[c] = centre_dist(j->t, rq->q, child[c]);
        }
        int first = visit[1] && (!visit[0] || cd[1] < cd[0]);
        for (int k = 0; k < 2 && !rq->done; k++) {
            int c = k == 0 ? first : !first;
            if (visit[c])
                all &= range_node(rq, child[c], cd[c]);
        }
    }
    if (join && all && !rq->done)
        join_mark(rq, ni);
    return all;
}

static void range_query_run(range_query *rq, dbscan_job *j, worker *w, uint32_t pos,
                            query_kind kind)
{
    memset(rq, 0, sizeof *rq);
    rq->j = j;
    rq->w = w;
    rq->q = j->t->up + (size_t)pos * j->t->dim;
    rq->self = pos;
    rq->kind = kind;
    rq->best = NO_ID;
    if (kind == QUERY_JOIN)
        rq->root = uf_root_readonly(j->parent, pos);
    int all = 1;
    if (range_needed(rq, 0, &all))
        (void)range_node(rq, 0, centre_dist(j->t, rq->q, 0));
}

/* Pass 1: a distinct row is core when its neighbours' multiplicities reach min_samples. */
static int pass_find_core(dbscan_job *j, worker *w, uint32_t pos)
{
    if (j->weight[pos] >= j->min_samples) {
        j->core[pos] = 1;
        return 0;
    }
    range_query rq;
    range_query_run(&rq, j, w, pos, QUERY_COUNT);
    j->core[pos] = rq.count >= j->min_samples;
    return 0;
}

/* Pass 2: joins each core point with the later core points within eps that are not in its
 * group yet. A subtree whose core points all end up in the group is remembered (joined[node]),
 * so later queries of the group skip it, and a query that covers it wholly joins with one
 * point. */
static int pass_join_core(dbscan_job *j, worker *w, uint32_t pos)
{
    if (!j->core[pos])
        return 0;
    range_query rq;
    range_query_run(&rq, j, w, pos, QUERY_JOIN);
    if (rq.oom)
        return -1;
    if (rq.nhits > 0) {
        pthread_mutex_lock(&j->lock);
        for (size_t i = 0; i < rq.nhits; i++)
            uf_union(j->parent, pos, w->hits[i]);
        pthread_mutex_unlock(&j->lock);
    }
    for (size_t i = 0; i < rq.nmarks; i++)
        atomic_store_explicit(&j->joined[w->marks[i]], pos, memory_order_release);
    return 0;
}

/* Pass 3: a non-core row with a core neighbour joins the earliest-numbered of their groups. */
static int pass_attach_border(dbscan_job *j, worker *w, uint32_t pos)
{
    if (j->core[pos])
        return 0;
    range_query rq;
    range_query_run(&rq, j, w, pos, QUERY_BORDER);
    j->border_key[pos] = rq.best;
    return 0;
}

/* The k-distance of a distinct row: the smallest distance at which its own multiplicity (at 0)
 * plus its neighbours' reach min(min_samples, rows) points; zero rows sit at distance 1. */
static int pass_kdist(dbscan_job *j, worker *w, uint32_t pos)
{
    uint64_t own = j->weight[pos];
    if (own >= j->rows_cap) {
        j->kdist[pos] = 0;
        return 0;
    }
    knn_query k;
    memset(&k, 0, sizeof k);
    k.t = j->t;
    k.q = j->t->up + (size_t)pos * j->t->dim;
    k.self = pos;
    k.weight = j->weight;
    k.need = j->rows_cap - own;
    k.h = w->heap;
    k.reach = INFINITY;
    if (j->zero_rows > 0)
        knn_offer(&k, 1.0, j->zero_rows);
    knn_node(&k, 0, centre_dist(j->t, k.q, 0));
    j->kdist[pos] = k.total >= k.need && k.hn > 0 ? k.h[0].d : 0;
    return 0;
}

/* ---- the public functions ------------------------------------------------------------------ */

size_t cl_knee(const double *y, size_t n)
{
    if (!y || n < 3)
        return 0;
    double y0 = y[0], y1 = y[n - 1], best = 0;
    size_t knee = 0;
    for (size_t i = 1; i + 1 < n; i++) {
        double chord = y0 + (y1 - y0) * ((double)i / (double)(n - 1));
        double below = chord - y[i];
        if (below > best) {
            best = below;
            knee = i;
        }
    }
    return knee;
}

void cl_dbscan_result_free(cl_dbscan_result *r)
{
    if (!r)
        return;
    free(r->labels);
    free(r->kdist);
    memset(r, 0, sizeof *r);
}

typedef struct kdist_run {
    double d;
    uint64_t count;
} kdist_run;

static int kdist_run_desc(const void *a, const void *b)
{
    double x = ((const kdist_run *)a)->d, y = ((const kdist_run *)b)->d;
    return x > y ? -1 : x < y ? 1 : 0;
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The label of a group whose first core row is `key`: its rank among all the groups' keys. */
static int32_t label_of_key(const uint32_t *keys, size_t nkeys, uint32_t key)
{
    size_t lo = 0, hi = nkeys;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (keys[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (int32_t)lo;
}

/* Everything the clustering holds between the steps of cl_dbscan. */
typedef struct dbscan_state {
    const cl_matrix *m;
    distinct_rows dr;
    size_t nz;           /* distinct non-zero rows (the tree's points) */
    uint64_t zero_rows;  /* rows that are all zero (or of no representable norm) */
    uint32_t *pos_of;    /* distinct id -> tree position, NO_ID for a zero row */
    uint32_t *weight;    /* tree position -> multiplicity */
    uint32_t *first_row; /* tree position -> first row */
    ball_tree tree;
    worker w[DBSCAN_THREADS];
    dbscan_job job;
} dbscan_state;

static void state_free(dbscan_state *s)
{
    distinct_free(&s->dr);
    free(s->pos_of);
    free(s->weight);
    free(s->first_row);
    ball_free(&s->tree);
    for (int i = 0; i < DBSCAN_THREADS; i++) {
        free(s->w[i].hits);
        free(s->w[i].marks);
        free(s->w[i].heap);
    }
    free(s->job.weight_before);
    free(s->job.core);
    free(s->job.core_before);
    free((void *)s->job.parent);
    free((void *)s->job.joined);
    free(s->job.comp_key);
    free(s->job.min_key);
    free(s->job.border_key);
    free(s->job.kdist);
}

/* Normalises the distinct non-zero rows and builds the tree over them. */
static ap_status index_rows(dbscan_state *s)
{
    const cl_matrix *m = s->m;
    size_t cols = m->cols, nd = s->dr.n;
    s->pos_of = malloc((nd + 1) * sizeof *s->pos_of);
    double *unit = malloc((nd * cols + 1) * sizeof *unit);
    uint32_t *id_of = malloc((nd + 1) * sizeof *id_of); /* unit-vector index -> distinct id */
    if (!s->pos_of || !unit || !id_of) {
        free(unit);
        free(id_of);
        return AP_ERR_NOMEM;
    }
    s->nz = 0;
    for (size_t id = 0; id < nd; id++) {
        const double *x = cl_row(m, s->dr.first[id]);
        double norm = sqrt(dot(x, x, cols));
        s->pos_of[id] = NO_ID;
        if (norm == 0 || !isfinite(norm)) { /* scikit-learn leaves such a row as it is: */
            s->zero_rows += s->dr.weight[id]; /* its dot with every other row is 0 */
            continue;
        }
        double *u = unit + s->nz * cols;
        for (size_t c = 0; c < cols; c++)
            u[c] = x[c] / norm;
        id_of[s->nz++] = (uint32_t)id;
    }
    ap_status st = ball_build(&s->tree, unit, s->nz, cols);
    free(unit);
    if (st == AP_OK) {
        s->weight = malloc((s->nz + 1) * sizeof *s->weight);
        s->first_row = malloc((s->nz + 1) * sizeof *s->first_row);
        if (!s->weight || !s->first_row)
            st = AP_ERR_NOMEM;
    }
    if (st == AP_OK)
        for (size_t p = 0; p < s->nz; p++) {
            uint32_t id = id_of[s->tree.item[p]];
            s->pos_of[id] = (uint32_t)p;
            s->weight[p] = s->dr.weight[id];
            s->first_row[p] = s->dr.first[id];
        }
    free(id_of);
    return st;
}

/* The k-distance of every row, sorted descending, into out->kdist. */
static ap_status compute_kdist(dbscan_state *s, uint64_t min_samples, cl_dbscan_result *out)
{
    size_t rows = s->m->rows;
    dbscan_job *j = &s->job;
    j->rows_cap = min_samples < rows ? min_samples : rows;
    j->zero_rows = s->zero_rows;
    j->kdist = malloc((s->nz + 1) * sizeof *j->kdist);
    kdist_run *runs = malloc((s->nz + 2) * sizeof *runs);
    out->kdist = malloc((rows + 1) * sizeof *out->kdist);
    ap_status st = j->kdist && runs && out->kdist ? AP_OK : AP_ERR_NOMEM;
    for (int i = 0; i < DBSCAN_THREADS && st == AP_OK; i++) {
        s->w[i].heap = malloc((j->rows_cap + 3) * sizeof *s->w[i].heap);
        if (!s->w[i].heap)
            st = AP_ERR_NOMEM;
    }
    if (st == AP_OK) {
        j->n = s->nz;
        st = run_pass(j, s->w, pass_kdist);
    }
    if (st == AP_OK) {
        size_t nr = 0;
        for (size_t p = 0; p < s->nz; p++)
            runs[nr++] = (kdist_run){j->kdist[p], s->weight[p]};
        if (s->zero_rows > 0) /* a zero row's only point at distance 0 is itself */
            runs[nr++] = (kdist_run){j->rows_cap <= 1 ? 0.0 : 1.0, s->zero_rows};
        qsort(runs, nr, sizeof *runs, kdist_run_desc);
        size_t k = 0;
        for (size_t r = 0; r < nr; r++)
            for (uint64_t c = 0; c < runs[r].count; c++)
                out->kdist[k++] = runs[r].d;
        out->kdist_n = rows;
        out->knee = cl_knee(out->kdist, rows);
    }
    free(runs);
    return st;
}

/* eps at the knee; a knee at distance 0 (a curve ending in duplicates) moves to the smallest
 * positive k-distance, and with none at all eps is 1e-6. */
static void choose_eps(cl_dbscan_result *out)
{
    out->eps = out->kdist_n > 0 ? out->kdist[out->knee] : 0;
    if (out->eps > 0)
        return;
    for (size_t i = out->kdist_n; i-- > 0;)
        if (out->kdist[i] > 0) {
            out->knee = i;
            out->eps = out->kdist[i];
            return;
        }
    out->eps = 1e-6;
}

/* Each core point's group key (its group's first core row) into j->comp_key, and the keys of
 * all groups into keys[]. */
static void key_groups(dbscan_state *s, uint32_t *keys, size_t *nkeys)
{
    dbscan_job *j = &s->job;
    uint32_t *key = j->comp_key;
    for (size_t p = 0; p < s->nz; p++)
        key[p] = NO_ID;
    for (size_t p = 0; p < s->nz; p++) {
        if (!j->core[p])
            continue;
        uint32_t root = uf_find(j->parent, (uint32_t)p);
        if (s->first_row[p] < key[root])
            key[root] = s->first_row[p];
    }
    for (size_t p = 0; p < s->nz; p++) {
        if (!j->core[p])
            continue;
        if (uf_parent(j->parent, (uint32_t)p) == p)
            keys[(*nkeys)++] = key[p];
        key[p] = key[uf_find(j->parent, (uint32_t)p)];
    }
}

/* The smallest group key of each node's core points; children come after their parent in the
 * node array, so one backward sweep does it. */
static void key_subtrees(dbscan_job *j)
{
    const ball_tree *t = j->t;
    for (size_t ni = t->nodes; ni-- > 0;) {
        const ball_node *nd = &t->node[ni];
        uint32_t best = NO_ID;
        if (nd->left < 0) {
            for (uint32_t p = nd->lo; p < nd->hi; p++)
                if (j->core[p] && j->comp_key[p] < best)
                    best = j->comp_key[p];
        } else {
            best = j->min_key[nd->left] < j->min_key[nd->right] ? j->min_key[nd->left]
                                                                 : j->min_key[nd->right];
        }
        j->min_key[ni] = best;
    }
}

/* Core rows, their groups and the border rows, then a label for every row. */
static ap_status label_rows(dbscan_state *s, uint64_t min_samples, cl_dbscan_result *out)
{
    const size_t rows = s->m->rows, nz = s->nz, nodes = s->tree.nodes;
    dbscan_job *j = &s->job;
    uint32_t *keys = NULL;
    size_t nkeys = 0;
    ap_status st = AP_OK;

    /* eps >= 1 with a zero row: the zero row is within eps of every row. Either every row is
     * core and they all form one cluster, or there are too few rows for any core point. */
    if (s->zero_rows > 0 && out->eps >= 1.0) {
        int32_t all = rows >= min_samples ? 0 : -1;
        for (size_t r = 0; r < rows; r++)
            out->labels[r] = all;
        out->clusters = all == 0 ? 1 : 0;
        return AP_OK;
    }

    j->n = nz;
    j->eps = out->eps;
    j->reach = prune_reach(out->eps);
    j->inner = inner_reach(out->eps);
    j->weight_before = malloc((nz + 1) * sizeof *j->weight_before);
    j->core = calloc(nz + 1, 1);
    j->core_before = malloc((nz + 1) * sizeof *j->core_before);
    j->parent = malloc((nz + 1) * sizeof *j->parent);
    j->joined = malloc((nodes + 1) * sizeof *j->joined);
    j->comp_key = malloc((nz + 1) * sizeof *j->comp_key);
    j->min_key = malloc((nodes + 1) * sizeof *j->min_key);
    j->border_key = malloc((nz + 1) * sizeof *j->border_key);
    /* keys: one per group of core rows, plus each zero row when it is a cluster of its own */
    keys = malloc((nz + (min_samples <= 1 ? s->zero_rows : 0) + 1) * sizeof *keys);
    if (!j->weight_before || !j->core || !j->core_before || !j->parent || !j->joined ||
        !j->comp_key || !j->min_key || !j->border_key || !keys) {
        st = AP_ERR_NOMEM;
        goto out;
    }
    j->weight_before[0] = 0;
    for (size_t p = 0; p < nz; p++) {
        j->weight_before[p + 1] = j->weight_before[p] + s->weight[p];
        atomic_init(&j->parent[p], (uint32_t)p);
        j->border_key[p] = NO_ID;
    }
    for (size_t ni = 0; ni < nodes; ni++)
        atomic_init(&j->joined[ni], NO_ID);

    if ((st = run_pass(j, s->w, pass_find_core)) != AP_OK)
        goto out;
    j->core_before[0] = 0;
    for (size_t p = 0; p < nz; p++)
        j->core_before[p + 1] = j->core_before[p] + j->core[p];
    if (pthread_mutex_init(&j->lock, NULL) != 0) {
        st = AP_ERR_INTERNAL;
        goto out;
    }
    st = run_pass(j, s->w, pass_join_core);
    pthread_mutex_destroy(&j->lock);
    if (st != AP_OK)
        goto out;
    key_groups(s, keys, &nkeys);
    key_subtrees(j);
    if ((st = run_pass(j, s->w, pass_attach_border)) != AP_OK)
        goto out;

    for (size_t r = 0; r < rows && min_samples <= 1; r++)
        if (s->pos_of[s->dr.of_row[r]] == NO_ID)
            keys[nkeys++] = (uint32_t)r; /* with min_samples 1 a zero row is its own cluster */
    qsort(keys, nkeys, sizeof *keys, u32_cmp);
    out->clusters = nkeys;
    for (size_t r = 0; r < rows; r++) {
        uint32_t p = s->pos_of[s->dr.of_row[r]];
        uint32_t key = p == NO_ID ? (min_samples <= 1 ? (uint32_t)r : NO_ID)
                       : j->core[p] ? j->comp_key[p]
                                    : j->border_key[p];
        out->labels[r] = key == NO_ID ? -1 : label_of_key(keys, nkeys, key);
    }
out:
    free(keys);
    return st;
}

ap_status cl_dbscan(const cl_matrix *m, const cl_dbscan_options *opt, int want_kdist,
                    cl_dbscan_result *out)
{
    if (!out)
        return AP_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!m || (m->rows > 0 && !m->v) || m->rows >= (size_t)INT32_MAX)
        return AP_ERR_ARG;
    int min_samples_i = opt ? opt->min_samples : 3;
    if (min_samples_i < 1)
        return AP_ERR_ARG;
    uint64_t min_samples = (uint64_t)min_samples_i;
    double eps = opt ? opt->eps : 0;
    if (isnan(eps))
        return AP_ERR_ARG;

    dbscan_state s;
    memset(&s, 0, sizeof s);
    s.m = m;
    for (int i = 0; i < DBSCAN_THREADS; i++)
        s.w[i].job = &s.job;
    s.job.t = &s.tree;
    s.job.min_samples = min_samples;

    ap_status st = collapse_rows(m, &s.dr);
    if (st == AP_OK)
        st = index_rows(&s);
    s.job.weight = s.weight;
    out->labels = malloc((m->rows + 1) * sizeof *out->labels);
    if (st == AP_OK && !out->labels)
        st = AP_ERR_NOMEM;
    if (st == AP_OK && (want_kdist || eps <= 0))
        st = compute_kdist(&s, min_samples, out);
    if (st == AP_OK) {
        if (eps <= 0)
            choose_eps(out);
        else
            out->eps = eps;
        st = label_rows(&s, min_samples, out);
    }
    if (st == AP_OK && !want_kdist) {
        free(out->kdist);
        out->kdist = NULL;
        out->kdist_n = 0;
        out->knee = 0;
    }
    state_free(&s);
    if (st != AP_OK)
        cl_dbscan_result_free(out);
    return st;
}
