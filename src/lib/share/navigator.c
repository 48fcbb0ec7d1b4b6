/* navigator.c — ATT&CK Navigator layers (layer format 4.5) from the campaign model, so a purple
 * team can open what a campaign, an actor or the whole honeypot showed as a heat map on the
 * Enterprise matrix (docs/export-navigator.md).
 *
 * One layer per campaign (campaign-C-n.json), per actor (actor-A-n.json) and one for the dataset
 * (dataset.json) when nothing is selected; one layer to a file or standard output for --campaign
 * or --actor. A technique is listed once under each of its tactics, scored by the sessions that
 * showed it, with a one-line comment (counts and an example statement) and metadata.
 *
 * The JSON is written by hand, two-space indented, keys in a fixed order and techniques sorted,
 * so the same store always gives the same bytes. Every string that did not come from this file
 * (technique ids and tactics too: they come from an ATT&CK table the user may replace) goes
 * through ap_escape_json.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "share/export.h"
#include "util/escape.h"
#include "util/str.h"

#define NAVIGATOR_VERSION "5.1.0" /* the Navigator release the layers were checked against */
#define LAYER_VERSION "4.5"
#define EXAMPLE_MAX 200      /* bytes of an example statement in a comment */
#define ACTOR_CAMPAIGNS_MAX 20 /* campaign ids listed in an actor layer's metadata */

/* ---- a small pretty-printing JSON writer: fixed indentation, commas by nesting level ---- */

#define JW_DEPTH 8

typedef struct jw {
    FILE *f;
    int depth;
    int has_items[JW_DEPTH]; /* whether the container at each level already has a member */
    int inline_from;         /* containers this deep and deeper stay on one line (0: none) */
} jw;

static int jw_inline(const jw *w) { return w->inline_from > 0 && w->depth >= w->inline_from; }

static void jw_indent(jw *w)
{
    fputc('\n', w->f);
    for (int i = 0; i < w->depth; i++)
        fputs("  ", w->f);
}

/* Starts a member of the current container: comma, newline, indentation, "key": */
static void jw_member(jw *w, const char *key)
{
    if (w->depth > 0) {
        int had = w->has_items[w->depth];
        w->has_items[w->depth] = 1;
        if (jw_inline(w)) {
            fputs(had ? ", " : "", w->f);
        } else {
            if (had)
                fputc(',', w->f);
            jw_indent(w);
        }
    }
    if (key)
        fprintf(w->f, "\"%s\": ", key); /* keys are literals of this file */
}

static void jw_open(jw *w, const char *key, char bracket)
{
    jw_member(w, key);
    fputc(bracket, w->f);
    if (w->depth + 1 < JW_DEPTH) {
        w->depth++;
        w->has_items[w->depth] = 0;
    }
}

/* A container written on one line: {"name": "sessions", "value": "40"}. */
static void jw_open_inline(jw *w, const char *key, char bracket)
{
    jw_open(w, key, bracket);
    if (w->inline_from == 0)
        w->inline_from = w->depth;
}

static void jw_close(jw *w, char bracket)
{
    int had = w->has_items[w->depth], was_inline = jw_inline(w);
    if (w->inline_from == w->depth)
        w->inline_from = 0;
    if (w->depth > 0)
        w->depth--;
    if (had && !was_inline)
        jw_indent(w);
    fputc(bracket, w->f);
}

static void jw_str(jw *w, const char *key, ap_str s)
{
    jw_member(w, key);
    ap_escape_json(w->f, s.p ? s : AP_STR_LIT(""));
}

static void jw_cstr(jw *w, const char *key, const char *s) { jw_str(w, key, ap_str_c(s)); }

static void jw_u64(jw *w, const char *key, uint64_t v)
{
    jw_member(w, key);
    fprintf(w->f, "%" PRIu64, v);
}

static void jw_bool(jw *w, const char *key, int v)
{
    jw_member(w, key);
    fputs(v ? "true" : "false", w->f);
}

/* {"name": ..., "value": ...} — the Navigator's metadata entry (both strings). */
static void jw_meta(jw *w, const char *name, const char *value)
{
    jw_open_inline(w, NULL, '{');
    jw_cstr(w, "name", name);
    jw_cstr(w, "value", value);
    jw_close(w, '}');
}

static void jw_meta_u64(jw *w, const char *name, uint64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    jw_meta(w, name, buf);
}

static void jw_meta_time(jw *w, const char *name, int64_t us)
{
    char buf[40];
    jw_meta(w, name, ap_export_time(us, buf, sizeof buf));
}

/* ---- text for comments: one bounded line, nothing that breaks or reorders it ---- */

/* Code points a one-line comment must not carry: they break the line (C0, DEL, C1, U+2028/9)
 * or reorder the text around them (bidi marks, embeddings, overrides, isolates). */
static int breaks_display(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* Appends at most max bytes of s to dst[*len..cap) with such characters as spaces, cut at a
 * character boundary with "..." when s is longer. Invalid UTF-8 bytes are copied: the JSON
 * escaper turns them into U+FFFD. */
static void append_display(char *dst, size_t cap, size_t *len, ap_str s, size_t max)
{
    const unsigned char *p = (const unsigned char *)s.p;
    size_t used = 0;
    for (size_t i = 0; p && i < s.n;) {
        uint32_t cp = 0;
        size_t k = ap_utf8_decode(p + i, s.n - i, &cp);
        if (k == 0) {
            k = 1;
            cp = 0xfffd;
        }
        size_t out = breaks_display(cp) ? 1 : k;
        if (used + out > max || *len + out + 4 > cap) {
            memcpy(dst + *len, "...", 3);
            *len += 3;
            break;
        }
        if (out == 1 && breaks_display(cp))
            dst[*len] = ' ';
        else
            memcpy(dst + *len, p + i, k);
        *len += out;
        used += out;
        i += k;
    }
    dst[*len] = '\0';
}

/* ---- the techniques of one layer, in output order ---- */

typedef struct nav_technique {
    const ap_model_technique *t;
    int has_subtechniques; /* a sub-technique of it is in the same layer */
} nav_technique;

static int cmp_by_id(const void *a, const void *b)
{
    const nav_technique *x = a, *y = b;
    return strcmp(x->t->id ? x->t->id : "", y->t->id ? y->t->id : "");
}

/* Most sessions first, then incidents, then id: the order a reader of the file wants, and a
 * total order whatever order the model used. */
static int cmp_by_sessions(const void *a, const void *b)
{
    const nav_technique *x = a, *y = b;
    if (x->t->sessions != y->t->sessions)
        return x->t->sessions > y->t->sessions ? -1 : 1;
    if (x->t->incidents != y->t->incidents)
        return x->t->incidents > y->t->incidents ? -1 : 1;
    return cmp_by_id(a, b);
}

/* Copies the techniques into output order and marks the parents whose sub-techniques are there:
 * sorted by id, a parent's sub-techniques ("T1098.004") follow it ("T1098") directly. */
static ap_status order_techniques(const ap_model_technique *ts, size_t n, nav_technique **out)
{
    *out = NULL;
    if (n == 0)
        return AP_OK;
    nav_technique *v = calloc(n, sizeof *v);
    if (!v)
        return AP_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        v[i].t = &ts[i];
    qsort(v, n, sizeof *v, cmp_by_id);
    for (size_t i = 0; i + 1 < n; i++) {
        const char *id = v[i].t->id ? v[i].t->id : "";
        size_t len = strlen(id);
        const char *next = v[i + 1].t->id ? v[i + 1].t->id : "";
        if (len > 0 && !strchr(id, '.') && strncmp(next, id, len) == 0 && next[len] == '.')
            v[i].has_subtechniques = 1;
    }
    qsort(v, n, sizeof *v, cmp_by_sessions);
    *out = v;
    return AP_OK;
}

static void write_technique_entry(jw *w, const nav_technique *nt, ap_str tactic)
{
    const ap_model_technique *t = nt->t;
    char comment[EXAMPLE_MAX + 160];
    int k = snprintf(comment, sizeof comment, "%" PRIu64 " session%s in %" PRIu64 " incident%s",
                     t->sessions, t->sessions == 1 ? "" : "s", t->incidents,
                     t->incidents == 1 ? "" : "s");
    size_t len = k > 0 ? (size_t)k : 0;
    if (t->example && t->example[0]) {
        memcpy(comment + len, ". Example: ", 11);
        len += 11;
        append_display(comment, sizeof comment, &len, ap_str_c(t->example), EXAMPLE_MAX);
    }

    jw_open(w, NULL, '{');
    jw_cstr(w, "techniqueID", t->id);
    if (tactic.n > 0)
        jw_str(w, "tactic", tactic);
    jw_u64(w, "score", t->sessions);
    jw_str(w, "comment", ap_str_make(comment, len));
    jw_bool(w, "enabled", 1);
    jw_open(w, "metadata", '[');
    jw_meta_u64(w, "sessions", t->sessions);
    jw_meta_u64(w, "incidents", t->incidents);
    jw_close(w, ']');
    if (nt->has_subtechniques)
        jw_bool(w, "showSubtechniques", 1);
    jw_close(w, '}');
}

/* One entry per (technique, tactic); a technique without tactics gets one entry without a
 * tactic, which the Navigator shows under every tactic of the technique. */
static void write_techniques(jw *w, const nav_technique *v, size_t n)
{
    jw_open(w, "techniques", '[');
    for (size_t i = 0; i < n; i++) {
        const char *tactics = v[i].t->tactics ? v[i].t->tactics : "";
        int wrote = 0;
        for (const char *p = tactics; *p;) {
            const char *end = strchr(p, ';');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            if (len > 0) {
                write_technique_entry(w, &v[i], ap_str_make(p, len));
                wrote = 1;
            }
            p += len + (end ? 1 : 0);
        }
        if (!wrote)
            write_technique_entry(w, &v[i], AP_STR_NULL);
    }
    jw_close(w, ']');
}

/* ---- one layer ---- */

/* What a layer is about, resolved once from a campaign, an actor or the dataset. */
typedef struct layer_src {
    const ap_model_dataset *ds;      /* always: the ATT&CK version */
    const ap_model_campaign *c;      /* a campaign's layer */
    const ap_model_actor *a;         /* an actor's layer */
    const char *producer;
    char id[32];                     /* "C-3", "A-2", "dataset" */
    char who[96];                    /* the description's subject */
    uint64_t sessions, incidents;
    int64_t first_us, last_us;
    const ap_model_technique *techniques;
    size_t ntechniques;
} layer_src;

static void layer_of_campaign(layer_src *L, const ap_model_campaign *c)
{
    L->c = c, L->a = NULL;
    snprintf(L->id, sizeof L->id, "C-%" PRId64, c->id);
    if (c->actor > 0)
        snprintf(L->who, sizeof L->who, "Campaign C-%" PRId64 " (actor A-%" PRId64 ")", c->id,
                 c->actor);
    else
        snprintf(L->who, sizeof L->who, "Campaign C-%" PRId64, c->id);
    L->sessions = c->sessions, L->incidents = c->incidents;
    L->first_us = c->first_us, L->last_us = c->last_us;
    L->techniques = c->techniques, L->ntechniques = c->ntechniques;
}

static void layer_of_actor(layer_src *L, const ap_model_actor *a)
{
    L->c = NULL, L->a = a;
    snprintf(L->id, sizeof L->id, "A-%" PRId64, a->id);
    snprintf(L->who, sizeof L->who, "Actor A-%" PRId64 " (%zu campaign%s)", a->id, a->ncampaigns,
             a->ncampaigns == 1 ? "" : "s");
    L->sessions = a->sessions, L->incidents = a->incidents;
    L->first_us = a->first_us, L->last_us = a->last_us;
    L->techniques = a->techniques, L->ntechniques = a->ntechniques;
}

static void layer_of_dataset(layer_src *L)
{
    const ap_model_dataset *d = L->ds;
    L->c = NULL, L->a = NULL;
    snprintf(L->id, sizeof L->id, "dataset");
    snprintf(L->who, sizeof L->who, "All honeypot activity");
    L->sessions = d->sessions, L->incidents = d->incidents;
    L->first_us = d->first_us, L->last_us = d->last_us;
    L->techniques = d->techniques, L->ntechniques = d->ntechniques;
}

/* The major ATT&CK version ("18" of "18.1" or "v18.1"), as the Navigator's versions.attack
 * expects; empty when the model has none. */
static void attack_major(const char *v, char *buf, size_t cap)
{
    size_t n = 0;
    const char *p = v ? v : "";
    while (*p && (*p < '0' || *p > '9'))
        p++;
    while (*p >= '0' && *p <= '9' && n + 1 < cap)
        buf[n++] = *p++;
    buf[n] = '\0';
}

/* "C-1, C-4, ..." — the first ACTOR_CAMPAIGNS_MAX, then "and N more". */
static void campaign_list(const ap_model_actor *a, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < a->ncampaigns && i < ACTOR_CAMPAIGNS_MAX; i++) {
        int k = snprintf(buf + len, cap - len, "%sC-%" PRId64, i ? ", " : "", a->campaigns[i]);
        if (k < 0 || (size_t)k >= cap - len)
            return;
        len += (size_t)k;
    }
    if (a->ncampaigns > ACTOR_CAMPAIGNS_MAX)
        snprintf(buf + len, cap - len, " and %zu more", a->ncampaigns - ACTOR_CAMPAIGNS_MAX);
}

static void write_layer_metadata(jw *w, const layer_src *L)
{
    char buf[ACTOR_CAMPAIGNS_MAX * 24 + 48];
    jw_open(w, "metadata", '[');
    if (L->c) {
        jw_meta(w, "campaign", L->id);
        if (L->c->actor > 0)
            snprintf(buf, sizeof buf, "A-%" PRId64, L->c->actor);
        jw_meta(w, "actor", L->c->actor > 0 ? buf : "none");
    } else if (L->a) {
        jw_meta(w, "actor", L->id);
        campaign_list(L->a, buf, sizeof buf);
        jw_meta(w, "campaigns", L->a->ncampaigns ? buf : "none");
    }
    jw_meta_time(w, "first seen", L->first_us);
    jw_meta_time(w, "last seen", L->last_us);
    jw_meta_u64(w, "incidents", L->incidents);
    jw_meta_u64(w, "sessions", L->sessions);
    if (L->c) {
        snprintf(buf, sizeof buf, "%.0f", L->c->duration_hours);
        jw_meta(w, "duration hours", buf);
        snprintf(buf, sizeof buf, "%.2f", L->c->criticality);
        jw_meta(w, "criticality", buf);
        snprintf(buf, sizeof buf, "%.4f", L->c->score);
        jw_meta(w, "campaign score", buf);
        jw_meta(w, "primary tactic",
                L->c->primary_tactic && L->c->primary_tactic[0] ? L->c->primary_tactic : "none");
    } else if (!L->a) {
        jw_meta_u64(w, "campaigns", L->ds->campaigns);
        jw_meta_u64(w, "actors", L->ds->actors);
    }
    jw_open_inline(w, NULL, '{');
    jw_bool(w, "divider", 1);
    jw_close(w, '}');
    jw_meta(w, "ATT&CK version", L->ds->attack_version ? L->ds->attack_version : "unknown");
    jw_meta(w, "score", "sessions that showed the technique");
    jw_meta(w, "producer", L->producer);
    jw_close(w, ']');
}

static void write_layer(FILE *f, const layer_src *L, const nav_technique *v, size_t n)
{
    jw w = {.f = f};
    char text[512], first[40], last[40];
    uint64_t max_score = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].t->sessions > max_score)
            max_score = v[i].t->sessions;

    jw_open(&w, NULL, '{');
    snprintf(text, sizeof text, "%s %s", L->producer, L->id); /* "actorprint C-3" */
    jw_cstr(&w, "name", text);
    jw_open(&w, "versions", '{');
    attack_major(L->ds->attack_version, text, 16);
    if (text[0])
        jw_cstr(&w, "attack", text);
    jw_cstr(&w, "navigator", NAVIGATOR_VERSION);
    jw_cstr(&w, "layer", LAYER_VERSION);
    jw_close(&w, '}');
    jw_cstr(&w, "domain", "enterprise-attack");
    snprintf(text, sizeof text,
             "%s: %" PRIu64 " session%s in %" PRIu64 " incident%s from %s to %s. Score: sessions "
             "that showed the technique.",
             L->who, L->sessions, L->sessions == 1 ? "" : "s", L->incidents,
             L->incidents == 1 ? "" : "s", ap_export_time(L->first_us, first, sizeof first),
             ap_export_time(L->last_us, last, sizeof last));
    jw_cstr(&w, "description", text);
    jw_open(&w, "filters", '{');
    jw_open_inline(&w, "platforms", '[');
    jw_cstr(&w, NULL, "Linux"); /* Cowrie emulates a Linux host */
    jw_close(&w, ']');
    jw_close(&w, '}');
    jw_u64(&w, "sorting", 3); /* descending score: the busiest techniques on top of each tactic */
    jw_open(&w, "layout", '{');
    jw_cstr(&w, "layout", "side");
    jw_bool(&w, "showID", 1);
    jw_bool(&w, "showName", 1);
    jw_bool(&w, "showAggregateScores", 0);
    jw_bool(&w, "countUnscored", 0);
    jw_cstr(&w, "aggregateFunction", "max");
    /* a scored sub-technique shows even when its parent is not in the layer */
    jw_cstr(&w, "expandedSubtechniques", "annotated");
    jw_close(&w, '}');
    jw_bool(&w, "hideDisabled", 0);
    write_techniques(&w, v, n);
    jw_open(&w, "gradient", '{');
    jw_open_inline(&w, "colors", '[');
    jw_cstr(&w, NULL, "#ffffff");
    jw_cstr(&w, NULL, "#ff6666");
    jw_cstr(&w, NULL, "#b30000");
    jw_close(&w, ']');
    jw_u64(&w, "minValue", 0);
    jw_u64(&w, "maxValue", max_score > 0 ? max_score : 1); /* must be > minValue */
    jw_close(&w, '}');
    jw_open(&w, "legendItems", '[');
    jw_open_inline(&w, NULL, '{');
    jw_cstr(&w, "label", "seen in few sessions");
    jw_cstr(&w, "color", "#ffffff");
    jw_close(&w, '}');
    snprintf(text, sizeof text, "seen in %" PRIu64 " sessions", max_score);
    jw_open_inline(&w, NULL, '{');
    jw_cstr(&w, "label", text);
    jw_cstr(&w, "color", "#b30000");
    jw_close(&w, '}');
    jw_close(&w, ']');
    write_layer_metadata(&w, L);
    jw_close(&w, '}');
    fputc('\n', f);
}

/* Writes the layer to f and finishes f (ap_export_close); `what` names f in messages. */
static ap_status layer_to_file(FILE *f, int close_it, const char *what, const layer_src *L,
                               char *err, size_t errlen)
{
    nav_technique *v = NULL;
    ap_status st = order_techniques(L->techniques, L->ntechniques, &v);
    if (st == AP_OK)
        write_layer(f, L, v, L->ntechniques);
    free(v);
    ap_status cst = ap_export_close(f, close_it, what, err, errlen);
    if (st != AP_OK) {
        ap_set_error(err, errlen, "%s: %s", what, ap_strerror(st));
        return st;
    }
    return cst;
}

static ap_status layer_in_dir(const ap_export_options *opt, const char *fname, const layer_src *L,
                              char *err, size_t errlen)
{
    FILE *f = ap_export_open_in_dir(opt, fname, err, errlen);
    if (!f)
        return AP_ERR_IO;
    return layer_to_file(f, 1, fname, L, err, errlen);
}

ap_status ap_export_navigator(const ap_model *m, const ap_export_options *opt, char *err,
                              size_t errlen)
{
    if (!m || !opt)
        return AP_ERR_ARG;
    layer_src L = {.ds = ap_model_dataset_of(m),
                   .producer = opt->producer && opt->producer[0] ? opt->producer : "actorprint"};
    if (!L.ds)
        return AP_ERR_INTERNAL;

    /* one campaign or actor: one file, or standard output */
    if (opt->campaign > 0 || opt->actor > 0) {
        if (opt->campaign > 0) {
            const ap_model_campaign *c = ap_model_campaign_find(m, opt->campaign);
            if (!c) {
                ap_set_error(err, errlen, "no campaign C-%" PRId64 " in the last clustering",
                             opt->campaign);
                return AP_ERR_NOT_FOUND;
            }
            layer_of_campaign(&L, c);
        } else {
            const ap_model_actor *a = ap_model_actor_find(m, opt->actor);
            if (!a) {
                ap_set_error(err, errlen, "no actor A-%" PRId64 " in the last clustering",
                             opt->actor);
                return AP_ERR_NOT_FOUND;
            }
            layer_of_actor(&L, a);
        }
        int close_it = 0;
        FILE *f = ap_export_open_file(opt, &close_it, err, errlen);
        if (!f)
            return AP_ERR_IO;
        return layer_to_file(f, close_it, close_it ? opt->out : "standard output", &L, err,
                             errlen);
    }

    /* everything: a directory of layers */
    ap_status st = ap_export_need_dir(opt, err, errlen);
    if (st != AP_OK)
        return st;
    layer_of_dataset(&L);
    st = layer_in_dir(opt, "dataset.json", &L, err, errlen);
    char fname[64];
    for (size_t i = 0; st == AP_OK && i < ap_model_campaign_count(m); i++) {
        layer_of_campaign(&L, ap_model_campaign_at(m, i));
        snprintf(fname, sizeof fname, "campaign-%s.json", L.id);
        st = layer_in_dir(opt, fname, &L, err, errlen);
    }
    for (size_t i = 0; st == AP_OK && i < ap_model_actor_count(m); i++) {
        layer_of_actor(&L, ap_model_actor_at(m, i));
        snprintf(fname, sizeof fname, "actor-%s.json", L.id);
        st = layer_in_dir(opt, fname, &L, err, errlen);
    }
    return st;
}
