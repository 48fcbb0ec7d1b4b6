/* fuzz_shell.c — libFuzzer target for the shell reader and the normaliser: one input = one
 * command line as logged. Every statement is normalised, and the parser's promises are checked
 * (aborting when one breaks): offsets inside the input, depth within the bound, parents before
 * children, argv NULL-terminated, text inside the input or the arena, normal forms
 * NUL-terminated at their length. The first byte picks the depth bound (1..8) so the bound
 * itself is exercised; the rest is the input. Crash inputs are kept in corpus/fuzz_shell/ and
 * replayed by ctest. */
#include "understand/normalise.h"
#include "understand/shell.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static ap_arena arena;
    static int ready;
    if (!ready) {
        ap_arena_init(&arena, 1 << 16);
        ready = 1;
    }
    if (size > (1u << 20))
        return 0;
    unsigned max_depth = 6;
    if (size) {
        max_depth = 1u + data[0] % 8u;
        data++;
        size--;
    }
    ap_shell_limits lim = {max_depth, 2000};
    /* a private copy without slack, so ASan sees any read past the end */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
    ap_stmt *s = NULL;
    size_t n = 0;
    int truncated = 0;
    if (ap_shell_parse(ap_str_make(buf, size), &lim, &arena, &s, &n, &truncated) != AP_OK)
        abort();
    if (n > lim.max_statements || (n && !s))
        abort();
    for (size_t i = 0; i < n; i++) {
        const ap_stmt *st = &s[i];
        if (st->start > st->end || st->end > size)
            abort();
        if (st->depth > max_depth)
            abort();
        if (st->parent >= (int32_t)i || st->parent < -1)
            abort();
        if (st->parent >= 0 && s[st->parent].depth >= st->depth)
            abort();
        if (st->depth == 0 && (st->parent != -1 || st->via != 0))
            abort();
        if (!st->argv || st->argv[st->argc].p != NULL)
            abort();
        if (st->argc && st->cmd_index >= st->argc)
            abort();
        if (!st->text.p)
            abort();
        if (st->depth == 0) { /* top level: the text is the input at [start, end) */
            if (st->text.p < buf || st->text.p + st->text.n > buf + size ||
                (size_t)(st->text.p - buf) != st->start || st->text.n != st->end - st->start)
                abort();
        }
        for (size_t k = 0; k < st->argc; k++)
            if (!st->argv[k].p && st->argv[k].n)
                abort();
        for (size_t r = 0; r < st->nredir; r++)
            if (!st->redir[r].op.p || !st->redir[r].op.n)
                abort();
        ap_str norm;
        if (ap_normalise_stmt(st, &arena, &norm) != AP_OK || !norm.p || norm.p[norm.n] != '\0')
            abort();
        for (size_t k = 0; k < st->argc; k++) {
            ap_str w;
            if (ap_normalise_word(st->argv[k], &arena, &w) != AP_OK || w.p[w.n] != '\0')
                abort();
        }
    }
    ap_arena_reset(&arena);
    free(buf);
    return 0;
}
