/* reader.c — the line reader behind reader.h: one input (path or stdin) in, lines out.
 *
 * Why it looks the way it does:
 *  - Bytes are read (or decompressed) in big chunks straight into one line buffer, and lines are
 *    found with memchr and handed out as pointers into that buffer: no per-line copy. read() is
 *    used rather than mmap because the live Cowrie log is truncated in place by copytruncate
 *    rotation, and a truncated mapping kills the process with SIGBUS.
 *  - A partial line at the end of the buffer is moved to the front before the next read. The
 *    buffer is always bigger than max_line plus a read's worth, so a line that does not fit
 *    within max_line switches the reader to "discard until '\n'" and memory stays bounded.
 *  - NUL bytes (copytruncate leaves long runs of them, sometimes hundreds of MB of sparse file)
 *    are found with one memchr pass per chunk (`nul_at` remembers the next one), removed in place,
 *    and never count toward max_line.
 *  - Compression is detected from the first four bytes; gzip members, bzip2 streams and zstd
 *    frames are read through until the input ends. A stream that stops early or does not decode
 *    is remembered as a pending error: the lines already decoded are handed out first, then the
 *    partial last line, then the error (with file:line) goes to on_diag.
 */
#include "ingest/reader.h"

#include <bzlib.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "util/hash.h"

#define READER_MAX_LINE_DEFAULT ((size_t)1 << 20)
#define READER_BUF_MIN ((size_t)4 << 20)  /* uncompressed line buffer */
#define READER_READ_MIN ((size_t)1 << 20) /* room always left for one read after a partial line */
#define READER_IN_SIZE ((size_t)256 << 10) /* compressed input chunk */
#define READER_HEAD_READ ((size_t)64 << 10) /* read-ahead for the identity head */
#define READER_MSG_MAX 1024

struct ap_reader {
    char *path;       /* as given ("-" for stdin) */
    const char *name; /* for messages: path, or "<stdin>" */
    int fd;
    int own_fd;
    ap_diag_fn on_diag;
    void *diag_user;
    size_t max_line;
    size_t head_max; /* bytes returned of a too-long line: min(AP_READER_HEAD_MAX, max_line) */
    ap_reader_identity id;
    int head_done;
    char *head_copy; /* the first head_len raw bytes, kept for id.head until close */

    /* Compressed input (unused for plain inputs). */
    unsigned char *in;
    size_t in_len, in_pos;
    int in_eof;
    uint64_t disk_read; /* bytes read from fd (plus the seek offset) */
    z_stream z;
    bz_stream bz;
    ZSTD_DCtx *zd;
    int dec_ready;   /* decoder initialised (needs cleanup) */
    int stream_done; /* the current gzip member / bzip2 stream / zstd frame is complete */

    /* Uncompressed line buffer: [pos, end) not yet handed out; cap usable + PADDING allocated. */
    char *buf;
    size_t cap, pos, end;
    size_t scan;   /* [pos, scan) is known to hold no '\n' */
    size_t nul_at; /* first NUL in [pos, end), or end when there is none */
    int eof;       /* no more uncompressed bytes will come */
    ap_status err; /* pending error, returned once the buffered lines are out */
    const char *err_reason;
    char err_text[256];
    int finished;
    ap_status final_status;

    uint64_t off;        /* uncompressed offset of buf[pos] (start of the next line) */
    uint64_t lines;      /* physical lines consumed, including skipped empty ones */
    uint64_t terminated; /* of which ended with '\n' */
    uint64_t pend_removed; /* NULs already removed from the pending (partial) line */

    /* Too-long line being discarded. */
    int discarding;
    char *head;
    size_t head_len;
    uint64_t disc_raw, disc_nuls, disc_off;
};

const char *ap_compression_name(ap_compression c)
{
    switch (c) {
    case AP_COMPRESSION_NONE: return "plain";
    case AP_COMPRESSION_GZIP: return "gzip";
    case AP_COMPRESSION_BZIP2: return "bzip2";
    case AP_COMPRESSION_ZSTD: return "zstd";
    }
    return "unknown";
}

/* ---- diagnostics ---------------------------------------------------------------------------- */

static void reader_diag(const ap_reader *r, ap_severity sev, const char *reason, uint64_t line,
                        uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static void reader_diag(const ap_reader *r, ap_severity sev, const char *reason, uint64_t line,
                        uint64_t offset, const char *fmt, ...)
{
    if (!r->on_diag)
        return;
    /* the file and line travel in the diag's own fields: the message does not repeat them */
    char msg[READER_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ap_diag d = {sev, r->name, line, offset, reason, msg};
    r->on_diag(r->diag_user, &d);
}

/* Remembers the first error; the buffered lines are still handed out before it. */
static void reader_fail(ap_reader *r, ap_status st, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void reader_fail(ap_reader *r, ap_status st, const char *reason, const char *fmt, ...)
{
    r->eof = 1;
    if (r->err != AP_OK)
        return;
    r->err = st;
    r->err_reason = reason;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err_text, sizeof r->err_text, fmt, ap);
    va_end(ap);
}

/* ---- raw input ------------------------------------------------------------------------------ */

/* read() that retries on EINTR. Returns bytes read, 0 at end, -1 on error (errno set). */
static ssize_t read_some(int fd, void *p, size_t n)
{
    ssize_t got;
    do {
        got = read(fd, p, n);
    } while (got < 0 && errno == EINTR);
    return got;
}

/* Refills the compressed input chunk; 0 on success (possibly at EOF), -1 after reader_fail. */
static int read_input(ap_reader *r)
{
    r->in_pos = r->in_len = 0;
    ssize_t got = read_some(r->fd, r->in, READER_IN_SIZE);
    if (got < 0) {
        reader_fail(r, AP_ERR_IO, "read_error", "read error: %s", strerror(errno));
        return -1;
    }
    if (got == 0)
        r->in_eof = 1;
    r->in_len = (size_t)got;
    r->disk_read += (uint64_t)got;
    return 0;
}

static const char *codec_name(const ap_reader *r) { return ap_compression_name(r->id.compression); }

/* One decompression step into buf[end, end + room). Returns bytes produced; -1 after
 * reader_fail. */
static long decode_step(ap_reader *r, size_t room)
{
    size_t space = room;
    if (space > UINT_MAX)
        space = UINT_MAX;
    size_t avail_in = r->in_len - r->in_pos;
    switch (r->id.compression) {
    case AP_COMPRESSION_GZIP: {
        if (r->stream_done) { /* next member of a concatenated gzip file */
            if (inflateReset(&r->z) != Z_OK)
                goto corrupt_generic;
            r->stream_done = 0;
        }
        r->z.next_in = r->in + r->in_pos;
        r->z.avail_in = (uInt)avail_in;
        r->z.next_out = (Bytef *)r->buf + r->end;
        r->z.avail_out = (uInt)space;
        int ret = inflate(&r->z, Z_NO_FLUSH);
        r->in_pos = r->in_len - r->z.avail_in;
        size_t produced = space - r->z.avail_out;
        if (ret == Z_STREAM_END)
            r->stream_done = 1;
        else if (ret != Z_OK && ret != Z_BUF_ERROR) {
            reader_fail(r, AP_ERR_FORMAT, "corrupt_archive", "gzip data is corrupt (%s)",
                        r->z.msg ? r->z.msg : "inflate error");
            r->end += produced;
            return -1;
        }
        r->end += produced;
        return (long)produced;
    }
    case AP_COMPRESSION_BZIP2: {
        if (r->stream_done) { /* next stream of a multi-stream bzip2 file */
            BZ2_bzDecompressEnd(&r->bz);
            memset(&r->bz, 0, sizeof r->bz);
            r->dec_ready = 0;
            if (BZ2_bzDecompressInit(&r->bz, 0, 0) != BZ_OK)
                goto corrupt_generic;
            r->dec_ready = 1;
            r->stream_done = 0;
        }
        r->bz.next_in = (char *)r->in + r->in_pos;
        r->bz.avail_in = (unsigned)avail_in;
        r->bz.next_out = r->buf + r->end;
        r->bz.avail_out = (unsigned)space;
        int ret = BZ2_bzDecompress(&r->bz);
        r->in_pos = r->in_len - r->bz.avail_in;
        size_t produced = space - r->bz.avail_out;
        r->end += produced;
        if (ret == BZ_STREAM_END)
            r->stream_done = 1;
        else if (ret != BZ_OK) {
            reader_fail(r, AP_ERR_FORMAT, "corrupt_archive", "bzip2 data is corrupt (%s)",
                        ret == BZ_DATA_ERROR_MAGIC ? "bad stream header"
                        : ret == BZ_MEM_ERROR      ? "out of memory"
                                                   : "checksum or block error");
            return -1;
        }
        return (long)produced;
    }
    case AP_COMPRESSION_ZSTD: {
        ZSTD_inBuffer ib = {r->in, r->in_len, r->in_pos};
        ZSTD_outBuffer ob = {r->buf + r->end, space, 0};
        size_t ret = ZSTD_decompressStream(r->zd, &ob, &ib);
        r->in_pos = ib.pos;
        r->end += ob.pos;
        if (ZSTD_isError(ret)) {
            reader_fail(r, AP_ERR_FORMAT, "corrupt_archive", "zstd data is corrupt (%s)",
                        ZSTD_getErrorName(ret));
            return -1;
        }
        r->stream_done = (ret == 0);
        return (long)ob.pos;
    }
    case AP_COMPRESSION_NONE: break;
    }
corrupt_generic:
    reader_fail(r, AP_ERR_FORMAT, "corrupt_archive", "%s decoder could not restart",
                codec_name(r));
    return -1;
}

/* Appends at most `limit` uncompressed bytes at buf[end]; needs end < cap. Returns bytes added;
 * 0 means the input ended (cleanly, or with r->err set). Keeps nul_at up to date. */
static size_t fill_at_most(ap_reader *r, size_t limit)
{
    if (r->eof)
        return 0;
    size_t old_end = r->end;
    size_t room = r->cap - r->end < limit ? r->cap - r->end : limit;
    if (r->id.compression == AP_COMPRESSION_NONE) {
        ssize_t got = read_some(r->fd, r->buf + r->end, room);
        if (got < 0) {
            reader_fail(r, AP_ERR_IO, "read_error", "read error: %s", strerror(errno));
            return 0;
        }
        if (got == 0) {
            r->eof = 1;
            return 0;
        }
        r->disk_read += (uint64_t)got;
        r->end += (size_t)got;
    } else {
        for (;;) {
            int have_input = r->in_pos < r->in_len;
            if (have_input || !r->stream_done) {
                long got = decode_step(r, room);
                if (got < 0)
                    break;
                if (got > 0)
                    break;
                if (r->in_pos < r->in_len)
                    continue; /* consumed headers without output */
            }
            if (r->in_pos < r->in_len)
                continue;
            if (r->in_eof) {
                if (!r->stream_done)
                    reader_fail(r, AP_ERR_FORMAT, "truncated_archive",
                                "%s stream ends early (truncated archive?)", codec_name(r));
                r->eof = 1;
                break;
            }
            if (read_input(r) < 0)
                break;
        }
    }
    if (r->nul_at == old_end && r->end > old_end) {
        const char *z = memchr(r->buf + old_end, 0, r->end - old_end);
        r->nul_at = z ? (size_t)(z - r->buf) : r->end;
    }
    return r->end - old_end;
}

static size_t fill(ap_reader *r) { return fill_at_most(r, SIZE_MAX); }

static void find_nul_from_pos(ap_reader *r)
{
    const char *z = r->pos < r->end ? memchr(r->buf + r->pos, 0, r->end - r->pos) : NULL;
    r->nul_at = z ? (size_t)(z - r->buf) : r->end;
}

/* Hashes the first min(AP_READER_HEAD_MAX, length) uncompressed bytes before any are consumed.
 * Reads ahead only a little, so a reader opened just for its identity stays cheap. */
static void ensure_head(ap_reader *r)
{
    if (r->head_done)
        return;
    while (r->end < AP_READER_HEAD_MAX && fill_at_most(r, READER_HEAD_READ) > 0) {
    }
    size_t n = r->end < AP_READER_HEAD_MAX ? r->end : AP_READER_HEAD_MAX;
    r->id.head_len = (uint32_t)n;
    r->id.head_hash = ap_hash64(r->buf, n);
    memcpy(r->head_copy, r->buf, n);
    r->id.head = r->head_copy;
    r->head_done = 1;
}

/* ---- open / close --------------------------------------------------------------------------- */

static ap_compression detect_compression(const unsigned char *p, size_t n)
{
    if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
        return AP_COMPRESSION_GZIP;
    if (n >= 3 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h')
        return AP_COMPRESSION_BZIP2;
    if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
        return AP_COMPRESSION_ZSTD;
    return AP_COMPRESSION_NONE;
}

ap_status ap_reader_open(const char *path, size_t max_line, ap_diag_fn on_diag, void *diag_user,
                         ap_reader **out)
{
    if (!path || !out)
        return AP_ERR_ARG;
    *out = NULL;
    ap_status st = AP_ERR_NOMEM;
    ap_reader *r = calloc(1, sizeof *r);
    if (!r)
        return AP_ERR_NOMEM;
    r->fd = -1;
    r->on_diag = on_diag;
    r->diag_user = diag_user;
    r->path = strdup(path);
    if (!r->path)
        goto fail;
    int is_stdin = strcmp(path, "-") == 0;
    r->name = is_stdin ? "<stdin>" : r->path;
    r->max_line = max_line ? max_line : READER_MAX_LINE_DEFAULT;
    r->head_max = r->max_line < AP_READER_HEAD_MAX ? r->max_line : AP_READER_HEAD_MAX;

    if (is_stdin) {
        r->fd = STDIN_FILENO;
    } else {
        r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (r->fd < 0) {
            reader_diag(r, AP_SEV_ERROR, "open_error", 0, 0, "cannot open: %s", strerror(errno));
            st = AP_ERR_IO;
            goto fail;
        }
        r->own_fd = 1;
    }
    struct stat sb;
    if (fstat(r->fd, &sb) != 0) {
        reader_diag(r, AP_SEV_ERROR, "open_error", 0, 0, "cannot stat: %s", strerror(errno));
        st = AP_ERR_IO;
        goto fail;
    }
    if (S_ISDIR(sb.st_mode)) {
        reader_diag(r, AP_SEV_ERROR, "open_error", 0, 0, "cannot read: %s", strerror(EISDIR));
        st = AP_ERR_IO;
        goto fail;
    }
    r->id.dev = (uint64_t)sb.st_dev;
    r->id.ino = (uint64_t)sb.st_ino;
    r->id.is_regular = S_ISREG(sb.st_mode) ? 1 : 0;
    r->id.disk_size = r->id.is_regular ? (uint64_t)sb.st_size : 0;
    if (r->id.is_regular) {
        off_t at = lseek(r->fd, 0, SEEK_CUR); /* stdin may be a file already partly read */
        r->disk_read = at > 0 ? (uint64_t)at : 0;
#ifdef POSIX_FADV_SEQUENTIAL
        posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    }

    /* The buffer holds a pending line of up to max_line + 1 bytes plus one read's worth. */
    r->cap = READER_BUF_MIN;
    if (r->max_line > SIZE_MAX / 2 - READER_READ_MIN) {
        st = AP_ERR_ARG;
        goto fail;
    }
    if (r->cap < r->max_line + 2 + READER_READ_MIN)
        r->cap = r->max_line + 2 + READER_READ_MIN;
    r->buf = calloc(1, r->cap + AP_READER_PADDING);
    r->head = calloc(1, AP_READER_HEAD_MAX + AP_READER_PADDING);
    r->head_copy = calloc(1, AP_READER_HEAD_MAX + AP_READER_PADDING);
    if (!r->buf || !r->head || !r->head_copy)
        goto fail;

    /* Magic bytes: up to four, read without seeking so pipes work too. */
    unsigned char magic[4];
    size_t nmagic = 0;
    while (nmagic < sizeof magic) {
        ssize_t got = read_some(r->fd, magic + nmagic, sizeof magic - nmagic);
        if (got < 0) {
            reader_diag(r, AP_SEV_ERROR, "read_error", 0, 0, "read error: %s", strerror(errno));
            st = AP_ERR_IO;
            goto fail;
        }
        if (got == 0)
            break;
        nmagic += (size_t)got;
    }
    r->disk_read += nmagic;
    r->id.compression = detect_compression(magic, nmagic);

    switch (r->id.compression) {
    case AP_COMPRESSION_NONE:
        memcpy(r->buf, magic, nmagic);
        r->end = nmagic;
        if (nmagic < sizeof magic)
            r->eof = 1;
        break;
    case AP_COMPRESSION_GZIP:
        if (inflateInit2(&r->z, 16 + MAX_WBITS) != Z_OK)
            goto fail;
        r->dec_ready = 1;
        break;
    case AP_COMPRESSION_BZIP2:
        if (BZ2_bzDecompressInit(&r->bz, 0, 0) != BZ_OK)
            goto fail;
        r->dec_ready = 1;
        break;
    case AP_COMPRESSION_ZSTD:
        r->zd = ZSTD_createDCtx();
        if (!r->zd)
            goto fail;
        r->dec_ready = 1;
        break;
    }
    if (r->id.compression != AP_COMPRESSION_NONE) {
        r->in = malloc(READER_IN_SIZE);
        if (!r->in)
            goto fail;
        memcpy(r->in, magic, nmagic);
        r->in_len = nmagic;
        if (nmagic < sizeof magic)
            r->in_eof = 1;
    }
    {
        const char *z = memchr(r->buf, 0, r->end);
        r->nul_at = z ? (size_t)(z - r->buf) : r->end;
    }
    *out = r;
    return AP_OK;

fail:
    if (st == AP_ERR_NOMEM)
        reader_diag(r, AP_SEV_ERROR, "open_error", 0, 0, "cannot open: out of memory");
    ap_reader_close(r);
    return st;
}

void ap_reader_close(ap_reader *r)
{
    if (!r)
        return;
    if (r->dec_ready) {
        switch (r->id.compression) {
        case AP_COMPRESSION_GZIP: inflateEnd(&r->z); break;
        case AP_COMPRESSION_BZIP2: BZ2_bzDecompressEnd(&r->bz); break;
        case AP_COMPRESSION_ZSTD: ZSTD_freeDCtx(r->zd); break;
        case AP_COMPRESSION_NONE: break;
        }
    }
    if (r->own_fd && r->fd >= 0)
        close(r->fd);
    free(r->in);
    free(r->buf);
    free(r->head);
    free(r->head_copy);
    free(r->path);
    free(r);
}

ap_status ap_reader_identity_get(ap_reader *r, ap_reader_identity *out)
{
    if (!r || !out)
        return AP_ERR_ARG;
    ensure_head(r);
    *out = r->id;
    return AP_OK;
}

const char *ap_reader_path(const ap_reader *r) { return r ? r->path : NULL; }

uint64_t ap_reader_disk_pos(const ap_reader *r)
{
    if (!r)
        return 0;
    uint64_t unconsumed = r->id.compression == AP_COMPRESSION_NONE
                              ? (uint64_t)(r->end - r->pos)
                              : (uint64_t)(r->in_len - r->in_pos);
    return r->disk_read > unconsumed ? r->disk_read - unconsumed : 0;
}

/* ---- skipping ------------------------------------------------------------------------------- */

static ap_status resume_mismatch(ap_reader *r, uint64_t offset, const char *why)
{
    reader_diag(r, AP_SEV_ERROR, "resume_mismatch", 0, offset,
                "cannot resume at byte %llu: %s", (unsigned long long)offset, why);
    return AP_ERR_FORMAT;
}

/* Resets the line buffer to empty (nothing pending). */
static void buffer_reset(ap_reader *r)
{
    r->pos = r->end = r->scan = r->nul_at = 0;
    r->pend_removed = 0;
}

ap_status ap_reader_skip_to(ap_reader *r, uint64_t offset, uint64_t line)
{
    if (!r || r->discarding || r->finished)
        return AP_ERR_ARG;
    ensure_head(r);
    if (offset == r->off) {
        r->lines = r->terminated = line;
        return AP_OK;
    }
    if (r->id.compression == AP_COMPRESSION_NONE && r->id.is_regular && r->err == AP_OK) {
        struct stat sb;
        if (fstat(r->fd, &sb) != 0) {
            reader_diag(r, AP_SEV_ERROR, "read_error", 0, offset, "cannot stat: %s",
                        strerror(errno));
            return AP_ERR_IO;
        }
        if (sb.st_size < 0 || offset > (uint64_t)sb.st_size)
            return resume_mismatch(r, offset, "the file is shorter than that");
        if (offset > (uint64_t)INT64_MAX)
            return resume_mismatch(r, offset, "offset out of range");
        if (offset > 0) {
            char last = 0;
            ssize_t got;
            do {
                got = pread(r->fd, &last, 1, (off_t)(offset - 1));
            } while (got < 0 && errno == EINTR);
            if (got != 1 || last != '\n')
                return resume_mismatch(r, offset, "it is not the end of a line");
        }
        if (lseek(r->fd, (off_t)offset, SEEK_SET) < 0) {
            reader_diag(r, AP_SEV_ERROR, "read_error", 0, offset, "cannot seek: %s",
                        strerror(errno));
            return AP_ERR_IO;
        }
        buffer_reset(r);
        r->eof = 0;
        r->off = offset;
        r->disk_read = offset;
    } else {
        if (offset < r->off)
            return resume_mismatch(r, offset, "the input cannot be read backwards");
        char last = 0;
        while (r->off < offset) {
            if (r->pos == r->end) {
                buffer_reset(r);
                if (fill(r) == 0) {
                    if (r->err != AP_OK)
                        return resume_mismatch(r, offset, r->err_text);
                    return resume_mismatch(r, offset, "the input is shorter than that");
                }
                continue;
            }
            size_t n = r->end - r->pos;
            if ((uint64_t)n > offset - r->off)
                n = (size_t)(offset - r->off);
            r->pos += n;
            r->off += n;
            last = r->buf[r->pos - 1];
        }
        r->scan = r->pos;
        if (r->nul_at < r->pos)
            find_nul_from_pos(r);
        if (last != '\n')
            return resume_mismatch(r, offset, "it is not the end of a line");
    }
    r->lines = r->terminated = line;
    return AP_OK;
}

/* ---- lines ---------------------------------------------------------------------------------- */

/* Removes NULs from buf[from, to) (from is the first NUL); returns the new end and adds the
 * count to *nuls. */
static size_t squeeze_nuls(char *buf, size_t from, size_t to, uint64_t *nuls)
{
    size_t w = from;
    size_t i = from;
    while (i < to) {
        /* skip a run of NULs */
        size_t run = i;
        while (run < to && buf[run] == 0)
            run++;
        *nuls += run - i;
        i = run;
        if (i >= to)
            break;
        const char *z = memchr(buf + i, 0, to - i);
        size_t stop = z ? (size_t)(z - buf) : to;
        memmove(buf + w, buf + i, stop - i);
        w += stop - i;
        i = stop;
    }
    return w;
}

static void report_nul_line(ap_reader *r, uint64_t line, uint64_t offset, uint64_t nuls)
{
    reader_diag(r, AP_SEV_WARNING, "nul_padding", line, offset,
                "skipped %llu NUL bytes (copytruncate padding?)", (unsigned long long)nuls);
}

/* Removes NULs from the pending partial line [pos, end) before more is read after it. */
static void squeeze_pending(ap_reader *r)
{
    uint64_t nuls = 0;
    if (r->nul_at < r->end) {
        size_t new_end = squeeze_nuls(r->buf, r->nul_at, r->end, &nuls);
        r->pend_removed += r->end - new_end;
        r->end = new_end;
        r->nul_at = new_end;
        r->scan = new_end;
    }
}

static ap_status finish(ap_reader *r)
{
    r->finished = 1;
    r->final_status = AP_END;
    if (r->err != AP_OK) {
        r->final_status = r->err;
        uint64_t at = r->terminated + 1;
        if (r->err == AP_ERR_FORMAT)
            reader_diag(r, AP_SEV_ERROR, r->err_reason, at, r->off,
                        "%s; %llu lines read before it", r->err_text,
                        (unsigned long long)r->terminated);
        else
            reader_diag(r, AP_SEV_ERROR, r->err_reason, at, r->off, "%s", r->err_text);
    }
    return r->final_status;
}

/* Hands out the head of the discarded too-long line. */
static void emit_discarded(ap_reader *r, ap_line *line, unsigned extra_flags, uint64_t end_off)
{
    line->data = r->head;
    line->len = r->head_len;
    line->full_len = r->disc_raw;
    line->number = ++r->lines;
    line->offset = r->disc_off;
    line->end = end_off;
    line->flags = AP_LINE_TOO_LONG | extra_flags | (r->disc_nuls ? AP_LINE_NUL_SKIPPED : 0);
    line->nuls = r->disc_nuls;
    r->off = end_off;
    r->discarding = 0;
}

/* Keeps reading a too-long line until its '\n'. Returns 1 when a line was emitted. */
static int discard_step(ap_reader *r, ap_line *line)
{
    if (r->pos == r->end) {
        buffer_reset(r);
        if (fill(r) == 0) {
            emit_discarded(r, line, AP_LINE_UNTERMINATED, r->disc_off + r->disc_raw);
            return 1;
        }
    }
    const char *nl = memchr(r->buf + r->pos, '\n', r->end - r->pos);
    if (!nl) {
        r->disc_raw += r->end - r->pos;
        r->pos = r->end;
        return 0;
    }
    size_t e = (size_t)(nl - r->buf);
    r->disc_raw += e - r->pos;
    r->pos = r->scan = e + 1;
    find_nul_from_pos(r);
    r->terminated++;
    emit_discarded(r, line, 0, r->disc_off + r->disc_raw + 1);
    return 1;
}

ap_status ap_reader_next(ap_reader *r, ap_line *line)
{
    if (!r || !line)
        return AP_ERR_ARG;
    if (r->finished)
        return r->final_status;
    if (!r->head_done)
        ensure_head(r);
    for (;;) {
        if (r->discarding) {
            if (discard_step(r, line))
                return AP_OK;
            continue;
        }
        const char *nl = memchr(r->buf + r->scan, '\n', r->end - r->scan);
        int terminated = nl != NULL;
        size_t s = r->pos, e;
        if (nl) {
            e = (size_t)(nl - r->buf);
        } else {
            r->scan = r->end;
            if (!r->eof) {
                squeeze_pending(r); /* removed bytes are counted in pend_removed */
                if (r->end - r->pos > r->max_line + 1) {
                    /* Too long: keep the head, drop the rest up to the next '\n'. */
                    r->head_len = r->head_max;
                    memcpy(r->head, r->buf + r->pos, r->head_len);
                    r->disc_raw = r->pend_removed + (r->end - r->pos);
                    r->disc_nuls = r->pend_removed;
                    r->disc_off = r->off;
                    r->discarding = 1;
                    buffer_reset(r);
                    continue;
                }
                if (r->pos > 0) {
                    size_t keep = r->end - r->pos;
                    memmove(r->buf, r->buf + r->pos, keep);
                    r->pos = 0;
                    r->end = r->scan = r->nul_at = keep;
                }
                if (r->end == r->cap) /* cannot happen: cap > max_line + 1 + one read */
                    reader_fail(r, AP_ERR_INTERNAL, "read_error", "line buffer full");
                else
                    fill(r);
                continue;
            }
            if (r->pos == r->end && r->pend_removed == 0)
                return finish(r);
            e = r->end;
        }

        /* One line: buf[s, e) plus pend_removed NULs already squeezed out of it. */
        uint64_t raw = r->pend_removed + (e - s);
        uint64_t nuls = r->pend_removed;
        size_t len_end = e;
        if (r->nul_at < e)
            len_end = squeeze_nuls(r->buf, r->nul_at, e, &nuls);
        uint64_t start_off = r->off;
        uint64_t end_off = start_off + raw + (terminated ? 1 : 0);
        r->lines++;
        if (terminated)
            r->terminated++;
        r->off = end_off;
        r->pend_removed = 0;
        r->pos = r->scan = terminated ? e + 1 : e;
        if (r->nul_at < r->pos)
            find_nul_from_pos(r);

        size_t len = len_end - s;
        if (len > 0 && r->buf[s + len - 1] == '\r')
            len--;
        if (len == 0) {
            if (nuls)
                report_nul_line(r, r->lines, start_off, nuls);
            continue;
        }
        line->data = r->buf + s;
        line->len = len;
        line->full_len = raw;
        line->number = r->lines;
        line->offset = start_off;
        line->end = end_off;
        line->flags = (nuls ? AP_LINE_NUL_SKIPPED : 0) | (terminated ? 0 : AP_LINE_UNTERMINATED);
        line->nuls = nuls;
        if (len > r->max_line) {
            line->len = r->head_max;
            line->flags |= AP_LINE_TOO_LONG;
        }
        return AP_OK;
    }
}
