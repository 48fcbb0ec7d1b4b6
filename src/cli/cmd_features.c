/* cmd_features.c — `actorprint features`: the per-incident feature matrix as CSV (--out), or
 * the features ranked by variance, mutual information and chi2 against labels (--rank), so the
 * 20-40 that separate actors are chosen from data rather than by taste. */
#include "cli.h"

#include <errno.h>
#include <string.h>

typedef struct features_args {
    const char *db, *out, *labels, *asn;
    int rank, json;
    uint64_t gap_min;
} features_args;

static int on_option(void *ctx, const cli_command *cmd, const cli_option *opt, const char *arg)
{
    features_args *a = ctx;
    switch (opt->id) {
    case CLI_OPT_DB: a->db = arg; break;
    case CLI_OPT_OUT: a->out = arg; break;
    case CLI_OPT_LABELS: a->labels = arg; break;
    case CLI_OPT_ASN: a->asn = arg; break;
    case CLI_OPT_RANK: a->rank = 1; break;
    case CLI_OPT_JSON: a->json = 1; break;
    case CLI_OPT_GAP: return cli_arg_u64(cmd, opt, arg, 1, 525600, &a->gap_min);
    default: break;
    }
    return CLI_CONTINUE;
}

int cli_cmd_features(const cli_command *cmd, int argc, char **argv)
{
    features_args a = {CLI_DEFAULT_DB, NULL, NULL, NULL, 0, 0, 30};
    int first = 0;
    int rc = cli_parse_options(cmd, argc, argv, on_option, &a, &first);
    if (rc != CLI_CONTINUE)
        return rc;
    if (first < argc)
        return cli_unexpected_operand(cmd, argv[first]);
    if (!a.rank && !a.out)
        return cli_usage_error(cmd, "give --out FILE (the matrix) or --rank (the ranking)");
    if (a.labels && !a.rank)
        return cli_usage_error(cmd, "--labels goes with --rank");
    ap_store *st = NULL;
    if ((rc = cli_open_store(cmd, a.db, AP_STORE_READ_ONLY, &st)) != CLI_CONTINUE)
        return rc;
    ap_cluster_options o;
    ap_cluster_options_init(&o);
    o.gap_us = (int64_t)a.gap_min * 60 * 1000000;
    o.asn_path = a.asn;
    char err[512] = "";
    ap_status s = AP_OK;
    if (a.out) {
        FILE *f = strcmp(a.out, "-") ? fopen(a.out, "w") : stdout;
        if (!f) {
            cli_error(cmd, "%s: %s", a.out, strerror(errno));
            ap_store_close(st);
            return CLI_EXIT_INPUT;
        }
        s = ap_features_write(st, &o, f, err, sizeof err);
        if (f != stdout && fclose(f) != 0 && s == AP_OK) {
            snprintf(err, sizeof err, "%s: write failed", a.out);
            s = AP_ERR_IO;
        }
    }
    if (s == AP_OK && a.rank)
        s = ap_features_rank(st, &o, a.labels, stdout, a.json, err, sizeof err);
    ap_store_close(st);
    if (s != AP_OK) {
        cli_error(cmd, "%s", err[0] ? err : ap_strerror(s));
        return cli_exit_for_status(s);
    }
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_INPUT;
}
