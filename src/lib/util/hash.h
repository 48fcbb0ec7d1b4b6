/* hash.h — the project's one non-cryptographic hash (xxHash3, from Debian's libxxhash), used for
 * event identity, string interning and hash tables. One place so the choice can change. */
#ifndef AP_UTIL_HASH_H
#define AP_UTIL_HASH_H
#include <stdint.h>
#include <stddef.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

static inline uint64_t ap_hash64(const void *p, size_t n) { return XXH3_64bits(p, n); }
static inline uint64_t ap_hash64_seed(const void *p, size_t n, uint64_t seed)
{
    return XXH3_64bits_withSeed(p, n, seed);
}
#endif
