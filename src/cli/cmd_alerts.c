/* cmd_alerts.c — `actorprint alerts`: the SOC hook. Prints one JSON line per campaign that
 * gained at least --min-incidents incidents in the --window ending at the data's last event
 * (share/alerts.h), and with --syslog also sends each as one plain line to syslog(3). The exit
 * status does not depend on whether there were alerts: scripts test the output. */
#include "cli.h"

#include <string.h>
#include <syslog.h>

#include "share/alerts.h"

enum { SYSLOG_LINE_MAX = 2048 };

typedef struct alerts_args {
    const char *db, *asn, *criticality;
    ap_alert_options o;
    int syslog, quiet;
} alerts_args;

static int on_option(void *ctx, const cli_command *cmd, const cli_option *opt, const char *arg)
{
    alerts_args *a = ctx;
    uint64_t v;
    int rc;
    switch (opt->id) {
    case CLI_OPT_DB: a->db = arg; break;
    case CLI_OPT_ASN: a->asn = arg; break;
    case CLI_OPT_CRITICALITY: a->criticality = arg; break;
    case CLI_OPT_SYSLOG: a->syslog = 1; break;
    case CLI_OPT_QUIET: a->quiet = 1; break;
    case CLI_OPT_NOW: return cli_arg_time(cmd, opt, arg, &a->o.end_us);
    case CLI_OPT_WINDOW:
        if (ap_alert_parse_window(arg, &a->o.window_us) != AP_OK)
            return cli_usage_error(cmd,
                                   "--window wants a length like 90m, 24h, 7d or 3600 (seconds), "
                                   "not '%s'",
                                   arg);
        break;
    case CLI_OPT_MIN_INCIDENTS:
        if ((rc = cli_arg_u64(cmd, opt, arg, 1, UINT32_MAX, &v)) != CLI_CONTINUE)
            return rc;
        a->o.min_incidents = v;
        break;
    default: break;
    }
    return CLI_CONTINUE;
}

static void send_to_syslog(const ap_alert_list *l, const ap_alert_options *o)
{
    char line[SYSLOG_LINE_MAX];
    openlog("actorprint", LOG_PID, LOG_USER);
    for (size_t i = 0; i < l->n; i++) {
        ap_alert_format_line(line, sizeof line, l, &l->items[i], o);
        syslog(LOG_WARNING, "%s", line);
    }
    closelog();
}

int cli_cmd_alerts(const cli_command *cmd, int argc, char **argv)
{
    alerts_args a;
    memset(&a, 0, sizeof a);
    a.db = CLI_DEFAULT_DB;
    ap_alert_options_init(&a.o);
    int first = 0;
    int rc = cli_parse_options(cmd, argc, argv, on_option, &a, &first);
    if (rc != CLI_CONTINUE)
        return rc;
    if (first < argc)
        return cli_unexpected_operand(cmd, argv[first]);
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
    ap_alert_list l;
    memset(&l, 0, sizeof l);
    ap_status s = ap_model_open(st, &mo, &m, err, sizeof err);
    if (s == AP_OK && (s = ap_alerts_find(m, &a.o, &l)) == AP_ERR_NOMEM)
        snprintf(err, sizeof err, "out of memory");
    if (s != AP_OK) {
        cli_error(cmd, "%s", err[0] ? err : ap_strerror(s));
        ap_model_close(m);
        ap_store_close(st);
        /* nothing clustered yet is a state of the store, not of the input */
        return s == AP_ERR_NOT_FOUND ? CLI_EXIT_STORE : cli_exit_for_status(s);
    }
    for (size_t i = 0; i < l.n; i++)
        ap_alert_write_json(stdout, &l, &l.items[i], &a.o);
    if (a.syslog)
        send_to_syslog(&l, &a.o);
    if (!a.quiet) {
        char w[32], end[48];
        ap_alert_format_window(l.window_us, w, sizeof w);
        ap_format_time(l.end_us, end, sizeof end);
        fprintf(stderr, "%zu %s: campaigns with >= %llu new incidents in the %s ending %s%s\n", l.n,
                l.n == 1 ? "alert" : "alerts", (unsigned long long)a.o.min_incidents, w, end,
                a.syslog && l.n ? " (sent to syslog)" : "");
    }
    ap_alert_list_free(&l);
    ap_model_close(m);
    ap_store_close(st);
    return cli_finish_output(cmd, CLI_EXIT_OK);
}
