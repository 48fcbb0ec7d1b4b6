/* idmap.h — an open-addressing hash map from non-zero 64-bit keys (store ids, token hashes) to
 * 32-bit values, for the cluster stage's joins in memory (input id -> its facts, token -> its
 * posting list). Linear probing, power-of-two capacity kept at most half full; keys are mixed
 * with xxh3 so sequential ids spread. Key 0 is reserved for "empty". */
#ifndef AP_UTIL_IDMAP_H
#define AP_UTIL_IDMAP_H

#include <stdint.h>
#include <stdlib.h>

#include "util/hash.h"

typedef struct ap_idmap {
    uint64_t *keys;
    uint32_t *vals;
    size_t cap, n; /* cap: power of two (0 before the first put) */
} ap_idmap;

static inline size_t ap_idmap_slot_(const ap_idmap *m, uint64_t key)
{
    return (size_t)(ap_hash64(&key, sizeof key) & (m->cap - 1));
}

/* Returns the value slot of key, or NULL when absent. */
static inline uint32_t *ap_idmap_get(const ap_idmap *m, uint64_t key)
{
    if (!m->cap || !key)
        return NULL;
    for (size_t i = ap_idmap_slot_(m, key);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == key)
            return &m->vals[i];
        if (!m->keys[i])
            return NULL;
    }
}

static inline int ap_idmap_grow_(ap_idmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 1024;
    uint64_t *k = calloc(ncap, sizeof *k);
    uint32_t *v = malloc(ncap * sizeof *v);
    if (!k || !v) {
        free(k);
        free(v);
        return -1;
    }
    ap_idmap old = *m;
    m->keys = k;
    m->vals = v;
    m->cap = ncap;
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.keys[i])
            continue;
        size_t j = ap_idmap_slot_(m, old.keys[i]);
        while (m->keys[j])
            j = (j + 1) & (m->cap - 1);
        m->keys[j] = old.keys[i];
        m->vals[j] = old.vals[i];
    }
    free(old.keys);
    free(old.vals);
    return 0;
}

/* Returns the value slot of key, inserting it with value `init` when absent (*added = 1);
 * NULL when out of memory or key == 0. */
static inline uint32_t *ap_idmap_put(ap_idmap *m, uint64_t key, uint32_t init, int *added)
{
    if (added)
        *added = 0;
    if (!key)
        return NULL;
    if ((m->n + 1) * 2 > m->cap && ap_idmap_grow_(m) != 0)
        return NULL;
    size_t i = ap_idmap_slot_(m, key);
    for (; m->keys[i]; i = (i + 1) & (m->cap - 1))
        if (m->keys[i] == key)
            return &m->vals[i];
    m->keys[i] = key;
    m->vals[i] = init;
    m->n++;
    if (added)
        *added = 1;
    return &m->vals[i];
}

static inline void ap_idmap_free(ap_idmap *m)
{
    free(m->keys);
    free(m->vals);
    m->keys = NULL;
    m->vals = NULL;
    m->cap = m->n = 0;
}

#endif
