/* bench_simdjson.c — the JSON benchmark's case for our own shim (src/lib/ingest/json.h over
 * simdjson On-Demand): once extracting the benchmark's fields, once the bare walk (every field
 * typed and handed to a callback that ignores it), which is the ingest hot path's floor. */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "ingest/json.h"

static int take_wanted(void *user, const ap_json_field *f)
{
    if (f->type == AP_JSON_STRING && bench_is_wanted(f->key.p, f->key.n))
        bench_take(user, f->str.p, f->str.n);
    return 0;
}

static int count_only(void *user, const ap_json_field *f)
{
    (void)f;
    ((tally *)user)->fields++;
    return 0;
}

static void run_with(const line_set *ls, tally *t, ap_json_field_fn fn)
{
    ap_json_parser *p = NULL;
    if (ap_json_parser_new(&p) != AP_OK) {
        fprintf(stderr, "bench_json: cannot create the parser\n");
        exit(1);
    }
    char err[128];
    for (size_t i = 0; i < ls->count; i++)
        if (ap_json_object_each(p, ls->buf + ls->start[i], ls->len[i], fn, t, err, sizeof err) !=
            AP_OK)
            t->bad++;
    ap_json_parser_free(p);
}

static void run_extract(const line_set *ls, tally *t) { run_with(ls, t, take_wanted); }
static void run_walk(const line_set *ls, tally *t) { run_with(ls, t, count_only); }

const bench_case bench_cases[] = {
    {"simdjson shim: extract", run_extract},
    {"simdjson shim: walk only", run_walk},
};
const size_t bench_ncases = sizeof bench_cases / sizeof bench_cases[0];
