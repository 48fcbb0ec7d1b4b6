/* cli.h — what the pieces of the actorprint command-line tool share: the command/option table
 * (defined once in commands.c; --help, `help CMD`, the man page and docs/cli.md are all rendered
 * from it by doc.c), option parsing on top of getopt_long (args.c), the documented exit codes,
 * and small output helpers (output.c). The tool is thin: every subcommand parses its options,
 * calls the library (include/actorprint.h) and prints. */
#ifndef AP_CLI_H
#define AP_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "actorprint.h"

#define CLI_PROGRAM "actorprint"
#define CLI_DEFAULT_DB "./actorprint.db"

/* ---- exit codes (documented from cli_exit_codes[] in commands.c) ---- */
enum {
    CLI_EXIT_OK = 0,          /* success; skipped bad lines do not change it */
    CLI_EXIT_INPUT = 1,       /* some input could not be read, or output could not be written */
    CLI_EXIT_USAGE = 2,       /* bad command line */
    CLI_EXIT_STORE = 3,       /* the store cannot be opened, created or written, or is too new */
    CLI_EXIT_INTERRUPTED = 4, /* stopped by SIGINT/SIGTERM at a clean point */
    CLI_EXIT_INTERNAL = 5     /* a bug or out of memory */
};
#define CLI_EXIT_BIT(c) (1u << (c))

/* Returned by cli_parse_options when the command should go on. */
#define CLI_CONTINUE (-1)

/* ---- the table ---- */

typedef enum cli_opt_id {
    CLI_OPT_HELP = 1,
    CLI_OPT_DB,
    CLI_OPT_QUIET,
    CLI_OPT_THREADS,
    CLI_OPT_MAX_LINE,
    CLI_OPT_INCLUDE,
    CLI_OPT_COMMIT_EVERY,
    CLI_OPT_JSON,
    CLI_OPT_IP,
    CLI_OPT_SENSOR,
    CLI_OPT_SINCE,
    CLI_OPT_UNTIL,
    CLI_OPT_WITH_COMMANDS,
    CLI_OPT_LIMIT,
    CLI_OPT_OUT,
    CLI_OPT_SEED,
    CLI_OPT_DAYS,
    CLI_OPT_SENSORS,
    CLI_OPT_SCALE,
    CLI_OPT_SIZE,
    CLI_OPT_GZIP,
    CLI_OPT_START,
    CLI_OPT_RULES,
    CLI_OPT_ATTACK,
    CLI_OPT_NO_MAP,
    CLI_OPT_CORPUS,
    CLI_OPT_ERRORS,
    CLI_OPT_METHOD,
    CLI_OPT_EPS,
    CLI_OPT_MIN_SAMPLES,
    CLI_OPT_PLOT,
    CLI_OPT_GAP,
    CLI_OPT_ASN,
    CLI_OPT_JACCARD,
    CLI_OPT_DRY_RUN,
    CLI_OPT_TRUTH,
    CLI_OPT_LEVEL,
    CLI_OPT_RANK,
    CLI_OPT_LABELS,
    CLI_OPT_FRESH,
    CLI_OPT_FORMAT,
    CLI_OPT_CAMPAIGN,
    CLI_OPT_ACTOR,
    CLI_OPT_ALL,
    CLI_OPT_WINDOW,
    CLI_OPT_MIN_INCIDENTS,
    CLI_OPT_NOW,
    CLI_OPT_SYSLOG,
    CLI_OPT_CRITICALITY,
    CLI_OPT_NO_KDIST,
    CLI_OPT_TAXII,
    CLI_OPT_LISTEN,
    CLI_OPT_PORT
} cli_opt_id;

/* Text fields of the table may mark code with backticks: `actorprint stats`. Paragraphs are
 * separated by a blank line; a paragraph whose lines start with two spaces is shown verbatim. */
typedef struct cli_option {
    cli_opt_id id;
    const char *name;          /* long name, without "--" */
    char short_name;           /* 0 when none */
    const char *arg;           /* argument name ("FILE"); NULL for a flag */
    const char *help;
    const char *default_value; /* shown as "(default: X)"; NULL when none */
    int required;
} cli_option;

typedef struct cli_example {
    const char *command;       /* without the leading "actorprint " */
    const char *explanation;
} cli_example;

struct cli_command;
typedef int (*cli_run_fn)(const struct cli_command *cmd, int argc, char **argv);

typedef struct cli_command {
    const char *name;
    const char *summary;       /* one line, no final period */
    const char *operands;      /* after the options in the synopsis, e.g. "PATH..."; NULL = none */
    const char *description;
    const cli_option *options; /* -h/--help is added to every command */
    size_t noptions;
    unsigned exit_codes;       /* CLI_EXIT_BIT(code) of every code the command can return */
    const cli_example *examples;
    size_t nexamples;
    cli_run_fn run;
} cli_command;

typedef struct cli_exit_code {
    int code;
    const char *meaning;
} cli_exit_code;

typedef struct cli_section {
    const char *title;
    const char *body;
} cli_section;

extern const char cli_summary[];
extern const char cli_description[];
extern const cli_option cli_global_options[];
extern const size_t cli_nglobal_options;
extern const cli_command cli_commands[];
extern const size_t cli_ncommands;
extern const cli_exit_code cli_exit_codes[];
extern const size_t cli_nexit_codes;
extern const cli_section cli_sections[]; /* extra man page sections, after EXIT STATUS */
extern const size_t cli_nsections;
extern const cli_option cli_help_option;

const cli_command *cli_find_command(const char *name);

/* ---- rendering (doc.c) ---- */
void cli_print_program_help(FILE *f);
void cli_print_command_help(FILE *f, const cli_command *cmd);
void cli_print_man(FILE *f);
void cli_print_markdown(FILE *f);

/* ---- the subcommands ---- */
int cli_cmd_help(const cli_command *cmd, int argc, char **argv);
int cli_cmd_ingest(const cli_command *cmd, int argc, char **argv);
int cli_cmd_stats(const cli_command *cmd, int argc, char **argv);
int cli_cmd_sessions(const cli_command *cmd, int argc, char **argv);
int cli_cmd_simulate(const cli_command *cmd, int argc, char **argv);
int cli_cmd_map(const cli_command *cmd, int argc, char **argv);
int cli_cmd_explain(const cli_command *cmd, int argc, char **argv);
int cli_cmd_techniques(const cli_command *cmd, int argc, char **argv);
int cli_cmd_keys(const cli_command *cmd, int argc, char **argv);
int cli_cmd_remap(const cli_command *cmd, int argc, char **argv);
int cli_cmd_eval_mapper(const cli_command *cmd, int argc, char **argv);
int cli_cmd_cluster(const cli_command *cmd, int argc, char **argv);
int cli_cmd_run(const cli_command *cmd, int argc, char **argv);
int cli_cmd_eval(const cli_command *cmd, int argc, char **argv);
int cli_cmd_features(const cli_command *cmd, int argc, char **argv);
int cli_cmd_alerts(const cli_command *cmd, int argc, char **argv);
int cli_cmd_report(const cli_command *cmd, int argc, char **argv);
int cli_cmd_export(const cli_command *cmd, int argc, char **argv);
int cli_cmd_serve(const cli_command *cmd, int argc, char **argv);

/* ---- mapping (cmd_map.c) ---- */

/* Opens a mapper with the rules/ATT&CK files given (NULL: the compiled-in ones); problems in them
 * are printed as FILE:LINE: error|warning: MESSAGE. Returns CLI_CONTINUE or an exit code. */
int cli_open_mapper(const cli_command *cmd, const char *rules, const char *attack, ap_mapper **out);
/* One mapped input: statements (indented by depth) with their techniques, then IOCs and keys. */
void cli_print_map_text(FILE *f, const ap_map_view *v, const char *indent);
/* The members "statements", "iocs", "keys", "truncated" of a JSON object (no braces). */
void cli_print_map_json(FILE *f, const ap_map_view *v);

/* ---- option parsing (args.c) ---- */

/* Called for each option found; returns CLI_CONTINUE or an exit code (after printing why). */
typedef int (*cli_option_fn)(void *ctx, const cli_command *cmd, const cli_option *opt,
                             const char *arg);

/* Parses argv[1..argc) (argv[0] is the command name) with getopt_long, built from the table.
 * --help prints the command's help and returns CLI_EXIT_OK; misuse prints
 * "actorprint: CMD: ...\nTry 'actorprint help CMD'." and returns CLI_EXIT_USAGE. Otherwise
 * returns CLI_CONTINUE with *first_operand the index of the first operand in (permuted) argv.
 * Required options are checked. */
int cli_parse_options(const cli_command *cmd, int argc, char **argv, cli_option_fn fn, void *ctx,
                      int *first_operand);

/* "actorprint: CMD: MESSAGE\nTry 'actorprint help CMD'." on stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "actorprint: CMD: unexpected argument 'ARG'" plus the hint; returns CLI_EXIT_USAGE. */
int cli_unexpected_operand(const cli_command *cmd, const char *arg);
/* "actorprint: CMD: MESSAGE" on stderr. */
void cli_error(const cli_command *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Option values; on a bad value they print a usage error and return CLI_EXIT_USAGE, else
 * CLI_CONTINUE. */
int cli_arg_u64(const cli_command *cmd, const cli_option *opt, const char *arg, uint64_t min,
                uint64_t max, uint64_t *out);
int cli_arg_double(const cli_command *cmd, const cli_option *opt, const char *arg, double min,
                   double max, double *out);
/* A byte count with an optional K, M, G or T suffix (powers of 1024; "KiB", "MB" also read as
 * powers of 1024), e.g. "2G", "1.5M", "4096". */
int cli_arg_size(const cli_command *cmd, const cli_option *opt, const char *arg, uint64_t *out);
int cli_arg_time(const cli_command *cmd, const cli_option *opt, const char *arg, int64_t *out_us);

/* ---- interruption (signals.c) ---- */

/* Set to 1 by SIGINT/SIGTERM once cli_catch_stop_signals() was called; passed to the library as
 * ap_ingest_options.stop. The handler then restores the default action, so a second signal
 * ends the program at once. */
extern volatile int cli_stop_requested;
void cli_catch_stop_signals(void);

/* ---- output helpers (output.c) ---- */

/* 1234567 -> "1,234,567" into buf (>= 32 bytes); returns buf. */
const char *cli_fmt_count(char *buf, uint64_t n);
/* Bytes as decimal megabytes/gigabytes: "370.2 MB", "1.3 GB", "512 B"; buf >= 32. */
const char *cli_fmt_bytes(char *buf, uint64_t bytes);
/* A time in microseconds as ISO-8601, or "-" when 0; buf >= 40. */
const char *cli_fmt_time(char *buf, int64_t us);
/* Attacker-controlled text for the terminal (NULL prints "-"). */
void cli_put_term(FILE *f, const char *s);
/* A diagnostic from the library (ASN table, truth file, criticality table...) as
 * "FILE:LINE: warning|error: MESSAGE" on stderr, attacker text escaped; an ap_diag_fn. */
void cli_print_diag(void *user, const ap_diag *d);
/* A JSON string literal (NULL prints null). */
void cli_put_json(FILE *f, const char *s);

/* Maps a library status to an exit code. */
int cli_exit_for_status(ap_status st);

/* Opens the store, printing "actorprint: CMD: cannot open store 'PATH': why" on failure.
 * Returns CLI_CONTINUE or an exit code. */
int cli_open_store(const cli_command *cmd, const char *path, ap_store_mode mode, ap_store **out);

/* Flushes stdout and reports a write error (e.g. disk full). Returns `rc`, or CLI_EXIT_INPUT
 * when the output could not be written and rc was CLI_EXIT_OK. */
int cli_finish_output(const cli_command *cmd, int rc);

#endif
