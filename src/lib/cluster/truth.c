/* truth.c — reads the ground-truth CSV (sensor,session,actor[,campaign]) that clustering is
 * scored against (see eval.h).
 *
 * Why it exists: the truth file comes from the simulator or from an analyst's spreadsheet, so
 * it arrives with a BOM, CRLF line ends, quoted cells, extra columns in any order and the odd
 * broken row. One bad row must cost that row, reported with its line, never the whole
 * evaluation; and since the file may hold anything (NUL bytes, invalid UTF-8, a 16 MB cell),
 * every cell is parsed with explicit bounds. The reader is a small RFC 4180 state machine that
 * keeps only the four cells it needs, so a row with a million columns costs no memory. */
#include "core/error.h"
#include "cluster/eval.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/escape.h"
#include "util/file.h"
#include "util/hash.h"
#include "util/str.h"

/* Largest truth file cl_truth_load reads (a year of sessions is well below). */
#define TRUTH_MAX_FILE ((size_t)1 << 32)

/* The columns the reader keeps, in the order of cl_truth_row. */
enum { COL_SENSOR, COL_SESSION, COL_ACTOR, COL_CAMPAIGN, COL_COUNT };
static const char *const column_names[COL_COUNT] = {"sensor", "session", "actor", "campaign"};
#define COL_ABSENT SIZE_MAX

typedef struct row_slot { /* (sensor, session) -> row, for duplicates and cl_truth_find */
    uint64_t hash;
    size_t row_plus1; /* 0 = empty */
} row_slot;

struct cl_truth {
    ap_arena arena; /* the row strings */
    cl_truth_row *rows;
    size_t n, cap;
    row_slot *index;
    size_t index_cap; /* a power of two, load <= 1/2 */
    size_t bad_rows;
    int has_campaign;
};

/* ---- the CSV reader ----------------------------------------------------------------------- */

typedef struct csv_reader {
    const char *buf;
    size_t len, pos;
    uint64_t line; /* 1-based line number at pos */
    char *cells;   /* the kept cells of the current record, unescaped, back to back */
    size_t cells_n, cells_cap;
} csv_reader;

typedef enum { CELL_OK, CELL_BROKEN, CELL_NOMEM } cell_status;

static int cells_append(csv_reader *r, const char *p, size_t n)
{
    if (n > r->cells_cap - r->cells_n) {
        size_t cap = r->cells_cap ? r->cells_cap : 256;
        while (cap - r->cells_n < n) {
            if (cap > SIZE_MAX / 2)
                return 0;
            cap *= 2;
        }
        char *c = realloc(r->cells, cap);
        if (!c)
            return 0;
        r->cells = c;
        r->cells_cap = cap;
    }
    if (n)
        memcpy(r->cells + r->cells_n, p, n);
    r->cells_n += n;
    return 1;
}

static size_t count_newlines(const char *p, size_t n)
{
    size_t c = 0;
    const char *end = p + n;
    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        c++;
        p++;
    }
    return c;
}

/* Is there a record terminator (LF or CRLF) at pos? Returns its length, 0 if not. */
static size_t line_end_at(const csv_reader *r, size_t pos)
{
    if (pos < r->len && r->buf[pos] == '\n')
        return 1;
    if (pos + 1 < r->len && r->buf[pos] == '\r' && r->buf[pos + 1] == '\n')
        return 2;
    return 0;
}

/* Reads one cell at r->pos and appends its unescaped text to r->cells. *last is set when the
 * cell ends its record (line end or end of input), *quoted when it was quoted. On CELL_BROKEN
 * *why says what is wrong and r->pos is where reading stopped. */
static cell_status read_cell(csv_reader *r, int *last, int *quoted, const char **why)
{
    *last = 0;
    *quoted = 0;
    if (r->pos < r->len && r->buf[r->pos] == '"') {
        *quoted = 1;
        r->pos++;
        for (;;) {
            const char *q = memchr(r->buf + r->pos, '"', r->len - r->pos);
            if (!q) {
                r->line += count_newlines(r->buf + r->pos, r->len - r->pos);
                r->pos = r->len;
                *why = "unterminated quoted cell (the rest of the file is skipped)";
                return CELL_BROKEN;
            }
            size_t n = (size_t)(q - (r->buf + r->pos));
            r->line += count_newlines(r->buf + r->pos, n);
            if (!cells_append(r, r->buf + r->pos, n))
                return CELL_NOMEM;
            r->pos += n + 1;
            if (r->pos < r->len && r->buf[r->pos] == '"') { /* "" is one quote */
                if (!cells_append(r, "\"", 1))
                    return CELL_NOMEM;
                r->pos++;
                continue;
            }
            break;
        }
        size_t eol;
        if (r->pos == r->len) {
            *last = 1;
        } else if (r->buf[r->pos] == ',') {
            r->pos++;
        } else if ((eol = line_end_at(r, r->pos)) != 0) {
            r->pos += eol;
            r->line++;
            *last = 1;
        } else if (r->buf[r->pos] == '\r' && r->pos + 1 == r->len) {
            r->pos++;
            *last = 1;
        } else {
            *why = "text after the closing quote of a cell";
            return CELL_BROKEN;
        }
        return CELL_OK;
    }
    size_t start = r->pos, end = r->pos;
    while (end < r->len) {
        char c = r->buf[end];
        if (c == ',' || c == '\n')
            break;
        if (c == '"') {
            r->pos = end;
            *why = "quote inside an unquoted cell";
            return CELL_BROKEN;
        }
        end++;
    }
    size_t next = end;
    if (end == r->len) {
        *last = 1;
    } else if (r->buf[end] == '\n') {
        *last = 1;
        next = end + 1;
        r->line++;
    } else {
        next = end + 1; /* the comma */
    }
    if (*last && end > start && r->buf[end - 1] == '\r')
        end--; /* CRLF, or a CR before the end of input */
    if (!cells_append(r, r->buf + start, end - start))
        return CELL_NOMEM;
    r->pos = next;
    return CELL_OK;
}

/* After a broken cell: skip to the start of the next line. */
static void skip_line(csv_reader *r)
{
    const char *nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
    if (!nl) {
        r->pos = r->len;
        return;
    }
    r->pos = (size_t)(nl - r->buf) + 1;
    r->line++;
}

/* One record: which columns to keep (their cell indexes, COL_ABSENT when not in the file) and
 * where their text landed in r->cells. */
typedef struct record {
    uint64_t line, offset; /* where the record starts */
    size_t ncells;
    int blank; /* an empty line */
    size_t off[COL_COUNT], len[COL_COUNT];
    int kept[COL_COUNT];
} record;

typedef enum { REC_OK, REC_BROKEN, REC_NOMEM } record_status;

/* Reads one record, keeping the cells at the indexes in want[] (any of them may be
 * COL_ABSENT). On REC_BROKEN the rest of the line is skipped and *why says what is wrong. */
static record_status read_record(csv_reader *r, const size_t want[COL_COUNT], record *rec,
                                 const char **why)
{
    memset(rec, 0, sizeof *rec);
    rec->line = r->line;
    rec->offset = r->pos;
    r->cells_n = 0;
    for (size_t k = 0;; k++) {
        size_t mark = r->cells_n;
        int last, quoted;
        cell_status cs = read_cell(r, &last, &quoted, why);
        if (cs == CELL_NOMEM)
            return REC_NOMEM;
        if (cs == CELL_BROKEN) {
            skip_line(r);
            return REC_BROKEN;
        }
        size_t cell_len = r->cells_n - mark;
        int keep = 0;
        for (int c = 0; c < COL_COUNT; c++) {
            if (want[c] == k) {
                rec->off[c] = mark;
                rec->len[c] = r->cells_n - mark;
                rec->kept[c] = 1;
                keep = 1;
            }
        }
        if (!keep)
            r->cells_n = mark; /* forget cells nobody asked for */
        if (last) {
            rec->ncells = k + 1;
            rec->blank = (k == 0 && !quoted && cell_len == 0);
            return REC_OK;
        }
    }
}

/* ---- diagnostics -------------------------------------------------------------------------- */

typedef struct parse_ctx {
    const char *name;
    ap_diag_fn on_diag;
    void *user;
    cl_truth *t;
} parse_ctx;

__attribute__((format(printf, 4, 5))) static void report(parse_ctx *c, const record *rec,
                                                          const char *reason, const char *fmt,
                                                          ...)
{
    c->t->bad_rows++;
    if (!c->on_diag)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ap_diag d = {AP_SEV_WARNING, c->name, rec->line, rec->offset, reason, msg};
    c->on_diag(c->user, &d);
}

/* A cell value as safe, short terminal text for a message ("..." when cut). cap >= 8. */
static const char *shown(char *dst, size_t cap, const char *p, size_t n)
{
    if (ap_escape_term_buf(dst, cap - 3, ap_str_make(p, n)) >= cap - 3)
        strcat(dst, "...");
    return dst;
}

/* ---- the header --------------------------------------------------------------------------- */

static int ascii_lower(int c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }

/* Does the header cell (surrounding blanks ignored, any case) name `col`? */
static int names_column(const char *p, size_t n, const char *col)
{
    while (n && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (n != strlen(col))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower((unsigned char)p[i]) != col[i])
            return 0;
    return 1;
}

/* Reads the header (after any blank lines) and finds the columns. Header cells are checked one
 * at a time as they are read, so an enormous header costs no memory. */
static ap_status read_header(csv_reader *r, parse_ctx *c, size_t cols[COL_COUNT], size_t *ncols,
                             char *err, size_t errlen)
{
    for (int k = 0; k < COL_COUNT; k++)
        cols[k] = COL_ABSENT;
    for (;;) {
        if (r->pos >= r->len) {
            ap_set_error(err, errlen, "%s: empty file: expected a header naming sensor, session, actor",
                    c->name);
            return AP_ERR_FORMAT;
        }
        uint64_t line = r->line;
        size_t k = 0;
        int last = 0, quoted = 0, blank = 0;
        while (!last) {
            const char *why = NULL;
            r->cells_n = 0;
            cell_status cs = read_cell(r, &last, &quoted, &why);
            if (cs == CELL_NOMEM)
                return AP_ERR_NOMEM;
            if (cs == CELL_BROKEN) {
                ap_set_error(err, errlen, "%s:%llu: bad header: %s", c->name, (unsigned long long)line,
                        why);
                return AP_ERR_FORMAT;
            }
            for (int col = 0; col < COL_COUNT; col++)
                if (cols[col] == COL_ABSENT && names_column(r->cells, r->cells_n, column_names[col]))
                    cols[col] = k;
            if (last && k == 0 && !quoted && r->cells_n == 0)
                blank = 1;
            k++;
        }
        if (blank)
            continue; /* blank lines before the header */
        *ncols = k;
        for (int col = 0; col < COL_CAMPAIGN; col++) {
            if (cols[col] == COL_ABSENT) {
                ap_set_error(err, errlen,
                        "%s:%llu: the header has no '%s' column (expected sensor,session,actor"
                        "[,campaign] in any order)",
                        c->name, (unsigned long long)line, column_names[col]);
                return AP_ERR_FORMAT;
            }
        }
        return AP_OK;
    }
}

/* ---- rows --------------------------------------------------------------------------------- */

static uint64_t key_hash(const char *sensor, size_t sn, const char *session, size_t on)
{
    return ap_hash64_seed(session, on, ap_hash64(sensor, sn));
}

static int row_is(const cl_truth_row *row, const char *sensor, size_t sn, const char *session,
                  size_t on)
{
    return strncmp(row->sensor, sensor, sn) == 0 && row->sensor[sn] == '\0' &&
           strncmp(row->session, session, on) == 0 && row->session[on] == '\0';
}

/* The slot holding (sensor, session), or the empty slot where it would go. */
static row_slot *index_find(const cl_truth *t, uint64_t h, const char *sensor, size_t sn,
                            const char *session, size_t on)
{
    size_t j = (size_t)h & (t->index_cap - 1);
    for (;;) {
        row_slot *s = &t->index[j];
        if (!s->row_plus1)
            return s;
        if (s->hash == h && row_is(&t->rows[s->row_plus1 - 1], sensor, sn, session, on))
            return s;
        j = (j + 1) & (t->index_cap - 1);
    }
}

static ap_status index_grow(cl_truth *t)
{
    size_t cap = t->index_cap ? t->index_cap * 2 : 1024;
    if (cap > SIZE_MAX / sizeof(row_slot))
        return AP_ERR_NOMEM;
    row_slot *idx = calloc(cap, sizeof *idx);
    if (!idx)
        return AP_ERR_NOMEM;
    for (size_t i = 0; i < t->index_cap; i++) {
        if (!t->index[i].row_plus1)
            continue;
        size_t j = (size_t)t->index[i].hash & (cap - 1);
        while (idx[j].row_plus1)
            j = (j + 1) & (cap - 1);
        idx[j] = t->index[i];
    }
    free(t->index);
    t->index = idx;
    t->index_cap = cap;
    return AP_OK;
}

/* Checks one record and stores it as a row, or reports why it is skipped. */
static ap_status take_row(parse_ctx *c, const csv_reader *r, const record *rec, size_t ncols)
{
    cl_truth *t = c->t;
    if (rec->ncells != ncols) {
        report(c, rec, "bad_row", "skipped row: %zu cells, the header has %zu", rec->ncells, ncols);
        return AP_OK;
    }
    const char *v[COL_COUNT];
    size_t n[COL_COUNT];
    for (int col = 0; col < COL_COUNT; col++) {
        v[col] = rec->kept[col] ? r->cells + rec->off[col] : "";
        n[col] = rec->kept[col] ? rec->len[col] : 0;
        if (col != COL_CAMPAIGN && n[col] == 0) {
            report(c, rec, "bad_row", "skipped row: empty %s", column_names[col]);
            return AP_OK;
        }
        if (n[col] && memchr(v[col], '\0', n[col])) {
            report(c, rec, "bad_row", "skipped row: NUL byte in %s", column_names[col]);
            return AP_OK;
        }
    }

    if ((t->n + 1) * 2 > t->index_cap) {
        ap_status st = index_grow(t);
        if (st != AP_OK)
            return st;
    }
    uint64_t h = key_hash(v[COL_SENSOR], n[COL_SENSOR], v[COL_SESSION], n[COL_SESSION]);
    row_slot *slot = index_find(t, h, v[COL_SENSOR], n[COL_SENSOR], v[COL_SESSION], n[COL_SESSION]);
    if (slot->row_plus1) {
        char s1[80], s2[80];
        report(c, rec, "duplicate_row",
               "skipped row: sensor %s session %s already has a row; the first one is kept",
               shown(s1, sizeof s1, v[COL_SENSOR], n[COL_SENSOR]),
               shown(s2, sizeof s2, v[COL_SESSION], n[COL_SESSION]));
        return AP_OK;
    }

    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        if (cap > SIZE_MAX / sizeof(cl_truth_row))
            return AP_ERR_NOMEM;
        cl_truth_row *rows = realloc(t->rows, cap * sizeof *rows);
        if (!rows)
            return AP_ERR_NOMEM;
        t->rows = rows;
        t->cap = cap;
    }
    /* The four strings packed in one arena allocation, each NUL-terminated. */
    size_t total = 0;
    for (int col = 0; col < COL_COUNT; col++) {
        if (n[col] > SIZE_MAX - total - 1)
            return AP_ERR_NOMEM;
        total += n[col] + 1;
    }
    char *p = ap_arena_alloc(&t->arena, total);
    if (!p)
        return AP_ERR_NOMEM;
    const char *s[COL_COUNT];
    for (int col = 0; col < COL_COUNT; col++) {
        if (n[col])
            memcpy(p, v[col], n[col]);
        p[n[col]] = '\0';
        s[col] = p;
        p += n[col] + 1;
    }
    t->rows[t->n] = (cl_truth_row){s[COL_SENSOR], s[COL_SESSION], s[COL_ACTOR], s[COL_CAMPAIGN]};
    slot->hash = h;
    slot->row_plus1 = ++t->n;
    return AP_OK;
}

/* ---- API ---------------------------------------------------------------------------------- */

ap_status cl_truth_parse(const char *name, const char *buf, size_t len, ap_diag_fn on_diag,
                         void *user, cl_truth **out, char *err, size_t errlen)
{
    if (!out || (len && !buf))
        return AP_ERR_ARG;
    *out = NULL;
    if (!name)
        name = "truth";
    cl_truth *t = calloc(1, sizeof *t);
    if (!t)
        return AP_ERR_NOMEM;
    ap_arena_init(&t->arena, 1 << 16);
    ap_status st = index_grow(t);

    csv_reader r = {buf, len, 0, 1, malloc(256), 0, 256};
    if (!r.cells)
        st = AP_ERR_NOMEM;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        r.pos = 3; /* UTF-8 byte order mark, as spreadsheets write it */
    parse_ctx c = {name, on_diag, user, t};
    size_t cols[COL_COUNT], ncols = 0;
    if (st == AP_OK)
        st = read_header(&r, &c, cols, &ncols, err, errlen);
    if (st == AP_OK)
        t->has_campaign = cols[COL_CAMPAIGN] != COL_ABSENT;

    while (st == AP_OK && r.pos < r.len) {
        record rec;
        const char *why = NULL;
        record_status rs = read_record(&r, cols, &rec, &why);
        if (rs == REC_NOMEM)
            st = AP_ERR_NOMEM;
        else if (rs == REC_BROKEN)
            report(&c, &rec, "bad_row", "skipped row: %s", why);
        else if (!rec.blank)
            st = take_row(&c, &r, &rec, ncols);
    }
    free(r.cells);
    if (st == AP_ERR_NOMEM)
        ap_set_error(err, errlen, "%s: out of memory", name);
    if (st != AP_OK) {
        cl_truth_free(t);
        return st;
    }
    *out = t;
    return AP_OK;
}

ap_status cl_truth_load(const char *path, ap_diag_fn on_diag, void *user, cl_truth **out,
                        char *err, size_t errlen)
{
    if (!path || !out)
        return AP_ERR_ARG;
    *out = NULL;
    char *buf = NULL;
    size_t len = 0;
    errno = 0;
    ap_status st = ap_read_file(path, TRUTH_MAX_FILE, &buf, &len);
    if (st == AP_ERR_LIMIT) {
        ap_set_error(err, errlen, "%s: larger than %zu bytes; not a truth file", path, TRUTH_MAX_FILE);
        return AP_ERR_IO;
    }
    if (st == AP_ERR_IO) {
        ap_set_error(err, errlen, "cannot read %s: %s", path, errno ? strerror(errno) : "I/O error");
        return AP_ERR_IO;
    }
    if (st != AP_OK) {
        ap_set_error(err, errlen, "%s: out of memory", path);
        return st;
    }
    st = cl_truth_parse(path, buf, len, on_diag, user, out, err, errlen);
    free(buf);
    return st;
}

size_t cl_truth_count(const cl_truth *t) { return t ? t->n : 0; }

const cl_truth_row *cl_truth_get(const cl_truth *t, size_t i)
{
    return (t && i < t->n) ? &t->rows[i] : NULL;
}

const cl_truth_row *cl_truth_find(const cl_truth *t, const char *sensor, const char *session)
{
    if (!t || !sensor || !session || !t->index_cap)
        return NULL;
    size_t sn = strlen(sensor), on = strlen(session);
    const row_slot *s = index_find(t, key_hash(sensor, sn, session, on), sensor, sn, session, on);
    return s->row_plus1 ? &t->rows[s->row_plus1 - 1] : NULL;
}

int cl_truth_has_campaign(const cl_truth *t) { return t ? t->has_campaign : 0; }

size_t cl_truth_bad_rows(const cl_truth *t) { return t ? t->bad_rows : 0; }

void cl_truth_free(cl_truth *t)
{
    if (!t)
        return;
    ap_arena_free(&t->arena);
    free(t->rows);
    free(t->index);
    free(t);
}
