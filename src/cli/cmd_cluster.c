/* cmd_cluster.c — `actorprint cluster` and `actorprint run`: group the stored sessions into
 * incidents, campaigns and actors (ap_cluster_run), write the seed-shaped CSVs, and show the
 * campaign table, highest campaign_score first. `run` is the main job: ingest + map + cluster. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/escape.h"

typedef struct cluster_args {
    const char *db, *out, *asn, *plot;
    ap_cluster_method method;
    double eps, jaccard;
    uint64_t min_samples, gap_min, limit;
    int json, quiet, dry_run, fresh;
} cluster_args;

static void cluster_args_init(cluster_args *a)
{
    memset(a, 0, sizeof *a);
    a->db = CLI_DEFAULT_DB;
    a->eps = 0.3;
    a->min_samples = 3;
    a->gap_min = 30;
    a->limit = 20;
    a->jaccard = 0.5;
}

/* The cluster options (shared with `run`); returns CLI_CONTINUE or an exit code. */
static int cluster_option(cluster_args *a, const cli_command *cmd, const cli_option *opt,
                          const char *arg)
{
    switch (opt->id) {
    case CLI_OPT_DB: a->db = arg; break;
    case CLI_OPT_OUT: a->out = arg; break;
    case CLI_OPT_ASN: a->asn = arg; break;
    case CLI_OPT_PLOT: a->plot = arg; break;
    case CLI_OPT_JSON: a->json = 1; break;
    case CLI_OPT_QUIET: a->quiet = 1; break;
    case CLI_OPT_DRY_RUN: a->dry_run = 1; break;
    case CLI_OPT_FRESH: a->fresh = 1; break;
    case CLI_OPT_METHOD:
        if (!strcmp(arg, "links"))
            a->method = AP_CLUSTER_LINKS;
        else if (!strcmp(arg, "dbscan"))
            a->method = AP_CLUSTER_DBSCAN;
        else
            return cli_usage_error(cmd, "--method must be links or dbscan, not '%s'", arg);
        break;
    case CLI_OPT_EPS:
        if (!strcmp(arg, "auto")) {
            a->eps = 0;
            break;
        }
        return cli_arg_double(cmd, opt, arg, 1e-9, 2.0, &a->eps);
    case CLI_OPT_MIN_SAMPLES: return cli_arg_u64(cmd, opt, arg, 1, 1000000, &a->min_samples);
    case CLI_OPT_GAP: return cli_arg_u64(cmd, opt, arg, 1, 525600, &a->gap_min);
    case CLI_OPT_JACCARD: return cli_arg_double(cmd, opt, arg, 0.05, 1.0, &a->jaccard);
    case CLI_OPT_LIMIT: return cli_arg_u64(cmd, opt, arg, 0, UINT32_MAX, &a->limit);
    default: break;
    }
    return CLI_CONTINUE;
}

static int on_option(void *ctx, const cli_command *cmd, const cli_option *opt, const char *arg)
{
    return cluster_option(ctx, cmd, opt, arg);
}

/* Attacker text cut to `width` display columns (escaped first). */
static void put_cell(FILE *f, const char *s, int width)
{
    char buf[512];
    size_t n = ap_escape_term_buf(buf, sizeof buf, ap_str_c(s && *s ? s : "-"));
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    if ((int)n > width) {
        n = (size_t)(width > 3 ? width - 3 : 0);
        fprintf(f, "%-.*s...", (int)n, buf);
    } else {
        fprintf(f, "%-*s", width, buf);
    }
}

static void print_table(const ap_cluster *c, uint64_t limit)
{
    size_t n = ap_cluster_campaign_count(c);
    printf("%-8s %-7s %9s %9s %8s  %-20s %-20s %-16s %-40s %-30s\n", "campaign", "actor",
           "incidents", "sessions", "score", "first seen", "last seen", "primary tactic",
           "shared TTPs", "infrastructure");
    for (size_t i = 0; i < n && i < limit; i++) {
        const ap_campaign *x = ap_cluster_campaign_at(c, i);
        char a[40], b[40], ca[32], cb[32], idc[24], ida[24];
        snprintf(idc, sizeof idc, "C-%lld", (long long)x->id);
        if (x->actor > 0)
            snprintf(ida, sizeof ida, "A-%lld", (long long)x->actor);
        else
            snprintf(ida, sizeof ida, "-");
        ap_format_time(x->first_us, a, sizeof a);
        ap_format_time(x->last_us, b, sizeof b);
        printf("%-8s %-7s %9s %9s %8.2f  %.19s  %.19s  ", idc, ida, cli_fmt_count(ca, x->incidents),
               cli_fmt_count(cb, x->sessions), x->score, a, b);
        put_cell(stdout, x->primary_tactic, 16);
        fputc(' ', stdout);
        put_cell(stdout, x->techniques, 40);
        fputc(' ', stdout);
        char infra[512];
        snprintf(infra, sizeof infra, "%llu IPs; %s%s%s", (unsigned long long)x->ips,
                 x->nets && *x->nets ? x->nets : "", x->keys && *x->keys ? "; key " : "",
                 x->keys && *x->keys ? x->keys : "");
        put_cell(stdout, infra, 30);
        fputc('\n', stdout);
    }
    if (n > limit)
        printf("... %zu more campaigns (--limit, or --out DIR for campaigns.csv)\n",
               n - (size_t)limit);
}

static void print_json(const ap_cluster *c, uint64_t limit)
{
    const ap_cluster_summary *s = ap_cluster_summary_of(c);
    printf("{\"sessions\":%llu,\"incidents\":%llu,\"linked_incidents\":%llu,\"campaigns\":%llu,"
           "\"actors\":%llu,\"kept_campaign_ids\":%llu,\"kept_actor_ids\":%llu,\"seconds\":%.3f,"
           "\"load_seconds\":%.3f,\"link_seconds\":%.3f,\"campaign_table\":[",
           (unsigned long long)s->sessions, (unsigned long long)s->incidents,
           (unsigned long long)s->linked_incidents, (unsigned long long)s->campaigns,
           (unsigned long long)s->actors, (unsigned long long)s->kept_campaign_ids,
           (unsigned long long)s->kept_actor_ids, s->total_s, s->load_s, s->link_s);
    size_t n = ap_cluster_campaign_count(c);
    for (size_t i = 0; i < n && i < limit; i++) {
        const ap_campaign *x = ap_cluster_campaign_at(c, i);
        char a[40], b[40];
        ap_format_time(x->first_us, a, sizeof a);
        ap_format_time(x->last_us, b, sizeof b);
        printf("%s\n{\"campaign\":\"C-%lld\",\"actor\":", i ? "," : "", (long long)x->id);
        if (x->actor > 0)
            printf("\"A-%lld\"", (long long)x->actor);
        else
            fputs("null", stdout);
        printf(",\"incidents\":%llu,\"sessions\":%llu,\"ips\":%llu,\"first_seen\":\"%s\","
               "\"last_seen\":\"%s\",\"duration_hours\":%g,\"criticality\":%g,\"score\":%.4f",
               (unsigned long long)x->incidents, (unsigned long long)x->sessions,
               (unsigned long long)x->ips, a, b, x->duration_hours, x->criticality, x->score);
        const char *names[] = {"primary_tactic", "shared_ttps", "nets", "asns", "keys", "hashes", "urls"};
        const char *vals[] = {x->primary_tactic, x->techniques, x->nets, x->asns, x->keys, x->hashes, x->urls};
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
            printf(",\"%s\":", names[k]);
            cli_put_json(stdout, vals[k] ? vals[k] : "");
        }
        fputs("}", stdout);
    }
    fputs("]}\n", stdout);
}

/* Runs the clustering of a (db, options) and prints; shared by cluster and run. */
static int do_cluster(const cli_command *cmd, const cluster_args *a)
{
    int rc;
    if (a->out) {
        struct stat sb;
        if (stat(a->out, &sb) != 0 && mkdir(a->out, 0777) != 0) {
            cli_error(cmd, "cannot create %s", a->out);
            return CLI_EXIT_INPUT;
        }
    }
    ap_store *st = NULL;
    if ((rc = cli_open_store(cmd, a->db, a->dry_run ? AP_STORE_READ_ONLY : AP_STORE_READ_WRITE,
                             &st)) != CLI_CONTINUE)
        return rc;
    ap_cluster_options o;
    ap_cluster_options_init(&o);
    o.gap_us = (int64_t)a->gap_min * 60 * 1000000;
    o.asn_path = a->asn;
    o.method = a->method;
    o.eps = a->eps;
    o.min_samples = (int)a->min_samples;
    o.kdist_plot = a->plot;
    o.behaviour_jaccard = a->jaccard;
    o.dry_run = a->dry_run;
    o.fresh = a->fresh;
    o.on_diag = cli_print_diag;
    char err[512] = "";
    ap_cluster *c = NULL;
    ap_status s = ap_cluster_run(st, &o, &c, err, sizeof err);
    if (s != AP_OK) {
        cli_error(cmd, "%s", err[0] ? err : ap_strerror(s));
        ap_store_close(st);
        rc = cli_exit_for_status(s);
        return rc == CLI_EXIT_OK ? CLI_EXIT_INTERNAL : rc;
    }
    rc = CLI_EXIT_OK;
    if (a->out && (s = ap_cluster_write_csv(c, a->out, err, sizeof err)) != AP_OK) {
        cli_error(cmd, "%s", err);
        rc = CLI_EXIT_INPUT;
    }
    if (a->json) {
        print_json(c, a->limit);
    } else {
        const ap_cluster_summary *sum = ap_cluster_summary_of(c);
        if (!a->quiet) {
            char b1[32], b2[32], b3[32], b4[32], b5[32];
            fprintf(stderr,
                    "clustered %s sessions in %s incidents: %s campaigns, %s actors (%s incidents "
                    "linked) in %.1f s",
                    cli_fmt_count(b1, sum->sessions), cli_fmt_count(b2, sum->incidents),
                    cli_fmt_count(b3, sum->campaigns), cli_fmt_count(b4, sum->actors),
                    cli_fmt_count(b5, sum->linked_incidents), sum->total_s);
            if (a->method == AP_CLUSTER_DBSCAN)
                fprintf(stderr, " (dbscan eps %.4g)", sum->dbscan_eps);
            if (sum->kept_campaign_ids || sum->kept_actor_ids)
                fprintf(stderr, "; kept %llu campaign and %llu actor ids of the last run",
                        (unsigned long long)sum->kept_campaign_ids,
                        (unsigned long long)sum->kept_actor_ids);
            fputc('\n', stderr);
        }
        if (a->limit)
            print_table(c, a->limit);
    }
    if (fflush(stdout) != 0 && rc == CLI_EXIT_OK)
        rc = CLI_EXIT_INPUT;
    ap_cluster_free(c);
    ap_store_close(st);
    return rc;
}

int cli_cmd_cluster(const cli_command *cmd, int argc, char **argv)
{
    cluster_args a;
    cluster_args_init(&a);
    int first = 0;
    int rc = cli_parse_options(cmd, argc, argv, on_option, &a, &first);
    if (rc != CLI_CONTINUE)
        return rc;
    if (first < argc)
        return cli_unexpected_operand(cmd, argv[first]);
    if (a.plot && a.method != AP_CLUSTER_DBSCAN)
        return cli_usage_error(cmd, "--kdist-plot needs --method dbscan");
    return do_cluster(cmd, &a);
}

/* ---- run = ingest + map + cluster ---- */

typedef struct run_args {
    cluster_args c;
    const char *threads;
} run_args;

static int on_run_option(void *ctx, const cli_command *cmd, const cli_option *opt, const char *arg)
{
    run_args *a = ctx;
    if (opt->id == CLI_OPT_THREADS) {
        uint64_t t;
        int rc = cli_arg_u64(cmd, opt, arg, 0, 256, &t);
        a->threads = arg;
        return rc;
    }
    return cluster_option(&a->c, cmd, opt, arg);
}

int cli_cmd_run(const cli_command *cmd, int argc, char **argv)
{
    run_args a;
    cluster_args_init(&a.c);
    a.threads = NULL;
    int first = 0;
    int rc = cli_parse_options(cmd, argc, argv, on_run_option, &a, &first);
    if (rc != CLI_CONTINUE)
        return rc;
    if (first >= argc)
        return cli_usage_error(cmd, "no input: give the log files or directories to read");
    if (a.c.plot && a.c.method != AP_CLUSTER_DBSCAN)
        return cli_usage_error(cmd, "--kdist-plot needs --method dbscan");
    /* ingest (which maps new commands) through its own command, with its diagnostics */
    size_t n = (size_t)(argc - first);
    char **iv = calloc(n + 8, sizeof *iv);
    if (!iv)
        return CLI_EXIT_INTERNAL;
    size_t k = 0;
    iv[k++] = (char *)"ingest";
    iv[k++] = (char *)"--db";
    iv[k++] = (char *)a.c.db;
    if (a.c.quiet)
        iv[k++] = (char *)"--quiet";
    if (a.threads) {
        iv[k++] = (char *)"--threads";
        iv[k++] = (char *)a.threads;
    }
    iv[k++] = (char *)"--";
    for (int i = first; i < argc; i++)
        iv[k++] = argv[i];
    const cli_command *ingest = cli_find_command("ingest");
    rc = ingest->run(ingest, (int)k, iv);
    free(iv);
    if (rc != CLI_EXIT_OK && rc != CLI_EXIT_INPUT)
        return rc; /* a file that could not be read still leaves the rest worth clustering */
    int rc2 = do_cluster(cmd, &a.c);
    return rc2 != CLI_EXIT_OK ? rc2 : rc;
}
