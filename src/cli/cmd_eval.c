/* cmd_eval.c — `actorprint eval --truth FILE`: how right the last clustering is, against a
 * truth file (the simulator's truth.csv or an analyst's labels). Recall comes first in the
 * output because a missed actor link costs more than a false one. */
#include "cli.h"

#include <string.h>

typedef struct eval_args {
    const char *db, *truth;
    ap_eval_level level;
    int json;
} eval_args;

static int on_option(void *ctx, const cli_command *cmd, const cli_option *opt, const char *arg)
{
    eval_args *a = ctx;
    switch (opt->id) {
    case CLI_OPT_DB: a->db = arg; break;
    case CLI_OPT_TRUTH: a->truth = arg; break;
    case CLI_OPT_JSON: a->json = 1; break;
    case CLI_OPT_LEVEL:
        if (!strcmp(arg, "actor"))
            a->level = AP_EVAL_ACTOR;
        else if (!strcmp(arg, "campaign"))
            a->level = AP_EVAL_CAMPAIGN;
        else
            return cli_usage_error(cmd, "--level must be actor or campaign, not '%s'", arg);
        break;
    default: break;
    }
    return CLI_CONTINUE;
}

int cli_cmd_eval(const cli_command *cmd, int argc, char **argv)
{
    eval_args a = {CLI_DEFAULT_DB, NULL, AP_EVAL_ACTOR, 0};
    int first = 0;
    int rc = cli_parse_options(cmd, argc, argv, on_option, &a, &first);
    if (rc != CLI_CONTINUE)
        return rc;
    if (first < argc)
        return cli_unexpected_operand(cmd, argv[first]);
    ap_store *st = NULL;
    if ((rc = cli_open_store(cmd, a.db, AP_STORE_READ_ONLY, &st)) != CLI_CONTINUE)
        return rc;
    ap_eval_report r;
    char err[512] = "";
    ap_status s = ap_eval_truth(st, a.truth, a.level, cli_print_diag, NULL, &r, err, sizeof err);
    ap_store_close(st);
    if (s != AP_OK) {
        cli_error(cmd, "%s", err[0] ? err : ap_strerror(s));
        /* nothing clustered yet is a state of the store, not of the input */
        return s == AP_ERR_NOT_FOUND ? CLI_EXIT_STORE : cli_exit_for_status(s);
    }
    const char *level = a.level == AP_EVAL_CAMPAIGN ? "campaign" : "actor";
    if (a.json) {
        printf("{\"level\":\"%s\",\"truth_rows\":%llu,\"bad_rows\":%llu,\"noise\":%llu,"
               "\"scored\":%llu,\"missing\":%llu,\"truth_clusters\":%llu,"
               "\"predicted_clusters\":%llu,\"bcubed\":{\"recall\":%.6f,\"precision\":%.6f,"
               "\"f1\":%.6f},\"pairwise\":{\"recall\":%.6f,\"precision\":%.6f,\"f1\":%.6f},"
               "\"ari\":%.6f}\n",
               level, (unsigned long long)r.truth_rows, (unsigned long long)r.bad_rows,
               (unsigned long long)r.noise, (unsigned long long)r.scored,
               (unsigned long long)r.missing, (unsigned long long)r.truth_clusters,
               (unsigned long long)r.predicted_clusters, r.bcubed_recall, r.bcubed_precision,
               r.bcubed_f1, r.pair_recall, r.pair_precision, r.pair_f1, r.ari);
    } else {
        char b1[32], b2[32], b3[32];
        printf("%s level: %s sessions scored (%s labelled noise left out, %s not in the store)\n",
               level, cli_fmt_count(b1, r.scored), cli_fmt_count(b2, r.noise),
               cli_fmt_count(b3, r.missing));
        printf("%llu true %ss, %llu predicted clusters\n\n", (unsigned long long)r.truth_clusters,
               level, (unsigned long long)r.predicted_clusters);
        printf("%-10s %8s %10s %8s\n", "", "recall", "precision", "F1");
        printf("%-10s %8.4f %10.4f %8.4f\n", "B-cubed", r.bcubed_recall, r.bcubed_precision,
               r.bcubed_f1);
        printf("%-10s %8.4f %10.4f %8.4f\n", "pairwise", r.pair_recall, r.pair_precision,
               r.pair_f1);
        printf("%-10s %8.4f\n", "ARI", r.ari);
    }
    if (r.bad_rows)
        fprintf(stderr, "%s: %llu bad truth rows skipped\n", a.truth,
                (unsigned long long)r.bad_rows);
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_INPUT;
}
