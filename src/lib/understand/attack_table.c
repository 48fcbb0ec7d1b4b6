/* attack_table.c — the ATT&CK technique and tactic table: the Enterprise v18.1 TSVs compiled
 * into the library (data/attack/), or an ATT&CK STIX 2.1 bundle given at run time.
 *
 * Why it exists: rules name techniques by id, and every id must be checked against the ATT&CK
 * release in use (unknown: error; revoked or deprecated by a newer bundle: warning). The table
 * also gives names, parent names and tactics (in matrix order) to everything that prints a
 * technique. Lookup by id is one hash probe.
 */
#include "understand/attack_internal.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"

extern const char ap_embedded_enterprise_techniques_tsv[];
extern const size_t ap_embedded_enterprise_techniques_tsv_len;
extern const char ap_embedded_enterprise_tactics_tsv[];
extern const size_t ap_embedded_enterprise_tactics_tsv_len;

/* The release the compiled-in TSVs were derived from (data/attack/NOTICE.md). */
#define ATTACK_EMBEDDED_VERSION "18.1"
#define ATTACK_EMBEDDED_TECHNIQUES "data/attack/enterprise-techniques.tsv"
#define ATTACK_EMBEDDED_TACTICS "data/attack/enterprise-tactics.tsv"

void ap_attack_report(ap_diag_fn on_diag, void *user, ap_severity sev, const char *file,
                      unsigned line, const char *reason, const char *fmt, ...)
{
    if (!on_diag)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ap_diag d = {sev, file, line, 0, reason, msg};
    on_diag(user, &d);
}

/* ---- lookup --------------------------------------------------------------------------- */

static uint64_t id_hash(ap_str id) { return ap_hash64(id.p, id.n); }

const ap_technique *ap_attack_technique(const ap_attack *a, ap_str id)
{
    if (!a || !a->tech_slots || !id.p || id.n == 0)
        return NULL;
    size_t mask = a->tech_mask;
    for (size_t i = (size_t)id_hash(id) & mask;; i = (i + 1) & mask) {
        uint32_t v = a->tech_slots[i];
        if (v == 0)
            return NULL;
        const ap_technique *t = &a->techs[v - 1];
        if (ap_str_eq_c(id, t->id))
            return t;
    }
}

size_t ap_attack_technique_count(const ap_attack *a) { return a ? a->ntechs : 0; }

const ap_technique *ap_attack_technique_at(const ap_attack *a, size_t i)
{
    return a && i < a->ntechs ? &a->techs[i] : NULL;
}

size_t ap_attack_tactic_count(const ap_attack *a) { return a ? a->ntactics : 0; }

const ap_tactic *ap_attack_tactic_at(const ap_attack *a, size_t i)
{
    return a && i < a->ntactics ? &a->tactics[i] : NULL;
}

/* ---- building ------------------------------------------------------------------------- */

/* A technique id is T + 4 digits, optionally . + 3 digits. */
static int valid_technique_id(const char *s)
{
    size_t n = strlen(s);
    if (n != 5 && n != 9)
        return 0;
    if (s[0] != 'T')
        return 0;
    for (size_t i = 1; i < 5; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    if (n == 9) {
        if (s[5] != '.')
            return 0;
        for (size_t i = 6; i < 9; i++)
            if (s[i] < '0' || s[i] > '9')
                return 0;
    }
    return 1;
}

static int status_rank(ap_technique_status s)
{
    return s == AP_TECH_ACTIVE ? 0 : s == AP_TECH_DEPRECATED ? 1 : 2;
}

/* Indexes a->techs by id; a duplicate id keeps the most current entry (active over deprecated
 * over revoked: a bundle can hold a revoked object beside the one that replaced it). Then
 * fills parent names. */
static ap_status index_techniques(ap_attack *a)
{
    size_t cap = 16;
    while (cap < a->ntechs * 2)
        cap <<= 1;
    a->tech_slots = ap_arena_alloc(&a->arena, cap * sizeof *a->tech_slots);
    if (!a->tech_slots)
        return AP_ERR_NOMEM;
    memset(a->tech_slots, 0, cap * sizeof *a->tech_slots);
    a->tech_mask = cap - 1;
    size_t kept = 0;
    for (size_t k = 0; k < a->ntechs; k++) {
        ap_technique *t = &a->techs[k];
        ap_str id = ap_str_c(t->id);
        size_t i = (size_t)id_hash(id) & a->tech_mask;
        int placed = 0;
        for (;; i = (i + 1) & a->tech_mask) {
            uint32_t v = a->tech_slots[i];
            if (v == 0)
                break;
            ap_technique *old = &a->techs[v - 1];
            if (ap_str_eq_c(id, old->id)) {
                if (status_rank(t->status) < status_rank(old->status))
                    *old = *t;
                placed = 1;
                break;
            }
        }
        if (placed)
            continue;
        /* compact: entries stay in input order without duplicates */
        a->techs[kept] = *t;
        a->tech_slots[i] = (uint32_t)(kept + 1);
        kept++;
    }
    a->ntechs = kept;
    for (size_t k = 0; k < a->ntechs; k++) {
        ap_technique *t = &a->techs[k];
        t->parent_name = NULL;
        const char *dot = strchr(t->id, '.');
        if (dot) {
            const ap_technique *p = ap_attack_technique(a, ap_str_make(t->id, (size_t)(dot - t->id)));
            t->parent_name = p ? p->name : NULL;
        }
    }
    return AP_OK;
}

static int tactic_rank(const ap_attack *a, ap_str shortname)
{
    for (size_t i = 0; i < a->ntactics; i++)
        if (ap_str_eq_c(shortname, a->tactics[i].shortname))
            return (int)i;
    return (int)a->ntactics; /* unknown tactics go last, in given order */
}

/* Rewrites a comma-separated tactic list in matrix order, without duplicates. */
static const char *order_tactics(ap_attack *a, ap_str list)
{
    ap_str parts[32];
    int rank[32];
    size_t n = 0;
    size_t i = 0;
    while (i <= list.n && n < 32) {
        size_t j = i;
        while (j < list.n && list.p[j] != ',')
            j++;
        ap_str p = ap_str_make(list.p + i, j - i);
        while (p.n && (p.p[0] == ' '))
            p.p++, p.n--;
        while (p.n && p.p[p.n - 1] == ' ')
            p.n--;
        if (p.n) {
            int dup = 0;
            for (size_t k = 0; k < n; k++)
                dup |= ap_str_eq(parts[k], p);
            if (!dup) {
                parts[n] = p;
                rank[n] = tactic_rank(a, p);
                n++;
            }
        }
        i = j + 1;
    }
    /* insertion sort, stable */
    for (size_t x = 1; x < n; x++) {
        for (size_t y = x; y > 0 && rank[y - 1] > rank[y]; y--) {
            ap_str tp = parts[y];
            parts[y] = parts[y - 1];
            parts[y - 1] = tp;
            int tr = rank[y];
            rank[y] = rank[y - 1];
            rank[y - 1] = tr;
        }
    }
    size_t len = 0;
    for (size_t k = 0; k < n; k++)
        len += parts[k].n + 1;
    char *out = ap_arena_alloc(&a->arena, len + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t k = 0; k < n; k++) {
        if (k)
            out[o++] = ',';
        memcpy(out + o, parts[k].p, parts[k].n);
        o += parts[k].n;
    }
    out[o] = '\0';
    return out;
}

/* ---- the compiled-in TSVs ------------------------------------------------------------- */

/* Splits line into at most max tab-separated fields; returns the number found. */
static size_t split_tabs(ap_str line, ap_str *f, size_t max)
{
    size_t n = 0, i = 0;
    while (n < max) {
        size_t j = i;
        while (j < line.n && line.p[j] != '\t')
            j++;
        f[n++] = ap_str_make(line.p + i, j - i);
        if (j >= line.n)
            break;
        i = j + 1;
    }
    return n;
}

/* Calls fn for every non-header line of a TSV. */
typedef ap_status (*tsv_row_fn)(ap_attack *a, ap_str *f, size_t nf, unsigned line,
                                ap_diag_fn on_diag, void *user);

static ap_status read_tsv(ap_attack *a, const char *text, size_t len, const char *file,
                          tsv_row_fn fn, ap_diag_fn on_diag, void *user)
{
    size_t i = 0;
    unsigned line = 0;
    ap_status st = AP_OK;
    while (i < len) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        ap_str l = ap_str_make(text + i, j - i);
        if (l.n && l.p[l.n - 1] == '\r')
            l.n--;
        line++;
        i = j + 1;
        if (line == 1 || l.n == 0)
            continue; /* header, blank */
        ap_str f[8];
        size_t nf = split_tabs(l, f, 8);
        ap_status s = fn(a, f, nf, line, on_diag, user);
        if (s == AP_ERR_NOMEM)
            return s;
        if (s != AP_OK) {
            ap_attack_report(on_diag, user, AP_SEV_ERROR, file, line, "attack_table",
                             "malformed row (%zu fields)", nf);
            st = s;
        }
    }
    return st;
}

static ap_status tactic_row(ap_attack *a, ap_str *f, size_t nf, unsigned line, ap_diag_fn d,
                            void *u)
{
    (void)line, (void)d, (void)u;
    if (nf < 4)
        return AP_ERR_FORMAT;
    ap_tactic *t = &a->tactics[a->ntactics];
    t->id = ap_arena_dup(&a->arena, f[0]).p;
    t->shortname = ap_arena_dup(&a->arena, f[1]).p;
    t->name = ap_arena_dup(&a->arena, f[2]).p;
    if (!t->id || !t->shortname || !t->name)
        return AP_ERR_NOMEM;
    a->ntactics++;
    return AP_OK;
}

static ap_status technique_row(ap_attack *a, ap_str *f, size_t nf, unsigned line, ap_diag_fn d,
                               void *u)
{
    (void)line, (void)d, (void)u;
    if (nf < 6)
        return AP_ERR_FORMAT;
    ap_technique *t = &a->techs[a->ntechs];
    memset(t, 0, sizeof *t);
    t->id = ap_arena_dup(&a->arena, f[0]).p;
    t->name = ap_arena_dup(&a->arena, f[1]).p;
    t->tactics = order_tactics(a, f[2]);
    t->stix_id = ap_arena_dup(&a->arena, f[5]).p;
    if (!t->id || !t->name || !t->tactics || !t->stix_id)
        return AP_ERR_NOMEM;
    if (!valid_technique_id(t->id))
        return AP_ERR_FORMAT;
    if (ap_str_eq_c(f[3], "active"))
        t->status = AP_TECH_ACTIVE;
    else if (ap_str_eq_c(f[3], "deprecated"))
        t->status = AP_TECH_DEPRECATED;
    else if (ap_str_eq_c(f[3], "revoked"))
        t->status = AP_TECH_REVOKED;
    else
        return AP_ERR_FORMAT;
    a->ntechs++;
    return AP_OK;
}

static size_t count_lines(const char *p, size_t n)
{
    size_t c = 1;
    for (size_t i = 0; i < n; i++)
        c += p[i] == '\n';
    return c;
}

static ap_status load_embedded(ap_attack *a, ap_diag_fn on_diag, void *user)
{
    size_t ntac = count_lines(ap_embedded_enterprise_tactics_tsv,
                              ap_embedded_enterprise_tactics_tsv_len);
    size_t ntech = count_lines(ap_embedded_enterprise_techniques_tsv,
                               ap_embedded_enterprise_techniques_tsv_len);
    a->tactics = ap_arena_alloc(&a->arena, ntac * sizeof *a->tactics);
    a->techs = ap_arena_alloc(&a->arena, ntech * sizeof *a->techs);
    if (!a->tactics || !a->techs)
        return AP_ERR_NOMEM;
    ap_status st = read_tsv(a, ap_embedded_enterprise_tactics_tsv,
                            ap_embedded_enterprise_tactics_tsv_len, ATTACK_EMBEDDED_TACTICS,
                            tactic_row, on_diag, user);
    if (st != AP_OK)
        return st;
    st = read_tsv(a, ap_embedded_enterprise_techniques_tsv,
                  ap_embedded_enterprise_techniques_tsv_len, ATTACK_EMBEDDED_TECHNIQUES,
                  technique_row, on_diag, user);
    if (st != AP_OK)
        return st;
    snprintf(a->table_version, sizeof a->table_version, "%s", ATTACK_EMBEDDED_VERSION);
    return AP_OK;
}

/* ---- a STIX 2.1 bundle ---------------------------------------------------------------- */

static const char *json_str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int obj_flag(json_t *o, const char *key) { return json_is_true(json_object_get(o, key)); }

/* The "mitre-attack" external id of an object (T1098.004, TA0003), or NULL. */
static const char *mitre_external_id(json_t *o)
{
    json_t *refs = json_object_get(o, "external_references");
    size_t i;
    json_t *r;
    json_array_foreach(refs, i, r)
    {
        const char *src = json_str(r, "source_name");
        if (src && strcmp(src, "mitre-attack") == 0)
            return json_str(r, "external_id");
    }
    return NULL;
}

static ap_status bundle_tactics(ap_attack *a, json_t *objects, size_t nobj)
{
    /* matrix order: tactic_refs of the first x-mitre-matrix; else bundle order */
    json_t *order = NULL;
    size_t i;
    json_t *o;
    json_array_foreach(objects, i, o)
    {
        const char *type = json_str(o, "type");
        if (type && strcmp(type, "x-mitre-matrix") == 0 && json_is_array(json_object_get(o, "tactic_refs"))) {
            order = json_object_get(o, "tactic_refs");
            break;
        }
    }
    a->tactics = ap_arena_alloc(&a->arena, (nobj + 1) * sizeof *a->tactics);
    if (!a->tactics)
        return AP_ERR_NOMEM;
    size_t nt = 0;
    json_array_foreach(objects, i, o)
    {
        const char *type = json_str(o, "type");
        if (!type || strcmp(type, "x-mitre-tactic") != 0)
            continue;
        if (obj_flag(o, "revoked") || obj_flag(o, "x_mitre_deprecated"))
            continue;
        const char *id = mitre_external_id(o), *sn = json_str(o, "x_mitre_shortname"),
                   *name = json_str(o, "name");
        if (!id || !sn || !name)
            continue;
        ap_tactic *t = &a->tactics[nt++];
        t->id = ap_arena_strdup(&a->arena, id);
        t->shortname = ap_arena_strdup(&a->arena, sn);
        t->name = ap_arena_strdup(&a->arena, name);
        if (!t->id || !t->shortname || !t->name)
            return AP_ERR_NOMEM;
    }
    a->ntactics = nt;
    if (!order)
        return AP_OK;
    /* reorder by position in tactic_refs; tactics not in the matrix keep their order after */
    int *rank = calloc(nt ? nt : 1, sizeof *rank);
    if (!rank)
        return AP_ERR_NOMEM;
    size_t k = 0;
    json_array_foreach(objects, i, o)
    {
        const char *type = json_str(o, "type");
        if (!type || strcmp(type, "x-mitre-tactic") != 0)
            continue;
        if (obj_flag(o, "revoked") || obj_flag(o, "x_mitre_deprecated"))
            continue;
        if (!mitre_external_id(o) || !json_str(o, "x_mitre_shortname") || !json_str(o, "name"))
            continue;
        const char *stix = json_str(o, "id");
        int r = (int)json_array_size(order) + (int)k;
        size_t x;
        json_t *ref;
        json_array_foreach(order, x, ref)
        {
            if (stix && json_is_string(ref) && strcmp(json_string_value(ref), stix) == 0) {
                r = (int)x;
                break;
            }
        }
        rank[k++] = r;
    }
    for (size_t x = 1; x < nt; x++) {
        for (size_t y = x; y > 0 && rank[y - 1] > rank[y]; y--) {
            ap_tactic tt = a->tactics[y];
            a->tactics[y] = a->tactics[y - 1];
            a->tactics[y - 1] = tt;
            int tr = rank[y];
            rank[y] = rank[y - 1];
            rank[y - 1] = tr;
        }
    }
    free(rank);
    return AP_OK;
}

static ap_status bundle_techniques(ap_attack *a, json_t *objects, size_t nobj)
{
    a->techs = ap_arena_alloc(&a->arena, (nobj + 1) * sizeof *a->techs);
    if (!a->techs)
        return AP_ERR_NOMEM;
    size_t i;
    json_t *o;
    json_array_foreach(objects, i, o)
    {
        const char *type = json_str(o, "type");
        if (!type || strcmp(type, "attack-pattern") != 0)
            continue;
        const char *id = mitre_external_id(o), *name = json_str(o, "name");
        if (!id || !name || !valid_technique_id(id))
            continue;
        /* tactics: kill-chain phases of the mitre-attack kill chain */
        char buf[512];
        size_t bn = 0;
        json_t *phases = json_object_get(o, "kill_chain_phases"), *ph;
        size_t x;
        json_array_foreach(phases, x, ph)
        {
            const char *kc = json_str(ph, "kill_chain_name"), *pn = json_str(ph, "phase_name");
            if (!kc || !pn || strcmp(kc, "mitre-attack") != 0)
                continue;
            size_t pl = strlen(pn);
            if (bn + pl + 2 > sizeof buf)
                break;
            if (bn)
                buf[bn++] = ',';
            memcpy(buf + bn, pn, pl);
            bn += pl;
        }
        ap_technique *t = &a->techs[a->ntechs];
        memset(t, 0, sizeof *t);
        t->id = ap_arena_strdup(&a->arena, id);
        t->name = ap_arena_strdup(&a->arena, name);
        t->tactics = order_tactics(a, ap_str_make(buf, bn));
        const char *stix = json_str(o, "id");
        t->stix_id = ap_arena_strdup(&a->arena, stix ? stix : "");
        if (!t->id || !t->name || !t->tactics || !t->stix_id)
            return AP_ERR_NOMEM;
        t->status = obj_flag(o, "revoked")              ? AP_TECH_REVOKED
                    : obj_flag(o, "x_mitre_deprecated") ? AP_TECH_DEPRECATED
                                                         : AP_TECH_ACTIVE;
        a->ntechs++;
    }
    return AP_OK;
}

static ap_status load_bundle(ap_attack *a, const char *path, ap_diag_fn on_diag, void *user)
{
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    if (!root) {
        FILE *f = fopen(path, "rb");
        if (!f) {
            ap_attack_report(on_diag, user, AP_SEV_ERROR, path, 0, "open_error",
                             "cannot open ATT&CK bundle");
            return AP_ERR_IO;
        }
        fclose(f);
        ap_attack_report(on_diag, user, AP_SEV_ERROR, path, (unsigned)(err.line > 0 ? err.line : 0),
                         "attack_bundle", "invalid JSON: %s (column %d)", err.text, err.column);
        return AP_ERR_FORMAT;
    }
    ap_status st = AP_OK;
    json_t *objects = json_object_get(root, "objects");
    const char *type = json_str(root, "type");
    if (!type || strcmp(type, "bundle") != 0 || !json_is_array(objects)) {
        ap_attack_report(on_diag, user, AP_SEV_ERROR, path, 0, "attack_bundle",
                         "not a STIX bundle (no \"type\": \"bundle\" with \"objects\")");
        st = AP_ERR_FORMAT;
        goto done;
    }
    size_t nobj = json_array_size(objects);
    st = bundle_tactics(a, objects, nobj);
    if (st != AP_OK)
        goto done;
    st = bundle_techniques(a, objects, nobj);
    if (st != AP_OK)
        goto done;
    if (a->ntechs == 0 || a->ntactics == 0) {
        ap_attack_report(on_diag, user, AP_SEV_ERROR, path, 0, "attack_bundle",
                         "the bundle has no ATT&CK %s", a->ntechs == 0 ? "attack-pattern" : "x-mitre-tactic");
        st = AP_ERR_FORMAT;
        goto done;
    }
    /* the release: x_mitre_version of the x-mitre-collection, else a hash of the file */
    const char *ver = NULL;
    size_t i;
    json_t *o;
    json_array_foreach(objects, i, o)
    {
        const char *t = json_str(o, "type");
        if (t && strcmp(t, "x-mitre-collection") == 0 && (ver = json_str(o, "x_mitre_version")))
            break;
    }
    if (ver && strlen(ver) < 32) {
        snprintf(a->table_version, sizeof a->table_version, "%s", ver);
    } else {
        char *dump = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
        uint64_t h = dump ? ap_hash64(dump, strlen(dump)) : 0;
        free(dump);
        snprintf(a->table_version, sizeof a->table_version, "bundle-%012llx",
                 (unsigned long long)(h >> 16));
    }
done:
    json_decref(root);
    return st;
}

ap_status ap_attack_table_load(ap_attack *a, const char *bundle_path, ap_diag_fn on_diag,
                               void *diag_user)
{
    ap_status st = bundle_path ? load_bundle(a, bundle_path, on_diag, diag_user)
                               : load_embedded(a, on_diag, diag_user);
    if (st != AP_OK)
        return st;
    return index_techniques(a);
}
