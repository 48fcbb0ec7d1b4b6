/* alerts.c — campaigns that gained incidents fast (`actorprint alerts`), as JSON lines and as
 * syslog text. The window ends at the data's last event, not at the wall clock, so an alert run
 * is reproducible from the store alone; a cron job that re-runs after each ingest sees the new
 * day's growth. Everything attacker-controlled (IOC values, example text) is escaped for the
 * sink: JSON escaping for the lines, terminal escaping for syslog. */
#include "share/alerts.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/escape.h"
#include "util/str.h"

#define US_PER_S INT64_C(1000000)
#define MAX_WINDOW_S (INT64_C(100) * 366 * 86400)

void ap_alert_options_init(ap_alert_options *o)
{
    memset(o, 0, sizeof *o);
    o->window_us = 24 * 3600 * US_PER_S;
    o->min_incidents = 3;
    o->top_iocs = 10;
    o->top_techniques = 5;
}

/* ---- window ------------------------------------------------------------------------------- */

ap_status ap_alert_parse_window(const char *s, int64_t *out_us)
{
    if (!s || !*s)
        return AP_ERR_ARG;
    int64_t v = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (*p - '0');
        if (v > MAX_WINDOW_S)
            return AP_ERR_ARG;
    }
    if (p == s)
        return AP_ERR_ARG;
    int64_t unit = 1;
    if (*p) {
        switch (*p) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        case 'w': unit = 7 * 86400; break;
        default: return AP_ERR_ARG;
        }
        if (p[1])
            return AP_ERR_ARG;
    }
    if (v == 0 || v > MAX_WINDOW_S / unit)
        return AP_ERR_ARG;
    *out_us = v * unit * US_PER_S;
    return AP_OK;
}

const char *ap_alert_format_window(int64_t us, char *buf, size_t n)
{
    int64_t s = us / US_PER_S;
    if (s > 86400 && s % 86400 == 0) /* one day reads better as 24h */
        snprintf(buf, n, "%" PRId64 "d", s / 86400);
    else if (s > 0 && s % 3600 == 0)
        snprintf(buf, n, "%" PRId64 "h", s / 3600);
    else if (s > 0 && s % 60 == 0)
        snprintf(buf, n, "%" PRId64 "m", s / 60);
    else
        snprintf(buf, n, "%" PRId64 "s", s);
    return buf;
}

/* ---- finding the alerts ------------------------------------------------------------------- */

static int alert_order(const void *pa, const void *pb)
{
    const ap_alert *a = pa, *b = pb;
    if (a->new_incidents != b->new_incidents)
        return a->new_incidents > b->new_incidents ? -1 : 1;
    if (a->campaign->score != b->campaign->score)
        return a->campaign->score > b->campaign->score ? -1 : 1;
    return (a->campaign->id > b->campaign->id) - (a->campaign->id < b->campaign->id);
}

ap_status ap_alerts_find(const ap_model *m, const ap_alert_options *o, ap_alert_list *out)
{
    memset(out, 0, sizeof *out);
    if (!m || !o || o->window_us <= 0)
        return AP_ERR_ARG;
    const ap_model_dataset *ds = ap_model_dataset_of(m);
    int64_t end = o->end_us ? o->end_us : ds->last_us;
    out->end_us = end;
    out->window_us = o->window_us;
    out->start_us = end - o->window_us;
    uint64_t need = o->min_incidents ? o->min_incidents : 1;
    size_t nc = ap_model_campaign_count(m);
    if (nc == 0 || (ds->sessions == 0 && !o->end_us))
        return AP_OK;
    out->items = calloc(nc, sizeof *out->items);
    if (!out->items)
        return AP_ERR_NOMEM;
    for (size_t i = 0; i < nc; i++) {
        const ap_model_campaign *c = ap_model_campaign_at(m, i);
        if (!c || c->incidents < need)
            continue;
        uint64_t inc = 0, ses = 0;
        for (size_t k = 0; k < c->nincidents_idx; k++) {
            const ap_model_incident *x = ap_model_incident_at(m, c->incidents_idx[k]);
            if (x && x->first_us > out->start_us && x->first_us <= end) {
                inc++;
                ses += x->sessions;
            }
        }
        if (inc >= need)
            out->items[out->n++] = (ap_alert){c, inc, ses};
    }
    if (out->n > 1)
        qsort(out->items, out->n, sizeof *out->items, alert_order);
    return AP_OK;
}

void ap_alert_list_free(ap_alert_list *l)
{
    if (!l)
        return;
    free(l->items);
    memset(l, 0, sizeof *l);
}

/* ---- the IOCs worth an analyst's first look ----------------------------------------------- */

/* Credentials tried are behaviour, not indicators to block: alerts leave them out. */
static int is_indicator(ap_model_ioc_kind k)
{
    return k != AP_MODEL_IOC_PASSWORD && k != AP_MODEL_IOC_USERNAME;
}

static int ioc_before(const ap_model_ioc *a, const ap_model_ioc *b)
{
    if (a->sessions != b->sessions)
        return a->sessions > b->sessions;
    if (a->kind != b->kind)
        return a->kind < b->kind;
    return strcmp(a->value ? a->value : "", b->value ? b->value : "") < 0;
}

/* The k indicators with the most sessions into top[] (k small: insertion keeps it O(n k)). */
static size_t top_indicators(const ap_model_campaign *c, const ap_model_ioc **top, size_t k)
{
    size_t n = 0;
    for (size_t i = 0; i < c->niocs; i++) {
        const ap_model_ioc *x = &c->iocs[i];
        if (!is_indicator(x->kind) || !x->value)
            continue;
        if (n == k && (k == 0 || !ioc_before(x, top[n - 1])))
            continue;
        size_t j = n < k ? n++ : n - 1;
        while (j > 0 && ioc_before(x, top[j - 1])) {
            top[j] = top[j - 1];
            j--;
        }
        top[j] = x;
    }
    return n;
}

enum { TOP_MAX = 64 };

static size_t clamp_top(size_t k) { return k > TOP_MAX ? TOP_MAX : k; }

/* ---- JSON line ---------------------------------------------------------------------------- */

static void json_time(FILE *f, const char *name, int64_t us)
{
    char t[48];
    ap_format_time(us, t, sizeof t);
    fprintf(f, ",\"%s\":\"%s\"", name, t);
}

static void json_text(FILE *f, const char *name, const char *s)
{
    fprintf(f, ",\"%s\":", name);
    ap_escape_json(f, ap_str_c(s ? s : ""));
}

ap_status ap_alert_write_json(FILE *f, const ap_alert_list *l, const ap_alert *a,
                              const ap_alert_options *o)
{
    const ap_model_campaign *c = a->campaign;
    char w[32];
    fprintf(f, "{\"campaign\":\"C-%" PRId64 "\",\"actor\":", c->id);
    if (c->actor > 0)
        fprintf(f, "\"A-%" PRId64 "\"", c->actor);
    else
        fputs("null", f);
    fprintf(f,
            ",\"new_incidents\":%" PRIu64 ",\"new_sessions\":%" PRIu64
            ",\"window\":\"%s\",\"window_seconds\":%" PRId64,
            a->new_incidents, a->new_sessions, ap_alert_format_window(l->window_us, w, sizeof w),
            l->window_us / US_PER_S);
    json_time(f, "window_start", l->start_us);
    json_time(f, "window_end", l->end_us);
    fprintf(f,
            ",\"incidents\":%" PRIu64 ",\"sessions\":%" PRIu64
            ",\"score\":%.4f,\"criticality\":%g,\"duration_hours\":%g",
            c->incidents, c->sessions, c->score, c->criticality, c->duration_hours);
    json_text(f, "primary_tactic", c->primary_tactic);
    json_time(f, "first_seen", c->first_us);
    json_time(f, "last_seen", c->last_us);
    fputs(",\"techniques\":[", f);
    size_t nt = clamp_top(o->top_techniques);
    for (size_t i = 0; i < c->ntechniques && i < nt; i++) {
        const ap_model_technique *t = &c->techniques[i];
        fputs(i ? ",{\"id\":" : "{\"id\":", f);
        ap_escape_json(f, ap_str_c(t->id ? t->id : ""));
        fputs(",\"name\":", f);
        ap_escape_json(f, ap_str_c(t->name ? t->name : ""));
        fprintf(f, ",\"sessions\":%" PRIu64 "}", t->sessions);
    }
    fputs("],\"iocs\":[", f);
    const ap_model_ioc *top[TOP_MAX];
    size_t ni = top_indicators(c, top, clamp_top(o->top_iocs));
    for (size_t i = 0; i < ni; i++) {
        fprintf(f, "%s{\"kind\":\"%s\",\"value\":", i ? "," : "",
                ap_model_ioc_kind_name(top[i]->kind));
        ap_escape_json(f, ap_str_c(top[i]->value));
        fprintf(f, ",\"sessions\":%" PRIu64 "}", top[i]->sessions);
    }
    fputs("]}\n", f);
    return ferror(f) ? AP_ERR_IO : AP_OK;
}

/* ---- syslog line -------------------------------------------------------------------------- */

/* A bounded line: appends stop (and remember it) once something does not fit whole. */
typedef struct line {
    char *p;
    size_t n, cap; /* cap: usable bytes, room for "..." and the NUL kept aside */
    int full;
} line;

static void line_add(line *l, const char *s, size_t n)
{
    if (l->full)
        return;
    if (l->n + n > l->cap) {
        l->full = 1;
        return;
    }
    memcpy(l->p + l->n, s, n);
    l->n += n;
}

static void line_str(line *l, const char *s) { line_add(l, s, strlen(s)); }

__attribute__((format(printf, 2, 3))) static void line_printf(line *l, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= sizeof tmp) {
        l->full = 1;
        return;
    }
    line_add(l, tmp, (size_t)k);
}

/* Attacker text, terminal-escaped; cut (and the line closed) when it does not fit. */
static void line_text(line *l, const char *s)
{
    if (l->full)
        return;
    size_t room = l->cap - l->n;
    size_t k = ap_escape_term_buf(l->p + l->n, room + 1, ap_str_c(s ? s : ""));
    if (k > room) {
        l->n += strlen(l->p + l->n);
        l->full = 1;
        return;
    }
    l->n += k;
}

size_t ap_alert_format_line(char *dst, size_t cap, const ap_alert_list *al, const ap_alert *a,
                            const ap_alert_options *o)
{
    if (!dst || cap < 64) {
        if (dst && cap)
            dst[0] = '\0';
        return 0;
    }
    const ap_model_campaign *c = a->campaign;
    line l = {dst, 0, cap - 4, 0}; /* "..." + NUL */
    char w[32], t1[48], t2[48];
    line_printf(&l, "campaign C-%" PRId64, c->id);
    if (c->actor > 0)
        line_printf(&l, " actor A-%" PRId64, c->actor);
    ap_format_time(al->end_us, t2, sizeof t2);
    ap_alert_format_window(al->window_us, w, sizeof w);
    line_printf(&l, ": %" PRIu64 " new incidents (%" PRIu64 " sessions) in %s to %s;",
                a->new_incidents, a->new_sessions, w, t2);
    line_printf(&l, " %" PRIu64 " incidents, %" PRIu64 " sessions, score %.2f, criticality %g",
                c->incidents, c->sessions, c->score, c->criticality);
    if (c->primary_tactic && *c->primary_tactic) {
        line_str(&l, ", tactic ");
        line_text(&l, c->primary_tactic);
    }
    ap_format_time(c->first_us, t1, sizeof t1);
    ap_format_time(c->last_us, t2, sizeof t2);
    line_printf(&l, "; seen %s to %s", t1, t2);
    size_t nt = clamp_top(o->top_techniques);
    for (size_t i = 0; i < c->ntechniques && i < nt; i++) {
        line_str(&l, i ? ", " : "; techniques ");
        line_text(&l, c->techniques[i].id);
    }
    const ap_model_ioc *top[TOP_MAX];
    size_t ni = top_indicators(c, top, clamp_top(o->top_iocs));
    for (size_t i = 0; i < ni; i++) {
        line_str(&l, i ? ", " : "; iocs ");
        line_str(&l, ap_model_ioc_kind_name(top[i]->kind));
        line_str(&l, " ");
        line_text(&l, top[i]->value);
    }
    if (l.full) {
        memcpy(dst + l.n, "...", 3);
        l.n += 3;
    }
    dst[l.n] = '\0';
    return l.n;
}
