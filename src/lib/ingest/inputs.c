/* inputs.c — path expansion for ingest (see inputs.h): files as given, directories walked in
 * natural version order, duplicates (same dev/ino) dropped. Directory entries are examined with
 * lstat so symlinked directories are never entered; a symlink to a regular file is kept. */
#include "ingest/inputs.h"

#include <dirent.h>
#include <fnmatch.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct file_key {
    uint64_t dev, ino;
} file_key;

typedef struct expand_ctx {
    ap_diag_fn on_diag;
    void *user;
    char **list;
    size_t n, cap;
    size_t nerrors;
    file_key *seen; /* open-addressing set of listed files; used[i] marks a taken slot */
    int *used;
    size_t seen_cap, seen_n;
    const char *pattern; /* only names matching it are taken from directories; NULL = all */
} expand_ctx;

int ap_natural_compare(const char *a, const char *b)
{
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
    while (*p && *q) {
        if (*p >= '0' && *p <= '9' && *q >= '0' && *q <= '9') {
            const unsigned char *ps = p, *qs = q;
            while (*p == '0')
                p++;
            while (*q == '0')
                q++;
            size_t pz = (size_t)(p - ps), qz = (size_t)(q - qs);
            const unsigned char *pd = p, *qd = q;
            while (*p >= '0' && *p <= '9')
                p++;
            while (*q >= '0' && *q <= '9')
                q++;
            size_t pl = (size_t)(p - pd), ql = (size_t)(q - qd);
            if (pl != ql)
                return pl < ql ? -1 : 1;
            int c = memcmp(pd, qd, pl);
            if (c)
                return c;
            if (pz != qz) /* equal values: "1" before "01" */
                return pz < qz ? -1 : 1;
            continue;
        }
        if (*p != *q)
            return *p < *q ? -1 : 1;
        p++;
        q++;
    }
    return (*p > *q) - (*p < *q);
}

static void expand_diag(expand_ctx *c, const char *path, const char *what, int err)
{
    c->nerrors++;
    if (!c->on_diag)
        return;
    char msg[1024];
    snprintf(msg, sizeof msg, "%s: %s", what, strerror(err)); /* the path is in d.file */
    ap_diag d = {AP_SEV_ERROR, path, 0, 0, "open_error", msg};
    c->on_diag(c->user, &d);
}

static size_t key_slot(const file_key *k, size_t cap)
{
    uint64_t h = (k->dev * 0x9E3779B97F4A7C15ull) ^ (k->ino * 0xC2B2AE3D27D4EB4Full);
    h ^= h >> 29;
    return (size_t)h & (cap - 1);
}

/* Returns 1 if the key was already present, 0 if it was added, -1 when out of memory. */
static int seen_add(expand_ctx *c, file_key k)
{
    if ((c->seen_n + 1) * 2 > c->seen_cap) {
        size_t ncap = c->seen_cap ? c->seen_cap * 2 : 64;
        file_key *nk = calloc(ncap, sizeof *nk);
        int *nu = calloc(ncap, sizeof *nu);
        if (!nk || !nu) {
            free(nk);
            free(nu);
            return -1;
        }
        for (size_t i = 0; i < c->seen_cap; i++) {
            if (!c->used[i])
                continue;
            size_t s = key_slot(&c->seen[i], ncap);
            while (nu[s])
                s = (s + 1) & (ncap - 1);
            nk[s] = c->seen[i];
            nu[s] = 1;
        }
        free(c->seen);
        free(c->used);
        c->seen = nk;
        c->used = nu;
        c->seen_cap = ncap;
    }
    size_t s = key_slot(&k, c->seen_cap);
    while (c->used[s]) {
        if (c->seen[s].dev == k.dev && c->seen[s].ino == k.ino)
            return 1;
        s = (s + 1) & (c->seen_cap - 1);
    }
    c->seen[s] = k;
    c->used[s] = 1;
    c->seen_n++;
    return 0;
}

/* Takes ownership of `path` (freed on failure). */
static ap_status list_push(expand_ctx *c, char *path)
{
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 16;
        char **nl = realloc(c->list, ncap * sizeof *nl);
        if (!nl) {
            free(path);
            return AP_ERR_NOMEM;
        }
        c->list = nl;
        c->cap = ncap;
    }
    c->list[c->n++] = path;
    return AP_OK;
}

/* Adds a file unless the same dev/ino was listed already. Takes ownership of `path`. */
static ap_status add_file(expand_ctx *c, char *path, const struct stat *sb)
{
    file_key k = {(uint64_t)sb->st_dev, (uint64_t)sb->st_ino};
    int r = seen_add(c, k);
    if (r < 0) {
        free(path);
        return AP_ERR_NOMEM;
    }
    if (r > 0) {
        free(path);
        return AP_OK;
    }
    return list_push(c, path);
}

static char *path_join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    int slash = dl > 0 && dir[dl - 1] != '/';
    char *p = malloc(dl + (size_t)slash + nl + 1);
    if (!p)
        return NULL;
    memcpy(p, dir, dl);
    if (slash)
        p[dl] = '/';
    memcpy(p + dl + (size_t)slash, name, nl + 1);
    return p;
}

static int name_cmp(const void *x, const void *y)
{
    return ap_natural_compare(*(const char *const *)x, *(const char *const *)y);
}

static ap_status walk_dir(expand_ctx *c, const char *dir)
{
    ap_status st = AP_OK;
    char **names = NULL;
    size_t nn = 0, ncap = 0;
    DIR *d = opendir(dir);
    if (!d) {
        expand_diag(c, dir, "cannot open directory", errno);
        return AP_OK;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (c->pattern && de->d_type != DT_DIR && de->d_type != DT_UNKNOWN &&
            fnmatch(c->pattern, de->d_name, 0) != 0)
            continue;
        if (nn == ncap) {
            size_t nc = ncap ? ncap * 2 : 32;
            char **nv = realloc(names, nc * sizeof *nv);
            if (!nv) {
                st = AP_ERR_NOMEM;
                goto done;
            }
            names = nv;
            ncap = nc;
        }
        names[nn] = strdup(de->d_name);
        if (!names[nn]) {
            st = AP_ERR_NOMEM;
            goto done;
        }
        nn++;
    }
    closedir(d);
    d = NULL;
    if (nn > 1)
        qsort(names, nn, sizeof *names, name_cmp);

    for (size_t i = 0; i < nn && st == AP_OK; i++) {
        char *full = path_join(dir, names[i]);
        if (!full) {
            st = AP_ERR_NOMEM;
            break;
        }
        struct stat sb;
        if (lstat(full, &sb) != 0) { /* vanished since readdir */
            free(full);
            continue;
        }
        if (S_ISDIR(sb.st_mode)) {
            st = walk_dir(c, full);
            free(full);
        } else if (c->pattern && fnmatch(c->pattern, names[i], 0) != 0) {
            free(full); /* d_type was unknown: filtered here instead */
        } else if (S_ISREG(sb.st_mode)) {
            st = add_file(c, full, &sb);
        } else if (S_ISLNK(sb.st_mode) && stat(full, &sb) == 0 && S_ISREG(sb.st_mode)) {
            st = add_file(c, full, &sb); /* link to a file: kept; links to directories are not */
        } else {
            free(full);
        }
    }

done:
    if (d)
        closedir(d);
    for (size_t i = 0; i < nn; i++)
        free(names[i]);
    free(names);
    return st;
}

void ap_inputs_free(char **list, size_t n)
{
    if (!list)
        return;
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

ap_status ap_inputs_expand(const char *const *paths, size_t n, ap_diag_fn on_diag, void *user,
                           char ***out, size_t *nout, size_t *nerrors)
{
    return ap_inputs_expand_matching(paths, n, NULL, on_diag, user, out, nout, nerrors);
}

ap_status ap_inputs_expand_matching(const char *const *paths, size_t n, const char *pattern,
                                    ap_diag_fn on_diag, void *user, char ***out, size_t *nout,
                                    size_t *nerrors)
{
    if ((!paths && n) || !out || !nout)
        return AP_ERR_ARG;
    *out = NULL;
    *nout = 0;
    if (nerrors)
        *nerrors = 0;
    expand_ctx c = {.on_diag = on_diag, .user = user, .pattern = pattern};
    ap_status st = AP_OK;
    for (size_t i = 0; i < n && st == AP_OK; i++) {
        const char *p = paths[i];
        if (!p)
            continue;
        if (strcmp(p, "-") == 0) {
            char *dup = strdup(p);
            st = dup ? list_push(&c, dup) : AP_ERR_NOMEM;
            continue;
        }
        struct stat sb;
        if (stat(p, &sb) != 0) {
            expand_diag(&c, p, "cannot open", errno);
            continue;
        }
        if (S_ISDIR(sb.st_mode)) {
            st = walk_dir(&c, p);
        } else {
            char *dup = strdup(p);
            st = dup ? add_file(&c, dup, &sb) : AP_ERR_NOMEM;
        }
    }
    free(c.seen);
    free(c.used);
    if (st != AP_OK) {
        ap_inputs_free(c.list, c.n);
        return st;
    }
    if (!c.list) { /* an empty list is still a list the caller can free */
        c.list = malloc(sizeof *c.list);
        if (!c.list)
            return AP_ERR_NOMEM;
    }
    *out = c.list;
    *nout = c.n;
    if (nerrors)
        *nerrors = c.nerrors;
    return AP_OK;
}
