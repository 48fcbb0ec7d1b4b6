/* cmd_ingest.c — `actorprint ingest`: reads logs into the store through ap_ingest and keeps
 * the person at the terminal informed without flooding them:
 *  - diagnostics as "FILE:LINE: warning: MESSAGE" on stderr, attacker text escaped, at most 20
 *    per reason (then one "further ... suppressed" line; the counts are in the store);
 *  - a progress bar on stderr, only when stderr is a terminal, redrawn at most 10 times a second
 *    and erased before any message and at the end;
 *  - a one-line summary; SIGINT/SIGTERM ask the library to stop at a clean point (exit 4).
 * The library may call the callbacks from its worker threads, so they share one mutex. */
#include "cli.h"

#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/escape.h"

#define MESSAGES_PER_REASON 20
#define MAX_REASONS 64
#define REDRAW_INTERVAL 0.1 /* seconds */

typedef struct ingest_args {
    const char *db;
    int quiet;
    uint64_t threads;
    uint64_t max_line;
    const char *include;
    uint64_t commit_every;
    int no_map;
    const char *rules, *attack;
} ingest_args;

typedef struct reason_tally {
    char reason[48];
    uint64_t seen;
    int announced; /* the "suppressed" line was printed */
} reason_tally;

typedef struct ingest_ui {
    pthread_mutex_t lock;
    const cli_command *cmd;
    int quiet;
    int tty;
    reason_tally reasons[MAX_REASONS];
    size_t nreasons;
    int bar_shown;
    double last_draw;
} ingest_ui;

static int on_option(void *ctx, const cli_command *cmd, const cli_option *opt, const char *arg)
{
    ingest_args *a = ctx;
    switch (opt->id) {
    case CLI_OPT_DB: a->db = arg; break;
    case CLI_OPT_QUIET: a->quiet = 1; break;
    case CLI_OPT_THREADS: return cli_arg_u64(cmd, opt, arg, 0, 256, &a->threads);
    case CLI_OPT_INCLUDE: a->include = arg; break;
    case CLI_OPT_NO_MAP: a->no_map = 1; break;
    case CLI_OPT_RULES: a->rules = arg; break;
    case CLI_OPT_ATTACK: a->attack = arg; break;
    case CLI_OPT_COMMIT_EVERY: {
        int rc = cli_arg_size(cmd, opt, arg, &a->commit_every);
        if (rc == CLI_CONTINUE && a->commit_every < 4096)
            return cli_usage_error(cmd, "--commit-every must be at least 4K");
        return rc;
    }
    case CLI_OPT_MAX_LINE: {
        int rc = cli_arg_size(cmd, opt, arg, &a->max_line);
        if (rc == CLI_CONTINUE && (a->max_line < 256 || a->max_line > ((uint64_t)1 << 31)))
            return cli_usage_error(cmd, "--max-line must be between 256 bytes and 2G");
        return rc;
    }
    default: break;
    }
    return CLI_CONTINUE;
}

/* ---- progress bar ---- */

static void bar_clear(ingest_ui *ui)
{
    if (ui->bar_shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        ui->bar_shown = 0;
    }
}

static size_t terminal_width(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    return 80;
}

static void fmt_eta(char *buf, size_t cap, double secs)
{
    if (secs < 0 || secs > 360000) {
        snprintf(buf, cap, "--:--");
        return;
    }
    unsigned long s = (unsigned long)(secs + 0.5);
    if (s >= 3600)
        snprintf(buf, cap, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, cap, "%lu:%02lu", s / 60, s % 60);
}

/* "[=========>          ]  45.2%  167.0 MB / 370.2 MB  ETA 0:12  195 MB/s  410,123 events/s";
 * the bar itself is dropped first when the terminal is narrow. */
static void bar_draw(ingest_ui *ui, const ap_progress *p)
{
    char text[256], line[512], a[32], b[32], ev[32], eta[32];
    size_t n = 0;
    double el = p->elapsed > 0 ? p->elapsed : 0;
    double frac = -1;
    if (p->bytes_total > 0) {
        frac = (double)p->disk_done / (double)p->bytes_total;
        if (frac > 1)
            frac = 1;
        fmt_eta(eta, sizeof eta, p->disk_done > 0 ? el * (1 - frac) / frac : -1);
        n += (size_t)snprintf(text + n, sizeof text - n, "%5.1f%%  %s / %s  ETA %s", frac * 100,
                              cli_fmt_bytes(a, p->disk_done), cli_fmt_bytes(b, p->bytes_total),
                              eta);
    } else {
        n += (size_t)snprintf(text + n, sizeof text - n, "%s read", cli_fmt_bytes(a, p->bytes_done));
    }
    if (el > 0 && n < sizeof text)
        n += (size_t)snprintf(text + n, sizeof text - n, "  %.0f MB/s  %s events/s",
                              (double)p->bytes_done / el / 1e6,
                              cli_fmt_count(ev, (uint64_t)((double)p->events / el)));
    if (n >= sizeof text)
        n = sizeof text - 1;
    size_t width = terminal_width() - 1, len = 0;
    /* the bar's width depends on the terminal only, so it does not jitter as numbers change;
     * the text is cut at the right edge when the terminal is too narrow for both */
    int bar = (int)width - 4 - 64; /* "[" bar "]  " + room for the text */
    if (bar > 30)
        bar = 30;
    if (frac >= 0 && bar >= 10) {
        int fill = (int)(frac * bar);
        line[len++] = '[';
        for (int i = 0; i < bar; i++)
            line[len++] = i < fill ? '=' : i == fill ? '>' : ' ';
        line[len++] = ']';
        line[len++] = ' ';
        line[len++] = ' ';
    }
    memcpy(line + len, text, n);
    len += n;
    if (len > width)
        len = width;
    fputc('\r', stderr);
    fwrite(line, 1, len, stderr);
    fputs("\033[K", stderr);
    fflush(stderr);
    ui->bar_shown = 1;
}

static void on_progress(void *user, const ap_progress *p)
{
    ingest_ui *ui = user;
    if (!ui->tty)
        return;
    pthread_mutex_lock(&ui->lock);
    if (!ui->bar_shown || p->elapsed - ui->last_draw >= REDRAW_INTERVAL) {
        bar_draw(ui, p);
        ui->last_draw = p->elapsed;
    }
    pthread_mutex_unlock(&ui->lock);
}

/* ---- diagnostics ---- */

static reason_tally *tally_for(ingest_ui *ui, const char *reason)
{
    if (!reason)
        reason = "other";
    for (size_t i = 0; i < ui->nreasons; i++)
        if (strcmp(ui->reasons[i].reason, reason) == 0)
            return &ui->reasons[i];
    if (ui->nreasons == MAX_REASONS)
        return &ui->reasons[MAX_REASONS - 1]; /* shared by the rarest reasons */
    reason_tally *t = &ui->reasons[ui->nreasons++];
    snprintf(t->reason, sizeof t->reason, "%s", reason);
    return t;
}

static void on_diag(void *user, const ap_diag *d)
{
    ingest_ui *ui = user;
    if (ui->quiet && d->severity != AP_SEV_ERROR)
        return;
    pthread_mutex_lock(&ui->lock);
    reason_tally *t = tally_for(ui, d->reason);
    t->seen++;
    if (t->seen > MESSAGES_PER_REASON) {
        if (!t->announced) {
            bar_clear(ui);
            fprintf(stderr, "%s: %s: further '", CLI_PROGRAM, ui->cmd->name);
            ap_escape_term(stderr, ap_str_c(t->reason));
            fputs("' messages suppressed\n", stderr);
            t->announced = 1;
        }
        pthread_mutex_unlock(&ui->lock);
        return;
    }
    bar_clear(ui);
    if (d->file)
        ap_escape_term(stderr, ap_str_c(d->file));
    else
        fprintf(stderr, "%s: %s", CLI_PROGRAM, ui->cmd->name);
    if (d->line)
        fprintf(stderr, ":%llu", (unsigned long long)d->line);
    fputs(d->severity == AP_SEV_ERROR     ? ": error: "
          : d->severity == AP_SEV_WARNING ? ": warning: "
                                          : ": note: ",
          stderr);
    ap_escape_term(stderr, ap_str_c(d->message ? d->message : d->reason));
    fputc('\n', stderr);
    pthread_mutex_unlock(&ui->lock);
}

/* ---- summary ---- */

static const char *plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static void print_summary(const ap_ingest_summary *s, int interrupted)
{
    char events[32], dup[32], unk[32], sess[32], files[32], bytes[32], bad[32], skip[32];
    fprintf(stderr, "%s%s %s %s", interrupted ? "interrupted: " : "", "ingested",
            cli_fmt_count(events, s->events), plural(s->events, "event", "events"));
    if (s->duplicates || s->unknown_events) {
        fputs(" (", stderr);
        if (s->duplicates)
            fprintf(stderr, "%s %s", cli_fmt_count(dup, s->duplicates),
                    plural(s->duplicates, "duplicate", "duplicates"));
        if (s->duplicates && s->unknown_events)
            fputs(", ", stderr);
        if (s->unknown_events)
            fprintf(stderr, "%s unknown %s", cli_fmt_count(unk, s->unknown_events),
                    plural(s->unknown_events, "kind", "kinds"));
        fputc(')', stderr);
    }
    uint64_t sessions = s->sessions_new + s->sessions_updated;
    fprintf(stderr, " in %s %s from %s %s (%s", cli_fmt_count(sess, sessions),
            plural(sessions, "session", "sessions"), cli_fmt_count(files, s->files),
            plural(s->files, "file", "files"), cli_fmt_bytes(bytes, s->bytes));
    if (s->files_skipped)
        fprintf(stderr, ", %s unchanged", cli_fmt_count(skip, s->files_skipped));
    fprintf(stderr, ") in %.1f s", s->seconds);
    if (s->seconds > 0.001 && s->bytes > 0) {
        double rate = (double)s->bytes / s->seconds / 1e6;
        fprintf(stderr, " \xe2\x80\x94 %.*f MB/s", rate < 10 ? 1 : 0, rate); /* em dash */
    }
    if (s->bad_lines)
        fprintf(stderr, "; %s bad %s (see '%s stats')", cli_fmt_count(bad, s->bad_lines),
                plural(s->bad_lines, "line", "lines"), CLI_PROGRAM);
    if (s->read_errors)
        fprintf(stderr, "; %llu %s not read completely", (unsigned long long)s->read_errors,
                plural(s->read_errors, "file", "files"));
    fputc('\n', stderr);
}

int cli_cmd_ingest(const cli_command *cmd, int argc, char **argv)
{
    ingest_args a = {CLI_DEFAULT_DB, 0, 0, 0, NULL, 0, 0, NULL, NULL};
    int first;
    int rc = cli_parse_options(cmd, argc, argv, on_option, &a, &first);
    if (rc != CLI_CONTINUE)
        return rc;
    if (first >= argc)
        return cli_usage_error(cmd, "no input: give files, directories, or '-' for standard input");

    /* the rules first: a mistake in a rules file given on the command line should stop the run
     * before hours of ingest, not after */
    ap_mapper *mapper = NULL;
    if (!a.no_map && (rc = cli_open_mapper(cmd, a.rules, a.attack, &mapper)) != CLI_CONTINUE)
        return rc;
    ap_store *store = NULL;
    rc = cli_open_store(cmd, a.db, AP_STORE_READ_WRITE, &store);
    if (rc != CLI_CONTINUE) {
        ap_mapper_close(mapper);
        return rc;
    }

    static ingest_ui ui; /* static: large, and the callbacks may outlive nothing else */
    memset(&ui, 0, sizeof ui);
    pthread_mutex_init(&ui.lock, NULL);
    ui.cmd = cmd;
    ui.quiet = a.quiet;
    ui.tty = !a.quiet && isatty(STDERR_FILENO);

    ap_ingest_options o;
    ap_ingest_options_init(&o);
    o.on_diag = on_diag;
    o.diag_user = &ui;
    o.on_progress = ui.tty ? on_progress : NULL;
    o.progress_user = &ui;
    o.threads = (unsigned)a.threads;
    if (a.max_line)
        o.max_line = (size_t)a.max_line;
    o.include = a.include;
    o.commit_bytes = a.commit_every;
    o.stop = &cli_stop_requested;
    cli_catch_stop_signals();

    ap_ingest_summary sum;
    memset(&sum, 0, sizeof sum);
    ap_status st = ap_ingest(store, (const char *const *)(argv + first), (size_t)(argc - first),
                             &o, &sum);

    pthread_mutex_lock(&ui.lock);
    bar_clear(&ui);
    pthread_mutex_unlock(&ui.lock);
    rc = cli_exit_for_status(st);
    if (!a.quiet)
        print_summary(&sum, st == AP_ERR_INTERRUPTED);
    /* Map what is new (also after an input error: what was read is stored). Not after an
     * interruption or a store error: the next run maps it. */
    if (mapper && (rc == CLI_EXIT_OK || rc == CLI_EXIT_INPUT)) {
        ap_map_summary ms;
        ap_status mst = ap_store_map(store, mapper, 0, &ms);
        if (mst != AP_OK) {
            char esc[1024];
            ap_escape_term_buf(esc, sizeof esc, ap_str_c(ap_store_errmsg(store)));
            cli_error(cmd, "mapping failed: %s: %s", ap_strerror(mst), esc);
            rc = cli_exit_for_status(mst) == CLI_EXIT_INTERNAL ? CLI_EXIT_INTERNAL : CLI_EXIT_STORE;
        } else if (!a.quiet) {
            char b1[32];
            fprintf(stderr, "mapped %s new command texts%s; %llu SSH keys in commands\n",
                    cli_fmt_count(b1, ms.inputs_mapped),
                    ms.remapped ? " (rules changed: everything remapped)" : "",
                    (unsigned long long)ms.keys);
        }
    }
    ap_mapper_close(mapper);
    switch (rc) {
    case CLI_EXIT_OK: break;
    case CLI_EXIT_INPUT:
        cli_error(cmd, "some input could not be read completely (see the errors above); "
                       "everything readable was ingested");
        break;
    case CLI_EXIT_INTERRUPTED:
        cli_error(cmd, "interrupted; the store is consistent, run the same command again to "
                       "continue");
        break;
    case CLI_EXIT_STORE: {
        char esc[1024];
        ap_escape_term_buf(esc, sizeof esc, ap_str_c(ap_store_errmsg(store)));
        cli_error(cmd, "store error: %s: %s", ap_strerror(st), esc);
        break;
    }
    default: cli_error(cmd, "%s", ap_strerror(st)); break;
    }
    ap_store_close(store);
    pthread_mutex_destroy(&ui.lock);
    return rc;
}
