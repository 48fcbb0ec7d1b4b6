/* str.h — borrowed string views (pointer + length). Decoded log fields are views into the line
 * buffer or a batch arena until they are stored, so nothing is copied on the hot path. */
#ifndef AP_UTIL_STR_H
#define AP_UTIL_STR_H
#include <stddef.h>
#include <string.h>

typedef struct ap_str {
    const char *p; /* NULL when absent; not NUL-terminated in general */
    size_t n;
} ap_str;

#define AP_STR_NULL ((ap_str){NULL, 0})
#define AP_STR_LIT(s) ((ap_str){(s), sizeof(s) - 1})

static inline ap_str ap_str_make(const char *p, size_t n) { return (ap_str){p, n}; }
static inline ap_str ap_str_c(const char *s) { return (ap_str){s, s ? strlen(s) : 0}; }
static inline int ap_str_present(ap_str s) { return s.p != NULL; }
static inline int ap_str_eq(ap_str a, ap_str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}
static inline int ap_str_eq_c(ap_str a, const char *b)
{
    size_t n = strlen(b);
    return a.p && a.n == n && memcmp(a.p, b, n) == 0;
}
static inline int ap_str_starts(ap_str a, const char *prefix)
{
    size_t n = strlen(prefix);
    return a.p && a.n >= n && memcmp(a.p, prefix, n) == 0;
}
#endif
