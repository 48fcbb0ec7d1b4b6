/* commands.c — the one source of truth for actorprint's command line: every command, its
 * options, exit codes and examples. `--help`, `actorprint help CMD`, the man page
 * (man/actorprint.1 = `actorprint --man`) and docs/cli.md (= `actorprint --markdown`) are all
 * rendered from these tables by doc.c, and option parsing (args.c) builds getopt_long's table
 * from them, so documentation and behaviour cannot drift apart. Data only: no logic here. */
#include "cli.h"

#include <string.h>

#define N_(a) (sizeof(a) / sizeof((a)[0]))
#define BIT CLI_EXIT_BIT

const char cli_summary[] = "profile threat actors from honeypot logs";

const char cli_description[] =
    "actorprint reads Cowrie honeypot JSON logs into a local SQLite store (`actorprint ingest`), "
    "and answers questions about what was captured: overall numbers (`actorprint stats`) and "
    "every session with its logins, commands, file transfers, keys and port forwards "
    "(`actorprint sessions`). `actorprint simulate` writes realistic synthetic logs for "
    "testing.\n"
    "\n"
    "Ingest is incremental and lossless: a re-run reads only what was appended since the last "
    "run, an event seen twice (overlapping rotated files) is stored once, and lines that cannot "
    "be understood are reported, counted and kept in the store rather than silently dropped.\n"
    "\n"
    "Every command takes `--help`. The store defaults to `" CLI_DEFAULT_DB "`; use `--db FILE` "
    "to choose another.";

const cli_option cli_help_option = {CLI_OPT_HELP, "help", 'h', NULL, "Show this help and exit.",
                                    NULL, 0};

const cli_option cli_global_options[] = {
    {CLI_OPT_HELP, "help", 'h', NULL, "Show the list of commands and exit.", NULL, 0},
    {CLI_OPT_HELP, "version", 'V', NULL, "Print the program version and exit.", NULL, 0},
};
const size_t cli_nglobal_options = N_(cli_global_options);

/* ---- help ---- */

static const cli_example help_examples[] = {
    {"help sessions", "Show the options of the sessions command."},
};

/* ---- ingest ---- */

static const cli_option ingest_options[] = {
    {CLI_OPT_DB, "db", 0, "FILE", "The store to write; created when missing.", CLI_DEFAULT_DB, 0},
    {CLI_OPT_QUIET, "quiet", 'q', NULL,
     "Print only errors: no progress bar, no warnings, no summary.", NULL, 0},
    {CLI_OPT_THREADS, "threads", 'j', "N",
     "Worker threads: 0 chooses automatically (parse and store on two threads), 1 does "
     "everything on one.",
     "0", 0},
    {CLI_OPT_MAX_LINE, "max-line", 0, "BYTES",
     "Longest accepted log line (K, M suffixes allowed). Longer lines are skipped and counted as "
     "bad lines with reason `line_too_long`.",
     "1M", 0},
    {CLI_OPT_COMMIT_EVERY, "commit-every", 0, "BYTES",
     "Commit to the store after this much input (K, M, G suffixes). A run that is killed "
     "resumes from its last commit; smaller values lose less work and run slower.",
     "256M", 0},
    {CLI_OPT_INCLUDE, "include", 0, "GLOB",
     "Inside directories, read only files whose name matches this fnmatch(3) pattern (a Cowrie log "
     "folder also holds cowrie.log, tty/ and downloads/). Files named on the command line are "
     "always read.",
     "*.json*", 0},
    {CLI_OPT_NO_MAP, "no-map", 0, NULL,
     "Only store the events: do not map new commands to ATT&CK techniques, IOCs and SSH keys "
     "afterwards (`actorprint remap` does it later).",
     NULL, 0},
    {CLI_OPT_RULES, "rules", 0, "FILE",
     "ATT&CK rules to map with instead of the built-in ones (format: docs/attack-rules.md).",
     NULL, 0},
    {CLI_OPT_ATTACK, "attack", 0, "FILE",
     "A newer ATT&CK Enterprise STIX 2.1 bundle (enterprise-attack.json) to use instead of the "
     "built-in v18.1 table; rules naming revoked or deprecated techniques are reported.",
     NULL, 0},
};

static const cli_example ingest_examples[] = {
    {"ingest /var/log/cowrie/", "Read every log under the directory, compressed or not."},
    {"ingest --db sweetie.db cowrie.json.2019-05-*.gz",
     "Read a month of rotated logs into sweetie.db; run it again later and only new lines are "
     "read."},
    {"ingest - < cowrie.json", "Read from standard input."},
};

/* ---- stats ---- */

static const cli_option stats_options[] = {
    {CLI_OPT_DB, "db", 0, "FILE", "The store to read.", CLI_DEFAULT_DB, 0},
    {CLI_OPT_JSON, "json", 0, NULL,
     "Print one JSON object with the keys events, sessions, sensors, source_ips, "
     "sessions_with_commands, commands, logins_ok, logins_failed, downloads, uploads, "
     "distinct_hassh, client_keys, tcp_forwards, unknown_events, files, first_seen, last_seen, "
     "bad_lines and bad_lines_by_reason.",
     NULL, 0},
};

static const cli_example stats_examples[] = {
    {"stats", "Numbers of ./actorprint.db as a table."},
    {"stats --json --db sweetie.db", "The same as JSON, for scripts."},
};

/* ---- sessions ---- */

static const cli_option sessions_options[] = {
    {CLI_OPT_DB, "db", 0, "FILE", "The store to read.", CLI_DEFAULT_DB, 0},
    {CLI_OPT_JSON, "json", 0, NULL, "Print JSON lines: one object per session, with nested arrays.",
     NULL, 0},
    {CLI_OPT_IP, "ip", 0, "ADDR", "Only sessions from this source IP address.", NULL, 0},
    {CLI_OPT_SENSOR, "sensor", 0, "NAME", "Only sessions seen by this sensor.", NULL, 0},
    {CLI_OPT_SINCE, "since", 0, "TIME",
     "Only sessions starting at or after TIME (ISO 8601: `2019-05-18`, "
     "`2019-05-18T07:57:41Z`, offsets like `+02:00`; UTC when no offset is given).",
     NULL, 0},
    {CLI_OPT_UNTIL, "until", 0, "TIME",
     "Only sessions starting before TIME; `--until 2019-05-19` ends with May 18.", NULL, 0},
    {CLI_OPT_WITH_COMMANDS, "with-commands", 'c', NULL, "Only sessions in which commands were run.",
     NULL, 0},
    {CLI_OPT_LIMIT, "limit", 'n', "N", "Print at most N sessions.", NULL, 0},
};

static const cli_example sessions_examples[] = {
    {"sessions --with-commands --since 2019-05-18 --limit 20",
     "The first 20 sessions with commands since May 18."},
    {"sessions --ip 203.0.113.7", "Everything one address did."},
    {"sessions --json | jq -r 'select(.logins[].success) | .src_ip'",
     "Addresses that logged in successfully."},
};

/* ---- map, explain, techniques, keys, remap ---- */

#define RULES_OPTIONS                                                                            \
    {CLI_OPT_RULES, "rules", 0, "FILE",                                                          \
     "ATT&CK rules to map with instead of the built-in ones (format: docs/attack-rules.md).",    \
     NULL, 0},                                                                                   \
    {CLI_OPT_ATTACK, "attack", 0, "FILE",                                                        \
     "A newer ATT&CK Enterprise STIX 2.1 bundle (enterprise-attack.json) instead of the "        \
     "built-in v18.1 table; rules naming revoked or deprecated techniques are reported.",        \
     NULL, 0}

static const cli_option map_options[] = {
    {CLI_OPT_JSON, "json", 0, NULL,
     "Print one JSON object per input line: line, input, statements (text, start, end, depth, "
     "via, parent, cmd, normal, techniques with id, name, tactics and rule), iocs, keys, "
     "truncated.",
     NULL, 0},
    RULES_OPTIONS,
};

static const cli_example map_examples[] = {
    {"map <<< 'cd ~; chattr -ia .ssh; lockr -ia .ssh'",
     "Three statements: a directory change and two file-attribute changes (T1222.002)."},
    {"map --json < commands.txt", "Map a file of command lines, one JSON object per line."},
    {"map < cowrie.json", "Map the commands of a Cowrie log; other events are skipped."},
};

static const cli_option explain_options[] = {
    {CLI_OPT_DB, "db", 0, "FILE", "The store to read.", CLI_DEFAULT_DB, 0},
    {CLI_OPT_SENSOR, "sensor", 0, "NAME",
     "The sensor of the session, when several sensors logged the same session id.", NULL, 0},
    {CLI_OPT_JSON, "json", 0, NULL, "Print one JSON object.", NULL, 0},
    RULES_OPTIONS,
};

static const cli_example explain_examples[] = {
    {"explain 4e2b8f0a1c3d", "Why each technique of that session was assigned."},
};

static const cli_option techniques_options[] = {
    {CLI_OPT_DB, "db", 0, "FILE", "The store to read.", CLI_DEFAULT_DB, 0},
    {CLI_OPT_JSON, "json", 0, NULL,
     "Print one JSON object: version, techniques (id, name, tactics, sessions, commands, "
     "source_ips) and tactics (id, shortname, name, sessions, techniques).",
     NULL, 0},
    RULES_OPTIONS,
};

static const cli_example techniques_examples[] = {
    {"techniques", "Technique and tactic counts of ./actorprint.db."},
};

static const cli_option keys_options[] = {
    {CLI_OPT_DB, "db", 0, "FILE", "The store to read.", CLI_DEFAULT_DB, 0},
    {CLI_OPT_JSON, "json", 0, NULL,
     "Print JSON lines: source (command or client), type, bits, sha256, md5, comment, injected, "
     "sessions, source_ips, first_seen, last_seen, example_ip.",
     NULL, 0},
};

static const cli_example keys_examples[] = {
    {"keys", "Every SSH key seen, most used first."},
    {"keys --json | jq -r 'select(.injected) | .sha256'", "Fingerprints of injected keys."},
};

static const cli_option remap_options[] = {
    {CLI_OPT_DB, "db", 0, "FILE", "The store to update.", CLI_DEFAULT_DB, 0},
    {CLI_OPT_QUIET, "quiet", 'q', NULL, "Print nothing but errors.", NULL, 0},
    RULES_OPTIONS,
};

static const cli_example remap_examples[] = {
    {"remap --rules my.rules", "Recompute every technique with a rules file of your own."},
};

static const cli_option eval_mapper_options[] = {
    {CLI_OPT_JSON, "json", 0, NULL,
     "Print one JSON object: lines, bad_lines, statements, exact, tp, fp, fn, micro and macro "
     "precision/recall/f1, techniques (id, name, tp, fp, fn, precision, recall, f1) and, with "
     "`--misses`, misses (line, input, expected, predicted, note).",
     NULL, 0},
    {CLI_OPT_ERRORS, "misses", 0, NULL, "Also list every line whose techniques differ from its label.",
     NULL, 0},
    RULES_OPTIONS,
};

static const cli_example eval_mapper_examples[] = {
    {"eval-mapper tests/corpus/mapper.tsv", "Scores of the built-in rules on the project's corpus."},
    {"eval-mapper --misses --rules my.rules tests/corpus/mapper.tsv",
     "What a rules file of your own gets wrong."},
};

/* ---- simulate ---- */

static const cli_option simulate_options[] = {
    {CLI_OPT_OUT, "out", 'o', "DIR",
     "Directory to write to (created when missing): DIR/SENSOR/cowrie.json.YYYY-MM-DD per sensor "
     "and day, and the ground truth DIR/truth.csv.",
     NULL, 1},
    {CLI_OPT_SEED, "seed", 0, "N", "Random seed; the same seed writes the same logs.", "1", 0},
    {CLI_OPT_DAYS, "days", 0, "N", "Number of days.", "7", 0},
    {CLI_OPT_SENSORS, "sensors", 0, "N", "Number of sensors.", "3", 0},
    {CLI_OPT_SCALE, "scale", 0, "X",
     "Multiplies the number of sessions; 1.0 is about 20,000 sessions a day over all sensors.",
     "1.0", 0},
    {CLI_OPT_SIZE, "size", 0, "BYTES",
     "Keep adding days until about this much is written (K, M, G, T suffixes, powers of 1024); "
     "overrides `--days`.",
     NULL, 0},
    {CLI_OPT_GZIP, "gzip", 0, NULL, "Compress every day but the newest, as Cowrie's rotation does.",
     NULL, 0},
    {CLI_OPT_START, "start", 0, "DATE", "First day, YYYY-MM-DD.", "2024-03-01", 0},
};

static const cli_example simulate_examples[] = {
    {"simulate --out /tmp/sim", "A week of logs from three sensors."},
    {"simulate --out /tmp/big --size 2G --gzip --seed 7",
     "About 2 GiB of rotated, compressed logs for a benchmark."},
};

/* ---- the commands ---- */

#define ALL_READ_EXITS (BIT(0) | BIT(2) | BIT(3) | BIT(5))

/* ---- cluster, run, eval, features ---- */

#define CLUSTER_OPTIONS                                                                          \
    {CLI_OPT_OUT, "out", 'o', "DIR",                                                             \
     "Write sessions.csv, campaign_clusters.csv and campaigns.csv into DIR (created when "       \
     "missing).",                                                                                \
     NULL, 0},                                                                                   \
        {CLI_OPT_METHOD, "method", 0, "NAME",                                                    \
         "`links`: strong identifiers, behaviour (MinHash/LSH) and infrastructure, with "        \
         "campaigns and actors. `dbscan`: the seed project's recipe (scaled feature vectors, "   \
         "cosine distance, DBSCAN; campaign = actor = cluster), kept as a baseline.",            \
         "links", 0},                                                                            \
        {CLI_OPT_GAP, "gap", 0, "MINUTES",                                                       \
         "An incident is the sessions of one source address with no gap longer than this.",     \
         "30", 0},                                                                               \
        {CLI_OPT_ASN, "asn", 0, "FILE",                                                          \
         "Autonomous-system table for the infrastructure fingerprint: a MaxMind/DB-IP ASN "      \
         "`.mmdb` or an iptoasn.com `ip2asn` TSV (see docs/asn.md). Nothing is looked up "       \
         "online.",                                                                              \
         NULL, 0},                                                                               \
        {CLI_OPT_JACCARD, "jaccard", 0, "X",                                                     \
         "links: the estimated Jaccard similarity of behaviour above which two incidents with "  \
         "the same tooling are one campaign.",                                                   \
         "0.5", 0},                                                                              \
        {CLI_OPT_EPS, "eps", 0, "X",                                                             \
         "dbscan: the cosine distance radius, or `auto` for the knee of the k-distance curve.",  \
         "0.3", 0},                                                                              \
        {CLI_OPT_MIN_SAMPLES, "min-samples", 0, "N",                                             \
         "dbscan: neighbours (itself included) that make an incident a core point.", "3", 0},    \
        {CLI_OPT_PLOT, "kdist-plot", 0, "FILE",                                                  \
         "dbscan: draw the k-distance curve with the knee and eps marked (`.png` or `.svg`).",   \
         NULL, 0},                                                                               \
        {CLI_OPT_FRESH, "fresh", 0, NULL,                                                        \
         "links: ignore what the last run grouped together (by default incidents that shared a " \
         "campaign or actor stay together, so new data extends clusters instead of splitting "   \
         "them). Numbers are still matched to the last run's.",                                  \
         NULL, 0},                                                                               \
        {CLI_OPT_LIMIT, "limit", 'n', "N", "Campaigns shown in the table.", "20", 0},             \
        {CLI_OPT_JSON, "json", 0, NULL,                                                          \
         "Print the summary and the campaign table as one JSON object.", NULL, 0},               \
        {CLI_OPT_QUIET, "quiet", 'q', NULL, "No summary line on standard error.", NULL, 0}

static const cli_option cluster_options[] = {
    {CLI_OPT_DB, "db", 0, "FILE", "The store to read and to keep the result in.", CLI_DEFAULT_DB,
     0},
    CLUSTER_OPTIONS,
    {CLI_OPT_DRY_RUN, "dry-run", 0, NULL,
     "Do not store the result: ids are matched to the last run but not kept (the store is "
     "opened read-only).",
     NULL, 0},
};

static const cli_example cluster_examples[] = {
    {"cluster --out report/", "Cluster ./actorprint.db and write the three CSV files."},
    {"cluster --method dbscan --eps auto --kdist-plot kdist.png",
     "The seed recipe, eps at the knee of the k-distance curve, with the curve drawn."},
};

static const cli_option run_options[] = {
    {CLI_OPT_DB, "db", 0, "FILE", "The store; created when missing.", CLI_DEFAULT_DB, 0},
    {CLI_OPT_THREADS, "threads", 'j', "N", "Ingest worker threads (see `actorprint ingest`).",
     "0", 0},
    CLUSTER_OPTIONS,
};

static const cli_example run_examples[] = {
    {"run --out report/ /var/log/cowrie/",
     "Ingest new log lines, map them, cluster everything, write report/*.csv and show the "
     "campaigns."},
};

static const cli_option eval_options[] = {
    {CLI_OPT_DB, "db", 0, "FILE", "The store whose last clustering is scored.", CLI_DEFAULT_DB, 0},
    {CLI_OPT_TRUTH, "truth", 0, "FILE",
     "The truth: CSV with a header naming `sensor`, `session` and `actor` (and optionally "
     "`campaign`), one row per session.",
     NULL, 1},
    {CLI_OPT_LEVEL, "level", 0, "LEVEL", "Score actors or campaigns.", "actor", 0},
    {CLI_OPT_JSON, "json", 0, NULL, "Print one JSON object.", NULL, 0},
};

static const cli_example eval_examples[] = {
    {"eval --truth sim/truth.csv", "Actor-level scores of the last `cluster` run."},
    {"eval --truth sim/truth.csv --level campaign --json", "Campaign level, as JSON."},
};

static const cli_option features_options[] = {
    {CLI_OPT_DB, "db", 0, "FILE", "The store to read.", CLI_DEFAULT_DB, 0},
    {CLI_OPT_OUT, "out", 'o', "FILE", "Write the matrix as CSV (`-`: standard output).", NULL, 0},
    {CLI_OPT_RANK, "rank", 0, NULL,
     "Rank the features by variance, mutual information and chi2 (best first).", NULL, 0},
    {CLI_OPT_LABELS, "labels", 0, "FILE",
     "Labels for --rank: a truth CSV (`sensor,session,actor`); an incident takes its sessions' "
     "most common actor, `noise` is left out. Without labels only the variance ranks.",
     NULL, 0},
    {CLI_OPT_GAP, "gap", 0, "MINUTES", "Incident gap.", "30", 0},
    {CLI_OPT_ASN, "asn", 0, "FILE", "Autonomous-system table (see `cluster`).", NULL, 0},
    {CLI_OPT_JSON, "json", 0, NULL, "Print the ranking as JSON.", NULL, 0},
};

static const cli_example features_examples[] = {
    {"features --out features.csv", "The per-incident feature matrix."},
    {"features --rank --labels sim/truth.csv", "Which features separate the known actors."},
};

/* ---- export ---- */

static const cli_option export_options[] = {
    {CLI_OPT_FORMAT, "format", 'f', "FORMAT",
     "`navigator` (ATT&CK Navigator layer 4.5), `stix` (STIX 2.1 bundle), `misp` (MISP core "
     "format events), `neo4j` (neo4j-admin import CSVs and a Cypher script), `graphml` (Gephi, "
     "Cytoscape) or `splunk` (lookup CSV).",
     NULL, 1},
    {CLI_OPT_CAMPAIGN, "campaign", 'c', "ID", "Only this campaign (C-12).", NULL, 0},
    {CLI_OPT_ACTOR, "actor", 'a', "ID", "Only this actor (A-3) and its campaigns.", NULL, 0},
    {CLI_OPT_ALL, "all", 0, NULL, "Everything (the default).", NULL, 0},
    {CLI_OPT_OUT, "out", 'o', "PATH",
     "The output file (`-`: standard output, the default), or the directory for formats that "
     "write several files (neo4j; navigator without --campaign or --actor).",
     NULL, 0},
    {CLI_OPT_DB, "db", 0, "FILE", "The store whose last clustering is exported.", CLI_DEFAULT_DB,
     0},
    {CLI_OPT_ASN, "asn", 0, "FILE", "Autonomous-system table for ASN nodes and attributes.", NULL,
     0},
};

static const cli_example export_examples[] = {
    {"export --format navigator --out layers/", "One layer per campaign and actor, and one for all."},
    {"export --format stix --campaign C-12 --out c12.json", "One campaign as a STIX 2.1 bundle."},
    {"export --format neo4j --out graph/", "CSVs for neo4j-admin, and graph/import.cypher."},
};

/* ---- serve ---- */

static const cli_option serve_options[] = {
    {CLI_OPT_TAXII, "taxii", 0, NULL,
     "Serve the last clustering as a read-only TAXII 2.1 collection (`actorprint` under "
     "`/api/`).",
     NULL, 0},
    {CLI_OPT_LISTEN, "listen", 0, "ADDR",
     "The IPv4 or IPv6 address to listen on. Anything but a loopback address exposes the "
     "collection to the network without authentication.",
     "127.0.0.1", 0},
    {CLI_OPT_PORT, "port", 0, "N", "The TCP port (0: any free port, printed at start).", "9000",
     0},
    {CLI_OPT_DB, "db", 0, "FILE", "The store whose last clustering is served.", CLI_DEFAULT_DB, 0},
    {CLI_OPT_ASN, "asn", 0, "FILE", "Autonomous-system table (see `cluster`).", NULL, 0},
    {CLI_OPT_QUIET, "quiet", 'q', NULL, "Do not print the address at start and stop.", NULL, 0},
};

static const cli_example serve_examples[] = {
    {"serve --taxii", "Discovery at http://127.0.0.1:9000/taxii2/ until Ctrl-C."},
    {"serve --taxii --port 0 --db honeypot.db", "Any free port (printed at start)."},
};

/* ---- alerts, report ---- */

static const cli_option alerts_options[] = {
    {CLI_OPT_DB, "db", 0, "FILE", "The store whose last clustering is read.", CLI_DEFAULT_DB, 0},
    {CLI_OPT_WINDOW, "window", 0, "LENGTH",
     "Length of the window, which ends at the last stored event (or `--now`): a whole number "
     "with s, m, h, d or w (`90m`, `24h`, `7d`); a bare number is seconds.",
     "24h", 0},
    {CLI_OPT_MIN_INCIDENTS, "min-incidents", 0, "N",
     "Alert on campaigns with at least N incidents that started inside the window.", "3", 0},
    {CLI_OPT_NOW, "now", 0, "TIME",
     "End the window at TIME (ISO 8601) instead of at the last stored event.", NULL, 0},
    {CLI_OPT_SYSLOG, "syslog", 0, NULL,
     "Also send each alert to syslog(3) as one line of text (ident `actorprint`, facility user, "
     "priority warning), attacker text escaped as for a terminal.",
     NULL, 0},
    {CLI_OPT_CRITICALITY, "criticality", 0, "FILE",
     "Tactic criticality for the risk score: lines `TACTIC<TAB>VALUE`, as in the built-in "
     "data/cluster/tactic-criticality.tsv.",
     NULL, 0},
    {CLI_OPT_ASN, "asn", 0, "FILE", "Autonomous-system table (see `cluster`) for ASN indicators.",
     NULL, 0},
    {CLI_OPT_QUIET, "quiet", 'q', NULL, "Print no summary line on standard error.", NULL, 0},
};

static const cli_example alerts_examples[] = {
    {"alerts", "Campaigns with 3 or more new incidents in the last 24 hours of data."},
    {"alerts --window 7d --min-incidents 20 --syslog -q",
     "A week's growth, also sent to syslog, without the summary line."},
    {"alerts --now 2024-03-02T00:00:00Z", "The alerts as they stood at midnight of 2024-03-02."},
};

static const cli_option report_options[] = {
    {CLI_OPT_OUT, "out", 'o', "DIR",
     "Write report.html, report.md and kdist.svg into DIR (created when missing).", NULL, 1},
    {CLI_OPT_DB, "db", 0, "FILE", "The store whose last clustering is read.", CLI_DEFAULT_DB, 0},
    {CLI_OPT_LIMIT, "limit", 'n', "N",
     "Campaigns (highest score first) and actors in the tables, the heat map and the "
     "per-campaign sections; 0 shows all.",
     "20", 0},
    {CLI_OPT_ASN, "asn", 0, "FILE",
     "Autonomous-system table (see `cluster`) for ASN indicators and the k-distance plot.", NULL,
     0},
    {CLI_OPT_CRITICALITY, "criticality", 0, "FILE",
     "Tactic criticality for the risk score (see `alerts`).", NULL, 0},
    {CLI_OPT_NO_KDIST, "no-kdist", 0, NULL,
     "Leave out the k-distance plot, which needs a DBSCAN dry run over every stored incident.",
     NULL, 0},
    {CLI_OPT_QUIET, "quiet", 'q', NULL, "Print only errors.", NULL, 0},
};

static const cli_example report_examples[] = {
    {"report --out report/", "Write report/report.html and report/report.md."},
    {"report --out report/ -n 0 --no-kdist", "Every campaign, without the k-distance plot."},
};

const cli_command cli_commands[] = {
    {"ingest", "Read Cowrie JSON logs into the store", "PATH...",
     "Reads each PATH (a file, a directory read recursively, or `-` for standard input) into the "
     "store. Plain, gzip, bzip2 and zstd files are recognised from their content, not their name. "
     "Files already read are skipped; a file that has grown is read from where the last run "
     "stopped, and a rotated file is recognised by its content.\n"
     "\n"
     "Problems in the input are reported on standard error as `FILE:LINE: warning: MESSAGE` and "
     "the line is skipped; after 20 messages with the same reason the rest are only counted. "
     "Skipped lines do not make the command fail: they are counted by reason in the store and "
     "shown by `actorprint stats`. A file that cannot be read to the end (missing, unreadable, "
     "truncated or corrupt archive) is reported as an error; everything readable is still "
     "ingested and the exit status is 1.\n"
     "\n"
     "When standard error is a terminal a progress bar shows the bytes read, the throughput, "
     "events per second and the time left. At the end a one-line summary is printed.\n"
     "\n"
     "SIGINT (Ctrl-C) or SIGTERM stops the ingest at a clean point: what was committed stays in "
     "the store and the next run continues from there (exit status 4). A second signal ends the "
     "program at once; the store is still consistent.",
     ingest_options, N_(ingest_options), BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5),
     ingest_examples, N_(ingest_examples), cli_cmd_ingest},
    {"stats", "Show what the store holds", NULL,
     "Prints the numbers of the store: events, sessions, sensors, source addresses, logins, "
     "commands, transfers, keys and forwards, the time range covered, the files read and the bad "
     "lines by reason.",
     stats_options, N_(stats_options), ALL_READ_EXITS, stats_examples, N_(stats_examples),
     cli_cmd_stats},
    {"sessions", "List sessions with everything that happened in them", NULL,
     "Prints the sessions matching the filters, oldest first. The text form has one block per "
     "session: a header line (start time, sensor, session id, protocol, source and destination, "
     "duration, client version, HASSH) followed by indented lines for logins, commands, file "
     "transfers, client keys and port forwards, each with its time since the session start.\n"
     "\n"
     "Everything in a session comes from the attacker. In text form, control characters, escape "
     "sequences, invalid UTF-8 and bidirectional overrides are shown as `\\xNN` or `\\uXXXX`, "
     "so nothing printed can act on the terminal; backslashes typed by the attacker are shown "
     "as typed. The JSON form is exact: strings are escaped and always valid UTF-8 (invalid "
     "bytes become U+FFFD).",
     sessions_options, N_(sessions_options), ALL_READ_EXITS | BIT(1), sessions_examples,
     N_(sessions_examples), cli_cmd_sessions},
    {"map", "Map shell input to ATT&CK techniques, IOCs and SSH keys", NULL,
     "Reads standard input line by line: each line is either the input of one command as an "
     "attacker typed it, or a Cowrie JSON log line (whose command input is mapped; other events "
     "are skipped). For every line it prints the statements a shell would run: split at `;`, "
     "`&&`, `||`, `|`, `&` and newlines outside quotes, with `sh -c`, `eval`, `$(...)`, loops "
     "and `echo ... | base64 -d | sh` unwrapped and decoded, each with its byte range in the "
     "line, the ATT&CK techniques it shows and the rule that assigned each, then the IOCs (URLs, "
     "hosts, addresses, hashes, wallets, busybox tags) and SSH public keys (type, bits, "
     "SHA256 and MD5 fingerprints as `ssh-keygen -l` prints them) in the line. Nothing is "
     "executed or fetched.",
     map_options, N_(map_options), BIT(0) | BIT(1) | BIT(2) | BIT(5), map_examples,
     N_(map_examples), cli_cmd_map},
    {"explain", "Explain the techniques of one session", "SESSION",
     "Prints one session: each command with its statements, techniques, IOCs and keys, and for "
     "every technique the rule and the reason it was assigned; then the techniques of the "
     "session's events (successful logins, the brute-force pattern of its source address over "
     "all its sessions, port forwards, file transfers, client keys).",
     explain_options, N_(explain_options), BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(5),
     explain_examples, N_(explain_examples), cli_cmd_explain},
    {"techniques", "Count ATT&CK techniques and tactics in the store", NULL,
     "Prints, for every ATT&CK technique seen, the sessions, command executions and source "
     "addresses that show it, most sessions first; then the sessions and distinct techniques "
     "per tactic in matrix order.",
     techniques_options, N_(techniques_options), ALL_READ_EXITS, techniques_examples,
     N_(techniques_examples), cli_cmd_techniques},
    {"keys", "List SSH public keys: injected, shown, or offered by clients", NULL,
     "Prints the SSH public keys found in commands (mostly written to `authorized_keys`, the "
     "strongest sign of one actor across addresses) and the keys clients offered to log in, "
     "each with type, bits, SHA256 and MD5 fingerprints, comment, the number of sessions and "
     "source addresses, and first and last seen.",
     keys_options, N_(keys_options), ALL_READ_EXITS, keys_examples, N_(keys_examples),
     cli_cmd_keys},
    {"remap", "Recompute all ATT&CK mappings of the store", NULL,
     "Maps every distinct command text again, and the techniques of session events, with the "
     "current (or given) rules and ATT&CK table. `actorprint ingest` maps new commands itself "
     "and remaps everything when the rules changed; remap is for rules of your own.",
     remap_options, N_(remap_options), BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(5),
     remap_examples, N_(remap_examples), cli_cmd_remap},
    {"eval-mapper", "Score the ATT&CK rules on a labelled corpus", "CORPUS",
     "Maps every line of CORPUS (`INPUT<TAB>EXPECTED<TAB>NOTE`; EXPECTED is a comma-separated "
     "list of technique ids or `-`; see tests/corpus/README.md) and compares the techniques of "
     "each line, over all its statements, with the label: precision, recall and F1 per "
     "technique, micro (pooled) and macro (mean over techniques) overall. Malformed lines are "
     "reported as `CORPUS:LINE: error: ...` and make the exit status 1.",
     eval_mapper_options, N_(eval_mapper_options), BIT(0) | BIT(1) | BIT(2) | BIT(5),
     eval_mapper_examples, N_(eval_mapper_examples), cli_cmd_eval_mapper},
    {"run", "The main job: ingest, map, cluster and show the campaigns", "PATH...",
     "Runs `actorprint ingest` on PATH... (new lines only; commands are mapped to ATT&CK), then "
     "`actorprint cluster` over the whole store, and prints the campaign table. Daily re-runs "
     "extend existing campaigns and keep their ids.",
     run_options, N_(run_options), BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5),
     run_examples, N_(run_examples), cli_cmd_run},
    {"cluster", "Group sessions into incidents, campaigns and actors", NULL,
     "An incident is the sessions of one source address without a gap longer than `--gap`. "
     "Incidents sharing a rare strong identifier (C2 URL or host, file hash, busybox tag or echo "
     "marker) are one campaign, and so are incidents whose behaviour (command n-grams, "
     "credential lists and their order, forward targets) is similar with the same client "
     "tooling, found through MinHash/LSH, never by comparing all pairs. Campaigns sharing an "
     "injected SSH key, a client key or a wallet, or the same tooling from the same address, "
     "network or credential list, are one actor. Identifiers used with many unrelated toolings "
     "(a public tool's hash) are not trusted as links.\n"
     "\n"
     "The result is kept in the store. Campaign and actor numbers (C-n, A-n) are stable: a new "
     "run gives each campaign the number of the last run's campaign it overlaps most, and new "
     "ones numbers never used before. The campaign table is printed highest `campaign_score` "
     "first (incidents x criticality / duration in hours); with `--out` the seed-shaped CSV "
     "files are written too (columns in docs/clustering.md).",
     cluster_options, N_(cluster_options), BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(5),
     cluster_examples, N_(cluster_examples), cli_cmd_cluster},
    {"eval", "Score the last clustering against ground truth", NULL,
     "Compares the stored clustering with a truth file and prints B-cubed and pairwise recall, "
     "precision and F1 and the adjusted Rand index, recall first (a missed actor link costs more "
     "than a false one). Sessions labelled `noise` are left out; a session linked to nothing "
     "counts as a cluster of its own incident; a truth session missing from the store counts as "
     "a cluster of its own. Bad truth rows are reported as `FILE:LINE: warning: ...` and "
     "skipped.",
     eval_options, N_(eval_options), BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(5), eval_examples,
     N_(eval_examples), cli_cmd_eval},
    {"features", "Export or rank the per-incident feature matrix", NULL,
     "Builds one row per incident with the seed's feature classes: technique counts (`ttp:`), "
     "the most common normalised statements (`cmd:`), infrastructure, credential strategy, "
     "malware gene and timing, with the incident's first and last hour. `--out` writes it as "
     "CSV; `--rank` ranks the columns by variance, mutual information and chi2 against labels.",
     features_options, N_(features_options), BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(5),
     features_examples, N_(features_examples), cli_cmd_features},
    {"export", "Export campaigns to ATT&CK Navigator, STIX, MISP, Neo4j, GraphML, Splunk", NULL,
     "Writes the last clustering (`actorprint cluster`) in a format analysts' tools read, for "
     "every campaign and actor, one campaign or one actor. Outputs are deterministic: the same "
     "store gives the same files, and ids (STIX, MISP) are derived from campaign and actor "
     "numbers, so a re-export updates objects instead of duplicating them. Attacker text is "
     "escaped for each format. Formats: docs/export-*.md.",
     export_options, N_(export_options), BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(5),
     export_examples, N_(export_examples), cli_cmd_export},
    {"serve", "Serve the last clustering over TAXII 2.1 (read-only)", NULL,
     "Builds the STIX 2.1 objects of the last clustering (as `export --format stix` does) and "
     "answers the read-only TAXII 2.1 endpoints from memory: discovery at `/taxii2/`, the API "
     "root `/api/`, the collection `actorprint` with its objects (filters `added_after`, "
     "`match[id]`, `match[type]`, `match[version]`, `match[spec_version]`, `limit`, `next`) and "
     "manifest, with `application/taxii+json;version=2.1`. Binds 127.0.0.1 unless told "
     "otherwise; SIGINT or SIGTERM stops it cleanly with exit status 0. Details: "
     "docs/export-stix.md.",
     serve_options, N_(serve_options), BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(5), serve_examples,
     N_(serve_examples), cli_cmd_serve},
    {"simulate", "Write realistic synthetic Cowrie logs", NULL,
     "Writes Cowrie JSON logs produced by several kinds of simulated attacker (scanners, brute "
     "forcers, bots dropping malware, interactive operators, campaigns sharing infrastructure) "
     "with the ground truth of who did what, for tests and benchmarks. The output is "
     "deterministic for a given seed.",
     simulate_options, N_(simulate_options), BIT(0) | BIT(1) | BIT(2) | BIT(5), simulate_examples,
     N_(simulate_examples), cli_cmd_simulate},
    {"help", "Show help for a command", "[COMMAND]",
     "Shows the options of COMMAND, or the list of commands. `actorprint COMMAND --help` does "
     "the same.",
     NULL, 0, BIT(0) | BIT(2), help_examples, N_(help_examples), cli_cmd_help},
    {"alerts", "Campaigns that grew fast, as JSON lines and syslog", NULL,
     "Prints one JSON line per campaign that gained at least `--min-incidents` incidents "
     "(counted by the time an incident started) within `--window` before the last stored "
     "event, most new incidents first. Ending the window at the data, not the clock, makes the "
     "result reproducible: run it after each ingest. A line holds the campaign and actor, the "
     "new incidents and sessions, the window, the totals, the risk score (incidents x "
     "criticality / duration in hours) and criticality, the primary tactic, first and last "
     "seen, and the top techniques and indicators (docs/alerts-and-report.md). With `--syslog` "
     "each alert is also sent to syslog as one line. The exit status is 0 whether or not there "
     "were alerts: test the output.",
     alerts_options, N_(alerts_options), BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(5),
     alerts_examples, N_(alerts_examples), cli_cmd_alerts},
    {"report", "Write an HTML report and a Markdown summary of the campaigns", NULL,
     "Writes DIR/report.html, one self-contained page (inline CSS and SVG, no script, nothing "
     "fetched, a Content-Security-Policy forbidding both): dataset totals, the campaign table "
     "highest risk score first, actors, a campaigns x techniques heat map, the seed recipe's "
     "k-distance plot, the top indicators, and per campaign its activity per day, techniques "
     "with example commands and indicators. DIR/report.md is the summary (campaign table, top "
     "indicators) for tickets and wikis. Attacker text is escaped in both "
     "(docs/alerts-and-report.md). The same store gives the same files.",
     report_options, N_(report_options), BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(5),
     report_examples, N_(report_examples), cli_cmd_report},
};
const size_t cli_ncommands = N_(cli_commands);

const cli_exit_code cli_exit_codes[] = {
    {0, "Success. Ingest may have skipped bad lines: they are reported on standard error and "
        "counted (see `actorprint stats`)."},
    {1, "Some input could not be read (missing or unreadable file, truncated or corrupt "
        "archive; ingest still stores everything readable), or the output could not be "
        "written."},
    {2, "Usage error: unknown command or option, missing or invalid argument."},
    {3, "Store error: the store cannot be opened, created or written, or was written by an "
        "incompatible version."},
    {4, "Interrupted by SIGINT or SIGTERM. The store is consistent; run again to continue."},
    {5, "Internal error (a bug, or out of memory)."},
};
const size_t cli_nexit_codes = N_(cli_exit_codes);

const cli_section cli_sections[] = {
    {"DIAGNOSTICS",
     "Messages about the input go to standard error as `FILE:LINE: warning: MESSAGE` (a line "
     "was skipped) or `FILE:LINE: error: MESSAGE` (a file could not be read to the end). Each "
     "has a reason code such as `invalid_json` or `line_too_long`; the counts by reason are kept "
     "in the store. Other errors read `actorprint: COMMAND: MESSAGE`. Standard output carries "
     "only results."},
    {"UNTRUSTED TEXT",
     "Logs are written by attackers. Text from them is escaped for every output: for the "
     "terminal, control characters (C0, C1, DEL, ESC), invalid UTF-8, bidirectional overrides "
     "and line separators are shown as `\\xNN` or `\\uXXXX` (backslashes typed by the attacker "
     "are kept, so a typed `\\x1b` reads like an escaped ESC: use `--json` for the exact text); "
     "JSON output is always valid UTF-8 with control characters as `\\u00XX` and invalid bytes "
     "as U+FFFD."},
    {"FILES",
     "`" CLI_DEFAULT_DB "` is the default store, a SQLite database. It holds everything "
     "ingested and the list of files read, so it can be copied or backed up as one file."},
};
const size_t cli_nsections = N_(cli_sections);

const cli_command *cli_find_command(const char *name)
{
    for (size_t i = 0; i < cli_ncommands; i++)
        if (strcmp(cli_commands[i].name, name) == 0)
            return &cli_commands[i];
    return NULL;
}
