/* arena.c — bump allocator; see arena.h for why. */
#include "util/arena.h"
#include <stdlib.h>
#include <string.h>

struct ap_arena_block {
    ap_arena_block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

void ap_arena_init(ap_arena *a, size_t block_size)
{
    a->head = NULL;
    a->block_size = block_size ? block_size : 64 * 1024;
    a->used_total = 0;
}

void *ap_arena_alloc(ap_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    ap_arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t size = n > a->block_size ? n : a->block_size;
        b = malloc(sizeof(*b) + size);
        if (!b)
            return NULL;
        b->size = size;
        b->used = 0;
        /* Keep the partly used head first when the new block is for one oversized object,
         * so small allocations continue to fill it. */
        if (a->head && n > a->block_size) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = b->data + b->used;
    b->used += n;
    a->used_total += n;
    return p;
}

ap_str ap_arena_dup(ap_arena *a, ap_str s)
{
    if (!s.p)
        return AP_STR_NULL;
    char *p = ap_arena_alloc(a, s.n + 1);
    if (!p)
        return AP_STR_NULL;
    if (s.n)
        memcpy(p, s.p, s.n);
    p[s.n] = '\0';
    return ap_str_make(p, s.n);
}

char *ap_arena_strdup(ap_arena *a, const char *s)
{
    if (!s)
        return NULL;
    return (char *)ap_arena_dup(a, ap_str_c(s)).p;
}

void ap_arena_reset(ap_arena *a)
{
    if (!a->head)
        return;
    /* keep the last block of the chain (the first allocated, normal size) */
    ap_arena_block *b = a->head, *keep = NULL;
    while (b) {
        ap_arena_block *next = b->next;
        if (!keep && b->size == a->block_size) {
            keep = b;
        } else {
            free(b);
        }
        b = next;
    }
    if (keep) {
        keep->used = 0;
        keep->next = NULL;
    }
    a->head = keep;
    a->used_total = 0;
}

void ap_arena_free(ap_arena *a)
{
    ap_arena_block *b = a->head;
    while (b) {
        ap_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used_total = 0;
}
