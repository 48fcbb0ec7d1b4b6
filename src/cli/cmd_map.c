/* cmd_map.c — `actorprint map`: shell input (or Cowrie JSON lines) on standard input, and for
 * every statement its text, byte range, techniques with the rule that assigned them, and the
 * IOCs and SSH keys of the line — as text for people or JSON lines for scripts. Also the shared
 * way every command opens a mapper (--rules, --attack). */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/escape.h"
#include "util/str.h"

/* ---- opening a mapper, for every command that maps ---- */

static void on_mapper_diag(void *user, const ap_diag *d)
{
    const cli_command *cmd = user;
    char msg[1024];
    ap_escape_term_buf(msg, sizeof msg, ap_str_c(d->message ? d->message : ""));
    fprintf(stderr, "%s:%llu: %s: %s\n", d->file ? d->file : cmd->name,
            (unsigned long long)d->line, d->severity == AP_SEV_WARNING ? "warning" : "error", msg);
}

int cli_open_mapper(const cli_command *cmd, const char *rules, const char *attack, ap_mapper **out)
{
    ap_mapper_options o = {rules, attack, on_mapper_diag, (void *)cmd};
    ap_status st = ap_mapper_open(&o, out);
    if (st == AP_OK)
        return CLI_CONTINUE;
    cli_error(cmd, "cannot load the ATT&CK rules: %s", ap_strerror(st));
    return st == AP_ERR_NOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_INPUT;
}

/* ---- printing one mapped input ---- */

static void put_term_n(FILE *f, const char *s, size_t n)
{
    ap_escape_term(f, ap_str_make(s ? s : "", s ? n : 0));
}

static void put_json_n(FILE *f, const char *s, size_t n)
{
    ap_escape_json(f, ap_str_make(s ? s : "", s ? n : 0));
}

void cli_print_map_text(FILE *f, const ap_map_view *v, const char *indent)
{
    for (size_t i = 0; i < v->nstatements; i++) {
        const ap_statement_view *s = &v->statements[i];
        fprintf(f, "%s%*s[%zu] %u-%u ", indent, (int)s->depth * 2, "", i + 1, s->start, s->end);
        put_term_n(f, s->text, s->text_len);
        if (s->via) {
            static const char *const names[] = {"sh -c", "base64", "$()", "loop", "printf",
                                                "eval", "group", "heredoc"};
            fputs("  (via", f);
            for (int b = 0; b < 8; b++)
                if (s->via & (1u << b))
                    fprintf(f, " %s", names[b]);
            fputc(')', f);
        }
        fputc('\n', f);
        for (size_t k = 0; k < s->ntechniques; k++) {
            const ap_technique_view *t = &s->techniques[k];
            fprintf(f, "%s%*s    %-10s %s [%s] rule %s\n", indent, (int)s->depth * 2, "", t->id,
                    t->name, t->tactics, t->rule);
        }
    }
    for (size_t i = 0; i < v->niocs; i++) {
        fprintf(f, "%s    ioc %-11s ", indent, v->iocs[i].type);
        cli_put_term(f, v->iocs[i].value);
        fputc('\n', f);
    }
    for (size_t i = 0; i < v->nkeys; i++) {
        const ap_key_view *k = &v->keys[i];
        fprintf(f, "%s    key %s %u %s %s", indent, k->type, k->bits, k->sha256, k->md5);
        if (k->comment && *k->comment) {
            fputs(" \"", f);
            cli_put_term(f, k->comment);
            fputc('"', f);
        }
        fputs(k->injected ? " (written to authorized_keys)\n" : "\n", f);
    }
    if (v->truncated)
        fprintf(f, "%s    (too many statements: the rest were not mapped)\n", indent);
}

void cli_print_map_json(FILE *f, const ap_map_view *v)
{
    fputs("\"statements\":[", f);
    for (size_t i = 0; i < v->nstatements; i++) {
        const ap_statement_view *s = &v->statements[i];
        fprintf(f, "%s{\"text\":", i ? "," : "");
        put_json_n(f, s->text, s->text_len);
        fprintf(f, ",\"start\":%u,\"end\":%u,\"depth\":%u,\"via\":%u,\"parent\":%d,\"cmd\":",
                s->start, s->end, s->depth, s->via, s->parent);
        cli_put_json(f, s->cmd);
        fputs(",\"normal\":", f);
        cli_put_json(f, s->normal);
        fputs(",\"techniques\":[", f);
        for (size_t k = 0; k < s->ntechniques; k++) {
            const ap_technique_view *t = &s->techniques[k];
            fprintf(f, "%s{\"id\":", k ? "," : "");
            cli_put_json(f, t->id);
            fputs(",\"name\":", f);
            cli_put_json(f, t->name);
            fputs(",\"tactics\":[", f);
            const char *p = t->tactics ? t->tactics : "";
            for (int first = 1; *p; first = 0) {
                const char *comma = strchr(p, ',');
                size_t n = comma ? (size_t)(comma - p) : strlen(p);
                fputs(first ? "" : ",", f);
                put_json_n(f, p, n);
                p += n + (comma ? 1 : 0);
            }
            fputs("],\"rule\":", f);
            cli_put_json(f, t->rule);
            fputc('}', f);
        }
        fputs("]}", f);
    }
    fputs("],\"iocs\":[", f);
    for (size_t i = 0; i < v->niocs; i++) {
        fprintf(f, "%s{\"type\":", i ? "," : "");
        cli_put_json(f, v->iocs[i].type);
        fputs(",\"value\":", f);
        cli_put_json(f, v->iocs[i].value);
        fputc('}', f);
    }
    fputs("],\"keys\":[", f);
    for (size_t i = 0; i < v->nkeys; i++) {
        const ap_key_view *k = &v->keys[i];
        fprintf(f, "%s{\"type\":", i ? "," : "");
        cli_put_json(f, k->type);
        fprintf(f, ",\"bits\":%u,\"sha256\":", k->bits);
        cli_put_json(f, k->sha256);
        fputs(",\"md5\":", f);
        cli_put_json(f, k->md5);
        fputs(",\"comment\":", f);
        cli_put_json(f, k->comment);
        fprintf(f, ",\"injected\":%s}", k->injected ? "true" : "false");
    }
    fprintf(f, "],\"truncated\":%s", v->truncated ? "true" : "false");
}

/* ---- the command ---- */

typedef struct map_args {
    int json;
    const char *rules, *attack;
} map_args;

static int on_option(void *ctx, const cli_command *cmd, const cli_option *opt, const char *arg)
{
    (void)cmd;
    map_args *a = ctx;
    switch (opt->id) {
    case CLI_OPT_JSON: a->json = 1; break;
    case CLI_OPT_RULES: a->rules = arg; break;
    case CLI_OPT_ATTACK: a->attack = arg; break;
    default: break;
    }
    return CLI_CONTINUE;
}

int cli_cmd_map(const cli_command *cmd, int argc, char **argv)
{
    map_args a = {0};
    int first = 0;
    int rc = cli_parse_options(cmd, argc, argv, on_option, &a, &first);
    if (rc != CLI_CONTINUE)
        return rc;
    if (first < argc)
        return cli_unexpected_operand(cmd, argv[first]);
    ap_mapper *m = NULL;
    if ((rc = cli_open_mapper(cmd, a.rules, a.attack, &m)) != CLI_CONTINUE)
        return rc;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long long lineno = 0, bad = 0;
    rc = CLI_EXIT_OK;
    while ((len = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        size_t n = (size_t)len;
        if (n && line[n - 1] == '\n')
            n--;
        if (n && line[n - 1] == '\r')
            n--;
        const ap_map_view *v = NULL;
        int skipped = 0;
        ap_status st = ap_mapper_map_line(m, line, n, &v, &skipped);
        if (st != AP_OK) {
            cli_error(cmd, "<stdin>:%llu: %s", lineno, ap_strerror(st));
            rc = cli_exit_for_status(st);
            break;
        }
        if (skipped == 2) {
            fprintf(stderr, "<stdin>:%llu: warning: not a Cowrie JSON event; skipped\n", lineno);
            bad++;
        }
        if (skipped)
            continue;
        if (a.json) {
            fprintf(stdout, "{\"line\":%llu,\"input\":", lineno);
            put_json_n(stdout, line, n);
            fputc(',', stdout);
            cli_print_map_json(stdout, v);
            fputs("}\n", stdout);
        } else {
            fprintf(stdout, "%llu: ", lineno);
            put_term_n(stdout, line, n);
            fputc('\n', stdout);
            cli_print_map_text(stdout, v, "");
        }
    }
    if (rc == CLI_EXIT_OK && ferror(stdin)) {
        cli_error(cmd, "cannot read standard input: %s", strerror(errno));
        rc = CLI_EXIT_INPUT;
    }
    free(line);
    ap_mapper_close(m);
    (void)bad;
    return cli_finish_output(cmd, rc);
}
