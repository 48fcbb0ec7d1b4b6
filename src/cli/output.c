/* output.c — the small output conventions every subcommand shares: numbers with thousands
 * separators, byte counts, times, attacker text through the escapers of util/escape.h, the
 * mapping of library statuses to documented exit codes, and opening the store with one error
 * message format. */
#include "cli.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "util/escape.h"

const char *cli_fmt_count(char *buf, uint64_t n)
{
    char digits[24];
    int len = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n);
    size_t o = 0;
    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

const char *cli_fmt_bytes(char *buf, uint64_t bytes)
{
    if (bytes < 1000)
        snprintf(buf, 32, "%llu B", (unsigned long long)bytes);
    else if (bytes < 1000000)
        snprintf(buf, 32, "%.1f kB", (double)bytes / 1e3);
    else if (bytes < 1000000000)
        snprintf(buf, 32, "%.1f MB", (double)bytes / 1e6);
    else
        snprintf(buf, 32, "%.2f GB", (double)bytes / 1e9);
    return buf;
}

const char *cli_fmt_time(char *buf, int64_t us)
{
    if (us == 0) {
        strcpy(buf, "-");
        return buf;
    }
    ap_format_time(us, buf, 40);
    return buf;
}

void cli_put_term(FILE *f, const char *s)
{
    if (!s)
        fputc('-', f);
    else
        ap_escape_term(f, ap_str_c(s));
}

void cli_put_json(FILE *f, const char *s) { ap_escape_json(f, ap_str_c(s)); }

int cli_exit_for_status(ap_status st)
{
    switch (st) {
    case AP_OK:
    case AP_END: return CLI_EXIT_OK;
    case AP_ERR_IO:
    case AP_ERR_FORMAT:
    case AP_ERR_LIMIT:
    case AP_ERR_NOT_FOUND: return CLI_EXIT_INPUT;
    case AP_ERR_ARG: return CLI_EXIT_USAGE;
    case AP_ERR_STORE:
    case AP_ERR_VERSION: return CLI_EXIT_STORE;
    case AP_ERR_INTERRUPTED: return CLI_EXIT_INTERRUPTED;
    case AP_ERR_NOMEM:
    case AP_ERR_INTERNAL: return CLI_EXIT_INTERNAL;
    }
    return CLI_EXIT_INTERNAL;
}

int cli_open_store(const cli_command *cmd, const char *path, ap_store_mode mode, ap_store **out)
{
    char err[512] = "";
    if (mode == AP_STORE_READ_ONLY && access(path, F_OK) != 0 && errno == ENOENT) {
        char esc[1024];
        ap_escape_term_buf(esc, sizeof esc, ap_str_c(path));
        cli_error(cmd, "no store at '%s' (create it with '%s ingest --db %s PATH...')", esc,
                  CLI_PROGRAM, esc);
        return CLI_EXIT_STORE;
    }
    ap_status st = ap_store_open(path, mode, out, err, sizeof err);
    if (st == AP_OK)
        return CLI_CONTINUE;
    char esc_path[1024], esc_err[1024];
    ap_escape_term_buf(esc_path, sizeof esc_path, ap_str_c(path));
    ap_escape_term_buf(esc_err, sizeof esc_err, ap_str_c(err[0] ? err : ap_strerror(st)));
    cli_error(cmd, "cannot open store '%s': %s", esc_path, esc_err);
    int rc = cli_exit_for_status(st);
    return rc == CLI_EXIT_INTERNAL ? rc : CLI_EXIT_STORE;
}

int cli_finish_output(const cli_command *cmd, int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error(cmd, "cannot write the output: %s", strerror(errno));
        return rc == CLI_EXIT_OK ? CLI_EXIT_INPUT : rc;
    }
    return rc;
}

void cli_print_diag(void *user, const ap_diag *d)
{
    (void)user;
    fprintf(stderr, "%s:%llu: %s: ", d->file ? d->file : "?", (unsigned long long)d->line,
            d->severity == AP_SEV_ERROR ? "error" : "warning");
    cli_put_term(stderr, d->message);
    fputc('\n', stderr);
}
