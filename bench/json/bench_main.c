/* bench_main.c — the JSON benchmark's driver: loads a file of JSON lines into memory and times
 * each case of the linked parser file (bench_cases), best of N rounds, as MB/s and lines/s.
 * Only parsing and field extraction are timed. See bench.h and docs/json-parsers.md.
 *
 * usage: bench_json_<parser> FILE [ROUNDS]    (ROUNDS defaults to 3)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int load(const char *path, line_set *ls)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_json: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = (size_t)1 << 20, size = 0;
    char *buf = malloc(cap + BENCH_PADDING);
    for (;;) {
        if (!buf) {
            fprintf(stderr, "bench_json: out of memory\n");
            fclose(f);
            return -1;
        }
        size_t got = fread(buf + size, 1, cap - size, f);
        size += got;
        if (got == 0)
            break;
        if (size == cap) {
            cap *= 2;
            char *grown = realloc(buf, cap + BENCH_PADDING);
            if (!grown)
                free(buf);
            buf = grown;
        }
    }
    fclose(f);
    memset(buf + size, ' ', BENCH_PADDING);

    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += buf[i] == '\n';
    ls->start = malloc(lines * sizeof *ls->start);
    ls->len = malloc(lines * sizeof *ls->len);
    if (!ls->start || !ls->len) {
        fprintf(stderr, "bench_json: out of memory\n");
        free(buf);
        return -1;
    }
    ls->count = 0;
    size_t begin = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i == size || buf[i] == '\n') {
            size_t end = i;
            if (end > begin && buf[end - 1] == '\r')
                end--;
            if (end > begin) {
                ls->start[ls->count] = begin;
                ls->len[ls->count] = end - begin;
                ls->count++;
            }
            begin = i + 1;
        }
    }
    ls->buf = buf;
    ls->size = size;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s FILE [ROUNDS]\n", argv[0]);
        return 2;
    }
    int rounds = argc == 3 ? atoi(argv[2]) : 3;
    if (rounds < 1)
        rounds = 1;
    line_set ls;
    if (load(argv[1], &ls) != 0)
        return 1;
    fprintf(stderr, "input: %s, %zu bytes (%.1f MB), %zu lines; best of %d\n", argv[1], ls.size,
            (double)ls.size / 1e6, ls.count, rounds);

    for (size_t c = 0; c < bench_ncases; c++) {
        double best = 1e30;
        tally t = {0, 0, 0};
        for (int r = 0; r < rounds; r++) {
            tally run = {0, 0, 0};
            double t0 = now();
            bench_cases[c].run(&ls, &run);
            double dt = now() - t0;
            if (dt < best)
                best = dt;
            t = run;
        }
        printf("%-30s %9.1f MB/s %11.0f lines/s  fields %-9llu bad %-6llu checksum %llu\n",
               bench_cases[c].name, (double)ls.size / 1e6 / best, (double)ls.count / best,
               (unsigned long long)t.fields, (unsigned long long)t.bad,
               (unsigned long long)t.checksum);
        fflush(stdout);
    }
    free(ls.buf);
    free(ls.start);
    free(ls.len);
    return 0;
}
