/* cmd_help.c — `actorprint help [COMMAND]`: the same text as `actorprint COMMAND --help`, or
 * the list of commands. */
#include "cli.h"

#include "util/escape.h"

static int no_options(void *ctx, const cli_command *cmd, const cli_option *opt, const char *arg)
{
    (void)ctx, (void)cmd, (void)opt, (void)arg;
    return CLI_CONTINUE;
}

int cli_cmd_help(const cli_command *cmd, int argc, char **argv)
{
    int first;
    int rc = cli_parse_options(cmd, argc, argv, no_options, NULL, &first);
    if (rc != CLI_CONTINUE)
        return rc;
    if (first >= argc) {
        cli_print_program_help(stdout);
        return cli_finish_output(cmd, CLI_EXIT_OK);
    }
    if (argc - first > 1)
        return cli_usage_error(cmd, "expected one command name, got %d arguments", argc - first);
    const cli_command *target = cli_find_command(argv[first]);
    if (!target) {
        char esc[256];
        ap_escape_term_buf(esc, sizeof esc, ap_str_c(argv[first]));
        return cli_usage_error(cmd, "unknown command '%s'", esc);
    }
    cli_print_command_help(stdout, target);
    return cli_finish_output(cmd, CLI_EXIT_OK);
}
