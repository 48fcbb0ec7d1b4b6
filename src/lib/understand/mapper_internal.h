/* mapper_internal.h — what the store-side mapping (store_map.c) needs from the mapper beyond
 * the public API: the ATT&CK table and the event rules of data/rules/events.tsv. */
#ifndef AP_UNDERSTAND_MAPPER_INTERNAL_H
#define AP_UNDERSTAND_MAPPER_INTERNAL_H

#include "actorprint.h"
#include "understand/attack.h"

/* One line of data/rules/events.tsv. */
typedef struct ap_event_rule {
    const char *id;        /* "event.login_success" */
    const ap_technique *technique;
    const char *reason;
} ap_event_rule;

/* The rule `id`, or NULL when events.tsv has none (a bug: store_map.c names only rules that the
 * embedded file defines, and the unit tests check every one). */
const ap_event_rule *ap_mapper_event_rule(const ap_mapper *m, const char *id);
ap_attack *ap_mapper_attack(ap_mapper *m);
/* The diagnostics callback the mapper was opened with (NULLs when none). */
void ap_mapper_diag(const ap_mapper *m, ap_diag_fn *fn, void **user);

#endif
