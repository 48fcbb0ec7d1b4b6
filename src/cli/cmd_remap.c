/* cmd_remap.c — `actorprint remap`: recompute every stored mapping result (statements,
 * techniques, IOCs, SSH keys, event techniques) with the current rules and ATT&CK table. Ingest
 * maps new command texts by itself and remaps everything when the rules' version changed; this
 * is for rules given with --rules/--attack, or to be sure. */
#include "cli.h"

typedef struct remap_args {
    const char *db, *rules, *attack;
    int quiet;
} remap_args;

static int on_option(void *ctx, const cli_command *cmd, const cli_option *opt, const char *arg)
{
    (void)cmd;
    remap_args *a = ctx;
    switch (opt->id) {
    case CLI_OPT_DB: a->db = arg; break;
    case CLI_OPT_RULES: a->rules = arg; break;
    case CLI_OPT_ATTACK: a->attack = arg; break;
    case CLI_OPT_QUIET: a->quiet = 1; break;
    default: break;
    }
    return CLI_CONTINUE;
}

int cli_cmd_remap(const cli_command *cmd, int argc, char **argv)
{
    remap_args a = {CLI_DEFAULT_DB, NULL, NULL, 0};
    int first = 0;
    int rc = cli_parse_options(cmd, argc, argv, on_option, &a, &first);
    if (rc != CLI_CONTINUE)
        return rc;
    if (first < argc)
        return cli_unexpected_operand(cmd, argv[first]);
    ap_mapper *m = NULL;
    if ((rc = cli_open_mapper(cmd, a.rules, a.attack, &m)) != CLI_CONTINUE)
        return rc;
    ap_store *st = NULL;
    if ((rc = cli_open_store(cmd, a.db, AP_STORE_READ_WRITE, &st)) != CLI_CONTINUE) {
        ap_mapper_close(m);
        return rc;
    }
    ap_map_summary sum;
    ap_status s = ap_store_map(st, m, 1, &sum);
    if (s != AP_OK) {
        cli_error(cmd, "mapping failed: %s (%s)", ap_strerror(s), ap_store_errmsg(st));
        rc = cli_exit_for_status(s) == CLI_EXIT_INTERNAL ? CLI_EXIT_INTERNAL : CLI_EXIT_STORE;
    } else {
        rc = CLI_EXIT_OK;
        if (!a.quiet) {
            char b1[32], b2[32], b3[32];
            fprintf(stderr, "mapped %s command texts (%s statements); %s source addresses with a "
                            "brute-force class; %llu SSH keys; rules %s\n",
                    cli_fmt_count(b1, sum.inputs_mapped), cli_fmt_count(b2, sum.statements),
                    cli_fmt_count(b3, sum.addresses_classified), (unsigned long long)sum.keys,
                    ap_mapper_version(m));
        }
    }
    ap_store_close(st);
    ap_mapper_close(m);
    return rc;
}
