/* cmd_simulate.c — `actorprint simulate`: writes synthetic Cowrie logs with ground truth through
 * ap_simulate, for tests and benchmarks. */
#include "cli.h"

#include <string.h>
#include <time.h>

#include "util/escape.h"

typedef struct simulate_args {
    const char *out;
    ap_sim_options sim;
} simulate_args;

static int on_option(void *ctx, const cli_command *cmd, const cli_option *opt, const char *arg)
{
    simulate_args *a = ctx;
    uint64_t v;
    int rc = CLI_CONTINUE;
    switch (opt->id) {
    case CLI_OPT_OUT: a->out = arg; break;
    case CLI_OPT_SEED: rc = cli_arg_u64(cmd, opt, arg, 0, UINT64_MAX, &a->sim.seed); break;
    case CLI_OPT_DAYS:
        rc = cli_arg_u64(cmd, opt, arg, 1, 36500, &v);
        a->sim.days = (unsigned)v;
        break;
    case CLI_OPT_SENSORS:
        rc = cli_arg_u64(cmd, opt, arg, 1, 10000, &v);
        a->sim.sensors = (unsigned)v;
        break;
    case CLI_OPT_SCALE: rc = cli_arg_double(cmd, opt, arg, 0.0001, 10000, &a->sim.scale); break;
    case CLI_OPT_SIZE: rc = cli_arg_size(cmd, opt, arg, &a->sim.target_bytes); break;
    case CLI_OPT_GZIP: a->sim.gzip = 1; break;
    case CLI_OPT_START: {
        int64_t us;
        if (strlen(arg) != 10 || ap_parse_time(arg, strlen(arg), &us) != AP_OK) {
            char esc[128];
            ap_escape_term_buf(esc, sizeof esc, ap_str_c(arg));
            return cli_usage_error(cmd, "invalid value for --start: '%s' (expected YYYY-MM-DD)",
                                   esc);
        }
        a->sim.start_date = arg;
        break;
    }
    default: break;
    }
    return rc;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cli_cmd_simulate(const cli_command *cmd, int argc, char **argv)
{
    simulate_args a;
    memset(&a, 0, sizeof a);
    ap_sim_options_init(&a.sim);
    a.sim.seed = 1; /* the documented default (commands.c) */
    int first;
    int rc = cli_parse_options(cmd, argc, argv, on_option, &a, &first);
    if (rc != CLI_CONTINUE)
        return rc;
    if (first < argc)
        return cli_unexpected_operand(cmd, argv[first]);

    char err[512] = "";
    ap_sim_summary sum;
    memset(&sum, 0, sizeof sum);
    double t0 = now_seconds();
    ap_status st = ap_simulate(a.out, &a.sim, &sum, err, sizeof err);
    double secs = now_seconds() - t0;
    char esc_dir[1024];
    ap_escape_term_buf(esc_dir, sizeof esc_dir, ap_str_c(a.out));
    if (st != AP_OK) {
        char esc_err[1024];
        ap_escape_term_buf(esc_err, sizeof esc_err, ap_str_c(err[0] ? err : ap_strerror(st)));
        cli_error(cmd, "cannot write to '%s': %s", esc_dir, esc_err);
        rc = cli_exit_for_status(st);
        return rc == CLI_EXIT_STORE ? CLI_EXIT_INPUT : rc;
    }
    char files[32], bytes[32], events[32], sessions[32];
    fprintf(stderr,
            "wrote %s files (%s) with %s events in %s sessions by %llu actors in %llu campaigns "
            "to %s in %.1f s\n",
            cli_fmt_count(files, sum.files), cli_fmt_bytes(bytes, sum.bytes),
            cli_fmt_count(events, sum.events), cli_fmt_count(sessions, sum.sessions),
            (unsigned long long)sum.actors, (unsigned long long)sum.campaigns, esc_dir, secs);
    return CLI_EXIT_OK;
}
