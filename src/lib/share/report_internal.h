/* report_internal.h — what the report's files share: the facts computed once from the model
 * (which campaigns are shown, the IOCs merged over all campaigns) and the writers of each part:
 * report.c (the HTML page), report_svg.c (its charts), report_md.c (the Markdown summary). */
#ifndef AP_SHARE_REPORT_INTERNAL_H
#define AP_SHARE_REPORT_INTERNAL_H

#include <stdio.h>

#include "actorprint.h"
#include "share/report.h"

/* One IOC merged over every campaign that has it. */
typedef struct rp_ioc {
    ap_model_ioc_kind kind;
    const char *value;
    uint64_t sessions, incidents, campaigns;
    int64_t first_us, last_us;
} rp_ioc;

typedef struct rp_facts {
    const ap_model *m;
    const ap_model_dataset *ds;
    const ap_report_options *o;
    size_t shown;            /* campaigns shown: the first `shown` of ap_model_campaign_at */
    rp_ioc *iocs;            /* merged IOCs: by kind, then most sessions first, then value */
    size_t niocs;
    size_t kind_start[AP_MODEL_IOC_KIND_COUNT + 1]; /* iocs of kind k: [kind_start[k], [k+1]) */
} rp_facts;

/* A technique is "shared" by a campaign when at least half its incidents show it (the
 * campaign table's shared TTP set). */
int rp_shared_technique(const ap_model_campaign *c, const ap_model_technique *t);

/* Text helpers for the HTML/SVG sinks: attacker or table text, escaped (NULL writes nothing). */
void rp_html(FILE *f, const char *s);
/* "2024-03-01 10:00:00Z" (seconds, readable) into buf >= 32; "-" for 0. */
const char *rp_time(int64_t us, char *buf, size_t n);
/* "2024-03-01" into buf >= 16. */
const char *rp_date(int64_t us, char *buf, size_t n);

/* Charts (report_svg.c), written inline into the HTML page. */
void rp_svg_timeline(FILE *f, const ap_model_campaign *c);
ap_status rp_svg_heatmap(FILE *f, const rp_facts *x);
/* The k-distance SVG file, checked and written inline (without its XML prolog). */
ap_status rp_svg_embed_file(FILE *f, const char *path, char *err, size_t errlen);

/* The Markdown summary (report_md.c). */
void rp_write_markdown(FILE *f, const rp_facts *x);
/* Markdown table-cell text: attacker text as a code span, other text backslash-escaped; both
 * with controls made visible; "-" for NULL or "". */
void rp_md_code(FILE *f, const char *s);
void rp_md_text(FILE *f, const char *s);

#endif
