/* reader.h — turns one input (a file path or "-" for stdin) into lines, whatever its compression.
 *
 * Compression is detected from the first bytes (gzip 1f 8b, bzip2 "BZh", zstd 28 b5 2f fd;
 * anything else is plain), never from the file name. Concatenated gzip members and zstd frames
 * are read through. A damaged or truncated archive ends the file with AP_ERR_FORMAT after every
 * complete line before the damage has been returned.
 *
 * Lines: split at '\n'; a trailing '\r' is removed; empty lines are skipped silently (they still
 * count in line numbers); NUL bytes left by copytruncate rotation are removed: a line that keeps
 * other bytes comes back with AP_LINE_NUL_SKIPPED and `nuls` (the caller reports it), a line of
 * only NULs is not returned and is reported here (on_diag, reason "nul_padding"). A final line
 * without '\n' is returned with AP_LINE_UNTERMINATED (it may be a partial write: the ingest layer
 * does not consume it so a later run reads it whole). A line longer than max_line is not
 * buffered: its first AP_READER_HEAD_MAX bytes are returned with AP_LINE_TOO_LONG and the rest is
 * skipped, so memory stays bounded.
 *
 * Every returned line is followed in memory by at least AP_READER_PADDING readable bytes (the
 * SIMD JSON parser reads past the end). Line data stays valid until the next call on the reader.
 */
#ifndef AP_INGEST_READER_H
#define AP_INGEST_READER_H

#include <stdint.h>
#include <stddef.h>
#include "actorprint.h"

#define AP_READER_PADDING 64
#define AP_READER_HEAD_MAX 4096 /* also the length of the identity head hash */

typedef enum ap_compression {
    AP_COMPRESSION_NONE = 0,
    AP_COMPRESSION_GZIP = 1,
    AP_COMPRESSION_BZIP2 = 2,
    AP_COMPRESSION_ZSTD = 3
} ap_compression;

const char *ap_compression_name(ap_compression c);

enum {
    AP_LINE_TOO_LONG = 1u << 0,     /* data holds only the head; full_len is the real length */
    AP_LINE_NUL_SKIPPED = 1u << 1,  /* NUL bytes were removed before/in this line */
    AP_LINE_UNTERMINATED = 1u << 2  /* last line of the input, no '\n' after it */
};

typedef struct ap_line {
    const char *data;  /* not NUL-terminated; AP_READER_PADDING bytes readable after data+len */
    size_t len;
    uint64_t full_len; /* length in the input (before NUL removal / truncation) */
    uint64_t number;   /* 1-based line number in the uncompressed stream */
    uint64_t offset;   /* uncompressed byte offset of the line's first byte */
    uint64_t end;      /* uncompressed byte offset just past the line's '\n' */
    unsigned flags;
    uint64_t nuls;     /* NUL bytes skipped */
} ap_line;

typedef struct ap_reader ap_reader;

typedef struct ap_reader_identity {
    uint64_t dev, ino;
    uint64_t disk_size;   /* on-disk size at open (0 for stdin/pipes) */
    int is_regular;
    ap_compression compression;
    uint64_t head_hash;   /* ap_hash64 of the first head_len uncompressed bytes */
    uint32_t head_len;    /* min(AP_READER_HEAD_MAX, uncompressed length) */
    const char *head;     /* the first head_len uncompressed bytes; valid until the next call
                           * of ap_reader_next or ap_reader_skip_to */
} ap_reader_identity;

/* Opens `path` ("-" = standard input). max_line 0 means 1 MiB. Errors reach on_diag with the
 * file name; the returned status says whether the reader could be opened. */
ap_status ap_reader_open(const char *path, size_t max_line, ap_diag_fn on_diag, void *diag_user,
                         ap_reader **out);
void ap_reader_close(ap_reader *r);

/* Identity for the file registry. Reading the head does not consume lines. */
ap_status ap_reader_identity_get(ap_reader *r, ap_reader_identity *out);

/* Skips to uncompressed byte `offset` (a line boundary recorded by an earlier run), setting the
 * line counter to `line`: the number of lines before offset, so the next line returned is numbered
 * line + 1. For plain files this seeks; for compressed ones (and pipes) it decompresses and
 * discards, forward only. AP_ERR_FORMAT (reported with reason "resume_mismatch") if the input is
 * shorter than offset or the byte before offset is not '\n'. Call it before ap_reader_next. */
ap_status ap_reader_skip_to(ap_reader *r, uint64_t offset, uint64_t line);

/* Next line: AP_OK (line filled), AP_END (clean end of input), AP_ERR_IO / AP_ERR_FORMAT (read
 * error or damaged archive, already reported through on_diag; no more lines). */
ap_status ap_reader_next(ap_reader *r, ap_line *line);

/* On-disk (compressed) bytes consumed so far, for progress. */
uint64_t ap_reader_disk_pos(const ap_reader *r);
const char *ap_reader_path(const ap_reader *r);
#endif
