/* args.c — command-line parsing for the subcommands: getopt_long's option array is built from
 * the command table (commands.c), so an option exists exactly when it is documented; misuse is
 * reported in one format ("actorprint: CMD: ...\nTry 'actorprint help CMD'.", exit 2); option
 * values (counts, sizes, times) are checked strictly. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/escape.h"

#define MAX_OPTIONS 32
#define LONG_BASE 256 /* getopt val of option i is LONG_BASE + i */

__attribute__((format(printf, 2, 0))) static void vreport(const cli_command *cmd, const char *fmt,
                                                           va_list ap)
{
    fprintf(stderr, "%s: ", CLI_PROGRAM);
    if (cmd)
        fprintf(stderr, "%s: ", cmd->name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(cmd, fmt, ap);
    va_end(ap);
    if (cmd)
        fprintf(stderr, "Try '%s help %s'.\n", CLI_PROGRAM, cmd->name);
    else
        fprintf(stderr, "Try '%s --help'.\n", CLI_PROGRAM);
    return CLI_EXIT_USAGE;
}

void cli_error(const cli_command *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(cmd, fmt, ap);
    va_end(ap);
}

/* An argument typed by the user, escaped for messages (it may come from a script fed with
 * log data). */
static const char *shown(char *buf, size_t cap, const char *arg)
{
    ap_escape_term_buf(buf, cap, ap_str_c(arg));
    return buf;
}

int cli_unexpected_operand(const cli_command *cmd, const char *arg)
{
    char esc[256];
    return cli_usage_error(cmd, "unexpected argument '%s'", shown(esc, sizeof esc, arg));
}

int cli_parse_options(const cli_command *cmd, int argc, char **argv, cli_option_fn fn, void *ctx,
                      int *first_operand)
{
    struct option longopts[MAX_OPTIONS + 1];
    const cli_option *table[MAX_OPTIONS];
    char shortopts[3 * MAX_OPTIONS + 2];
    size_t n = 0, s = 0;
    char esc[256];

    shortopts[s++] = ':'; /* report a missing argument as ':' */
    for (size_t i = 0; i <= cmd->noptions && n < MAX_OPTIONS; i++) {
        const cli_option *o = i < cmd->noptions ? &cmd->options[i] : &cli_help_option;
        table[n] = o;
        longopts[n] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL,
                                      LONG_BASE + (int)n};
        if (o->short_name) {
            shortopts[s++] = o->short_name;
            if (o->arg)
                shortopts[s++] = ':';
        }
        n++;
    }
    longopts[n] = (struct option){NULL, 0, NULL, 0};
    shortopts[s] = '\0';

    int seen_required[MAX_OPTIONS] = {0};
    opterr = 0;
    optind = 1;
    for (;;) {
        int c = getopt_long(argc, argv, shortopts, longopts, NULL);
        if (c == -1)
            break;
        const cli_option *o = NULL;
        size_t idx = 0;
        if (c == '?' || c == ':') {
            const char *bad = argv[optind - 1];
            if (optopt >= LONG_BASE && optopt < LONG_BASE + (int)n) {
                o = table[optopt - LONG_BASE];
                if (c == ':')
                    return cli_usage_error(cmd, "option '--%s' requires an argument (%s)", o->name,
                                           o->arg);
                return cli_usage_error(cmd, "option '--%s' does not take an argument", o->name);
            }
            if (optopt > 0 && optopt < LONG_BASE) {
                if (c == ':')
                    return cli_usage_error(cmd, "option '-%c' requires an argument", optopt);
                char opt[2] = {(char)optopt, 0};
                return cli_usage_error(cmd, "unknown option '-%s'", shown(esc, sizeof esc, opt));
            }
            /* an unknown (or ambiguous) long option: show it without any "=value" */
            char name[128];
            snprintf(name, sizeof name, "%s", bad ? bad : "?");
            char *eq = strchr(name, '=');
            if (eq)
                *eq = '\0';
            return cli_usage_error(cmd, "unknown option '%s'", shown(esc, sizeof esc, name));
        }
        if (c >= LONG_BASE && c < LONG_BASE + (int)n) {
            idx = (size_t)(c - LONG_BASE);
        } else {
            for (idx = 0; idx < n; idx++)
                if (table[idx]->short_name == c)
                    break;
            if (idx == n)
                return cli_usage_error(cmd, "unknown option '-%c'", c);
        }
        o = table[idx];
        if (o->id == CLI_OPT_HELP) {
            cli_print_command_help(stdout, cmd);
            return CLI_EXIT_OK;
        }
        seen_required[idx] = 1;
        int rc = fn(ctx, cmd, o, optarg);
        if (rc != CLI_CONTINUE)
            return rc;
    }
    for (size_t i = 0; i < n; i++)
        if (table[i]->required && !seen_required[i])
            return cli_usage_error(cmd, "option '--%s %s' is required", table[i]->name,
                                   table[i]->arg ? table[i]->arg : "");
    *first_operand = optind;
    return CLI_CONTINUE;
}

static int bad_value(const cli_command *cmd, const cli_option *opt, const char *arg,
                     const char *expected)
{
    char esc[256];
    return cli_usage_error(cmd, "invalid value for --%s: '%s' (expected %s)", opt->name,
                           shown(esc, sizeof esc, arg), expected);
}

int cli_arg_u64(const cli_command *cmd, const cli_option *opt, const char *arg, uint64_t min,
                uint64_t max, uint64_t *out)
{
    char expected[96];
    snprintf(expected, sizeof expected, "an integer from %llu to %llu", (unsigned long long)min,
             (unsigned long long)max);
    if (!arg || !*arg || *arg < '0' || *arg > '9')
        return bad_value(cmd, opt, arg ? arg : "", expected);
    errno = 0;
    char *end;
    unsigned long long v = strtoull(arg, &end, 10);
    if (errno || *end || v < min || v > max)
        return bad_value(cmd, opt, arg, expected);
    *out = v;
    return CLI_CONTINUE;
}

int cli_arg_double(const cli_command *cmd, const cli_option *opt, const char *arg, double min,
                   double max, double *out)
{
    char expected[96];
    snprintf(expected, sizeof expected, "a number from %g to %g", min, max);
    if (!arg || !*arg)
        return bad_value(cmd, opt, "", expected);
    errno = 0;
    char *end;
    double v = strtod(arg, &end);
    if (errno || *end || !isfinite(v) || v < min || v > max)
        return bad_value(cmd, opt, arg, expected);
    *out = v;
    return CLI_CONTINUE;
}

int cli_arg_size(const cli_command *cmd, const cli_option *opt, const char *arg, uint64_t *out)
{
    const char *expected = "a size such as 4096, 512K, 1.5M or 2G";
    if (!arg || *arg < '0' || *arg > '9')
        return bad_value(cmd, opt, arg ? arg : "", expected);
    errno = 0;
    char *end;
    double v = strtod(arg, &end);
    if (errno || !isfinite(v) || v < 0)
        return bad_value(cmd, opt, arg, expected);
    double mult = 1;
    switch (*end) {
    case 'k': case 'K': mult = 1024.0; end++; break;
    case 'm': case 'M': mult = 1024.0 * 1024; end++; break;
    case 'g': case 'G': mult = 1024.0 * 1024 * 1024; end++; break;
    case 't': case 'T': mult = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: break;
    }
    if (mult > 1 && *end == 'i')
        end++;
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end)
        return bad_value(cmd, opt, arg, expected);
    double bytes = v * mult;
    if (bytes >= 18446744073709551616.0) /* 2^64 */
        return bad_value(cmd, opt, arg, expected);
    *out = (uint64_t)bytes;
    return CLI_CONTINUE;
}

int cli_arg_time(const cli_command *cmd, const cli_option *opt, const char *arg, int64_t *out_us)
{
    if (!arg || ap_parse_time(arg, strlen(arg), out_us) != AP_OK)
        return bad_value(cmd, opt, arg ? arg : "",
                         "an ISO 8601 date or time such as 2019-05-18 or 2019-05-18T07:57:41Z");
    return CLI_CONTINUE;
}
