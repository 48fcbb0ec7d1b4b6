/* cmd_report.c — `actorprint report --out DIR`: the analyst's report of the last clustering,
 * DIR/report.html (self-contained: no script, nothing fetched) and DIR/report.md, with the
 * seed recipe's k-distance plot (DIR/kdist.svg, embedded in the page) unless --no-kdist.
 * Reads the campaign model; the plot needs one DBSCAN dry run over the stored incidents. */
#include "cli.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "share/report.h"

typedef struct report_args {
    const char *db, *out, *asn, *criticality;
    uint64_t limit;
    int no_kdist, quiet;
} report_args;

static int on_option(void *ctx, const cli_command *cmd, const cli_option *opt, const char *arg)
{
    report_args *a = ctx;
    switch (opt->id) {
    case CLI_OPT_DB: a->db = arg; break;
    case CLI_OPT_OUT: a->out = arg; break;
    case CLI_OPT_ASN: a->asn = arg; break;
    case CLI_OPT_CRITICALITY: a->criticality = arg; break;
    case CLI_OPT_NO_KDIST: a->no_kdist = 1; break;
    case CLI_OPT_QUIET: a->quiet = 1; break;
    case CLI_OPT_LIMIT: return cli_arg_u64(cmd, opt, arg, 0, UINT32_MAX, &a->limit);
    default: break;
    }
    return CLI_CONTINUE;
}

/* The k-distance plot into DIR/kdist.svg; a failure only leaves the plot out. */
static int draw_kdist(const cli_command *cmd, ap_store *st, const report_args *a, char *path,
                      size_t n, double *eps)
{
    snprintf(path, n, "%s/kdist.svg", a->out);
    char err[512] = "";
    ap_status s = ap_report_kdist(st, a->asn, path, eps, err, sizeof err);
    if (s == AP_OK)
        return 1;
    cli_error(cmd, "warning: no k-distance plot: %s", err[0] ? err : ap_strerror(s));
    return 0;
}

int cli_cmd_report(const cli_command *cmd, int argc, char **argv)
{
    report_args a;
    memset(&a, 0, sizeof a);
    a.db = CLI_DEFAULT_DB;
    a.limit = 20;
    int first = 0;
    int rc = cli_parse_options(cmd, argc, argv, on_option, &a, &first);
    if (rc != CLI_CONTINUE)
        return rc;
    if (first < argc)
        return cli_unexpected_operand(cmd, argv[first]);
    if (!a.out || !*a.out || !strcmp(a.out, "-"))
        return cli_usage_error(cmd, "--out wants a directory");
    struct stat sb;
    if (stat(a.out, &sb) != 0 && mkdir(a.out, 0777) != 0) {
        cli_error(cmd, "cannot create %s: %s", a.out, strerror(errno));
        return CLI_EXIT_INPUT;
    }
    ap_store *st = NULL;
    if ((rc = cli_open_store(cmd, a.db, AP_STORE_READ_ONLY, &st)) != CLI_CONTINUE)
        return rc;
    ap_model_options mo;
    ap_model_options_init(&mo);
    mo.asn_path = a.asn;
    mo.criticality_path = a.criticality;
    mo.on_diag = cli_print_diag;
    char err[512] = "";
    ap_model *m = NULL;
    ap_status s = ap_model_open(st, &mo, &m, err, sizeof err);
    if (s == AP_OK) {
        ap_report_options o;
        ap_report_options_init(&o);
        o.dir = a.out;
        o.limit = (size_t)a.limit;
        char kdist[4096];
        if (!a.no_kdist && draw_kdist(cmd, st, &a, kdist, sizeof kdist, &o.kdist_eps))
            o.kdist_svg = kdist;
        s = ap_report_write(m, &o, err, sizeof err);
        if (s == AP_OK && !a.quiet) {
            size_t nc = ap_model_campaign_count(m);
            fprintf(stderr, "wrote %s/report.html and %s/report.md (%zu of %zu campaigns%s)\n",
                    a.out, a.out, o.limit && o.limit < nc ? o.limit : nc, nc,
                    o.kdist_svg ? ", k-distance plot in kdist.svg" : "");
        }
    }
    ap_model_close(m);
    ap_store_close(st);
    if (s != AP_OK) {
        cli_error(cmd, "%s", err[0] ? err : ap_strerror(s));
        return s == AP_ERR_NOT_FOUND ? CLI_EXIT_STORE : cli_exit_for_status(s);
    }
    return CLI_EXIT_OK;
}
