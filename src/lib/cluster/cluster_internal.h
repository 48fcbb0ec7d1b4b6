/* cluster_internal.h — the result handle of ap_cluster_run and the cluster stage's internal
 * entry points shared by cluster.c, campaigns.c, features.c, cluster_csv.c and eval_store.c. */
#ifndef AP_CLUSTER_INTERNAL_H
#define AP_CLUSTER_INTERNAL_H

#include <stdio.h>

#include "cluster/model.h"
#include "cluster/numeric.h"

struct ap_cluster {
    cl_data d;
    ap_cluster_summary sum;
    int64_t *campaign_of; /* per incident: campaign number, 0 = none */
    int64_t *actor_of;    /* per incident: actor number, 0 = none */
    ap_campaign *campaigns;
    size_t ncampaigns;
    size_t *campaign_order; /* highest score first */
    ap_arena text;          /* the campaign table's strings */
};

double cl_now(void);

/* Loads the store and builds incidents (with the ASN table of opt, if any). */
ap_status cl_prepare(ap_store *store, const ap_cluster_options *opt, cl_data *d, char *err,
                     size_t errlen);

/* campaigns.c: the campaign table from the numbered result. */
struct cl_crit_table;
ap_status cl_campaigns_build(ap_cluster *c, const struct cl_crit_table *crit_table);

/* features.c: the per-incident feature matrix (one row per incident, in incident order). */
typedef struct cl_features {
    cl_matrix m;
    char **names;     /* m.cols column names (malloc'd strings) */
} cl_features;
ap_status cl_features_build(const cl_data *d, cl_features *f);
void cl_features_free(cl_features *f);

#endif
