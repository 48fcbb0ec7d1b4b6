/* fuzz_truth.c — libFuzzer target for the truth CSV reader (cluster/truth.c): one input = one
 * truth file. The reader's promises are checked (aborting when one breaks): it either succeeds
 * or says AP_ERR_FORMAT; every kept row has non-empty sensor, session and actor, a campaign
 * string ("" when the file has no campaign column), and is found again by (sensor, session)
 * — so no two rows share a key; every skipped row was reported exactly once, as a warning with
 * a known reason, a line number inside the input and a message free of control bytes. Crash
 * inputs are kept in corpus/fuzz_truth/ and replayed by ctest. Nothing is scored. */
#include "cluster/eval.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

typedef struct seen {
    size_t diags;
    uint64_t max_line;
} seen;

static void on_diag(void *user, const ap_diag *d)
{
    seen *s = user;
    s->diags++;
    if (d->severity != AP_SEV_WARNING || !d->file || strcmp(d->file, "fuzz") != 0)
        abort();
    if (!d->reason || (strcmp(d->reason, "bad_row") != 0 && strcmp(d->reason, "duplicate_row") != 0))
        abort();
    if (d->line < 2 || d->line > s->max_line) /* the header is line 1 at least */
        abort();
    if (!d->message)
        abort();
    for (const unsigned char *p = (const unsigned char *)d->message; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    /* a private copy without slack, so ASan sees any read past the end */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
    seen s = {0, 1};
    for (size_t i = 0; i < size; i++)
        s.max_line += buf[i] == '\n';

    cl_truth *t = NULL;
    char err[256];
    ap_status st = cl_truth_parse("fuzz", buf, size, on_diag, &s, &t, err, sizeof err);
    if (st != AP_OK) {
        if (st != AP_ERR_FORMAT || t != NULL || !memchr(err, '\0', sizeof err))
            abort();
        free(buf);
        return 0;
    }
    if (!t || s.diags != cl_truth_bad_rows(t))
        abort();
    size_t n = cl_truth_count(t);
    for (size_t i = 0; i < n; i++) {
        const cl_truth_row *r = cl_truth_get(t, i);
        if (!r || !r->sensor || !r->session || !r->actor || !r->campaign)
            abort();
        if (!*r->sensor || !*r->session || !*r->actor)
            abort();
        if (!cl_truth_has_campaign(t) && *r->campaign)
            abort();
        if (cl_truth_find(t, r->sensor, r->session) != r)
            abort();
    }
    if (cl_truth_get(t, n) != NULL)
        abort();
    cl_truth_free(t);
    free(buf);
    return 0;
}
