/* tactics.h — which ATT&CK tactic a group of incidents is mostly about and how critical that is:
 * the primary tactic and criticality behind campaign_score (campaigns.c, and the model the
 * exporters read). The criticality table is data/cluster/tactic-criticality.tsv, compiled in,
 * or an analyst's own file in the same format. */
#ifndef AP_CLUSTER_TACTICS_H
#define AP_CLUSTER_TACTICS_H

#include "cluster/model.h"

typedef struct cl_crit_table {
    char (*tactic)[40];
    double *value;
    size_t n;
} cl_crit_table;

/* Loads path (NULL = the built-in table). Bad lines are reported through on_diag with file:line
 * and skipped. Return values: AP_OK; AP_ERR_IO (err says why); AP_ERR_NOMEM. */
ap_status cl_crit_load(cl_crit_table *t, const char *path, ap_diag_fn on_diag, void *user,
                       char *err, size_t errlen);
void cl_crit_free(cl_crit_table *t);
/* Criticality of a tactic shortname (1 when the table does not list it). */
double cl_crit_of(const cl_crit_table *t, const char *tactic, size_t n);

/* From technique tokens tech[i] seen in incidents[i] of `total` incidents: the primary tactic
 * (most incident sightings over the techniques' tactics; ties to the more critical) into
 * primary ("" when none) and the criticality (highest among the tactics of techniques seen in at
 * least half the incidents; 1 when none). */
void cl_tactic_summary(const cl_data *d, const cl_crit_table *t, const uint64_t *tech,
                       const uint32_t *incidents, size_t n, uint64_t total, char *primary,
                       size_t primary_len, double *criticality);

#endif
