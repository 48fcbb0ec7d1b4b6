/* splunk.c — the Splunk lookup (docs/export-splunk.md): campaign_clusters.csv, one row per
 * incident, so a search over honeypot or firewall events can name the campaign and actor behind
 * a source address or an incident id with `| lookup campaign_clusters src_ip OUTPUT campaign`.
 *
 * The first two columns are the seed's (incident_id,campaign, as `cluster --out` writes them),
 * then actor, src_ip, first_seen, last_seen and the context an analyst filters on. All
 * incidents when nothing is selected (an incident linked to no campaign has empty campaign and
 * actor cells, as in the seed), else the incidents of the selected campaigns, in incident id
 * order. Every text cell goes through ap_escape_csv (RFC 4180 quoting, formula cells
 * neutralised), the same CSV rule as every other CSV the project writes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "share/export.h"
#include "util/escape.h"
#include "util/str.h"

#define SPLUNK_HEADER                                                                              \
    "incident_id,campaign,actor,src_ip,first_seen,last_seen,sessions,net,asn,client,hassh,"        \
    "primary_tactic,campaign_score\n"

static void put_id(FILE *f, char prefix, int64_t id)
{
    if (id > 0)
        fprintf(f, "%c-%" PRId64, prefix, id);
}

/* An empty or absent text is an empty cell (not the quoted empty string). */
static void put_text(FILE *f, const char *s)
{
    if (s && s[0])
        ap_escape_csv(f, ap_str_c(s));
}

static void put_time(FILE *f, int64_t us)
{
    char b[40];
    ap_format_time(us, b, sizeof b);
    fputs(b, f);
}

static void write_row(FILE *f, const ap_model *m, const ap_model_incident *x)
{
    const ap_model_campaign *c = x->campaign > 0 ? ap_model_campaign_find(m, x->campaign) : NULL;
    put_id(f, 'I', x->id);
    fputc(',', f);
    put_id(f, 'C', x->campaign);
    fputc(',', f);
    put_id(f, 'A', x->actor);
    fputc(',', f);
    put_text(f, x->src_ip);
    fputc(',', f);
    put_time(f, x->first_us);
    fputc(',', f);
    put_time(f, x->last_us);
    fprintf(f, ",%" PRIu64 ",", x->sessions);
    put_text(f, x->net);
    fputc(',', f);
    put_text(f, x->asn);
    fputc(',', f);
    put_text(f, x->client);
    fputc(',', f);
    put_text(f, x->hassh);
    fputc(',', f);
    if (c) {
        put_text(f, c->primary_tactic);
        fprintf(f, ",%.4f", c->score);
    } else {
        fputc(',', f);
    }
    fputc('\n', f);
}

static int cmp_index(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

static ap_status write_lookup(FILE *f, const ap_model *m, const ap_export_options *opt)
{
    fputs(SPLUNK_HEADER, f);
    if (opt->campaign <= 0 && opt->actor <= 0) {
        for (size_t i = 0; i < ap_model_incident_count(m); i++) {
            const ap_model_incident *x = ap_model_incident_at(m, i);
            if (x)
                write_row(f, m, x);
        }
        return ferror(f) ? AP_ERR_IO : AP_OK;
    }
    /* the selected campaigns' incidents; model indices are in incident id order */
    size_t n = 0;
    for (size_t i = 0; i < ap_model_campaign_count(m); i++) {
        const ap_model_campaign *c = ap_model_campaign_at(m, i);
        if (c && ap_export_selects_campaign(opt, c))
            n += c->nincidents_idx;
    }
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx)
        return AP_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < ap_model_campaign_count(m); i++) {
        const ap_model_campaign *c = ap_model_campaign_at(m, i);
        if (!c || !ap_export_selects_campaign(opt, c))
            continue;
        for (size_t j = 0; j < c->nincidents_idx && k < n; j++)
            idx[k++] = c->incidents_idx[j];
    }
    qsort(idx, k, sizeof *idx, cmp_index);
    for (size_t i = 0; i < k; i++) {
        const ap_model_incident *x = ap_model_incident_at(m, idx[i]);
        if (x)
            write_row(f, m, x);
    }
    free(idx);
    return ferror(f) ? AP_ERR_IO : AP_OK;
}

ap_status ap_export_splunk(const ap_model *m, const ap_export_options *opt, char *err,
                           size_t errlen)
{
    if (!m || !opt)
        return AP_ERR_ARG;
    int close_it = 0;
    FILE *f = ap_export_open_file(opt, &close_it, err, errlen);
    if (!f)
        return AP_ERR_IO;
    const char *what = close_it ? opt->out : "standard output";
    ap_status st = write_lookup(f, m, opt);
    ap_status cst = ap_export_close(f, close_it, what, err, errlen);
    if (st != AP_OK) {
        snprintf(err, errlen, "%s: %s", what, ap_strerror(st));
        return st;
    }
    return cst;
}
