/* bench.h — what the JSON benchmark's driver (bench_main.c) and its parser files share.
 *
 * jansson and json-c export clashing symbols (json_object_get, json_object_iter_next, ...), so
 * they cannot live in one process: each parser is its own program, built from bench_main.c plus
 * one bench_<parser>.c that fills in bench_cases. run.sh runs them all on the same file.
 */
#ifndef AP_BENCH_JSON_BENCH_H
#define AP_BENCH_JSON_BENCH_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define BENCH_PADDING 64 /* readable bytes after every line, as reader.h guarantees */

typedef struct line_set {
    char *buf;     /* the whole file, BENCH_PADDING spaces after it */
    size_t size;
    size_t *start; /* line i is buf[start[i] .. start[i] + len[i]) */
    size_t *len;
    size_t count;
} line_set;

typedef struct tally {
    uint64_t checksum; /* sum of extracted lengths and first bytes: the same for every parser */
    uint64_t fields;   /* fields extracted */
    uint64_t bad;      /* lines the parser rejected */
} tally;

typedef struct bench_case {
    const char *name;
    void (*run)(const line_set *, tally *);
} bench_case;

/* Defined by each bench_<parser>.c. */
extern const bench_case bench_cases[];
extern const size_t bench_ncases;

/* The fields every parser extracts (string values only). */
static inline int bench_is_wanted(const char *key, size_t n)
{
    static const char *const wanted[] = {"eventid", "session", "timestamp", "src_ip",
                                         "input",   "username", "password"};
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
        if (strlen(wanted[i]) == n && memcmp(wanted[i], key, n) == 0)
            return 1;
    return 0;
}

static inline void bench_take(tally *t, const char *s, size_t n)
{
    t->fields++;
    t->checksum += n + (n ? (unsigned char)s[0] : 0);
}
#endif
