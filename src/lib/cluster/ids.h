/* ids.h — stable campaign and actor numbers across runs (ids.c). */
#ifndef AP_CLUSTER_IDS_H
#define AP_CLUSTER_IDS_H

#include "cluster/model.h"

/* Previous-run columns (cl_data.prev[i][level]). */
enum { CL_PREV_INCIDENT = 0, CL_PREV_CAMPAIGN = 1, CL_PREV_ACTOR = 2 };

/* comp[i]: the component representative of incident i (the smallest incident index of its
 * component); eligible[i]: whether incident i gets a number. Writes ids[i] (0 when not
 * eligible), taking new numbers from *next_id; *kept = components that inherited a number. */
ap_status cl_assign_ids(const cl_data *d, const uint32_t *comp, const uint8_t *eligible, int level,
                        int64_t *next_id, int64_t *ids, uint64_t *kept);

#endif
