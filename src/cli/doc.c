/* doc.c — renders the command table of commands.c three ways: plain text for --help and
 * `actorprint help CMD`, roff for the man page (`actorprint --man` > man/actorprint.1) and
 * Markdown for docs/cli.md (`actorprint --markdown`). The golden test compares the committed
 * files with this output, so the documentation cannot drift from the code.
 *
 * Table text is ASCII with a little markup: `code`, paragraphs separated by a blank line. */
#include "cli.h"

#include <string.h>

#define TEXT_WIDTH 79
#define OPT_COLUMN 24 /* where option help starts in --help */

typedef enum doc_format { DOC_TEXT, DOC_ROFF, DOC_MARKDOWN } doc_format;

/* ---- shared pieces ---- */

/* The synopsis tokens of a command: "[--db FILE]", "--out DIR", "PATH...". */
typedef struct synopsis {
    char tok[24][64];
    size_t n;
} synopsis;

static void synopsis_build(const cli_command *cmd, synopsis *s)
{
    s->n = 0;
    for (size_t i = 0; i < cmd->noptions && s->n < 23; i++) {
        const cli_option *o = &cmd->options[i];
        snprintf(s->tok[s->n++], sizeof s->tok[0], "%s--%s%s%s%s", o->required ? "" : "[", o->name,
                 o->arg ? " " : "", o->arg ? o->arg : "", o->required ? "" : "]");
    }
    if (cmd->operands && s->n < 24)
        snprintf(s->tok[s->n++], sizeof s->tok[0], "%s", cmd->operands);
}

/* Calls fn for each paragraph (separated by "\n\n") of text. */
typedef void (*para_fn)(FILE *f, const char *p, size_t n, void *ctx);
static void for_each_paragraph(FILE *f, const char *text, para_fn fn, void *ctx)
{
    while (*text) {
        const char *end = strstr(text, "\n\n");
        size_t n = end ? (size_t)(end - text) : strlen(text);
        fn(f, text, n, ctx);
        if (!end)
            break;
        text = end + 2;
    }
}

static int is_verbatim(const char *p, size_t n) { return n >= 2 && p[0] == ' ' && p[1] == ' '; }

/* ---- plain text ---- */

typedef struct wrap_state {
    FILE *f;
    size_t col, indent, width;
    int line_has_word;
} wrap_state;

static void wrap_word(wrap_state *w, const char *word, size_t n)
{
    if (w->line_has_word && w->col + 1 + n > w->width) {
        fprintf(w->f, "\n%*s", (int)w->indent, "");
        w->col = w->indent;
        w->line_has_word = 0;
    }
    if (w->line_has_word) {
        fputc(' ', w->f);
        w->col++;
    }
    fwrite(word, 1, n, w->f);
    w->col += n;
    w->line_has_word = 1;
}

/* Writes text wrapped, `code` as 'code'; the cursor is at column `col` (already indented). */
static void wrap_text(FILE *f, const char *text, size_t len, size_t col, size_t indent)
{
    wrap_state w = {f, col, indent, TEXT_WIDTH, 0};
    char word[256];
    size_t i = 0;
    while (i < len) {
        while (i < len && (text[i] == ' ' || text[i] == '\n'))
            i++;
        size_t n = 0;
        int code = 0; /* a `code span` is never broken across lines */
        while (i < len && (code || (text[i] != ' ' && text[i] != '\n'))) {
            if (text[i] == '`')
                code = !code;
            if (n < sizeof word)
                word[n++] = text[i] == '`' ? '\'' : text[i]; /* `code` shows as 'code' */
            i++;
        }
        if (n)
            wrap_word(&w, word, n);
    }
}

static void text_paragraph(FILE *f, const char *p, size_t n, void *ctx)
{
    size_t indent = *(const size_t *)ctx;
    if (is_verbatim(p, n)) {
        const char *line = p, *end = p + n;
        while (line < end) {
            const char *nl = memchr(line, '\n', (size_t)(end - line));
            size_t ln = nl ? (size_t)(nl - line) : (size_t)(end - line);
            fprintf(f, "%*s%.*s\n", (int)indent, "", (int)ln, line);
            line += ln + 1;
        }
    } else {
        fprintf(f, "%*s", (int)indent, "");
        wrap_text(f, p, n, indent, indent);
        fputc('\n', f);
    }
    fputc('\n', f);
}

static void text_paragraphs(FILE *f, const char *text, size_t indent)
{
    for_each_paragraph(f, text, text_paragraph, &indent);
}

static void text_option(FILE *f, const cli_option *o)
{
    char label[96];
    int n;
    if (o->short_name)
        n = snprintf(label, sizeof label, "  -%c, --%s%s%s", o->short_name, o->name,
                     o->arg ? " " : "", o->arg ? o->arg : "");
    else
        n = snprintf(label, sizeof label, "      --%s%s%s", o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
    fputs(label, f);
    size_t col = (size_t)n;
    if (col + 2 > OPT_COLUMN) {
        fputc('\n', f);
        col = 0;
    }
    fprintf(f, "%*s", (int)(OPT_COLUMN - col), "");
    char help[1024];
    if (o->default_value)
        snprintf(help, sizeof help, "%s (default: %s)", o->help, o->default_value);
    else
        snprintf(help, sizeof help, "%s", o->help);
    wrap_text(f, help, strlen(help), OPT_COLUMN, OPT_COLUMN);
    fputc('\n', f);
}

static void text_exit_codes(FILE *f, unsigned mask)
{
    fputs("Exit status:\n", f);
    for (size_t i = 0; i < cli_nexit_codes; i++) {
        const cli_exit_code *e = &cli_exit_codes[i];
        if (!(mask & CLI_EXIT_BIT(e->code)))
            continue;
        fprintf(f, "  %d  ", e->code);
        wrap_text(f, e->meaning, strlen(e->meaning), 5, 5);
        fputc('\n', f);
    }
}

void cli_print_command_help(FILE *f, const cli_command *cmd)
{
    synopsis s;
    synopsis_build(cmd, &s);
    char head[64];
    int hn = snprintf(head, sizeof head, "usage: %s %s", CLI_PROGRAM, cmd->name);
    fputs(head, f);
    wrap_state w = {f, (size_t)hn, (size_t)hn + 1, TEXT_WIDTH, 1};
    for (size_t i = 0; i < s.n; i++)
        wrap_word(&w, s.tok[i], strlen(s.tok[i]));
    fprintf(f, "\n\n%s.\n\n", cmd->summary);
    text_paragraphs(f, cmd->description, 0);
    fputs("Options:\n", f);
    for (size_t i = 0; i < cmd->noptions; i++)
        text_option(f, &cmd->options[i]);
    text_option(f, &cli_help_option);
    fputc('\n', f);
    text_exit_codes(f, cmd->exit_codes);
    if (cmd->nexamples) {
        fputs("\nExamples:\n", f);
        for (size_t i = 0; i < cmd->nexamples; i++) {
            fprintf(f, "  %s %s\n      ", CLI_PROGRAM, cmd->examples[i].command);
            wrap_text(f, cmd->examples[i].explanation, strlen(cmd->examples[i].explanation), 6, 6);
            fputc('\n', f);
        }
    }
}

void cli_print_program_help(FILE *f)
{
    fprintf(f, "usage: %s [--version] [--help] COMMAND [ARGS]\n\n", CLI_PROGRAM);
    fprintf(f, "%s - %s.\n\nCommands:\n", CLI_PROGRAM, cli_summary);
    for (size_t i = 0; i < cli_ncommands; i++)
        fprintf(f, "  %-10s %s\n", cli_commands[i].name, cli_commands[i].summary);
    fputs("\nOptions:\n", f);
    for (size_t i = 0; i < cli_nglobal_options; i++)
        text_option(f, &cli_global_options[i]);
    fprintf(f, "\nRun '%s help COMMAND' for the options of a command,\n'man %s' for the manual.\n\n",
            CLI_PROGRAM, CLI_PROGRAM);
    text_exit_codes(f, ~0u);
}

/* ---- roff ---- */

/* Escapes table text for roff; `code` becomes bold. `at_line_start` guards '.' and '\''. */
static void roff_text(FILE *f, const char *p, size_t n, int at_line_start)
{
    int bold = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (at_line_start && (c == '.' || c == '\''))
            fputs("\\&", f);
        at_line_start = 0;
        switch (c) {
        case '`':
            fputs(bold ? "\\fR" : "\\fB", f);
            bold = !bold;
            break;
        case '\\': fputs("\\e", f); break;
        case '-': fputs("\\-", f); break;
        case '\n':
            fputc(' ', f);
            break;
        default: fputc(c, f);
        }
    }
    if (bold)
        fputs("\\fR", f);
}

static void roff_cstr(FILE *f, const char *s, int at_line_start)
{
    roff_text(f, s, strlen(s), at_line_start);
}

static void roff_paragraph(FILE *f, const char *p, size_t n, void *ctx)
{
    (void)ctx;
    if (is_verbatim(p, n)) {
        fputs(".PP\n.RS 4\n.nf\n", f);
        const char *line = p, *end = p + n;
        while (line < end) {
            const char *nl = memchr(line, '\n', (size_t)(end - line));
            size_t ln = nl ? (size_t)(nl - line) : (size_t)(end - line);
            roff_text(f, line + 2, ln - 2, 1);
            fputc('\n', f);
            line += ln + 1;
        }
        fputs(".fi\n.RE\n", f);
        return;
    }
    fputs(".PP\n", f);
    roff_text(f, p, n, 1);
    fputc('\n', f);
}

static void roff_option(FILE *f, const cli_option *o)
{
    fputs(".TP\n", f);
    if (o->short_name)
        fprintf(f, "\\fB\\-%c\\fR, ", o->short_name);
    fputs("\\fB\\-\\-", f);
    roff_cstr(f, o->name, 0);
    fputs("\\fR", f);
    if (o->arg) {
        fputs(" \\fI", f);
        roff_cstr(f, o->arg, 0);
        fputs("\\fR", f);
    }
    fputc('\n', f);
    roff_cstr(f, o->help, 1);
    if (o->default_value) {
        fputs(" (default: ", f);
        roff_cstr(f, o->default_value, 0);
        fputc(')', f);
    }
    fputc('\n', f);
}

static void roff_synopsis(FILE *f, const cli_command *cmd)
{
    synopsis s;
    synopsis_build(cmd, &s);
    fprintf(f, ".B %s %s\n", CLI_PROGRAM, cmd->name);
    for (size_t i = 0; i < s.n; i++) {
        roff_cstr(f, s.tok[i], 1);
        fputc('\n', f);
    }
}

void cli_print_man(FILE *f)
{
    fputs(".\\\" Generated by 'actorprint --man' from src/cli/commands.c. Do not edit.\n", f);
    fputs(".TH ACTORPRINT 1 \"\" \"actorprint\" \"User Commands\"\n", f);
    fputs(".SH NAME\n", f);
    fprintf(f, "%s \\- ", CLI_PROGRAM);
    roff_cstr(f, cli_summary, 0);
    fputs("\n.SH SYNOPSIS\n", f);
    fprintf(f, ".B %s\n[\\fB\\-\\-version\\fR] [\\fB\\-\\-help\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]\n",
            CLI_PROGRAM);
    for (size_t i = 0; i < cli_ncommands; i++) {
        fputs(".br\n", f);
        roff_synopsis(f, &cli_commands[i]);
    }
    fputs(".SH DESCRIPTION\n", f);
    for_each_paragraph(f, cli_description, roff_paragraph, NULL);
    fputs(".SH OPTIONS\n", f);
    for (size_t i = 0; i < cli_nglobal_options; i++)
        roff_option(f, &cli_global_options[i]);
    fputs(".SH COMMANDS\n", f);
    for (size_t i = 0; i < cli_ncommands; i++) {
        const cli_command *cmd = &cli_commands[i];
        fprintf(f, ".SS %s\n", cmd->name);
        roff_synopsis(f, cmd);
        fputs(".PP\n", f);
        roff_cstr(f, cmd->summary, 1);
        fputs(".\n", f);
        for_each_paragraph(f, cmd->description, roff_paragraph, NULL);
        for (size_t j = 0; j < cmd->noptions; j++)
            roff_option(f, &cmd->options[j]);
        roff_option(f, &cli_help_option);
    }
    fputs(".SH \"EXIT STATUS\"\n", f);
    for (size_t i = 0; i < cli_nexit_codes; i++) {
        fprintf(f, ".TP\n.B %d\n", cli_exit_codes[i].code);
        roff_cstr(f, cli_exit_codes[i].meaning, 1);
        fputc('\n', f);
    }
    for (size_t i = 0; i < cli_nsections; i++) {
        fprintf(f, ".SH \"%s\"\n", cli_sections[i].title);
        for_each_paragraph(f, cli_sections[i].body, roff_paragraph, NULL);
    }
    fputs(".SH EXAMPLES\n", f);
    for (size_t i = 0; i < cli_ncommands; i++) {
        const cli_command *cmd = &cli_commands[i];
        for (size_t j = 0; j < cmd->nexamples; j++) {
            fputs(".PP\n", f);
            roff_cstr(f, cmd->examples[j].explanation, 1);
            fputs("\n.PP\n.RS 4\n.nf\n", f);
            fprintf(f, "%s ", CLI_PROGRAM);
            roff_cstr(f, cmd->examples[j].command, 0);
            fputs("\n.fi\n.RE\n", f);
        }
    }
    fputs(".SH \"SEE ALSO\"\n", f);
    fputs(".BR sqlite3 (1),\n", f);
    fputs(".BR jq (1)\n", f);
}

/* ---- Markdown ---- */

/* Table text as Markdown: `code` kept, specials outside code escaped, newlines joined. */
static void md_text(FILE *f, const char *p, size_t n)
{
    int code = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '`')
            code = !code;
        else if (!code && strchr("\\*_<>[]|", c))
            fputc('\\', f);
        fputc(c == '\n' ? ' ' : c, f);
    }
}

static void md_cstr(FILE *f, const char *s) { md_text(f, s, strlen(s)); }

static void md_paragraph(FILE *f, const char *p, size_t n, void *ctx)
{
    (void)ctx;
    if (is_verbatim(p, n)) {
        fputs("```\n", f);
        const char *line = p, *end = p + n;
        while (line < end) {
            const char *nl = memchr(line, '\n', (size_t)(end - line));
            size_t ln = nl ? (size_t)(nl - line) : (size_t)(end - line);
            fprintf(f, "%.*s\n", (int)(ln - 2), line + 2);
            line += ln + 1;
        }
        fputs("```\n\n", f);
        return;
    }
    md_text(f, p, n);
    fputs("\n\n", f);
}

static void md_option(FILE *f, const cli_option *o)
{
    fputs("| `", f);
    if (o->short_name)
        fprintf(f, "-%c`, `", o->short_name);
    fprintf(f, "--%s%s%s` | ", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    md_cstr(f, o->help);
    fputs(" | ", f);
    if (o->default_value)
        fprintf(f, "`%s`", o->default_value);
    fputs(" |\n", f);
}

void cli_print_markdown(FILE *f)
{
    fputs("<!-- Generated by 'actorprint --markdown' from src/cli/commands.c. Do not edit;\n"
          "     tests/golden/cli_help.sh checks this file against the program. -->\n",
          f);
    fprintf(f, "# %s - %s\n\n", CLI_PROGRAM, cli_summary);
    fprintf(f, "```\n%s [--version] [--help] COMMAND [ARGS]\n", CLI_PROGRAM);
    for (size_t i = 0; i < cli_ncommands; i++) {
        synopsis s;
        synopsis_build(&cli_commands[i], &s);
        fprintf(f, "%s %s", CLI_PROGRAM, cli_commands[i].name);
        for (size_t j = 0; j < s.n; j++)
            fprintf(f, " %s", s.tok[j]);
        fputc('\n', f);
    }
    fputs("```\n\n", f);
    for_each_paragraph(f, cli_description, md_paragraph, NULL);
    fputs("## Global options\n\n| Option | Meaning | Default |\n|---|---|---|\n", f);
    for (size_t i = 0; i < cli_nglobal_options; i++)
        md_option(f, &cli_global_options[i]);
    fputc('\n', f);
    for (size_t i = 0; i < cli_ncommands; i++) {
        const cli_command *cmd = &cli_commands[i];
        synopsis s;
        synopsis_build(cmd, &s);
        fprintf(f, "## %s\n\n", cmd->name);
        fprintf(f, "%s.\n\n```\n%s %s", cmd->summary, CLI_PROGRAM, cmd->name);
        for (size_t j = 0; j < s.n; j++)
            fprintf(f, " %s", s.tok[j]);
        fputs("\n```\n\n", f);
        for_each_paragraph(f, cmd->description, md_paragraph, NULL);
        fputs("| Option | Meaning | Default |\n|---|---|---|\n", f);
        for (size_t j = 0; j < cmd->noptions; j++)
            md_option(f, &cmd->options[j]);
        md_option(f, &cli_help_option);
        fputs("\nExit status:", f);
        for (size_t j = 0; j < cli_nexit_codes; j++)
            if (cmd->exit_codes & CLI_EXIT_BIT(cli_exit_codes[j].code))
                fprintf(f, " %d", cli_exit_codes[j].code);
        fputs(".\n\n", f);
        if (cmd->nexamples) {
            fputs("Examples:\n\n", f);
            for (size_t j = 0; j < cmd->nexamples; j++) {
                fputs("- ", f);
                md_cstr(f, cmd->examples[j].explanation);
                fprintf(f, "\n\n  ```\n  %s %s\n  ```\n\n", CLI_PROGRAM, cmd->examples[j].command);
            }
        }
    }
    fputs("## Exit status\n\n| Code | Meaning |\n|---|---|\n", f);
    for (size_t i = 0; i < cli_nexit_codes; i++) {
        fprintf(f, "| %d | ", cli_exit_codes[i].code);
        md_cstr(f, cli_exit_codes[i].meaning);
        fputs(" |\n", f);
    }
    fputc('\n', f);
    for (size_t i = 0; i < cli_nsections; i++) {
        fputs("## ", f);
        const char *t = cli_sections[i].title;
        /* "UNTRUSTED TEXT" -> "Untrusted text" */
        for (size_t j = 0; t[j]; j++)
            fputc(j == 0 ? t[j] : (t[j] >= 'A' && t[j] <= 'Z' ? t[j] - 'A' + 'a' : t[j]), f);
        fputs("\n\n", f);
        for_each_paragraph(f, cli_sections[i].body, md_paragraph, NULL);
    }
}
