/* cluster_io.c — the store side of the cluster stage: whole-table scans of what clustering reads
 * (sessions, logins, commands, transfers, keys, forwards and the mapping results) and writing a
 * run's result (cluster_sessions, campaigns, the id counters).
 *
 * Why scans and not per-session queries: clustering reads every session, and SQLite returns a
 * table in key order far faster than it answers a million point lookups. Child tables are keyed
 * (session_id, ts, seq), so every scan arrives in session order and the loader merges them.
 * All SQL is fixed text from AP_STORE_CLUSTER_STATEMENTS with bound parameters.
 */
#include <string.h>

#include "store/store_internal.h"

#define CL_MAX_COLS 12

static const ap_store_stmt_id scan_stmt[] = {
    [AP_CL_SENSORS] = ST_CL_SENSORS,
    [AP_CL_SESSIONS] = ST_CL_SESSIONS,
    [AP_CL_LOGINS] = ST_CL_LOGINS,
    [AP_CL_LOGIN_TEXTS] = ST_CL_LOGIN_TEXTS,
    [AP_CL_USER_TEXTS] = ST_CL_USER_TEXTS,
    [AP_CL_TECH_NAMES] = ST_CL_TECH_NAMES,
    [AP_CL_COMMANDS] = ST_CL_COMMANDS,
    [AP_CL_TRANSFERS] = ST_CL_TRANSFERS,
    [AP_CL_CLIENT_KEYS] = ST_CL_CLIENT_KEYS,
    [AP_CL_FORWARDS] = ST_CL_FORWARDS,
    [AP_CL_STATEMENTS] = ST_CL_STATEMENTS,
    [AP_CL_NORMAL_TEXTS] = ST_CL_NORMAL_TEXTS,
    [AP_CL_INPUT_TECHNIQUES] = ST_CL_INPUT_TECHNIQUES,
    [AP_CL_INPUT_IOCS] = ST_CL_INPUT_IOCS,
    [AP_CL_INPUT_KEYS] = ST_CL_INPUT_KEYS,
    [AP_CL_BRUTEFORCE] = ST_CL_BRUTEFORCE,
    [AP_CL_EVENT_RULES] = ST_CL_EVENT_RULES,
    [AP_CL_TACTICS] = ST_CL_TACTICS,
    [AP_CL_PREVIOUS] = ST_CL_PREVIOUS,
    [AP_CL_RESULT] = ST_CL_RESULT,
};

ap_status ap_store_cl_scan_rows(ap_store *st, ap_store_cl_scan which, ap_store_scan_fn fn,
                                void *user)
{
    if ((size_t)which >= sizeof scan_stmt / sizeof scan_stmt[0])
        return AP_ERR_ARG;
    TRY(ap_store_flush(st));
    sqlite3_stmt *q = ap_store_stmt(st, scan_stmt[which]);
    if (!q)
        return AP_ERR_STORE;
    int ncols = sqlite3_column_count(q);
    if (ncols > CL_MAX_COLS)
        ncols = CL_MAX_COLS;
    ap_store_col cols[CL_MAX_COLS];
    ap_status s = AP_OK;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        for (int c = 0; c < ncols; c++) {
            int type = sqlite3_column_type(q, c);
            if (type == SQLITE_TEXT) {
                cols[c].s = (const char *)sqlite3_column_text(q, c);
                cols[c].n = sqlite3_column_bytes(q, c);
                cols[c].i = 0;
            } else {
                cols[c].s = NULL;
                cols[c].n = 0;
                cols[c].i = type == SQLITE_NULL ? 0 : sqlite3_column_int64(q, c);
            }
        }
        if ((s = fn(user, cols, ncols)) != AP_OK)
            break;
    }
    if (s == AP_OK && rc != SQLITE_DONE)
        s = ap_store_fail(st, rc, "reading the store for clustering");
    sqlite3_reset(q);
    return s;
}

static ap_status step(ap_store *st, sqlite3_stmt *q, const char *what)
{
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? AP_OK : ap_store_fail(st, rc, what);
}

static void bind_text_or_null(sqlite3_stmt *q, int idx, const char *s)
{
    if (s && *s)
        sqlite3_bind_text(q, idx, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, idx);
}

static ap_status put_assignments(ap_store *st, const ap_store_cl_assignment *a, size_t n)
{
    size_t i = 0;
    sqlite3_stmt *many = NULL;
    if (n >= AP_STORE_BATCH && !(many = ap_store_stmt(st, ST_CL_PUT_N)))
        return AP_ERR_STORE;
    for (; i + AP_STORE_BATCH <= n; i += AP_STORE_BATCH) {
        for (int r = 0; r < AP_STORE_BATCH; r++) {
            const ap_store_cl_assignment *x = &a[i + (size_t)r];
            sqlite3_bind_int64(many, r * 4 + 1, x->session_id);
            sqlite3_bind_int64(many, r * 4 + 2, x->incident);
            sqlite3_bind_int64(many, r * 4 + 3, x->campaign);
            sqlite3_bind_int64(many, r * 4 + 4, x->actor);
        }
        TRY(step(st, many, "writing the clustering"));
    }
    for (; i < n; i++) {
        sqlite3_stmt *one = ap_store_stmt(st, ST_CL_PUT_1);
        if (!one)
            return AP_ERR_STORE;
        sqlite3_bind_int64(one, 1, a[i].session_id);
        sqlite3_bind_int64(one, 2, a[i].incident);
        sqlite3_bind_int64(one, 3, a[i].campaign);
        sqlite3_bind_int64(one, 4, a[i].actor);
        TRY(step(st, one, "writing the clustering"));
    }
    return AP_OK;
}

static ap_status put_campaign(ap_store *st, const ap_store_cl_campaign *c)
{
    sqlite3_stmt *q = ap_store_stmt(st, ST_CL_PUT_CAMPAIGN);
    if (!q)
        return AP_ERR_STORE;
    sqlite3_bind_int64(q, 1, c->id);
    sqlite3_bind_int64(q, 2, c->actor);
    sqlite3_bind_int64(q, 3, c->incidents);
    sqlite3_bind_int64(q, 4, c->sessions);
    sqlite3_bind_int64(q, 5, c->first_us);
    sqlite3_bind_int64(q, 6, c->last_us);
    bind_text_or_null(q, 7, c->primary_tactic);
    bind_text_or_null(q, 8, c->techniques);
    sqlite3_bind_int64(q, 9, c->ips);
    bind_text_or_null(q, 10, c->nets);
    bind_text_or_null(q, 11, c->asns);
    bind_text_or_null(q, 12, c->keys);
    bind_text_or_null(q, 13, c->hashes);
    bind_text_or_null(q, 14, c->urls);
    sqlite3_bind_double(q, 15, c->criticality);
    sqlite3_bind_double(q, 16, c->score);
    return step(st, q, "writing the campaign table");
}

ap_status ap_store_cl_save(ap_store *st, const ap_store_cl_assignment *a, size_t n,
                           const ap_store_cl_campaign *c, size_t nc, int64_t next_campaign,
                           int64_t next_actor)
{
    TRY(ap_store_begin(st));
    ap_status s = AP_OK;
    sqlite3_stmt *q;
    if (!(q = ap_store_stmt(st, ST_CL_CLEAR)))
        s = AP_ERR_STORE;
    if (s == AP_OK)
        s = step(st, q, "clearing the last clustering");
    if (s == AP_OK && !(q = ap_store_stmt(st, ST_CL_CLEAR_CAMPAIGNS)))
        s = AP_ERR_STORE;
    if (s == AP_OK)
        s = step(st, q, "clearing the campaign table");
    if (s == AP_OK)
        s = put_assignments(st, a, n);
    for (size_t i = 0; s == AP_OK && i < nc; i++)
        s = put_campaign(st, &c[i]);
    if (s == AP_OK)
        s = ap_store_meta_set_int(st, "cluster_next_campaign", next_campaign);
    if (s == AP_OK)
        s = ap_store_meta_set_int(st, "cluster_next_actor", next_actor);
    if (s != AP_OK) {
        ap_store_rollback(st);
        return s;
    }
    return ap_store_commit(st);
}

ap_status ap_store_cl_counters(ap_store *st, int64_t *next_campaign, int64_t *next_actor)
{
    int found = 0;
    TRY(ap_store_meta_int(st, "cluster_next_campaign", next_campaign, &found));
    if (!found || *next_campaign < 1)
        *next_campaign = 1;
    TRY(ap_store_meta_int(st, "cluster_next_actor", next_actor, &found));
    if (!found || *next_actor < 1)
        *next_actor = 1;
    return AP_OK;
}
