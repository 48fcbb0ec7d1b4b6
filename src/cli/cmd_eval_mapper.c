/* cmd_eval_mapper.c — `actorprint eval-mapper CORPUS`: how right the ATT&CK rules are on a
 * labelled corpus (tests/corpus/mapper.tsv in the repository): precision, recall and F1 per
 * technique, micro and macro overall, and the lines it gets wrong. */
#include "cli.h"

typedef struct eval_args {
    const char *rules, *attack;
    int json, misses;
} eval_args;

static int on_option(void *ctx, const cli_command *cmd, const cli_option *opt, const char *arg)
{
    (void)cmd;
    eval_args *a = ctx;
    switch (opt->id) {
    case CLI_OPT_JSON: a->json = 1; break;
    case CLI_OPT_ERRORS: a->misses = 1; break;
    case CLI_OPT_RULES: a->rules = arg; break;
    case CLI_OPT_ATTACK: a->attack = arg; break;
    default: break;
    }
    return CLI_CONTINUE;
}

int cli_cmd_eval_mapper(const cli_command *cmd, int argc, char **argv)
{
    eval_args a = {0};
    int first = 0;
    int rc = cli_parse_options(cmd, argc, argv, on_option, &a, &first);
    if (rc != CLI_CONTINUE)
        return rc;
    if (first >= argc)
        return cli_usage_error(cmd, "which corpus? (the project's is tests/corpus/mapper.tsv)");
    if (first + 1 < argc)
        return cli_unexpected_operand(cmd, argv[first + 1]);
    ap_mapper *m = NULL;
    if ((rc = cli_open_mapper(cmd, a.rules, a.attack, &m)) != CLI_CONTINUE)
        return rc;
    ap_mapper_eval_totals t;
    ap_status st = ap_mapper_evaluate(m, argv[first], stdout, a.json, a.misses, &t);
    ap_mapper_close(m);
    if (st == AP_ERR_IO) {
        cli_error(cmd, "cannot read the corpus '%s' or write the report", argv[first]);
        return CLI_EXIT_INPUT;
    }
    if (st != AP_OK) {
        cli_error(cmd, "%s", ap_strerror(st));
        return cli_exit_for_status(st);
    }
    return cli_finish_output(cmd, t.bad_lines ? CLI_EXIT_INPUT : CLI_EXIT_OK);
}
