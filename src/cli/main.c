/* main.c — the entry point of the actorprint tool, git-style: global options
 * (--help, --version, and the hidden --man and --markdown that render the manual from the
 * command table), then COMMAND [ARGS] dispatched through the table of commands.c. */
#include "cli.h"

#include <string.h>

#include "util/escape.h"

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cli_print_program_help(stdout);
            return cli_finish_output(NULL, CLI_EXIT_OK);
        }
        if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
            printf("%s %s\n", CLI_PROGRAM, ap_version());
            return cli_finish_output(NULL, CLI_EXIT_OK);
        }
        if (strcmp(a, "--man") == 0) {
            cli_print_man(stdout);
            return cli_finish_output(NULL, CLI_EXIT_OK);
        }
        if (strcmp(a, "--markdown") == 0) {
            cli_print_markdown(stdout);
            return cli_finish_output(NULL, CLI_EXIT_OK);
        }
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        char esc[256];
        ap_escape_term_buf(esc, sizeof esc, ap_str_c(a));
        return cli_usage_error(NULL, "unknown option '%s'", esc);
    }
    if (i >= argc) {
        cli_print_program_help(stderr);
        return CLI_EXIT_USAGE;
    }
    const cli_command *cmd = cli_find_command(argv[i]);
    if (!cmd) {
        char esc[256];
        ap_escape_term_buf(esc, sizeof esc, ap_str_c(argv[i]));
        return cli_usage_error(NULL, "unknown command '%s'", esc);
    }
    return cmd->run(cmd, argc - i, argv + i);
}
