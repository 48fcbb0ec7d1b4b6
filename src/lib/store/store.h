/* store.h — the store's write interface, used by the ingest pipeline. All SQL lives in
 * src/lib/store/; the rest of the library sees these functions and the public queries in
 * actorprint.h (ap_store_stats, ap_session_iter_*).
 *
 * Model (schema in schema.sql, documented in docs/store.md):
 *  - strings are interned: every repeated text (usernames, passwords, commands, IPs, URLs, client
 *    versions, HASSH algorithm lists, forward payloads) is stored once and referenced by id. This
 *    is what keeps the store a small fraction of the raw JSON.
 *  - a session is identified by (sensor, cowrie session id); its row carries the connection and
 *    client facts plus the 64-bit hashes of every distinct event stored for it, so a duplicate
 *    event (overlapping rotated files, re-runs) is recognised and stored once.
 *  - child tables (logins, commands, transfers, client keys, forwards, ttylogs, raw events) hang
 *    off the session id.
 *  - the file registry remembers what was read of each input file, in the same transaction as
 *    the data read from it, so a run killed at any point resumes exactly.
 *
 * Threading: a store handle is used by one thread at a time.
 * Transactions: the ingest pipeline calls ap_store_begin, writes, then ap_store_commit; nothing is
 * visible to readers (or survives a crash) until commit.
 */
#ifndef AP_STORE_STORE_H
#define AP_STORE_STORE_H

#include <stdint.h>
#include "actorprint.h"
#include "util/str.h"
#include "util/arena.h"

/* ---- transactions ---- */
ap_status ap_store_begin(ap_store *st);
ap_status ap_store_commit(ap_store *st);
ap_status ap_store_rollback(ap_store *st);

/* ---- bulk loads ---- */
/* Drops the secondary indexes that a bulk load would otherwise update row by row (inside a
 * transaction); ap_store_restore_indexes builds them again by sorting (also done by
 * ap_store_open when a run was cut short). */
ap_status ap_store_defer_indexes(ap_store *st);
ap_status ap_store_restore_indexes(ap_store *st);

/* For a first load into an empty store (outside a transaction): on = leave WAL for a rollback
 * journal, so each new page reaches the disk once (WAL writes it twice: to the log, then to
 * the database at the checkpoint); off = back to WAL. Kill-safe either way: a run killed in
 * rollback mode leaves a hot journal that the next read-write open rolls back (ap_store_open
 * does it for read-only opens too). When another connection has the store open, WAL cannot be
 * left and the store stays in it. */
ap_status ap_store_bulk_journal(ap_store *st, int on);

/* ---- sensors ---- */
/* Id of the sensor named `name`, created if missing. */
ap_status ap_store_sensor_id(ap_store *st, ap_str name, int64_t *id);

/* ---- sessions ---- */
typedef struct ap_session_rec {
    int64_t id;        /* store row id; 0 until inserted */
    int64_t sensor_id;
    ap_str session;    /* cowrie session id as logged (8 or 12 hex digits, or anything) */
    ap_str protocol;   /* "ssh", "telnet", absent */
    ap_str src_ip;
    int src_port;      /* -1 when unknown */
    ap_str dst_ip;
    int dst_port;      /* -1 when unknown */
    int64_t start_us;  /* earliest event time, 0 when none */
    int64_t end_us;    /* latest event time */
    double duration;   /* cowrie.session.closed duration, < 0 when not closed */
    int closed;
    ap_str client_version;
    ap_str hassh;
    ap_str hassh_algorithms;
    ap_str arch;
    int term_width, term_height; /* 0 when unknown */
    uint64_t events;             /* distinct events stored for this session */
    uint64_t nhashes;            /* == events */
    const uint64_t *hashes;      /* event identity hashes, in arrival order */
} ap_session_rec;

/* Looks up (sensor_id, session). When found, *found = 1 and *out is filled; its strings and
 * hashes are copied into `arena` (owned by the caller). */
ap_status ap_store_session_find(ap_store *st, int64_t sensor_id, ap_str session, ap_arena *arena,
                                ap_session_rec *out, int *found);
/* Inserts a new session: with the id from ap_store_session_reserve_id when s->id is set, else
 * with a new one (sets s->id). */
ap_status ap_store_session_insert(ap_store *st, ap_session_rec *s);
/* Reserves the id of a session to be inserted later in this transaction (child rows can refer to
 * it at once, the session row is written once, when complete). */
ap_status ap_store_session_reserve_id(ap_store *st, int64_t *id);
/* Whether the store held any session when the current transaction began (a store that held
 * none cannot hold a session this run has not created). */
int ap_store_had_sessions(const ap_store *st);
/* Rewrites every field of an existing session (s->id != 0). */
ap_status ap_store_session_update(ap_store *st, const ap_session_rec *s);

/* ---- per-event rows (session_id from the functions above; ts in microseconds UTC) ---- */
ap_status ap_store_add_login(ap_store *st, int64_t session_id, int64_t ts, ap_str username,
                             ap_str password, int success);
/* success: 1 (command.success / input), 0 (command.failed), -1 unknown. */
ap_status ap_store_add_command(ap_store *st, int64_t session_id, int64_t ts, ap_str input,
                               int success);
/* cowrie.command.failed / .success after a cowrie.command.input: sets `success` on the session's
 * latest command with this exact input whose success is still -1. *updated = 1 when such a row
 * existed; otherwise the caller stores the status event as a command row of its own. */
ap_status ap_store_set_command_success(ap_store *st, int64_t session_id, ap_str input, int success,
                                       int *updated);

typedef enum ap_transfer_kind {
    AP_TRANSFER_DOWNLOAD = 0,
    AP_TRANSFER_DOWNLOAD_FAILED = 1,
    AP_TRANSFER_UPLOAD = 2
} ap_transfer_kind;
ap_status ap_store_add_transfer(ap_store *st, int64_t session_id, int64_t ts, ap_transfer_kind kind,
                                ap_str url, ap_str shasum, ap_str outfile, ap_str filename,
                                int duplicate);
/* cowrie.client.fingerprint: the public key offered by the client. */
ap_status ap_store_add_client_key(ap_store *st, int64_t session_id, int64_t ts, ap_str fingerprint,
                                  ap_str key, ap_str key_type, ap_str username);
/* cowrie.direct-tcpip.request (data absent) and .data (data present). */
ap_status ap_store_add_forward(ap_store *st, int64_t session_id, int64_t ts, ap_str dst_host,
                               int dst_port, ap_str src_ip, int src_port, ap_str data);
/* Payloads longer than this are stored zstd-compressed. */
#define AP_STORE_PAYLOAD_PACK_MIN 256
/* As ap_store_add_forward, with data's zstd frame already made (on the parser thread, so the
 * writer thread does not spend its time compressing); a NULL view lets the store compress. */
ap_status ap_store_add_forward_packed(ap_store *st, int64_t session_id, int64_t ts, ap_str dst_host,
                                      int dst_port, ap_str src_ip, int src_port, ap_str data,
                                      ap_str data_zstd);
ap_status ap_store_add_ttylog(ap_store *st, int64_t session_id, int64_t ts, ap_str path,
                              ap_str shasum, int64_t size, double duration, int duplicate);
/* Any event the decoder does not model (unknown eventids, cowrie.client.var, ...), kept verbatim.
 * session_id may be 0 for events without a session. `unknown`: the decoder does not know the
 * eventid at all (counted as unknown in the statistics), as opposed to known-but-kept-raw. */
ap_status ap_store_add_raw_event(ap_store *st, int64_t session_id, int64_t ts, ap_str eventid,
                                 ap_str line, int unknown);

/* ---- bad lines ---- */
/* Records one rejected line: `head` is at most the first 4 KiB of it (the caller truncates),
 * full_len its real length. Idempotent on (file_id, line). */
ap_status ap_store_add_reject(ap_store *st, int64_t file_id, uint64_t line, uint64_t offset,
                              const char *reason, ap_str head, uint64_t full_len);

/* ---- file registry ---- */
typedef struct ap_file_rec {
    int64_t id;            /* 0 until inserted */
    ap_str path;           /* as given (absolute when known); "-" for stdin */
    uint64_t dev, ino;     /* of the path when registered */
    uint64_t disk_size;    /* on-disk size when last read */
    int compression;       /* ap_compression of reader.h */
    uint64_t head_hash;    /* hash of the first head_len uncompressed bytes */
    uint32_t head_len;     /* ≤ 4096; < 4096 only for shorter files */
    uint64_t offset;       /* uncompressed bytes consumed (always at a line boundary) */
    uint64_t lines;        /* lines consumed */
    uint64_t mark_offset;  /* offset of the last consumed line (to verify the content on resume) */
    uint64_t mark_hash;    /* ap_hash64 of that line as returned by the reader */
    int complete;          /* a compressed file read to its end (it cannot grow) */
    int64_t updated_us;
} ap_file_rec;

/* Finds a registered file by path; *found = 0 when none. Strings copied into arena. */
ap_status ap_store_file_by_path(ap_store *st, ap_str path, ap_arena *arena, ap_file_rec *out,
                                int *found);
/* Finds a registered file whose head_len and head_hash are equal to these (the same content
 * under another name: a rotated or compressed copy). */
ap_status ap_store_file_by_head(ap_store *st, uint64_t head_hash, uint32_t head_len,
                                ap_arena *arena, ap_file_rec *out, int *found);
/* The distinct head lengths below `below` among registered files (files that were shorter than
 * a full head when read), longest first, at most `max` of them: a file that has grown since
 * can be recognised by hashing that much of its head. */
ap_status ap_store_file_short_heads(ap_store *st, uint32_t below, uint32_t *lens, size_t max,
                                    size_t *n);
/* Inserts (f->id == 0, sets it) or updates a registry row. */
ap_status ap_store_file_put(ap_store *st, ap_file_rec *f);

/* ---- mapping results (mapping.c; tables in mapping.sql) ---- */

/* A meta value as text (NULL view when absent), copied into the arena. */
ap_status ap_store_meta_text(ap_store *st, const char *key, ap_arena *arena, ap_str *out);
ap_status ap_store_meta_set_text(ap_store *st, const char *key, const char *value);
/* An integer meta value; *found = 0 (and *value = 0) when absent. */
ap_status ap_store_meta_int(ap_store *st, const char *key, int64_t *value, int *found);
ap_status ap_store_meta_set_int(ap_store *st, const char *key, int64_t value);
/* Deletes the stored results of command texts (inputs) and/or of events. */
ap_status ap_store_map_clear(ap_store *st, int inputs, int events);

typedef struct ap_store_input {
    int64_t input_id; /* strings.id */
    ap_str text;
} ap_store_input;
/* Distinct command texts that have no mapping yet (copied into the arena). */
ap_status ap_store_unmapped_inputs(ap_store *st, ap_arena *arena, ap_store_input **out, size_t *n);
/* Stores the mapping of one command text. */
ap_status ap_store_put_input_map(ap_store *st, int64_t input_id, ap_str input, const ap_map_view *v);
/* Stores a technique's name and tactics (comma-separated shortnames) for SQL readers. */
ap_status ap_store_put_technique_def(ap_store *st, const char *id, const char *name,
                                     const char *tactics);

/* The technique id and rule id of each event rule, and the brute-force threshold. */
typedef struct ap_store_event_rule {
    const char *id, *technique;
} ap_store_event_rule;
typedef struct ap_store_event_rule_ids {
    ap_store_event_rule login_success, download, upload, tcpip_forward, client_key;
    ap_store_event_rule bruteforce, guessing, spraying, stuffing;
    int min_attempts; /* fewer failed logins from an address than this: plain brute force */
} ap_store_event_rule_ids;
/* Stores the event rules and (re)computes the brute-force class of source addresses: of every
 * address (from_seq 0, after ap_store_map_clear(st, 0, 1)), or of those with failed logins
 * stored from child-row seq from_seq on. Session techniques are then the v_event_techniques view. */
ap_status ap_store_map_events(ap_store *st, const ap_store_event_rule_ids *rules, int64_t from_seq);
/* The next child-row seq of the open transaction: rows stored later have seq >= it. */
int64_t ap_store_next_seq(const ap_store *st);
/* SSH keys stored; source addresses with a brute-force class. */
ap_status ap_store_map_counts(ap_store *st, uint64_t *keys, uint64_t *addresses);

/* Reports: a row callback gets the key text and its integer columns. */
typedef ap_status (*ap_store_row_fn)(void *user, const char *key, const int64_t *v, int nv);
/* technique, sessions, source IPs, commands — most sessions first */
ap_status ap_store_technique_rows(ap_store *st, ap_store_row_fn fn, void *user);
/* tactic shortname, sessions, distinct techniques */
ap_status ap_store_tactic_rows(ap_store *st, ap_store_row_fn fn, void *user);
/* Keys found in commands (client = 0) or offered by clients (client = 1: md5 = the logged
 * fingerprint, comment = the logged key text, type = the logged key type). Entries and their
 * strings are malloc'ed (free with ap_key_report_free's logic). */
ap_status ap_store_key_rows(ap_store *st, int client, ap_key_report_entry **out, size_t *n);
/* Row id of a session by its Cowrie id (sensor NULL: any; AP_ERR_ARG when ambiguous). */
ap_status ap_store_find_session_id(ap_store *st, const char *sensor, const char *session,
                                   int64_t *id);
typedef ap_status (*ap_store_text_row_fn)(void *user, const char *a, const char *b, const char *c);
/* technique, rule, detail of one session's events */
ap_status ap_store_session_technique_rows(ap_store *st, int64_t session_id, ap_store_text_row_fn fn,
                                          void *user);

/* ---- the cluster stage (cluster_io.c) ---- */

/* What the cluster stage reads: each a whole-table scan, in session (or input) order. */
typedef enum ap_store_cl_scan {
    AP_CL_SENSORS,          /* id, name */
    AP_CL_SESSIONS,         /* id, sensor_id, src_ip_id, start_us, end_us, protocol_id,
                               client_version_id, hassh_id, src_ip, session, client_version,
                               hassh */
    AP_CL_LOGINS,           /* session_id, username_id, password_id, success, ts */
    AP_CL_LOGIN_TEXTS,      /* password_id, password (distinct passwords tried) */
    AP_CL_USER_TEXTS,       /* username_id, username (distinct usernames tried) */
    AP_CL_TECH_NAMES,       /* technique id, name (the ATT&CK table the mapping used) */
    AP_CL_COMMANDS,         /* session_id, ts, input_id */
    AP_CL_TRANSFERS,        /* session_id, kind, url_id, shasum_id, url, shasum */
    AP_CL_CLIENT_KEYS,      /* session_id, fingerprint_id, fingerprint */
    AP_CL_FORWARDS,         /* session_id, dst_host_id, dst_port, dst_host (requests only) */
    AP_CL_STATEMENTS,       /* input_id, normal_id, cmd_id (in statement order) */
    AP_CL_NORMAL_TEXTS,     /* normal_id, normal form */
    AP_CL_INPUT_TECHNIQUES, /* input_id, technique, normal_id of the statement */
    AP_CL_INPUT_IOCS,       /* input_id, value_id, type, value */
    AP_CL_INPUT_KEYS,       /* input_id, key_id, injected, sha256 */
    AP_CL_BRUTEFORCE,       /* src_ip_id, technique */
    AP_CL_EVENT_RULES,      /* code, technique */
    AP_CL_TACTICS,          /* technique, tactic */
    AP_CL_PREVIOUS,         /* session_id, incident, campaign, actor (the last run's result) */
    AP_CL_RESULT            /* sensor, session, incident, campaign, actor (the last run's result) */
} ap_store_cl_scan;

/* One column of a scanned row: its integer value (0 for NULL/text) and, for text columns, the
 * text (NULL for SQL NULL; valid during the callback only). */
typedef struct ap_store_col {
    int64_t i;
    const char *s;
    int n;
} ap_store_col;
typedef ap_status (*ap_store_scan_fn)(void *user, const ap_store_col *cols, int ncols);
/* Runs scan `which`, calling fn for every row; fn's non-OK status stops the scan and is returned. */
ap_status ap_store_cl_scan_rows(ap_store *st, ap_store_cl_scan which, ap_store_scan_fn fn,
                                void *user);

/* One clustered session (the result written by a run). */
typedef struct ap_store_cl_assignment {
    int64_t session_id, incident, campaign, actor;
} ap_store_cl_assignment;
/* One campaign row (the campaigns table in cluster.sql). */
typedef struct ap_store_cl_campaign {
    int64_t id, actor, incidents, sessions, first_us, last_us, ips;
    const char *primary_tactic, *techniques, *nets, *asns, *keys, *hashes, *urls;
    double criticality, score;
} ap_store_cl_campaign;
/* Replaces the stored result by a[0..n-1] (sorted by session_id) and the campaign table, and
 * stores the id counters in meta (cluster_next_campaign, cluster_next_actor), in one
 * transaction. */
ap_status ap_store_cl_save(ap_store *st, const ap_store_cl_assignment *a, size_t n,
                           const ap_store_cl_campaign *c, size_t nc, int64_t next_campaign,
                           int64_t next_actor);
/* The id counters of the last run (1 and 1 before any). */
ap_status ap_store_cl_counters(ap_store *st, int64_t *next_campaign, int64_t *next_actor);

#endif
