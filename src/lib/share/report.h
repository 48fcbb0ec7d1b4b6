/* report.h — the analyst's report (`actorprint report --out DIR`): DIR/report.html, one
 * self-contained page (inline CSS and hand-written inline SVG charts, no script, no external
 * fetch, a Content-Security-Policy that forbids both), and DIR/report.md, a Markdown summary for
 * tickets and wikis. Both are built from the campaign model only and are byte-identical for the
 * same store. Every attacker string is escaped for its sink (HTML/XML text; Markdown code spans).
 * See docs/alerts-and-report.md. */
#ifndef AP_SHARE_REPORT_H
#define AP_SHARE_REPORT_H

#include <stddef.h>

#include "actorprint.h"

typedef struct ap_report_options {
    const char *dir;            /* output directory, created when missing (required) */
    size_t limit;               /* campaigns in the tables, heat map and sections; 0 = all
                                   (default 20) */
    size_t iocs_per_kind;       /* per campaign section and kind (default 10) */
    size_t top_iocs;            /* overall, per kind (default 10) */
    size_t heatmap_techniques;  /* columns of the technique heat map (default 40) */
    const char *kdist_svg;      /* an SVG file of the k-distance plot to embed (as written by
                                   ap_report_kdist); NULL = no plot section */
    double kdist_eps;           /* the eps chosen at its knee, shown with it */
} ap_report_options;
void ap_report_options_init(ap_report_options *o);

/* Writes DIR/report.html and DIR/report.md (each through a temporary file renamed into place).
 * Return values: AP_OK; AP_ERR_ARG (no dir); AP_ERR_IO (err says which path); AP_ERR_FORMAT
 * (the k-distance SVG is not a plain SVG); AP_ERR_NOMEM. */
ap_status ap_report_write(const ap_model *m, const ap_report_options *o, char *err,
                          size_t errlen);

/* Draws the k-distance plot of the seed's DBSCAN recipe (eps at the knee) for every stored
 * incident into svg_path, without storing a clustering (a dry run). *eps_out gets the eps at the
 * knee. Costs about as much as `actorprint cluster --method dbscan --dry-run`. Return values:
 * those of ap_cluster_run. */
ap_status ap_report_kdist(ap_store *store, const char *asn_path, const char *svg_path,
                          double *eps_out, char *err, size_t errlen);

#endif
