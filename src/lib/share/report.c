/* report.c — `actorprint report`: the HTML page an analyst opens first, and the entry point that
 * also writes the Markdown summary (report_md.c). The page is one file that can be mailed or
 * attached to a ticket: inline CSS, inline SVG (report_svg.c), no script, nothing fetched, and a
 * Content-Security-Policy that would block a script or a remote image even if one slipped in.
 * It is also well-formed XML (every element closed, only XML's own entities), so tests can parse
 * it strictly. Attacker text is only ever element content, escaped with ap_escape_html and cut to
 * a readable length; attacker URLs are shown, never linked. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/error.h"
#include "share/report_internal.h"
#include "util/escape.h"
#include "util/str.h"

enum { TEXT_MAX = 1024, EXAMPLE_MAX = 600, ACTOR_CAMPAIGNS_MAX = 12 };

void ap_report_options_init(ap_report_options *o)
{
    memset(o, 0, sizeof *o);
    o->limit = 20;
    o->iocs_per_kind = 10;
    o->top_iocs = 10;
    o->heatmap_techniques = 40;
}

/* ---- shared helpers ----------------------------------------------------------------------- */

int rp_shared_technique(const ap_model_campaign *c, const ap_model_technique *t)
{
    return t->incidents * 2 >= c->incidents && t->incidents > 0;
}

void rp_html(FILE *f, const char *s)
{
    if (s)
        ap_escape_html(f, ap_str_c(s));
}

/* Attacker text for the page, cut after `max` bytes of escaped output (at a whole escape). */
static void html_cut(FILE *f, const char *s, size_t max)
{
    if (!s)
        return;
    char buf[TEXT_MAX + 1];
    if (max > TEXT_MAX)
        max = TEXT_MAX;
    size_t n = ap_escape_html_buf(buf, max + 1, ap_str_c(s));
    fputs(buf, f);
    if (n > max)
        fputs(" [\xe2\x80\xa6]", f); /* " […]" */
}

const char *rp_time(int64_t us, char *buf, size_t n)
{
    if (us == 0) {
        snprintf(buf, n, "-");
        return buf;
    }
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%d %H:%M:%SZ", &tm);
    return buf;
}

const char *rp_date(int64_t us, char *buf, size_t n)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%d", &tm);
    return buf;
}

/* 1234567 -> "1,234,567" */
static const char *count(uint64_t v, char *buf, size_t n)
{
    char raw[32];
    int k = snprintf(raw, sizeof raw, "%" PRIu64, v);
    size_t o = 0;
    for (int i = 0; i < k && o + 2 < n; i++) {
        if (i > 0 && (k - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = raw[i];
    }
    buf[o] = '\0';
    return buf;
}

/* ---- IOCs merged over all campaigns ------------------------------------------------------- */

static int ioc_by_kind_value(const void *pa, const void *pb)
{
    const ap_model_ioc *a = *(const ap_model_ioc *const *)pa, *b = *(const ap_model_ioc *const *)pb;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    return strcmp(a->value ? a->value : "", b->value ? b->value : "");
}

static int merged_order(const void *pa, const void *pb)
{
    const rp_ioc *a = pa, *b = pb;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if (a->sessions != b->sessions)
        return a->sessions > b->sessions ? -1 : 1;
    return strcmp(a->value, b->value);
}

/* Sorting pointers by (kind, value) and merging runs: n log n, no hash table needed. */
static ap_status merge_iocs(rp_facts *x)
{
    size_t nc = ap_model_campaign_count(x->m), total = 0;
    for (size_t i = 0; i < nc; i++)
        total += ap_model_campaign_at(x->m, i)->niocs;
    if (total == 0) {
        for (size_t k = 0; k <= AP_MODEL_IOC_KIND_COUNT; k++)
            x->kind_start[k] = 0;
        return AP_OK;
    }
    const ap_model_ioc **all = malloc(total * sizeof *all);
    x->iocs = malloc(total * sizeof *x->iocs);
    if (!all || !x->iocs) {
        free(all);
        return AP_ERR_NOMEM;
    }
    size_t n = 0;
    for (size_t i = 0; i < nc; i++) {
        const ap_model_campaign *c = ap_model_campaign_at(x->m, i);
        for (size_t k = 0; k < c->niocs; k++)
            if (c->iocs[k].value && (unsigned)c->iocs[k].kind < AP_MODEL_IOC_KIND_COUNT)
                all[n++] = &c->iocs[k];
    }
    qsort(all, n, sizeof *all, ioc_by_kind_value);
    for (size_t i = 0; i < n; i++) {
        const ap_model_ioc *v = all[i];
        rp_ioc *last = x->niocs ? &x->iocs[x->niocs - 1] : NULL;
        if (last && last->kind == v->kind && !strcmp(last->value, v->value)) {
            last->sessions += v->sessions;
            last->incidents += v->incidents;
            last->campaigns++;
            if (v->first_us && (!last->first_us || v->first_us < last->first_us))
                last->first_us = v->first_us;
            if (v->last_us > last->last_us)
                last->last_us = v->last_us;
        } else {
            x->iocs[x->niocs++] = (rp_ioc){v->kind,     v->value,    v->sessions, v->incidents,
                                          1,           v->first_us, v->last_us};
        }
    }
    free(all);
    qsort(x->iocs, x->niocs, sizeof *x->iocs, merged_order);
    size_t j = 0;
    for (size_t k = 0; k <= AP_MODEL_IOC_KIND_COUNT; k++) {
        while (j < x->niocs && (size_t)x->iocs[j].kind < k)
            j++;
        x->kind_start[k] = j;
    }
    return AP_OK;
}

/* ---- the page ----------------------------------------------------------------------------- */

static const char page_css[] =
    "body{font:14px/1.45 system-ui,sans-serif;color:#1d2330;background:#fff;margin:0 auto;"
    "max-width:1280px;padding:0 24px 48px}\n"
    "h1{font-size:1.7em;margin:24px 0 4px}h2{margin-top:40px;border-bottom:2px solid #d8dee9;"
    "padding-bottom:4px}h3{margin:24px 0 6px}\n"
    "table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}\n"
    "th,td{border:1px solid #d8dee9;padding:3px 7px;text-align:left;vertical-align:top}\n"
    "th{background:#eef2f7}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "tr.campaign-row:nth-child(even){background:#f8fafc}\n"
    "code{font:12px/1.4 ui-monospace,monospace;background:#f3f4f6;padding:0 3px;"
    "white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-all}\n"
    "dl.facts{display:grid;grid-template-columns:max-content auto;gap:2px 16px}"
    "dl.facts dt{font-weight:600}dl.facts dd{margin:0}\n"
    ".muted{color:#5b6475}.tag{display:inline-block;background:#e8eefc;border-radius:3px;"
    "padding:0 5px;margin:1px}\n"
    "svg{max-width:100%;height:auto}figure{margin:8px 0 16px}figcaption{color:#5b6475;"
    "font-size:12px}\n"
    "nav ol{columns:3}section.campaign{border-top:1px solid #d8dee9;margin-top:32px}\n";

static void write_head(FILE *f, const rp_facts *x)
{
    char a[32], b[32];
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\"/>\n"
          "<meta name=\"referrer\" content=\"no-referrer\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n",
          f);
    fprintf(f, "<title>actorprint report %s to %s</title>\n", rp_date(x->ds->first_us, a, sizeof a),
            rp_date(x->ds->last_us, b, sizeof b));
    fprintf(f, "<style>\n%s</style>\n</head>\n<body>\n", page_css);
}

static void write_summary(FILE *f, const rp_facts *x)
{
    const ap_model_dataset *ds = x->ds;
    char a[32], b[32], n1[32], n2[32], n3[32], n4[32];
    fputs("<header>\n<h1>actorprint report</h1>\n", f);
    fprintf(f,
            "<p class=\"muted\">Honeypot data from %s to %s, clustered into campaigns and actors. "
            "ATT&amp;CK ",
            rp_time(ds->first_us, a, sizeof a), rp_time(ds->last_us, b, sizeof b));
    rp_html(f, ds->attack_version ? ds->attack_version : "?");
    fputs(".</p>\n<dl class=\"facts\">\n", f);
    fprintf(f,
            "<dt>Sessions</dt><dd>%s</dd>\n<dt>Incidents</dt><dd>%s</dd>\n"
            "<dt>Campaigns</dt><dd>%s</dd>\n<dt>Actors</dt><dd>%s</dd>\n",
            count(ds->sessions, n1, sizeof n1), count(ds->incidents, n2, sizeof n2),
            count(ds->campaigns, n3, sizeof n3), count(ds->actors, n4, sizeof n4));
    fprintf(f, "<dt>Techniques seen</dt><dd>%zu</dd>\n</dl>\n", ds->ntechniques);
    fputs("<p class=\"muted\">Risk score = incidents &#215; criticality / duration in hours "
          "(criticality: the highest of the campaign's shared tactics). Everything quoted from "
          "the logs is attacker-controlled text, shown escaped; no link in this page leads "
          "outside it.</p>\n</header>\n",
          f);
    fputs("<nav>\n<h2>Contents</h2>\n<ol>\n<li><a href=\"#campaigns\">Campaigns</a></li>\n"
          "<li><a href=\"#actors\">Actors</a></li>\n<li><a href=\"#heatmap\">Technique heat "
          "map</a></li>\n",
          f);
    if (x->o->kdist_svg)
        fputs("<li><a href=\"#kdist\">k-distance plot</a></li>\n", f);
    fputs("<li><a href=\"#iocs\">Top IOCs</a></li>\n", f);
    for (size_t i = 0; i < x->shown; i++) {
        const ap_model_campaign *c = ap_model_campaign_at(x->m, i);
        fprintf(f, "<li><a href=\"#C-%" PRId64 "\">C-%" PRId64 "</a></li>\n", c->id, c->id);
    }
    fputs("</ol>\n</nav>\n", f);
}

static void actor_cell(FILE *f, int64_t actor)
{
    if (actor > 0)
        fprintf(f, "<td>A-%" PRId64 "</td>", actor);
    else
        fputs("<td class=\"muted\">-</td>", f);
}

static void write_shared_ttps(FILE *f, const ap_model_campaign *c)
{
    int any = 0;
    for (size_t k = 0; k < c->ntechniques; k++) {
        if (!rp_shared_technique(c, &c->techniques[k]))
            continue;
        fputs(any ? " <span class=\"tag\">" : "<span class=\"tag\">", f);
        html_cut(f, c->techniques[k].id, 64);
        fputs("</span>", f);
        any = 1;
    }
    if (!any)
        fputs("<span class=\"muted\">-</span>", f);
}

static void write_campaign_table(FILE *f, const rp_facts *x)
{
    size_t nc = ap_model_campaign_count(x->m);
    fputs("<section id=\"campaigns\">\n<h2>Campaigns, highest risk score first</h2>\n", f);
    if (nc == 0) {
        fputs("<p>No campaigns: no two incidents were linked.</p>\n</section>\n", f);
        return;
    }
    fputs("<table>\n<thead><tr><th>Campaign</th><th>Actor</th><th class=\"n\">Incidents</th>"
          "<th class=\"n\">Sessions</th><th class=\"n\">Score</th><th class=\"n\">Criticality</th>"
          "<th>First seen</th><th>Last seen</th><th>Primary tactic</th><th>Shared TTPs</th></tr>"
          "</thead>\n<tbody>\n",
          f);
    for (size_t i = 0; i < x->shown; i++) {
        const ap_model_campaign *c = ap_model_campaign_at(x->m, i);
        char a[32], b[32], n1[32], n2[32];
        fprintf(f,
                "<tr class=\"campaign-row\"><td><a href=\"#C-%" PRId64 "\">C-%" PRId64 "</a></td>",
                c->id, c->id);
        actor_cell(f, c->actor);
        fprintf(f,
                "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%.2f</td>"
                "<td class=\"n\">%g</td><td>%s</td><td>%s</td><td>",
                count(c->incidents, n1, sizeof n1), count(c->sessions, n2, sizeof n2), c->score,
                c->criticality, rp_time(c->first_us, a, sizeof a),
                rp_time(c->last_us, b, sizeof b));
        html_cut(f, c->primary_tactic && *c->primary_tactic ? c->primary_tactic : "-", 64);
        fputs("</td><td>", f);
        write_shared_ttps(f, c);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
    if (nc > x->shown)
        fprintf(f, "<p class=\"muted\">%zu more campaigns are not shown (report --limit).</p>\n",
                nc - x->shown);
    fputs("</section>\n", f);
}

static int actor_order(const void *pa, const void *pb)
{
    const ap_model_actor *a = *(const ap_model_actor *const *)pa,
                         *b = *(const ap_model_actor *const *)pb;
    if (a->incidents != b->incidents)
        return a->incidents > b->incidents ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

/* Is campaign `id` among the shown ones (then it has a section to link to)? */
static int campaign_shown(const rp_facts *x, int64_t id)
{
    for (size_t i = 0; i < x->shown; i++)
        if (ap_model_campaign_at(x->m, i)->id == id)
            return 1;
    return 0;
}

static ap_status write_actor_table(FILE *f, const rp_facts *x)
{
    size_t na = ap_model_actor_count(x->m);
    fputs("<section id=\"actors\">\n<h2>Actors, most incidents first</h2>\n", f);
    if (na == 0) {
        fputs("<p>No actors.</p>\n</section>\n", f);
        return AP_OK;
    }
    const ap_model_actor **v = malloc(na * sizeof *v);
    if (!v)
        return AP_ERR_NOMEM;
    for (size_t i = 0; i < na; i++)
        v[i] = ap_model_actor_at(x->m, i);
    qsort(v, na, sizeof *v, actor_order);
    size_t shown = x->o->limit && x->o->limit < na ? x->o->limit : na;
    fputs("<table>\n<thead><tr><th>Actor</th><th class=\"n\">Campaigns</th>"
          "<th class=\"n\">Incidents</th><th class=\"n\">Sessions</th><th>First seen</th>"
          "<th>Last seen</th><th>Its campaigns</th><th>Top techniques</th></tr></thead>\n<tbody>\n",
          f);
    for (size_t i = 0; i < shown; i++) {
        const ap_model_actor *a = v[i];
        char t1[32], t2[32], n1[32], n2[32];
        fprintf(f,
                "<tr><td>A-%" PRId64 "</td><td class=\"n\">%zu</td><td class=\"n\">%s</td>"
                "<td class=\"n\">%s</td><td>%s</td><td>%s</td><td>",
                a->id, a->ncampaigns, count(a->incidents, n1, sizeof n1),
                count(a->sessions, n2, sizeof n2), rp_time(a->first_us, t1, sizeof t1),
                rp_time(a->last_us, t2, sizeof t2));
        for (size_t k = 0; k < a->ncampaigns && k < ACTOR_CAMPAIGNS_MAX; k++) {
            int64_t id = a->campaigns[k];
            if (k)
                fputc(' ', f);
            if (campaign_shown(x, id))
                fprintf(f, "<a href=\"#C-%" PRId64 "\">C-%" PRId64 "</a>", id, id);
            else
                fprintf(f, "C-%" PRId64, id);
        }
        if (a->ncampaigns > ACTOR_CAMPAIGNS_MAX)
            fprintf(f, " <span class=\"muted\">and %zu more</span>",
                    a->ncampaigns - ACTOR_CAMPAIGNS_MAX);
        fputs("</td><td>", f);
        for (size_t k = 0; k < a->ntechniques && k < 5; k++) {
            fputs(k ? " <span class=\"tag\">" : "<span class=\"tag\">", f);
            html_cut(f, a->techniques[k].id, 64);
            fputs("</span>", f);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
    if (na > shown)
        fprintf(f, "<p class=\"muted\">%zu more actors are not shown.</p>\n", na - shown);
    fputs("</section>\n", f);
    free(v);
    return AP_OK;
}

static void ioc_table_head(FILE *f, int with_campaigns)
{
    fputs("<table>\n<thead><tr><th>Kind</th><th>Value</th><th class=\"n\">Sessions</th>"
          "<th class=\"n\">Incidents</th>",
          f);
    if (with_campaigns)
        fputs("<th class=\"n\">Campaigns</th>", f);
    fputs("<th>First seen</th><th>Last seen</th></tr></thead>\n<tbody>\n", f);
}

static void ioc_row(FILE *f, ap_model_ioc_kind kind, const char *value, uint64_t sessions,
                    uint64_t incidents, int64_t campaigns, int64_t first_us, int64_t last_us)
{
    char t1[32], t2[32], n1[32], n2[32];
    fprintf(f, "<tr><td>%s</td><td><code>", ap_model_ioc_kind_name(kind));
    html_cut(f, value, TEXT_MAX);
    fprintf(f, "</code></td><td class=\"n\">%s</td><td class=\"n\">%s</td>",
            count(sessions, n1, sizeof n1), count(incidents, n2, sizeof n2));
    if (campaigns >= 0)
        fprintf(f, "<td class=\"n\">%" PRId64 "</td>", campaigns);
    fprintf(f, "<td>%s</td><td>%s</td></tr>\n", rp_time(first_us, t1, sizeof t1),
            rp_time(last_us, t2, sizeof t2));
}

static void write_top_iocs(FILE *f, const rp_facts *x)
{
    fputs("<section id=\"iocs\">\n<h2>Top IOCs over all campaigns</h2>\n", f);
    if (x->niocs == 0) {
        fputs("<p>No indicators.</p>\n</section>\n", f);
        return;
    }
    fprintf(f, "<p class=\"muted\">Per kind, the %zu with the most sessions.</p>\n",
            x->o->top_iocs);
    ioc_table_head(f, 1);
    for (size_t k = 0; k < AP_MODEL_IOC_KIND_COUNT; k++) {
        size_t from = x->kind_start[k], to = x->kind_start[k + 1];
        for (size_t i = from; i < to && i - from < x->o->top_iocs; i++) {
            const rp_ioc *v = &x->iocs[i];
            ioc_row(f, v->kind, v->value, v->sessions, v->incidents, (int64_t)v->campaigns,
                    v->first_us, v->last_us);
        }
    }
    fputs("</tbody>\n</table>\n</section>\n", f);
}

static void write_techniques(FILE *f, const ap_model_campaign *c)
{
    fputs("<h3>Techniques</h3>\n", f);
    if (c->ntechniques == 0) {
        fputs("<p class=\"muted\">None mapped.</p>\n", f);
        return;
    }
    fputs("<table>\n<thead><tr><th>Technique</th><th>Name</th><th>Tactics</th>"
          "<th class=\"n\">Sessions</th><th class=\"n\">Incidents</th><th>Shared</th>"
          "<th>Example</th></tr></thead>\n<tbody>\n",
          f);
    for (size_t k = 0; k < c->ntechniques; k++) {
        const ap_model_technique *t = &c->techniques[k];
        char n1[32], n2[32];
        fputs("<tr><td>", f);
        html_cut(f, t->id, 64);
        fputs("</td><td>", f);
        html_cut(f, t->name, 256);
        fputs("</td><td>", f);
        html_cut(f, t->tactics, 256);
        fprintf(f, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td>%s</td><td>",
                count(t->sessions, n1, sizeof n1), count(t->incidents, n2, sizeof n2),
                rp_shared_technique(c, t) ? "yes" : "");
        if (t->example && *t->example) {
            fputs("<code>", f);
            html_cut(f, t->example, EXAMPLE_MAX);
            fputs("</code>", f);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

static void write_campaign_iocs(FILE *f, const rp_facts *x, const ap_model_campaign *c)
{
    fputs("<h3>Indicators</h3>\n", f);
    if (c->niocs == 0) {
        fputs("<p class=\"muted\">None.</p>\n", f);
        return;
    }
    ioc_table_head(f, 0);
    size_t i = 0;
    while (i < c->niocs) {
        size_t j = i;
        while (j < c->niocs && c->iocs[j].kind == c->iocs[i].kind)
            j++;
        for (size_t k = i; k < j && k - i < x->o->iocs_per_kind; k++) {
            const ap_model_ioc *v = &c->iocs[k];
            ioc_row(f, v->kind, v->value ? v->value : "", v->sessions, v->incidents, -1,
                    v->first_us, v->last_us);
        }
        if (j - i > x->o->iocs_per_kind)
            fprintf(f,
                    "<tr><td>%s</td><td colspan=\"5\" class=\"muted\">and %zu more</td></tr>\n",
                    ap_model_ioc_kind_name(c->iocs[i].kind), j - i - x->o->iocs_per_kind);
        i = j;
    }
    fputs("</tbody>\n</table>\n", f);
}

static void write_campaign_section(FILE *f, const rp_facts *x, const ap_model_campaign *c)
{
    char a[32], b[32], n1[32], n2[32];
    fprintf(f, "<section class=\"campaign\" id=\"C-%" PRId64 "\">\n<h2>Campaign C-%" PRId64, c->id,
            c->id);
    if (c->actor > 0)
        fprintf(f, " (actor A-%" PRId64 ")", c->actor);
    fputs("</h2>\n<dl class=\"facts\">\n", f);
    fprintf(f,
            "<dt>Incidents</dt><dd>%s</dd>\n<dt>Sessions</dt><dd>%s</dd>\n"
            "<dt>Seen</dt><dd>%s to %s (%g hours)</dd>\n",
            count(c->incidents, n1, sizeof n1), count(c->sessions, n2, sizeof n2),
            rp_time(c->first_us, a, sizeof a), rp_time(c->last_us, b, sizeof b),
            c->duration_hours);
    fprintf(f,
            "<dt>Risk score</dt><dd>%.2f = %" PRIu64 " incidents &#215; criticality %g / %g "
            "hours</dd>\n<dt>Primary tactic</dt><dd>",
            c->score, c->incidents, c->criticality, c->duration_hours);
    html_cut(f, c->primary_tactic && *c->primary_tactic ? c->primary_tactic : "-", 64);
    fputs("</dd>\n<dt>Shared TTPs</dt><dd>", f);
    write_shared_ttps(f, c);
    fputs("</dd>\n</dl>\n<h3>Activity</h3>\n", f);
    rp_svg_timeline(f, c);
    write_techniques(f, c);
    write_campaign_iocs(f, x, c);
    fputs("</section>\n", f);
}

static ap_status write_html(FILE *f, const rp_facts *x, char *err, size_t errlen)
{
    ap_status s;
    write_head(f, x);
    write_summary(f, x);
    write_campaign_table(f, x);
    if ((s = write_actor_table(f, x)) != AP_OK)
        return s;
    fputs("<section id=\"heatmap\">\n<h2>Technique heat map</h2>\n", f);
    if ((s = rp_svg_heatmap(f, x)) != AP_OK)
        return s;
    fputs("</section>\n", f);
    if (x->o->kdist_svg) {
        fputs("<section id=\"kdist\">\n<h2>k-distance plot</h2>\n<p class=\"muted\">The seed "
              "recipe's DBSCAN over the incident feature vectors (cosine distance): each "
              "incident's distance to its k-th neighbour, sorted. eps is read at the knee",
              f);
        if (x->o->kdist_eps > 0)
            fprintf(f, " (%.4g)", x->o->kdist_eps);
        fputs(".</p>\n<figure>\n", f);
        if ((s = rp_svg_embed_file(f, x->o->kdist_svg, err, errlen)) != AP_OK)
            return s;
        fputs("</figure>\n</section>\n", f);
    }
    write_top_iocs(f, x);
    for (size_t i = 0; i < x->shown; i++)
        write_campaign_section(f, x, ap_model_campaign_at(x->m, i));
    fprintf(f,
            "<footer>\n<p class=\"muted\">Written by actorprint %s from the stored clustering. "
            "This page has no script and loads nothing.</p>\n</footer>\n</body>\n</html>\n",
            ap_version());
    return AP_OK;
}

/* ---- files -------------------------------------------------------------------------------- */

typedef ap_status (*part_writer)(FILE *f, const rp_facts *x, char *err, size_t errlen);

static ap_status write_md(FILE *f, const rp_facts *x, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    rp_write_markdown(f, x);
    return AP_OK;
}

/* DIR/name through DIR/.name.tmp, renamed into place once complete. */
static ap_status write_file(const rp_facts *x, const char *name, part_writer fn, char *err,
                            size_t errlen)
{
    size_t n = strlen(x->o->dir) + strlen(name) + 8;
    char *path = malloc(n), *tmp = malloc(n);
    if (!path || !tmp) {
        free(path);
        free(tmp);
        return AP_ERR_NOMEM;
    }
    snprintf(path, n, "%s/%s", x->o->dir, name);
    snprintf(tmp, n, "%s/.%s.tmp", x->o->dir, name);
    ap_status s = AP_OK;
    FILE *f = fopen(tmp, "w");
    if (!f) {
        ap_set_error(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        s = AP_ERR_IO;
        goto done;
    }
    s = fn(f, x, err, errlen);
    int bad = ferror(f);
    if (fclose(f) != 0)
        bad = 1;
    if (s == AP_OK && bad) {
        ap_set_error(err, errlen, "cannot write %s: %s", tmp, strerror(errno ? errno : EIO));
        s = AP_ERR_IO;
    }
    if (s == AP_OK && rename(tmp, path) != 0) {
        ap_set_error(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        s = AP_ERR_IO;
    }
    if (s != AP_OK)
        remove(tmp);
done:
    free(path);
    free(tmp);
    return s;
}

ap_status ap_report_write(const ap_model *m, const ap_report_options *o, char *err, size_t errlen)
{
    if (!m || !o || !o->dir || !*o->dir) {
        ap_set_error(err, errlen, "the report needs an output directory");
        return AP_ERR_ARG;
    }
    struct stat sb;
    if (stat(o->dir, &sb) != 0) {
        if (mkdir(o->dir, 0777) != 0) {
            ap_set_error(err, errlen, "cannot create %s: %s", o->dir, strerror(errno));
            return AP_ERR_IO;
        }
    } else if (!S_ISDIR(sb.st_mode)) {
        ap_set_error(err, errlen, "%s is not a directory", o->dir);
        return AP_ERR_IO;
    }
    rp_facts x;
    memset(&x, 0, sizeof x);
    x.m = m;
    x.ds = ap_model_dataset_of(m);
    x.o = o;
    size_t nc = ap_model_campaign_count(m);
    x.shown = o->limit && o->limit < nc ? o->limit : nc;
    ap_status s = merge_iocs(&x);
    if (s == AP_OK)
        s = write_file(&x, "report.html", write_html, err, errlen);
    if (s == AP_OK)
        s = write_file(&x, "report.md", write_md, err, errlen);
    if (s == AP_ERR_NOMEM)
        ap_set_error(err, errlen, "out of memory writing the report");
    free(x.iocs);
    return s;
}

ap_status ap_report_kdist(ap_store *store, const char *asn_path, const char *svg_path,
                          double *eps_out, char *err, size_t errlen)
{
    ap_cluster_options o;
    ap_cluster_options_init(&o);
    o.method = AP_CLUSTER_DBSCAN;
    o.eps = 0; /* at the knee, as the seed recipe reads it */
    o.asn_path = asn_path;
    o.kdist_plot = svg_path;
    o.dry_run = 1;
    ap_cluster *c = NULL;
    ap_status s = ap_cluster_run(store, &o, &c, err, errlen);
    if (s == AP_OK && eps_out)
        *eps_out = ap_cluster_summary_of(c)->dbscan_eps;
    ap_cluster_free(c);
    return s;
}
