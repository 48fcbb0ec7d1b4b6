/* grow.h — room for one more element in a growable array, doubling its capacity: the one
 * "if (n == cap) realloc" the cluster and share stages need for their many arrays of records. */
#ifndef AP_UTIL_GROW_H
#define AP_UTIL_GROW_H

#include <stdlib.h>

/* *items points to an array of *cap elements of `size` bytes, n of them used. Makes room for
 * element n (capacity first_cap when empty, else doubled). Returns 0, or -1 when out of memory
 * (the array is unchanged). */
static inline int ap_grow(void *items, size_t *cap, size_t n, size_t size, size_t first_cap)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : first_cap;
    void *p = realloc(*(void **)items, ncap * size);
    if (!p)
        return -1;
    *(void **)items = p;
    *cap = ncap;
    return 0;
}

#endif
