/* store_map.c — runs the mapper over what the store holds and reads the results back
 * (ap_store_map, ap_store_techniques, ap_store_keys, ap_store_event_techniques).
 *
 * Why a separate step: mapping depends on the rules, the ATT&CK table and the normaliser, which
 * change more often than the logs. Results are keyed by distinct command text, stamped with the
 * mapper's version in meta.map_version, and recomputed in full when that version changes —
 * `actorprint remap` forces it. Event techniques (logins, brute force, forwards, transfers,
 * client keys) are a view over the event tables; only the brute-force class of each source
 * address is stored, because it depends on every failed login the address ever made: it is
 * recomputed for the addresses with failed logins stored since the last mapping (meta.map_seq,
 * the child-row counter then). A run with nothing new costs two meta reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "understand/attack.h"
#include "understand/mapper_internal.h"
#include "understand/sshkey.h"
#include "util/arena.h"

/* A source address with fewer failed logins than this is "brute force" without a sub-technique:
 * two attempts do not show whether the list varies users, passwords or both. */
#define BRUTE_MIN_ATTEMPTS 3

static ap_status rule_ids(const ap_mapper *m, const char *id, ap_store_event_rule *out)
{
    const ap_event_rule *r = ap_mapper_event_rule(m, id);
    if (!r)
        return AP_ERR_INTERNAL;
    *out = (ap_store_event_rule){r->id, r->technique->id};
    return AP_OK;
}

static ap_status event_rules(const ap_mapper *m, ap_store_event_rule_ids *r)
{
    ap_status s;
    if ((s = rule_ids(m, "event.login_success", &r->login_success)) != AP_OK ||
        (s = rule_ids(m, "event.download", &r->download)) != AP_OK ||
        (s = rule_ids(m, "event.upload", &r->upload)) != AP_OK ||
        (s = rule_ids(m, "event.tcpip_forward", &r->tcpip_forward)) != AP_OK ||
        (s = rule_ids(m, "event.client_key", &r->client_key)) != AP_OK ||
        (s = rule_ids(m, "event.bruteforce", &r->bruteforce)) != AP_OK ||
        (s = rule_ids(m, "event.bruteforce_guessing", &r->guessing)) != AP_OK ||
        (s = rule_ids(m, "event.bruteforce_spraying", &r->spraying)) != AP_OK ||
        (s = rule_ids(m, "event.bruteforce_stuffing", &r->stuffing)) != AP_OK)
        return s;
    r->min_attempts = BRUTE_MIN_ATTEMPTS;
    return AP_OK;
}

/* Writes the whole technique table (names and tactics) for SQL readers. */
static ap_status technique_defs(ap_store *st, ap_mapper *m)
{
    ap_attack *a = ap_mapper_attack(m);
    for (size_t i = 0; i < ap_attack_technique_count(a); i++) {
        const ap_technique *t = ap_attack_technique_at(a, i);
        const ap_technique_view *v = ap_mapper_technique(m, t->id);
        ap_status s = ap_store_put_technique_def(st, t->id, v ? v->name : t->name, t->tactics);
        if (s != AP_OK)
            return s;
    }
    return AP_OK;
}

ap_status ap_store_map(ap_store *st, ap_mapper *m, int full, ap_map_summary *out)
{
    if (!st || !m)
        return AP_ERR_ARG;
    ap_map_summary sum = {0};
    ap_arena arena;
    ap_arena_init(&arena, 256 * 1024);
    ap_status s = ap_store_begin(st);
    if (s != AP_OK) {
        ap_arena_free(&arena);
        return s;
    }
    ap_str stored = AP_STR_NULL;
    s = ap_store_meta_text(st, "map_version", &arena, &stored);
    const char *version = ap_mapper_version(m);
    if (s == AP_OK && (full || !ap_str_eq_c(stored, version))) {
        sum.remapped = 1;
        s = ap_store_map_clear(st, 1, 0);
        if (s == AP_OK)
            s = technique_defs(st, m);
        if (s == AP_OK)
            s = ap_store_meta_set_text(st, "map_version", version);
    }
    /* what is new since the last mapping: child rows (commands, logins, ...) from seq map_seq */
    ap_str seq_text = AP_STR_NULL;
    int64_t map_seq = 0, next_seq = ap_store_next_seq(st);
    if (s == AP_OK && !sum.remapped)
        s = ap_store_meta_text(st, "map_seq", &arena, &seq_text);
    if (seq_text.p)
        map_seq = strtoll(seq_text.p, NULL, 10);
    int anything_new = sum.remapped || map_seq != next_seq;
    ap_store_input *inputs = NULL;
    size_t n = 0;
    if (s == AP_OK && anything_new)
        s = ap_store_unmapped_inputs(st, &arena, &inputs, &n);
    for (size_t i = 0; s == AP_OK && i < n; i++) {
        const ap_map_view *v = NULL;
        s = ap_mapper_map(m, inputs[i].text.p, inputs[i].text.n, &v);
        if (s == AP_OK)
            s = ap_store_put_input_map(st, inputs[i].input_id, inputs[i].text, v);
        if (s == AP_OK) {
            sum.inputs_mapped++;
            sum.statements += v->nstatements;
        }
    }
    ap_store_event_rule_ids rules;
    if (s == AP_OK && anything_new)
        s = event_rules(m, &rules);
    if (s == AP_OK && sum.remapped)
        s = ap_store_map_clear(st, 0, 1);
    if (s == AP_OK && anything_new)
        s = ap_store_map_events(st, &rules, sum.remapped ? 0 : map_seq);
    if (s == AP_OK && anything_new) {
        char buf[32];
        snprintf(buf, sizeof buf, "%lld", (long long)next_seq);
        s = ap_store_meta_set_text(st, "map_seq", buf);
    }
    if (s == AP_OK)
        s = ap_store_map_counts(st, &sum.keys, &sum.addresses_classified);
    if (s == AP_OK)
        s = ap_store_commit(st);
    else
        ap_store_rollback(st);
    ap_arena_free(&arena);
    if (s == AP_OK && out)
        *out = sum;
    return s;
}

/* ---- technique report --------------------------------------------------------------------- */

typedef struct report_ctx {
    ap_mapper *m;
    ap_technique_report *r;
    size_t cap;
} report_ctx;

static char *xstrdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static ap_status technique_row(void *user, const char *id, const int64_t *v, int nv)
{
    report_ctx *c = user;
    (void)nv;
    if (c->r->ntechniques == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        ap_technique_count *p = realloc(c->r->techniques, cap * sizeof *p);
        if (!p)
            return AP_ERR_NOMEM;
        c->r->techniques = p;
        c->cap = cap;
    }
    const ap_technique_view *t = ap_mapper_technique(c->m, id);
    ap_technique_count *e = &c->r->techniques[c->r->ntechniques];
    memset(e, 0, sizeof *e);
    e->id = xstrdup(id);
    e->name = xstrdup(t ? t->name : "(not in this ATT&CK table)");
    e->tactics = xstrdup(t ? t->tactics : "");
    if (!e->id || !e->name || !e->tactics) {
        free((char *)e->id);
        free((char *)e->name);
        free((char *)e->tactics);
        return AP_ERR_NOMEM;
    }
    e->sessions = (uint64_t)v[0];
    e->source_ips = (uint64_t)v[1];
    e->commands = (uint64_t)v[2];
    c->r->ntechniques++;
    return AP_OK;
}

static ap_status tactic_row(void *user, const char *shortname, const int64_t *v, int nv)
{
    report_ctx *c = user;
    (void)nv;
    for (size_t i = 0; i < c->r->ntactics; i++)
        if (strcmp(c->r->tactics[i].shortname, shortname) == 0) {
            c->r->tactics[i].sessions = (uint64_t)v[0];
            c->r->tactics[i].techniques = (uint64_t)v[1];
        }
    return AP_OK;
}

ap_status ap_store_techniques(ap_store *st, ap_mapper *m, ap_technique_report *out)
{
    if (!st || !m || !out)
        return AP_ERR_ARG;
    memset(out, 0, sizeof *out);
    ap_attack *a = ap_mapper_attack(m);
    size_t nt = ap_attack_tactic_count(a);
    out->tactics = calloc(nt ? nt : 1, sizeof *out->tactics);
    if (!out->tactics)
        return AP_ERR_NOMEM;
    for (size_t i = 0; i < nt; i++) {
        const ap_tactic *t = ap_attack_tactic_at(a, i);
        out->tactics[i].id = xstrdup(t->id);
        out->tactics[i].shortname = xstrdup(t->shortname);
        out->tactics[i].name = xstrdup(t->name);
        out->ntactics++;
        if (!out->tactics[i].id || !out->tactics[i].shortname || !out->tactics[i].name) {
            ap_technique_report_free(out);
            return AP_ERR_NOMEM;
        }
    }
    ap_arena arena;
    ap_arena_init(&arena, 4096);
    ap_str version = AP_STR_NULL;
    ap_status s = ap_store_meta_text(st, "map_version", &arena, &version);
    if (s == AP_OK && version.p && !(out->version = xstrdup(version.p)))
        s = AP_ERR_NOMEM;
    ap_arena_free(&arena);
    report_ctx c = {m, out, 0};
    if (s == AP_OK)
        s = ap_store_technique_rows(st, technique_row, &c);
    if (s == AP_OK)
        s = ap_store_tactic_rows(st, tactic_row, &c);
    if (s != AP_OK)
        ap_technique_report_free(out);
    return s;
}

void ap_technique_report_free(ap_technique_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->ntechniques; i++) {
        free((char *)r->techniques[i].id);
        free((char *)r->techniques[i].name);
        free((char *)r->techniques[i].tactics);
    }
    for (size_t i = 0; i < r->ntactics; i++) {
        free((char *)r->tactics[i].id);
        free((char *)r->tactics[i].shortname);
        free((char *)r->tactics[i].name);
    }
    free(r->techniques);
    free(r->tactics);
    free(r->version);
    memset(r, 0, sizeof *r);
}

/* ---- keys --------------------------------------------------------------------------------- */

static void entry_free(ap_key_report_entry *e)
{
    free(e->sha256);
    free(e->md5);
    free(e->type);
    free(e->comment);
    free(e->example_ip);
}

/* A client key row holds the logged fingerprint and key text: parse the key for its type,
 * bits and SHA256 (cowrie logs only MD5), keep the logged MD5 in the form ssh-keygen -E md5
 * prints. The key text is the client's: a malformed one leaves bits 0 and no SHA256. */
static ap_status complete_client_key(ap_key_report_entry *e)
{
    char *keytext = e->comment;
    e->comment = NULL;
    if (keytext) {
        ap_arena a;
        ap_arena_init(&a, 4096);
        ap_ssh_key k;
        if (ap_sshkey_parse(ap_str_c(keytext), &a, &k) == AP_OK) {
            e->bits = k.bits;
            e->sha256 = xstrdup(k.sha256);
            if (!e->type || !*e->type) {
                free(e->type);
                e->type = k.type.p ? strndup(k.type.p, k.type.n) : NULL;
            }
            if (!e->md5) /* older logs have the key but no fingerprint */
                e->md5 = xstrdup(k.md5);
        }
        ap_arena_free(&a);
        free(keytext);
    }
    if (e->md5 && strncmp(e->md5, "MD5:", 4) != 0) {
        size_t n = strlen(e->md5) + 5;
        char *p = malloc(n);
        if (!p)
            return AP_ERR_NOMEM;
        memcpy(p, "MD5:", 4);
        memcpy(p + 4, e->md5, n - 4);
        free(e->md5);
        e->md5 = p;
    }
    return AP_OK;
}

ap_status ap_store_keys(ap_store *st, ap_key_report *out)
{
    if (!st || !out)
        return AP_ERR_ARG;
    memset(out, 0, sizeof *out);
    ap_status s = ap_store_key_rows(st, 0, &out->keys, &out->nkeys);
    if (s == AP_OK)
        s = ap_store_key_rows(st, 1, &out->client_keys, &out->nclient_keys);
    for (size_t i = 0; s == AP_OK && i < out->nclient_keys; i++)
        s = complete_client_key(&out->client_keys[i]);
    if (s != AP_OK)
        ap_key_report_free(out);
    return s;
}

void ap_key_report_free(ap_key_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nkeys; i++)
        entry_free(&r->keys[i]);
    for (size_t i = 0; i < r->nclient_keys; i++)
        entry_free(&r->client_keys[i]);
    free(r->keys);
    free(r->client_keys);
    memset(r, 0, sizeof *r);
}

/* ---- one session's event techniques ------------------------------------------------------ */

typedef struct ev_ctx {
    ap_mapper *m;
    ap_event_techniques *out;
    size_t cap;
} ev_ctx;

static ap_status ev_row(void *user, const char *technique, const char *rule, const char *detail)
{
    ev_ctx *c = user;
    if (c->out->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        ap_event_technique *p = realloc(c->out->items, cap * sizeof *p);
        if (!p)
            return AP_ERR_NOMEM;
        c->out->items = p;
        c->cap = cap;
    }
    const ap_event_rule *r = c->m ? ap_mapper_event_rule(c->m, rule ? rule : "") : NULL;
    ap_event_technique *e = &c->out->items[c->out->n++];
    e->id = xstrdup(technique);
    e->rule = xstrdup(rule);
    e->reason = xstrdup(r ? r->reason : NULL);
    e->detail = xstrdup(detail);
    return AP_OK;
}

ap_status ap_store_event_techniques(ap_store *st, ap_mapper *m, const char *sensor,
                                    const char *session, ap_event_techniques *out)
{
    if (!st || !session || !out)
        return AP_ERR_ARG;
    memset(out, 0, sizeof *out);
    int64_t id = 0;
    ap_status s = ap_store_find_session_id(st, sensor, session, &id);
    ev_ctx c = {m, out, 0};
    if (s == AP_OK)
        s = ap_store_session_technique_rows(st, id, ev_row, &c);
    if (s != AP_OK)
        ap_event_techniques_free(out);
    return s;
}

void ap_event_techniques_free(ap_event_techniques *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->items[i].id);
        free(t->items[i].rule);
        free(t->items[i].reason);
        free(t->items[i].detail);
    }
    free(t->items);
    memset(t, 0, sizeof *t);
}
