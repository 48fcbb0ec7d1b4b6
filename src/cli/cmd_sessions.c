/* cmd_sessions.c — `actorprint sessions`: the sessions matching a filter, as readable blocks or
 * as JSON lines. Every string in a session is attacker-controlled and goes through the
 * terminal or JSON escaper (util/escape.h); nothing from the logs is printed raw. */
#include "cli.h"

#include <math.h>
#include <string.h>

typedef struct sessions_args {
    const char *db;
    int json;
    ap_session_filter filter;
} sessions_args;

static int on_option(void *ctx, const cli_command *cmd, const cli_option *opt, const char *arg)
{
    sessions_args *a = ctx;
    switch (opt->id) {
    case CLI_OPT_DB: a->db = arg; break;
    case CLI_OPT_JSON: a->json = 1; break;
    case CLI_OPT_IP: a->filter.ip = arg; break;
    case CLI_OPT_SENSOR: a->filter.sensor = arg; break;
    case CLI_OPT_SINCE: return cli_arg_time(cmd, opt, arg, &a->filter.since_us);
    case CLI_OPT_UNTIL: return cli_arg_time(cmd, opt, arg, &a->filter.until_us);
    case CLI_OPT_WITH_COMMANDS: a->filter.with_commands = 1; break;
    case CLI_OPT_LIMIT: return cli_arg_u64(cmd, opt, arg, 1, UINT64_MAX, &a->filter.limit);
    default: break;
    }
    return CLI_CONTINUE;
}

/* ---- text ---- */

/* "+12.3s": when an item happened, relative to the session start. */
static void put_offset(FILE *f, int64_t start_us, int64_t ts_us)
{
    char b[32];
    if (ts_us == 0 || start_us == 0)
        snprintf(b, sizeof b, "?");
    else
        snprintf(b, sizeof b, "%+.1fs", (double)(ts_us - start_us) / 1e6);
    fprintf(f, "  %9s  ", b);
}

static void put_port(FILE *f, int port)
{
    if (port > 0)
        fprintf(f, ":%d", port);
}

static void print_text(FILE *f, const ap_session_view *v)
{
    char t[40];
    fputs(cli_fmt_time(t, v->start_us), f);
    fputs("  ", f);
    cli_put_term(f, v->sensor);
    fputs("  ", f);
    cli_put_term(f, v->session);
    fputs("  ", f);
    cli_put_term(f, v->protocol);
    fputs("  ", f);
    cli_put_term(f, v->src_ip);
    put_port(f, v->src_port);
    fputs(" \xe2\x86\x92 ", f); /* → */
    cli_put_term(f, v->dst_ip);
    put_port(f, v->dst_port);
    if (isfinite(v->duration) && v->duration >= 0)
        fprintf(f, "  %.1fs%s", v->duration, v->closed ? "" : " (not closed)");
    fputs("  ", f);
    cli_put_term(f, v->client_version);
    if (v->hassh) {
        fputs("  hassh ", f);
        cli_put_term(f, v->hassh);
    }
    fputc('\n', f);

    for (size_t i = 0; i < v->nlogins; i++) {
        const ap_login_view *l = &v->logins[i];
        put_offset(f, v->start_us, l->ts_us);
        fputs("login ", f);
        cli_put_term(f, l->username);
        fputc('/', f);
        cli_put_term(f, l->password);
        fputs(l->success ? " succeeded\n" : " failed\n", f);
    }
    for (size_t i = 0; i < v->ncommands; i++) {
        const ap_command_view *c = &v->commands[i];
        put_offset(f, v->start_us, c->ts_us);
        fputs("$ ", f);
        cli_put_term(f, c->input);
        fputs(c->success == 0 ? "   [not found]\n" : "\n", f);
    }
    for (size_t i = 0; i < v->ntransfers; i++) {
        const ap_transfer_view *x = &v->transfers[i];
        put_offset(f, v->start_us, x->ts_us);
        if (x->upload) {
            fputs("upload ", f);
            cli_put_term(f, x->filename);
        } else {
            fputs("download", f);
            if (x->url) { /* absent when the file came on stdin (scp, cat > file) */
                fputc(' ', f);
                cli_put_term(f, x->url);
            }
            if (x->filename && *x->filename) {
                fputs(" -> ", f);
                cli_put_term(f, x->filename);
            }
        }
        if (x->shasum) {
            fputs(" sha256 ", f);
            cli_put_term(f, x->shasum);
        }
        fputs(x->failed ? " (failed)\n" : "\n", f);
    }
    for (size_t i = 0; i < v->nclient_keys; i++) {
        fprintf(f, "  %9s  key ", "");
        cli_put_term(f, v->client_keys[i]);
        fputc('\n', f);
    }
    for (size_t i = 0; i < v->nforwards; i++) {
        fprintf(f, "  %9s  forward ", "");
        cli_put_term(f, v->forwards[i]);
        fputc('\n', f);
    }
}

/* ---- JSON lines ---- */

static void json_key(FILE *f, const char *key, int *first)
{
    if (!*first)
        fputc(',', f);
    *first = 0;
    fprintf(f, "\"%s\":", key);
}

static void json_str(FILE *f, const char *key, const char *value, int *first)
{
    json_key(f, key, first);
    cli_put_json(f, value);
}

static void json_time(FILE *f, const char *key, int64_t us, int *first)
{
    char t[40];
    json_key(f, key, first);
    if (us)
        cli_put_json(f, cli_fmt_time(t, us));
    else
        fputs("null", f);
}

static void json_int(FILE *f, const char *key, long long v, int *first)
{
    json_key(f, key, first);
    fprintf(f, "%lld", v);
}

static void json_port(FILE *f, const char *key, int port, int *first)
{
    json_key(f, key, first);
    if (port > 0)
        fprintf(f, "%d", port);
    else
        fputs("null", f);
}

static void print_json(FILE *f, const ap_session_view *v)
{
    int first = 1;
    fputc('{', f);
    json_str(f, "sensor", v->sensor, &first);
    json_str(f, "session", v->session, &first);
    json_str(f, "protocol", v->protocol, &first);
    json_str(f, "src_ip", v->src_ip, &first);
    json_port(f, "src_port", v->src_port, &first);
    json_str(f, "dst_ip", v->dst_ip, &first);
    json_port(f, "dst_port", v->dst_port, &first);
    json_time(f, "start", v->start_us, &first);
    json_time(f, "end", v->end_us, &first);
    json_key(f, "duration", &first);
    if (isfinite(v->duration) && v->duration >= 0)
        fprintf(f, "%.3f", v->duration);
    else
        fputs("null", f);
    json_key(f, "closed", &first);
    fputs(v->closed ? "true" : "false", f);
    json_str(f, "client_version", v->client_version, &first);
    json_str(f, "hassh", v->hassh, &first);
    json_str(f, "arch", v->arch, &first);
    json_key(f, "terminal", &first);
    if (v->term_width > 0 || v->term_height > 0)
        fprintf(f, "{\"width\":%d,\"height\":%d}", v->term_width, v->term_height);
    else
        fputs("null", f);
    json_int(f, "events", (long long)v->events, &first);

    json_key(f, "logins", &first);
    fputc('[', f);
    for (size_t i = 0; i < v->nlogins; i++) {
        const ap_login_view *l = &v->logins[i];
        int ifirst = 1;
        fputs(i ? ",{" : "{", f);
        json_time(f, "time", l->ts_us, &ifirst);
        json_str(f, "username", l->username, &ifirst);
        json_str(f, "password", l->password, &ifirst);
        json_key(f, "success", &ifirst);
        fputs(l->success ? "true}" : "false}", f);
    }
    fputc(']', f);

    json_key(f, "commands", &first);
    fputc('[', f);
    for (size_t i = 0; i < v->ncommands; i++) {
        const ap_command_view *c = &v->commands[i];
        int ifirst = 1;
        fputs(i ? ",{" : "{", f);
        json_time(f, "time", c->ts_us, &ifirst);
        json_str(f, "input", c->input, &ifirst);
        json_key(f, "success", &ifirst);
        fputs(c->success > 0 ? "true}" : c->success == 0 ? "false}" : "null}", f);
    }
    fputc(']', f);

    json_key(f, "transfers", &first);
    fputc('[', f);
    for (size_t i = 0; i < v->ntransfers; i++) {
        const ap_transfer_view *x = &v->transfers[i];
        int ifirst = 1;
        fputs(i ? ",{" : "{", f);
        json_time(f, "time", x->ts_us, &ifirst);
        json_str(f, "direction", x->upload ? "upload" : "download", &ifirst);
        json_key(f, "failed", &ifirst);
        fputs(x->failed ? "true" : "false", f);
        json_str(f, "url", x->url, &ifirst);
        json_str(f, "shasum", x->shasum, &ifirst);
        json_str(f, "outfile", x->outfile, &ifirst);
        json_str(f, "filename", x->filename, &ifirst);
        fputc('}', f);
    }
    fputc(']', f);

    json_key(f, "client_keys", &first);
    fputc('[', f);
    for (size_t i = 0; i < v->nclient_keys; i++) {
        if (i)
            fputc(',', f);
        cli_put_json(f, v->client_keys[i]);
    }
    fputc(']', f);

    json_key(f, "forwards", &first);
    fputc('[', f);
    for (size_t i = 0; i < v->nforwards; i++) {
        if (i)
            fputc(',', f);
        cli_put_json(f, v->forwards[i]);
    }
    fputs("]}\n", f);
}

int cli_cmd_sessions(const cli_command *cmd, int argc, char **argv)
{
    sessions_args a;
    memset(&a, 0, sizeof a);
    a.db = CLI_DEFAULT_DB;
    int first;
    int rc = cli_parse_options(cmd, argc, argv, on_option, &a, &first);
    if (rc != CLI_CONTINUE)
        return rc;
    if (first < argc)
        return cli_unexpected_operand(cmd, argv[first]);
    if (a.filter.since_us && a.filter.until_us && a.filter.until_us <= a.filter.since_us)
        return cli_usage_error(cmd, "--until must be later than --since");

    ap_store *store = NULL;
    ap_session_iter *it = NULL;
    rc = cli_open_store(cmd, a.db, AP_STORE_READ_ONLY, &store);
    if (rc != CLI_CONTINUE)
        return rc;
    cli_catch_stop_signals();
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

    ap_status st = ap_session_iter_open(store, &a.filter, &it);
    uint64_t printed = 0;
    while (st == AP_OK) {
        const ap_session_view *v = NULL;
        st = ap_session_iter_next(it, &v);
        if (st != AP_OK)
            break;
        if (a.json) {
            print_json(stdout, v);
        } else {
            if (printed)
                fputc('\n', stdout);
            print_text(stdout, v);
        }
        printed++;
        if (cli_stop_requested) {
            st = AP_ERR_INTERRUPTED;
            break;
        }
        if (ferror(stdout))
            break; /* reported by cli_finish_output */
    }
    if (st == AP_END || st == AP_OK) {
        rc = CLI_EXIT_OK;
    } else if (st == AP_ERR_INTERRUPTED) {
        cli_error(cmd, "interrupted");
        rc = CLI_EXIT_INTERRUPTED;
    } else {
        cli_error(cmd, "cannot read sessions: %s (%s)", ap_strerror(st), ap_store_errmsg(store));
        rc = cli_exit_for_status(st);
    }
    ap_session_iter_close(it);
    ap_store_close(store);
    return cli_finish_output(cmd, rc);
}
