/* write.c — the store's write API (store.h) for the ingest pipeline: sensors, sessions with
 * their packed event hashes, the per-event child tables, rejected lines and the file registry.
 * Each call binds parameters to a statement prepared once per handle; every text goes through
 * interning so rows hold only integer ids.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"


/* Steps an INSERT/UPDATE to completion and resets it. */
static ap_status run(ap_store *st, sqlite3_stmt *q, const char *what)
{
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? AP_OK : ap_store_fail(st, rc, what);
}

static void bind_cells(sqlite3_stmt *q, int first, const ap_cell *c, int n)
{
    for (int i = 0; i < n; i++) {
        if (c[i].type == AP_CELL_INT)
            sqlite3_bind_int64(q, first + i, c[i].v.i);
        else if (c[i].type == AP_CELL_DOUBLE)
            sqlite3_bind_double(q, first + i, c[i].v.d);
        else if (c[i].type == AP_CELL_TEXT)
            sqlite3_bind_text(q, first + i, c[i].v.b.n ? c[i].v.b.p : "", c[i].v.b.n,
                              SQLITE_STATIC);
        else if (c[i].type == AP_CELL_BLOB)
            sqlite3_bind_blob(q, first + i, c[i].v.b.p, c[i].v.b.n, SQLITE_STATIC);
        else
            sqlite3_bind_null(q, first + i);
    }
}

static ap_cell cell_int(int64_t v) { return (ap_cell){.type = AP_CELL_INT, .v.i = v}; }
static ap_cell cell_id(int64_t id) { return (ap_cell){.type = id ? AP_CELL_INT : AP_CELL_NULL, .v.i = id}; }
static ap_cell cell_opt(int64_t v, int64_t absent_below)
{
    return (ap_cell){.type = v < absent_below ? AP_CELL_NULL : AP_CELL_INT, .v.i = v};
}

/* ---- sensors ---- */

void ap_store_sensor_cache_clear(ap_store *st)
{
    for (size_t i = 0; i < st->nsensors; i++)
        free(st->sensors[i].name);
    st->nsensors = 0;
}

ap_status ap_store_sensor_id(ap_store *st, ap_str name, int64_t *id)
{
    if (!st || !id || !name.p)
        return st ? ap_store_failf(st, AP_ERR_ARG, "sensor name missing") : AP_ERR_ARG;
    for (size_t i = 0; i < st->nsensors; i++) {
        if (st->sensors[i].n == name.n && memcmp(st->sensors[i].name, name.p, name.n) == 0) {
            *id = st->sensors[i].id;
            return AP_OK;
        }
    }
    sqlite3_stmt *q = ap_store_stmt(st, ST_SENSOR_GET);
    if (!q)
        return AP_ERR_STORE;
    TRY(ap_store_bind_str(st, q, 1, name));
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(q, 0);
        sqlite3_reset(q);
    } else if (rc == SQLITE_DONE) {
        sqlite3_reset(q);
        q = ap_store_stmt(st, ST_SENSOR_INSERT);
        if (!q)
            return AP_ERR_STORE;
        TRY(ap_store_bind_str(st, q, 1, name));
        TRY(run(st, q, "adding a sensor"));
        *id = sqlite3_last_insert_rowid(st->db);
    } else {
        sqlite3_reset(q);
        return ap_store_fail(st, rc, "looking up a sensor");
    }
    if (st->nsensors < AP_SENSOR_CACHE) {
        char *copy = malloc(name.n + 1);
        if (copy) {
            memcpy(copy, name.p, name.n);
            copy[name.n] = '\0';
            st->sensors[st->nsensors].name = copy;
            st->sensors[st->nsensors].n = name.n;
            st->sensors[st->nsensors].id = *id;
            st->nsensors++;
        }
    }
    return AP_OK;
}

/* ---- sessions ---- */

/* Packs hashes little-endian into *buf (grown as needed). */
static ap_status pack_hashes(ap_store *st, const ap_session_rec *s, unsigned char **buf,
                             size_t *cap, size_t *outlen)
{
    if (s->nhashes && !s->hashes)
        return ap_store_failf(st, AP_ERR_ARG, "session has nhashes but no hashes");
    if (s->nhashes > (uint64_t)INT32_MAX / 8)
        return ap_store_failf(st, AP_ERR_LIMIT, "session has too many events to store");
    size_t n = (size_t)s->nhashes * 8;
    if (n > *cap) {
        size_t ncap = *cap ? *cap : 256;
        while (ncap < n)
            ncap *= 2;
        unsigned char *p = realloc(*buf, ncap);
        if (!p)
            return ap_store_failf(st, AP_ERR_NOMEM, "out of memory packing event hashes");
        *buf = p;
        *cap = ncap;
    }
    for (size_t i = 0; i < s->nhashes; i++) {
        uint64_t h = s->hashes[i];
        for (int b = 0; b < 8; b++)
            (*buf)[i * 8 + (size_t)b] = (unsigned char)(h >> (8 * b));
    }
    *outlen = n;
    return AP_OK;
}

/* Fills the 20 cells of a session row (columns of AP_COLS_SESSIONS; the last is the id), with
 * the hashes packed into *buf and the session text pointing at `text`. */
static ap_status session_cells(ap_store *st, const ap_session_rec *s, ap_cell *c,
                               unsigned char **buf, size_t *cap, const char *text)
{
    int64_t protocol, src_ip, dst_ip, client_version, hassh, hassh_alg, arch;
    TRY(ap_store_intern(st, s->protocol, &protocol));
    TRY(ap_store_intern(st, s->src_ip, &src_ip));
    TRY(ap_store_intern(st, s->dst_ip, &dst_ip));
    TRY(ap_store_intern(st, s->client_version, &client_version));
    TRY(ap_store_intern(st, s->hassh, &hassh));
    TRY(ap_store_intern(st, s->hassh_algorithms, &hassh_alg));
    TRY(ap_store_intern(st, s->arch, &arch));
    size_t bloblen = 0;
    TRY(pack_hashes(st, s, buf, cap, &bloblen));
    if (s->session.n > INT32_MAX)
        return ap_store_failf(st, AP_ERR_LIMIT, "session id too long");
    c[0] = cell_id(protocol);
    c[1] = cell_id(src_ip);
    c[2] = cell_opt(s->src_port, 0);
    c[3] = cell_id(dst_ip);
    c[4] = cell_opt(s->dst_port, 0);
    c[5] = cell_int(s->start_us);
    c[6] = cell_int(s->end_us);
    c[7] = s->duration >= 0 ? (ap_cell){.type = AP_CELL_DOUBLE, .v.d = s->duration}
                            : (ap_cell){.type = AP_CELL_NULL};
    c[8] = cell_int(s->closed ? 1 : 0);
    c[9] = cell_id(client_version);
    c[10] = cell_id(hassh);
    c[11] = cell_id(hassh_alg);
    c[12] = cell_id(arch);
    c[13] = cell_opt(s->term_width, 1);
    c[14] = cell_opt(s->term_height, 1);
    c[15] = cell_int((int64_t)s->events);
    c[16] = bloblen ? (ap_cell){.type = AP_CELL_BLOB, .v.b = {*buf, (int)bloblen}}
                    : (ap_cell){.type = AP_CELL_NULL};
    c[17] = cell_int(s->sensor_id);
    c[18] = (ap_cell){.type = AP_CELL_TEXT, .v.b = {text, (int)s->session.n}};
    c[19] = cell_int(s->id);
    return AP_OK;
}

/* Writes n buffered rows of ncols cells: one multi-row statement when the buffer is full (the
 * common case on the hot path), else row by row. Shared by sessions and every event table. */
static ap_status write_rows(ap_store *st, ap_store_stmt_id many, ap_store_stmt_id one,
                            const ap_cell *cells, int n, int ncols, const char *what)
{
    if (n == AP_STORE_BATCH) {
        sqlite3_stmt *q = ap_store_stmt(st, many);
        if (!q)
            return AP_ERR_STORE;
        bind_cells(q, 1, cells, n * ncols);
        return run(st, q, what);
    }
    for (int r = 0; r < n; r++) {
        sqlite3_stmt *q = ap_store_stmt(st, one);
        if (!q)
            return AP_ERR_STORE;
        bind_cells(q, 1, cells + r * ncols, ncols);
        TRY(run(st, q, what));
    }
    return AP_OK;
}

static ap_status flush_sessions(ap_store *st)
{
    int n = st->npending;
    st->npending = 0;
    return write_rows(st, ST_SESSION_N, ST_SESSION_1, st->session_cells, n, AP_SESSION_COLS,
                      "storing sessions");
}

ap_status ap_store_batch_start(ap_store *st)
{
    sqlite3_stmt *q = ap_store_stmt(st, ST_SESSION_MAX_ID);
    if (!q)
        return AP_ERR_STORE;
    int rc = sqlite3_step(q);
    st->next_session_id = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) + 1 : 1;
    if (st->next_session_id > 1)
        st->had_sessions = 1;
    sqlite3_reset(q);
    return rc == SQLITE_ROW ? AP_OK : ap_store_fail(st, rc, "reading the last session id");
}

ap_status ap_store_session_insert(ap_store *st, ap_session_rec *s)
{
    if (!st || !s || !s->session.p)
        return st ? ap_store_failf(st, AP_ERR_ARG, "session id missing") : AP_ERR_ARG;
    if (!st->in_txn)
        return ap_store_failf(st, AP_ERR_ARG, "store writes need ap_store_begin first");
    if (st->npending == AP_STORE_BATCH)
        TRY(flush_sessions(st));
    ap_pending_session *p = &st->pending[st->npending];
    if (s->session.n + 1 > p->text_cap) {
        size_t cap = s->session.n + 1 < 32 ? 32 : s->session.n + 1;
        char *t = realloc(p->text, cap);
        if (!t)
            return ap_store_failf(st, AP_ERR_NOMEM, "out of memory");
        p->text = t;
        p->text_cap = cap;
    }
    if (s->session.n)
        memcpy(p->text, s->session.p, s->session.n);
    p->text[s->session.n] = '\0';
    p->text_len = s->session.n;
    p->sensor_id = s->sensor_id;
    int64_t id = s->id ? s->id : st->next_session_id;
    ap_session_rec tmp = *s;
    tmp.id = id;
    TRY(session_cells(st, &tmp, st->session_cells + st->npending * AP_SESSION_COLS, &p->blob,
                      &p->blob_cap, p->text));
    st->npending++;
    if (!s->id)
        st->next_session_id++;
    s->id = id;
    return AP_OK;
}

ap_status ap_store_session_reserve_id(ap_store *st, int64_t *id)
{
    if (!st || !id)
        return AP_ERR_ARG;
    if (!st->in_txn)
        return ap_store_failf(st, AP_ERR_ARG, "store writes need ap_store_begin first");
    *id = st->next_session_id++;
    return AP_OK;
}

int ap_store_had_sessions(const ap_store *st)
{
    return st->had_sessions;
}

/* Is session row `id`, or key (sensor_id, text), still in the insert buffer? */
static int session_pending(const ap_store *st, int64_t id, int64_t sensor_id, ap_str text)
{
    for (int i = 0; i < st->npending; i++) {
        const ap_pending_session *p = &st->pending[i];
        if (st->session_cells[i * AP_SESSION_COLS + 19].v.i == id)
            return 1;
        if (text.p && p->sensor_id == sensor_id && p->text_len == text.n &&
            memcmp(p->text, text.p, text.n) == 0)
            return 1;
    }
    return 0;
}

ap_status ap_store_session_update(ap_store *st, const ap_session_rec *s)
{
    if (!st || !s || !s->id || !s->session.p)
        return st ? ap_store_failf(st, AP_ERR_ARG, "session to update has no id") : AP_ERR_ARG;
    if (session_pending(st, s->id, 0, AP_STR_NULL))
        TRY(flush_sessions(st));
    sqlite3_stmt *q = ap_store_stmt(st, ST_SESSION_UPDATE);
    if (!q)
        return AP_ERR_STORE;
    ap_cell c[AP_SESSION_COLS];
    TRY(session_cells(st, s, c, &st->scratch, &st->scratch_cap, s->session.p));
    bind_cells(q, 1, c, AP_SESSION_COLS); /* ?20 is the id of the WHERE clause */
    TRY(run(st, q, "updating a session"));
    if (sqlite3_changes(st->db) != 1)
        return ap_store_failf(st, AP_ERR_NOT_FOUND, "session %lld not found", (long long)s->id);
    return AP_OK;
}

static ap_status read_session(ap_store *st, sqlite3_stmt *q, ap_arena *arena, ap_session_rec *o)
{
    o->id = sqlite3_column_int64(q, 0);
    TRY(ap_store_column_str(st, q, 1, arena, &o->protocol));
    TRY(ap_store_column_str(st, q, 2, arena, &o->src_ip));
    o->src_port = sqlite3_column_type(q, 3) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 3);
    TRY(ap_store_column_str(st, q, 4, arena, &o->dst_ip));
    o->dst_port = sqlite3_column_type(q, 5) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 5);
    o->start_us = sqlite3_column_int64(q, 6);
    o->end_us = sqlite3_column_int64(q, 7);
    o->duration = sqlite3_column_type(q, 8) == SQLITE_NULL ? -1.0 : sqlite3_column_double(q, 8);
    o->closed = sqlite3_column_int(q, 9);
    TRY(ap_store_column_str(st, q, 10, arena, &o->client_version));
    TRY(ap_store_column_str(st, q, 11, arena, &o->hassh));
    TRY(ap_store_column_str(st, q, 12, arena, &o->hassh_algorithms));
    TRY(ap_store_column_str(st, q, 13, arena, &o->arch));
    o->term_width = sqlite3_column_int(q, 14);
    o->term_height = sqlite3_column_int(q, 15);
    o->events = (uint64_t)sqlite3_column_int64(q, 16);
    const unsigned char *blob = sqlite3_column_blob(q, 17);
    size_t n = (size_t)sqlite3_column_bytes(q, 17) / 8;
    o->nhashes = n;
    o->hashes = NULL;
    if (n) {
        uint64_t *h = ap_arena_alloc(arena, n * sizeof *h);
        if (!h)
            return ap_store_failf(st, AP_ERR_NOMEM, "out of memory reading event hashes");
        for (size_t i = 0; i < n; i++) {
            uint64_t v = 0;
            for (int b = 7; b >= 0; b--)
                v = (v << 8) | blob[i * 8 + (size_t)b];
            h[i] = v;
        }
        o->hashes = h;
    }
    return AP_OK;
}

ap_status ap_store_session_find(ap_store *st, int64_t sensor_id, ap_str session, ap_arena *arena,
                                ap_session_rec *out, int *found)
{
    if (!st || !arena || !out || !found || !session.p)
        return st ? ap_store_failf(st, AP_ERR_ARG, "ap_store_session_find: bad argument")
                  : AP_ERR_ARG;
    *found = 0;
    if (session_pending(st, 0, sensor_id, session))
        TRY(flush_sessions(st));
    sqlite3_stmt *q = ap_store_stmt(st, ST_SESSION_FIND);
    if (!q)
        return AP_ERR_STORE;
    sqlite3_bind_int64(q, 1, sensor_id);
    TRY(ap_store_bind_str(st, q, 2, session));
    int rc = sqlite3_step(q);
    ap_status s = AP_OK;
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        out->sensor_id = sensor_id;
        out->session = ap_arena_dup(arena, session);
        s = out->session.p ? read_session(st, q, arena, out)
                           : ap_store_failf(st, AP_ERR_NOMEM, "out of memory");
        if (s == AP_OK)
            *found = 1;
    } else if (rc != SQLITE_DONE) {
        s = ap_store_fail(st, rc, "finding a session");
    }
    sqlite3_reset(q);
    return s;
}

/* ---- per-event rows (buffered, see ap_row_batch) ---- */

static const struct {
    ap_store_stmt_id one, many;
    int ncols;
} batch_spec[AP_BATCH__COUNT] = {
    [AP_BATCH_LOGINS] = {ST_LOGIN_1, ST_LOGIN_N, 6},
    [AP_BATCH_COMMANDS] = {ST_COMMAND_1, ST_COMMAND_N, 5},
    [AP_BATCH_TRANSFERS] = {ST_TRANSFER_1, ST_TRANSFER_N, 9},
    [AP_BATCH_CLIENT_KEYS] = {ST_CLIENT_KEY_1, ST_CLIENT_KEY_N, 7},
    [AP_BATCH_FORWARDS] = {ST_FORWARD_1, ST_FORWARD_N, 8},
    [AP_BATCH_TTYLOGS] = {ST_TTYLOG_1, ST_TTYLOG_N, 8},
};

static ap_status flush_batch(ap_store *st, int which)
{
    ap_row_batch *b = &st->batch[which];
    int nrows = b->nrows;
    b->nrows = 0;
    return write_rows(st, batch_spec[which].many, batch_spec[which].one, b->cells, nrows,
                      batch_spec[which].ncols, "storing event rows");
}

ap_status ap_store_flush(ap_store *st)
{
    if (st->npending)
        TRY(flush_sessions(st));
    for (int i = 0; i < AP_BATCH__COUNT; i++)
        if (st->batch[i].nrows)
            TRY(flush_batch(st, i));
    return AP_OK;
}

void ap_store_batch_discard(ap_store *st, int release)
{
    for (int i = 0; i < AP_BATCH__COUNT; i++)
        st->batch[i].nrows = 0;
    st->npending = 0;
    if (release) {
        for (int i = 0; i < AP_STORE_BATCH; i++) {
            free(st->pending[i].text);
            free(st->pending[i].blob);
            st->pending[i] = (ap_pending_session){0};
        }
    }
}

/* Reserves the next row of batch `which`, keyed (session_id, ts, seq); the caller fills the
 * remaining cells. */
static ap_status row_begin(ap_store *st, int which, int64_t session_id, int64_t ts, ap_cell **out)
{
    *out = NULL;
    if (!st->in_txn)
        return ap_store_failf(st, AP_ERR_ARG, "store writes need ap_store_begin first");
    ap_row_batch *b = &st->batch[which];
    if (b->nrows == AP_STORE_BATCH)
        TRY(flush_batch(st, which));
    ap_cell *c = b->cells + b->nrows * batch_spec[which].ncols;
    b->nrows++;
    c[0] = (ap_cell){.type = AP_CELL_INT, .v.i = session_id};
    c[1] = (ap_cell){.type = AP_CELL_INT, .v.i = ts};
    c[2] = (ap_cell){.type = AP_CELL_INT, .v.i = st->next_seq++};
    *out = c;
    return AP_OK;
}

ap_status ap_store_add_login(ap_store *st, int64_t session_id, int64_t ts, ap_str username,
                             ap_str password, int success)
{
    int64_t user, pass;
    ap_cell *c;
    TRY(ap_store_intern(st, username, &user));
    TRY(ap_store_intern(st, password, &pass));
    TRY(row_begin(st, AP_BATCH_LOGINS, session_id, ts, &c));
    c[3] = cell_id(user);
    c[4] = cell_id(pass);
    c[5] = cell_int(success ? 1 : 0);
    return AP_OK;
}

ap_status ap_store_add_command(ap_store *st, int64_t session_id, int64_t ts, ap_str input,
                               int success)
{
    int64_t in;
    ap_cell *c;
    TRY(ap_store_intern(st, input, &in));
    TRY(row_begin(st, AP_BATCH_COMMANDS, session_id, ts, &c));
    c[3] = cell_id(in);
    c[4] = cell_int(success > 0 ? 1 : success == 0 ? 0 : -1);
    return AP_OK;
}

ap_status ap_store_set_command_success(ap_store *st, int64_t session_id, ap_str input, int success,
                                       int *updated)
{
    if (!st || !updated)
        return st ? ap_store_failf(st, AP_ERR_ARG, "ap_store_set_command_success: bad argument")
                  : AP_ERR_ARG;
    *updated = 0;
    int64_t in = 0;
    int found = 1;
    if (input.p)
        TRY(ap_store_string_lookup(st, input, &in, &found));
    if (!found)
        return AP_OK; /* the text was never stored, so no command row has it */
    int value = success > 0 ? 1 : success == 0 ? 0 : -1;
    /* The row is most likely still buffered: newest first. */
    ap_row_batch *b = &st->batch[AP_BATCH_COMMANDS];
    int ncols = batch_spec[AP_BATCH_COMMANDS].ncols;
    for (int r = b->nrows - 1; r >= 0; r--) {
        ap_cell *c = b->cells + r * ncols;
        if (c[0].v.i == session_id && c[4].v.i == -1 &&
            (in ? c[3].type == AP_CELL_INT && c[3].v.i == in : c[3].type == AP_CELL_NULL)) {
            c[4] = cell_int(value);
            *updated = 1;
            return AP_OK;
        }
    }
    sqlite3_stmt *q = ap_store_stmt(st, ST_COMMAND_SET_SUCCESS);
    if (!q)
        return AP_ERR_STORE;
    sqlite3_bind_int64(q, 1, session_id);
    ap_store_bind_id(q, 2, in);
    sqlite3_bind_int(q, 3, value);
    TRY(run(st, q, "updating a command"));
    *updated = sqlite3_changes(st->db) > 0;
    return AP_OK;
}

ap_status ap_store_add_transfer(ap_store *st, int64_t session_id, int64_t ts, ap_transfer_kind kind,
                                ap_str url, ap_str shasum, ap_str outfile, ap_str filename,
                                int duplicate)
{
    if (kind != AP_TRANSFER_DOWNLOAD && kind != AP_TRANSFER_DOWNLOAD_FAILED &&
        kind != AP_TRANSFER_UPLOAD)
        return ap_store_failf(st, AP_ERR_ARG, "unknown transfer kind %d", (int)kind);
    int64_t u, sh, of, fn;
    ap_cell *c;
    TRY(ap_store_intern(st, url, &u));
    TRY(ap_store_intern(st, shasum, &sh));
    TRY(ap_store_intern(st, outfile, &of));
    TRY(ap_store_intern(st, filename, &fn));
    TRY(row_begin(st, AP_BATCH_TRANSFERS, session_id, ts, &c));
    c[3] = cell_int((int64_t)kind);
    c[4] = cell_id(u);
    c[5] = cell_id(sh);
    c[6] = cell_id(of);
    c[7] = cell_id(fn);
    c[8] = cell_int(duplicate ? 1 : 0);
    return AP_OK;
}

ap_status ap_store_add_client_key(ap_store *st, int64_t session_id, int64_t ts, ap_str fingerprint,
                                  ap_str key, ap_str key_type, ap_str username)
{
    int64_t fp, k, kt, u;
    ap_cell *c;
    TRY(ap_store_intern(st, fingerprint, &fp));
    TRY(ap_store_intern(st, key, &k));
    TRY(ap_store_intern(st, key_type, &kt));
    TRY(ap_store_intern(st, username, &u));
    TRY(row_begin(st, AP_BATCH_CLIENT_KEYS, session_id, ts, &c));
    c[3] = cell_id(fp);
    c[4] = cell_id(k);
    c[5] = cell_id(kt);
    c[6] = cell_id(u);
    return AP_OK;
}

ap_status ap_store_add_forward(ap_store *st, int64_t session_id, int64_t ts, ap_str dst_host,
                               int dst_port, ap_str src_ip, int src_port, ap_str data)
{
    return ap_store_add_forward_packed(st, session_id, ts, dst_host, dst_port, src_ip, src_port,
                                       data, AP_STR_NULL);
}

ap_status ap_store_add_forward_packed(ap_store *st, int64_t session_id, int64_t ts, ap_str dst_host,
                                      int dst_port, ap_str src_ip, int src_port, ap_str data,
                                      ap_str data_zstd)
{
    int64_t h, si, d;
    ap_cell *c;
    TRY(ap_store_intern(st, dst_host, &h));
    TRY(ap_store_intern(st, src_ip, &si));
    TRY(ap_store_intern_prepacked(st, data, data_zstd, &d));
    TRY(row_begin(st, AP_BATCH_FORWARDS, session_id, ts, &c));
    c[3] = cell_id(h);
    c[4] = cell_opt(dst_port, 0);
    c[5] = cell_id(si);
    c[6] = cell_opt(src_port, 0);
    c[7] = cell_id(d);
    return AP_OK;
}

ap_status ap_store_add_ttylog(ap_store *st, int64_t session_id, int64_t ts, ap_str path,
                              ap_str shasum, int64_t size, double duration, int duplicate)
{
    int64_t p, sh;
    ap_cell *c;
    TRY(ap_store_intern(st, path, &p));
    TRY(ap_store_intern(st, shasum, &sh));
    TRY(row_begin(st, AP_BATCH_TTYLOGS, session_id, ts, &c));
    c[3] = cell_id(p);
    c[4] = cell_id(sh);
    c[5] = cell_opt(size, 0);
    c[6] = duration >= 0 ? (ap_cell){.type = AP_CELL_DOUBLE, .v.d = duration}
                         : (ap_cell){.type = AP_CELL_NULL};
    c[7] = cell_int(duplicate ? 1 : 0);
    return AP_OK;
}

ap_status ap_store_add_raw_event(ap_store *st, int64_t session_id, int64_t ts, ap_str eventid,
                                 ap_str line, int unknown)
{
    int64_t e;
    if (!st->in_txn)
        return ap_store_failf(st, AP_ERR_ARG, "store writes need ap_store_begin first");
    TRY(ap_store_intern(st, eventid, &e));
    sqlite3_stmt *q = ap_store_stmt(st, ST_RAW_INSERT);
    if (!q)
        return AP_ERR_STORE;
    sqlite3_bind_int64(q, 1, session_id);
    sqlite3_bind_int64(q, 2, ts);
    ap_store_bind_id(q, 3, e);
    sqlite3_bind_int(q, 4, unknown ? 1 : 0);
    TRY(ap_store_bind_str(st, q, 5, line.p ? line : ap_str_make("", 0)));
    return run(st, q, "storing a raw event");
}

/* ---- bad lines ---- */

ap_status ap_store_add_reject(ap_store *st, int64_t file_id, uint64_t line, uint64_t offset,
                              const char *reason, ap_str head, uint64_t full_len)
{
    int64_t r;
    TRY(ap_store_intern(st, ap_str_c(reason ? reason : "unknown"), &r));
    sqlite3_stmt *q = ap_store_stmt(st, ST_REJECT_INSERT);
    if (!q)
        return AP_ERR_STORE;
    if (head.n > 4096)
        head.n = 4096; /* the contract says the caller truncates; never store more */
    sqlite3_bind_int64(q, 1, file_id);
    sqlite3_bind_int64(q, 2, (int64_t)line);
    sqlite3_bind_int64(q, 3, (int64_t)offset);
    sqlite3_bind_int64(q, 4, r);
    if (head.p)
        sqlite3_bind_blob(q, 5, head.n ? head.p : "", (int)head.n, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 5);
    sqlite3_bind_int64(q, 6, (int64_t)full_len);
    return run(st, q, "storing a rejected line");
}

/* ---- file registry ---- */

static ap_status read_file_row(ap_store *st, sqlite3_stmt *q, ap_arena *arena, ap_file_rec *f)
{
    f->id = sqlite3_column_int64(q, 0);
    TRY(ap_store_column_str(st, q, 1, arena, &f->path));
    f->dev = (uint64_t)sqlite3_column_int64(q, 2);
    f->ino = (uint64_t)sqlite3_column_int64(q, 3);
    f->disk_size = (uint64_t)sqlite3_column_int64(q, 4);
    f->compression = sqlite3_column_int(q, 5);
    f->head_hash = (uint64_t)sqlite3_column_int64(q, 6);
    f->head_len = (uint32_t)sqlite3_column_int64(q, 7);
    f->offset = (uint64_t)sqlite3_column_int64(q, 8);
    f->lines = (uint64_t)sqlite3_column_int64(q, 9);
    f->complete = sqlite3_column_int(q, 10);
    f->updated_us = sqlite3_column_int64(q, 11);
    f->mark_offset = (uint64_t)sqlite3_column_int64(q, 12);
    f->mark_hash = (uint64_t)sqlite3_column_int64(q, 13);
    return AP_OK;
}

static ap_status file_lookup(ap_store *st, sqlite3_stmt *q, ap_arena *arena, ap_file_rec *out,
                             int *found)
{
    *found = 0;
    int rc = sqlite3_step(q);
    ap_status s = AP_OK;
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        s = read_file_row(st, q, arena, out);
        *found = s == AP_OK;
    } else if (rc != SQLITE_DONE) {
        s = ap_store_fail(st, rc, "looking up a file");
    }
    sqlite3_reset(q);
    return s;
}

ap_status ap_store_file_by_path(ap_store *st, ap_str path, ap_arena *arena, ap_file_rec *out,
                                int *found)
{
    if (!st || !path.p || !arena || !out || !found)
        return st ? ap_store_failf(st, AP_ERR_ARG, "ap_store_file_by_path: bad argument")
                  : AP_ERR_ARG;
    sqlite3_stmt *q = ap_store_stmt(st, ST_FILE_BY_PATH);
    if (!q)
        return AP_ERR_STORE;
    TRY(ap_store_bind_str(st, q, 1, path));
    return file_lookup(st, q, arena, out, found);
}

ap_status ap_store_file_by_head(ap_store *st, uint64_t head_hash, uint32_t head_len,
                                ap_arena *arena, ap_file_rec *out, int *found)
{
    if (!st || !arena || !out || !found)
        return st ? ap_store_failf(st, AP_ERR_ARG, "ap_store_file_by_head: bad argument")
                  : AP_ERR_ARG;
    sqlite3_stmt *q = ap_store_stmt(st, ST_FILE_BY_HEAD);
    if (!q)
        return AP_ERR_STORE;
    sqlite3_bind_int64(q, 1, (int64_t)head_hash);
    sqlite3_bind_int64(q, 2, head_len);
    return file_lookup(st, q, arena, out, found);
}

ap_status ap_store_file_put(ap_store *st, ap_file_rec *f)
{
    if (!st || !f || !f->path.p)
        return st ? ap_store_failf(st, AP_ERR_ARG, "file record without a path") : AP_ERR_ARG;
    sqlite3_stmt *q = ap_store_stmt(st, f->id ? ST_FILE_UPDATE : ST_FILE_INSERT);
    if (!q)
        return AP_ERR_STORE;
    TRY(ap_store_bind_str(st, q, 1, f->path));
    sqlite3_bind_int64(q, 2, (int64_t)f->dev);
    sqlite3_bind_int64(q, 3, (int64_t)f->ino);
    sqlite3_bind_int64(q, 4, (int64_t)f->disk_size);
    sqlite3_bind_int(q, 5, f->compression);
    sqlite3_bind_int64(q, 6, (int64_t)f->head_hash);
    sqlite3_bind_int64(q, 7, f->head_len);
    sqlite3_bind_int64(q, 8, (int64_t)f->offset);
    sqlite3_bind_int64(q, 9, (int64_t)f->lines);
    sqlite3_bind_int(q, 10, f->complete ? 1 : 0);
    sqlite3_bind_int64(q, 11, f->updated_us);
    sqlite3_bind_int64(q, 12, (int64_t)f->mark_offset);
    sqlite3_bind_int64(q, 13, (int64_t)f->mark_hash);
    if (f->id) {
        sqlite3_bind_int64(q, 14, f->id);
        TRY(run(st, q, "updating a file record"));
        if (sqlite3_changes(st->db) != 1)
            return ap_store_failf(st, AP_ERR_NOT_FOUND, "file record %lld not found",
                                  (long long)f->id);
        return AP_OK;
    }
    TRY(run(st, q, "registering a file"));
    f->id = sqlite3_last_insert_rowid(st->db);
    return AP_OK;
}

ap_status ap_store_file_short_heads(ap_store *st, uint32_t below, uint32_t *lens, size_t max,
                                    size_t *n)
{
    *n = 0;
    sqlite3_stmt *q = ap_store_stmt(st, ST_FILE_SHORT_HEADS);
    if (!q)
        return AP_ERR_STORE;
    sqlite3_bind_int64(q, 1, below);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < max)
        lens[(*n)++] = (uint32_t)sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? AP_OK : ap_store_fail(st, rc, "reading file heads");
}
