/* check.h — the unit tests' minimal harness: CHECK(...) records a failure with file:line and
 * goes on; each test binary ends with CHECK_DONE(), which prints "N passed, N failed" and sets
 * the exit code. One binary per library module (tests/unit/test_MODULE.c). */
#ifndef AP_TEST_CHECK_H
#define AP_TEST_CHECK_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int check_passed_, check_failed_;

#define CHECK(cond)                                                                              \
    do {                                                                                         \
        if (cond) {                                                                              \
            check_passed_++;                                                                     \
        } else {                                                                                 \
            check_failed_++;                                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);             \
        }                                                                                        \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                       \
    do {                                                                                         \
        long long a_ = (long long)(a), b_ = (long long)(b);                                      \
        if (a_ == b_) {                                                                          \
            check_passed_++;                                                                     \
        } else {                                                                                 \
            check_failed_++;                                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", __FILE__,          \
                    __LINE__, #a, #b, a_, b_);                                                   \
        }                                                                                        \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                                       \
    do {                                                                                         \
        const char *a_ = (a), *b_ = (b);                                                         \
        if (a_ && b_ && strcmp(a_, b_) == 0) {                                                   \
            check_passed_++;                                                                     \
        } else {                                                                                 \
            check_failed_++;                                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n", __FILE__,      \
                    __LINE__, #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");                   \
        }                                                                                        \
    } while (0)

#define CHECK_DONE()                                                                             \
    do {                                                                                         \
        printf("%d passed, %d failed\n", check_passed_, check_failed_);                          \
        return check_failed_ ? 1 : 0;                                                            \
    } while (0)

/* A fresh scratch directory for one test binary: $AP_TEST_TMP/NAME (or /tmp/ap-test/NAME). */
static inline const char *check_tmpdir(const char *name)
{
    static char path[4096];
    const char *base = getenv("AP_TEST_TMP");
    if (!base || !*base)
        base = "/tmp/ap-test";
    snprintf(path, sizeof path, "rm -rf '%s/%s' && mkdir -p '%s/%s'", base, name, base, name);
    if (system(path) != 0)
        fprintf(stderr, "cannot create scratch dir %s/%s\n", base, name);
    snprintf(path, sizeof path, "%s/%s", base, name);
    return path;
}
#endif
