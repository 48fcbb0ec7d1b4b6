/* mapper_eval.h — scores the ATT&CK rules against a labelled corpus of command lines.
 *
 * Why it exists: rules are only as good as their precision and recall on real attacker input,
 * and a change to one rule can silently break another. A corpus line is
 *
 *     INPUT <TAB> EXPECTED <TAB> NOTE
 *
 * INPUT is one command line as typed (the two-character escapes \t \n \\ stand for tab,
 * newline and backslash; any other backslash is kept); EXPECTED is a comma-separated list of
 * technique ids, or "-" for none; NOTE is free text (optional). Blank lines and lines starting
 * with '#' are skipped. The predicted set of a line is the union of the techniques of every
 * statement ap_shell_parse finds in it. Scores: per technique TP/FP/FN, precision, recall and
 * F1; micro (pooled counts) and macro (mean F1 over every technique that is expected or
 * predicted somewhere) overall; and the list of lines whose prediction differs from the label.
 */
#ifndef AP_UNDERSTAND_MAPPER_EVAL_H
#define AP_UNDERSTAND_MAPPER_EVAL_H

#include <stdint.h>
#include <stdio.h>
#include "actorprint.h"
#include "understand/attack.h"
#include "util/str.h"

typedef struct ap_mapper_eval_result ap_mapper_eval_result;

typedef struct ap_eval_score {
    const char *technique;  /* "T1098.004" */
    const char *name;       /* its name in the loaded table, or NULL when the table lacks it */
    uint64_t tp, fp, fn;
    double precision, recall, f1; /* precision (recall) is 1 when nothing was predicted (expected) */
} ap_eval_score;

typedef struct ap_eval_summary {
    uint64_t lines;          /* corpus lines evaluated */
    uint64_t bad_lines;      /* malformed lines skipped (reported through on_diag) */
    uint64_t statements;     /* statements the parser found in all lines */
    uint64_t exact;          /* lines whose predicted set equals the expected set */
    uint64_t tp, fp, fn;     /* pooled over techniques */
    double micro_precision, micro_recall, micro_f1;
    double macro_precision, macro_recall, macro_f1;
} ap_eval_summary;

/* A line whose prediction differs from its label. Strings are owned by the result. */
typedef struct ap_eval_miss {
    unsigned line;           /* line number in the corpus */
    const char *input;       /* after unescaping */
    const char *expected;    /* sorted comma-separated ids, or "-" */
    const char *predicted;   /* same form */
    const char *note;        /* "" when none */
} ap_eval_miss;

/* Evaluates the rules of `a` on corpus_tsv (named corpus_name in diagnostics). Malformed lines
 * (no tab, an empty or malformed technique list) are reported as errors with name:line and
 * skipped; ids not in the loaded table are reported as warnings and still scored.
 * Return values: AP_OK (*out set; free with ap_mapper_eval_free), AP_ERR_NOMEM, AP_ERR_ARG. */
ap_status ap_mapper_eval(ap_attack *a, ap_str corpus_tsv, const char *corpus_name, ap_diag_fn on_diag,
                         void *diag_user, ap_mapper_eval_result **out);
void ap_mapper_eval_free(ap_mapper_eval_result *r);

const ap_eval_summary *ap_mapper_eval_summary(const ap_mapper_eval_result *r);
/* Techniques that are expected or predicted somewhere, sorted by id. */
size_t ap_mapper_eval_score_count(const ap_mapper_eval_result *r);
const ap_eval_score *ap_mapper_eval_score_at(const ap_mapper_eval_result *r, size_t i);
/* Misclassified lines in corpus order. */
size_t ap_mapper_eval_miss_count(const ap_mapper_eval_result *r);
const ap_eval_miss *ap_mapper_eval_miss_at(const ap_mapper_eval_result *r, size_t i);

/* Writes a readable report (per-technique table, overall scores, then the misclassified lines
 * when with_misses) to f; attacker text is escaped for the terminal. Return values: AP_OK,
 * AP_ERR_IO. */
ap_status ap_mapper_eval_write_report(const ap_mapper_eval_result *r, FILE *f, int with_misses);

#endif
