/* report_svg.c — the report's pictures as inline SVG written by hand: a campaign's activity per
 * day and the campaigns x techniques heat map. Hand-written because both are a few hundred
 * rectangles whose every label must be escaped text (cairo draws glyphs as paths and would put
 * attacker text beyond the reach of the escaper), and because SVG elements with <title> give
 * hover details without any script. The k-distance plot, drawn by cairo in the cluster stage,
 * is embedded from its file after a check that it holds nothing active. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "share/report_internal.h"
#include "util/file.h"

#define DAY_US (INT64_C(86400) * 1000000)
#define FONT "font-family=\"sans-serif\""

/* ---- timeline ----------------------------------------------------------------------------- */

enum { TL_W = 760, TL_H = 170, TL_L = 56, TL_R = 36, TL_T = 12, TL_B = 36, TL_BAR_MAX = 36 };

void rp_svg_timeline(FILE *f, const ap_model_campaign *c)
{
    if (c->ndays == 0) {
        fputs("<p class=\"muted\">No activity per day recorded.</p>\n", f);
        return;
    }
    int64_t d0 = c->days[0].day_us, d1 = c->days[c->ndays - 1].day_us;
    int64_t span = d1 >= d0 ? (d1 - d0) / DAY_US + 1 : 1;
    uint64_t max = 1;
    for (size_t i = 0; i < c->ndays; i++)
        if (c->days[i].sessions > max)
            max = c->days[i].sessions;
    double pw = TL_W - TL_L - TL_R, ph = TL_H - TL_T - TL_B;
    double slot = pw / (double)span; /* one per calendar day, days without activity too */
    double w = slot > 4 ? slot - 1 : slot;
    if (w > TL_BAR_MAX)
        w = TL_BAR_MAX;
    if (w < 0.5)
        w = 0.5;
    fprintf(
        f,
        "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
        "height=\"%d\" role=\"img\" aria-label=\"Sessions per day of campaign C-%" PRId64 "\" " FONT
        " font-size=\"11\">\n",
        TL_W, TL_H, TL_W, TL_H, c->id);
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"#fafbfd\" "
               "stroke=\"#c9d1dc\"/>\n",
            TL_L, TL_T, pw, ph);
    for (int t = 0; t <= 2; t++) {
        double v = (double)max * t / 2, y = TL_T + ph - v / (double)max * ph;
        fprintf(f,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#c9d1dc\"/>"
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n",
                TL_L - 4, y, TL_L, y, TL_L - 7, y + 4, v);
    }
    for (size_t i = 0; i < c->ndays; i++) {
        const ap_model_day *d = &c->days[i];
        double pos = (double)((d->day_us - d0) / DAY_US);
        double x = TL_L + pos * slot + (slot - w) / 2, hs = (double)d->sessions / (double)max * ph,
               hi = (double)d->incidents / (double)max * ph;
        char day[16];
        rp_date(d->day_us, day, sizeof day);
        fprintf(
            f,
            "<g><title>%s: %" PRIu64 " sessions, %" PRIu64 " incidents</title>"
            "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#9ab8e0\"/>"
            "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#1f4e8c\"/></g>\n",
            day, d->sessions, d->incidents, x, TL_T + ph - hs, w, hs, x, TL_T + ph - hi, w, hi);
    }
    /* a date under every k-th day, k chosen so the labels (about 64 px) do not overlap */
    int64_t every = (int64_t)ceil(72.0 / slot);
    if (every < 1)
        every = 1;
    for (int64_t k = 0; k < span; k += every) {
        char day[16];
        rp_date(d0 + k * DAY_US, day, sizeof day);
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
                TL_L + ((double)k + 0.5) * slot, TL_H - TL_B + 16, day);
    }
    fprintf(f,
            "\n<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"#9ab8e0\"/>"
            "<text x=\"%d\" y=\"%d\">sessions</text>"
            "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"#1f4e8c\"/>"
            "<text x=\"%d\" y=\"%d\">incidents (started that day, UTC)</text>\n</svg>\n",
            TL_L, TL_H - 14, TL_L + 14, TL_H - 5, TL_L + 90, TL_H - 14, TL_L + 104, TL_H - 5);
    fprintf(f, "<figcaption>%" PRId64 " days, at most %" PRIu64 " sessions a day.</figcaption>\n"
               "</figure>\n",
            span, max);
}

/* ---- heat map ----------------------------------------------------------------------------- */

typedef struct hm_col {
    const char *id, *name;
    uint64_t sessions; /* over the shown campaigns */
    size_t column;     /* its place in the picture */
} hm_col;

static int tech_by_id(const void *pa, const void *pb)
{
    const ap_model_technique *a = *(const ap_model_technique *const *)pa,
                             *b = *(const ap_model_technique *const *)pb;
    return strcmp(a->id, b->id);
}

static int col_by_weight(const void *pa, const void *pb)
{
    const hm_col *a = pa, *b = pb;
    if (a->sessions != b->sessions)
        return a->sessions > b->sessions ? -1 : 1;
    return strcmp(a->id, b->id);
}

static int col_by_id(const void *pa, const void *pb)
{
    const hm_col *a = pa, *b = pb;
    return strcmp(a->id, b->id);
}

/* Colour of a cell: light to dark blue on a log scale of sessions; grey for none. */
static void heat_colour(uint64_t v, uint64_t max, char *buf, size_t n)
{
    if (v == 0) {
        snprintf(buf, n, "#f3f4f6");
        return;
    }
    double t = max > 1 ? log1p((double)v) / log1p((double)max) : 1.0;
    static const double lo[3] = {0xde, 0xeb, 0xf7}, hi[3] = {0x08, 0x30, 0x6b};
    int rgb[3];
    for (int k = 0; k < 3; k++)
        rgb[k] = (int)lround(lo[k] + (hi[k] - lo[k]) * t);
    snprintf(buf, n, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

enum { HM_CELL = 16, HM_LEFT = 76, HM_TOP = 84, HM_RIGHT = 56, HM_BOTTOM = 44 };

ap_status rp_svg_heatmap(FILE *f, const rp_facts *x)
{
    size_t total = 0;
    for (size_t i = 0; i < x->shown; i++)
        total += ap_model_campaign_at(x->m, i)->ntechniques;
    if (total == 0) {
        fputs("<p class=\"muted\">No techniques in the campaigns shown.</p>\n", f);
        return AP_OK;
    }
    const ap_model_technique **all = malloc(total * sizeof *all);
    hm_col *cols = malloc(total * sizeof *cols);
    if (!all || !cols) {
        free(all);
        free(cols);
        return AP_ERR_NOMEM;
    }
    size_t n = 0, ncols = 0;
    for (size_t i = 0; i < x->shown; i++) {
        const ap_model_campaign *c = ap_model_campaign_at(x->m, i);
        for (size_t k = 0; k < c->ntechniques; k++)
            if (c->techniques[k].id)
                all[n++] = &c->techniques[k];
    }
    qsort(all, n, sizeof *all, tech_by_id);
    for (size_t i = 0; i < n; i++) {
        if (ncols && !strcmp(cols[ncols - 1].id, all[i]->id))
            cols[ncols - 1].sessions += all[i]->sessions;
        else
            cols[ncols++] = (hm_col){all[i]->id, all[i]->name, all[i]->sessions, 0};
    }
    free(all);
    qsort(cols, ncols, sizeof *cols, col_by_weight);
    size_t shown_cols = x->o->heatmap_techniques && x->o->heatmap_techniques < ncols
                            ? x->o->heatmap_techniques
                            : ncols;
    /* the columns' positions, looked up by id */
    hm_col *index = malloc(shown_cols * sizeof *index);
    if (!index) {
        free(cols);
        return AP_ERR_NOMEM;
    }
    for (size_t j = 0; j < shown_cols; j++) {
        index[j] = cols[j];
        index[j].column = j;
    }
    qsort(index, shown_cols, sizeof *index, col_by_id);
    uint64_t max = 1;
    for (size_t i = 0; i < x->shown; i++) {
        const ap_model_campaign *c = ap_model_campaign_at(x->m, i);
        for (size_t k = 0; k < c->ntechniques; k++)
            if (c->techniques[k].sessions > max)
                max = c->techniques[k].sessions;
    }
    int w = HM_LEFT + (int)shown_cols * HM_CELL + HM_RIGHT;
    if (w < 420)
        w = 420;
    int h = HM_TOP + (int)x->shown * HM_CELL + HM_BOTTOM;
    fprintf(
        f,
        "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
        "height=\"%d\" role=\"img\" aria-label=\"Sessions per campaign and technique\" " FONT
        " font-size=\"10\">\n",
        w, h, w, h);
    for (size_t j = 0; j < shown_cols; j++) {
        double cx = HM_LEFT + (double)j * HM_CELL + HM_CELL * 0.65, cy = HM_TOP - 6;
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" transform=\"rotate(-60 %.1f %.1f)\"><title>", cx,
                cy, cx, cy);
        rp_html(f, cols[j].name);
        fputs("</title>", f);
        rp_html(f, cols[j].id);
        fputs("</text>\n", f);
    }
    for (size_t i = 0; i < x->shown; i++) {
        const ap_model_campaign *c = ap_model_campaign_at(x->m, i);
        double y = HM_TOP + (double)i * HM_CELL;
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">C-%" PRId64 "</text>\n",
                HM_LEFT - 6, y + HM_CELL - 4, c->id);
        fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"#f3f4f6\"/>\n",
                HM_LEFT, y, (int)shown_cols * HM_CELL, HM_CELL);
        for (size_t k = 0; k < c->ntechniques; k++) {
            const ap_model_technique *t = &c->techniques[k];
            if (!t->id)
                continue;
            hm_col key = {t->id, NULL, 0, 0};
            const hm_col *col = bsearch(&key, index, shown_cols, sizeof *index, col_by_id);
            if (!col)
                continue;
            char colour[16];
            heat_colour(t->sessions, max, colour, sizeof colour);
            fprintf(f,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"%s\" "
                    "stroke=\"#ffffff\"><title>C-%" PRId64 " ",
                    HM_LEFT + (double)col->column * HM_CELL, y, HM_CELL, HM_CELL, colour, c->id);
            rp_html(f, t->id);
            fputc(' ', f);
            rp_html(f, t->name);
            fprintf(f, ": %" PRIu64 " sessions, %" PRIu64 " incidents</title></rect>\n",
                    t->sessions, t->incidents);
        }
    }
    /* legend: five swatches from one session to the maximum */
    int ly = h - HM_BOTTOM + 16;
    fprintf(f, "<text x=\"%d\" y=\"%d\">sessions:</text>\n", HM_LEFT - 6 - 50, ly + 10);
    for (int k = 0; k < 5; k++) {
        uint64_t v = (uint64_t)llround(expm1(log1p((double)max) * k / 4.0));
        if (v < 1)
            v = 1;
        char colour[16];
        heat_colour(v, max, colour, sizeof colour);
        fprintf(f,
                "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\"/>"
                "<text x=\"%d\" y=\"%d\">%" PRIu64 "</text>\n",
                HM_LEFT + k * 64, ly, colour, HM_LEFT + k * 64 + 18, ly + 11, v);
    }
    fputs("</svg>\n", f);
    fprintf(f,
            "<figcaption>Rows: the campaigns above, highest score first. Columns: the %zu "
            "techniques with the most sessions in them",
            shown_cols);
    if (ncols > shown_cols)
        fprintf(f, " (of %zu)", ncols);
    fputs(". Colour: sessions showing the technique (log scale).</figcaption>\n</figure>\n", f);
    free(index);
    free(cols);
    return AP_OK;
}

/* ---- the k-distance plot ------------------------------------------------------------------ */

/* Case-insensitive search in a NUL-terminated buffer. */
static const char *find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, n) == 0)
            return p;
    return NULL;
}

/* The plot comes from cairo, but it is a file on disk: embed it only when it is plain drawing
 * (no script, no foreign content, no event handler, references inside the file only). */
static int svg_is_inert(const char *svg)
{
    static const char *const banned[] = {"<script", "<foreignobject", "<iframe", "<!entity",
                                         "<!doctype", "javascript:", "<?xml-stylesheet", " on",
                                         "<a ",      "<image",         "@import"};
    for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++) {
        const char *p = find_ci(svg, banned[i]);
        if (!p)
            continue;
        if (strcmp(banned[i], " on") != 0)
            return 0;
        /* " on" is only an event handler when a name and '=' follow */
        for (; p; p = find_ci(p + 1, " on")) {
            const char *q = p + 3;
            while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z'))
                q++;
            if (q > p + 3 && *q == '=')
                return 0;
        }
    }
    for (const char *p = find_ci(svg, "href=\""); p; p = find_ci(p + 1, "href=\""))
        if (p[6] != '#')
            return 0;
    return 1;
}

ap_status rp_svg_embed_file(FILE *f, const char *path, char *err, size_t errlen)
{
    char *svg = NULL;
    size_t len = 0;
    ap_status s = ap_read_file(path, (size_t)64 << 20, &svg, &len);
    if (s != AP_OK) {
        ap_set_error(err, errlen, "cannot read the k-distance plot %s: %s", path, ap_strerror(s));
        return s == AP_ERR_LIMIT ? AP_ERR_FORMAT : s;
    }
    const char *start = strstr(svg, "<svg");
    if (!start || strlen(svg) != len || !svg_is_inert(svg)) {
        ap_set_error(err, errlen, "%s is not a plain SVG drawing: not embedded", path);
        free(svg);
        return AP_ERR_FORMAT;
    }
    fputs(start, f);
    free(svg);
    return AP_OK;
}
