/* arena.h — a bump allocator for short-lived data that dies together (one batch of decoded
 * events, one query result). Freed in one call; no per-object bookkeeping. */
#ifndef AP_UTIL_ARENA_H
#define AP_UTIL_ARENA_H
#include <stddef.h>
#include "util/str.h"

typedef struct ap_arena_block ap_arena_block;
typedef struct ap_arena {
    ap_arena_block *head;
    size_t block_size;
    size_t used_total;
} ap_arena;

void ap_arena_init(ap_arena *a, size_t block_size);
/* Returns 16-byte aligned memory, or NULL when out of memory. */
void *ap_arena_alloc(ap_arena *a, size_t n);
/* Copies s into the arena (NUL-terminated); returns a view of the copy, or a NULL view when
 * out of memory or when s is absent. */
ap_str ap_arena_dup(ap_arena *a, ap_str s);
char *ap_arena_strdup(ap_arena *a, const char *s);
/* Keeps the first block, forgets everything allocated. */
void ap_arena_reset(ap_arena *a);
void ap_arena_free(ap_arena *a);
#endif
