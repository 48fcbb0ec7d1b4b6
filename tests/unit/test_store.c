/* test_store.c — pins the SQLite store: creation and reopening, refusal of newer schema versions,
 * string interning (including a forced hash collision), sessions with their packed event hashes,
 * every child table, idempotent rejects, the file registry, statistics on a hand-built store, the
 * session iterator with each filter, and that a rollback leaves nothing behind.
 *
 * `test_store bench [SESSIONS [w]]` instead times the writer on a realistic mix (per session: one
 * session row, 3 logins, 2 commands, one kex algorithm list) and prints sessions/s, then
 * (without `w`) times iterating them and the statistics.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actorprint.h"
#include "check.h"
#include "store/store.h"
#include "store/store_internal.h"
#include "util/arena.h"

#define OK(expr) CHECK_EQ_INT((expr), AP_OK)

static char dir[4096];

static const char *path_in(const char *name)
{
    static char buf[2][4200];
    static int k;
    k ^= 1;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static int64_t sql_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    int64_t v = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static void test_open_create_reopen(void)
{
    const char *p = path_in("open.db");
    ap_store *st = NULL;
    char err[256] = "";
    /* read-only on a missing file fails and leaves no file */
    CHECK(ap_store_open(p, AP_STORE_READ_ONLY, &st, err, sizeof err) != AP_OK);
    CHECK(st == NULL);
    CHECK(err[0] != '\0');
    OK(ap_store_open(p, AP_STORE_READ_WRITE, &st, err, sizeof err));
    CHECK(st != NULL);
    CHECK_EQ_STR(ap_store_errmsg(st), "no error");
    ap_store_close(st);
    CHECK_EQ_INT(sql_int(p, "PRAGMA user_version"), AP_STORE_SCHEMA_VERSION);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM meta WHERE key = 'created_by'"), 1);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM sqlite_master WHERE name = 'v_sessions'"), 1);
    st = NULL;
    OK(ap_store_open(p, AP_STORE_READ_WRITE, &st, err, sizeof err));
    ap_store_close(st);
    st = NULL;
    OK(ap_store_open(p, AP_STORE_READ_ONLY, &st, err, sizeof err));
    CHECK(ap_store_begin(st) == AP_ERR_ARG); /* read-only handles do not write */
    ap_store_close(st);
    ap_store_close(NULL);
}


/* The journal mode the handle's own connection is in. */
static void journal_of(sqlite3 *db, char *out, size_t n)
{
    sqlite3_stmt *q = NULL;
    out[0] = '\0';
    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
}

static void test_bulk_journal(void)
{
    const char *p = path_in("bulk.db");
    ap_store *st = NULL;
    char err[256] = "", mode[16];
    OK(ap_store_open(p, AP_STORE_READ_WRITE, &st, err, sizeof err));
    journal_of(st->db, mode, sizeof mode);
    CHECK_EQ_STR(mode, "wal");
    OK(ap_store_begin(st));
    CHECK_EQ_INT(ap_store_bulk_journal(st, 1), AP_ERR_ARG); /* not inside a transaction */
    OK(ap_store_commit(st));
    OK(ap_store_bulk_journal(st, 1));
    journal_of(st->db, mode, sizeof mode);
    CHECK_EQ_STR(mode, "truncate");
    OK(ap_store_begin(st));
    int64_t sensor;
    OK(ap_store_sensor_id(st, ap_str_c("bulk-sensor"), &sensor));
    OK(ap_store_commit(st));
    OK(ap_store_bulk_journal(st, 0));
    journal_of(st->db, mode, sizeof mode);
    CHECK_EQ_STR(mode, "wal");
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM sensors WHERE name = 'bulk-sensor'"), 1);

    /* a reader in the middle of a read transaction keeps the store in WAL, without waiting */
    sqlite3 *reader = NULL;
    sqlite3_stmt *q = NULL;
    CHECK_EQ_INT(sqlite3_open_v2(p, &reader, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_prepare_v2(reader, "SELECT name FROM sensors", -1, &q, NULL), SQLITE_OK);
    CHECK_EQ_INT(sqlite3_step(q), SQLITE_ROW);
    time_t t0 = time(NULL);
    OK(ap_store_bulk_journal(st, 1));
    CHECK(time(NULL) - t0 < 5);
    journal_of(st->db, mode, sizeof mode);
    CHECK_EQ_STR(mode, "wal");
    sqlite3_finalize(q);
    sqlite3_close(reader);
    OK(ap_store_bulk_journal(st, 0));
    ap_store_close(st);
}

static void test_version_refusal(void)
{
    const char *p = path_in("version.db");
    ap_store *st = NULL;
    char err[256] = "";
    OK(ap_store_open(p, AP_STORE_READ_WRITE, &st, err, sizeof err));
    ap_store_close(st);
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(p, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    st = NULL;
    CHECK_EQ_INT(ap_store_open(p, AP_STORE_READ_WRITE, &st, err, sizeof err), AP_ERR_VERSION);
    CHECK(st == NULL);
    CHECK(strstr(err, "99") != NULL);
    CHECK_EQ_INT(ap_store_open(p, AP_STORE_READ_ONLY, &st, err, sizeof err), AP_ERR_VERSION);

    /* a SQLite file that is not a store */
    const char *q = path_in("foreign.db");
    CHECK(sqlite3_open(q, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    CHECK_EQ_INT(ap_store_open(q, AP_STORE_READ_WRITE, &st, err, sizeof err), AP_ERR_FORMAT);
}

/* A version-1 store (ingest tables only, as the first releases wrote) is migrated through
 * version 2 to the current one on a read-write open: the mapping and cluster tables appear, the
 * data stays; a read-only open of a version-1 store is refused with a hint. */
static void test_migration_1_to_2(void)
{
    extern const char ap_embedded_schema_sql[];
    const char *p = path_in("v1.db");
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(p, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, ap_embedded_schema_sql, NULL, NULL, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "INSERT INTO meta VALUES ('schema_version', 1), ('next_seq', 1);"
                           "INSERT INTO sensors(name) VALUES ('old-sensor');"
                           "PRAGMA user_version = 1",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    ap_store *st = NULL;
    char err[256] = "";
    CHECK_EQ_INT(ap_store_open(p, AP_STORE_READ_ONLY, &st, err, sizeof err), AP_ERR_VERSION);
    CHECK(strstr(err, "read-write once") != NULL);
    OK(ap_store_open(p, AP_STORE_READ_WRITE, &st, err, sizeof err));
    ap_store_close(st);
    CHECK_EQ_INT(sql_int(p, "PRAGMA user_version"), 3);
    CHECK_EQ_INT(sql_int(p, "SELECT value FROM meta WHERE key = 'schema_version'"), 3);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM sqlite_master WHERE name IN "
                            "('cluster_sessions', 'campaigns')"),
                 2);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM sqlite_master WHERE name IN ('input_maps', "
                            "'input_techniques', 'ip_bruteforce', 'ssh_keys', 'v_command_techniques')"),
                 5);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM sensors WHERE name = 'old-sensor'"), 1);
}

static void test_interning(void)
{
    const char *p = path_in("intern.db");
    ap_store *st = NULL;
    OK(ap_store_open(p, AP_STORE_READ_WRITE, &st, NULL, 0));
    OK(ap_store_begin(st));
    int64_t a = 0, a2 = 0, b = 0, e = 0, none = 7;
    OK(ap_store_intern(st, ap_str_c("root"), &a));
    OK(ap_store_intern(st, ap_str_c("root"), &a2));
    CHECK(a != 0 && a == a2);
    CHECK(a > 0);
    OK(ap_store_intern(st, ap_str_c("admin"), &b));
    CHECK(b != a);
    OK(ap_store_intern(st, ap_str_make("", 0), &e));
    CHECK(e != 0);
    OK(ap_store_intern(st, AP_STR_NULL, &none));
    CHECK_EQ_INT(none, 0);

    /* Forced collision: three texts with the same content hash get distinct ids, found again
     * after the cache is dropped (the database is the truth). */
    uint64_t h = 0x123456789abcdefULL;
    int64_t c1 = 0, c2 = 0, c3 = 0, c2b = 0;
    OK(ap_store_intern_hashed(st, ap_str_c("first"), h, &c1));
    OK(ap_store_intern_hashed(st, ap_str_c("other"), h, &c2)); /* same length, same hash */
    OK(ap_store_intern_hashed(st, ap_str_c("third one"), h, &c3));
    CHECK_EQ_INT(c1, ap_store_string_id_of_hash(h));
    CHECK_EQ_INT(c2, c1 + 1);
    CHECK_EQ_INT(c3, c1 + 2);
    CHECK(st->intern_collisions >= 3);
    ap_store_intern_cache_clear(st);
    OK(ap_store_intern_hashed(st, ap_str_c("other"), h, &c2b));
    CHECK_EQ_INT(c2b, c2);
    int found = 0;
    int64_t got = 0;
    OK(ap_store_string_lookup_hashed(st, ap_str_c("third one"), h, &got, &found));
    CHECK(found && got == c3);
    OK(ap_store_string_lookup_hashed(st, ap_str_c("absent"), h, &got, &found));
    CHECK(!found);
    OK(ap_store_string_lookup(st, ap_str_c("admin"), &got, &found));
    CHECK(found && got == b);
    /* long texts interned "packed" are stored as zstd frames under the same id as plain */
    char big[2000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)('a' + (i * 7 % 13));
    int64_t z1 = 0, z2 = 0, z3 = 0;
    OK(ap_store_intern_packed(st, ap_str_make(big, sizeof big), &z1));
    ap_store_intern_cache_clear(st);
    OK(ap_store_intern(st, ap_str_make(big, sizeof big), &z2)); /* decompress-and-compare path */
    CHECK(z1 != 0 && z1 == z2);
    OK(ap_store_intern_packed(st, ap_str_make(big, 100), &z3)); /* short: stored plain */
    /* the hash that maps to id 0 is moved to 1 */
    CHECK_EQ_INT(ap_store_string_id_of_hash(0x8000000000000000ULL), 1);
    OK(ap_store_commit(st));
    ap_store_close(st);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM strings WHERE s IN ('first','other','third one')"), 3);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM strings WHERE s IS NULL AND length(z) < 500"), 1);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM strings WHERE length(s) = 100"), 1);
}

static ap_session_rec make_session(int64_t sensor, const char *sid, const char *ip, int64_t start)
{
    ap_session_rec s;
    memset(&s, 0, sizeof s);
    s.sensor_id = sensor;
    s.session = ap_str_c(sid);
    s.protocol = ap_str_c("ssh");
    s.src_ip = ap_str_c(ip);
    s.src_port = 40000;
    s.dst_ip = ap_str_c("10.0.0.1");
    s.dst_port = 22;
    s.start_us = start;
    s.end_us = start + 1000000;
    s.duration = -1;
    s.client_version = ap_str_c("SSH-2.0-Go");
    return s;
}

static void test_sessions_and_children(void)
{
    const char *p = path_in("sessions.db");
    ap_store *st = NULL;
    ap_arena arena;
    ap_arena_init(&arena, 0);
    OK(ap_store_open(p, AP_STORE_READ_WRITE, &st, NULL, 0));
    CHECK_EQ_INT(ap_store_add_login(st, 1, 1, ap_str_c("u"), ap_str_c("p"), 1), AP_ERR_ARG);
    OK(ap_store_begin(st));
    int64_t sensor = 0, sensor2 = 0, again = 0;
    OK(ap_store_sensor_id(st, ap_str_c("sensor-a"), &sensor));
    OK(ap_store_sensor_id(st, ap_str_c("sensor-b"), &sensor2));
    OK(ap_store_sensor_id(st, ap_str_c("sensor-a"), &again));
    CHECK(sensor != 0 && sensor != sensor2 && again == sensor);

    uint64_t hashes[3] = {0x0102030405060708ULL, 0xffffffffffffffffULL, 42};
    ap_session_rec s = make_session(sensor, "abcdef012345", "1.2.3.4", 1582358261672346);
    s.hashes = hashes;
    s.nhashes = s.events = 2;
    OK(ap_store_session_insert(st, &s));
    CHECK(s.id > 0);

    ap_session_rec f;
    int found = 0;
    OK(ap_store_session_find(st, sensor2, ap_str_c("abcdef012345"), &arena, &f, &found));
    CHECK(!found);
    OK(ap_store_session_find(st, sensor, ap_str_c("abcdef012345"), &arena, &f, &found));
    CHECK(found);
    CHECK_EQ_INT(f.id, s.id);
    CHECK(ap_str_eq_c(f.src_ip, "1.2.3.4"));
    CHECK(ap_str_eq_c(f.protocol, "ssh"));
    CHECK(!f.hassh.p && !f.arch.p);
    CHECK_EQ_INT(f.src_port, 40000);
    CHECK_EQ_INT(f.start_us, 1582358261672346);
    CHECK(f.duration < 0);
    CHECK_EQ_INT(f.nhashes, 2);
    CHECK(f.hashes && f.hashes[0] == hashes[0] && f.hashes[1] == hashes[1]);

    /* update: every field rewritten, hashes grow */
    f.nhashes = f.events = 3;
    f.hashes = hashes;
    f.closed = 1;
    f.duration = 12.5;
    f.end_us = f.start_us + 12500000;
    f.hassh = ap_str_c("f862b1c2512ed14ce0a85110867c369b");
    f.hassh_algorithms = ap_str_c("curve25519-sha256@libssh.org;aes128-ctr;hmac-sha1;none");
    f.arch = ap_str_c("linux-x64-lsb");
    f.term_width = 80;
    f.term_height = 24;
    f.src_port = -1;
    OK(ap_store_session_update(st, &f));
    ap_session_rec g;
    OK(ap_store_session_find(st, sensor, ap_str_c("abcdef012345"), &arena, &g, &found));
    CHECK(found);
    CHECK_EQ_INT(g.nhashes, 3);
    CHECK(g.hashes && g.hashes[2] == 42 && g.hashes[1] == 0xffffffffffffffffULL);
    CHECK(g.closed && g.duration == 12.5);
    CHECK(ap_str_eq_c(g.hassh, "f862b1c2512ed14ce0a85110867c369b"));
    CHECK(ap_str_eq_c(g.arch, "linux-x64-lsb"));
    CHECK_EQ_INT(g.term_width, 80);
    CHECK_EQ_INT(g.src_port, -1);
    ap_session_rec bad = g;
    bad.id = 999999;
    CHECK_EQ_INT(ap_store_session_update(st, &bad), AP_ERR_NOT_FOUND);

    int64_t t = s.start_us;
    OK(ap_store_add_login(st, s.id, t + 1, ap_str_c("root"), ap_str_c("123456"), 0));
    OK(ap_store_add_login(st, s.id, t + 1, ap_str_c("root"), ap_str_c("123456"), 0)); /* same us */
    OK(ap_store_add_login(st, s.id, t + 2, ap_str_c("root"), ap_str_c("admin"), 1));
    OK(ap_store_add_command(st, s.id, t + 3, ap_str_c("uname -a"), 1));
    OK(ap_store_add_command(st, s.id, t + 4, ap_str_c("foo"), 0));
    OK(ap_store_add_command(st, s.id, t + 5, ap_str_c("cd /tmp"), -1));
    /* command.success/failed after command.input: updates the latest open row, buffered or
     * already written */
    int updated = 0;
    OK(ap_store_add_command(st, s.id, t + 5, ap_str_c("whoami"), -1));
    OK(ap_store_set_command_success(st, s.id, ap_str_c("whoami"), 0, &updated));
    CHECK_EQ_INT(updated, 1);
    OK(ap_store_set_command_success(st, s.id, ap_str_c("whoami"), 1, &updated));
    CHECK_EQ_INT(updated, 0); /* no open row left */
    OK(ap_store_set_command_success(st, s.id, ap_str_c("never stored"), 1, &updated));
    CHECK_EQ_INT(updated, 0);
    OK(ap_store_flush(st));
    OK(ap_store_add_command(st, s.id, t + 6, ap_str_c("id"), -1));
    OK(ap_store_flush(st));
    OK(ap_store_set_command_success(st, s.id, ap_str_c("id"), 1, &updated));
    CHECK_EQ_INT(updated, 1);
    OK(ap_store_add_transfer(st, s.id, t + 6, AP_TRANSFER_DOWNLOAD, ap_str_c("http://x/y.sh"),
                             ap_str_c("aa11"), ap_str_c("var/lib/cowrie/downloads/aa11"),
                             ap_str_c("/tmp/y.sh"), 0));
    OK(ap_store_add_transfer(st, s.id, t + 7, AP_TRANSFER_DOWNLOAD_FAILED, ap_str_c("http://x/z"),
                             AP_STR_NULL, AP_STR_NULL, AP_STR_NULL, 0));
    OK(ap_store_add_transfer(st, s.id, t + 8, AP_TRANSFER_UPLOAD, AP_STR_NULL, ap_str_c("bb22"),
                             ap_str_c("out"), ap_str_c("up.bin"), 1));
    CHECK_EQ_INT(ap_store_add_transfer(st, s.id, t, (ap_transfer_kind)9, AP_STR_NULL, AP_STR_NULL,
                                       AP_STR_NULL, AP_STR_NULL, 0),
                 AP_ERR_ARG);
    OK(ap_store_add_client_key(st, s.id, t + 9, ap_str_c("fp:1"), ap_str_c("AAAAB3Nza"),
                               ap_str_c("ssh-rsa"), ap_str_c("root")));
    OK(ap_store_add_client_key(st, s.id, t + 10, ap_str_c("fp:1"), ap_str_c("AAAAB3Nza"),
                               ap_str_c("ssh-rsa"), ap_str_c("admin")));
    OK(ap_store_add_forward(st, s.id, t + 11, ap_str_c("example.com"), 443, ap_str_c("1.2.3.4"),
                            5555, AP_STR_NULL));
    OK(ap_store_add_forward(st, s.id, t + 12, ap_str_c("example.com"), 443, ap_str_c("1.2.3.4"),
                            5555, ap_str_c("GET / HTTP/1.1\r\n")));
    OK(ap_store_add_forward(st, s.id, t + 13, ap_str_c("8.8.8.8"), 53, AP_STR_NULL, -1,
                            AP_STR_NULL));
    OK(ap_store_add_ttylog(st, s.id, t + 14, ap_str_c("var/lib/cowrie/tty/abc"), ap_str_c("cc33"),
                           1234, 3.5, 0));
    OK(ap_store_add_raw_event(st, s.id, t + 15, ap_str_c("cowrie.client.var"),
                              ap_str_c("{\"eventid\":\"cowrie.client.var\"}"), 0));
    OK(ap_store_add_raw_event(st, 0, t - 5, ap_str_c("cowrie.new.thing"),
                              ap_str_c("{\"eventid\":\"cowrie.new.thing\"}"), 1));
    OK(ap_store_commit(st));
    ap_store_close(st);

    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM logins"), 3);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM v_logins WHERE password = '123456'"), 2);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM v_commands WHERE success = -1"), 1);
    CHECK_EQ_INT(sql_int(p, "SELECT success FROM v_commands WHERE input = 'whoami'"), 0);
    CHECK_EQ_INT(sql_int(p, "SELECT success FROM v_commands WHERE input = 'id'"), 1);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM v_transfers WHERE kind = 'upload'"), 1);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM v_client_keys WHERE fingerprint = 'fp:1'"), 2);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM v_forwards WHERE data IS NOT NULL"), 1);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM v_forwards WHERE data_zstd IS NOT NULL"), 0);
    CHECK_EQ_INT(sql_int(p, "SELECT size FROM v_ttylogs"), 1234);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM v_raw_events WHERE unknown = 1"), 1);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM v_sessions WHERE sensor = 'sensor-a' AND "
                            "hassh LIKE 'f862%' AND duration = 12.5"),
                 1);
    CHECK_EQ_INT(sql_int(p, "SELECT length(hashes) FROM sessions"), 24);
    /* next_seq survives reopening: new rows in the same microsecond do not collide */
    st = NULL;
    OK(ap_store_open(p, AP_STORE_READ_WRITE, &st, NULL, 0));
    OK(ap_store_begin(st));
    OK(ap_store_add_login(st, s.id, t + 1, ap_str_c("root"), ap_str_c("123456"), 0));
    OK(ap_store_commit(st));
    ap_store_close(st);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM logins"), 4);
    ap_arena_free(&arena);
}

static void test_rejects_and_files(void)
{
    const char *p = path_in("files.db");
    ap_store *st = NULL;
    ap_arena arena;
    ap_arena_init(&arena, 0);
    OK(ap_store_open(p, AP_STORE_READ_WRITE, &st, NULL, 0));
    OK(ap_store_begin(st));
    ap_file_rec f;
    memset(&f, 0, sizeof f);
    f.path = ap_str_c("/logs/cowrie.json");
    f.dev = 2049;
    f.ino = 0xfffffffffffffff0ULL;
    f.disk_size = 1000;
    f.compression = 1;
    f.head_hash = 0xdeadbeefcafebabeULL; /* top bit set: stored as a negative int64 */
    f.head_len = 4096;
    f.offset = 900;
    f.lines = 3;
    f.updated_us = 123;
    OK(ap_store_file_put(st, &f));
    CHECK(f.id > 0);
    ap_file_rec g;
    int found = 0;
    OK(ap_store_file_by_path(st, ap_str_c("/logs/cowrie.json"), &arena, &g, &found));
    CHECK(found);
    CHECK_EQ_INT(g.id, f.id);
    CHECK(g.ino == f.ino && g.head_hash == f.head_hash && g.head_len == 4096);
    CHECK(ap_str_eq_c(g.path, "/logs/cowrie.json"));
    OK(ap_store_file_by_path(st, ap_str_c("/logs/other"), &arena, &g, &found));
    CHECK(!found);
    OK(ap_store_file_by_head(st, 0xdeadbeefcafebabeULL, 4096, &arena, &g, &found));
    CHECK(found && g.id == f.id);
    OK(ap_store_file_by_head(st, 0xdeadbeefcafebabeULL, 100, &arena, &g, &found));
    CHECK(!found);
    /* update: the file was rotated and read further */
    f.path = ap_str_c("/logs/cowrie.json.1");
    f.offset = 2000;
    f.complete = 1;
    OK(ap_store_file_put(st, &f));
    OK(ap_store_file_by_head(st, 0xdeadbeefcafebabeULL, 4096, &arena, &g, &found));
    CHECK(found && g.offset == 2000 && g.complete == 1);
    CHECK(ap_str_eq_c(g.path, "/logs/cowrie.json.1"));

    OK(ap_store_add_reject(st, f.id, 7, 500, "invalid_json", ap_str_c("{\"a\":"), 5));
    OK(ap_store_add_reject(st, f.id, 7, 500, "invalid_json", ap_str_c("{\"a\":"), 5)); /* again */
    OK(ap_store_add_reject(st, f.id, 9, 600, "invalid_json", ap_str_make("x\0y", 3), 3));
    OK(ap_store_add_reject(st, f.id, 12, 900, "line_too_long", ap_str_c("aaaa"), 2000000));
    OK(ap_store_commit(st));
    ap_store_close(st);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM rejects"), 3);
    CHECK_EQ_INT(sql_int(p, "SELECT length(head) FROM rejects WHERE line = 9"), 3);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM v_rejects WHERE reason = 'line_too_long'"), 1);

    st = NULL;
    OK(ap_store_open(p, AP_STORE_READ_ONLY, &st, NULL, 0));
    ap_stats stats;
    OK(ap_store_stats(st, &stats));
    CHECK_EQ_INT(stats.files, 1);
    CHECK_EQ_INT(stats.bad_lines, 3);
    CHECK_EQ_INT(stats.nreasons, 2);
    if (stats.nreasons == 2) {
        CHECK_EQ_STR(stats.reasons[0].reason, "invalid_json");
        CHECK_EQ_INT(stats.reasons[0].count, 2);
        CHECK_EQ_STR(stats.reasons[1].reason, "line_too_long");
    }
    ap_stats_free(&stats);
    ap_store_close(st);
    ap_arena_free(&arena);
}

/* A small store: 3 sessions on 2 sensors from 2 IPs. */
static void build_small(const char *p, int64_t ids[3])
{
    ap_store *st = NULL;
    OK(ap_store_open(p, AP_STORE_READ_WRITE, &st, NULL, 0));
    OK(ap_store_begin(st));
    int64_t sa = 0, sb = 0;
    OK(ap_store_sensor_id(st, ap_str_c("a"), &sa));
    OK(ap_store_sensor_id(st, ap_str_c("b"), &sb));
    uint64_t hs[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    ap_session_rec s1 = make_session(sa, "s1", "1.1.1.1", 3000000);
    s1.hassh = ap_str_c("h1");
    s1.hashes = hs;
    s1.nhashes = s1.events = 4;
    ap_session_rec s2 = make_session(sb, "s2", "2.2.2.2", 1000000);
    s2.hassh = ap_str_c("h2");
    s2.hashes = hs;
    s2.nhashes = s2.events = 2;
    s2.closed = 1;
    s2.duration = 0.5;
    ap_session_rec s3 = make_session(sa, "s3", "1.1.1.1", 2000000);
    s3.hassh = ap_str_c("h1");
    s3.hashes = hs;
    s3.nhashes = s3.events = 1;
    s3.end_us = 9000000;
    OK(ap_store_session_insert(st, &s1));
    OK(ap_store_session_insert(st, &s2));
    OK(ap_store_session_insert(st, &s3));
    ids[0] = s1.id;
    ids[1] = s2.id;
    ids[2] = s3.id;
    OK(ap_store_add_login(st, s1.id, 3000001, ap_str_c("root"), ap_str_c("x"), 0));
    OK(ap_store_add_login(st, s1.id, 3000002, ap_str_c("root"), ap_str_c("y"), 1));
    OK(ap_store_add_login(st, s2.id, 1000001, ap_str_c("admin"), ap_str_c("admin"), 1));
    OK(ap_store_add_command(st, s1.id, 3000003, ap_str_c("uname"), 1));
    OK(ap_store_add_command(st, s1.id, 3000004, ap_str_c("wget http://x"), 1));
    OK(ap_store_add_command(st, s2.id, 1000002, ap_str_c("ls"), 0));
    OK(ap_store_add_transfer(st, s1.id, 3000005, AP_TRANSFER_DOWNLOAD, ap_str_c("http://x"),
                             ap_str_c("sha"), ap_str_c("o"), ap_str_c("/tmp/x"), 0));
    OK(ap_store_add_transfer(st, s1.id, 3000006, AP_TRANSFER_DOWNLOAD_FAILED, ap_str_c("http://y"),
                             AP_STR_NULL, AP_STR_NULL, AP_STR_NULL, 0));
    OK(ap_store_add_transfer(st, s2.id, 1000003, AP_TRANSFER_UPLOAD, AP_STR_NULL, ap_str_c("sha2"),
                             ap_str_c("o2"), ap_str_c("f"), 0));
    OK(ap_store_add_client_key(st, s1.id, 3000007, ap_str_c("k1"), AP_STR_NULL, AP_STR_NULL,
                               AP_STR_NULL));
    OK(ap_store_add_client_key(st, s3.id, 2000001, ap_str_c("k1"), AP_STR_NULL, AP_STR_NULL,
                               AP_STR_NULL));
    OK(ap_store_add_client_key(st, s3.id, 2000002, ap_str_c("k2"), AP_STR_NULL, AP_STR_NULL,
                               AP_STR_NULL));
    OK(ap_store_add_forward(st, s3.id, 2000003, ap_str_c("h.example"), 80, AP_STR_NULL, -1,
                            AP_STR_NULL));
    OK(ap_store_add_forward(st, s3.id, 2000004, ap_str_c("h.example"), 80, AP_STR_NULL, -1,
                            ap_str_c("GET /")));
    OK(ap_store_add_forward(st, s3.id, 2000005, ap_str_c("1.2.3.4"), 25, AP_STR_NULL, -1,
                            AP_STR_NULL));
    OK(ap_store_add_raw_event(st, s1.id, 3000008, ap_str_c("cowrie.client.var"), ap_str_c("{}"), 0));
    OK(ap_store_add_raw_event(st, 0, 500000, ap_str_c("x.unknown"), ap_str_c("{}"), 1));
    OK(ap_store_add_raw_event(st, 0, 9500000, ap_str_c("cowrie.log.open"), ap_str_c("{}"), 0));
    OK(ap_store_commit(st));
    ap_store_close(st);
}

static void test_stats(const char *p)
{
    ap_store *st = NULL;
    OK(ap_store_open(p, AP_STORE_READ_ONLY, &st, NULL, 0));
    ap_stats s;
    OK(ap_store_stats(st, &s));
    CHECK_EQ_INT(s.events, 4 + 2 + 1 + 2);
    CHECK_EQ_INT(s.sessions, 3);
    CHECK_EQ_INT(s.sensors, 2);
    CHECK_EQ_INT(s.source_ips, 2);
    CHECK_EQ_INT(s.sessions_with_commands, 2);
    CHECK_EQ_INT(s.commands, 3);
    CHECK_EQ_INT(s.logins_ok, 2);
    CHECK_EQ_INT(s.logins_failed, 1);
    CHECK_EQ_INT(s.downloads, 1);
    CHECK_EQ_INT(s.uploads, 1);
    CHECK_EQ_INT(s.distinct_hassh, 2);
    CHECK_EQ_INT(s.client_keys, 2);
    CHECK_EQ_INT(s.tcp_forwards, 2);
    CHECK_EQ_INT(s.unknown_events, 1);
    CHECK_EQ_INT(s.files, 0);
    CHECK_EQ_INT(s.first_ts_us, 500000);
    CHECK_EQ_INT(s.last_ts_us, 9500000);
    CHECK_EQ_INT(s.bad_lines, 0);
    CHECK_EQ_INT(s.nreasons, 0);
    ap_stats_free(&s);
    ap_store_close(st);

    /* empty store */
    st = NULL;
    OK(ap_store_open(path_in("empty.db"), AP_STORE_READ_WRITE, &st, NULL, 0));
    OK(ap_store_stats(st, &s));
    CHECK_EQ_INT(s.events, 0);
    CHECK_EQ_INT(s.first_ts_us, 0);
    ap_stats_free(&s);
    ap_store_close(st);
}

/* Collects the session ids the filter yields, joined by ','. */
static void iter_ids(ap_store *st, const ap_session_filter *f, char *out, size_t outlen)
{
    ap_session_iter *it = NULL;
    out[0] = '\0';
    CHECK_EQ_INT(ap_session_iter_open(st, f, &it), AP_OK);
    const ap_session_view *v = NULL;
    ap_status s;
    while ((s = ap_session_iter_next(it, &v)) == AP_OK) {
        size_t n = strlen(out);
        snprintf(out + n, outlen - n, "%s%s", n ? "," : "", v->session);
    }
    CHECK_EQ_INT(s, AP_END);
    ap_session_iter_close(it);
}

static void test_iterator(const char *p)
{
    ap_store *st = NULL;
    OK(ap_store_open(p, AP_STORE_READ_ONLY, &st, NULL, 0));
    char ids[256];
    ap_session_filter f;
    memset(&f, 0, sizeof f);
    iter_ids(st, NULL, ids, sizeof ids);
    CHECK_EQ_STR(ids, "s2,s3,s1");
    f.ip = "1.1.1.1";
    iter_ids(st, &f, ids, sizeof ids);
    CHECK_EQ_STR(ids, "s3,s1");
    f.ip = "9.9.9.9";
    iter_ids(st, &f, ids, sizeof ids);
    CHECK_EQ_STR(ids, "");
    memset(&f, 0, sizeof f);
    f.sensor = "b";
    iter_ids(st, &f, ids, sizeof ids);
    CHECK_EQ_STR(ids, "s2");
    f.sensor = "nope";
    iter_ids(st, &f, ids, sizeof ids);
    CHECK_EQ_STR(ids, "");
    memset(&f, 0, sizeof f);
    f.since_us = 2000000;
    iter_ids(st, &f, ids, sizeof ids);
    CHECK_EQ_STR(ids, "s3,s1");
    f.until_us = 3000000;
    iter_ids(st, &f, ids, sizeof ids);
    CHECK_EQ_STR(ids, "s3");
    memset(&f, 0, sizeof f);
    f.with_commands = 1;
    iter_ids(st, &f, ids, sizeof ids);
    CHECK_EQ_STR(ids, "s2,s1");
    memset(&f, 0, sizeof f);
    f.limit = 2;
    iter_ids(st, &f, ids, sizeof ids);
    CHECK_EQ_STR(ids, "s2,s3");
    f.ip = "1.1.1.1";
    f.sensor = "a";
    f.with_commands = 1;
    iter_ids(st, &f, ids, sizeof ids);
    CHECK_EQ_STR(ids, "s1");

    /* the full view of s1 and s3 */
    memset(&f, 0, sizeof f);
    ap_session_iter *it = NULL;
    OK(ap_session_iter_open(st, &f, &it));
    const ap_session_view *v = NULL;
    OK(ap_session_iter_next(it, &v)); /* s2 */
    CHECK_EQ_STR(v->sensor, "b");
    CHECK_EQ_INT(v->closed, 1);
    CHECK(v->duration == 0.5);
    CHECK_EQ_INT(v->ntransfers, 1);
    if (v->ntransfers == 1) {
        CHECK(v->transfers[0].upload && v->transfers[0].url == NULL);
        CHECK_EQ_STR(v->transfers[0].filename, "f");
    }
    CHECK_EQ_INT(v->ncommands, 1);
    if (v->ncommands == 1)
        CHECK_EQ_INT(v->commands[0].success, 0);
    OK(ap_session_iter_next(it, &v)); /* s3 */
    CHECK_EQ_STR(v->session, "s3");
    CHECK(v->duration == 7.0); /* not closed: end - start */
    CHECK_EQ_INT(v->nclient_keys, 2);
    CHECK_EQ_INT(v->nforwards, 2);
    if (v->nforwards == 2) {
        CHECK_EQ_STR(v->forwards[0], "h.example:80");
        CHECK_EQ_STR(v->forwards[1], "1.2.3.4:25");
    }
    CHECK_EQ_INT(v->nlogins, 0);
    OK(ap_session_iter_next(it, &v)); /* s1 */
    CHECK_EQ_STR(v->session, "s1");
    CHECK_EQ_STR(v->src_ip, "1.1.1.1");
    CHECK_EQ_STR(v->dst_ip, "10.0.0.1");
    CHECK_EQ_STR(v->protocol, "ssh");
    CHECK_EQ_STR(v->hassh, "h1");
    CHECK_EQ_STR(v->client_version, "SSH-2.0-Go");
    CHECK(v->arch == NULL);
    CHECK_EQ_INT(v->src_port, 40000);
    CHECK_EQ_INT(v->dst_port, 22);
    CHECK_EQ_INT(v->events, 4);
    CHECK_EQ_INT(v->nlogins, 2);
    if (v->nlogins == 2) {
        CHECK_EQ_STR(v->logins[0].password, "x");
        CHECK_EQ_INT(v->logins[0].success, 0);
        CHECK_EQ_INT(v->logins[1].success, 1);
        CHECK_EQ_INT(v->logins[1].ts_us, 3000002);
    }
    CHECK_EQ_INT(v->ncommands, 2);
    if (v->ncommands == 2)
        CHECK_EQ_STR(v->commands[1].input, "wget http://x");
    CHECK_EQ_INT(v->ntransfers, 2);
    if (v->ntransfers == 2) {
        CHECK(!v->transfers[0].failed && !v->transfers[0].upload);
        CHECK_EQ_STR(v->transfers[0].url, "http://x");
        CHECK_EQ_STR(v->transfers[0].shasum, "sha");
        CHECK(v->transfers[1].failed);
    }
    CHECK_EQ_INT(v->nclient_keys, 1);
    if (v->nclient_keys == 1)
        CHECK_EQ_STR(v->client_keys[0], "k1");
    CHECK_EQ_INT(ap_session_iter_next(it, &v), AP_END);
    CHECK_EQ_INT(ap_session_iter_next(it, &v), AP_END);
    ap_session_iter_close(it);
    ap_store_close(st);
}

static void test_rollback(void)
{
    const char *p = path_in("rollback.db");
    ap_store *st = NULL;
    OK(ap_store_open(p, AP_STORE_READ_WRITE, &st, NULL, 0));
    OK(ap_store_begin(st));
    int64_t sensor = 0, keep = 0;
    OK(ap_store_sensor_id(st, ap_str_c("kept"), &sensor));
    OK(ap_store_intern(st, ap_str_c("kept text"), &keep));
    OK(ap_store_commit(st));

    OK(ap_store_begin(st));
    int64_t sensor2 = 0, gone = 0;
    OK(ap_store_sensor_id(st, ap_str_c("gone"), &sensor2));
    ap_session_rec s = make_session(sensor2, "rolled", "6.6.6.6", 1);
    OK(ap_store_session_insert(st, &s));
    OK(ap_store_add_login(st, s.id, 2, ap_str_c("ghost"), ap_str_c("pw"), 1));
    OK(ap_store_add_command(st, s.id, 3, ap_str_c("rm -rf /"), 1));
    OK(ap_store_add_raw_event(st, 0, 4, ap_str_c("e"), ap_str_c("{}"), 1));
    OK(ap_store_intern(st, ap_str_c("gone text"), &gone));
    OK(ap_store_rollback(st));
    CHECK_EQ_INT(ap_store_rollback(st), AP_ERR_ARG);

    /* interning after the rollback stores the text again (the cache was dropped) */
    OK(ap_store_begin(st));
    int64_t gone2 = 0, sensor3 = 0;
    OK(ap_store_intern(st, ap_str_c("gone text"), &gone2));
    CHECK_EQ_INT(gone2, gone);
    OK(ap_store_sensor_id(st, ap_str_c("gone"), &sensor3));
    OK(ap_store_commit(st));
    ap_store_close(st);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM sessions"), 0);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM logins"), 0);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM commands"), 0);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM raw_events"), 0);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM strings WHERE s = 'ghost'"), 0);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM strings WHERE s = 'gone text'"), 1);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM strings WHERE s = 'kept text'"), 1);
    CHECK_EQ_INT(sql_int(p, "SELECT count(*) FROM sensors"), 2);
}

/* ---- micro-benchmark ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench(long nsessions, int write_only)
{
    const char *p = path_in("bench.db");
    ap_store *st = NULL;
    char err[256];
    if (ap_store_open(p, AP_STORE_READ_WRITE, &st, err, sizeof err) != AP_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    static const char *users[] = {"root", "admin", "user", "test", "oracle", "ubuntu", "pi", "git"};
    static const char *cmds[] = {"uname -a", "cat /proc/cpuinfo | grep name | wc -l",
                                 "echo -e \"\\x61\\x75\\x74\\x68\"", "free -m", "w", "ls -lh $(which ls)",
                                 "crontab -l", "nproc"};
    char kex[8][1100];
    for (int k = 0; k < 8; k++) {
        memset(kex[k], 'a' + k, sizeof kex[k] - 1);
        kex[k][sizeof kex[k] - 1] = '\0';
    }
    int64_t sensor = 0;
    double t_sess = 0, t_login = 0, t_cmd = 0, t_commit = 0;
    double t0 = now_s();
    ap_store_begin(st);
    ap_store_sensor_id(st, ap_str_c("bench-sensor"), &sensor);
    uint64_t hashes[7];
    char sid[16], ip[32], pw[32];
    unsigned rnd = 12345;
    for (long i = 0; i < nsessions; i++) {
        rnd = rnd * 1103515245u + 12345u;
        snprintf(sid, sizeof sid, "%012lx", (unsigned long)i * 2654435761u);
        snprintf(ip, sizeof ip, "%u.%u.%u.%u", (rnd >> 24) & 255, (rnd >> 16) & 63, 7u, (rnd >> 8) & 15);
        int64_t t = 1582358261000000 + i * 1000;
        for (int h = 0; h < 7; h++)
            hashes[h] = (uint64_t)i * 7 + (uint64_t)h;
        ap_session_rec s = make_session(sensor, sid, ip, t);
        s.hassh = ap_str_c("f862b1c2512ed14ce0a85110867c369b");
        s.hassh_algorithms = ap_str_c(kex[rnd % 8]);
        s.hashes = hashes;
        s.nhashes = s.events = 7;
        s.closed = 1;
        s.duration = 1.5;
        double a = now_s();
        if (ap_store_session_insert(st, &s) != AP_OK) {
            fprintf(stderr, "%s\n", ap_store_errmsg(st));
            return 1;
        }
        double b = now_s();
        t_sess += b - a;
        for (int l = 0; l < 3; l++) {
            snprintf(pw, sizeof pw, "pw%u", (rnd >> (l * 4)) % 5000);
            ap_store_add_login(st, s.id, t + 10 + l, ap_str_c(users[(rnd >> l) % 8]), ap_str_c(pw),
                               l == 2);
        }
        double c2 = now_s();
        t_login += c2 - b;
        for (int c = 0; c < 2; c++)
            ap_store_add_command(st, s.id, t + 20 + c, ap_str_c(cmds[(rnd >> (c * 3)) % 8]), 1);
        double d = now_s();
        t_cmd += d - c2;
        if (i % 20000 == 19999) {
            ap_store_commit(st);
            ap_store_begin(st);
            t_commit += now_s() - d;
        }
    }
    ap_store_commit(st);
    double dt = now_s() - t0;
    printf("bench: seconds in session inserts %.3f, logins %.3f, commands %.3f, commits %.3f\n",
           t_sess, t_login, t_cmd, t_commit);
    printf("bench: %ld sessions (1 session, 3 logins, 2 commands, kex list each) in %.3f s = "
           "%.0f sessions/s, %.0f rows/s; intern hits %llu inserts %llu\n",
           nsessions, dt, (double)nsessions / dt, (double)nsessions * 6 / dt,
           (unsigned long long)st->intern_hits, (unsigned long long)st->intern_inserts);
    ap_store_close(st);
    printf("bench: store file %lld bytes (%.1f bytes/session)\n",
           (long long)sql_int(p, "SELECT page_count * page_size FROM pragma_page_count(), "
                                 "pragma_page_size()"),
           (double)sql_int(p, "SELECT page_count * page_size FROM pragma_page_count(), "
                              "pragma_page_size()") /
               (double)nsessions);

    if (write_only)
        return 0;
    /* read side: iterate everything */
    st = NULL;
    ap_store_open(p, AP_STORE_READ_ONLY, &st, NULL, 0);
    t0 = now_s();
    ap_session_iter *it = NULL;
    ap_session_iter_open(st, NULL, &it);
    const ap_session_view *v;
    long n = 0;
    while (ap_session_iter_next(it, &v) == AP_OK)
        n++;
    ap_session_iter_close(it);
    dt = now_s() - t0;
    printf("bench: iterated %ld sessions in %.3f s = %.0f sessions/s\n", n, dt, (double)n / dt);
    t0 = now_s();
    ap_stats stats;
    ap_store_stats(st, &stats);
    printf("bench: stats in %.3f s\n", now_s() - t0);
    ap_stats_free(&stats);
    ap_store_close(st);
    return 0;
}

int main(int argc, char **argv)
{
    snprintf(dir, sizeof dir, "%s", check_tmpdir("store"));
    if (argc > 1 && strcmp(argv[1], "bench") == 0)
        return bench(argc > 2 ? atol(argv[2]) : 200000, argc > 3);
    test_open_create_reopen();
    test_version_refusal();
    test_migration_1_to_2();
    test_bulk_journal();
    test_interning();
    test_sessions_and_children();
    test_rejects_and_files();
    int64_t ids[3];
    const char *small = path_in("small.db");
    build_small(small, ids);
    test_stats(small);
    test_iterator(small);
    test_rollback();
    CHECK_DONE();
}
