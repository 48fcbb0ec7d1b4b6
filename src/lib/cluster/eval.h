/* eval.h — scoring a clustering against ground truth, and reading the truth file.
 *
 * Why it exists: "we measure how right we are". Pairwise and B-cubed precision/recall/F1 and the
 * adjusted Rand index, all computed from the contingency table (linear in the number of items,
 * never over pairs). The truth file is the simulator's truth.csv or an analyst's labels:
 * sensor,session,actor[,campaign] with a header line. */
#ifndef AP_CLUSTER_EVAL_H
#define AP_CLUSTER_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "actorprint.h"

/* Scores of one clustering. Items are what was scored (truth noise excluded by the caller). */
typedef struct cl_eval_scores {
    size_t items;
    size_t truth_clusters, pred_clusters;
    double pair_precision, pair_recall, pair_f1;
    double bcubed_precision, bcubed_recall, bcubed_f1;
    double ari;
} cl_eval_scores;

/* truth[i], pred[i]: the cluster labels (any 64-bit values) of item i, i < n. Pairwise precision
 * with no predicted pair (all singletons) is 1 by convention, recall with no true pair is 1;
 * ARI of two identical all-singleton labelings is 1; with n == 0 every score is 1.
 * Time and memory are linear in n (a hash table over the distinct (truth, pred) label pairs).
 * Return values: AP_OK; AP_ERR_NOMEM; AP_ERR_ARG (NULL out, or NULL arrays with n > 0);
 * AP_ERR_LIMIT (n >= 2^32 - 1). */
ap_status cl_eval_score(const uint64_t *truth, const uint64_t *pred, size_t n, cl_eval_scores *out);

/* One row of a truth file. Strings point into the truth set's own storage. */
typedef struct cl_truth_row {
    const char *sensor, *session, *actor, *campaign; /* campaign "" when the file has none */
} cl_truth_row;

typedef struct cl_truth cl_truth; /* opaque */

/* Reads a truth CSV: a header naming at least sensor, session and actor (any order, any case;
 * campaign optional; other columns ignored), then one row per session. RFC 4180 quoting is
 * accepted, as are a UTF-8 BOM, CRLF line ends and blank lines. Bad rows (wrong column count,
 * empty sensor/session/actor, a NUL byte in one of the kept cells, broken quoting) are reported
 * through on_diag (AP_SEV_WARNING, reason "bad_row", file = path or name, line = the row's first
 * line), skipped and counted; a second row for the same (sensor, session) likewise with reason
 * "duplicate_row" (the first row is kept). A missing header column is AP_ERR_FORMAT. Values are
 * kept byte for byte (not trimmed, invalid UTF-8 kept). On failure *out is NULL and err says why.
 * Return values: AP_OK; AP_ERR_IO (cannot read, or larger than 4 GiB); AP_ERR_FORMAT;
 * AP_ERR_NOMEM; AP_ERR_ARG (NULL out, or NULL buf with len > 0). */
ap_status cl_truth_load(const char *path, ap_diag_fn on_diag, void *user, cl_truth **out,
                        char *err, size_t errlen);
/* The same from a memory buffer (name is used in diagnostics); used by the fuzz target. */
ap_status cl_truth_parse(const char *name, const char *buf, size_t len, ap_diag_fn on_diag,
                         void *user, cl_truth **out, char *err, size_t errlen);
size_t cl_truth_count(const cl_truth *t);
/* Rows in file order (duplicates and bad rows left out); NULL when i >= count. */
const cl_truth_row *cl_truth_get(const cl_truth *t, size_t i);
/* The row of (sensor, session), or NULL. */
const cl_truth_row *cl_truth_find(const cl_truth *t, const char *sensor, const char *session);
int cl_truth_has_campaign(const cl_truth *t);
/* Rows skipped: malformed ones and duplicates of an earlier (sensor, session). */
size_t cl_truth_bad_rows(const cl_truth *t);
void cl_truth_free(cl_truth *t);

#endif
