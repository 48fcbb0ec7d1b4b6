/* eval_store.c — scores the stored clustering (the last `cluster` run) against a truth file:
 * joins the truth's (sensor, session) rows to the stored assignment and hands both labelings
 * to cl_eval_score (eval.c). Truth sessions labelled "noise" are left out; a session whose
 * incident is linked to nothing is a cluster of its own incident; a truth session the store
 * does not have (lost at ingest) is a cluster of its own and counted as missing, so losing
 * data shows as lost recall instead of vanishing from the score.
 */
#include <stdlib.h>
#include <string.h>

#include "cluster/eval.h"
#include "store/store.h"
#include "util/hash.h"
#include "util/grow.h"
#include "util/idmap.h"

typedef struct result_rows {
    ap_idmap idx;            /* hash(sensor, session) -> row */
    int64_t (*v)[3];         /* incident, campaign, actor */
    size_t n, cap;
} result_rows;

static uint64_t key_of(const char *sensor, size_t sn, const char *session, size_t n)
{
    uint64_t k = ap_hash64_seed(session, n, ap_hash64(sensor, sn));
    return k ? k : 1;
}

static ap_status on_result(void *user, const ap_store_col *c, int nc)
{
    result_rows *r = user;
    if (nc < 5 || !c[0].s || !c[1].s)
        return AP_OK;
    if (ap_grow(&r->v, &r->cap, r->n, sizeof *r->v, 4096) != 0)
        return AP_ERR_NOMEM;
    r->v[r->n][0] = c[2].i;
    r->v[r->n][1] = c[3].i;
    r->v[r->n][2] = c[4].i;
    if (!ap_idmap_put(&r->idx, key_of(c[0].s, (size_t)c[0].n, c[1].s, (size_t)c[1].n),
                      (uint32_t)r->n, NULL))
        return AP_ERR_NOMEM;
    r->n++;
    return AP_OK;
}

ap_status ap_eval_truth(ap_store *store, const char *truth_path, ap_eval_level level,
                        ap_diag_fn on_diag, void *user, ap_eval_report *out, char *err,
                        size_t errlen)
{
    char dummy[8];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    memset(out, 0, sizeof *out);
    cl_truth *t = NULL;
    ap_status s = cl_truth_load(truth_path, on_diag, user, &t, err, errlen);
    if (s != AP_OK)
        return s;
    if (level == AP_EVAL_CAMPAIGN && !cl_truth_has_campaign(t)) {
        snprintf(err, errlen, "%s: no campaign column for --level campaign", truth_path);
        cl_truth_free(t);
        return AP_ERR_ARG;
    }
    result_rows r = {0};
    s = ap_store_cl_scan_rows(store, AP_CL_RESULT, on_result, &r);
    if (s == AP_OK && r.n == 0) {
        snprintf(err, errlen, "nothing is clustered yet: run `actorprint cluster` first");
        s = AP_ERR_NOT_FOUND;
    } else if (s != AP_OK) {
        snprintf(err, errlen, "%s", s == AP_ERR_NOMEM ? "out of memory" : ap_store_errmsg(store));
    }
    size_t n = cl_truth_count(t);
    uint64_t *truth = NULL, *pred = NULL;
    if (s == AP_OK && (!(truth = malloc((n ? n : 1) * sizeof *truth)) ||
                       !(pred = malloc((n ? n : 1) * sizeof *pred)))) {
        snprintf(err, errlen, "out of memory");
        s = AP_ERR_NOMEM;
    }
    size_t m = 0;
    for (size_t i = 0; s == AP_OK && i < n; i++) {
        const cl_truth_row *row = cl_truth_get(t, i);
        const char *label = level == AP_EVAL_CAMPAIGN ? row->campaign : row->actor;
        if (!strcmp(row->actor, "noise") || !strcmp(label, "noise")) {
            out->noise++;
            continue;
        }
        truth[m] = ap_hash64(label, strlen(label));
        const uint32_t *k = ap_idmap_get(
            &r.idx, key_of(row->sensor, strlen(row->sensor), row->session, strlen(row->session)));
        /* label spaces kept apart by the top bits: 1 = a number, 2 = an incident, 3 = missing */
        if (!k) {
            out->missing++;
            pred[m] = (UINT64_C(3) << 62) | i;
        } else {
            int64_t id = r.v[*k][level == AP_EVAL_CAMPAIGN ? 1 : 2];
            pred[m] = id > 0 ? (UINT64_C(1) << 62) | (uint64_t)id
                             : (UINT64_C(2) << 62) | (uint64_t)r.v[*k][0];
        }
        m++;
    }
    if (s == AP_OK) {
        cl_eval_scores sc;
        if ((s = cl_eval_score(truth, pred, m, &sc)) != AP_OK) {
            snprintf(err, errlen, "out of memory");
        } else {
            out->truth_rows = n;
            out->bad_rows = cl_truth_bad_rows(t);
            out->scored = m;
            out->truth_clusters = sc.truth_clusters;
            out->predicted_clusters = sc.pred_clusters;
            out->pair_precision = sc.pair_precision;
            out->pair_recall = sc.pair_recall;
            out->pair_f1 = sc.pair_f1;
            out->bcubed_precision = sc.bcubed_precision;
            out->bcubed_recall = sc.bcubed_recall;
            out->bcubed_f1 = sc.bcubed_f1;
            out->ari = sc.ari;
        }
    }
    free(truth);
    free(pred);
    free(r.v);
    ap_idmap_free(&r.idx);
    cl_truth_free(t);
    return s;
}
