/* bench_map.c — times ap_mapper_map over every line of a file (one command line each, as
 * logged), repeated until at least MIN_SECONDS have passed, on the calling thread only. Prints
 * lines, statements, seconds and statements/s, lines/s. Usage: bench_map FILE [MIN_SECONDS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actorprint.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [MIN_SECONDS]\n", argv[0]);
        return 2;
    }
    double min_seconds = argc > 2 ? atof(argv[2]) : 3.0;
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    char **lines = NULL;
    size_t *lens = NULL, n = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, f)) >= 0) {
        if (len && line[len - 1] == '\n')
            len--;
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            lines = realloc(lines, cap * sizeof *lines);
            lens = realloc(lens, cap * sizeof *lens);
            if (!lines || !lens)
                return 5;
        }
        lines[n] = malloc((size_t)len + 1);
        if (!lines[n])
            return 5;
        memcpy(lines[n], line, (size_t)len);
        lines[n][len] = '\0';
        lens[n++] = (size_t)len;
    }
    free(line);
    fclose(f);
    ap_mapper *m = NULL;
    if (ap_mapper_open(NULL, &m) != AP_OK) {
        fprintf(stderr, "cannot open the mapper\n");
        return 1;
    }
    unsigned long long statements = 0, techniques = 0, mapped = 0;
    double t0 = now(), t = 0;
    int rounds = 0;
    do {
        for (size_t i = 0; i < n; i++) {
            const ap_map_view *v = NULL;
            if (ap_mapper_map(m, lines[i], lens[i], &v) != AP_OK) {
                fprintf(stderr, "mapping line %zu failed\n", i + 1);
                return 1;
            }
            statements += v->nstatements;
            for (size_t k = 0; k < v->nstatements; k++)
                techniques += v->statements[k].ntechniques;
        }
        mapped += n;
        rounds++;
        t = now() - t0;
    } while (t < min_seconds && n);
    printf("lines %zu  rounds %d  statements %llu  techniques %llu  seconds %.3f  "
           "statements/s %.0f  lines/s %.0f\n",
           n, rounds, statements, techniques, t, (double)statements / t, (double)mapped / t);
    ap_mapper_close(m);
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    free(lens);
    return 0;
}
