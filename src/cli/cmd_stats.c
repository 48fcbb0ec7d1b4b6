/* cmd_stats.c — `actorprint stats`: the numbers of ap_store_stats as an aligned table for
 * people or one JSON object with stable key names for scripts. */
#include "cli.h"

#include <string.h>

typedef struct stats_args {
    const char *db;
    int json;
} stats_args;

static int on_option(void *ctx, const cli_command *cmd, const cli_option *opt, const char *arg)
{
    (void)cmd;
    stats_args *a = ctx;
    switch (opt->id) {
    case CLI_OPT_DB: a->db = arg; break;
    case CLI_OPT_JSON: a->json = 1; break;
    default: break;
    }
    return CLI_CONTINUE;
}

/* One row of both forms: the JSON key, the table label, the value. */
typedef struct stats_row {
    const char *key;
    const char *label;
    uint64_t value;
} stats_row;

static size_t stats_rows(const ap_stats *s, stats_row *rows)
{
    size_t n = 0;
#define ROW(k, l, v) rows[n++] = (stats_row){k, l, v}
    ROW("events", "events", s->events);
    ROW("sessions", "sessions", s->sessions);
    ROW("sensors", "sensors", s->sensors);
    ROW("source_ips", "source IPs", s->source_ips);
    ROW("sessions_with_commands", "sessions with commands", s->sessions_with_commands);
    ROW("commands", "commands", s->commands);
    ROW("logins_ok", "successful logins", s->logins_ok);
    ROW("logins_failed", "failed logins", s->logins_failed);
    ROW("downloads", "downloads", s->downloads);
    ROW("uploads", "uploads", s->uploads);
    ROW("distinct_hassh", "distinct HASSH", s->distinct_hassh);
    ROW("client_keys", "client keys", s->client_keys);
    ROW("tcp_forwards", "TCP forwards", s->tcp_forwards);
    ROW("unknown_events", "unknown events", s->unknown_events);
    ROW("files", "files read", s->files);
#undef ROW
    return n;
}

static void print_json(const ap_stats *s)
{
    stats_row rows[20];
    size_t n = stats_rows(s, rows);
    char t[40];
    fputc('{', stdout);
    for (size_t i = 0; i < n; i++)
        printf("\"%s\":%llu,", rows[i].key, (unsigned long long)rows[i].value);
    fputs("\"first_seen\":", stdout);
    if (s->first_ts_us)
        cli_put_json(stdout, cli_fmt_time(t, s->first_ts_us));
    else
        fputs("null", stdout);
    fputs(",\"last_seen\":", stdout);
    if (s->last_ts_us)
        cli_put_json(stdout, cli_fmt_time(t, s->last_ts_us));
    else
        fputs("null", stdout);
    printf(",\"bad_lines\":%llu,\"bad_lines_by_reason\":{", (unsigned long long)s->bad_lines);
    for (size_t i = 0; i < s->nreasons; i++) {
        if (i)
            fputc(',', stdout);
        cli_put_json(stdout, s->reasons[i].reason);
        printf(":%llu", (unsigned long long)s->reasons[i].count);
    }
    fputs("}}\n", stdout);
}

static void print_table(const ap_stats *s)
{
    stats_row rows[20];
    size_t n = stats_rows(s, rows);
    char num[32], t[40];
    const int lw = 24, vw = 15;
    for (size_t i = 0; i < n; i++)
        printf("%-*s %*s\n", lw, rows[i].label, vw, cli_fmt_count(num, rows[i].value));
    printf("%-*s %*s\n", lw, "first seen", vw + 12, cli_fmt_time(t, s->first_ts_us));
    printf("%-*s %*s\n", lw, "last seen", vw + 12, cli_fmt_time(t, s->last_ts_us));
    printf("%-*s %*s\n", lw, "bad lines", vw, cli_fmt_count(num, s->bad_lines));
    for (size_t i = 0; i < s->nreasons; i++) {
        /* reasons are library codes, but escape anyway: the store file could be hand-edited */
        fputs("  ", stdout);
        cli_put_term(stdout, s->reasons[i].reason);
        int used = 2 + (int)strlen(s->reasons[i].reason ? s->reasons[i].reason : "-");
        int pad = lw + 1 + vw - used - (int)strlen(cli_fmt_count(num, s->reasons[i].count));
        printf("%*s%s\n", pad > 1 ? pad : 1, "", num);
    }
}

int cli_cmd_stats(const cli_command *cmd, int argc, char **argv)
{
    stats_args a = {CLI_DEFAULT_DB, 0};
    int first;
    int rc = cli_parse_options(cmd, argc, argv, on_option, &a, &first);
    if (rc != CLI_CONTINUE)
        return rc;
    if (first < argc)
        return cli_unexpected_operand(cmd, argv[first]);

    ap_store *store = NULL;
    rc = cli_open_store(cmd, a.db, AP_STORE_READ_ONLY, &store);
    if (rc != CLI_CONTINUE)
        return rc;
    ap_stats s;
    memset(&s, 0, sizeof s);
    ap_status st = ap_store_stats(store, &s);
    if (st != AP_OK) {
        cli_error(cmd, "cannot read the statistics: %s", ap_store_errmsg(store));
        rc = cli_exit_for_status(st);
        goto done;
    }
    if (a.json)
        print_json(&s);
    else
        print_table(&s);
    rc = CLI_EXIT_OK;
    ap_stats_free(&s);
done:
    ap_store_close(store);
    return cli_finish_output(cmd, rc);
}
