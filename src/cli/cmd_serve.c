/* cmd_serve.c — `actorprint serve --taxii`: the last clustering as a read-only TAXII 2.1
 * collection (share/taxii.h), so SOC platforms pull campaigns, actors and indicators instead of
 * importing files. Reads the campaign model once, serves from memory on 127.0.0.1 unless told
 * otherwise, and stops cleanly on SIGINT/SIGTERM (exit 0: stopping is how a server ends). */
#include "cli.h"

#include <string.h>
#include <time.h>

#include "share/taxii.h"

typedef struct serve_args {
    const char *db, *asn, *listen;
    uint64_t port;
    int taxii, quiet;
} serve_args;

static int on_option(void *ctx, const cli_command *cmd, const cli_option *opt, const char *arg)
{
    serve_args *a = ctx;
    switch (opt->id) {
    case CLI_OPT_DB: a->db = arg; break;
    case CLI_OPT_ASN: a->asn = arg; break;
    case CLI_OPT_QUIET: a->quiet = 1; break;
    case CLI_OPT_TAXII: a->taxii = 1; break;
    case CLI_OPT_LISTEN: a->listen = arg; break;
    case CLI_OPT_PORT: return cli_arg_u64(cmd, opt, arg, 0, 65535, &a->port);
    default: break;
    }
    return CLI_CONTINUE;
}

int cli_cmd_serve(const cli_command *cmd, int argc, char **argv)
{
    serve_args a = {CLI_DEFAULT_DB, NULL, "127.0.0.1", 9000, 0, 0};
    int first = 0;
    int rc = cli_parse_options(cmd, argc, argv, on_option, &a, &first);
    if (rc != CLI_CONTINUE)
        return rc;
    if (first < argc)
        return cli_unexpected_operand(cmd, argv[first]);
    if (!a.taxii)
        return cli_usage_error(cmd, "say what to serve: --taxii");

    ap_store *st = NULL;
    if ((rc = cli_open_store(cmd, a.db, AP_STORE_READ_ONLY, &st)) != CLI_CONTINUE)
        return rc;
    ap_model_options mo;
    ap_model_options_init(&mo);
    mo.asn_path = a.asn;
    mo.on_diag = cli_print_diag;
    char err[512] = "";
    ap_model *m = NULL;
    ap_taxii *server = NULL;
    ap_status s = ap_model_open(st, &mo, &m, err, sizeof err);
    if (s == AP_OK) {
        ap_taxii_options to;
        ap_taxii_options_init(&to);
        to.listen = a.listen;
        to.port = (unsigned)a.port;
        s = ap_taxii_start(m, &to, &server, err, sizeof err);
    }
    /* the server holds its own copy of the objects */
    ap_model_close(m);
    ap_store_close(st);
    if (s != AP_OK) {
        cli_error(cmd, "%s", err[0] ? err : ap_strerror(s));
        if (s == AP_ERR_NOT_FOUND)
            return CLI_EXIT_STORE; /* nothing clustered yet */
        return s == AP_ERR_ARG ? CLI_EXIT_USAGE : cli_exit_for_status(s);
    }

    cli_catch_stop_signals();
    if (!a.quiet) {
        char n[32];
        int v6 = strchr(a.listen, ':') != NULL;
        fprintf(stderr,
                "serving %s STIX objects over TAXII 2.1 at http://%s%s%s:%u/taxii2/ "
                "(collection 'actorprint' under /api/); Ctrl-C stops\n",
                cli_fmt_count(n, ap_taxii_object_count(server)), v6 ? "[" : "", a.listen,
                v6 ? "]" : "", ap_taxii_port(server));
    }
    const struct timespec tick = {0, 100 * 1000 * 1000};
    while (!cli_stop_requested)
        nanosleep(&tick, NULL);
    ap_taxii_stop(server);
    if (!a.quiet)
        fprintf(stderr, "stopped\n");
    return CLI_EXIT_OK;
}
