/* mapper.c — the public face of the understand stage (ap_mapper_* in actorprint.h): one call
 * turns a command line as logged into statements (shell.c), their normal forms (normalise.c),
 * the ATT&CK techniques of each with the rule that fired (attack.c), and the IOCs and SSH public
 * keys the line carries (ioc.c, sshkey.c). It also loads the event rules (data/rules/events.tsv)
 * that store_map.c applies to logins, forwards and transfers.
 *
 * Where IOCs and keys are looked for: the whole input, plus the text of every statement that is
 * not a piece of the input (decoded base64/printf payloads, unwrapped here-documents), plus
 * here-document bodies. So a key hidden in `echo <base64> | base64 -d | sh` is found as surely as
 * one typed in clear. A key counts as injected when some statement of the same input writes to
 * an authorized_keys file (redirection, tee, cp, mv, dd of=).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/cowrie.h"
#include "ingest/reader.h"
#include "understand/attack.h"
#include "understand/ioc.h"
#include "understand/mapper_internal.h"
#include "understand/normalise.h"
#include "understand/shell.h"
#include "understand/sshkey.h"
#include "util/arena.h"
#include "util/hash.h"
#include "util/str.h"

extern const char ap_embedded_events_tsv[];
extern const size_t ap_embedded_events_tsv_len;

/* Techniques per statement kept at most (rules fire once per technique). */
#define MAX_MATCHES 32

struct ap_mapper {
    ap_attack *attack;
    ap_ioc_scanner *iocs;
    ap_arena arena;           /* the current result; reset by each map */
    ap_arena tech_arena;      /* technique views handed out by ap_mapper_technique */
    ap_map_view view;
    char version[160];
    ap_event_rule *event_rules;
    size_t nevent_rules;
    char *events_text;        /* owned copy of events.tsv the rules point into */
    ap_technique_view lookup; /* ap_mapper_technique's result */
    ap_cowrie_decoder *decoder; /* ap_mapper_map_line: Cowrie JSON lines */
    ap_arena line_arena;
    ap_diag_fn on_diag;
    void *diag_user;
    char *linebuf;
    size_t linecap;
};

/* ---- event rules ------------------------------------------------------------------------- */

static void diag(const ap_mapper_options *opt, ap_severity sev, unsigned line, const char *reason,
                 const char *msg)
{
    if (!opt || !opt->on_diag)
        return;
    ap_diag d = {sev, "data/rules/events.tsv", line, 0, reason, msg};
    opt->on_diag(opt->diag_user, &d);
}

/* Splits the embedded events.tsv into rules; every technique must exist in the table. */
static ap_status load_event_rules(ap_mapper *m, const ap_mapper_options *opt)
{
    m->events_text = malloc(ap_embedded_events_tsv_len + 1);
    if (!m->events_text)
        return AP_ERR_NOMEM;
    memcpy(m->events_text, ap_embedded_events_tsv, ap_embedded_events_tsv_len);
    m->events_text[ap_embedded_events_tsv_len] = '\0';
    size_t cap = 16;
    m->event_rules = calloc(cap, sizeof *m->event_rules);
    if (!m->event_rules)
        return AP_ERR_NOMEM;
    ap_status st = AP_OK;
    unsigned lineno = 0;
    int header = 1;
    for (char *line = m->events_text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (header) { /* the column names */
            header = 0;
            continue;
        }
        char *tech = strchr(line, '\t');
        char *reason = tech ? strchr(tech + 1, '\t') : NULL;
        if (!reason) {
            diag(opt, AP_SEV_ERROR, lineno, "bad_rule", "expected rule_id<TAB>technique<TAB>reason");
            st = AP_ERR_FORMAT;
            continue;
        }
        *tech++ = '\0';
        *reason++ = '\0';
        const ap_technique *t = ap_attack_technique(m->attack, ap_str_c(tech));
        if (!t) {
            char msg[160];
            snprintf(msg, sizeof msg, "rule %s names unknown technique %s", line, tech);
            diag(opt, AP_SEV_ERROR, lineno, "unknown_technique", msg);
            st = AP_ERR_FORMAT;
            continue;
        }
        if (m->nevent_rules == cap) {
            ap_event_rule *p = realloc(m->event_rules, 2 * cap * sizeof *p);
            if (!p)
                return AP_ERR_NOMEM;
            m->event_rules = p;
            cap *= 2;
        }
        m->event_rules[m->nevent_rules++] = (ap_event_rule){line, t, reason};
    }
    return st;
}

const ap_event_rule *ap_mapper_event_rule(const ap_mapper *m, const char *id)
{
    for (size_t i = 0; i < m->nevent_rules; i++)
        if (strcmp(m->event_rules[i].id, id) == 0)
            return &m->event_rules[i];
    return NULL;
}

ap_attack *ap_mapper_attack(ap_mapper *m)
{
    return m->attack;
}

void ap_mapper_diag(const ap_mapper *m, ap_diag_fn *fn, void **user)
{
    *fn = m->on_diag;
    *user = m->diag_user;
}

/* ---- open / close ------------------------------------------------------------------------ */

ap_status ap_mapper_open(const ap_mapper_options *opt, ap_mapper **out)
{
    if (!out)
        return AP_ERR_ARG;
    *out = NULL;
    ap_mapper *m = calloc(1, sizeof *m);
    if (!m)
        return AP_ERR_NOMEM;
    ap_arena_init(&m->arena, 64 * 1024);
    ap_arena_init(&m->tech_arena, 4 * 1024);
    ap_arena_init(&m->line_arena, 16 * 1024);
    ap_attack_options ao = {0};
    if (opt) {
        ao.rules_path = opt->rules_path;
        ao.bundle_path = opt->attack_path;
        ao.on_diag = m->on_diag = opt->on_diag;
        ao.diag_user = m->diag_user = opt->diag_user;
    }
    ap_status st = ap_attack_load(&ao, &m->attack);
    if (st == AP_OK)
        st = ap_ioc_scanner_new(&m->iocs);
    if (st == AP_OK)
        st = load_event_rules(m, opt);
    if (st != AP_OK) {
        ap_mapper_close(m);
        return st;
    }
    snprintf(m->version, sizeof m->version, "%s/normalise-%d", ap_attack_version(m->attack),
             AP_NORMALISE_VERSION);
    *out = m;
    return AP_OK;
}

void ap_mapper_close(ap_mapper *m)
{
    if (!m)
        return;
    ap_attack_free(m->attack);
    ap_ioc_scanner_free(m->iocs);
    ap_arena_free(&m->arena);
    ap_arena_free(&m->tech_arena);
    ap_arena_free(&m->line_arena);
    ap_cowrie_decoder_free(m->decoder);
    free(m->linebuf);
    free(m->event_rules);
    free(m->events_text);
    free(m);
}

const char *ap_mapper_version(const ap_mapper *m)
{
    return m ? m->version : "";
}

/* ---- mapping ----------------------------------------------------------------------------- */

/* "Parent: Sub" for sub-techniques, as ATT&CK writes them. */
static const char *display_name(ap_arena *a, const ap_technique *t)
{
    if (!t->parent_name)
        return t->name;
    size_t n = strlen(t->parent_name) + strlen(t->name) + 3;
    char *s = ap_arena_alloc(a, n);
    if (s)
        snprintf(s, n, "%s: %s", t->parent_name, t->name);
    return s ? s : t->name;
}

const ap_technique_view *ap_mapper_technique(ap_mapper *m, const char *id)
{
    if (!m || !id)
        return NULL;
    const ap_technique *t = ap_attack_technique(m->attack, ap_str_c(id));
    if (!t)
        return NULL;
    m->lookup = (ap_technique_view){t->id, display_name(&m->tech_arena, t), t->tactics, NULL, NULL};
    return &m->lookup;
}

/* Is `t` inside the input buffer (a view of it) rather than decoded text? */
static int within(ap_str t, const char *input, size_t len)
{
    return t.p >= input && t.p + t.n <= input + len;
}

static int mentions_authorized_keys(ap_str s)
{
    static const char needle[] = "authorized_keys";
    if (s.n < sizeof needle - 1)
        return 0;
    for (size_t i = 0; i + sizeof needle - 1 <= s.n; i++)
        if (s.p[i] == 'a' && memcmp(s.p + i, needle, sizeof needle - 1) == 0)
            return 1;
    return 0;
}

/* Does statement i write to an authorized_keys file? (The same written-files logic as the
 * rules' redirect-target matcher.) */
static int writes_authorized_keys(ap_attack *a, const ap_stmt *stmts, size_t n, size_t i)
{
    const ap_str *files = NULL;
    size_t nfiles = ap_attack_written_files(a, stmts, n, i, &files);
    for (size_t k = 0; k < nfiles; k++)
        if (mentions_authorized_keys(files[k]))
            return 1;
    return 0;
}

/* IOCs and keys of one input, deduplicated across the texts scanned (the input, decoded
 * payloads, here-documents) through a hash set, so hostile input with many statements and many
 * indicators stays linear. Arrays grow by doubling in the arena. */
typedef struct collect {
    ap_mapper *m;
    ap_ioc *iocs;
    size_t niocs, ioc_cap;
    ap_ssh_key *keys;
    size_t nkeys, key_cap;
    uint64_t *seen;  /* open addressing over hashes of (type, value) and key fingerprints */
    size_t seen_n, seen_cap;
} collect;

/* Adds h to the set; 0 when it was there already. */
static ap_status seen_add(collect *c, uint64_t h, int *added)
{
    h |= 1; /* 0 marks an empty slot */
    if ((c->seen_n + 1) * 2 > c->seen_cap) {
        size_t cap = c->seen_cap ? c->seen_cap * 2 : 64;
        uint64_t *t = ap_arena_alloc(&c->m->arena, cap * sizeof *t);
        if (!t)
            return AP_ERR_NOMEM;
        memset(t, 0, cap * sizeof *t);
        for (size_t i = 0; i < c->seen_cap; i++) {
            if (!c->seen[i])
                continue;
            size_t j = (size_t)(c->seen[i] * 0x9E3779B97F4A7C15ull >> 17) & (cap - 1);
            while (t[j])
                j = (j + 1) & (cap - 1);
            t[j] = c->seen[i];
        }
        c->seen = t;
        c->seen_cap = cap;
    }
    size_t j = (size_t)(h * 0x9E3779B97F4A7C15ull >> 17) & (c->seen_cap - 1);
    while (c->seen[j]) {
        if (c->seen[j] == h) {
            *added = 0;
            return AP_OK;
        }
        j = (j + 1) & (c->seen_cap - 1);
    }
    c->seen[j] = h;
    c->seen_n++;
    *added = 1;
    return AP_OK;
}

/* Makes room for one more element of `size` bytes in an arena array. */
static void *grow(ap_arena *a, void *v, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return v;
    size_t ncap = *cap ? *cap * 2 : 8;
    void *p = ap_arena_alloc(a, ncap * size);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, v, n * size);
    *cap = ncap;
    return p;
}

/* Scans one text for IOCs and keys, keeping the first of each (type, value) / fingerprint. */
static ap_status scan_text(collect *c, ap_str text)
{
    if (!text.p || !text.n)
        return AP_OK;
    ap_ioc *found = NULL;
    size_t nfound = 0;
    ap_status st = ap_ioc_scan(c->m->iocs, text, &c->m->arena, &found, &nfound);
    if (st != AP_OK)
        return st;
    for (size_t i = 0; i < nfound; i++) {
        int added = 0;
        uint64_t h = ap_hash64_seed(found[i].value.p, found[i].value.n, (uint64_t)found[i].type + 1);
        if ((st = seen_add(c, h, &added)) != AP_OK)
            return st;
        if (!added)
            continue;
        ap_ioc *v = grow(&c->m->arena, c->iocs, c->niocs, &c->ioc_cap, sizeof *v);
        if (!v)
            return AP_ERR_NOMEM;
        c->iocs = v;
        c->iocs[c->niocs++] = found[i];
    }
    ap_ssh_key *keys = NULL;
    size_t nkeys = 0;
    if ((st = ap_sshkey_scan(text, &c->m->arena, &keys, &nkeys)) != AP_OK)
        return st;
    for (size_t i = 0; i < nkeys; i++) {
        int added = 0;
        uint64_t h = ap_hash64_seed(keys[i].sha256, strlen(keys[i].sha256), 0x6b6579ull);
        if ((st = seen_add(c, h, &added)) != AP_OK)
            return st;
        if (!added)
            continue;
        ap_ssh_key *v = grow(&c->m->arena, c->keys, c->nkeys, &c->key_cap, sizeof *v);
        if (!v)
            return AP_ERR_NOMEM;
        c->keys = v;
        c->keys[c->nkeys++] = keys[i];
    }
    return AP_OK;
}

static const char *cstr(ap_arena *a, ap_str s)
{
    if (!s.p)
        return "";
    ap_str d = ap_arena_dup(a, s);
    return d.p ? d.p : "";
}

ap_status ap_mapper_map(ap_mapper *m, const char *input, size_t len, const ap_map_view **out)
{
    if (!m || !out || (!input && len))
        return AP_ERR_ARG;
    *out = NULL;
    ap_arena_reset(&m->arena);
    memset(&m->view, 0, sizeof m->view);
    ap_str in = ap_str_make(input ? input : "", len);
    ap_stmt *stmts = NULL;
    size_t n = 0;
    int truncated = 0;
    ap_status st = ap_shell_parse(in, NULL, &m->arena, &stmts, &n, &truncated);
    if (st != AP_OK)
        return st;
    ap_statement_view *views = n ? ap_arena_alloc(&m->arena, n * sizeof *views) : NULL;
    if (n && !views)
        return AP_ERR_NOMEM;
    collect c = {0};
    c.m = m;
    if ((st = scan_text(&c, in)) != AP_OK)
        return st;
    int injected = 0;
    ap_match matches[MAX_MATCHES];
    for (size_t i = 0; i < n; i++) {
        const ap_stmt *s = &stmts[i];
        ap_statement_view *v = &views[i];
        v->text = s->text.p ? s->text.p : "";
        v->text_len = s->text.n;
        v->start = s->start;
        v->end = s->end;
        v->depth = s->depth;
        v->via = s->via;
        v->parent = s->parent;
        v->cmd = cstr(&m->arena, s->cmd);
        ap_str normal = AP_STR_NULL;
        if ((st = ap_normalise_stmt(s, &m->arena, &normal)) != AP_OK)
            return st;
        v->normal = normal.p ? normal.p : "";
        size_t count = 0;
        if ((st = ap_attack_map_stmt(m->attack, stmts, n, i, matches, MAX_MATCHES, &count)) != AP_OK)
            return st;
        if (count > MAX_MATCHES)
            count = MAX_MATCHES;
        ap_technique_view *tv = count ? ap_arena_alloc(&m->arena, count * sizeof *tv) : NULL;
        if (count && !tv)
            return AP_ERR_NOMEM;
        for (size_t k = 0; k < count; k++)
            tv[k] = (ap_technique_view){matches[k].technique->id,
                                        display_name(&m->arena, matches[k].technique),
                                        matches[k].technique->tactics, matches[k].rule->id,
                                        matches[k].rule->reason};
        v->techniques = tv;
        v->ntechniques = count;
        injected |= writes_authorized_keys(m->attack, stmts, n, i);
        if (!within(s->text, input ? input : "", len) && (st = scan_text(&c, s->text)) != AP_OK)
            return st;
        for (size_t r = 0; r < s->nredir; r++)
            if ((ap_str_eq_c(s->redir[r].op, "<<") || ap_str_eq_c(s->redir[r].op, "<<-")) &&
                !within(s->redir[r].target, input ? input : "", len) &&
                (st = scan_text(&c, s->redir[r].target)) != AP_OK)
                return st;
    }
    ap_ioc_view *iv = c.niocs ? ap_arena_alloc(&m->arena, c.niocs * sizeof *iv) : NULL;
    ap_key_view *kv = c.nkeys ? ap_arena_alloc(&m->arena, c.nkeys * sizeof *kv) : NULL;
    if ((c.niocs && !iv) || (c.nkeys && !kv))
        return AP_ERR_NOMEM;
    for (size_t i = 0; i < c.niocs; i++)
        iv[i] = (ap_ioc_view){ap_ioc_type_name(c.iocs[i].type), cstr(&m->arena, c.iocs[i].value)};
    for (size_t i = 0; i < c.nkeys; i++)
        kv[i] = (ap_key_view){cstr(&m->arena, c.keys[i].type), c.keys[i].bits,
                              cstr(&m->arena, c.keys[i].comment), c.keys[i].sha256, c.keys[i].md5,
                              injected};
    m->view = (ap_map_view){n, views, c.niocs, iv, c.nkeys, kv, truncated};
    *out = &m->view;
    return AP_OK;
}

ap_status ap_mapper_map_line(ap_mapper *m, const char *line, size_t len, const ap_map_view **out,
                             int *skipped)
{
    if (!m || !out || !skipped || (!line && len))
        return AP_ERR_ARG;
    *skipped = 0;
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i == len || line[i] != '{')
        return ap_mapper_map(m, line, len, out);
    /* a Cowrie JSON line: the decoder needs AP_READER_PADDING readable bytes after the line */
    if (len + AP_READER_PADDING > m->linecap) {
        char *p = realloc(m->linebuf, len + AP_READER_PADDING);
        if (!p)
            return AP_ERR_NOMEM;
        m->linebuf = p;
        m->linecap = len + AP_READER_PADDING;
    }
    memcpy(m->linebuf, line, len);
    memset(m->linebuf + len, 0, AP_READER_PADDING);
    if (!m->decoder && ap_cowrie_decoder_new(&m->decoder) != AP_OK)
        return AP_ERR_NOMEM;
    ap_arena_reset(&m->line_arena);
    ap_event ev;
    const char *reason = NULL;
    char msg[128];
    ap_status st = ap_cowrie_decode(m->decoder, m->linebuf, len, &m->line_arena, &ev, &reason, msg,
                                    sizeof msg);
    if (st == AP_ERR_NOMEM)
        return st;
    if (st != AP_OK || !ev.input.p ||
        (ev.kind != AP_EV_COMMAND_INPUT && ev.kind != AP_EV_COMMAND_FAILED &&
         ev.kind != AP_EV_COMMAND_SUCCESS)) {
        *skipped = st == AP_OK ? 1 : 2;
        return AP_OK;
    }
    return ap_mapper_map(m, ev.input.p, ev.input.n, out);
}
