/* fuzz_reader.c — libFuzzer target for the reader: one input = one log file's bytes, read the way
 * ingest reads it (compression detected from the first bytes — gzip, bzip2, zstd or plain — then
 * lines, NUL padding, over-long lines, damaged archives). The bytes reach the reader through a
 * memfd, so the real open/read path runs. Kept crash inputs: corpus/fuzz_reader/. */
#define _GNU_SOURCE
#include "ingest/reader.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int fd = memfd_create("fuzz_reader", 0);
    if (fd < 0)
        return 0;
    if (size && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ap_reader *r = NULL;
    /* a small line limit so that the long-line path is reached with small inputs */
    if (ap_reader_open(path, 256, NULL, NULL, &r) == AP_OK) {
        ap_reader_identity id;
        if (ap_reader_identity_get(r, &id) == AP_OK && id.head_len > AP_READER_HEAD_MAX)
            abort();
        ap_line ln;
        uint64_t last_end = 0;
        ap_status st;
        while ((st = ap_reader_next(r, &ln)) == AP_OK) {
            /* lines come in order, within bounds, with the promised padding readable */
            if (ln.offset < last_end || ln.end < ln.offset || ln.len > ln.full_len + 1)
                abort();
            if (!(ln.flags & AP_LINE_TOO_LONG) && ln.len > 256)
                abort();
            volatile char sink = ln.data[ln.len + AP_READER_PADDING - 1];
            (void)sink;
            last_end = ln.end;
        }
        if (st != AP_END && st != AP_ERR_FORMAT && st != AP_ERR_IO)
            abort();
        ap_reader_close(r);
    }
    close(fd);
    return 0;
}
