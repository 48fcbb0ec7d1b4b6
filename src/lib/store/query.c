/* query.c — the store's public read side: summary statistics (ap_store_stats) and the session
 * iterator (ap_session_iter_*). Sessions come from one ordered query; each session's logins,
 * commands, transfers, client keys and forwards come from per-session queries that read one
 * contiguous key range of the WITHOUT ROWID child tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"


/* ---- statistics ---- */

/* Runs a statement expected to yield one row; the row stays readable until the next reset. */
static ap_status one_row(ap_store *st, ap_store_stmt_id id, sqlite3_stmt **out)
{
    sqlite3_stmt *q = ap_store_stmt(st, id);
    if (!q)
        return AP_ERR_STORE;
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(q);
        return ap_store_fail(st, rc == SQLITE_DONE ? SQLITE_ERROR : rc, "computing statistics");
    }
    *out = q;
    return AP_OK;
}

static uint64_t col_u64(sqlite3_stmt *q, int c)
{
    int64_t v = sqlite3_column_int64(q, c);
    return v > 0 ? (uint64_t)v : 0;
}

static void widen(int64_t *first, int64_t *last, sqlite3_stmt *q, int cfirst, int clast)
{
    if (sqlite3_column_type(q, cfirst) != SQLITE_NULL) {
        int64_t v = sqlite3_column_int64(q, cfirst);
        if (*first == 0 || v < *first)
            *first = v;
    }
    if (sqlite3_column_type(q, clast) != SQLITE_NULL) {
        int64_t v = sqlite3_column_int64(q, clast);
        if (*last == 0 || v > *last)
            *last = v;
    }
}

static ap_status stats_fill(ap_store *st, ap_stats *o)
{
    sqlite3_stmt *q = NULL;
    TRY(one_row(st, ST_STATS_SESSIONS, &q));
    o->sessions = col_u64(q, 0);
    o->events = col_u64(q, 1);
    o->source_ips = col_u64(q, 2);
    o->distinct_hassh = col_u64(q, 3);
    widen(&o->first_ts_us, &o->last_ts_us, q, 4, 5);
    sqlite3_reset(q);

    TRY(one_row(st, ST_STATS_SENSORS, &q));
    o->sensors = col_u64(q, 0);
    sqlite3_reset(q);

    TRY(one_row(st, ST_STATS_COMMANDS, &q));
    o->commands = col_u64(q, 0);
    o->sessions_with_commands = col_u64(q, 1);
    sqlite3_reset(q);

    TRY(one_row(st, ST_STATS_LOGINS, &q));
    o->logins_ok = col_u64(q, 0);
    o->logins_failed = col_u64(q, 1);
    sqlite3_reset(q);

    TRY(one_row(st, ST_STATS_TRANSFERS, &q));
    o->downloads = col_u64(q, 0);
    o->uploads = col_u64(q, 1);
    sqlite3_reset(q);

    TRY(one_row(st, ST_STATS_CLIENT_KEYS, &q));
    o->client_keys = col_u64(q, 0);
    sqlite3_reset(q);

    TRY(one_row(st, ST_STATS_FORWARDS, &q));
    o->tcp_forwards = col_u64(q, 0);
    sqlite3_reset(q);

    TRY(one_row(st, ST_STATS_RAW, &q));
    o->unknown_events = col_u64(q, 0);
    o->events += col_u64(q, 1); /* events without a session are not in sessions.events */
    widen(&o->first_ts_us, &o->last_ts_us, q, 2, 3);
    sqlite3_reset(q);

    TRY(one_row(st, ST_STATS_FILES, &q));
    o->files = col_u64(q, 0);
    sqlite3_reset(q);

    q = ap_store_stmt(st, ST_STATS_REJECTS);
    if (!q)
        return AP_ERR_STORE;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (o->nreasons == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            ap_reason_count *r = realloc(o->reasons, ncap * sizeof *r);
            if (!r) {
                sqlite3_reset(q);
                return ap_store_failf(st, AP_ERR_NOMEM, "out of memory");
            }
            o->reasons = r;
            cap = ncap;
        }
        const char *text = (const char *)sqlite3_column_text(q, 0);
        size_t n = text ? strlen(text) : 0;
        char *copy = malloc(n + 1);
        if (!copy) {
            sqlite3_reset(q);
            return ap_store_failf(st, AP_ERR_NOMEM, "out of memory");
        }
        if (n)
            memcpy(copy, text, n);
        copy[n] = '\0';
        o->reasons[o->nreasons].reason = copy;
        o->reasons[o->nreasons].count = col_u64(q, 1);
        o->bad_lines += o->reasons[o->nreasons].count;
        o->nreasons++;
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? AP_OK : ap_store_fail(st, rc, "counting rejected lines");
}

ap_status ap_store_stats(ap_store *st, ap_stats *out)
{
    if (!out)
        return AP_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!st)
        return AP_ERR_ARG;
    ap_status fs = ap_store_flush(st); /* rows of an open transaction count too */
    if (fs != AP_OK)
        return fs;
    /* One read transaction so the numbers are from one snapshot. */
    int own_txn = !st->in_txn && sqlite3_get_autocommit(st->db);
    if (own_txn && sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return ap_store_fail(st, sqlite3_errcode(st->db), "starting a read");
    ap_status s = stats_fill(st, out);
    if (own_txn)
        sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    if (s != AP_OK)
        ap_stats_free(out);
    return s;
}

void ap_stats_free(ap_stats *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nreasons; i++)
        free((char *)s->reasons[i].reason);
    free(s->reasons);
    s->reasons = NULL;
    s->nreasons = 0;
}

/* ---- session iterator ---- */

struct ap_session_iter {
    ap_store *st;
    sqlite3_stmt *q; /* the sessions query, this iterator's own (two may be open at once) */
    int empty;       /* the filter matches nothing (unknown ip or sensor) */
    int done;
    ap_arena arena;
    ap_session_view view;
    ap_login_view *logins;
    size_t logins_cap;
    ap_command_view *commands;
    size_t commands_cap;
    ap_transfer_view *transfers;
    size_t transfers_cap;
    const char **keys;
    size_t keys_cap;
    const char **forwards;
    size_t forwards_cap;
};

/* Grows *arr (elements of `size` bytes) to hold at least n+1. */
static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 1;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, ncap * size);
    if (!p)
        return 0;
    *arr = p;
    *cap = ncap;
    return 1;
}

ap_status ap_session_iter_open(ap_store *st, const ap_session_filter *filter, ap_session_iter **out)
{
    if (!st || !out)
        return AP_ERR_ARG;
    *out = NULL;
    ap_status fs = ap_store_flush(st);
    if (fs != AP_OK)
        return fs;
    ap_session_filter none = {0};
    const ap_session_filter *f = filter ? filter : &none;
    ap_session_iter *it = calloc(1, sizeof *it);
    if (!it)
        return ap_store_failf(st, AP_ERR_NOMEM, "out of memory");
    it->st = st;
    ap_arena_init(&it->arena, 64 * 1024);

    int64_t sensor_id = 0, ip_id = 0;
    ap_status s = AP_OK;
    if (f->sensor) {
        sqlite3_stmt *q = ap_store_stmt(st, ST_SENSOR_GET);
        if (!q) {
            s = AP_ERR_STORE;
            goto fail;
        }
        sqlite3_bind_text(q, 1, f->sensor, -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW)
            sensor_id = sqlite3_column_int64(q, 0);
        else if (rc == SQLITE_DONE)
            it->empty = 1;
        sqlite3_reset(q);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            s = ap_store_fail(st, rc, "looking up a sensor");
            goto fail;
        }
    }
    if (f->ip) {
        int found = 0;
        if ((s = ap_store_string_lookup(st, ap_str_c(f->ip), &ip_id, &found)) != AP_OK)
            goto fail;
        if (!found)
            it->empty = 1;
    }
    if (!it->empty) {
        int rc = sqlite3_prepare_v2(
            st->db, ap_store_sql(f->ip ? ST_Q_SESSIONS_BY_IP : ST_Q_SESSIONS_BY_START), -1,
            &it->q, NULL);
        if (rc != SQLITE_OK) {
            s = ap_store_fail(st, rc, "preparing the sessions query");
            goto fail;
        }
        sqlite3_bind_int64(it->q, 1, f->since_us ? f->since_us : INT64_MIN);
        sqlite3_bind_int64(it->q, 2, f->until_us ? f->until_us : INT64_MAX);
        sqlite3_bind_int64(it->q, 3, sensor_id);
        sqlite3_bind_int(it->q, 4, f->with_commands ? 1 : 0);
        sqlite3_bind_int64(it->q, 5,
                           f->limit && f->limit < (uint64_t)INT64_MAX ? (int64_t)f->limit : -1);
        if (f->ip)
            sqlite3_bind_int64(it->q, 6, ip_id);
        if (f->session)
            sqlite3_bind_text(it->q, 7, f->session, -1, SQLITE_TRANSIENT);
    }
    *out = it;
    return AP_OK;
fail:
    ap_session_iter_close(it);
    return s;
}

/* Copies a text column into the iterator's arena as a C string; NULL for SQL NULL. */
static ap_status col_text(ap_session_iter *it, sqlite3_stmt *q, int c, const char **out)
{
    ap_str s;
    TRY(ap_store_column_str(it->st, q, c, &it->arena, &s));
    *out = s.p;
    return AP_OK;
}

static ap_status nomem(ap_session_iter *it)
{
    return ap_store_failf(it->st, AP_ERR_NOMEM, "out of memory");
}

/* Steps a child query bound to session `sid`, calling `row` for every row. */
typedef ap_status (*row_fn)(ap_session_iter *it, sqlite3_stmt *q);
static ap_status children(ap_session_iter *it, ap_store_stmt_id id, int64_t sid, row_fn row)
{
    sqlite3_stmt *q = ap_store_stmt(it->st, id);
    if (!q)
        return AP_ERR_STORE;
    sqlite3_bind_int64(q, 1, sid);
    int rc;
    ap_status s = AP_OK;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        if ((s = row(it, q)) != AP_OK)
            break;
    sqlite3_reset(q);
    if (s != AP_OK)
        return s;
    return rc == SQLITE_DONE ? AP_OK : ap_store_fail(it->st, rc, "reading a session");
}

static ap_status login_row(ap_session_iter *it, sqlite3_stmt *q)
{
    if (!grow((void **)&it->logins, &it->logins_cap, it->view.nlogins, sizeof *it->logins))
        return nomem(it);
    ap_login_view *l = &it->logins[it->view.nlogins];
    l->ts_us = sqlite3_column_int64(q, 0);
    TRY(col_text(it, q, 1, &l->username));
    TRY(col_text(it, q, 2, &l->password));
    l->success = sqlite3_column_int(q, 3);
    it->view.nlogins++;
    return AP_OK;
}

static ap_status command_row(ap_session_iter *it, sqlite3_stmt *q)
{
    if (!grow((void **)&it->commands, &it->commands_cap, it->view.ncommands, sizeof *it->commands))
        return nomem(it);
    ap_command_view *c = &it->commands[it->view.ncommands];
    c->ts_us = sqlite3_column_int64(q, 0);
    TRY(col_text(it, q, 1, &c->input));
    c->success = sqlite3_column_int(q, 2);
    it->view.ncommands++;
    return AP_OK;
}

static ap_status transfer_row(ap_session_iter *it, sqlite3_stmt *q)
{
    if (!grow((void **)&it->transfers, &it->transfers_cap, it->view.ntransfers,
              sizeof *it->transfers))
        return nomem(it);
    ap_transfer_view *t = &it->transfers[it->view.ntransfers];
    t->ts_us = sqlite3_column_int64(q, 0);
    int kind = sqlite3_column_int(q, 1);
    t->upload = kind == AP_TRANSFER_UPLOAD;
    t->failed = kind == AP_TRANSFER_DOWNLOAD_FAILED;
    TRY(col_text(it, q, 2, &t->url));
    if (t->upload)
        t->url = NULL;
    TRY(col_text(it, q, 3, &t->shasum));
    TRY(col_text(it, q, 4, &t->outfile));
    TRY(col_text(it, q, 5, &t->filename));
    it->view.ntransfers++;
    return AP_OK;
}

static ap_status key_row(ap_session_iter *it, sqlite3_stmt *q)
{
    if (!grow((void **)&it->keys, &it->keys_cap, it->view.nclient_keys, sizeof *it->keys))
        return nomem(it);
    TRY(col_text(it, q, 0, &it->keys[it->view.nclient_keys]));
    it->view.nclient_keys++;
    return AP_OK;
}

static ap_status forward_row(ap_session_iter *it, sqlite3_stmt *q)
{
    if (!grow((void **)&it->forwards, &it->forwards_cap, it->view.nforwards, sizeof *it->forwards))
        return nomem(it);
    const char *host = (const char *)sqlite3_column_text(q, 0);
    char port[24] = "";
    if (sqlite3_column_type(q, 1) != SQLITE_NULL)
        snprintf(port, sizeof port, "%lld", (long long)sqlite3_column_int64(q, 1));
    size_t hn = host ? strlen(host) : 0, pn = strlen(port);
    char *hp = ap_arena_alloc(&it->arena, hn + 1 + pn + 1);
    if (!hp)
        return nomem(it);
    if (hn)
        memcpy(hp, host, hn);
    hp[hn] = ':';
    memcpy(hp + hn + 1, port, pn + 1);
    it->forwards[it->view.nforwards++] = hp;
    return AP_OK;
}

static ap_status fill_view(ap_session_iter *it)
{
    sqlite3_stmt *q = it->q;
    ap_session_view *v = &it->view;
    memset(v, 0, sizeof *v);
    int64_t sid = sqlite3_column_int64(q, 0);
    TRY(col_text(it, q, 1, &v->sensor));
    TRY(col_text(it, q, 2, &v->session));
    TRY(col_text(it, q, 3, &v->protocol));
    TRY(col_text(it, q, 4, &v->src_ip));
    v->src_port = sqlite3_column_type(q, 5) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 5);
    TRY(col_text(it, q, 6, &v->dst_ip));
    v->dst_port = sqlite3_column_type(q, 7) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 7);
    v->start_us = sqlite3_column_int64(q, 8);
    v->end_us = sqlite3_column_int64(q, 9);
    v->duration = sqlite3_column_type(q, 10) == SQLITE_NULL
                      ? (double)(v->end_us - v->start_us) / 1e6
                      : sqlite3_column_double(q, 10);
    v->closed = sqlite3_column_int(q, 11);
    TRY(col_text(it, q, 12, &v->client_version));
    TRY(col_text(it, q, 13, &v->hassh));
    TRY(col_text(it, q, 14, &v->arch));
    v->term_width = sqlite3_column_int(q, 15);
    v->term_height = sqlite3_column_int(q, 16);
    v->events = col_u64(q, 17);

    TRY(children(it, ST_Q_LOGINS, sid, login_row));
    TRY(children(it, ST_Q_COMMANDS, sid, command_row));
    TRY(children(it, ST_Q_TRANSFERS, sid, transfer_row));
    TRY(children(it, ST_Q_CLIENT_KEYS, sid, key_row));
    TRY(children(it, ST_Q_FORWARDS, sid, forward_row));
    v->logins = it->logins;
    v->commands = it->commands;
    v->transfers = it->transfers;
    v->client_keys = (const char *const *)it->keys;
    v->forwards = (const char *const *)it->forwards;
    return AP_OK;
}

ap_status ap_session_iter_next(ap_session_iter *it, const ap_session_view **view)
{
    if (!it || !view)
        return AP_ERR_ARG;
    *view = NULL;
    if (it->empty || it->done)
        return AP_END;
    ap_arena_reset(&it->arena);
    int rc = sqlite3_step(it->q);
    if (rc == SQLITE_DONE) {
        it->done = 1;
        sqlite3_reset(it->q);
        return AP_END;
    }
    if (rc != SQLITE_ROW) {
        it->done = 1;
        ap_status s = ap_store_fail(it->st, rc, "reading sessions");
        sqlite3_reset(it->q);
        return s;
    }
    ap_status s = fill_view(it);
    if (s != AP_OK)
        return s;
    *view = &it->view;
    return AP_OK;
}

void ap_session_iter_close(ap_session_iter *it)
{
    if (!it)
        return;
    sqlite3_finalize(it->q);
    ap_arena_free(&it->arena);
    free(it->logins);
    free(it->commands);
    free(it->transfers);
    free(it->keys);
    free(it->forwards);
    free(it);
}
