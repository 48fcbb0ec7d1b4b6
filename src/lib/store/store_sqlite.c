/* store_sqlite.c — the store handle: opening a SQLite file (creating it from the embedded
 * schema.sql, refusing newer schema versions, migrating older ones), the connection's pragmas,
 * transactions, the per-handle cache of prepared statements and the error helpers shared by the
 * other files of src/lib/store/. Interning is in intern.c, writes in write.c, queries in query.c.
 */
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "store/store_internal.h"

/* How long a statement waits for another connection's lock before giving up. */
#define AP_STORE_BUSY_MS 10000

extern const char ap_embedded_schema_sql[];
extern const size_t ap_embedded_schema_sql_len;
extern const char ap_embedded_mapping_sql[];
extern const size_t ap_embedded_mapping_sql_len;
extern const char ap_embedded_cluster_sql[];
extern const size_t ap_embedded_cluster_sql_len;

#define AP_STR_(x) #x
#define AP_STRX_(x) AP_STR_(x)

#define AP_STORE_SQL_(name, sql) sql,
static const char *const store_sql[ST__COUNT] = {AP_STORE_STATEMENTS(AP_STORE_SQL_)
                                                      AP_STORE_CLUSTER_STATEMENTS(AP_STORE_SQL_)};
#undef AP_STORE_SQL_

/* Pragmas for bulk ingest that stay safe against a killed process: WAL with synchronous=NORMAL
 * loses at most the last commits on power loss, never consistency. */
static const char pragmas_rw[] = "PRAGMA journal_mode = WAL;"
                                 "PRAGMA synchronous = NORMAL;"
                                 "PRAGMA cache_size = -131072;" /* 128 MiB */
                                 "PRAGMA temp_store = MEMORY;"
                                 /* checkpoint every ~200 MiB of WAL, not every 4 MiB: pages
                                  * rewritten by several commits are copied back once */
                                 "PRAGMA wal_autocheckpoint = 50000;"
                                 "PRAGMA journal_size_limit = 67108864;"
                                 "PRAGMA foreign_keys = OFF;";
static const char pragmas_ro[] = "PRAGMA cache_size = -131072;"
                                 "PRAGMA temp_store = MEMORY;"
                                 "PRAGMA query_only = 1;";

static const char set_version_sql[] = "PRAGMA user_version = " AP_STRX_(AP_STORE_SCHEMA_VERSION);

/* ---- errors and statement helpers -------------------------------------------------------- */

ap_status ap_store_failf(ap_store *st, ap_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->err, sizeof st->err, fmt, ap);
    va_end(ap);
    return s;
}

ap_status ap_store_fail(ap_store *st, int rc, const char *what)
{
    const char *msg = st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
    snprintf(st->err, sizeof st->err, "%s: %s", what, msg);
    if (rc == SQLITE_NOMEM)
        return AP_ERR_NOMEM;
    if (rc == SQLITE_CANTOPEN || rc == SQLITE_IOERR || rc == SQLITE_FULL)
        return AP_ERR_IO;
    return AP_ERR_STORE;
}

const char *ap_store_sql(ap_store_stmt_id id) { return store_sql[id]; }

sqlite3_stmt *ap_store_stmt(ap_store *st, ap_store_stmt_id id)
{
    sqlite3_stmt *q = st->stmt[id];
    if (q) {
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
        return q;
    }
    int rc = sqlite3_prepare_v3(st->db, store_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &q, NULL);
    if (rc != SQLITE_OK) {
        ap_store_fail(st, rc, "preparing a statement");
        return NULL;
    }
    st->stmt[id] = q;
    return q;
}

ap_status ap_store_bind_str(ap_store *st, sqlite3_stmt *q, int idx, ap_str s)
{
    if (!s.p)
        return sqlite3_bind_null(q, idx) == SQLITE_OK ? AP_OK : ap_store_fail(st, SQLITE_ERROR, "bind");
    if (s.n > INT_MAX)
        return ap_store_failf(st, AP_ERR_LIMIT, "string of %zu bytes is too long to store", s.n);
    int rc = sqlite3_bind_text(q, idx, s.n ? s.p : "", (int)s.n, SQLITE_STATIC);
    return rc == SQLITE_OK ? AP_OK : ap_store_fail(st, rc, "bind");
}

int ap_store_bind_id(sqlite3_stmt *q, int idx, int64_t id)
{
    return id ? sqlite3_bind_int64(q, idx, id) : sqlite3_bind_null(q, idx);
}

ap_status ap_store_column_str(ap_store *st, sqlite3_stmt *q, int col, ap_arena *arena,
                              ap_str *out)
{
    if (sqlite3_column_type(q, col) == SQLITE_NULL) {
        *out = AP_STR_NULL;
        return AP_OK;
    }
    const char *p = (const char *)sqlite3_column_text(q, col);
    int n = sqlite3_column_bytes(q, col);
    if (!p)
        return ap_store_failf(st, AP_ERR_NOMEM, "out of memory reading a column");
    *out = ap_arena_dup(arena, ap_str_make(p, (size_t)n));
    if (!out->p)
        return ap_store_failf(st, AP_ERR_NOMEM, "out of memory copying a column");
    return AP_OK;
}

static ap_status exec(ap_store *st, const char *sql, const char *what)
{
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? AP_OK : ap_store_fail(st, rc, what);
}

/* Runs a one-shot statement that yields a single integer (pragmas, counts). */
static ap_status query_int(ap_store *st, const char *sql, int64_t *out)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return ap_store_fail(st, rc, "reading the store header");
    rc = sqlite3_step(q);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    ap_status s = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? AP_OK
                                                          : ap_store_fail(st, rc, "reading the store header");
    sqlite3_finalize(q);
    return s;
}

ap_status ap_store_meta_text(ap_store *st, const char *key, ap_arena *arena, ap_str *out)
{
    *out = AP_STR_NULL;
    sqlite3_stmt *q = ap_store_stmt(st, ST_META_GET);
    if (!q)
        return AP_ERR_STORE;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    ap_status s = AP_OK;
    if (rc == SQLITE_ROW)
        s = ap_store_column_str(st, q, 0, arena, out);
    else if (rc != SQLITE_DONE)
        s = ap_store_fail(st, rc, "reading meta");
    sqlite3_reset(q);
    return s;
}

ap_status ap_store_meta_set_text(ap_store *st, const char *key, const char *value)
{
    sqlite3_stmt *q = ap_store_stmt(st, ST_META_PUT);
    if (!q)
        return AP_ERR_STORE;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? AP_OK : ap_store_fail(st, rc, "writing meta");
}

ap_status ap_store_meta_set_int(ap_store *st, const char *key, int64_t value)
{
    sqlite3_stmt *q = ap_store_stmt(st, ST_META_PUT);
    if (!q)
        return AP_ERR_STORE;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, value);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? AP_OK : ap_store_fail(st, rc, "writing meta");
}

ap_status ap_store_meta_int(ap_store *st, const char *key, int64_t *value, int *found)
{
    sqlite3_stmt *q = ap_store_stmt(st, ST_META_GET);
    if (!q)
        return AP_ERR_STORE;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    *found = rc == SQLITE_ROW;
    *value = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_reset(q);
    return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? AP_OK : ap_store_fail(st, rc, "reading meta");
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- schema creation and migration -------------------------------------------------------- */

/* 1 -> 2: the tables of the understand stage (mapping.sql); nothing else changes. */
static ap_status migrate_1_to_2(ap_store *st)
{
    ap_status s = exec(st, ap_embedded_mapping_sql, "adding the mapping tables");
    return s == AP_OK ? ap_store_meta_set_int(st, "schema_version", 2) : s;
}

/* 2 -> 3: the tables of the cluster stage (cluster.sql). */
static ap_status migrate_2_to_3(ap_store *st)
{
    ap_status s = exec(st, ap_embedded_cluster_sql, "adding the cluster tables");
    return s == AP_OK ? ap_store_meta_set_int(st, "schema_version", 3) : s;
}

/* Migrations from version N to N+1, indexed by N (index 0 is creation, handled apart). Each runs
 * inside the opening transaction. */
typedef ap_status (*ap_store_migration)(ap_store *st);
static const ap_store_migration migrations[AP_STORE_SCHEMA_VERSION] = {NULL, migrate_1_to_2,
                                                                     migrate_2_to_3};

static ap_status create_schema(ap_store *st)
{
    ap_status s = exec(st, ap_embedded_schema_sql, "creating the schema");
    if (s == AP_OK)
        s = exec(st, ap_embedded_mapping_sql, "creating the mapping tables");
    if (s == AP_OK)
        s = exec(st, ap_embedded_cluster_sql, "creating the cluster tables");
    if (s != AP_OK)
        return s;
    if ((s = ap_store_meta_set_text(st, "created_by", ap_version())) != AP_OK ||
        (s = ap_store_meta_set_int(st, "created_us", now_us())) != AP_OK ||
        (s = ap_store_meta_set_int(st, "schema_version", AP_STORE_SCHEMA_VERSION)) != AP_OK ||
        (s = ap_store_meta_set_int(st, "next_seq", 1)) != AP_OK)
        return s;
    return exec(st, set_version_sql, "setting the schema version");
}

/* Brings the file to the current schema: create when empty, migrate when older, refuse newer. */
static ap_status prepare_schema(ap_store *st, const char *path)
{
    int64_t version = 0, objects = 0;
    ap_status s = query_int(st, "PRAGMA user_version", &version);
    if (s != AP_OK)
        return s;
    if (version > AP_STORE_SCHEMA_VERSION)
        return ap_store_failf(st, AP_ERR_VERSION,
                              "%s: store schema version %lld is newer than this actorprint (%d); "
                              "upgrade actorprint",
                              path, (long long)version, AP_STORE_SCHEMA_VERSION);
    if (version == AP_STORE_SCHEMA_VERSION)
        return AP_OK;
    if (st->read_only)
        return version == 0
                   ? ap_store_failf(st, AP_ERR_FORMAT, "%s: not an actorprint store", path)
                   : ap_store_failf(st, AP_ERR_VERSION,
                                    "%s: store schema version %lld is older than %d; open it "
                                    "read-write once to migrate it",
                                    path, (long long)version, AP_STORE_SCHEMA_VERSION);
    /* Creation/migration under a write lock, re-reading the version in case another process
     * did it first. */
    if ((s = exec(st, "BEGIN IMMEDIATE", "locking the store")) != AP_OK)
        return s;
    if ((s = query_int(st, "PRAGMA user_version", &version)) != AP_OK)
        goto fail;
    if (version == 0) {
        if ((s = query_int(st, "SELECT count(*) FROM sqlite_master", &objects)) != AP_OK)
            goto fail;
        if (objects != 0) {
            s = ap_store_failf(st, AP_ERR_FORMAT, "%s: a SQLite file but not an actorprint store",
                               path);
            goto fail;
        }
        if ((s = create_schema(st)) != AP_OK)
            goto fail;
    } else if (version > AP_STORE_SCHEMA_VERSION) {
        s = ap_store_failf(st, AP_ERR_VERSION, "%s: store schema version %lld is newer than %d",
                           path, (long long)version, AP_STORE_SCHEMA_VERSION);
        goto fail;
    } else {
        for (int64_t v = version; v < AP_STORE_SCHEMA_VERSION; v++) {
            if (!migrations[v]) {
                s = ap_store_failf(st, AP_ERR_VERSION, "%s: no migration from schema version %lld",
                                   path, (long long)v);
                goto fail;
            }
            if ((s = migrations[v](st)) != AP_OK)
                goto fail;
        }
        if ((s = exec(st, set_version_sql, "setting the schema version")) != AP_OK)
            goto fail;
    }
    return exec(st, "COMMIT", "committing the schema");
fail:
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return s;
}

/* ---- open / close -------------------------------------------------------------------------- */

/* ---- deferred secondary indexes ----------------------------------------------------------
 * A bulk load into an empty store inserts sessions in random key order; keeping a secondary
 * index up to date row by row costs several times more than building it once at the end by
 * sorting. The index's own SQL is saved in `meta` in the same transaction that drops it, so a
 * run killed before the end leaves a store that rebuilds the index when it is next opened. */
static const char *const deferrable_indexes[] = {"sessions_src_ip"};

ap_status ap_store_defer_indexes(ap_store *st)
{
    if (!st || !st->in_txn)
        return st ? ap_store_failf(st, AP_ERR_ARG, "deferring indexes needs a transaction") : AP_ERR_ARG;
    for (size_t i = 0; i < sizeof deferrable_indexes / sizeof deferrable_indexes[0]; i++) {
        sqlite3_stmt *q = NULL;
        int rc = sqlite3_prepare_v2(st->db, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1",
                                    -1, &q, NULL);
        if (rc != SQLITE_OK)
            return ap_store_fail(st, rc, "reading an index definition");
        sqlite3_bind_text(q, 1, deferrable_indexes[i], -1, SQLITE_STATIC);
        rc = sqlite3_step(q);
        char *sql = rc == SQLITE_ROW ? sqlite3_mprintf("%s", (const char *)sqlite3_column_text(q, 0)) : NULL;
        sqlite3_finalize(q);
        if (rc != SQLITE_ROW)
            continue; /* already deferred */
        if (!sql)
            return ap_store_failf(st, AP_ERR_NOMEM, "out of memory");
        char key[96], *drop = sqlite3_mprintf("DROP INDEX \"%w\"", deferrable_indexes[i]);
        snprintf(key, sizeof key, "deferred_index:%s", deferrable_indexes[i]);
        ap_status r = drop ? ap_store_meta_set_text(st, key, sql) : ap_store_failf(st, AP_ERR_NOMEM, "out of memory");
        if (r == AP_OK)
            r = exec(st, drop, "dropping an index for a bulk load");
        sqlite3_free(sql);
        sqlite3_free(drop);
        if (r != AP_OK)
            return r;
    }
    return AP_OK;
}

ap_status ap_store_restore_indexes(ap_store *st)
{
    if (!st || st->read_only)
        return AP_OK;
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(st->db, "SELECT key, value FROM meta WHERE key LIKE 'deferred_index:%'",
                                -1, &q, NULL);
    if (rc != SQLITE_OK)
        return ap_store_fail(st, rc, "reading deferred indexes");
    char *sqls[8];
    int n = 0;
    while (n < 8 && sqlite3_step(q) == SQLITE_ROW)
        sqls[n++] = sqlite3_mprintf("%s;DELETE FROM meta WHERE key = '%q';",
                                    (const char *)sqlite3_column_text(q, 1),
                                    (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    ap_status r = AP_OK;
    for (int i = 0; i < n; i++) {
        if (r == AP_OK)
            r = sqls[i] ? exec(st, sqls[i], "building a deferred index")
                        : ap_store_failf(st, AP_ERR_NOMEM, "out of memory");
        sqlite3_free(sqls[i]);
    }
    return r;
}

/* Reads the journal mode a PRAGMA journal_mode statement answered with. */
static ap_status journal_mode(ap_store *st, const char *sql, char *mode, size_t n)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return ap_store_fail(st, rc, "setting the journal mode");
    rc = sqlite3_step(q);
    const unsigned char *t = rc == SQLITE_ROW ? sqlite3_column_text(q, 0) : NULL;
    snprintf(mode, n, "%s", t ? (const char *)t : "");
    sqlite3_finalize(q);
    return rc == SQLITE_ROW || rc == SQLITE_BUSY || rc == SQLITE_LOCKED
               ? AP_OK
               : ap_store_fail(st, rc, "setting the journal mode");
}

ap_status ap_store_bulk_journal(ap_store *st, int on)
{
    if (!st || st->read_only || st->in_txn)
        return st ? ap_store_failf(st, AP_ERR_ARG, "the journal mode changes outside a transaction")
                  : AP_ERR_ARG;
    char mode[16];
    if (!on) {
        TRY(journal_mode(st, "PRAGMA journal_mode = WAL", mode, sizeof mode));
        if (strcmp(mode, "wal") != 0)
            return ap_store_failf(st, AP_ERR_STORE, "could not switch the store back to WAL (%s)",
                                  mode[0] ? mode : "busy");
        return exec(st, "PRAGMA synchronous = NORMAL", "setting the sync mode");
    }
    /* Leaving WAL needs the store to ourselves: with another connection open it stays in WAL
     * (slower, equally safe). A rollback journal keeps the kill-safety; synchronous = FULL
     * keeps power-loss safety too, at the cost of one fsync pair per commit. */
    TRY(exec(st, "PRAGMA synchronous = FULL", "setting the sync mode"));
    sqlite3_busy_timeout(st->db, 0); /* a reader holding the store: do not wait, stay in WAL */
    ap_status s = journal_mode(st, "PRAGMA journal_mode = TRUNCATE", mode, sizeof mode);
    sqlite3_busy_timeout(st->db, AP_STORE_BUSY_MS);
    TRY(s);
    if (strcmp(mode, "truncate") != 0)
        return exec(st, "PRAGMA synchronous = NORMAL", "setting the sync mode");
    return AP_OK;
}

/* A bulk load killed in rollback-journal mode (ap_store_bulk_journal) leaves a hot journal,
 * which a read-only connection cannot roll back: roll it back (and return to WAL) through a
 * short read-write connection first. Without the permission to, the read-only open reports
 * SQLite's error as before. */
static void recover_bulk_journal(const char *path)
{
    char *journal = sqlite3_mprintf("%s-journal", path);
    struct stat sb;
    int hot = journal && stat(journal, &sb) == 0 && sb.st_size > 0;
    sqlite3_free(journal);
    if (!hot)
        return;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(db, AP_STORE_BUSY_MS);
        sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
    }
    sqlite3_close(db);
}

static void configure_sqlite(void)
{
    if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK)
        sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 1200, 500);
}

ap_status ap_store_open(const char *path, ap_store_mode mode, ap_store **out, char *err,
                        size_t errlen)
{
    ap_status s = AP_OK;
    ap_store *st = NULL;
    if (out)
        *out = NULL;
    if (!path || !out || (mode != AP_STORE_READ_ONLY && mode != AP_STORE_READ_WRITE)) {
        if (err && errlen)
            snprintf(err, errlen, "ap_store_open: invalid argument");
        return AP_ERR_ARG;
    }
    st = calloc(1, sizeof *st);
    if (!st) {
        s = AP_ERR_NOMEM;
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return s;
    }
    st->read_only = mode == AP_STORE_READ_ONLY;
    st->cache = calloc((size_t)2 << AP_INTERN_CACHE_BITS, sizeof *st->cache);
    if (!st->cache) {
        s = ap_store_failf(st, AP_ERR_NOMEM, "out of memory");
        goto fail;
    }
    int flags = SQLITE_OPEN_NOMUTEX |
                (st->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    /* Memory statistics cost a global mutex on every SQLite allocation; we never read them.
     * Only possible before SQLite is initialised: later calls fail harmlessly. */
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, configure_sqlite);
    if (st->read_only)
        recover_bulk_journal(path);
    int rc = sqlite3_open_v2(path, &st->db, flags, NULL);
    if (rc != SQLITE_OK) {
        s = ap_store_fail(st, rc, path);
        if (s == AP_ERR_STORE)
            s = AP_ERR_IO;
        goto fail;
    }
    sqlite3_extended_result_codes(st->db, 0);
    sqlite3_busy_timeout(st->db, AP_STORE_BUSY_MS);
    if ((s = exec(st, st->read_only ? pragmas_ro : pragmas_rw, path)) != AP_OK)
        goto fail;
    if ((s = prepare_schema(st, path)) != AP_OK)
        goto fail;
    if ((s = ap_store_restore_indexes(st)) != AP_OK) /* after a bulk load that was cut short */
        goto fail;
    *out = st;
    return AP_OK;
fail:
    if (err && errlen)
        snprintf(err, errlen, "%s", st->err[0] ? st->err : ap_strerror(s));
    ap_store_close(st);
    return s;
}

void ap_store_close(ap_store *st)
{
    if (!st)
        return;
    if (st->in_txn && st->db)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    for (size_t i = 0; i < ST__COUNT; i++)
        sqlite3_finalize(st->stmt[i]);
    if (st->db)
        sqlite3_close_v2(st->db);
    ap_store_sensor_cache_clear(st);
    ap_store_batch_discard(st, 1);
    ap_store_zstd_free(st);
    free(st->cache);
    free(st->scratch);
    free(st);
}

const char *ap_store_errmsg(const ap_store *st)
{
    if (!st)
        return "no store";
    return st->err[0] ? st->err : "no error";
}

/* ---- transactions -------------------------------------------------------------------------- */

static ap_status step_done(ap_store *st, ap_store_stmt_id id, const char *what)
{
    sqlite3_stmt *q = ap_store_stmt(st, id);
    if (!q)
        return AP_ERR_STORE;
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? AP_OK : ap_store_fail(st, rc, what);
}

ap_status ap_store_begin(ap_store *st)
{
    if (!st || st->read_only)
        return st ? ap_store_failf(st, AP_ERR_ARG, "the store is open read-only") : AP_ERR_ARG;
    if (st->in_txn)
        return ap_store_failf(st, AP_ERR_ARG, "a transaction is already open");
    ap_status s = step_done(st, ST_BEGIN, "beginning a transaction");
    if (s != AP_OK)
        return s;
    st->in_txn = 1;
    int found = 0;
    if ((s = ap_store_meta_int(st, "next_seq", &st->next_seq, &found)) != AP_OK) {
        ap_store_rollback(st);
        return s;
    }
    if (!found || st->next_seq < 1)
        st->next_seq = 1;
    st->seq_saved = found ? st->next_seq : 0;
    if ((s = ap_store_batch_start(st)) != AP_OK) {
        ap_store_rollback(st);
        return s;
    }
    return AP_OK;
}

ap_status ap_store_commit(ap_store *st)
{
    if (!st || !st->in_txn)
        return st ? ap_store_failf(st, AP_ERR_ARG, "no transaction is open") : AP_ERR_ARG;
    ap_status s = ap_store_flush(st);
    if (s != AP_OK)
        return s;
    if (st->next_seq != st->seq_saved && (s = ap_store_meta_set_int(st, "next_seq", st->next_seq)) != AP_OK)
        return s;
    if ((s = step_done(st, ST_COMMIT, "committing")) != AP_OK)
        return s;
    st->in_txn = 0;
    st->seq_saved = st->next_seq;
    return AP_OK;
}

ap_status ap_store_rollback(ap_store *st)
{
    if (!st || !st->in_txn)
        return st ? ap_store_failf(st, AP_ERR_ARG, "no transaction is open") : AP_ERR_ARG;
    /* Statements mid-iteration would keep the rollback from finishing. */
    for (size_t i = 0; i < ST__COUNT; i++)
        if (st->stmt[i])
            sqlite3_reset(st->stmt[i]);
    ap_store_batch_discard(st, 0);
    ap_status s = step_done(st, ST_ROLLBACK, "rolling back");
    st->in_txn = 0;
    ap_store_intern_cache_clear(st);
    ap_store_sensor_cache_clear(st);
    return s;
}
