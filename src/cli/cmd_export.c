/* cmd_export.c — `actorprint export --format F [--campaign C-n | --actor A-n | --all]
 * [--out PATH]`: the last clustering in the formats analysts' tools read (Navigator, STIX 2.1,
 * MISP, Neo4j, GraphML, Splunk). Reads the campaign model (ap_model_open) and calls ap_export. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

typedef struct export_args {
    const char *db, *out, *asn, *format_name;
    int64_t campaign, actor;
    int all;
} export_args;

/* "C-12", "c-12" or "12" (prefix = 'C' or 'A'); 0 when invalid. */
static int64_t parse_id(const char *s, char prefix)
{
    if ((s[0] == prefix || s[0] == prefix + 32) && s[1] == '-')
        s += 2;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    return (end && !*end && v > 0) ? (int64_t)v : 0;
}

static int on_option(void *ctx, const cli_command *cmd, const cli_option *opt, const char *arg)
{
    export_args *a = ctx;
    switch (opt->id) {
    case CLI_OPT_DB: a->db = arg; break;
    case CLI_OPT_OUT: a->out = arg; break;
    case CLI_OPT_ASN: a->asn = arg; break;
    case CLI_OPT_FORMAT: a->format_name = arg; break;
    case CLI_OPT_ALL: a->all = 1; break;
    case CLI_OPT_CAMPAIGN:
        if (!(a->campaign = parse_id(arg, 'C')))
            return cli_usage_error(cmd, "--campaign wants a campaign id like C-12, not '%s'", arg);
        break;
    case CLI_OPT_ACTOR:
        if (!(a->actor = parse_id(arg, 'A')))
            return cli_usage_error(cmd, "--actor wants an actor id like A-3, not '%s'", arg);
        break;
    default: break;
    }
    return CLI_CONTINUE;
}

int cli_cmd_export(const cli_command *cmd, int argc, char **argv)
{
    export_args a = {CLI_DEFAULT_DB, NULL, NULL, NULL, 0, 0, 0};
    int first = 0;
    int rc = cli_parse_options(cmd, argc, argv, on_option, &a, &first);
    if (rc != CLI_CONTINUE)
        return rc;
    if (first < argc)
        return cli_unexpected_operand(cmd, argv[first]);
    ap_export_options o;
    ap_export_options_init(&o);
    if (ap_export_format_parse(a.format_name, &o.format) != 0)
        return cli_usage_error(cmd,
                               "--format must be navigator, stix, misp, neo4j, graphml or "
                               "splunk, not '%s'",
                               a.format_name ? a.format_name : "");
    if ((a.campaign > 0) + (a.actor > 0) + a.all > 1)
        return cli_usage_error(cmd, "give one of --campaign, --actor and --all");
    o.campaign = a.campaign;
    o.actor = a.actor;
    o.out = a.out;
    ap_store *st = NULL;
    if ((rc = cli_open_store(cmd, a.db, AP_STORE_READ_ONLY, &st)) != CLI_CONTINUE)
        return rc;
    ap_model_options mo;
    ap_model_options_init(&mo);
    mo.asn_path = a.asn;
    mo.on_diag = cli_print_diag;
    char err[512] = "";
    ap_model *m = NULL;
    ap_status s = ap_model_open(st, &mo, &m, err, sizeof err);
    if (s == AP_OK)
        s = ap_export(m, &o, err, sizeof err);
    ap_model_close(m);
    ap_store_close(st);
    if (s != AP_OK) {
        cli_error(cmd, "%s", err[0] ? err : ap_strerror(s));
        /* nothing clustered or no such campaign: the store does not have it */
        return s == AP_ERR_NOT_FOUND ? CLI_EXIT_STORE : cli_exit_for_status(s);
    }
    return CLI_EXIT_OK;
}
