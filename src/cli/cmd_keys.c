/* cmd_keys.c — `actorprint keys`: the SSH public keys of the store — those found in commands
 * (mostly written to authorized_keys: the strongest actor signal) and those clients offered to
 * log in — with how many sessions and source addresses used each, and when. */
#include "cli.h"

typedef struct keys_args {
    const char *db;
    int json;
} keys_args;

static int on_option(void *ctx, const cli_command *cmd, const cli_option *opt, const char *arg)
{
    (void)cmd;
    keys_args *a = ctx;
    switch (opt->id) {
    case CLI_OPT_DB: a->db = arg; break;
    case CLI_OPT_JSON: a->json = 1; break;
    default: break;
    }
    return CLI_CONTINUE;
}

static void print_entry_json(const ap_key_report_entry *e, const char *source)
{
    char t1[40], t2[40];
    ap_format_time(e->first_us, t1, sizeof t1);
    ap_format_time(e->last_us, t2, sizeof t2);
    fputs("{\"source\":", stdout);
    cli_put_json(stdout, source);
    fputs(",\"type\":", stdout);
    cli_put_json(stdout, e->type);
    fprintf(stdout, ",\"bits\":%u,\"sha256\":", e->bits);
    cli_put_json(stdout, e->sha256);
    fputs(",\"md5\":", stdout);
    cli_put_json(stdout, e->md5);
    fputs(",\"comment\":", stdout);
    cli_put_json(stdout, e->comment);
    fprintf(stdout, ",\"injected\":%s,\"sessions\":%llu,\"source_ips\":%llu,\"first_seen\":\"%s\","
                    "\"last_seen\":\"%s\",\"example_ip\":",
            e->injected ? "true" : "false", (unsigned long long)e->sessions,
            (unsigned long long)e->source_ips, t1, t2);
    cli_put_json(stdout, e->example_ip);
    fputs("}\n", stdout);
}

static void print_entry_text(const ap_key_report_entry *e)
{
    char t1[40], t2[40], b1[32], b2[32];
    printf("%-10s %-20s %5u  %s  ", e->injected ? "injected" : "seen", e->type ? e->type : "-",
           e->bits, e->sha256 ? e->sha256 : "-");
    cli_put_term(stdout, e->comment && *e->comment ? e->comment : NULL);
    printf("\n           %s sessions, %s source IPs (e.g. ", cli_fmt_count(b1, e->sessions),
           cli_fmt_count(b2, e->source_ips));
    cli_put_term(stdout, e->example_ip);
    printf("), %s .. %s, %s\n", cli_fmt_time(t1, e->first_us), cli_fmt_time(t2, e->last_us),
           e->md5 ? e->md5 : "-");
}

int cli_cmd_keys(const cli_command *cmd, int argc, char **argv)
{
    keys_args a = {CLI_DEFAULT_DB, 0};
    int first = 0;
    int rc = cli_parse_options(cmd, argc, argv, on_option, &a, &first);
    if (rc != CLI_CONTINUE)
        return rc;
    if (first < argc)
        return cli_unexpected_operand(cmd, argv[first]);
    ap_store *st = NULL;
    if ((rc = cli_open_store(cmd, a.db, AP_STORE_READ_ONLY, &st)) != CLI_CONTINUE)
        return rc;
    ap_key_report r;
    ap_status s = ap_store_keys(st, &r);
    if (s != AP_OK) {
        cli_error(cmd, "%s (%s)", ap_strerror(s), ap_store_errmsg(st));
        rc = cli_exit_for_status(s) == CLI_EXIT_INTERNAL ? CLI_EXIT_INTERNAL : CLI_EXIT_STORE;
    } else {
        if (a.json) {
            for (size_t i = 0; i < r.nkeys; i++)
                print_entry_json(&r.keys[i], "command");
            for (size_t i = 0; i < r.nclient_keys; i++)
                print_entry_json(&r.client_keys[i], "client");
        } else {
            printf("SSH keys in commands: %zu\n", r.nkeys);
            for (size_t i = 0; i < r.nkeys; i++)
                print_entry_text(&r.keys[i]);
            printf("\nSSH keys offered by clients: %zu\n", r.nclient_keys);
            for (size_t i = 0; i < r.nclient_keys; i++)
                print_entry_text(&r.client_keys[i]);
        }
        ap_key_report_free(&r);
        rc = CLI_EXIT_OK;
    }
    ap_store_close(st);
    return cli_finish_output(cmd, rc);
}
