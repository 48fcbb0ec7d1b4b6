/* mapper_report.c — ap_mapper_evaluate, the public face of mapper_eval.c: reads a labelled corpus
 * file, scores the mapper's rules on it and writes the report as a table (mapper_eval.c's) or as
 * one JSON object for scripts and CI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "understand/mapper_eval.h"
#include "understand/mapper_internal.h"
#include "util/escape.h"
#include "util/file.h"

/* A JSON string literal (ap_escape_json writes the quotes; NULL prints null). */
static void json_str(FILE *f, const char *s)
{
    ap_escape_json(f, ap_str_c(s));
}

static void write_json(const ap_mapper_eval_result *r, FILE *f, int with_misses)
{
    const ap_eval_summary *s = ap_mapper_eval_summary(r);
    fprintf(f,
            "{\"lines\":%llu,\"bad_lines\":%llu,\"statements\":%llu,\"exact\":%llu,"
            "\"tp\":%llu,\"fp\":%llu,\"fn\":%llu,"
            "\"micro\":{\"precision\":%.4f,\"recall\":%.4f,\"f1\":%.4f},"
            "\"macro\":{\"precision\":%.4f,\"recall\":%.4f,\"f1\":%.4f},\"techniques\":[",
            (unsigned long long)s->lines, (unsigned long long)s->bad_lines,
            (unsigned long long)s->statements, (unsigned long long)s->exact,
            (unsigned long long)s->tp, (unsigned long long)s->fp, (unsigned long long)s->fn,
            s->micro_precision, s->micro_recall, s->micro_f1, s->macro_precision, s->macro_recall,
            s->macro_f1);
    for (size_t i = 0; i < ap_mapper_eval_score_count(r); i++) {
        const ap_eval_score *e = ap_mapper_eval_score_at(r, i);
        fprintf(f, "%s{\"id\":", i ? "," : "");
        json_str(f, e->technique);
        fputs(",\"name\":", f);
        json_str(f, e->name);
        fprintf(f, ",\"tp\":%llu,\"fp\":%llu,\"fn\":%llu,\"precision\":%.4f,\"recall\":%.4f,"
                   "\"f1\":%.4f}",
                (unsigned long long)e->tp, (unsigned long long)e->fp, (unsigned long long)e->fn,
                e->precision, e->recall, e->f1);
    }
    fputc(']', f);
    if (with_misses) {
        fputs(",\"misses\":[", f);
        for (size_t i = 0; i < ap_mapper_eval_miss_count(r); i++) {
            const ap_eval_miss *m = ap_mapper_eval_miss_at(r, i);
            fprintf(f, "%s{\"line\":%u,\"input\":", i ? "," : "", m->line);
            json_str(f, m->input);
            fputs(",\"expected\":", f);
            json_str(f, m->expected);
            fputs(",\"predicted\":", f);
            json_str(f, m->predicted);
            fputs(",\"note\":", f);
            json_str(f, m->note);
            fputc('}', f);
        }
        fputc(']', f);
    }
    fputs("}\n", f);
}

ap_status ap_mapper_evaluate(ap_mapper *m, const char *corpus_path, FILE *out, int json,
                             int with_misses, ap_mapper_eval_totals *totals)
{
    if (!m || !corpus_path || !out)
        return AP_ERR_ARG;
    char *text = NULL;
    size_t n = 0;
    ap_status st = ap_read_file(corpus_path, (size_t)1 << 30, &text, &n);
    if (st == AP_ERR_LIMIT)
        st = AP_ERR_IO; /* a gigabyte is not a corpus */
    if (st != AP_OK)
        return st;
    ap_mapper_eval_result *r = NULL;
    ap_diag_fn fn = NULL;
    void *user = NULL;
    ap_mapper_diag(m, &fn, &user);
    st = ap_mapper_eval(ap_mapper_attack(m), ap_str_make(text, n), corpus_path, fn, user, &r);
    free(text);
    if (st != AP_OK)
        return st;
    if (json)
        write_json(r, out, with_misses);
    else
        st = ap_mapper_eval_write_report(r, out, with_misses);
    if (st == AP_OK && ferror(out))
        st = AP_ERR_IO;
    if (totals) {
        const ap_eval_summary *s = ap_mapper_eval_summary(r);
        *totals = (ap_mapper_eval_totals){s->lines, s->bad_lines, s->statements, s->exact,
                                          s->tp, s->fp, s->fn, s->micro_precision,
                                          s->micro_recall, s->micro_f1, s->macro_precision,
                                          s->macro_recall, s->macro_f1,
                                          ap_mapper_eval_score_count(r)};
    }
    ap_mapper_eval_free(r);
    return st;
}
