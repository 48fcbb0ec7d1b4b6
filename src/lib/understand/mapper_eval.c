/* mapper_eval.c — precision, recall and F1 of the ATT&CK rules on a labelled corpus (see
 * mapper_eval.h for the corpus format and the scores).
 *
 * Why it exists: the acceptance bar for the mapper is a measured one (micro-F1 and macro-F1 on
 * the project's corpus), and rule authors need the list of lines they get wrong, with what was
 * expected and what was predicted, to improve the rules rather than the corpus.
 */
#include "understand/mapper_eval.h"

#include <stdlib.h>
#include <string.h>

#include "understand/shell.h"
#include "util/arena.h"
#include "util/escape.h"

#define EVAL_MAX_IDS 64 /* techniques kept per line (expected or predicted) */

struct ap_mapper_eval_result {
    ap_arena arena;
    ap_eval_summary sum;
    ap_eval_score *scores;
    size_t nscores, scores_cap;
    ap_eval_miss *misses;
    size_t nmisses, misses_cap;
};

/* A set of technique ids of one line, sorted, without duplicates. */
typedef struct id_set {
    ap_str v[EVAL_MAX_IDS];
    size_t n;
} id_set;

static int str_cmp(ap_str a, ap_str b)
{
    size_t m = a.n < b.n ? a.n : b.n;
    int c = m ? memcmp(a.p, b.p, m) : 0;
    return c ? c : (a.n < b.n ? -1 : a.n > b.n);
}

static void set_add(id_set *s, ap_str id)
{
    size_t i = 0;
    while (i < s->n && str_cmp(s->v[i], id) < 0)
        i++;
    if (i < s->n && str_cmp(s->v[i], id) == 0)
        return;
    if (s->n == EVAL_MAX_IDS)
        return;
    memmove(s->v + i + 1, s->v + i, (s->n - i) * sizeof *s->v);
    s->v[i] = id;
    s->n++;
}

static int set_has(const id_set *s, ap_str id)
{
    for (size_t i = 0; i < s->n; i++)
        if (ap_str_eq(s->v[i], id))
            return 1;
    return 0;
}

static int valid_id(ap_str s)
{
    if ((s.n != 5 && s.n != 9) || s.p[0] != 'T')
        return 0;
    for (size_t i = 1; i < s.n; i++) {
        if (i == 5) {
            if (s.p[i] != '.')
                return 0;
        } else if (s.p[i] < '0' || s.p[i] > '9') {
            return 0;
        }
    }
    return 1;
}

static ap_str trim(ap_str s)
{
    while (s.n && (s.p[0] == ' ' || s.p[0] == '\t'))
        s.p++, s.n--;
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t' || s.p[s.n - 1] == '\r'))
        s.n--;
    return s;
}

/* \t \n \\ become tab, newline, backslash; other bytes are kept. NUL-terminated copy. */
static ap_str unescape(ap_arena *arena, ap_str in)
{
    char *o = ap_arena_alloc(arena, in.n + 1);
    if (!o)
        return AP_STR_NULL;
    size_t k = 0;
    for (size_t i = 0; i < in.n; i++) {
        char c = in.p[i];
        if (c == '\\' && i + 1 < in.n && (in.p[i + 1] == 't' || in.p[i + 1] == 'n' || in.p[i + 1] == '\\')) {
            char e = in.p[++i];
            o[k++] = e == 't' ? '\t' : e == 'n' ? '\n' : '\\';
            continue;
        }
        o[k++] = c;
    }
    o[k] = '\0';
    return ap_str_make(o, k);
}

static const char *join_ids(ap_arena *arena, const id_set *s)
{
    if (s->n == 0)
        return ap_arena_strdup(arena, "-");
    size_t len = 0;
    for (size_t i = 0; i < s->n; i++)
        len += s->v[i].n + 1;
    char *o = ap_arena_alloc(arena, len + 1);
    if (!o)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (i)
            o[k++] = ',';
        memcpy(o + k, s->v[i].p, s->v[i].n);
        k += s->v[i].n;
    }
    o[k] = '\0';
    return o;
}

static ap_eval_score *score_for(ap_mapper_eval_result *r, ap_attack *a, ap_str id)
{
    for (size_t i = 0; i < r->nscores; i++)
        if (ap_str_eq_c(id, r->scores[i].technique))
            return &r->scores[i];
    if (r->nscores == r->scores_cap) {
        size_t cap = r->scores_cap ? r->scores_cap * 2 : 64;
        ap_eval_score *v = realloc(r->scores, cap * sizeof *v);
        if (!v)
            return NULL;
        r->scores = v;
        r->scores_cap = cap;
    }
    ap_eval_score *s = &r->scores[r->nscores];
    memset(s, 0, sizeof *s);
    s->technique = ap_arena_dup(&r->arena, id).p;
    const ap_technique *t = ap_attack_technique(a, id);
    s->name = t ? ap_arena_strdup(&r->arena, t->name) : NULL;
    if (!s->technique || (t && !s->name))
        return NULL;
    r->nscores++;
    return s;
}

static void report(ap_diag_fn on_diag, void *user, ap_severity sev, const char *file, unsigned line,
                   const char *reason, const char *msg)
{
    if (!on_diag)
        return;
    ap_diag d = {sev, file, line, 0, reason, msg};
    on_diag(user, &d);
}

/* Reads EXPECTED into *set. Returns 0 when malformed. */
static int parse_expected(ap_str field, id_set *set)
{
    field = trim(field);
    set->n = 0;
    if (ap_str_eq_c(field, "-"))
        return 1;
    if (field.n == 0)
        return 0;
    size_t i = 0;
    while (i <= field.n) {
        size_t j = i;
        while (j < field.n && field.p[j] != ',')
            j++;
        ap_str id = trim(ap_str_make(field.p + i, j - i));
        if (!valid_id(id))
            return 0;
        set_add(set, id);
        i = j + 1;
    }
    return 1;
}

/* The union of techniques over every statement of one input line. */
static ap_status predict(ap_attack *a, ap_str input, ap_arena *scratch, id_set *set,
                         uint64_t *statements)
{
    ap_stmt *stmts = NULL;
    size_t n = 0;
    set->n = 0;
    ap_status st = ap_shell_parse(input, NULL, scratch, &stmts, &n, NULL);
    if (st != AP_OK)
        return st;
    *statements += n;
    ap_match m[EVAL_MAX_IDS];
    for (size_t i = 0; i < n; i++) {
        size_t count = 0;
        st = ap_attack_map_stmt(a, stmts, n, i, m, EVAL_MAX_IDS, &count);
        if (st != AP_OK)
            return st;
        for (size_t k = 0; k < count && k < EVAL_MAX_IDS; k++)
            set_add(set, ap_str_c(m[k].technique->id));
    }
    return AP_OK;
}

static int cmp_score(const void *x, const void *y)
{
    return strcmp(((const ap_eval_score *)x)->technique, ((const ap_eval_score *)y)->technique);
}

static void finish_scores(ap_mapper_eval_result *r)
{
    ap_eval_summary *s = &r->sum;
    double sp = 0, sr = 0, sf = 0;
    for (size_t i = 0; i < r->nscores; i++) {
        ap_eval_score *e = &r->scores[i];
        e->precision = e->tp + e->fp ? (double)e->tp / (double)(e->tp + e->fp) : 1.0;
        e->recall = e->tp + e->fn ? (double)e->tp / (double)(e->tp + e->fn) : 1.0;
        e->f1 = 2.0 * (double)e->tp / (double)(2 * e->tp + e->fp + e->fn);
        s->tp += e->tp;
        s->fp += e->fp;
        s->fn += e->fn;
        sp += e->precision;
        sr += e->recall;
        sf += e->f1;
    }
    if (r->nscores)
        qsort(r->scores, r->nscores, sizeof *r->scores, cmp_score);
    s->micro_precision = s->tp + s->fp ? (double)s->tp / (double)(s->tp + s->fp) : 1.0;
    s->micro_recall = s->tp + s->fn ? (double)s->tp / (double)(s->tp + s->fn) : 1.0;
    s->micro_f1 = s->tp + s->fp + s->fn ? 2.0 * (double)s->tp / (double)(2 * s->tp + s->fp + s->fn) : 1.0;
    s->macro_precision = r->nscores ? sp / (double)r->nscores : 1.0;
    s->macro_recall = r->nscores ? sr / (double)r->nscores : 1.0;
    s->macro_f1 = r->nscores ? sf / (double)r->nscores : 1.0;
}

static ap_status score_line(ap_mapper_eval_result *r, ap_attack *a, const id_set *exp,
                            const id_set *pred)
{
    for (size_t i = 0; i < exp->n; i++) {
        ap_eval_score *e = score_for(r, a, exp->v[i]);
        if (!e)
            return AP_ERR_NOMEM;
        if (set_has(pred, exp->v[i]))
            e->tp++;
        else
            e->fn++;
    }
    for (size_t i = 0; i < pred->n; i++) {
        if (set_has(exp, pred->v[i]))
            continue;
        ap_eval_score *e = score_for(r, a, pred->v[i]);
        if (!e)
            return AP_ERR_NOMEM;
        e->fp++;
    }
    return AP_OK;
}

static ap_status add_miss(ap_mapper_eval_result *r, unsigned line, ap_str input, const id_set *exp,
                          const id_set *pred, ap_str note)
{
    if (r->nmisses == r->misses_cap) {
        size_t cap = r->misses_cap ? r->misses_cap * 2 : 32;
        ap_eval_miss *v = realloc(r->misses, cap * sizeof *v);
        if (!v)
            return AP_ERR_NOMEM;
        r->misses = v;
        r->misses_cap = cap;
    }
    ap_eval_miss *m = &r->misses[r->nmisses];
    m->line = line;
    m->input = ap_arena_dup(&r->arena, input).p;
    m->expected = join_ids(&r->arena, exp);
    m->predicted = join_ids(&r->arena, pred);
    m->note = ap_arena_dup(&r->arena, note.p ? note : ap_str_make("", 0)).p;
    if (!m->input || !m->expected || !m->predicted || !m->note)
        return AP_ERR_NOMEM;
    r->nmisses++;
    return AP_OK;
}

ap_status ap_mapper_eval(ap_attack *a, ap_str corpus, const char *corpus_name, ap_diag_fn on_diag,
                         void *diag_user, ap_mapper_eval_result **out)
{
    if (!a || !out || (!corpus.p && corpus.n))
        return AP_ERR_ARG;
    *out = NULL;
    ap_mapper_eval_result *r = calloc(1, sizeof *r);
    if (!r)
        return AP_ERR_NOMEM;
    ap_arena_init(&r->arena, 64 * 1024);
    ap_arena scratch;
    ap_arena_init(&scratch, 64 * 1024);
    const char *name = corpus_name ? corpus_name : "corpus";
    ap_status st = AP_OK;
    size_t i = 0;
    unsigned line = 0;
    while (i < corpus.n && st == AP_OK) {
        size_t j = i;
        while (j < corpus.n && corpus.p[j] != '\n')
            j++;
        ap_str l = ap_str_make(corpus.p + i, j - i);
        i = j + 1;
        line++;
        if (l.n && l.p[l.n - 1] == '\r')
            l.n--;
        if (trim(l).n == 0 || l.p[0] == '#')
            continue;
        const char *tab1 = memchr(l.p, '\t', l.n);
        if (!tab1) {
            report(on_diag, diag_user, AP_SEV_ERROR, name, line, "eval_corpus",
                   "skipped line: no tab between INPUT and EXPECTED");
            r->sum.bad_lines++;
            continue;
        }
        ap_str input = ap_str_make(l.p, (size_t)(tab1 - l.p));
        ap_str rest = ap_str_make(tab1 + 1, l.n - (size_t)(tab1 + 1 - l.p));
        const char *tab2 = memchr(rest.p, '\t', rest.n);
        ap_str expected = tab2 ? ap_str_make(rest.p, (size_t)(tab2 - rest.p)) : rest;
        ap_str note = tab2 ? ap_str_make(tab2 + 1, rest.n - (size_t)(tab2 + 1 - rest.p)) : AP_STR_NULL;
        id_set exp, pred;
        if (!parse_expected(expected, &exp)) {
            report(on_diag, diag_user, AP_SEV_ERROR, name, line, "eval_corpus",
                   "skipped line: EXPECTED must be technique ids separated by commas, or -");
            r->sum.bad_lines++;
            continue;
        }
        for (size_t k = 0; k < exp.n; k++) {
            if (!ap_attack_technique(a, exp.v[k])) {
                char msg[128];
                snprintf(msg, sizeof msg, "expected technique %.*s is not in the loaded ATT&CK table",
                         (int)exp.v[k].n, exp.v[k].p);
                report(on_diag, diag_user, AP_SEV_WARNING, name, line, "eval_corpus", msg);
            }
        }
        ap_arena_reset(&scratch);
        ap_str text = unescape(&scratch, input);
        if (!text.p) {
            st = AP_ERR_NOMEM;
            break;
        }
        st = predict(a, text, &scratch, &pred, &r->sum.statements);
        if (st != AP_OK)
            break;
        r->sum.lines++;
        st = score_line(r, a, &exp, &pred);
        if (st != AP_OK)
            break;
        int same = exp.n == pred.n;
        for (size_t k = 0; same && k < exp.n; k++)
            same = ap_str_eq(exp.v[k], pred.v[k]);
        if (same)
            r->sum.exact++;
        else
            st = add_miss(r, line, text, &exp, &pred, note);
    }
    ap_arena_free(&scratch);
    if (st != AP_OK) {
        ap_mapper_eval_free(r);
        return st;
    }
    finish_scores(r);
    *out = r;
    return AP_OK;
}

void ap_mapper_eval_free(ap_mapper_eval_result *r)
{
    if (!r)
        return;
    free(r->scores);
    free(r->misses);
    ap_arena_free(&r->arena);
    free(r);
}

const ap_eval_summary *ap_mapper_eval_summary(const ap_mapper_eval_result *r)
{
    return r ? &r->sum : NULL;
}

size_t ap_mapper_eval_score_count(const ap_mapper_eval_result *r) { return r ? r->nscores : 0; }

const ap_eval_score *ap_mapper_eval_score_at(const ap_mapper_eval_result *r, size_t i)
{
    return r && i < r->nscores ? &r->scores[i] : NULL;
}

size_t ap_mapper_eval_miss_count(const ap_mapper_eval_result *r) { return r ? r->nmisses : 0; }

const ap_eval_miss *ap_mapper_eval_miss_at(const ap_mapper_eval_result *r, size_t i)
{
    return r && i < r->nmisses ? &r->misses[i] : NULL;
}

ap_status ap_mapper_eval_write_report(const ap_mapper_eval_result *r, FILE *f, int with_misses)
{
    if (!r || !f)
        return AP_ERR_ARG;
    fprintf(f, "%-10s %5s %5s %5s %9s %7s %7s  %s\n", "technique", "tp", "fp", "fn", "precision",
            "recall", "f1", "name");
    for (size_t i = 0; i < r->nscores; i++) {
        const ap_eval_score *e = &r->scores[i];
        fprintf(f, "%-10s %5llu %5llu %5llu %9.3f %7.3f %7.3f  %s\n", e->technique,
                (unsigned long long)e->tp, (unsigned long long)e->fp, (unsigned long long)e->fn,
                e->precision, e->recall, e->f1, e->name ? e->name : "(not in table)");
    }
    const ap_eval_summary *s = &r->sum;
    fprintf(f,
            "\nlines %llu (bad %llu), statements %llu, exact %llu (%.1f%%)\n"
            "micro: precision %.4f recall %.4f F1 %.4f (tp %llu fp %llu fn %llu)\n"
            "macro: precision %.4f recall %.4f F1 %.4f over %zu techniques\n",
            (unsigned long long)s->lines, (unsigned long long)s->bad_lines,
            (unsigned long long)s->statements, (unsigned long long)s->exact,
            s->lines ? 100.0 * (double)s->exact / (double)s->lines : 100.0, s->micro_precision,
            s->micro_recall, s->micro_f1, (unsigned long long)s->tp, (unsigned long long)s->fp,
            (unsigned long long)s->fn, s->macro_precision, s->macro_recall, s->macro_f1,
            r->nscores);
    if (with_misses && r->nmisses) {
        fprintf(f, "\nmisclassified lines (%zu):\n", r->nmisses);
        for (size_t i = 0; i < r->nmisses; i++) {
            const ap_eval_miss *m = &r->misses[i];
            fprintf(f, "  line %u: expected %s, predicted %s: ", m->line, m->expected, m->predicted);
            if (ap_escape_term(f, ap_str_c(m->input)) != AP_OK)
                return AP_ERR_IO;
            if (m->note[0]) {
                fputs("  # ", f);
                ap_escape_term(f, ap_str_c(m->note));
            }
            fputc('\n', f);
        }
    }
    return ferror(f) ? AP_ERR_IO : AP_OK;
}
