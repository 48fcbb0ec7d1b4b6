/* store_internal.h — what the files of the SQLite store share and nobody else sees: the handle
 * layout, the one list of SQL statements (each prepared once per handle, on first use), error
 * helpers, and string interning. Tests include it for the interning hooks.
 */
#ifndef AP_STORE_INTERNAL_H
#define AP_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdint.h>
#include "store/store.h"

/* Schema version written to PRAGMA user_version. Bump it with a migration in store_sqlite.c. */
#define AP_STORE_SCHEMA_VERSION 3

/* Child rows are written AP_STORE_BATCH at a time by one multi-row INSERT (the per-statement
 * cost of SQLite is larger than the per-row cost); these build that statement's text at compile
 * time. */
#define AP_STORE_BATCH 16
#define AP_X4_(r) r "," r "," r "," r
#define AP_X16_(r) AP_X4_(r) "," AP_X4_(r) "," AP_X4_(r) "," AP_X4_(r)
#define AP_ROW5_ "(?,?,?,?,?)"
#define AP_ROW6_ "(?,?,?,?,?,?)"
#define AP_ROW7_ "(?,?,?,?,?,?,?)"
#define AP_ROW8_ "(?,?,?,?,?,?,?,?)"
#define AP_ROW9_ "(?,?,?,?,?,?,?,?,?)"
#define AP_ROW20_ "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
#define AP_COLS_SESSIONS                                                                         \
    "sessions(protocol_id, src_ip_id, src_port, dst_ip_id, dst_port, start_us, end_us, "       \
    "duration, closed, client_version_id, hassh_id, hassh_algorithms_id, arch_id, term_width, " \
    "term_height, events, hashes, sensor_id, session, id)"
#define AP_COLS_LOGINS "logins(session_id, ts, seq, username_id, password_id, success)"
#define AP_COLS_COMMANDS "commands(session_id, ts, seq, input_id, success)"
#define AP_COLS_TRANSFERS                                                                        \
    "transfers(session_id, ts, seq, kind, url_id, shasum_id, outfile_id, filename_id, duplicate)"
#define AP_COLS_CLIENT_KEYS                                                                      \
    "client_keys(session_id, ts, seq, fingerprint_id, key_id, key_type_id, username_id)"
#define AP_COLS_FORWARDS                                                                         \
    "forwards(session_id, ts, seq, dst_host_id, dst_port, src_ip_id, src_port, data_id)"
#define AP_COLS_TTYLOGS                                                                          \
    "ttylogs(session_id, ts, seq, path_id, shasum_id, size, duration, duplicate)"

/* Every statement the store runs, in one place: X(name, sql). Parameters are always bound;
 * no SQL text is ever assembled at run time. */
#define AP_STORE_STATEMENTS(X)                                                                   \
    X(ST_BEGIN, "BEGIN IMMEDIATE")                                                               \
    X(ST_COMMIT, "COMMIT")                                                                       \
    X(ST_ROLLBACK, "ROLLBACK")                                                                   \
    X(ST_META_GET, "SELECT value FROM meta WHERE key = ?1")                                      \
    X(ST_META_PUT, "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)")                    \
    X(ST_STR_INSERT, "INSERT OR IGNORE INTO strings(id, s) VALUES (?1, ?2)")                     \
    X(ST_STR_INSERT_Z, "INSERT OR IGNORE INTO strings(id, s, z) VALUES (?1, NULL, ?2)")          \
    X(ST_STR_GET, "SELECT s, z FROM strings WHERE id = ?1")                                      \
    X(ST_SENSOR_GET, "SELECT id FROM sensors WHERE name = ?1")                                   \
    X(ST_SENSOR_INSERT, "INSERT INTO sensors(name) VALUES (?1)")                                 \
    X(ST_SESSION_FIND,                                                                           \
      "SELECT s.id, pr.s, si.s, s.src_port, di.s, s.dst_port, s.start_us, s.end_us, "            \
      "s.duration, s.closed, cv.s, ha.s, hl.s, ar.s, s.term_width, s.term_height, s.events, "    \
      "s.hashes FROM sessions s "                                                                \
      "LEFT JOIN strings pr ON pr.id = s.protocol_id "                                           \
      "LEFT JOIN strings si ON si.id = s.src_ip_id "                                             \
      "LEFT JOIN strings di ON di.id = s.dst_ip_id "                                             \
      "LEFT JOIN strings cv ON cv.id = s.client_version_id "                                     \
      "LEFT JOIN strings ha ON ha.id = s.hassh_id "                                              \
      "LEFT JOIN strings hl ON hl.id = s.hassh_algorithms_id "                                   \
      "LEFT JOIN strings ar ON ar.id = s.arch_id "                                               \
      "WHERE s.sensor_id = ?1 AND s.session = ?2")                                               \
    X(ST_SESSION_1, "INSERT INTO " AP_COLS_SESSIONS " VALUES " AP_ROW20_)                         \
    X(ST_SESSION_N, "INSERT INTO " AP_COLS_SESSIONS " VALUES " AP_X16_(AP_ROW20_))               \
    X(ST_SESSION_MAX_ID, "SELECT coalesce(max(id), 0) FROM sessions")                            \
    X(ST_SESSION_UPDATE,                                                                         \
      "UPDATE sessions SET protocol_id = ?1, src_ip_id = ?2, src_port = ?3, dst_ip_id = ?4, "     \
      "dst_port = ?5, start_us = ?6, end_us = ?7, duration = ?8, closed = ?9, "                  \
      "client_version_id = ?10, hassh_id = ?11, hassh_algorithms_id = ?12, arch_id = ?13, "      \
      "term_width = ?14, term_height = ?15, events = ?16, hashes = ?17, sensor_id = ?18, "       \
      "session = ?19 WHERE id = ?20")                                                            \
    X(ST_LOGIN_1, "INSERT INTO " AP_COLS_LOGINS " VALUES " AP_ROW6_)                              \
    X(ST_LOGIN_N, "INSERT INTO " AP_COLS_LOGINS " VALUES " AP_X16_(AP_ROW6_))                    \
    X(ST_COMMAND_1, "INSERT INTO " AP_COLS_COMMANDS " VALUES " AP_ROW5_)                          \
    X(ST_COMMAND_N, "INSERT INTO " AP_COLS_COMMANDS " VALUES " AP_X16_(AP_ROW5_))                \
    X(ST_COMMAND_SET_SUCCESS,                                                                    \
      "UPDATE commands SET success = ?3 WHERE session_id = ?1 AND (ts, seq) = "                  \
      "(SELECT ts, seq FROM commands WHERE session_id = ?1 AND input_id IS ?2 AND success = -1 "  \
      "ORDER BY ts DESC, seq DESC LIMIT 1)")                                                     \
    X(ST_TRANSFER_1, "INSERT INTO " AP_COLS_TRANSFERS " VALUES " AP_ROW9_)                        \
    X(ST_TRANSFER_N, "INSERT INTO " AP_COLS_TRANSFERS " VALUES " AP_X16_(AP_ROW9_))              \
    X(ST_CLIENT_KEY_1, "INSERT INTO " AP_COLS_CLIENT_KEYS " VALUES " AP_ROW7_)                    \
    X(ST_CLIENT_KEY_N, "INSERT INTO " AP_COLS_CLIENT_KEYS " VALUES " AP_X16_(AP_ROW7_))          \
    X(ST_FORWARD_1, "INSERT INTO " AP_COLS_FORWARDS " VALUES " AP_ROW8_)                          \
    X(ST_FORWARD_N, "INSERT INTO " AP_COLS_FORWARDS " VALUES " AP_X16_(AP_ROW8_))                \
    X(ST_TTYLOG_1, "INSERT INTO " AP_COLS_TTYLOGS " VALUES " AP_ROW8_)                            \
    X(ST_TTYLOG_N, "INSERT INTO " AP_COLS_TTYLOGS " VALUES " AP_X16_(AP_ROW8_))                  \
    X(ST_RAW_INSERT,                                                                             \
      "INSERT INTO raw_events(session_id, ts, eventid_id, unknown, line) "                       \
      "VALUES (?1, ?2, ?3, ?4, ?5)")                                                             \
    X(ST_REJECT_INSERT,                                                                          \
      "INSERT OR IGNORE INTO rejects(file_id, line, offset, reason_id, head, full_len) "         \
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")                                                         \
    X(ST_FILE_BY_PATH,                                                                           \
      "SELECT id, path, dev, ino, disk_size, compression, head_hash, head_len, offset, lines, "  \
      "complete, updated_us, mark_offset, mark_hash FROM files WHERE path = ?1 "                 \
      "ORDER BY id DESC LIMIT 1")                                                                \
    X(ST_FILE_BY_HEAD,                                                                           \
      "SELECT id, path, dev, ino, disk_size, compression, head_hash, head_len, offset, lines, "  \
      "complete, updated_us, mark_offset, mark_hash FROM files "                                 \
      "WHERE head_hash = ?1 AND head_len = ?2 "                                                  \
      "ORDER BY id DESC LIMIT 1")                                                                \
    X(ST_FILE_INSERT,                                                                            \
      "INSERT INTO files(path, dev, ino, disk_size, compression, head_hash, head_len, offset, "  \
      "lines, complete, updated_us, mark_offset, mark_hash) "                                    \
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)")                         \
    X(ST_FILE_SHORT_HEADS,                                                                       \
      "SELECT DISTINCT head_len FROM files WHERE head_len < ?1 ORDER BY head_len DESC")          \
    X(ST_FILE_UPDATE,                                                                            \
      "UPDATE files SET path = ?1, dev = ?2, ino = ?3, disk_size = ?4, compression = ?5, "       \
      "head_hash = ?6, head_len = ?7, offset = ?8, lines = ?9, complete = ?10, "                 \
      "updated_us = ?11, mark_offset = ?12, mark_hash = ?13 WHERE id = ?14")                     \
    X(ST_STATS_SESSIONS,                                                                         \
      "SELECT count(*), coalesce(sum(events), 0), count(DISTINCT src_ip_id), "                   \
      "count(DISTINCT hassh_id), min(nullif(start_us, 0)), max(nullif(end_us, 0)) FROM sessions") \
    X(ST_STATS_SENSORS, "SELECT count(*) FROM sensors")                                          \
    X(ST_STATS_COMMANDS, "SELECT count(*), count(DISTINCT session_id) FROM commands")            \
    X(ST_STATS_LOGINS,                                                                           \
      "SELECT coalesce(sum(success <> 0), 0), coalesce(sum(success = 0), 0) FROM logins")        \
    X(ST_STATS_TRANSFERS,                                                                        \
      "SELECT coalesce(sum(kind = 0), 0), coalesce(sum(kind = 2), 0) FROM transfers")            \
    X(ST_STATS_CLIENT_KEYS, "SELECT count(DISTINCT fingerprint_id) FROM client_keys")            \
    X(ST_STATS_FORWARDS, "SELECT count(*) FROM forwards WHERE data_id IS NULL")                  \
    X(ST_STATS_RAW,                                                                              \
      "SELECT coalesce(sum(unknown), 0), coalesce(sum(session_id = 0), 0), "                     \
      "min(CASE WHEN session_id = 0 AND ts <> 0 THEN ts END), "                                  \
      "max(CASE WHEN session_id = 0 AND ts <> 0 THEN ts END) FROM raw_events")                   \
    X(ST_STATS_FILES, "SELECT count(*) FROM files")                                              \
    X(ST_STATS_REJECTS,                                                                          \
      "SELECT rs.s, count(*) AS n FROM rejects r LEFT JOIN strings rs ON rs.id = r.reason_id "   \
      "GROUP BY r.reason_id ORDER BY n DESC, rs.s")                                              \
    X(ST_Q_SESSIONS_BY_START,                                                                    \
      "SELECT s.id, se.name, s.session, pr.s, si.s, s.src_port, di.s, s.dst_port, s.start_us, "  \
      "s.end_us, s.duration, s.closed, cv.s, ha.s, ar.s, s.term_width, s.term_height, s.events " \
      "FROM sessions s JOIN sensors se ON se.id = s.sensor_id "                                  \
      "LEFT JOIN strings pr ON pr.id = s.protocol_id "                                           \
      "LEFT JOIN strings si ON si.id = s.src_ip_id "                                             \
      "LEFT JOIN strings di ON di.id = s.dst_ip_id "                                             \
      "LEFT JOIN strings cv ON cv.id = s.client_version_id "                                     \
      "LEFT JOIN strings ha ON ha.id = s.hassh_id "                                              \
      "LEFT JOIN strings ar ON ar.id = s.arch_id "                                               \
      "WHERE s.start_us >= ?1 AND s.start_us < ?2 AND (?3 = 0 OR s.sensor_id = ?3) "             \
      "AND (?4 = 0 OR EXISTS (SELECT 1 FROM commands c WHERE c.session_id = s.id)) "             \
      "AND (?7 IS NULL OR s.session = ?7) "                                                      \
      "ORDER BY s.start_us, s.sensor_id, s.session LIMIT ?5")                                    \
    X(ST_Q_SESSIONS_BY_IP,                                                                       \
      "SELECT s.id, se.name, s.session, pr.s, si.s, s.src_port, di.s, s.dst_port, s.start_us, "  \
      "s.end_us, s.duration, s.closed, cv.s, ha.s, ar.s, s.term_width, s.term_height, s.events " \
      "FROM sessions s JOIN sensors se ON se.id = s.sensor_id "                                  \
      "LEFT JOIN strings pr ON pr.id = s.protocol_id "                                           \
      "LEFT JOIN strings si ON si.id = s.src_ip_id "                                             \
      "LEFT JOIN strings di ON di.id = s.dst_ip_id "                                             \
      "LEFT JOIN strings cv ON cv.id = s.client_version_id "                                     \
      "LEFT JOIN strings ha ON ha.id = s.hassh_id "                                              \
      "LEFT JOIN strings ar ON ar.id = s.arch_id "                                               \
      "WHERE s.src_ip_id = ?6 AND s.start_us >= ?1 AND s.start_us < ?2 "                         \
      "AND (?3 = 0 OR s.sensor_id = ?3) "                                                        \
      "AND (?4 = 0 OR EXISTS (SELECT 1 FROM commands c WHERE c.session_id = s.id)) "             \
      "AND (?7 IS NULL OR s.session = ?7) "                                                      \
      "ORDER BY s.start_us, s.sensor_id, s.session LIMIT ?5")                                    \
    /* ---- mapping (mapping.c) ---- */                                                          \
    X(ST_MAP_UNMAPPED,                                                                           \
      "SELECT s.id, s.s FROM strings s WHERE s.id IN (SELECT DISTINCT input_id FROM commands "    \
      "WHERE input_id IS NOT NULL) AND s.id NOT IN (SELECT input_id FROM input_maps) "            \
      "AND s.s IS NOT NULL ORDER BY s.id")                                                       \
    X(ST_MAP_INPUT, "INSERT INTO input_maps(input_id, statements, truncated) VALUES (?1, ?2, ?3)") \
    X(ST_MAP_STATEMENT,                                                                          \
      "INSERT INTO input_statements(input_id, idx, start, \"end\", depth, via, parent, cmd_id, "  \
      "text_id, normal_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")                     \
    X(ST_MAP_TECHNIQUE,                                                                          \
      "INSERT OR IGNORE INTO input_techniques(input_id, idx, technique, rule) "                  \
      "VALUES (?1, ?2, ?3, ?4)")                                                                 \
    X(ST_MAP_IOC, "INSERT OR IGNORE INTO input_iocs(input_id, type, value_id) VALUES (?1, ?2, ?3)") \
    X(ST_MAP_KEY_GET, "SELECT id FROM ssh_keys WHERE sha256 = ?1")                                \
    X(ST_MAP_KEY_INSERT,                                                                         \
      "INSERT INTO ssh_keys(sha256, md5, type, bits, comment) VALUES (?1, ?2, ?3, ?4, ?5)")       \
    X(ST_MAP_INPUT_KEY,                                                                          \
      "INSERT OR REPLACE INTO input_keys(input_id, key_id, injected) VALUES (?1, ?2, ?3)")        \
    X(ST_MAP_TECHNIQUE_DEF,                                                                      \
      "INSERT OR REPLACE INTO attack_techniques(id, name, tactics) VALUES (?1, ?2, ?3)")          \
    X(ST_MAP_TACTIC_DEF,                                                                         \
      "INSERT OR IGNORE INTO attack_technique_tactics(technique, tactic) VALUES (?1, ?2)")        \
    X(ST_MAP_EVENT_RULE,                                                                         \
      "INSERT OR REPLACE INTO event_rules(code, rule, technique) VALUES (?1, ?2, ?3)")            \
    /* the brute-force class of source addresses (?1 = the fewest attempts that show a       \
     * pattern): of all of them, or of those with failed logins stored from seq ?2 on */        \
    X(ST_MAP_EV_BRUTE_ALL,                                                                       \
      "INSERT OR REPLACE INTO ip_bruteforce(src_ip_id, class, attempts, usernames, passwords) "   \
      "SELECT ip, CASE WHEN a < ?1 THEN 10 WHEN u <= 2 THEN 11 WHEN p <= 2 THEN 12 ELSE 13 END, "  \
      "a, u, p FROM (SELECT s.src_ip_id AS ip, count(*) AS a, count(DISTINCT l.username_id) AS u, " \
      "count(DISTINCT l.password_id) AS p FROM sessions s JOIN logins l ON l.session_id = s.id "  \
      "WHERE l.success = 0 AND s.src_ip_id IS NOT NULL GROUP BY s.src_ip_id)")                    \
    X(ST_MAP_EV_BRUTE_NEW,                                                                       \
      "INSERT OR REPLACE INTO ip_bruteforce(src_ip_id, class, attempts, usernames, passwords) "   \
      "SELECT ip, CASE WHEN a < ?1 THEN 10 WHEN u <= 2 THEN 11 WHEN p <= 2 THEN 12 ELSE 13 END, "  \
      "a, u, p FROM (SELECT s.src_ip_id AS ip, count(*) AS a, count(DISTINCT l.username_id) AS u, " \
      "count(DISTINCT l.password_id) AS p FROM sessions s JOIN logins l ON l.session_id = s.id "  \
      "WHERE l.success = 0 AND s.src_ip_id IN (SELECT DISTINCT s2.src_ip_id FROM logins l2 "      \
      "JOIN sessions s2 ON s2.id = l2.session_id WHERE l2.seq >= ?2 AND l2.success = 0) "         \
      "GROUP BY s.src_ip_id)")                                                                   \
    X(ST_MAP_CLEAR_INPUTS,                                                                       \
      "DELETE FROM input_maps; DELETE FROM input_statements; DELETE FROM input_techniques; "     \
      "DELETE FROM input_iocs; DELETE FROM input_keys; DELETE FROM ssh_keys")                     \
    X(ST_MAP_CLEAR_EVENTS, "DELETE FROM ip_bruteforce")                                          \
    X(ST_MAP_COUNT_ADDRESSES, "SELECT count(*) FROM ip_bruteforce")                              \
    X(ST_MAP_COUNT_KEYS, "SELECT count(*) FROM ssh_keys")                                        \
    X(ST_MAP_TECHNIQUES,                                                                         \
      "WITH st(sid, tech) AS (SELECT DISTINCT c.session_id, t.technique FROM commands c "         \
      "JOIN input_techniques t ON t.input_id = c.input_id UNION "                                \
      "SELECT session_id, technique FROM v_event_techniques), "                                  \
      "ct(tech, n) AS (SELECT t.technique, count(*) FROM commands c JOIN (SELECT DISTINCT "        \
      "input_id, technique FROM input_techniques) t ON t.input_id = c.input_id GROUP BY 1) "      \
      "SELECT st.tech, count(*), count(DISTINCT s.src_ip_id), coalesce(ct.n, 0) FROM st "         \
      "JOIN sessions s ON s.id = st.sid LEFT JOIN ct ON ct.tech = st.tech "                      \
      "GROUP BY st.tech ORDER BY 2 DESC, 1")                                                     \
    X(ST_MAP_TACTICS,                                                                            \
      "WITH st(sid, tech) AS (SELECT DISTINCT c.session_id, t.technique FROM commands c "         \
      "JOIN input_techniques t ON t.input_id = c.input_id UNION "                                \
      "SELECT session_id, technique FROM v_event_techniques) "                                   \
      "SELECT tt.tactic, count(DISTINCT st.sid), count(DISTINCT st.tech) FROM st "               \
      "JOIN attack_technique_tactics tt ON tt.technique = st.tech GROUP BY 1")                    \
    X(ST_MAP_KEYS,                                                                               \
      "SELECT k.sha256, k.md5, k.type, k.bits, k.comment, max(ik.injected), "                    \
      "count(DISTINCT c.session_id), count(DISTINCT s.src_ip_id), min(c.ts), max(c.ts), min(si.s) " \
      "FROM ssh_keys k JOIN input_keys ik ON ik.key_id = k.id "                                  \
      "JOIN commands c ON c.input_id = ik.input_id JOIN sessions s ON s.id = c.session_id "      \
      "LEFT JOIN strings si ON si.id = s.src_ip_id GROUP BY k.id ORDER BY 7 DESC, 1")             \
    X(ST_MAP_CLIENT_KEYS,                                                                        \
      "SELECT fp.s, ky.s, kt.s, count(DISTINCT k.session_id), count(DISTINCT s.src_ip_id), "      \
      "min(k.ts), max(k.ts), min(si.s) FROM client_keys k "                                      \
      "JOIN sessions s ON s.id = k.session_id LEFT JOIN strings fp ON fp.id = k.fingerprint_id "  \
      "LEFT JOIN strings ky ON ky.id = k.key_id LEFT JOIN strings kt ON kt.id = k.key_type_id "   \
      "LEFT JOIN strings si ON si.id = s.src_ip_id "                                             \
      "GROUP BY k.fingerprint_id ORDER BY 4 DESC, 1")                                            \
    X(ST_MAP_SESSION_BY_ID,                                                                      \
      "SELECT s.id FROM sessions s JOIN sensors se ON se.id = s.sensor_id "                      \
      "WHERE s.session = ?1 AND (?2 IS NULL OR se.name = ?2) LIMIT 2")                           \
    X(ST_MAP_SESSION_TECHNIQUES,                                                                 \
      "SELECT technique, rule, detail FROM v_event_techniques WHERE session_id = ?1 ORDER BY 1, 2") \
    X(ST_Q_LOGINS,                                                                               \
      "SELECT l.ts, u.s, p.s, l.success FROM logins l "                                          \
      "LEFT JOIN strings u ON u.id = l.username_id LEFT JOIN strings p ON p.id = l.password_id " \
      "WHERE l.session_id = ?1 ORDER BY l.ts, l.seq")                                            \
    X(ST_Q_COMMANDS,                                                                             \
      "SELECT c.ts, i.s, c.success FROM commands c LEFT JOIN strings i ON i.id = c.input_id "    \
      "WHERE c.session_id = ?1 ORDER BY c.ts, c.seq")                                            \
    X(ST_Q_TRANSFERS,                                                                            \
      "SELECT t.ts, t.kind, u.s, sh.s, o.s, f.s FROM transfers t "                               \
      "LEFT JOIN strings u ON u.id = t.url_id LEFT JOIN strings sh ON sh.id = t.shasum_id "      \
      "LEFT JOIN strings o ON o.id = t.outfile_id LEFT JOIN strings f ON f.id = t.filename_id "  \
      "WHERE t.session_id = ?1 ORDER BY t.ts, t.seq")                                            \
    X(ST_Q_CLIENT_KEYS,                                                                          \
      "SELECT fp.s FROM client_keys k JOIN strings fp ON fp.id = k.fingerprint_id "              \
      "WHERE k.session_id = ?1 GROUP BY k.fingerprint_id ORDER BY min(k.ts), min(k.seq)")        \
    X(ST_Q_FORWARDS,                                                                             \
      "SELECT h.s, f.dst_port FROM forwards f LEFT JOIN strings h ON h.id = f.dst_host_id "      \
      "WHERE f.session_id = ?1 GROUP BY f.dst_host_id, f.dst_port ORDER BY min(f.ts), "          \
      "min(f.seq)")

/* The cluster stage's reads (cluster_io.c): whole-table scans in session (or input) order, so
 * the loader merges them without a lookup per session. */
#define AP_STORE_CLUSTER_STATEMENTS(X)                                                           \
    X(ST_CL_SENSORS, "SELECT id, name FROM sensors")                                             \
    X(ST_CL_SESSIONS,                                                                            \
      "SELECT s.id, s.sensor_id, s.src_ip_id, s.start_us, s.end_us, s.protocol_id, "             \
      "s.client_version_id, s.hassh_id, ip.s, s.session, cv.s, hs.s FROM sessions s "            \
      "LEFT JOIN strings ip ON ip.id = s.src_ip_id "                                             \
      "LEFT JOIN strings cv ON cv.id = s.client_version_id "                                     \
      "LEFT JOIN strings hs ON hs.id = s.hassh_id ORDER BY s.id")                                \
    X(ST_CL_LOGINS,                                                                              \
      "SELECT session_id, username_id, password_id, success, ts FROM logins "                    \
      "ORDER BY session_id, ts, seq")                                                            \
    X(ST_CL_LOGIN_TEXTS,                                                                         \
      "SELECT DISTINCT p.id, p.s FROM logins l JOIN strings p ON p.id = l.password_id")         \
    X(ST_CL_USER_TEXTS,                                                                          \
      "SELECT DISTINCT u.id, u.s FROM logins l JOIN strings u ON u.id = l.username_id")         \
    X(ST_CL_TECH_NAMES, "SELECT id, name FROM attack_techniques")                                \
    X(ST_CL_COMMANDS,                                                                            \
      "SELECT session_id, ts, input_id FROM commands ORDER BY session_id, ts, seq")              \
    X(ST_CL_TRANSFERS,                                                                           \
      "SELECT t.session_id, t.kind, t.url_id, t.shasum_id, u.s, h.s FROM transfers t "           \
      "LEFT JOIN strings u ON u.id = t.url_id LEFT JOIN strings h ON h.id = t.shasum_id "        \
      "ORDER BY t.session_id, t.ts, t.seq")                                                      \
    X(ST_CL_CLIENT_KEYS,                                                                         \
      "SELECT k.session_id, k.fingerprint_id, f.s FROM client_keys k "                           \
      "LEFT JOIN strings f ON f.id = k.fingerprint_id ORDER BY k.session_id, k.ts, k.seq")       \
    X(ST_CL_FORWARDS,                                                                            \
      "SELECT f.session_id, f.dst_host_id, f.dst_port, h.s FROM forwards f "                     \
      "LEFT JOIN strings h ON h.id = f.dst_host_id WHERE f.data_id IS NULL "                     \
      "ORDER BY f.session_id, f.ts, f.seq")                                                      \
    X(ST_CL_STATEMENTS,                                                                          \
      "SELECT input_id, normal_id, cmd_id FROM input_statements ORDER BY input_id, idx")         \
    X(ST_CL_NORMAL_TEXTS,                                                                        \
      "SELECT DISTINCT n.id, n.s FROM input_statements s JOIN strings n ON n.id = s.normal_id")  \
    X(ST_CL_INPUT_TECHNIQUES,                                                                    \
      "SELECT t.input_id, t.technique, st.normal_id FROM input_techniques t "                    \
      "LEFT JOIN input_statements st ON st.input_id = t.input_id AND st.idx = t.idx")            \
    X(ST_CL_INPUT_IOCS,                                                                          \
      "SELECT x.input_id, x.value_id, x.type, v.s FROM input_iocs x "                            \
      "LEFT JOIN strings v ON v.id = x.value_id")                                                \
    X(ST_CL_INPUT_KEYS,                                                                          \
      "SELECT ik.input_id, ik.key_id, ik.injected, k.sha256 FROM input_keys ik "                 \
      "JOIN ssh_keys k ON k.id = ik.key_id")                                                     \
    X(ST_CL_BRUTEFORCE,                                                                          \
      "SELECT b.src_ip_id, r.technique FROM ip_bruteforce b "                                    \
      "JOIN event_rules r ON r.code = b.class")                                                  \
    X(ST_CL_EVENT_RULES, "SELECT code, technique FROM event_rules")                              \
    X(ST_CL_TACTICS, "SELECT technique, tactic FROM attack_technique_tactics")                   \
    X(ST_CL_PREVIOUS,                                                                            \
      "SELECT session_id, incident, campaign, actor FROM cluster_sessions ORDER BY session_id")  \
    X(ST_CL_RESULT,                                                                              \
      "SELECT se.name, s.session, c.incident, c.campaign, c.actor FROM cluster_sessions c "      \
      "JOIN sessions s ON s.id = c.session_id JOIN sensors se ON se.id = s.sensor_id")           \
    X(ST_CL_CLEAR, "DELETE FROM cluster_sessions")                                               \
    X(ST_CL_CLEAR_CAMPAIGNS, "DELETE FROM campaigns")                                            \
    X(ST_CL_PUT_1, "INSERT INTO cluster_sessions VALUES (?,?,?,?)")                              \
    X(ST_CL_PUT_N, "INSERT INTO cluster_sessions VALUES " AP_X16_("(?,?,?,?)"))                  \
    X(ST_CL_PUT_CAMPAIGN,                                                                        \
      "INSERT INTO campaigns VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "   \
      "?14, ?15, ?16)")

#define AP_STORE_ENUM_(name, sql) name,
typedef enum ap_store_stmt_id {
    AP_STORE_STATEMENTS(AP_STORE_ENUM_) AP_STORE_CLUSTER_STATEMENTS(AP_STORE_ENUM_) ST__COUNT
} ap_store_stmt_id;
#undef AP_STORE_ENUM_

/* The interning cache: 2 << AP_INTERN_CACHE_BITS entries, 2-way set associative on the low bits
 * of the content hash (intern.c). An entry says "the text with this 64-bit hash (and this
 * second fingerprint) is stored under this id". */
#define AP_INTERN_CACHE_BITS 18
typedef struct ap_intern_slot {
    uint64_t hash;
    int64_t id; /* 0 = empty slot */
    uint64_t check;
} ap_intern_slot;

#define AP_SENSOR_CACHE 32

/* One buffered column value of a child row. */
typedef struct ap_cell {
    enum { AP_CELL_NULL = 0, AP_CELL_INT, AP_CELL_DOUBLE, AP_CELL_TEXT, AP_CELL_BLOB } type;
    union {
        int64_t i;
        double d;
        struct {
            const void *p; /* TEXT/BLOB: memory owned by the batch */
            int n;
        } b;
    } v;
} ap_cell;

enum { AP_BATCH_LOGINS, AP_BATCH_COMMANDS, AP_BATCH_TRANSFERS, AP_BATCH_CLIENT_KEYS,
       AP_BATCH_FORWARDS, AP_BATCH_TTYLOGS, AP_BATCH__COUNT };
#define AP_BATCH_MAXCOLS 9

/* Sessions waiting for their multi-row INSERT: ids are assigned by the store (max(id) + 1 at
 * begin), so ap_store_session_insert can return the id at once. The session text and packed
 * hashes are copied into per-slot buffers. */
#define AP_SESSION_COLS 20
typedef struct ap_pending_session {
    int64_t sensor_id;
    char *text;
    size_t text_len, text_cap;
    unsigned char *blob;
    size_t blob_cap;
} ap_pending_session;

/* Child rows waiting for their multi-row INSERT. They hold only integers (texts are interned
 * when the row is added), so nothing points into the caller's buffers. */
typedef struct ap_row_batch {
    int nrows;
    ap_cell cells[AP_STORE_BATCH * AP_BATCH_MAXCOLS];
} ap_row_batch;

struct ap_store {
    sqlite3 *db;
    int read_only;
    int in_txn;
    sqlite3_stmt *stmt[ST__COUNT];
    char err[512];
    int64_t next_seq;  /* child-row key tiebreaker; loaded at begin, saved at commit */
    int64_t seq_saved; /* next_seq as stored in meta */
    ap_intern_slot *cache;
    struct {
        char *name;
        size_t n;
        int64_t id;
    } sensors[AP_SENSOR_CACHE];
    size_t nsensors;
    ap_row_batch batch[AP_BATCH__COUNT];
    ap_cell session_cells[AP_STORE_BATCH * AP_SESSION_COLS];
    ap_pending_session pending[AP_STORE_BATCH];
    int npending;
    int64_t next_session_id; /* loaded at begin */
    int had_sessions;        /* the store held sessions when a transaction began */
    void *zc, *zd;          /* zstd compression/decompression contexts, made on first use */
    unsigned char *zbuf;    /* compressed or decompressed text */
    size_t zbuf_cap;
    unsigned char *scratch; /* packed hashes for an update */
    size_t scratch_cap;
    /* counters, for tests and benchmarks */
    uint64_t intern_hits, intern_inserts, intern_collisions;
};

/* The SQL text of statement `id`. */
const char *ap_store_sql(ap_store_stmt_id id);

/* Returns the prepared statement `id`, reset and with bindings cleared, preparing it on first
 * use; NULL on error (message in st->err). */
sqlite3_stmt *ap_store_stmt(ap_store *st, ap_store_stmt_id id);

/* Records an SQLite failure `rc` (with the connection's message) as the store's error message
 * and maps it to a status: AP_ERR_NOMEM, AP_ERR_VERSION never, otherwise AP_ERR_STORE. */
ap_status ap_store_fail(ap_store *st, int rc, const char *what);
/* Records a message (printf-style) and returns `s`. */
ap_status ap_store_failf(ap_store *st, ap_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Binds a string view (NULL when absent) without copying; AP_ERR_LIMIT if longer than INT_MAX. */
ap_status ap_store_bind_str(ap_store *st, sqlite3_stmt *q, int idx, ap_str s);
/* Binds a string id, NULL for 0. */
int ap_store_bind_id(sqlite3_stmt *q, int idx, int64_t id);
/* Copies a text column into the arena; a NULL view for SQL NULL. */
ap_status ap_store_column_str(ap_store *st, sqlite3_stmt *q, int col, ap_arena *arena,
                              ap_str *out);

/* ---- interning (intern.c) ---- */

/* The id of text `s`, storing it when new; *id = 0 when s is absent. Needs a transaction. */
ap_status ap_store_intern(ap_store *st, ap_str s, int64_t *id);
/* As ap_store_intern, storing texts longer than AP_STORE_PACK_MIN bytes zstd-compressed when
 * that saves at least a fifth (forward payloads). */
#define AP_STORE_PACK_MIN AP_STORE_PAYLOAD_PACK_MIN
ap_status ap_store_intern_packed(ap_store *st, ap_str s, int64_t *id);
/* As ap_store_intern_packed with the zstd frame of s already made by the caller (NULL view: the
 * store compresses it itself). */
ap_status ap_store_intern_prepacked(ap_store *st, ap_str s, ap_str zstd_frame, int64_t *id);
/* Frees the zstd contexts and buffer (close). */
void ap_store_zstd_free(ap_store *st);
/* As ap_store_intern with the content hash given: a test hook to force collisions. */
ap_status ap_store_intern_hashed(ap_store *st, ap_str s, uint64_t hash, int64_t *id);
/* Looks `s` up without storing it: *found = 0 when it is not stored. */
ap_status ap_store_string_lookup(ap_store *st, ap_str s, int64_t *id, int *found);
ap_status ap_store_string_lookup_hashed(ap_store *st, ap_str s, uint64_t hash, int64_t *id,
                                        int *found);
/* Forgets every cached id (after a rollback the cached strings may be gone). */
void ap_store_intern_cache_clear(ap_store *st);
/* String ids are the low 47 bits of the content hash: SQLite stores such integers in 6 bytes
 * instead of 8, and every row holds several ids. Collisions (expected ~1 per 100k strings at
 * 10M strings) are resolved by probing, so the narrower space costs nothing in correctness. */
#define AP_STRING_ID_MASK ((int64_t)0x7fffffffffffLL)
/* The id that content hash `h` maps to first. */
static inline int64_t ap_store_string_id_of_hash(uint64_t h)
{
    int64_t id = (int64_t)(h & (uint64_t)AP_STRING_ID_MASK);
    return id ? id : 1;
}

/* Writes every buffered child row (write.c). Called before commit and before any read of the
 * child tables through this handle. */
ap_status ap_store_flush(ap_store *st);
/* Forgets buffered rows (rollback); frees their buffers when `release`. */
void ap_store_batch_discard(ap_store *st, int release);
/* Loads the next session id (begin). */
ap_status ap_store_batch_start(ap_store *st);

/* Drops cached sensor ids (after a rollback). */
void ap_store_sensor_cache_clear(ap_store *st);

/* Returns from the calling function when expr is not AP_OK (the store's one early-exit helper). */
#define TRY(expr)                                                                                \
    do {                                                                                         \
        ap_status try_s_ = (expr);                                                               \
        if (try_s_ != AP_OK)                                                                     \
            return try_s_;                                                                       \
    } while (0)

#endif
