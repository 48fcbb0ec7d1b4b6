/* export.h — the exporters' shared contract (src/lib/share/). Each format lives in its own file
 * and has one entry point with this signature; export.c dispatches ap_export() to it after
 * checking the selection. An exporter reads the campaign model only through the public ap_model_*
 * API (include/actorprint.h), never the store. Every attacker-controlled string goes through the
 * escaping helper of its sink (src/lib/util/escape.h: JSON, CSV, HTML; share/cypher.h for Cypher).
 */
#ifndef AP_SHARE_EXPORT_H
#define AP_SHARE_EXPORT_H

#include <stdio.h>

#include "actorprint.h"

/* The selection an exporter must honour: opt->campaign > 0 (one campaign), opt->actor > 0 (one
 * actor and its campaigns), else everything. Both were checked to exist by ap_export. */
typedef ap_status (*ap_exporter_fn)(const ap_model *m, const ap_export_options *opt, char *err,
                                    size_t errlen);

ap_status ap_export_navigator(const ap_model *m, const ap_export_options *opt, char *err,
                              size_t errlen);
ap_status ap_export_stix(const ap_model *m, const ap_export_options *opt, char *err, size_t errlen);
ap_status ap_export_misp(const ap_model *m, const ap_export_options *opt, char *err, size_t errlen);
ap_status ap_export_neo4j(const ap_model *m, const ap_export_options *opt, char *err, size_t errlen);
ap_status ap_export_graphml(const ap_model *m, const ap_export_options *opt, char *err,
                            size_t errlen);
ap_status ap_export_splunk(const ap_model *m, const ap_export_options *opt, char *err,
                           size_t errlen);

/* Helpers for exporters (export.c). */
/* Opens opt->out for one output file (stdout for NULL/"-"); *close_it says whether to fclose. */
FILE *ap_export_open_file(const ap_export_options *opt, int *close_it, char *err, size_t errlen);
/* Makes sure opt->out is an existing directory (creating it); AP_ERR_ARG when out is NULL/"-". */
ap_status ap_export_need_dir(const ap_export_options *opt, char *err, size_t errlen);
/* Opens DIR/name for writing. */
FILE *ap_export_open_in_dir(const ap_export_options *opt, const char *name, char *err,
                            size_t errlen);
/* Finishes a file from the functions above: AP_ERR_IO when a write failed. */
ap_status ap_export_close(FILE *f, int close_it, const char *what, char *err, size_t errlen);
/* Is the campaign selected by opt? (campaign id match, or actor match, or everything) */
int ap_export_selects_campaign(const ap_export_options *opt, const ap_model_campaign *c);
/* ISO-8601 UTC with milliseconds, as STIX wants: "2024-03-01T10:00:00.000Z" (buf >= 32). */
const char *ap_export_time(int64_t us, char *buf, size_t n);

#endif
