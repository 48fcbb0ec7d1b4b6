/* test_reader.c — pins the line reader's promises (reader.h): the same lines from plain, gzip,
 * bzip2 and zstd input whatever the file is called; concatenated members; truncated archives
 * (every complete line, then AP_ERR_FORMAT with file:line); NUL padding; CRLF; over-long lines
 * with bounded memory; unterminated last lines; resuming with skip_to; the identity head hash;
 * standard input through a pipe; open errors. All data is generated here. */
#include <bzlib.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "check.h"
#include "ingest/reader.h"
#include "util/hash.h"

static const char *tmpdir;

/* ---- helpers ------------------------------------------------------------------------------ */

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void buf_add(buf *b, const void *p, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 4096;
        while (nc < b->n + n + 1)
            nc *= 2;
        b->p = realloc(b->p, nc);
        if (!b->p)
            abort();
        b->cap = nc;
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = 0;
}
static void buf_str(buf *b, const char *s) { buf_add(b, s, strlen(s)); }
static void buf_fill(buf *b, int c, size_t n)
{
    char chunk[4096];
    memset(chunk, c, sizeof chunk);
    while (n) {
        size_t k = n < sizeof chunk ? n : sizeof chunk;
        buf_add(b, chunk, k);
        n -= k;
    }
}
static void buf_free(buf *b) { free(b->p); memset(b, 0, sizeof *b); }

static const char *tpath(const char *name)
{
    static char p[4][4096];
    static int i;
    i = (i + 1) % 4;
    snprintf(p[i], sizeof p[i], "%s/%s", tmpdir, name);
    return p[i];
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n)) {
        fprintf(stderr, "cannot write %s\n", path);
        abort();
    }
    fclose(f);
}

static buf gz(const void *data, size_t n)
{
    buf out = {0};
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    uLong bound = deflateBound(&z, (uLong)n);
    out.p = malloc(bound + 1);
    out.cap = bound + 1;
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out.p;
    z.avail_out = (uInt)bound;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        abort();
    out.n = bound - z.avail_out;
    deflateEnd(&z);
    return out;
}

static buf bz2(const void *data, size_t n)
{
    buf out = {0};
    unsigned int len = (unsigned int)(n + n / 100 + 600);
    out.p = malloc(len + 1);
    out.cap = len + 1;
    if (BZ2_bzBuffToBuffCompress(out.p, &len, (char *)data, (unsigned)n, 9, 0, 0) != BZ_OK)
        abort();
    out.n = len;
    return out;
}

static buf zst(const void *data, size_t n)
{
    buf out = {0};
    size_t bound = ZSTD_compressBound(n);
    out.p = malloc(bound + 1);
    out.cap = bound + 1;
    size_t r = ZSTD_compress(out.p, bound, data, n, 3);
    if (ZSTD_isError(r))
        abort();
    out.n = r;
    return out;
}

typedef struct diags {
    int count;
    char reason[8][32];
    char message[8][512];
    char file[8][512];
    uint64_t line[8];
    ap_severity sev[8];
} diags;

static void on_diag(void *user, const ap_diag *d)
{
    diags *ds = user;
    if (ds->count < 8) {
        snprintf(ds->reason[ds->count], sizeof ds->reason[0], "%s", d->reason);
        snprintf(ds->message[ds->count], sizeof ds->message[0], "%s", d->message);
        snprintf(ds->file[ds->count], sizeof ds->file[0], "%s", d->file ? d->file : "");
        ds->line[ds->count] = d->line;
        ds->sev[ds->count] = d->severity;
    }
    ds->count++;
}

/* Everything one reader returns: lines joined with '\n', plus the last line and its flags. */
typedef struct result {
    ap_status open_status, final;
    buf text;
    size_t lines;
    unsigned flags_or;
    ap_line last;
    char last_data[4096 + 1];
    diags d;
    uint64_t disk_pos;
} result;

static void collect(ap_reader *r, result *res)
{
    ap_line l;
    ap_status st;
    while ((st = ap_reader_next(r, &l)) == AP_OK) {
        /* the padding promise: 64 readable bytes after each line (ASan checks the reads) */
        volatile char sink = 0;
        for (size_t i = 0; i < AP_READER_PADDING; i++)
            sink ^= l.data[l.len + i];
        (void)sink;
        buf_add(&res->text, l.data, l.len);
        buf_add(&res->text, "\n", 1);
        res->lines++;
        res->flags_or |= l.flags;
        res->last = l;
        size_t k = l.len < 4096 ? l.len : 4096;
        memcpy(res->last_data, l.data, k);
        res->last_data[k] = 0;
        res->last.data = res->last_data;
    }
    res->final = st;
    res->disk_pos = ap_reader_disk_pos(r);
}

static void read_all(const char *path, size_t max_line, result *res)
{
    memset(res, 0, sizeof *res);
    ap_reader *r = NULL;
    res->open_status = ap_reader_open(path, max_line, on_diag, &res->d, &r);
    if (res->open_status != AP_OK)
        return;
    collect(r, res);
    ap_reader_close(r);
}

/* A few MB of Cowrie-like lines of varying length, so reads cross buffer boundaries. */
static buf make_log(size_t target)
{
    buf b = {0};
    char line[2048];
    unsigned seed = 12345;
    for (size_t i = 0; b.n < target; i++) {
        seed = seed * 1103515245u + 12345u;
        int pad = (int)((seed >> 16) % 900);
        int n = snprintf(line, sizeof line,
                         "{\"eventid\":\"cowrie.command.input\",\"n\":%zu,\"input\":\"%.*s\"}\n", i,
                         pad,
                         "xyzzy-abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstuvwxyz0123"
                         "456789-abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstuvwxyz012"
                         "3456789-abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstuvwxyz01"
                         "23456789-abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstuvwxyz0"
                         "123456789-abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstuvwxyz"
                         "0123456789-abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstuvwxy"
                         "z0123456789-abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstuvwx"
                         "yz0123456789-abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstuvw"
                         "xyz0123456789-abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstuv"
                         "wxyz0123456789-abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstu"
                         "vwxyz0123456789-abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrst"
                         "uvwxyz0123456789-abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrs");
        buf_add(&b, line, (size_t)n);
    }
    return b;
}

static size_t count_lines(const buf *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++)
        n += b->p[i] == '\n';
    return n;
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_formats_yield_identical_lines(const buf *log)
{
    buf g = gz(log->p, log->n), b = bz2(log->p, log->n), z = zst(log->p, log->n);
    write_file(tpath("log.json"), log->p, log->n);
    write_file(tpath("log.json.gz"), g.p, g.n);
    write_file(tpath("log.json.bz2"), b.p, b.n);
    write_file(tpath("log.json.zst"), z.p, z.n);
    write_file(tpath("gzip-named.txt"), g.p, g.n); /* compression comes from bytes, not names */
    write_file(tpath("plain-named.gz"), log->p, log->n);

    struct {
        const char *name;
        ap_compression c;
        size_t disk;
    } cases[] = {{"log.json", AP_COMPRESSION_NONE, log->n},
                 {"log.json.gz", AP_COMPRESSION_GZIP, g.n},
                 {"log.json.bz2", AP_COMPRESSION_BZIP2, b.n},
                 {"log.json.zst", AP_COMPRESSION_ZSTD, z.n},
                 {"gzip-named.txt", AP_COMPRESSION_GZIP, g.n},
                 {"plain-named.gz", AP_COMPRESSION_NONE, log->n}};
    size_t want_lines = count_lines(log);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        result res;
        read_all(tpath(cases[i].name), 0, &res);
        CHECK_EQ_INT(res.open_status, AP_OK);
        CHECK_EQ_INT(res.final, AP_END);
        CHECK_EQ_INT(res.lines, want_lines);
        CHECK(res.text.n == log->n && memcmp(res.text.p, log->p, log->n) == 0);
        CHECK_EQ_INT(res.flags_or, 0);
        CHECK_EQ_INT(res.d.count, 0);
        CHECK_EQ_INT(res.last.number, want_lines);
        CHECK_EQ_INT(res.last.end, log->n);
        CHECK_EQ_INT(res.disk_pos, cases[i].disk);

        ap_reader *r = NULL;
        CHECK_EQ_INT(ap_reader_open(tpath(cases[i].name), 0, NULL, NULL, &r), AP_OK);
        ap_reader_identity id;
        CHECK_EQ_INT(ap_reader_identity_get(r, &id), AP_OK);
        CHECK_EQ_INT(id.compression, cases[i].c);
        CHECK_EQ_INT(id.head_len, AP_READER_HEAD_MAX);
        CHECK(id.head_hash == ap_hash64(log->p, AP_READER_HEAD_MAX));
        CHECK(id.head && memcmp(id.head, log->p, AP_READER_HEAD_MAX) == 0);
        CHECK_EQ_INT(id.disk_size, cases[i].disk);
        CHECK_EQ_INT(id.is_regular, 1);
        struct stat sb;
        stat(tpath(cases[i].name), &sb);
        CHECK(id.dev == (uint64_t)sb.st_dev && id.ino == (uint64_t)sb.st_ino);
        /* the head was read ahead: the first line is still the first line */
        ap_line l;
        CHECK_EQ_INT(ap_reader_next(r, &l), AP_OK);
        CHECK_EQ_INT(l.number, 1);
        CHECK_EQ_INT(l.offset, 0);
        CHECK(l.len > 0 && memcmp(l.data, log->p, l.len) == 0 && log->p[l.len] == '\n');
        ap_reader_close(r);
        buf_free(&res.text);
    }
    CHECK_EQ_STR(ap_compression_name(AP_COMPRESSION_GZIP), "gzip");
    CHECK_EQ_STR(ap_compression_name(AP_COMPRESSION_ZSTD), "zstd");
    CHECK_EQ_STR(ap_compression_name(AP_COMPRESSION_BZIP2), "bzip2");
    buf_free(&g);
    buf_free(&b);
    buf_free(&z);
}

static void test_small_head_hash_equal_for_plain_and_gzip(void)
{
    const char *text = "{\"a\":1}\n{\"b\":2}\n";
    buf g = gz(text, strlen(text));
    write_file(tpath("small.json"), text, strlen(text));
    write_file(tpath("small.json.gz"), g.p, g.n);
    ap_reader_identity a, b;
    ap_reader *r = NULL;
    CHECK_EQ_INT(ap_reader_open(tpath("small.json"), 0, NULL, NULL, &r), AP_OK);
    ap_reader_identity_get(r, &a);
    ap_reader_close(r);
    CHECK_EQ_INT(ap_reader_open(tpath("small.json.gz"), 0, NULL, NULL, &r), AP_OK);
    ap_reader_identity_get(r, &b);
    ap_reader_close(r);
    CHECK_EQ_INT(a.head_len, strlen(text));
    CHECK_EQ_INT(b.head_len, strlen(text));
    CHECK(a.head_hash == b.head_hash);
    CHECK(a.head_hash == ap_hash64(text, strlen(text)));
    CHECK(a.ino != b.ino);
    buf_free(&g);
}

static void test_concatenated_members(void)
{
    const char *p1 = "{\"part\":1}\n{\"part\":2}\n", *p2 = "{\"part\":3}\n", *p3 = "{\"part\":4}\n";
    buf all = {0};
    buf_str(&all, p1);
    buf_str(&all, p2);
    buf_str(&all, p3);
    buf (*codecs[3])(const void *, size_t) = {gz, bz2, zst};
    const char *names[3] = {"multi.gz", "multi.bz2", "multi.zst"};
    for (int c = 0; c < 3; c++) {
        buf cat = {0};
        const char *parts[3] = {p1, p2, p3};
        for (int i = 0; i < 3; i++) {
            buf one = codecs[c](parts[i], strlen(parts[i]));
            buf_add(&cat, one.p, one.n);
            buf_free(&one);
        }
        write_file(tpath(names[c]), cat.p, cat.n);
        result res;
        read_all(tpath(names[c]), 0, &res);
        CHECK_EQ_INT(res.final, AP_END);
        CHECK_EQ_INT(res.lines, 4);
        CHECK(res.text.n == all.n && memcmp(res.text.p, all.p, all.n) == 0);
        CHECK_EQ_INT(res.d.count, 0);
        buf_free(&res.text);
        buf_free(&cat);
    }
    buf_free(&all);
}

static void test_truncated_archives(const buf *log)
{
    buf (*codecs[3])(const void *, size_t) = {gz, bz2, zst};
    const char *names[3] = {"cut.json.gz", "cut.json.bz2", "cut.json.zst"};
    for (int c = 0; c < 3; c++) {
        buf whole = codecs[c](log->p, log->n);
        size_t keep = whole.n * 6 / 10;
        write_file(tpath(names[c]), whole.p, keep);
        result res;
        read_all(tpath(names[c]), 0, &res);
        CHECK_EQ_INT(res.open_status, AP_OK);
        CHECK_EQ_INT(res.final, AP_ERR_FORMAT);
        /* everything returned is the start of the log; the partial last line is flagged */
        CHECK(res.text.n > 0 && res.text.n <= log->n + 1);
        size_t complete = res.lines;
        if (res.last.flags & AP_LINE_UNTERMINATED) {
            complete--;
            CHECK(memcmp(res.text.p, log->p, res.text.n - 1) == 0);
        } else {
            CHECK(memcmp(res.text.p, log->p, res.text.n) == 0);
        }
        CHECK(complete > 100);
        CHECK_EQ_INT(res.d.count, 1);
        CHECK_EQ_STR(res.d.reason[0], "truncated_archive");
        CHECK_EQ_INT(res.d.sev[0], AP_SEV_ERROR);
        CHECK_EQ_INT(res.d.line[0], complete + 1);
        char want[256];
        CHECK(strstr(res.d.file[0], names[c]) != NULL); /* where: in the diag's fields */
        CHECK(strstr(res.d.message[0], names[c]) == NULL); /* not repeated in the text */
        snprintf(want, sizeof want, "; %zu lines read before it", complete);
        CHECK(strstr(res.d.message[0], want) != NULL);
        CHECK(strstr(res.d.message[0], "truncated archive?") != NULL);
        buf_free(&res.text);

        /* damaged in the middle: corrupt_archive (or, for gzip, a CRC mismatch at the end) */
        for (size_t i = whole.n / 2; i < whole.n / 2 + 64; i++)
            whole.p[i] ^= 0x5a;
        write_file(tpath(names[c]), whole.p, whole.n);
        read_all(tpath(names[c]), 0, &res);
        CHECK_EQ_INT(res.final, AP_ERR_FORMAT);
        CHECK_EQ_INT(res.d.count, 1);
        CHECK(strcmp(res.d.reason[0], "corrupt_archive") == 0 ||
              strcmp(res.d.reason[0], "truncated_archive") == 0);
        buf_free(&res.text);
        buf_free(&whole);
    }
}

static void test_nul_padding(void)
{
    buf b = {0};
    buf_str(&b, "{\"first\":1}\n");
    buf_fill(&b, 0, 4096); /* copytruncate: NULs, then the next real line */
    buf_str(&b, "{\"second\":2}\n");
    buf_fill(&b, 0, 3000); /* a line of only NULs */
    static const char third[] = "\n{\"th\0\0ird\":3}\n"; /* NULs inside a line */
    buf_add(&b, third, sizeof third - 1);
    write_file(tpath("nul.json"), b.p, b.n);

    diags d = {0};
    ap_reader *r = NULL;
    CHECK_EQ_INT(ap_reader_open(tpath("nul.json"), 0, on_diag, &d, &r), AP_OK);
    ap_line l;
    CHECK_EQ_INT(ap_reader_next(r, &l), AP_OK);
    CHECK(l.len == 11 && memcmp(l.data, "{\"first\":1}", 11) == 0);
    CHECK_EQ_INT(l.flags, 0);
    CHECK_EQ_INT(ap_reader_next(r, &l), AP_OK);
    CHECK(l.len == 12 && memcmp(l.data, "{\"second\":2}", 12) == 0);
    CHECK_EQ_INT(l.flags, AP_LINE_NUL_SKIPPED);
    CHECK_EQ_INT(l.nuls, 4096);
    CHECK_EQ_INT(l.full_len, 4096 + 12);
    CHECK_EQ_INT(l.number, 2);
    CHECK_EQ_INT(l.offset, 12);
    CHECK_EQ_INT(d.count, 0);
    CHECK_EQ_INT(ap_reader_next(r, &l), AP_OK);
    CHECK(l.len == 11 && memcmp(l.data, "{\"third\":3}", 11) == 0);
    CHECK_EQ_INT(l.number, 4);
    CHECK_EQ_INT(l.nuls, 2);
    CHECK_EQ_INT(l.flags, AP_LINE_NUL_SKIPPED);
    CHECK_EQ_INT(d.count, 1);
    CHECK_EQ_STR(d.reason[0], "nul_padding");
    CHECK_EQ_INT(d.sev[0], AP_SEV_WARNING);
    CHECK_EQ_INT(d.line[0], 3);
    CHECK_EQ_STR(d.file[0], tpath("nul.json"));
    CHECK_EQ_STR(d.message[0], "skipped 3000 NUL bytes (copytruncate padding?)");
    CHECK_EQ_INT(ap_reader_next(r, &l), AP_END);
    ap_reader_close(r);
    buf_free(&b);

    /* A sparse hole much bigger than max_line and the buffer: still one line, not too long. */
    buf_fill(&b, 0, (size_t)9 << 20);
    buf_str(&b, "{\"after\":1}\n");
    buf_fill(&b, 0, 100); /* trailing NULs at the end of the file, no newline */
    write_file(tpath("hole.json"), b.p, b.n);
    memset(&d, 0, sizeof d);
    CHECK_EQ_INT(ap_reader_open(tpath("hole.json"), 0, on_diag, &d, &r), AP_OK);
    CHECK_EQ_INT(ap_reader_next(r, &l), AP_OK);
    CHECK(l.len == 11 && memcmp(l.data, "{\"after\":1}", 11) == 0);
    CHECK_EQ_INT(l.nuls, (size_t)9 << 20);
    CHECK_EQ_INT(l.flags, AP_LINE_NUL_SKIPPED);
    CHECK_EQ_INT(l.end, ((size_t)9 << 20) + 12);
    CHECK_EQ_INT(ap_reader_next(r, &l), AP_END);
    CHECK_EQ_INT(d.count, 1);
    CHECK_EQ_STR(d.reason[0], "nul_padding");
    CHECK_EQ_INT(d.line[0], 2);
    ap_reader_close(r);
    buf_free(&b);
}

static void test_crlf_empty_and_unterminated(void)
{
    const char *text = "{\"a\":1}\r\n\r\n\n{\"b\":2}\r\n{\"c\":3}";
    write_file(tpath("crlf.json"), text, strlen(text));
    ap_reader *r = NULL;
    ap_line l;
    CHECK_EQ_INT(ap_reader_open(tpath("crlf.json"), 0, NULL, NULL, &r), AP_OK);
    CHECK_EQ_INT(ap_reader_next(r, &l), AP_OK);
    CHECK(l.len == 7 && memcmp(l.data, "{\"a\":1}", 7) == 0);
    CHECK_EQ_INT(l.full_len, 8);
    CHECK_EQ_INT(l.end, 9);
    CHECK_EQ_INT(ap_reader_next(r, &l), AP_OK);
    CHECK(l.len == 7 && memcmp(l.data, "{\"b\":2}", 7) == 0);
    CHECK_EQ_INT(l.number, 4);
    CHECK_EQ_INT(l.offset, 12);
    CHECK_EQ_INT(l.flags, 0);
    CHECK_EQ_INT(ap_reader_next(r, &l), AP_OK);
    CHECK(l.len == 7 && memcmp(l.data, "{\"c\":3}", 7) == 0);
    CHECK_EQ_INT(l.flags, AP_LINE_UNTERMINATED);
    CHECK_EQ_INT(l.number, 5);
    CHECK_EQ_INT(l.end, strlen(text));
    CHECK_EQ_INT(ap_reader_next(r, &l), AP_END);
    CHECK_EQ_INT(ap_reader_next(r, &l), AP_END);
    ap_reader_close(r);
}

static void test_empty_file(void)
{
    write_file(tpath("empty.json"), "", 0);
    result res;
    read_all(tpath("empty.json"), 0, &res);
    CHECK_EQ_INT(res.open_status, AP_OK);
    CHECK_EQ_INT(res.final, AP_END);
    CHECK_EQ_INT(res.lines, 0);
    ap_reader *r = NULL;
    CHECK_EQ_INT(ap_reader_open(tpath("empty.json"), 0, NULL, NULL, &r), AP_OK);
    ap_reader_identity id;
    ap_reader_identity_get(r, &id);
    CHECK_EQ_INT(id.head_len, 0);
    CHECK_EQ_INT(id.compression, AP_COMPRESSION_NONE);
    ap_reader_close(r);
    /* a file of two bytes that look like a gzip header is a truncated archive */
    write_file(tpath("magic-only.gz"), "\x1f\x8b", 2);
    read_all(tpath("magic-only.gz"), 0, &res);
    CHECK_EQ_INT(res.final, AP_ERR_FORMAT);
    CHECK_EQ_INT(res.d.count, 1);
    CHECK_EQ_STR(res.d.reason[0], "truncated_archive");
    buf_free(&res.text);
}

static void check_long_line_file(const char *name, size_t long_len)
{
    diags d = {0};
    ap_reader *r = NULL;
    ap_line l;
    CHECK_EQ_INT(ap_reader_open(tpath(name), (size_t)1 << 20, on_diag, &d, &r), AP_OK);
    CHECK_EQ_INT(ap_reader_next(r, &l), AP_OK);
    CHECK(l.len == 9 && memcmp(l.data, "{\"ok\":\"1\"", 9) == 0);
    CHECK_EQ_INT(ap_reader_next(r, &l), AP_OK);
    CHECK_EQ_INT(l.flags, AP_LINE_TOO_LONG);
    CHECK_EQ_INT(l.len, AP_READER_HEAD_MAX);
    CHECK_EQ_INT(l.full_len, long_len);
    CHECK_EQ_INT(l.number, 2);
    CHECK_EQ_INT(l.offset, 10);
    CHECK_EQ_INT(l.end, 10 + long_len + 1);
    CHECK(memcmp(l.data, "{\"big\":\"", 8) == 0 && l.data[8] == 'x' &&
          l.data[AP_READER_HEAD_MAX - 1] == 'x');
    CHECK_EQ_INT(ap_reader_next(r, &l), AP_OK);
    CHECK(l.len == 9 && memcmp(l.data, "{\"ok\":\"3\"", 9) == 0);
    CHECK_EQ_INT(l.number, 3);
    CHECK_EQ_INT(l.flags, 0);
    CHECK_EQ_INT(ap_reader_next(r, &l), AP_END);
    CHECK_EQ_INT(d.count, 0);
    ap_reader_close(r);
}

static void test_long_lines(void)
{
    size_t sizes[2] = {(size_t)16 << 20, (size_t)2 << 20}; /* discarded / whole in the buffer */
    for (int i = 0; i < 2; i++) {
        buf b = {0};
        buf_str(&b, "{\"ok\":\"1\"\n{\"big\":\"");
        buf_fill(&b, 'x', sizes[i] - 8);
        buf_str(&b, "\n{\"ok\":\"3\"\n");
        write_file(tpath("long.json"), b.p, b.n);
        check_long_line_file("long.json", sizes[i]);
        buf g = gz(b.p, b.n);
        write_file(tpath("long.json.gz"), g.p, g.n);
        check_long_line_file("long.json.gz", sizes[i]);
        buf_free(&g);
        buf_free(&b);
    }
    /* an over-long unterminated last line */
    buf b = {0};
    buf_str(&b, "{\"ok\":\"1\"\n");
    buf_fill(&b, 'y', (size_t)3 << 20);
    write_file(tpath("longtail.json"), b.p, b.n);
    ap_reader *r = NULL;
    ap_line l;
    CHECK_EQ_INT(ap_reader_open(tpath("longtail.json"), 0, NULL, NULL, &r), AP_OK);
    CHECK_EQ_INT(ap_reader_next(r, &l), AP_OK);
    CHECK_EQ_INT(ap_reader_next(r, &l), AP_OK);
    CHECK_EQ_INT(l.flags, AP_LINE_TOO_LONG | AP_LINE_UNTERMINATED);
    CHECK_EQ_INT(l.full_len, (size_t)3 << 20);
    CHECK_EQ_INT(l.end, b.n);
    CHECK_EQ_INT(ap_reader_next(r, &l), AP_END);
    ap_reader_close(r);
    buf_free(&b);
}

static void test_skip_to(const buf *log)
{
    buf g = gz(log->p, log->n);
    write_file(tpath("skip.json"), log->p, log->n);
    write_file(tpath("skip.json.gz"), g.p, g.n);
    const char *names[2] = {"skip.json", "skip.json.gz"};
    for (int f = 0; f < 2; f++) {
        /* remember where line 5000 ends, and what line 5001 is */
        ap_reader *r = NULL;
        ap_line l;
        uint64_t end = 0, number = 0;
        char next[2048] = {0};
        size_t next_len = 0;
        CHECK_EQ_INT(ap_reader_open(tpath(names[f]), 0, NULL, NULL, &r), AP_OK);
        while (ap_reader_next(r, &l) == AP_OK) {
            if (l.number == 5000) {
                end = l.end;
                number = l.number;
            } else if (l.number == 5001) {
                next_len = l.len;
                memcpy(next, l.data, l.len);
                break;
            }
        }
        ap_reader_close(r);
        CHECK(end > 0 && next_len > 0);

        CHECK_EQ_INT(ap_reader_open(tpath(names[f]), 0, NULL, NULL, &r), AP_OK);
        CHECK_EQ_INT(ap_reader_skip_to(r, end, number), AP_OK);
        CHECK_EQ_INT(ap_reader_next(r, &l), AP_OK);
        CHECK_EQ_INT(l.number, 5001);
        CHECK_EQ_INT(l.offset, end);
        CHECK(l.len == next_len && memcmp(l.data, next, next_len) == 0);
        size_t rest = 1;
        while (ap_reader_next(r, &l) == AP_OK)
            rest++;
        CHECK_EQ_INT(rest + 5000, count_lines(log));
        CHECK_EQ_INT(l.end, log->n);
        ap_reader_identity id;
        ap_reader_identity_get(r, &id);
        CHECK(id.head_hash == ap_hash64(log->p, AP_READER_HEAD_MAX));
        ap_reader_close(r);

        /* past the end, or not at a line boundary: AP_ERR_FORMAT, reported */
        diags d = {0};
        CHECK_EQ_INT(ap_reader_open(tpath(names[f]), 0, on_diag, &d, &r), AP_OK);
        CHECK_EQ_INT(ap_reader_skip_to(r, log->n + 10, 1), AP_ERR_FORMAT);
        ap_reader_close(r);
        CHECK_EQ_INT(ap_reader_open(tpath(names[f]), 0, on_diag, &d, &r), AP_OK);
        CHECK_EQ_INT(ap_reader_skip_to(r, end + 3, 1), AP_ERR_FORMAT);
        ap_reader_close(r);
        CHECK_EQ_INT(d.count, 2);
        CHECK_EQ_STR(d.reason[0], "resume_mismatch");
        /* skipping to the very end leaves nothing to read */
        CHECK_EQ_INT(ap_reader_open(tpath(names[f]), 0, NULL, NULL, &r), AP_OK);
        CHECK_EQ_INT(ap_reader_skip_to(r, log->n, count_lines(log)), AP_OK);
        CHECK_EQ_INT(ap_reader_next(r, &l), AP_END);
        ap_reader_close(r);
    }
    buf_free(&g);
}

/* Runs the reader on "-" with `data` written into a pipe on fd 0 by a child process. */
static void read_stdin_pipe(const void *data, size_t n, result *res)
{
    int fds[2];
    if (pipe(fds) != 0)
        abort();
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        const char *p = data;
        while (n) {
            ssize_t w = write(fds[1], p, n);
            if (w <= 0)
                _exit(1);
            p += w;
            n -= (size_t)w;
        }
        _exit(0);
    }
    close(fds[1]);
    int saved = dup(STDIN_FILENO);
    dup2(fds[0], STDIN_FILENO);
    close(fds[0]);
    read_all("-", 0, res);
    dup2(saved, STDIN_FILENO);
    close(saved);
    int status = 0;
    waitpid(pid, &status, 0);
}

static void test_stdin_pipe(const buf *log)
{
    result res;
    read_stdin_pipe(log->p, log->n, &res);
    CHECK_EQ_INT(res.open_status, AP_OK);
    CHECK_EQ_INT(res.final, AP_END);
    CHECK(res.text.n == log->n && memcmp(res.text.p, log->p, log->n) == 0);
    buf_free(&res.text);

    buf z = zst(log->p, log->n);
    read_stdin_pipe(z.p, z.n, &res);
    CHECK_EQ_INT(res.final, AP_END);
    CHECK(res.text.n == log->n && memcmp(res.text.p, log->p, log->n) == 0);
    buf_free(&res.text);
    buf_free(&z);

    /* identity of a pipe: not regular, no size, head hash still over the content */
    int fds[2];
    if (pipe(fds) != 0)
        abort();
    if (write(fds[1], "{\"x\":1}\n", 8) != 8)
        abort();
    close(fds[1]);
    int saved = dup(STDIN_FILENO);
    dup2(fds[0], STDIN_FILENO);
    close(fds[0]);
    ap_reader *r = NULL;
    CHECK_EQ_INT(ap_reader_open("-", 0, NULL, NULL, &r), AP_OK);
    ap_reader_identity id;
    ap_reader_identity_get(r, &id);
    CHECK_EQ_INT(id.is_regular, 0);
    CHECK_EQ_INT(id.disk_size, 0);
    CHECK_EQ_INT(id.head_len, 8);
    CHECK(id.head_hash == ap_hash64("{\"x\":1}\n", 8));
    CHECK(id.head && memcmp(id.head, "{\"x\":1}\n", 8) == 0);
    CHECK_EQ_STR(ap_reader_path(r), "-");
    ap_line l;
    CHECK_EQ_INT(ap_reader_next(r, &l), AP_OK);
    CHECK(l.len == 7);
    ap_reader_close(r);
    dup2(saved, STDIN_FILENO);
    close(saved);
}

static void test_open_errors(void)
{
    result res;
    read_all(tpath("does-not-exist.json"), 0, &res);
    CHECK_EQ_INT(res.open_status, AP_ERR_IO);
    CHECK_EQ_INT(res.d.count, 1);
    CHECK_EQ_STR(res.d.reason[0], "open_error");
    CHECK_EQ_INT(res.d.sev[0], AP_SEV_ERROR);
    CHECK(strstr(res.d.file[0], "does-not-exist.json") != NULL);
    CHECK(strstr(res.d.message[0], strerror(ENOENT)) != NULL);

    read_all(tmpdir, 0, &res); /* a directory */
    CHECK_EQ_INT(res.open_status, AP_ERR_IO);
    CHECK_EQ_INT(res.d.count, 1);
    CHECK_EQ_STR(res.d.reason[0], "open_error");

    if (geteuid() != 0) { /* root reads through chmod 000 */
        write_file(tpath("locked.json"), "{}\n", 3);
        chmod(tpath("locked.json"), 0);
        read_all(tpath("locked.json"), 0, &res);
        CHECK_EQ_INT(res.open_status, AP_ERR_IO);
        CHECK_EQ_STR(res.d.reason[0], "open_error");
        CHECK(strstr(res.d.message[0], strerror(EACCES)) != NULL);
    }
    ap_reader *r = (ap_reader *)1;
    CHECK_EQ_INT(ap_reader_open(NULL, 0, NULL, NULL, &r), AP_ERR_ARG);
}

int main(void)
{
    tmpdir = check_tmpdir("reader");
    buf log = make_log((size_t)9 << 20); /* > 2 line buffers */
    test_formats_yield_identical_lines(&log);
    test_small_head_hash_equal_for_plain_and_gzip();
    test_concatenated_members();
    test_truncated_archives(&log);
    test_nul_padding();
    test_crlf_empty_and_unterminated();
    test_empty_file();
    test_long_lines();
    test_skip_to(&log);
    test_stdin_pipe(&log);
    test_open_errors();
    buf_free(&log);
    CHECK_DONE();
}
