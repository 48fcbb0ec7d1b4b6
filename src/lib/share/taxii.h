/* taxii.h — a read-only TAXII 2.1 server for the STIX objects of the last clustering
 * (`actorprint serve --taxii`, docs/export-stix.md).
 *
 * Why it exists: SOC platforms (OpenCTI, MISP, Sentinel, ...) pull threat intelligence from TAXII
 * collections rather than importing files. The server builds the STIX objects of the whole model
 * once at start (share/stix.h) and answers from memory: discovery, one API root, one collection
 * "actorprint" (can_read, not can_write), its objects and manifest with the added_after /
 * match[id|type|version|spec_version] / limit / next filters, single objects and their versions.
 * An object's date_added is its `modified` time, so paging is deterministic. It binds
 * 127.0.0.1 unless told otherwise and, while bound to a loopback address, answers only requests
 * whose Host is a loopback name (a web page cannot reach it through DNS rebinding).
 */
#ifndef AP_SHARE_TAXII_H
#define AP_SHARE_TAXII_H

#include <stddef.h>

#include "actorprint.h"

typedef struct ap_taxii_options {
    const char *listen;      /* IPv4 or IPv6 address to bind; NULL = "127.0.0.1" */
    unsigned port;           /* 0 = any free port (see ap_taxii_port) */
    const char *api_root;    /* path of the one API root, one segment; NULL = "api" */
    const char *producer;    /* identity of the objects; NULL = "actorprint" */
    size_t page_max;         /* objects per response at most; 0 = 1000 */
} ap_taxii_options;
AP_API void ap_taxii_options_init(ap_taxii_options *o);

typedef struct ap_taxii ap_taxii;

/* Builds the STIX objects of m (which may be closed afterwards) and starts answering on a
 * thread of its own. Return values: AP_OK; AP_ERR_ARG (bad address or API root; err says
 * which); AP_ERR_IO (cannot bind: err says why); AP_ERR_NOMEM. */
AP_API ap_status ap_taxii_start(const ap_model *m, const ap_taxii_options *opt, ap_taxii **out,
                                char *err, size_t errlen);
/* The port it listens on (the one chosen when opt->port was 0). */
AP_API unsigned ap_taxii_port(const ap_taxii *t);
/* How many STIX objects the collection holds. */
AP_API size_t ap_taxii_object_count(const ap_taxii *t);
/* Stops answering (requests in progress finish) and frees everything. NULL is a no-op. */
AP_API void ap_taxii_stop(ap_taxii *t);

#endif
