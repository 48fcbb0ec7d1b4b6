/* cmd_explain.c — `actorprint explain SESSION`: one session told as an analyst would want it —
 * each command with its statements, the techniques they show and the rule and reason for each,
 * the IOCs and SSH keys they carry, then the techniques of the session's events (logins, brute
 * force pattern of its source address, forwards, transfers). Commands are mapped on the spot with
 * the current rules; event techniques come from the store (ingest or remap computes them). */
#include "cli.h"

#include <string.h>

typedef struct explain_args {
    const char *db, *sensor, *rules, *attack;
    int json;
} explain_args;

static int on_option(void *ctx, const cli_command *cmd, const cli_option *opt, const char *arg)
{
    (void)cmd;
    explain_args *a = ctx;
    switch (opt->id) {
    case CLI_OPT_DB: a->db = arg; break;
    case CLI_OPT_SENSOR: a->sensor = arg; break;
    case CLI_OPT_JSON: a->json = 1; break;
    case CLI_OPT_RULES: a->rules = arg; break;
    case CLI_OPT_ATTACK: a->attack = arg; break;
    default: break;
    }
    return CLI_CONTINUE;
}

static int explain(const cli_command *cmd, ap_store *st, ap_mapper *m, const explain_args *a,
                   const char *session)
{
    ap_session_filter f = {0};
    f.session = session;
    f.sensor = a->sensor;
    ap_session_iter *it = NULL;
    ap_status s = ap_session_iter_open(st, &f, &it);
    const ap_session_view *v = NULL;
    if (s == AP_OK)
        s = ap_session_iter_next(it, &v);
    if (s == AP_END) {
        cli_error(cmd, "no session '%s'%s", session, a->sensor ? " on that sensor" : "");
        ap_session_iter_close(it);
        return CLI_EXIT_INPUT;
    }
    if (s != AP_OK) {
        cli_error(cmd, "%s (%s)", ap_strerror(s), ap_store_errmsg(st));
        ap_session_iter_close(it);
        return CLI_EXIT_STORE;
    }
    ap_event_techniques ev = {0};
    s = ap_store_event_techniques(st, m, v->sensor, v->session, &ev);
    if (s != AP_OK && s != AP_ERR_NOT_FOUND) {
        cli_error(cmd, "%s (%s)", ap_strerror(s), ap_store_errmsg(st));
        ap_session_iter_close(it);
        return CLI_EXIT_STORE;
    }
    char t[40], b[32];
    if (a->json) {
        fputs("{\"sensor\":", stdout);
        cli_put_json(stdout, v->sensor);
        fputs(",\"session\":", stdout);
        cli_put_json(stdout, v->session);
        fputs(",\"src_ip\":", stdout);
        cli_put_json(stdout, v->src_ip);
        ap_format_time(v->start_us, t, sizeof t);
        fprintf(stdout, ",\"start\":\"%s\",\"commands\":[", t);
    } else {
        printf("session ");
        cli_put_term(stdout, v->session);
        printf(" on ");
        cli_put_term(stdout, v->sensor);
        printf(" from ");
        cli_put_term(stdout, v->src_ip);
        printf(" at %s, %s commands\n", cli_fmt_time(t, v->start_us),
               cli_fmt_count(b, v->ncommands));
    }
    int rc = CLI_EXIT_OK;
    for (size_t i = 0; i < v->ncommands; i++) {
        const ap_command_view *c = &v->commands[i];
        const ap_map_view *mv = NULL;
        s = ap_mapper_map(m, c->input, c->input ? strlen(c->input) : 0, &mv);
        if (s != AP_OK) {
            cli_error(cmd, "mapping a command: %s", ap_strerror(s));
            rc = CLI_EXIT_INTERNAL;
            break;
        }
        if (a->json) {
            ap_format_time(c->ts_us, t, sizeof t);
            fprintf(stdout, "%s{\"time\":\"%s\",\"input\":", i ? "," : "", t);
            cli_put_json(stdout, c->input);
            fputc(',', stdout);
            cli_print_map_json(stdout, mv);
            fputc('}', stdout);
        } else {
            printf("\n+%.1fs  $ ", (double)(c->ts_us - v->start_us) / 1e6);
            cli_put_term(stdout, c->input);
            putchar('\n');
            cli_print_map_text(stdout, mv, "    ");
            for (size_t k = 0; k < mv->nstatements; k++)
                for (size_t j = 0; j < mv->statements[k].ntechniques; j++) {
                    const ap_technique_view *tv = &mv->statements[k].techniques[j];
                    printf("      why %s (%s): %s\n", tv->id, tv->rule, tv->reason ? tv->reason : "");
                }
        }
    }
    if (a->json) {
        fputs("],\"event_techniques\":[", stdout);
        for (size_t i = 0; i < ev.n; i++) {
            const ap_technique_view *tv = ap_mapper_technique(m, ev.items[i].id);
            fprintf(stdout, "%s{\"id\":", i ? "," : "");
            cli_put_json(stdout, ev.items[i].id);
            fputs(",\"name\":", stdout);
            cli_put_json(stdout, tv ? tv->name : NULL);
            fputs(",\"rule\":", stdout);
            cli_put_json(stdout, ev.items[i].rule);
            fputs(",\"reason\":", stdout);
            cli_put_json(stdout, ev.items[i].reason);
            fputs(",\"detail\":", stdout);
            cli_put_json(stdout, ev.items[i].detail);
            fputc('}', stdout);
        }
        fputs("]}\n", stdout);
    } else {
        printf("\nevents: %s\n", ev.n ? "" : "no techniques (run `actorprint remap` if the store was "
                                             "ingested with --no-map)");
        for (size_t i = 0; i < ev.n; i++) {
            const ap_technique_view *tv = ap_mapper_technique(m, ev.items[i].id);
            printf("    %-10s %s  rule %s", ev.items[i].id, tv ? tv->name : "?", ev.items[i].rule);
            if (ev.items[i].detail)
                printf(" (%s)", ev.items[i].detail);
            printf("\n      why: %s\n", ev.items[i].reason ? ev.items[i].reason : "");
        }
    }
    ap_event_techniques_free(&ev);
    ap_session_iter_close(it);
    return rc;
}

int cli_cmd_explain(const cli_command *cmd, int argc, char **argv)
{
    explain_args a = {CLI_DEFAULT_DB, NULL, NULL, NULL, 0};
    int first = 0;
    int rc = cli_parse_options(cmd, argc, argv, on_option, &a, &first);
    if (rc != CLI_CONTINUE)
        return rc;
    if (first >= argc)
        return cli_usage_error(cmd, "which session? give its Cowrie session id");
    if (first + 1 < argc)
        return cli_unexpected_operand(cmd, argv[first + 1]);
    ap_mapper *m = NULL;
    if ((rc = cli_open_mapper(cmd, a.rules, a.attack, &m)) != CLI_CONTINUE)
        return rc;
    ap_store *st = NULL;
    if ((rc = cli_open_store(cmd, a.db, AP_STORE_READ_ONLY, &st)) != CLI_CONTINUE) {
        ap_mapper_close(m);
        return rc;
    }
    rc = explain(cmd, st, m, &a, argv[first]);
    ap_store_close(st);
    ap_mapper_close(m);
    return cli_finish_output(cmd, rc);
}
