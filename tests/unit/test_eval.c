/* test_eval.c — pins the clustering scores (cluster/eval.h) to values worked out by hand, to
 * scikit-learn's documented ARI examples and to a naive quadratic pair loop written here (the
 * library itself never loops over pairs), and pins the truth CSV reader: header forms (BOM,
 * CRLF, any column order and case, extra columns), RFC 4180 quoting, every kind of bad row with
 * its line number, duplicates, and hostile bytes (NUL, invalid UTF-8, a 16 MB cell). */
#include "check.h"
#include "cluster/eval.h"

#include <math.h>
#include <stdint.h>
#include <time.h>

#define NEAR(a, b) (fabs((double)(a) - (double)(b)) < 1e-9)
#define CHECK_NEAR(a, b)                                                                         \
    do {                                                                                         \
        double x_ = (a), y_ = (b);                                                               \
        if (!NEAR(x_, y_))                                                                       \
            fprintf(stderr, "  %s = %.15g, expected %.15g\n", #a, x_, y_);                       \
        CHECK(NEAR(x_, y_));                                                                     \
    } while (0)

static cl_eval_scores score(const uint64_t *t, const uint64_t *p, size_t n)
{
    cl_eval_scores s;
    ap_status st = cl_eval_score(t, p, n, &s);
    CHECK_EQ_INT(st, AP_OK);
    return s;
}

static void check_all_one(const cl_eval_scores *s)
{
    CHECK_NEAR(s->pair_precision, 1);
    CHECK_NEAR(s->pair_recall, 1);
    CHECK_NEAR(s->pair_f1, 1);
    CHECK_NEAR(s->bcubed_precision, 1);
    CHECK_NEAR(s->bcubed_recall, 1);
    CHECK_NEAR(s->bcubed_f1, 1);
    CHECK_NEAR(s->ari, 1);
}

/* truth {a,a,a,b,b}, pred {1,1,2,2,2}. Contingency: (a,1)=2 (a,2)=1 (b,2)=2; truth sizes 3,2;
 * predicted sizes 2,3; n = 5, C(5,2) = 10 pairs.
 *   pairs together in both:  C(2,2)+C(1,2)+C(2,2) = 2
 *   predicted pairs:          C(2,2)+C(3,2)        = 4  -> pair precision 2/4 = 0.5
 *   true pairs:               C(3,2)+C(2,2)        = 4  -> pair recall    2/4 = 0.5
 *   B-cubed precision: items 1,2 -> 2/2 each; item 3 -> 1/3; items 4,5 -> 2/3 each:
 *       (1 + 1 + 1/3 + 2/3 + 2/3) / 5 = (11/3) / 5 = 11/15; recall by symmetry of the
 *       table: (2/3 + 2/3 + 1/3 + 2/2 + 2/2) / 5 = 11/15.
 *   ARI (Hubert & Arabie): expected index = 4*4/10 = 1.6, max index = (4+4)/2 = 4,
 *       (2 - 1.6) / (4 - 1.6) = 1/6. */
static void test_hand_case(void)
{
    const uint64_t t[] = {10, 10, 10, 20, 20};
    const uint64_t p[] = {1, 1, 2, 2, 2};
    cl_eval_scores s = score(t, p, 5);
    CHECK_EQ_INT(s.items, 5);
    CHECK_EQ_INT(s.truth_clusters, 2);
    CHECK_EQ_INT(s.pred_clusters, 2);
    CHECK_NEAR(s.pair_precision, 0.5);
    CHECK_NEAR(s.pair_recall, 0.5);
    CHECK_NEAR(s.pair_f1, 0.5);
    CHECK_NEAR(s.bcubed_precision, 11.0 / 15);
    CHECK_NEAR(s.bcubed_recall, 11.0 / 15);
    CHECK_NEAR(s.bcubed_f1, 11.0 / 15);
    CHECK_NEAR(s.ari, 1.0 / 6);
}

/* Same truth, every item alone: no predicted pair (precision 1 by convention), none of the 4
 * true pairs found (recall 0); B-cubed precision 1, recall (3*(1/3) + 2*(1/2)) / 5 = 2/5,
 * F1 = 2*(2/5)/(7/5) = 4/7. ARI: index 0 = expected 0*4/10 -> 0. */
static void test_all_singletons(void)
{
    const uint64_t t[] = {10, 10, 10, 20, 20};
    const uint64_t p[] = {1, 2, 3, 4, 5};
    cl_eval_scores s = score(t, p, 5);
    CHECK_EQ_INT(s.pred_clusters, 5);
    CHECK_NEAR(s.pair_precision, 1);
    CHECK_NEAR(s.pair_recall, 0);
    CHECK_NEAR(s.pair_f1, 0);
    CHECK_NEAR(s.bcubed_precision, 1);
    CHECK_NEAR(s.bcubed_recall, 0.4);
    CHECK_NEAR(s.bcubed_f1, 4.0 / 7);
    CHECK_NEAR(s.ari, 0);
}

/* Same truth, everything in one cluster: 10 predicted pairs, 4 right -> precision 0.4,
 * recall 1, F1 = 0.8/1.4 = 4/7. B-cubed precision (3*(3/5) + 2*(2/5)) / 5 = 13/25, recall 1,
 * F1 = 2*0.52/1.52 = 13/19. ARI: index 4 = expected 4*10/10 -> 0. */
static void test_one_cluster(void)
{
    const uint64_t t[] = {10, 10, 10, 20, 20};
    const uint64_t p[] = {7, 7, 7, 7, 7};
    cl_eval_scores s = score(t, p, 5);
    CHECK_EQ_INT(s.pred_clusters, 1);
    CHECK_NEAR(s.pair_precision, 0.4);
    CHECK_NEAR(s.pair_recall, 1);
    CHECK_NEAR(s.pair_f1, 4.0 / 7);
    CHECK_NEAR(s.bcubed_precision, 13.0 / 25);
    CHECK_NEAR(s.bcubed_recall, 1);
    CHECK_NEAR(s.bcubed_f1, 13.0 / 19);
    CHECK_NEAR(s.ari, 0);
    /* Swapping truth and prediction swaps precision and recall; ARI is symmetric. */
    cl_eval_scores w = score(p, t, 5);
    CHECK_NEAR(w.pair_precision, 1);
    CHECK_NEAR(w.pair_recall, 0.4);
    CHECK_NEAR(w.bcubed_precision, 1);
    CHECK_NEAR(w.bcubed_recall, 13.0 / 25);
    CHECK_NEAR(w.ari, 0);
}

/* Identical partitions score 1 whatever the label values (only the grouping counts). */
static void test_identical(void)
{
    const uint64_t t[] = {5, 5, 7, 9, 9, 9, 0, UINT64_MAX};
    const uint64_t p[] = {UINT64_MAX, UINT64_MAX, 0, 3, 3, 3, 5, 7};
    cl_eval_scores s = score(t, p, 8);
    check_all_one(&s);
    CHECK_EQ_INT(s.truth_clusters, 5);
    CHECK_EQ_INT(s.pred_clusters, 5);
    s = score(t, t, 8);
    check_all_one(&s);
}

/* The edge cases of the conventions in eval.h. */
static void test_degenerate(void)
{
    cl_eval_scores s;
    CHECK_EQ_INT(cl_eval_score(NULL, NULL, 0, &s), AP_OK); /* nothing to score: all 1 */
    CHECK_EQ_INT(s.items, 0);
    CHECK_EQ_INT(s.truth_clusters, 0);
    check_all_one(&s);
    const uint64_t one[] = {42}, other[] = {43};
    s = score(one, other, 1);
    check_all_one(&s);
    const uint64_t single_t[] = {1, 2, 3, 4}, single_p[] = {8, 7, 6, 5};
    s = score(single_t, single_p, 4); /* both all-singletons: identical, ARI 1 */
    check_all_one(&s);
    const uint64_t all_t[] = {1, 1, 1, 1}, all_p[] = {2, 2, 2, 2};
    s = score(all_t, all_p, 4); /* both one cluster */
    check_all_one(&s);
    /* truth all singletons, prediction one cluster: 6 predicted pairs, none right */
    s = score(single_t, all_p, 4);
    CHECK_NEAR(s.pair_precision, 0);
    CHECK_NEAR(s.pair_recall, 1);
    CHECK_NEAR(s.pair_f1, 0);
    CHECK_NEAR(s.bcubed_precision, 0.25);
    CHECK_NEAR(s.bcubed_recall, 1);
    CHECK_NEAR(s.bcubed_f1, 0.4);
    CHECK_NEAR(s.ari, 0);
    CHECK_EQ_INT(cl_eval_score(one, other, 1, NULL), AP_ERR_ARG);
    CHECK_EQ_INT(cl_eval_score(NULL, other, 1, &s), AP_ERR_ARG);
}

/* scikit-learn's adjusted_rand_score, from the examples in its documentation, recomputed here
 * with its pair-confusion formula ARI = 2(tp*tn - fn*fp) / ((tp+fn)(fn+tn) + (tp+fp)(fp+tn)):
 *   ([0,0,1,1], [0,0,1,2]): tp=1 fp=0 fn=1 tn=4 -> 2*4 / (2*5 + 1*4) = 8/14 = 0.5714... (doc: 0.57)
 *   ([0,0,1,2], [0,0,1,1]): symmetric -> 0.5714...
 *   ([0,0,1,1], [0,1,0,1]): tp=0 fp=2 fn=2 tn=2 -> 2*(0-4) / (2*4 + 2*4) = -0.5      (doc: -0.5)
 *   ([0,0,1,1], [1,1,0,0]): same partition -> 1.0; ([0,0,0,0], [0,1,2,3]) -> 0.0. */
static void test_sklearn_examples(void)
{
    const uint64_t a[] = {0, 0, 1, 1}, b[] = {0, 0, 1, 2}, c[] = {0, 1, 0, 1}, d[] = {1, 1, 0, 0};
    const uint64_t e[] = {0, 0, 0, 0}, f[] = {0, 1, 2, 3};
    CHECK_NEAR(score(a, b, 4).ari, 4.0 / 7);
    CHECK_NEAR(score(b, a, 4).ari, 4.0 / 7);
    CHECK_NEAR(score(a, c, 4).ari, -0.5);
    CHECK_NEAR(score(a, d, 4).ari, 1.0);
    CHECK_NEAR(score(e, f, 4).ari, 0.0);
}

/* ---- the naive reference: every pair of items, O(n^2) ------------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rng_next(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static void naive_scores(const uint64_t *t, const uint64_t *p, size_t n, cl_eval_scores *s)
{
    uint64_t both = 0, same_t = 0, same_p = 0;
    double bp = 0, br = 0;
    size_t tc = 0, pc = 0;
    for (size_t i = 0; i < n; i++) {
        size_t in_p = 0, in_t = 0, in_both = 0;
        int first_t = 1, first_p = 1;
        for (size_t j = 0; j < n; j++) {
            in_p += p[j] == p[i];
            in_t += t[j] == t[i];
            in_both += p[j] == p[i] && t[j] == t[i];
            if (j < i && t[j] == t[i])
                first_t = 0;
            if (j < i && p[j] == p[i])
                first_p = 0;
            if (j > i) {
                same_t += t[j] == t[i];
                same_p += p[j] == p[i];
                both += t[j] == t[i] && p[j] == p[i];
            }
        }
        bp += (double)in_both / in_p;
        br += (double)in_both / in_t;
        tc += first_t;
        pc += first_p;
    }
    double all = n * (n - 1) / 2.0;
    s->items = n;
    s->truth_clusters = tc;
    s->pred_clusters = pc;
    s->pair_precision = same_p ? (double)both / same_p : 1;
    s->pair_recall = same_t ? (double)both / same_t : 1;
    s->pair_f1 = (s->pair_precision + s->pair_recall) > 0
                     ? 2 * s->pair_precision * s->pair_recall /
                           (s->pair_precision + s->pair_recall)
                     : 0;
    s->bcubed_precision = bp / n;
    s->bcubed_recall = br / n;
    s->bcubed_f1 = 2 * s->bcubed_precision * s->bcubed_recall /
                   (s->bcubed_precision + s->bcubed_recall);
    /* Hubert & Arabie's form (the library uses the pair-confusion form). */
    double expected = (double)same_t * same_p / all, max = (same_t + same_p) / 2.0;
    s->ari = (max == expected) ? 1.0 : (both - expected) / (max - expected);
}

static void test_random_against_naive(void)
{
    enum { N = 300 };
    static uint64_t t[N], p[N];
    const size_t kinds[][2] = {{2, 2}, {12, 20}, {40, 5}, {300, 300}, {1, 30}, {25, 25}};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        for (int rep = 0; rep < 5; rep++) {
            for (size_t i = 0; i < N; i++) {
                t[i] = rng_next() % kinds[k][0] * 0x100000001u; /* spread-out label values */
                /* prediction: the truth label most of the time, so scores are not all ~0 */
                p[i] = (rng_next() % 4) ? t[i] ^ 0xABCDEF : rng_next() % kinds[k][1];
            }
            cl_eval_scores got = score(t, p, N), want;
            naive_scores(t, p, N, &want);
            CHECK_EQ_INT(got.items, want.items);
            CHECK_EQ_INT(got.truth_clusters, want.truth_clusters);
            CHECK_EQ_INT(got.pred_clusters, want.pred_clusters);
            CHECK_NEAR(got.pair_precision, want.pair_precision);
            CHECK_NEAR(got.pair_recall, want.pair_recall);
            CHECK_NEAR(got.pair_f1, want.pair_f1);
            CHECK_NEAR(got.bcubed_precision, want.bcubed_precision);
            CHECK_NEAR(got.bcubed_recall, want.bcubed_recall);
            CHECK_NEAR(got.bcubed_f1, want.bcubed_f1);
            CHECK_NEAR(got.ari, want.ari);
        }
    }
}

/* Many distinct labels (the tables grow many times) with exactly known scores: 200 000 items,
 * truth i % 1000 (1000 clusters of 200), prediction all singletons. B-cubed recall is then
 * 1000 * 200 * (1/200) / 200 000 = 0.005; pair recall 0; ARI 0. Also times 1 M items. */
static void test_large(void)
{
    size_t n = 1000000;
    uint64_t *t = malloc(n * sizeof *t), *p = malloc(n * sizeof *p);
    CHECK(t && p);
    if (!t || !p) {
        free(t);
        free(p);
        return;
    }
    for (size_t i = 0; i < 200000; i++) {
        t[i] = i % 1000;
        p[i] = i * 0x9E3779B97F4A7C15u;
    }
    cl_eval_scores s = score(t, p, 200000);
    CHECK_EQ_INT(s.truth_clusters, 1000);
    CHECK_EQ_INT(s.pred_clusters, 200000);
    CHECK_NEAR(s.pair_precision, 1);
    CHECK_NEAR(s.pair_recall, 0);
    CHECK_NEAR(s.bcubed_precision, 1);
    CHECK_NEAR(s.bcubed_recall, 0.005);
    CHECK_NEAR(s.ari, 0);

    /* 1 M items, prediction = truth with every 10th item moved to its own cluster. Pairs of
     * 10 000 truth clusters of 100: 10 000 * C(100,2) true pairs; each cluster keeps 90 items
     * together: 10 000 * C(90,2) found (every 10th member of each cluster moved out), no wrong pair. */
    for (size_t i = 0; i < n; i++) {
        t[i] = i % 10000;
        p[i] = ((i / 10000) % 10 == 0) ? (1u << 30) + i : i % 10000;
    }
    clock_t c0 = clock();
    s = score(t, p, n);
    double secs = (double)(clock() - c0) / CLOCKS_PER_SEC;
    CHECK_NEAR(s.pair_precision, 1);
    CHECK_NEAR(s.pair_recall, (90.0 * 89) / (100.0 * 99));
    CHECK_NEAR(s.bcubed_precision, 1);
    /* B-cubed recall: 90 items see 90/100 of their cluster, 10 see 1/100 */
    CHECK_NEAR(s.bcubed_recall, (90 * 0.9 + 10 * 0.01) / 100);
    printf("scored 1 M items in %.2f s\n", secs);
    free(t);
    free(p);
}

/* ---- truth files -------------------------------------------------------------------------- */

typedef struct diags {
    int n;
    int warnings;
    uint64_t line[16];
    char reason[16][32];
    char message[16][512];
    char file[64];
} diags;

static void collect(void *user, const ap_diag *d)
{
    diags *g = user;
    if (d->severity == AP_SEV_WARNING)
        g->warnings++;
    if (g->n < 16) {
        g->line[g->n] = d->line;
        snprintf(g->reason[g->n], sizeof g->reason[0], "%s", d->reason);
        snprintf(g->message[g->n], sizeof g->message[0], "%s", d->message);
        snprintf(g->file, sizeof g->file, "%s", d->file);
    }
    g->n++;
}

static cl_truth *parse(const char *text, size_t len, diags *g, ap_status want)
{
    cl_truth *t = NULL;
    char err[256] = "";
    memset(g, 0, sizeof *g);
    ap_status st = cl_truth_parse("truth.csv", text, len, collect, g, &t, err, sizeof err);
    CHECK_EQ_INT(st, want);
    if (st != want)
        fprintf(stderr, "  err: %s\n", err);
    return t;
}
#define PARSE(lit, g, want) parse((lit), sizeof(lit) - 1, (g), (want))

static void check_row(const cl_truth *t, size_t i, const char *sensor, const char *session,
                      const char *actor, const char *campaign)
{
    const cl_truth_row *r = cl_truth_get(t, i);
    CHECK(r != NULL);
    if (!r)
        return;
    CHECK_EQ_STR(r->sensor, sensor);
    CHECK_EQ_STR(r->session, session);
    CHECK_EQ_STR(r->actor, actor);
    CHECK_EQ_STR(r->campaign, campaign);
}

static void test_truth_simulator_format(void)
{
    diags g;
    cl_truth *t = PARSE("sensor,session,actor,campaign\n"
                        "honey-1,a1b2c3,actor-03,camp-07\n"
                        "honey-2,ffee00,actor-01,camp-01\n"
                        "honey-1,ffee00,noise,\n",
                        &g, AP_OK);
    CHECK_EQ_INT(cl_truth_count(t), 3);
    CHECK_EQ_INT(cl_truth_bad_rows(t), 0);
    CHECK_EQ_INT(cl_truth_has_campaign(t), 1);
    CHECK_EQ_INT(g.n, 0);
    check_row(t, 0, "honey-1", "a1b2c3", "actor-03", "camp-07");
    check_row(t, 2, "honey-1", "ffee00", "noise", "");
    CHECK(cl_truth_get(t, 3) == NULL);
    /* lookups by (sensor, session): the same session id on two sensors is two sessions */
    const cl_truth_row *r = cl_truth_find(t, "honey-2", "ffee00");
    CHECK(r && strcmp(r->actor, "actor-01") == 0);
    r = cl_truth_find(t, "honey-1", "ffee00");
    CHECK(r && strcmp(r->actor, "noise") == 0);
    CHECK(cl_truth_find(t, "honey-3", "ffee00") == NULL);
    CHECK(cl_truth_find(t, "honey-1", "ffee0") == NULL);
    CHECK(cl_truth_find(t, "honey-", "1ffee00") == NULL);
    cl_truth_free(t);
}

/* A spreadsheet export: BOM, CRLF, columns reordered and capitalised, blanks around header
 * names, an extra column, no campaign, no final line end, blank lines in between. */
static void test_truth_spreadsheet_header(void)
{
    diags g;
    cl_truth *t = PARSE("\xEF\xBB\xBF"
                        "Actor, Notes ,SESSION, sensor \r\n"
                        "APT-x,looked manual,s1,sensA\r\n"
                        "\r\n"
                        "\n"
                        "APT-y,,s2,sensB",
                        &g, AP_OK);
    CHECK_EQ_INT(cl_truth_count(t), 2);
    CHECK_EQ_INT(cl_truth_bad_rows(t), 0);
    CHECK_EQ_INT(cl_truth_has_campaign(t), 0);
    check_row(t, 0, "sensA", "s1", "APT-x", "");
    check_row(t, 1, "sensB", "s2", "APT-y", "");
    cl_truth_free(t);
    /* blank lines before the header are skipped too */
    t = PARSE("\n\r\nsession,actor,sensor\ns,a,x\n", &g, AP_OK);
    CHECK_EQ_INT(cl_truth_count(t), 1);
    check_row(t, 0, "x", "s", "a", "");
    cl_truth_free(t);
}

/* RFC 4180: quoted cells with commas, doubled quotes and line breaks; line numbers of later
 * rows count the breaks inside quotes. */
static void test_truth_quoting(void)
{
    diags g;
    cl_truth *t = PARSE("\"sensor\",\"session\",\"actor\",\"campaign\"\n"
                        "\"s,1\",\"x\"\"y\",\"two\nlines\",\"\"\n"
                        "s2,plain,\"a\",\"c\"\r\n"
                        "s3,bad\n",
                        &g, AP_OK);
    CHECK_EQ_INT(cl_truth_count(t), 2);
    check_row(t, 0, "s,1", "x\"y", "two\nlines", "");
    check_row(t, 1, "s2", "plain", "a", "c");
    CHECK_EQ_INT(cl_truth_bad_rows(t), 1);
    CHECK_EQ_INT(g.n, 1);
    CHECK_EQ_INT(g.line[0], 5); /* the header is line 1, the quoted row spans lines 2-3 */
    CHECK_EQ_STR(g.reason[0], "bad_row");
    CHECK(strstr(g.message[0], "2 cells, the header has 4") != NULL);
    cl_truth_free(t);
}

/* Every kind of bad row is reported with its line and skipped; good rows around it stay. */
static void test_truth_bad_rows(void)
{
    diags g;
    static const char text[] = "sensor,session,actor\n"   /* 1 */
                               "s,1,a\n"                  /* 2 ok */
                               "s,2\n"                    /* 3 too few cells */
                               "s,3,a,extra\n"            /* 4 too many */
                               "s,4,\n"                   /* 5 empty actor */
                               ",5,a\n"                   /* 6 empty sensor */
                               "s,6\"x,a\n"               /* 7 quote in an unquoted cell */
                               "s,\"7\"x,a\n"             /* 8 text after the closing quote */
                               "s,8\0z,a\n"               /* 9 NUL byte */
                               "s,9,\xff\xfe\xc0\xaf\n"   /* 10 invalid UTF-8: kept as is */
                               "s,1,b\n"                  /* 11 duplicate of line 2 */
                               "s,10,a\n"                 /* 12 ok */
                               "s,11,\"unterminated\n"    /* 13 rest of file swallowed */
                               "s,12,a\n";
    cl_truth *t = parse(text, sizeof text - 1, &g, AP_OK);
    CHECK_EQ_INT(cl_truth_count(t), 3);
    check_row(t, 0, "s", "1", "a", "");
    check_row(t, 1, "s", "9", "\xff\xfe\xc0\xaf", "");
    check_row(t, 2, "s", "10", "a", "");
    CHECK_EQ_INT(cl_truth_bad_rows(t), 9);
    CHECK_EQ_INT(g.n, 9);
    CHECK_EQ_INT(g.warnings, 9);
    CHECK_EQ_STR(g.file, "truth.csv");
    const uint64_t lines[] = {3, 4, 5, 6, 7, 8, 9, 11, 13};
    const char *says[] = {"2 cells", "4 cells", "empty actor", "empty sensor", "quote inside",
                          "after the closing quote", "NUL byte", "already has a row",
                          "unterminated"};
    for (int i = 0; i < 9; i++) {
        CHECK_EQ_INT(g.line[i], lines[i]);
        CHECK_EQ_STR(g.reason[i], i == 7 ? "duplicate_row" : "bad_row");
        if (!strstr(g.message[i], says[i]))
            fprintf(stderr, "  message %d: %s\n", i, g.message[i]);
        CHECK(strstr(g.message[i], says[i]) != NULL);
    }
    /* the first row of a duplicated session wins */
    const cl_truth_row *r = cl_truth_find(t, "s", "1");
    CHECK(r && strcmp(r->actor, "a") == 0);
    cl_truth_free(t);

    /* no callback: rows are still skipped and counted */
    cl_truth *u = NULL;
    CHECK_EQ_INT(cl_truth_parse("x", text, sizeof text - 1, NULL, NULL, &u, NULL, 0), AP_OK);
    CHECK_EQ_INT(cl_truth_bad_rows(u), 9);
    cl_truth_free(u);
}

/* Attacker text in a duplicate's message reaches a terminal only escaped, and long values
 * are cut. */
static void test_truth_message_escaping(void)
{
    diags g;
    char text[4096];
    char longsess[1000];
    memset(longsess, 'q', sizeof longsess - 1);
    longsess[sizeof longsess - 1] = '\0';
    snprintf(text, sizeof text,
             "sensor,session,actor\n\x1b[31mevil\x07,%s,a\n\x1b[31mevil\x07,%s,b\n", longsess,
             longsess);
    cl_truth *t = parse(text, strlen(text), &g, AP_OK);
    CHECK_EQ_INT(cl_truth_count(t), 1);
    CHECK_EQ_INT(g.n, 1);
    CHECK_EQ_STR(g.reason[0], "duplicate_row");
    CHECK(strchr(g.message[0], 0x1b) == NULL && strchr(g.message[0], 0x07) == NULL);
    CHECK(strstr(g.message[0], "\\x1b[31mevil\\x07") != NULL);
    CHECK(strstr(g.message[0], "...") != NULL);
    CHECK(strlen(g.message[0]) < 300);
    cl_truth_free(t);
}

static void test_truth_bad_headers(void)
{
    diags g;
    char err[256] = "";
    cl_truth *t = (cl_truth *)1;
    static const char no_actor[] = "sensor,session,campaign\ns,1,c\n";
    CHECK_EQ_INT(cl_truth_parse("f.csv", no_actor, sizeof no_actor - 1, NULL, NULL, &t, err,
                                sizeof err),
                 AP_ERR_FORMAT);
    CHECK(t == NULL);
    CHECK(strstr(err, "f.csv:1:") != NULL && strstr(err, "'actor'") != NULL);
    /* data where the header should be */
    CHECK(PARSE("honey-1,abc,actor-1\n", &g, AP_ERR_FORMAT) == NULL);
    CHECK(PARSE("", &g, AP_ERR_FORMAT) == NULL);
    CHECK(PARSE("\xEF\xBB\xBF", &g, AP_ERR_FORMAT) == NULL);
    CHECK(PARSE("\n\n\r\n", &g, AP_ERR_FORMAT) == NULL);
    CHECK(PARSE("sensor,\"session,actor\n", &g, AP_ERR_FORMAT) == NULL); /* broken quote */
    CHECK(PARSE("sensor,sessions,actors\n", &g, AP_ERR_FORMAT) == NULL);
    CHECK(cl_truth_parse("f", "x", 1, NULL, NULL, NULL, NULL, 0) == AP_ERR_ARG);
    /* a header alone is a valid, empty truth set */
    t = PARSE("sensor,session,actor", &g, AP_OK);
    CHECK_EQ_INT(cl_truth_count(t), 0);
    CHECK(cl_truth_find(t, "a", "b") == NULL);
    cl_truth_free(t);
    cl_truth_free(NULL);
    CHECK_EQ_INT(cl_truth_count(NULL), 0);
}

/* A 16 MB cell, in a kept column, in an ignored column and in the header, and a 16 MB line
 * without any line end. */
static void test_truth_huge_cells(void)
{
    size_t big = 16u << 20;
    char *text = malloc(2 * big);
    CHECK(text != NULL);
    if (!text)
        return;
    diags g;
    size_t n = (size_t)sprintf(text, "sensor,session,actor,junk\ns,1,");
    memset(text + n, 'A', big);
    n += big;
    n += (size_t)sprintf(text + n, ",j\ns,2,b,");
    memset(text + n, 'J', big / 2);
    n += big / 2;
    cl_truth *t = parse(text, n, &g, AP_OK);
    CHECK_EQ_INT(cl_truth_count(t), 2);
    const cl_truth_row *r = cl_truth_get(t, 0);
    CHECK(r && strlen(r->actor) == big);
    check_row(t, 1, "s", "2", "b", "");
    cl_truth_free(t);

    n = (size_t)sprintf(text, "sensor,session,actor,");
    memset(text + n, 'H', big);
    n += big;
    n += (size_t)sprintf(text + n, "\ns,1,a,x\n");
    t = parse(text, n, &g, AP_OK);
    CHECK_EQ_INT(cl_truth_count(t), 1);
    cl_truth_free(t);

    n = (size_t)sprintf(text, "sensor,session,actor\n");
    memset(text + n, ',', big / 2);
    memset(text + n + big / 2, '\0', big / 2);
    n += big;
    t = parse(text, n, &g, AP_OK);
    CHECK_EQ_INT(cl_truth_count(t), 0);
    CHECK_EQ_INT(cl_truth_bad_rows(t), 1);
    cl_truth_free(t);
    free(text);
}

static void test_truth_load(void)
{
    const char *dir = check_tmpdir("eval");
    char path[4200];
    snprintf(path, sizeof path, "%s/truth.csv", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs("sensor,session,actor,campaign\nh,1,a,c\nh,1,b,c\n", f);
    fclose(f);
    diags g;
    memset(&g, 0, sizeof g);
    cl_truth *t = NULL;
    char err[256] = "";
    CHECK_EQ_INT(cl_truth_load(path, collect, &g, &t, err, sizeof err), AP_OK);
    CHECK_EQ_INT(cl_truth_count(t), 1);
    CHECK_EQ_INT(g.n, 1);
    CHECK_EQ_INT(g.line[0], 3);
    CHECK_EQ_STR(g.file, path);
    cl_truth_free(t);

    snprintf(path, sizeof path, "%s/missing.csv", dir);
    t = (cl_truth *)1;
    CHECK_EQ_INT(cl_truth_load(path, NULL, NULL, &t, err, sizeof err), AP_ERR_IO);
    CHECK(t == NULL);
    CHECK(strstr(err, "missing.csv") != NULL && strstr(err, "No such file") != NULL);
}

int main(void)
{
    test_hand_case();
    test_all_singletons();
    test_one_cluster();
    test_identical();
    test_degenerate();
    test_sklearn_examples();
    test_random_against_naive();
    test_large();
    test_truth_simulator_format();
    test_truth_spreadsheet_header();
    test_truth_quoting();
    test_truth_bad_rows();
    test_truth_message_escaping();
    test_truth_bad_headers();
    test_truth_huge_cells();
    test_truth_load();
    CHECK_DONE();
}
