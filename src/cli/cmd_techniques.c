/* cmd_techniques.c — `actorprint techniques`: how often each ATT&CK technique and tactic shows
 * in the store (sessions, command executions, source addresses), from the stored mapping. */
#include "cli.h"

#include <string.h>

typedef struct tech_args {
    const char *db, *rules, *attack;
    int json;
} tech_args;

static int on_option(void *ctx, const cli_command *cmd, const cli_option *opt, const char *arg)
{
    (void)cmd;
    tech_args *a = ctx;
    switch (opt->id) {
    case CLI_OPT_DB: a->db = arg; break;
    case CLI_OPT_JSON: a->json = 1; break;
    case CLI_OPT_RULES: a->rules = arg; break;
    case CLI_OPT_ATTACK: a->attack = arg; break;
    default: break;
    }
    return CLI_CONTINUE;
}

static void print_json(const ap_technique_report *r)
{
    fputs("{\"version\":", stdout);
    cli_put_json(stdout, r->version);
    fputs(",\"techniques\":[", stdout);
    for (size_t i = 0; i < r->ntechniques; i++) {
        const ap_technique_count *t = &r->techniques[i];
        fprintf(stdout, "%s{\"id\":", i ? "," : "");
        cli_put_json(stdout, t->id);
        fputs(",\"name\":", stdout);
        cli_put_json(stdout, t->name);
        fputs(",\"tactics\":", stdout);
        cli_put_json(stdout, t->tactics);
        fprintf(stdout, ",\"sessions\":%llu,\"commands\":%llu,\"source_ips\":%llu}",
                (unsigned long long)t->sessions, (unsigned long long)t->commands,
                (unsigned long long)t->source_ips);
    }
    fputs("],\"tactics\":[", stdout);
    for (size_t i = 0; i < r->ntactics; i++) {
        const ap_tactic_count *t = &r->tactics[i];
        fprintf(stdout, "%s{\"id\":", i ? "," : "");
        cli_put_json(stdout, t->id);
        fputs(",\"shortname\":", stdout);
        cli_put_json(stdout, t->shortname);
        fputs(",\"name\":", stdout);
        cli_put_json(stdout, t->name);
        fprintf(stdout, ",\"sessions\":%llu,\"techniques\":%llu}", (unsigned long long)t->sessions,
                (unsigned long long)t->techniques);
    }
    fputs("]}\n", stdout);
}

static void print_text(const ap_technique_report *r)
{
    char b1[32], b2[32], b3[32];
    printf("%-10s %10s %10s %10s  %s\n", "technique", "sessions", "commands", "src IPs", "name [tactics]");
    for (size_t i = 0; i < r->ntechniques; i++) {
        const ap_technique_count *t = &r->techniques[i];
        printf("%-10s %10s %10s %10s  %s [%s]\n", t->id, cli_fmt_count(b1, t->sessions),
               cli_fmt_count(b2, t->commands), cli_fmt_count(b3, t->source_ips), t->name, t->tactics);
    }
    printf("\n%-8s %-22s %10s %11s\n", "tactic", "name", "sessions", "techniques");
    for (size_t i = 0; i < r->ntactics; i++) {
        const ap_tactic_count *t = &r->tactics[i];
        printf("%-8s %-22s %10s %11llu\n", t->id, t->name, cli_fmt_count(b1, t->sessions),
               (unsigned long long)t->techniques);
    }
    if (r->version)
        printf("\nmapping: %s\n", r->version);
}

int cli_cmd_techniques(const cli_command *cmd, int argc, char **argv)
{
    tech_args a = {CLI_DEFAULT_DB, NULL, NULL, 0};
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
    if ((rc = cli_open_store(cmd, a.db, AP_STORE_READ_ONLY, &st)) != CLI_CONTINUE) {
        ap_mapper_close(m);
        return rc;
    }
    ap_technique_report r;
    ap_status s = ap_store_techniques(st, m, &r);
    if (s != AP_OK) {
        cli_error(cmd, "%s (%s)", ap_strerror(s), ap_store_errmsg(st));
        rc = cli_exit_for_status(s) == CLI_EXIT_INTERNAL ? CLI_EXIT_INTERNAL : CLI_EXIT_STORE;
    } else {
        if (a.json)
            print_json(&r);
        else
            print_text(&r);
        ap_technique_report_free(&r);
        rc = CLI_EXIT_OK;
    }
    ap_store_close(st);
    ap_mapper_close(m);
    return cli_finish_output(cmd, rc);
}
