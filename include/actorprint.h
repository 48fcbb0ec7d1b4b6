/* actorprint.h — the public interface of libactorprint.
 *
 * actorprint turns honeypot logs into threat-actor intelligence. This umbrella header is all a
 * program needs: status codes, the diagnostics callback through which every input problem is
 * reported (the library never prints), the store handle, ingest, and read-side queries.
 *
 * Conventions (see docs/api.md):
 *  - every fallible call returns an ap_status; results go through out-parameters;
 *  - handles are opaque and come in open/close pairs; close(NULL) is a no-op;
 *  - strings passed in are borrowed for the duration of the call; strings handed out are owned
 *    by the handle that produced them unless the comment above the function says otherwise.
 */
#ifndef ACTORPRINT_H
#define ACTORPRINT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(AP_BUILDING_LIBRARY)
#define AP_API __attribute__((visibility("default")))
#else
#define AP_API
#endif

/* ---- status ------------------------------------------------------------------------------ */

/* The one status type of the library. AP_END is not an error: an iterator has no more items. */
typedef enum ap_status {
    AP_OK = 0,
    AP_END,             /* iteration finished */
    AP_ERR_NOMEM,       /* allocation failed */
    AP_ERR_IO,          /* a file could not be opened, read or written */
    AP_ERR_FORMAT,      /* input is not in the expected format (bad JSON, corrupt archive) */
    AP_ERR_LIMIT,       /* input exceeds a configured limit (line length, nesting) */
    AP_ERR_STORE,       /* the store (SQLite/PostgreSQL) reported an error */
    AP_ERR_ARG,         /* invalid argument from the caller */
    AP_ERR_NOT_FOUND,   /* a looked-up item does not exist */
    AP_ERR_VERSION,     /* the store was written by an incompatible version */
    AP_ERR_INTERRUPTED, /* the caller asked to stop (signal) */
    AP_ERR_INTERNAL     /* a bug: an invariant did not hold */
} ap_status;

/* A static English description of a status. Never NULL. */
AP_API const char *ap_strerror(ap_status s);

/* The library version, "MAJOR.MINOR.PATCH". */
AP_API const char *ap_version(void);

/* ---- diagnostics ------------------------------------------------------------------------- */

typedef enum ap_severity { AP_SEV_NOTE = 0, AP_SEV_WARNING, AP_SEV_ERROR } ap_severity;

/* One problem found in the input, with where it was found and what was done about it.
 * `reason` is a stable machine-readable code (e.g. "invalid_json", "line_too_long"); the same
 * codes are counted in the store's bad-line statistics. All pointers are valid only during the
 * callback. `line` is 1-based (0 when not applicable); `offset` is the byte offset of the line
 * start in the uncompressed stream. */
typedef struct ap_diag {
    ap_severity severity;
    const char *file;
    uint64_t line;
    uint64_t offset;
    const char *reason;
    const char *message;
} ap_diag;

typedef void (*ap_diag_fn)(void *user, const ap_diag *diag);

/* ---- store ------------------------------------------------------------------------------- */

typedef struct ap_store ap_store;

typedef enum ap_store_mode {
    AP_STORE_READ_ONLY = 0,
    AP_STORE_READ_WRITE = 1 /* created if missing */
} ap_store_mode;

/* Opens (and for READ_WRITE, creates or migrates) the store at `path` (a SQLite file).
 * On failure *out is NULL and, when `err` is not NULL, a message is written to err[0..errlen). */
AP_API ap_status ap_store_open(const char *path, ap_store_mode mode, ap_store **out, char *err,
                               size_t errlen);
AP_API void ap_store_close(ap_store *store);

/* The last error message of the store (valid until the next call on it). */
AP_API const char *ap_store_errmsg(const ap_store *store);

/* ---- ingest ------------------------------------------------------------------------------ */

typedef struct ap_progress {
    uint64_t bytes_done;   /* uncompressed bytes processed so far */
    uint64_t bytes_total;  /* on-disk bytes of all inputs, 0 when unknown (stdin) */
    uint64_t disk_done;    /* on-disk (compressed) bytes consumed so far */
    uint64_t events;       /* events accepted so far */
    uint64_t bad_lines;    /* lines rejected so far */
    const char *file;      /* file being read */
    double elapsed;        /* seconds since start */
} ap_progress;

typedef void (*ap_progress_fn)(void *user, const ap_progress *p);

typedef struct ap_ingest_options {
    ap_diag_fn on_diag;            /* may be NULL: diagnostics are then only counted */
    void *diag_user;
    ap_progress_fn on_progress;    /* may be NULL; called at most ~10 times a second */
    void *progress_user;
    unsigned threads;              /* 0 = automatic (parse and store on two threads), 1 = one */
    size_t max_line;               /* longest accepted line in bytes; 0 = default (1 MiB) */
    uint64_t commit_bytes;         /* commit a transaction every N input bytes; 0 = default */
    volatile int *stop;            /* when non-NULL and set non-zero, ingest stops cleanly */
    const char *include;           /* fnmatch(3) pattern for files found in directories;
                                    * NULL = "*.json*" (cowrie.json, cowrie.json.1.gz, ...);
                                    * files named on the command line are always read */
} ap_ingest_options;

/* Initialise options with defaults. */
AP_API void ap_ingest_options_init(ap_ingest_options *o);

typedef struct ap_ingest_summary {
    uint64_t files;            /* files (and stdin) looked at */
    uint64_t files_skipped;    /* files already fully ingested, skipped */
    uint64_t bytes;            /* uncompressed bytes read in this run */
    uint64_t lines;            /* lines read in this run */
    uint64_t events;           /* events that were new to the store */
    uint64_t duplicates;       /* events already stored (overlapping files, re-runs) */
    uint64_t unknown_events;   /* events with an eventid the decoder does not know (kept raw) */
    uint64_t bad_lines;        /* lines rejected (counted by reason in the store) */
    uint64_t sessions_new;     /* sessions created */
    uint64_t sessions_updated; /* existing sessions that received events */
    uint64_t read_errors;      /* files that could not be read to the end */
    double seconds;
} ap_ingest_summary;

/* Reads Cowrie JSON logs from `paths` (files, directories read recursively, or "-" for stdin)
 * into the store. Re-runs read only bytes not yet ingested; duplicate events are stored once.
 * Returns AP_OK when every input was read (bad lines are not failures: they are reported through
 * on_diag and counted), AP_ERR_IO when some input could not be read (the rest is ingested). */
AP_API ap_status ap_ingest(ap_store *store, const char *const *paths, size_t npaths,
                           const ap_ingest_options *opt, ap_ingest_summary *out);

/* ---- statistics -------------------------------------------------------------------------- */

typedef struct ap_reason_count {
    const char *reason; /* owned by the stats object */
    uint64_t count;
} ap_reason_count;

typedef struct ap_stats {
    uint64_t events;
    uint64_t sessions;
    uint64_t sensors;
    uint64_t source_ips;
    uint64_t sessions_with_commands;
    uint64_t commands;
    uint64_t logins_ok;
    uint64_t logins_failed;
    uint64_t downloads;
    uint64_t uploads;
    uint64_t distinct_hassh;
    uint64_t client_keys;
    uint64_t tcp_forwards;
    uint64_t unknown_events;
    uint64_t files;
    int64_t first_ts_us; /* microseconds since the epoch, 0 when empty */
    int64_t last_ts_us;
    uint64_t bad_lines;
    size_t nreasons;
    ap_reason_count *reasons; /* bad lines by reason, most frequent first */
} ap_stats;

/* Fills *out; free with ap_stats_free. */
AP_API ap_status ap_store_stats(ap_store *store, ap_stats *out);
AP_API void ap_stats_free(ap_stats *s);

/* ---- sessions query ---------------------------------------------------------------------- */

typedef struct ap_session_filter {
    const char *ip;        /* source IP, exact; NULL = any */
    const char *sensor;    /* sensor name, exact; NULL = any */
    int64_t since_us;      /* sessions starting at or after; 0 = no bound */
    int64_t until_us;      /* sessions starting before; 0 = no bound */
    int with_commands;     /* only sessions that have commands */
    const char *session;   /* Cowrie session id, exact; NULL = any */
    uint64_t limit;        /* 0 = no limit */
} ap_session_filter;

typedef struct ap_login_view {
    int64_t ts_us;
    const char *username;
    const char *password;
    int success;
} ap_login_view;

typedef struct ap_command_view {
    int64_t ts_us;
    const char *input; /* exactly as logged */
    int success;       /* 1 known, 0 failed (not found), -1 unknown */
} ap_command_view;

typedef struct ap_transfer_view {
    int64_t ts_us;
    int upload;        /* 0 download, 1 upload */
    int failed;        /* download attempted and failed */
    const char *url;   /* NULL for uploads */
    const char *shasum;
    const char *outfile;
    const char *filename; /* destfile (download) or filename (upload) */
} ap_transfer_view;

/* One session with everything the store has about it. All strings are owned by the iterator
 * and valid until the next ap_session_iter_next or ap_session_iter_close. NULL means absent. */
typedef struct ap_session_view {
    const char *sensor;
    const char *session;
    const char *protocol;
    const char *src_ip;
    int src_port;
    const char *dst_ip;
    int dst_port;
    int64_t start_us;
    int64_t end_us;
    double duration;      /* from cowrie.session.closed when present, else end - start */
    int closed;           /* a cowrie.session.closed event was seen */
    const char *client_version;
    const char *hassh;
    const char *arch;
    int term_width, term_height;
    uint64_t events;
    size_t nlogins;
    const ap_login_view *logins;
    size_t ncommands;
    const ap_command_view *commands;
    size_t ntransfers;
    const ap_transfer_view *transfers;
    size_t nclient_keys;
    const char *const *client_keys; /* fingerprints */
    size_t nforwards;
    const char *const *forwards;    /* "host:port" */
} ap_session_view;

typedef struct ap_session_iter ap_session_iter;

AP_API ap_status ap_session_iter_open(ap_store *store, const ap_session_filter *filter,
                                      ap_session_iter **out);
/* AP_OK with *view filled, AP_END when done. */
AP_API ap_status ap_session_iter_next(ap_session_iter *it, const ap_session_view **view);
AP_API void ap_session_iter_close(ap_session_iter *it);

/* ---- understanding attacker input -------------------------------------------------------- */

/* A mapper reads shell input the way a shell would (statements, quotes, sh -c, base64 | sh, ...),
 * maps each statement to ATT&CK techniques with the rule that fired, and extracts IOCs and SSH
 * public keys. Pure: nothing is executed or fetched. One mapper per thread. */
typedef struct ap_mapper ap_mapper;

typedef struct ap_mapper_options {
    const char *rules_path;  /* NULL: the rules compiled in (data/rules/attack.rules) */
    const char *attack_path; /* NULL: the ATT&CK Enterprise v18.1 table compiled in; else an
                              * ATT&CK STIX 2.1 bundle (enterprise-attack.json) */
    ap_diag_fn on_diag;      /* problems in the rules or the bundle, with file:line */
    void *diag_user;
} ap_mapper_options;

typedef struct ap_technique_view {
    const char *id;          /* "T1098.004" */
    const char *name;        /* "SSH Authorized Keys"; sub-techniques: "Account Manipulation: SSH Authorized Keys" */
    const char *tactics;     /* comma-separated ATT&CK tactic shortnames */
    const char *rule;        /* id of the rule that assigned it */
    const char *reason;      /* why (from the rule) */
} ap_technique_view;

typedef struct ap_statement_view {
    const char *text;        /* the statement as written (decoded text for decoded statements) */
    size_t text_len;         /* may contain NUL bytes */
    uint32_t start, end;     /* byte range in the input (the outermost statement for decoded ones) */
    unsigned depth;          /* 0 at top level */
    unsigned via;            /* how it was reached: 1 sh -c, 2 base64, 4 $(...), 8 loop body,
                              * 16 printf escapes, 32 eval, 64 group, 128 here-document */
    int parent;              /* index of the statement it came from, -1 at top level */
    const char *cmd;         /* command name ("" when none) */
    const char *normal;      /* normal form (volatile tokens as <ip>, <url>, ...) */
    size_t ntechniques;
    const ap_technique_view *techniques;
} ap_statement_view;

typedef struct ap_ioc_view {
    const char *type;        /* "url", "domain", "ipv4", "ipv6", "md5", "sha1", "sha256", "sha512",
                              * "btc", "xmr", "eth", "busybox_tag", "marker", "email" */
    const char *value;
} ap_ioc_view;

typedef struct ap_key_view {
    const char *type;        /* "ssh-rsa", "ssh-ed25519", ... */
    unsigned bits;
    const char *comment;
    const char *sha256;      /* "SHA256:..." as ssh-keygen -l prints it */
    const char *md5;         /* "MD5:aa:bb:..." */
    int injected;            /* written to an authorized_keys file by this input */
} ap_key_view;

typedef struct ap_map_view {
    size_t nstatements;
    const ap_statement_view *statements;
    size_t niocs;
    const ap_ioc_view *iocs;
    size_t nkeys;
    const ap_key_view *keys;
    int truncated;           /* too many statements: the rest were not mapped */
} ap_map_view;

/* Return values: AP_OK; AP_ERR_FORMAT (rules or bundle invalid, reported through on_diag);
 * AP_ERR_IO; AP_ERR_NOMEM. opt may be NULL. */
AP_API ap_status ap_mapper_open(const ap_mapper_options *opt, ap_mapper **out);
AP_API void ap_mapper_close(ap_mapper *m);
/* "attack-18.1/rules-0123456789ab/normalise-1": mapping results stored with another version are
 * recomputed. Owned by the mapper. */
AP_API const char *ap_mapper_version(const ap_mapper *m);
/* Maps one input (a command line as logged). *out is owned by the mapper and valid until the
 * next ap_mapper_map or ap_mapper_close. */
AP_API ap_status ap_mapper_map(ap_mapper *m, const char *input, size_t len, const ap_map_view **out);
/* As ap_mapper_map for one line of `actorprint map`'s input: a Cowrie JSON line maps the input
 * of its command event (*skipped = 1 for other events, 2 for a line that is not valid Cowrie
 * JSON), any other line is shell input typed in one session. */
AP_API ap_status ap_mapper_map_line(ap_mapper *m, const char *line, size_t len,
                                    const ap_map_view **out, int *skipped);
/* Looks up a technique of the mapper's table: name and tactics; NULL when unknown. */
AP_API const ap_technique_view *ap_mapper_technique(ap_mapper *m, const char *id);

/* Scores the mapper's rules against a labelled corpus file (lines `INPUT<TAB>EXPECTED<TAB>NOTE`,
 * see tests/corpus/README.md): per technique precision, recall and F1, micro and macro overall.
 * Writes the report to `out` — a table for people, or one JSON object with json = 1 — with the
 * misclassified lines when with_misses. Malformed corpus lines are reported through the
 * mapper's diagnostics callback and skipped. totals may be NULL.
 * Return values: AP_OK, AP_ERR_IO (the corpus cannot be read, or out not written), AP_ERR_NOMEM. */
typedef struct ap_mapper_eval_totals {
    uint64_t lines, bad_lines, statements, exact; /* exact: predicted set == expected set */
    uint64_t tp, fp, fn;
    double micro_precision, micro_recall, micro_f1;
    double macro_precision, macro_recall, macro_f1;
    size_t techniques;                            /* techniques expected or predicted somewhere */
} ap_mapper_eval_totals;
AP_API ap_status ap_mapper_evaluate(ap_mapper *m, const char *corpus_path, FILE *out, int json,
                                    int with_misses, ap_mapper_eval_totals *totals);

/* Maps what the store holds: every distinct command text not yet mapped with this mapper's
 * version (all of them with full = 1, or when the version changed), and the session-level
 * techniques of events (logins, forwards, transfers, client keys; brute-force sub-techniques
 * are decided per source IP from its credential pattern across sessions). */
typedef struct ap_map_summary {
    uint64_t inputs_mapped;       /* distinct command texts mapped in this call */
    uint64_t statements;          /* statements they hold */
    uint64_t addresses_classified; /* source addresses whose brute-force class was (re)computed */
    uint64_t keys;                /* distinct SSH public keys found in commands (all stored) */
    int remapped;                 /* everything was recomputed (full, or version changed) */
} ap_map_summary;
AP_API ap_status ap_store_map(ap_store *store, ap_mapper *m, int full, ap_map_summary *out);

/* Technique counts of the store (after ap_store_map). */
typedef struct ap_technique_count {
    const char *id, *name, *tactics;
    uint64_t sessions;            /* sessions showing it (commands or events) */
    uint64_t commands;            /* command executions whose input shows it */
    uint64_t source_ips;
} ap_technique_count;
typedef struct ap_tactic_count {
    const char *id, *shortname, *name;
    uint64_t sessions;
    uint64_t techniques;          /* distinct techniques seen under it */
} ap_tactic_count;
typedef struct ap_technique_report {
    size_t ntechniques;
    ap_technique_count *techniques;   /* most sessions first */
    size_t ntactics;
    ap_tactic_count *tactics;         /* matrix order */
    char *version;                    /* mapping version of the stored results */
} ap_technique_report;
AP_API ap_status ap_store_techniques(ap_store *store, ap_mapper *m, ap_technique_report *out);
AP_API void ap_technique_report_free(ap_technique_report *r);

/* SSH public keys found in commands (injected into authorized_keys or only shown), with where
 * and when they were seen. */
typedef struct ap_key_report_entry {
    char *sha256, *md5, *type, *comment;
    unsigned bits;
    int injected;
    uint64_t sessions, source_ips;
    int64_t first_us, last_us;
    char *example_ip;             /* one source IP (the first seen) */
} ap_key_report_entry;
typedef struct ap_key_report {
    size_t nkeys;
    ap_key_report_entry *keys;    /* most sessions first */
    size_t nclient_keys;          /* cowrie.client.fingerprint: keys offered to log in */
    ap_key_report_entry *client_keys;
} ap_key_report;
AP_API ap_status ap_store_keys(ap_store *store, ap_key_report *out);
AP_API void ap_key_report_free(ap_key_report *r);

/* Session-level techniques of one session (from its events, see ap_store_map). */
typedef struct ap_event_technique {
    char *id, *rule, *reason, *detail;  /* detail: e.g. "14 attempts, 1 user, 14 passwords" */
} ap_event_technique;
typedef struct ap_event_techniques {
    size_t n;
    ap_event_technique *items;
} ap_event_techniques;
/* Looks the session up by its Cowrie id (sensor NULL = any sensor; AP_ERR_NOT_FOUND when none,
 * AP_ERR_ARG when several sensors have it and none was given). m (may be NULL) supplies each
 * rule's reason. */
AP_API ap_status ap_store_event_techniques(ap_store *store, ap_mapper *m, const char *sensor,
                                           const char *session, ap_event_techniques *out);
AP_API void ap_event_techniques_free(ap_event_techniques *t);

/* ---- clustering: incidents, campaigns, actors ---------------------------------------------- */

/* How sessions are grouped (see docs/clustering.md):
 *   AP_CLUSTER_LINKS   strong identifiers + behaviour (MinHash/LSH) + infrastructure, with
 *                      campaigns and actors (the default);
 *   AP_CLUSTER_DBSCAN  the seed project's recipe: per-incident feature vectors, StandardScaler,
 *                      cosine distance, DBSCAN (campaign = actor = DBSCAN cluster). */
typedef enum ap_cluster_method { AP_CLUSTER_LINKS = 0, AP_CLUSTER_DBSCAN = 1 } ap_cluster_method;

typedef struct ap_cluster_options {
    int64_t gap_us;            /* incident gap (default 30 min) */
    const char *asn_path;      /* ASN table: MaxMind .mmdb or iptoasn ip2asn TSV; NULL = none */
    ap_cluster_method method;
    double behaviour_jaccard;  /* links: min estimated Jaccard of behaviour (default 0.5) */
    double eps;                /* dbscan: cosine eps; <= 0 = the knee of the k-distance curve */
    int min_samples;           /* dbscan: default 3 */
    const char *kdist_plot;    /* dbscan: write the k-distance plot here (.png or .svg); NULL = no */
    int dry_run;               /* do not store the result (ids are still matched to the last run) */
    int fresh;                 /* links: ignore what the last run grouped (ids are still matched) */
    ap_diag_fn on_diag;        /* problems with the ASN table */
    void *user;
} ap_cluster_options;
AP_API void ap_cluster_options_init(ap_cluster_options *o);

/* One clustered session. campaign/actor 0 = the session's incident is linked to no other. */
typedef struct ap_cluster_session {
    const char *sensor, *session, *src_ip;
    int64_t incident, campaign, actor;
} ap_cluster_session;

/* One row of the campaign table. Lists are "; "-separated, most frequent first; strings are
 * attacker-controlled text (escape them for the sink). duration_hours counts whole hours from
 * the first seen hour to the last seen hour inclusive; score = incidents x criticality /
 * duration_hours. */
typedef struct ap_campaign {
    int64_t id, actor;
    uint64_t incidents, sessions, ips;
    int64_t first_us, last_us;
    double duration_hours, criticality, score;
    const char *primary_tactic; /* ATT&CK tactic shortname, "" when none */
    const char *techniques;     /* shared TTP set: techniques seen in at least half the incidents */
    const char *nets, *asns, *keys, *hashes, *urls;
} ap_campaign;

typedef struct ap_cluster_summary {
    uint64_t sessions, incidents, linked_incidents, campaigns, actors;
    uint64_t kept_campaign_ids, kept_actor_ids; /* ids carried over from the last run */
    uint64_t strong_identifiers, generic_identifiers;
    double dbscan_eps;                          /* dbscan: the eps used */
    double load_s, link_s, total_s;
} ap_cluster_summary;

typedef struct ap_cluster ap_cluster;

/* Clusters every stored session (the store must be open read-write unless opt->dry_run).
 * The result is stored (cluster_sessions, campaigns) with ids matched to the last run's.
 * Return values: AP_OK; AP_ERR_STORE; AP_ERR_IO / AP_ERR_FORMAT (the ASN table or plot; err
 * says which); AP_ERR_NOMEM. */
AP_API ap_status ap_cluster_run(ap_store *store, const ap_cluster_options *opt, ap_cluster **out,
                                char *err, size_t errlen);
AP_API const ap_cluster_summary *ap_cluster_summary_of(const ap_cluster *c);
/* Sessions in (source address, start) order; i < summary.sessions. */
AP_API void ap_cluster_session_at(const ap_cluster *c, size_t i, ap_cluster_session *out);
/* Campaigns, highest score first. */
AP_API size_t ap_cluster_campaign_count(const ap_cluster *c);
AP_API const ap_campaign *ap_cluster_campaign_at(const ap_cluster *c, size_t i);
/* Writes DIR/sessions.csv, DIR/campaign_clusters.csv and DIR/campaigns.csv (see
 * docs/clustering.md); attacker text is CSV-escaped and formula-neutralised.
 * Return values: AP_OK; AP_ERR_IO (err says which file). */
AP_API ap_status ap_cluster_write_csv(const ap_cluster *c, const char *dir, char *err,
                                      size_t errlen);
AP_API void ap_cluster_free(ap_cluster *c);

/* ---- feature matrix --------------------------------------------------------------------- */

/* Writes the per-incident feature matrix (the classes of docs/clustering.md) as CSV to out:
 * incident,src_ip,first_hour,last_hour,net,asn,client,credential_list,<features...>. Return values: AP_OK; AP_ERR_STORE;
 * AP_ERR_IO; AP_ERR_NOMEM. */
AP_API ap_status ap_features_write(ap_store *store, const ap_cluster_options *opt, FILE *out,
                                   char *err, size_t errlen);
/* Ranks the features by variance, mutual information and chi2 against labels (a truth CSV:
 * sensor,session,actor; NULL = variance only) and prints the table to out. */
AP_API ap_status ap_features_rank(ap_store *store, const ap_cluster_options *opt,
                                  const char *labels_path, FILE *out, int json, char *err,
                                  size_t errlen);

/* ---- evaluation against ground truth ------------------------------------------------------ */

typedef enum ap_eval_level { AP_EVAL_ACTOR = 0, AP_EVAL_CAMPAIGN = 1 } ap_eval_level;

typedef struct ap_eval_report {
    uint64_t truth_rows, bad_rows, noise, scored, missing; /* missing: truth sessions not stored */
    uint64_t truth_clusters, predicted_clusters;
    double pair_precision, pair_recall, pair_f1;
    double bcubed_precision, bcubed_recall, bcubed_f1;
    double ari;
} ap_eval_report;

/* Scores the stored clustering (the last `cluster` run) against a truth CSV
 * (sensor,session,actor[,campaign]). Sessions labelled "noise" are left out; a session whose
 * incident is linked to nothing counts as its own cluster.
 * Return values: AP_OK; AP_ERR_IO / AP_ERR_FORMAT (truth file); AP_ERR_NOT_FOUND (nothing
 * clustered yet); AP_ERR_ARG (campaign level without a campaign column); AP_ERR_STORE. */
AP_API ap_status ap_eval_truth(ap_store *store, const char *truth_path, ap_eval_level level,
                               ap_diag_fn on_diag, void *user, ap_eval_report *out, char *err,
                               size_t errlen);

/* ---- the campaign model: what exporters read ------------------------------------------------ */

/* The last stored clustering (`actorprint cluster`) with everything exporters need per campaign,
 * actor and incident: techniques with counts and examples, IOCs with counts and times, activity
 * per day. Built from the store in one pass; read-only afterwards (safe to read from several
 * threads). All strings are owned by the model and live until ap_model_close; most are
 * attacker-controlled: escape them for the sink. */
typedef struct ap_model ap_model;

typedef struct ap_model_options {
    const char *asn_path;        /* ASN table (.mmdb or ip2asn TSV) for the asn IOCs; NULL = none */
    const char *criticality_path;/* tactic criticality TSV (tactic<TAB>value) instead of the
                                    built-in data/cluster/tactic-criticality.tsv; NULL = built-in */
    ap_diag_fn on_diag;          /* problems in those files (file:line) */
    void *user;
} ap_model_options;
AP_API void ap_model_options_init(ap_model_options *o);

/* Return values: AP_OK; AP_ERR_NOT_FOUND (nothing clustered yet: err says to run `cluster`);
 * AP_ERR_IO / AP_ERR_FORMAT (ASN or criticality file); AP_ERR_STORE; AP_ERR_NOMEM. */
AP_API ap_status ap_model_open(ap_store *store, const ap_model_options *opt, ap_model **out,
                               char *err, size_t errlen);
AP_API void ap_model_close(ap_model *m);

typedef enum ap_model_ioc_kind {
    AP_MODEL_IOC_IP = 0,     /* source address */
    AP_MODEL_IOC_NET,        /* its /24 or /48 */
    AP_MODEL_IOC_ASN,        /* "AS14061 DIGITALOCEAN-ASN" (with an ASN table) */
    AP_MODEL_IOC_URL,        /* download URL or URL in a command */
    AP_MODEL_IOC_HOST,       /* host of such a URL, domain or IP in a command (C2, download server) */
    AP_MODEL_IOC_SHA256,     /* file hash: downloads, uploads, hashes in commands (lowercase hex) */
    AP_MODEL_IOC_SSH_KEY,    /* injected SSH key, "SHA256:..." as ssh-keygen -l prints it */
    AP_MODEL_IOC_CLIENT_KEY, /* key offered by the client at login (its logged fingerprint) */
    AP_MODEL_IOC_WALLET,     /* cryptocurrency wallet */
    AP_MODEL_IOC_TAG,        /* busybox tag or echo marker */
    AP_MODEL_IOC_CLIENT,     /* SSH client version string */
    AP_MODEL_IOC_HASSH,      /* HASSH (MD5 hex) */
    AP_MODEL_IOC_PASSWORD,   /* password tried (credential strategy) */
    AP_MODEL_IOC_USERNAME,   /* username tried */
    AP_MODEL_IOC_KIND_COUNT
} ap_model_ioc_kind;
/* "ip", "net", "asn", "url", "host", "sha256", "ssh-key", "client-key", "wallet", "tag",
 * "client", "hassh", "password", "username". */
AP_API const char *ap_model_ioc_kind_name(ap_model_ioc_kind k);

typedef struct ap_model_ioc {
    ap_model_ioc_kind kind;
    const char *value;
    uint64_t sessions, incidents;
    int64_t first_us, last_us;
} ap_model_ioc;

typedef struct ap_model_technique {
    const char *id;       /* "T1098.004" */
    const char *name;     /* from the ATT&CK table the mapping used */
    const char *tactics;  /* tactic shortnames, ';'-separated, e.g. "persistence;privilege-escalation" */
    uint64_t sessions, incidents;
    const char *example;  /* a normalised statement that showed it here, or NULL (event techniques) */
} ap_model_technique;

typedef struct ap_model_day {
    int64_t day_us;       /* 00:00 UTC of the day */
    uint64_t sessions;    /* sessions that started that day */
    uint64_t incidents;   /* incidents that started that day */
} ap_model_day;

typedef struct ap_model_campaign {
    int64_t id, actor;                 /* C-id, A-actor (actor 0: none) */
    uint64_t incidents, sessions;
    int64_t first_us, last_us;
    double duration_hours;             /* whole hours, first to last inclusive */
    double criticality;                /* highest tactic criticality of its shared techniques */
    double score;                      /* incidents x criticality / duration_hours */
    const char *primary_tactic;        /* "" when none */
    const ap_model_technique *techniques; /* most sessions first */
    size_t ntechniques;
    const ap_model_ioc *iocs;          /* ordered by kind, then most sessions first */
    size_t niocs;
    const ap_model_day *days;          /* days with activity, in order */
    size_t ndays;
    const size_t *incidents_idx;       /* indices for ap_model_incident_at, in time order */
    size_t nincidents_idx;
} ap_model_campaign;

typedef struct ap_model_actor {
    int64_t id;
    uint64_t incidents, sessions;
    int64_t first_us, last_us;
    const int64_t *campaigns;          /* its campaign ids, oldest first */
    size_t ncampaigns;
    const ap_model_technique *techniques;
    size_t ntechniques;
    const ap_model_ioc *iocs;
    size_t niocs;
} ap_model_actor;

typedef struct ap_model_incident {
    int64_t id, campaign, actor;       /* I-id; campaign/actor 0 = linked to nothing */
    const char *src_ip, *net, *asn;    /* asn "" without an ASN table */
    const char *client, *hassh;        /* of its first session with one, or "" */
    int64_t first_us, last_us;
    uint64_t sessions;
} ap_model_incident;

/* Campaigns in campaign_score order (highest first); actors and incidents in id order. The
 * *_find functions return NULL when there is no such id. */
AP_API size_t ap_model_campaign_count(const ap_model *m);
AP_API const ap_model_campaign *ap_model_campaign_at(const ap_model *m, size_t i);
AP_API const ap_model_campaign *ap_model_campaign_find(const ap_model *m, int64_t id);
AP_API size_t ap_model_actor_count(const ap_model *m);
AP_API const ap_model_actor *ap_model_actor_at(const ap_model *m, size_t i);
AP_API const ap_model_actor *ap_model_actor_find(const ap_model *m, int64_t id);
AP_API size_t ap_model_incident_count(const ap_model *m);
AP_API const ap_model_incident *ap_model_incident_at(const ap_model *m, size_t i);

/* The whole dataset: every technique with its counts, the first and last event, the totals. */
typedef struct ap_model_dataset {
    uint64_t sessions, incidents, campaigns, actors;
    int64_t first_us, last_us;
    const ap_model_technique *techniques;
    size_t ntechniques;
    const char *attack_version;        /* "18.1" or the bundle's */
} ap_model_dataset;
AP_API const ap_model_dataset *ap_model_dataset_of(const ap_model *m);

/* ---- sharing: exports, alerts, report --------------------------------------------------- */

typedef enum ap_export_format {
    AP_EXPORT_NAVIGATOR = 0, /* ATT&CK Navigator layer 4.5 JSON (docs/export-navigator.md) */
    AP_EXPORT_STIX,          /* STIX 2.1 bundle (docs/export-stix.md) */
    AP_EXPORT_MISP,          /* MISP core format events (docs/export-misp.md) */
    AP_EXPORT_NEO4J,         /* neo4j-admin import CSVs + Cypher LOAD CSV script (docs/export-neo4j.md) */
    AP_EXPORT_GRAPHML,       /* GraphML for Gephi/Cytoscape */
    AP_EXPORT_SPLUNK,        /* Splunk lookup CSV (docs/export-splunk.md) */
    AP_EXPORT_FORMAT_COUNT
} ap_export_format;
/* "navigator", "stix", "misp", "neo4j", "graphml", "splunk"; NULL for an unknown value. */
AP_API const char *ap_export_format_name(ap_export_format f);
/* Returns 0 and sets *out for a known name, -1 otherwise. */
AP_API int ap_export_format_parse(const char *name, ap_export_format *out);

typedef struct ap_export_options {
    ap_export_format format;
    int64_t campaign;  /* > 0: only this campaign (C-n) */
    int64_t actor;     /* > 0: only this actor (A-n) and its campaigns */
    /* Where to write. Formats that make one file (stix, misp, graphml, splunk, navigator with
     * one campaign/actor) write to this file, or standard output when NULL or "-"; formats that
     * make several (neo4j; navigator for everything: one layer per campaign and actor plus one
     * for the dataset) write into this directory, created when missing (required). */
    const char *out;
    const char *producer; /* tool name in outputs, default "actorprint" */
} ap_export_options;
AP_API void ap_export_options_init(ap_export_options *o);

/* Writes the export. Return values: AP_OK; AP_ERR_NOT_FOUND (no such campaign/actor; err says
 * which); AP_ERR_ARG (a directory is required and out is missing or "-"); AP_ERR_IO (err says
 * which path); AP_ERR_NOMEM. */
AP_API ap_status ap_export(const ap_model *m, const ap_export_options *opt, char *err,
                           size_t errlen);

/* ---- simulated logs ---------------------------------------------------------------------- */

/* Writes realistic Cowrie JSON logs from several kinds of simulated attacker (see docs/simulator.md)
 * into `dir`: one file per sensor and day (cowrie.json.YYYY-MM-DD under DIR/SENSOR/), plus the
 * ground truth DIR/truth.csv (sensor,session,actor,campaign). Deterministic for a given seed. */
typedef struct ap_sim_options {
    uint64_t seed;
    unsigned sensors;        /* default 3 */
    unsigned days;           /* default 7 */
    const char *start_date;  /* "YYYY-MM-DD", default "2024-03-01" */
    double scale;            /* multiplies the number of sessions; 1.0 ≈ 20k sessions/day over all sensors */
    uint64_t target_bytes;   /* when non-zero, keep adding days until about this many bytes are written */
    int gzip;                /* write .gz files (except the newest day, as Cowrie does) */
} ap_sim_options;

typedef struct ap_sim_summary {
    uint64_t files, bytes, events, sessions, actors, campaigns;
} ap_sim_summary;

AP_API void ap_sim_options_init(ap_sim_options *o);
AP_API ap_status ap_simulate(const char *dir, const ap_sim_options *opt, ap_sim_summary *out,
                             char *err, size_t errlen);

/* ---- time -------------------------------------------------------------------------------- */

/* Parses an ISO-8601/RFC 3339 timestamp ("2020-02-22T07:57:41.672346Z", "+00:00" offsets, a
 * bare date "2020-02-22") into microseconds since the epoch (UTC). */
AP_API ap_status ap_parse_time(const char *s, size_t len, int64_t *out_us);

/* Formats microseconds since the epoch as "2020-02-22T07:57:41.672346Z" into buf (≥ 32 bytes). */
AP_API void ap_format_time(int64_t us, char *buf, size_t buflen);

#ifdef __cplusplus
}
#endif
#endif
