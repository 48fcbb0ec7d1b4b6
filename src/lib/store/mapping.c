/* mapping.c — the store side of the understand stage: which command texts still need mapping,
 * writing each text's statements/techniques/IOCs/keys, the session-level techniques of events,
 * and the read-side reports (technique and tactic counts, SSH keys, one session's event
 * techniques). The orchestration (what to map, with which rules) is in
 * src/lib/understand/store_map.c; all SQL is here, fixed text from AP_STORE_STATEMENTS with
 * bound parameters (mapping.sql has the tables).
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

static ap_status run(ap_store *st, sqlite3_stmt *q, const char *what)
{
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? AP_OK : ap_store_fail(st, rc, what);
}

ap_status ap_store_map_clear(ap_store *st, int inputs, int events)
{
    TRY(ap_store_flush(st));
    int rc = SQLITE_OK;
    if (inputs)
        rc = sqlite3_exec(st->db, ap_store_sql(ST_MAP_CLEAR_INPUTS), NULL, NULL, NULL);
    if (rc == SQLITE_OK && events)
        rc = sqlite3_exec(st->db, ap_store_sql(ST_MAP_CLEAR_EVENTS), NULL, NULL, NULL);
    return rc == SQLITE_OK ? AP_OK : ap_store_fail(st, rc, "clearing mapping results");
}

ap_status ap_store_unmapped_inputs(ap_store *st, ap_arena *arena, ap_store_input **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    TRY(ap_store_flush(st));
    sqlite3_stmt *q = ap_store_stmt(st, ST_MAP_UNMAPPED);
    if (!q)
        return AP_ERR_STORE;
    size_t cap = 0;
    ap_store_input *v = NULL;
    int rc;
    ap_status s = AP_OK;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            ap_store_input *p = ap_arena_alloc(arena, ncap * sizeof *p);
            if (!p) {
                s = ap_store_failf(st, AP_ERR_NOMEM, "out of memory");
                break;
            }
            if (*n)
                memcpy(p, v, *n * sizeof *p);
            v = p;
            cap = ncap;
        }
        v[*n].input_id = sqlite3_column_int64(q, 0);
        if ((s = ap_store_column_str(st, q, 1, arena, &v[*n].text)) != AP_OK)
            break;
        (*n)++;
    }
    if (s == AP_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
        s = ap_store_fail(st, rc, "listing command texts to map");
    sqlite3_reset(q);
    *out = v;
    return s;
}

static ap_status key_id(ap_store *st, const ap_key_view *k, int64_t *id)
{
    sqlite3_stmt *q = ap_store_stmt(st, ST_MAP_KEY_GET);
    if (!q)
        return AP_ERR_STORE;
    sqlite3_bind_text(q, 1, k->sha256, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(q, 0);
        sqlite3_reset(q);
        return AP_OK;
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return ap_store_fail(st, rc, "looking up an SSH key");
    q = ap_store_stmt(st, ST_MAP_KEY_INSERT);
    if (!q)
        return AP_ERR_STORE;
    sqlite3_bind_text(q, 1, k->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, k->md5, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, k->type, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 4, (int)k->bits);
    sqlite3_bind_text(q, 5, k->comment, -1, SQLITE_STATIC);
    TRY(run(st, q, "storing an SSH key"));
    *id = sqlite3_last_insert_rowid(st->db);
    return AP_OK;
}

ap_status ap_store_put_input_map(ap_store *st, int64_t input_id, ap_str input, const ap_map_view *v)
{
    sqlite3_stmt *q = ap_store_stmt(st, ST_MAP_INPUT);
    if (!q)
        return AP_ERR_STORE;
    sqlite3_bind_int64(q, 1, input_id);
    sqlite3_bind_int64(q, 2, (int64_t)v->nstatements);
    sqlite3_bind_int(q, 3, v->truncated ? 1 : 0);
    TRY(run(st, q, "storing a mapped command"));
    for (size_t i = 0; i < v->nstatements; i++) {
        const ap_statement_view *s = &v->statements[i];
        int64_t cmd = 0, text = 0, normal = 0;
        TRY(ap_store_intern(st, ap_str_c(s->cmd), &cmd));
        /* a top-level statement's text is a slice of the command text: intern it only when it
         * differs from the whole (one statement per line is the common case) */
        ap_str t = ap_str_make(s->text, s->text_len);
        if (ap_str_eq(t, input))
            text = input_id;
        else
            TRY(ap_store_intern(st, t, &text));
        TRY(ap_store_intern(st, ap_str_c(s->normal), &normal));
        q = ap_store_stmt(st, ST_MAP_STATEMENT);
        if (!q)
            return AP_ERR_STORE;
        sqlite3_bind_int64(q, 1, input_id);
        sqlite3_bind_int64(q, 2, (int64_t)i);
        sqlite3_bind_int64(q, 3, s->start);
        sqlite3_bind_int64(q, 4, s->end);
        sqlite3_bind_int(q, 5, (int)s->depth);
        sqlite3_bind_int(q, 6, (int)s->via);
        sqlite3_bind_int(q, 7, s->parent);
        ap_store_bind_id(q, 8, cmd);
        ap_store_bind_id(q, 9, text);
        ap_store_bind_id(q, 10, normal);
        TRY(run(st, q, "storing a statement"));
        for (size_t k = 0; k < s->ntechniques; k++) {
            q = ap_store_stmt(st, ST_MAP_TECHNIQUE);
            if (!q)
                return AP_ERR_STORE;
            sqlite3_bind_int64(q, 1, input_id);
            sqlite3_bind_int64(q, 2, (int64_t)i);
            sqlite3_bind_text(q, 3, s->techniques[k].id, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 4, s->techniques[k].rule, -1, SQLITE_STATIC);
            TRY(run(st, q, "storing a technique"));
        }
    }
    for (size_t i = 0; i < v->niocs; i++) {
        int64_t value = 0;
        TRY(ap_store_intern(st, ap_str_c(v->iocs[i].value), &value));
        q = ap_store_stmt(st, ST_MAP_IOC);
        if (!q)
            return AP_ERR_STORE;
        sqlite3_bind_int64(q, 1, input_id);
        sqlite3_bind_text(q, 2, v->iocs[i].type, -1, SQLITE_STATIC);
        ap_store_bind_id(q, 3, value);
        TRY(run(st, q, "storing an IOC"));
    }
    for (size_t i = 0; i < v->nkeys; i++) {
        int64_t kid = 0;
        TRY(key_id(st, &v->keys[i], &kid));
        q = ap_store_stmt(st, ST_MAP_INPUT_KEY);
        if (!q)
            return AP_ERR_STORE;
        sqlite3_bind_int64(q, 1, input_id);
        sqlite3_bind_int64(q, 2, kid);
        sqlite3_bind_int(q, 3, v->keys[i].injected ? 1 : 0);
        TRY(run(st, q, "storing an SSH key use"));
    }
    return AP_OK;
}

ap_status ap_store_put_technique_def(ap_store *st, const char *id, const char *name,
                                     const char *tactics)
{
    sqlite3_stmt *q = ap_store_stmt(st, ST_MAP_TECHNIQUE_DEF);
    if (!q)
        return AP_ERR_STORE;
    sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, tactics ? tactics : "", -1, SQLITE_STATIC);
    TRY(run(st, q, "storing a technique name"));
    /* one row per tactic of the comma-separated list */
    for (const char *p = tactics; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n) {
            q = ap_store_stmt(st, ST_MAP_TACTIC_DEF);
            if (!q)
                return AP_ERR_STORE;
            sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 2, p, (int)n, SQLITE_STATIC);
            TRY(run(st, q, "storing a technique's tactic"));
        }
        p = comma ? comma + 1 : p + n;
    }
    return AP_OK;
}

ap_status ap_store_map_events(ap_store *st, const ap_store_event_rule_ids *r, int64_t from_seq)
{
    TRY(ap_store_flush(st));
    const struct {
        int code;
        const ap_store_event_rule *rule;
    } codes[] = {{1, &r->login_success}, {2, &r->download},  {3, &r->upload},
                 {4, &r->tcpip_forward}, {5, &r->client_key}, {10, &r->bruteforce},
                 {11, &r->guessing},     {12, &r->spraying},  {13, &r->stuffing}};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        sqlite3_stmt *q = ap_store_stmt(st, ST_MAP_EVENT_RULE);
        if (!q)
            return AP_ERR_STORE;
        sqlite3_bind_int(q, 1, codes[i].code);
        sqlite3_bind_text(q, 2, codes[i].rule->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, codes[i].rule->technique, -1, SQLITE_STATIC);
        TRY(run(st, q, "storing an event rule"));
    }
    sqlite3_stmt *q = ap_store_stmt(st, from_seq > 0 ? ST_MAP_EV_BRUTE_NEW : ST_MAP_EV_BRUTE_ALL);
    if (!q)
        return AP_ERR_STORE;
    sqlite3_bind_int(q, 1, r->min_attempts);
    if (from_seq > 0)
        sqlite3_bind_int64(q, 2, from_seq);
    return run(st, q, "classifying failed logins by source address");
}

int64_t ap_store_next_seq(const ap_store *st)
{
    return st->next_seq;
}

static ap_status count1(ap_store *st, ap_store_stmt_id id, uint64_t *out)
{
    sqlite3_stmt *q = ap_store_stmt(st, id);
    if (!q)
        return AP_ERR_STORE;
    int rc = sqlite3_step(q);
    *out = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(q, 0) : 0;
    sqlite3_reset(q);
    return rc == SQLITE_ROW ? AP_OK : ap_store_fail(st, rc, "counting mapping results");
}

ap_status ap_store_map_counts(ap_store *st, uint64_t *keys, uint64_t *addresses)
{
    TRY(ap_store_flush(st));
    TRY(count1(st, ST_MAP_COUNT_KEYS, keys));
    return count1(st, ST_MAP_COUNT_ADDRESSES, addresses);
}

/* ---- reports ------------------------------------------------------------------------------ */

static char *dup_col(sqlite3_stmt *q, int c)
{
    const unsigned char *t = sqlite3_column_text(q, c);
    if (!t)
        return NULL;
    size_t n = (size_t)sqlite3_column_bytes(q, c);
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, t, n);
        s[n] = '\0';
    }
    return s;
}

ap_status ap_store_technique_rows(ap_store *st, ap_store_row_fn fn, void *user)
{
    TRY(ap_store_flush(st));
    sqlite3_stmt *q = ap_store_stmt(st, ST_MAP_TECHNIQUES);
    if (!q)
        return AP_ERR_STORE;
    int rc;
    ap_status s = AP_OK;
    while (s == AP_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t v[3] = {sqlite3_column_int64(q, 1), sqlite3_column_int64(q, 2),
                        sqlite3_column_int64(q, 3)};
        s = fn(user, (const char *)sqlite3_column_text(q, 0), v, 3);
    }
    if (s == AP_OK && rc != SQLITE_DONE)
        s = ap_store_fail(st, rc, "counting techniques");
    sqlite3_reset(q);
    return s;
}

ap_status ap_store_tactic_rows(ap_store *st, ap_store_row_fn fn, void *user)
{
    TRY(ap_store_flush(st));
    sqlite3_stmt *q = ap_store_stmt(st, ST_MAP_TACTICS);
    if (!q)
        return AP_ERR_STORE;
    int rc;
    ap_status s = AP_OK;
    while (s == AP_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t v[2] = {sqlite3_column_int64(q, 1), sqlite3_column_int64(q, 2)};
        s = fn(user, (const char *)sqlite3_column_text(q, 0), v, 2);
    }
    if (s == AP_OK && rc != SQLITE_DONE)
        s = ap_store_fail(st, rc, "counting tactics");
    sqlite3_reset(q);
    return s;
}

/* Appends one row of a keys query to a growing array. */
static ap_status push_key(ap_store *st, ap_key_report_entry **v, size_t *n, size_t *cap,
                          ap_key_report_entry e)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        ap_key_report_entry *p = realloc(*v, ncap * sizeof *p);
        if (!p)
            return ap_store_failf(st, AP_ERR_NOMEM, "out of memory");
        *v = p;
        *cap = ncap;
    }
    (*v)[(*n)++] = e;
    return AP_OK;
}

ap_status ap_store_key_rows(ap_store *st, int client, ap_key_report_entry **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    TRY(ap_store_flush(st));
    sqlite3_stmt *q = ap_store_stmt(st, client ? ST_MAP_CLIENT_KEYS : ST_MAP_KEYS);
    if (!q)
        return AP_ERR_STORE;
    size_t cap = 0;
    int rc;
    ap_status s = AP_OK;
    while (s == AP_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        ap_key_report_entry e = {0};
        if (client) {
            /* cowrie logs the MD5 fingerprint (hex with colons) and the key text */
            e.md5 = dup_col(q, 0);
            e.comment = dup_col(q, 1); /* the key text; the caller parses it */
            e.type = dup_col(q, 2);
            e.sessions = (uint64_t)sqlite3_column_int64(q, 3);
            e.source_ips = (uint64_t)sqlite3_column_int64(q, 4);
            e.first_us = sqlite3_column_int64(q, 5);
            e.last_us = sqlite3_column_int64(q, 6);
            e.example_ip = dup_col(q, 7);
        } else {
            e.sha256 = dup_col(q, 0);
            e.md5 = dup_col(q, 1);
            e.type = dup_col(q, 2);
            e.bits = (unsigned)sqlite3_column_int(q, 3);
            e.comment = dup_col(q, 4);
            e.injected = sqlite3_column_int(q, 5);
            e.sessions = (uint64_t)sqlite3_column_int64(q, 6);
            e.source_ips = (uint64_t)sqlite3_column_int64(q, 7);
            e.first_us = sqlite3_column_int64(q, 8);
            e.last_us = sqlite3_column_int64(q, 9);
            e.example_ip = dup_col(q, 10);
        }
        s = push_key(st, out, n, &cap, e);
    }
    if (s == AP_OK && rc != SQLITE_DONE)
        s = ap_store_fail(st, rc, "listing SSH keys");
    sqlite3_reset(q);
    return s;
}

ap_status ap_store_find_session_id(ap_store *st, const char *sensor, const char *session,
                                   int64_t *id)
{
    TRY(ap_store_flush(st));
    sqlite3_stmt *q = ap_store_stmt(st, ST_MAP_SESSION_BY_ID);
    if (!q)
        return AP_ERR_STORE;
    sqlite3_bind_text(q, 1, session, -1, SQLITE_STATIC);
    if (sensor)
        sqlite3_bind_text(q, 2, sensor, -1, SQLITE_STATIC);
    int rows = 0, rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        if (rows++ == 0)
            *id = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return ap_store_fail(st, rc, "finding a session");
    if (rows == 0)
        return ap_store_failf(st, AP_ERR_NOT_FOUND, "no session %s", session);
    if (rows > 1)
        return ap_store_failf(st, AP_ERR_ARG, "session %s exists on several sensors: name one",
                              session);
    return AP_OK;
}

ap_status ap_store_session_technique_rows(ap_store *st, int64_t session_id, ap_store_text_row_fn fn,
                                          void *user)
{
    sqlite3_stmt *q = ap_store_stmt(st, ST_MAP_SESSION_TECHNIQUES);
    if (!q)
        return AP_ERR_STORE;
    sqlite3_bind_int64(q, 1, session_id);
    int rc;
    ap_status s = AP_OK;
    while (s == AP_OK && (rc = sqlite3_step(q)) == SQLITE_ROW)
        s = fn(user, (const char *)sqlite3_column_text(q, 0),
               (const char *)sqlite3_column_text(q, 1), (const char *)sqlite3_column_text(q, 2));
    if (s == AP_OK && rc != SQLITE_DONE)
        s = ap_store_fail(st, rc, "reading a session's techniques");
    sqlite3_reset(q);
    return s;
}
