/* file.c — see file.h. */
#include "util/file.h"

#include <stdio.h>
#include <stdlib.h>

ap_status ap_read_file(const char *path, size_t max, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return AP_ERR_IO;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    ap_status st = buf ? AP_OK : AP_ERR_NOMEM;
    while (st == AP_OK) {
        if (n == cap) {
            if (cap >= max) {
                st = AP_ERR_LIMIT;
                break;
            }
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                st = AP_ERR_NOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                st = AP_ERR_IO;
            break;
        }
    }
    fclose(f);
    if (st == AP_OK && n > max)
        st = AP_ERR_LIMIT;
    if (st != AP_OK) {
        free(buf);
        return st;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return AP_OK;
}
