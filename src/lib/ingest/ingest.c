/* ingest.c — the ingest pipeline: inputs → reader → decoder → sessionizer → store.
 *
 * Two threads by default: the producer reads, decompresses, splits and decodes lines into
 * batches; the writer applies them to the store. Parsing and SQLite writing then run on different
 * cores, and memory is bounded by the few batches in flight plus the open sessions.
 *
 * Incremental and crash-safe: every input file has a registry row (identity by content head, byte
 * offset reached, hash of the last line consumed). The writer commits a transaction every
 * `commit_bytes` of input, and the registry offsets are written in the same transaction as the
 * events they cover, so a run killed at any point leaves a consistent store and the next run
 * resumes exactly where the last commit ended. Re-reading is always safe — events are deduplicated
 * by identity hash — so whenever an input's identity is in doubt it is read again from the start.
 */
#include "actorprint.h"
#include "ingest/cowrie.h"
#include "ingest/inputs.h"
#include "ingest/reader.h"
#include "ingest/sessionizer.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/hash.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zstd.h>

#define DEFAULT_COMMIT_BYTES (256ull << 20)
#define BATCH_BYTES (4u << 20)
#define BATCH_ITEMS 16384
#define QUEUE_DEPTH 4
#define REJECT_HEAD_MAX 4096

/* ---- planned inputs --------------------------------------------------------------------- */

/* Where the producer has read a file to: its own copy, handed to the writer in progress items.
 * The registry row (rec) belongs to the writer once the threads run. */
typedef struct read_pos {
    uint64_t offset, lines, mark_offset, mark_hash;
} read_pos;

typedef struct planned_file {
    const char *path;
    ap_file_rec rec;       /* registry row; rec.offset/lines = where this run starts */
    read_pos pos;          /* the producer's position (set from rec when planning) */
    char *rec_path;        /* owned copy backing rec.path */
    int skip;              /* nothing new to read */
    int verify_mark;       /* check the last consumed line before resuming */
    int touched;           /* the writer has progress to save for it */
    int read_error;
    ap_reader *held;       /* stdin stays open from planning to reading: it cannot be reopened */
} planned_file;

/* ---- batches ---------------------------------------------------------------------------- */

typedef enum item_kind { ITEM_EVENT, ITEM_REJECT, ITEM_PROGRESS } item_kind;

typedef struct reject_item {
    uint64_t line, offset, full_len;
    const char *reason;    /* static string */
    ap_str head;
} reject_item;

typedef struct progress_item {
    uint64_t offset, lines, mark_offset, mark_hash;
    int complete;
    uint64_t disk_size;
} progress_item;

typedef struct item {
    item_kind kind;
    uint32_t file;         /* index into plan */
    union {
        ap_event ev;
        reject_item rej;
        progress_item prog;
    } u;
} item;

typedef struct batch {
    struct batch *next;
    ap_arena arena;
    item *items;
    size_t nitems;
    uint64_t bytes;
    int last;              /* no more batches after this one */
} batch;

/* ---- the run ---------------------------------------------------------------------------- */

typedef struct run {
    ap_store *store;
    const ap_ingest_options *opt;
    planned_file *plan;
    size_t nplan;
    ap_sessionizer *sessions;
    ap_cowrie_decoder *decoder;

    /* queue between producer and writer */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    batch *full_head, *full_tail;
    batch *free_list;
    size_t nbatches;
    int threaded;

    /* shared status */
    atomic_int writer_failed;
    ap_status writer_status;
    char writer_msg[256];

    /* counters */
    uint64_t bytes_total;
    atomic_uint_fast64_t bytes_done, disk_done, events_done, bad_lines;
    uint64_t lines, read_errors, files_skipped;
    uint64_t bytes_since_commit;
    double t0;
    double last_progress;
    int interrupted;
    ZSTD_CCtx *zc;         /* producer's compressor for forward payloads */
    struct producer *cur;  /* the producer, while it reads file cur_file */
    uint32_t cur_file;
} run;

static void reader_diag(void *user, const ap_diag *d);

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void diag(run *r, ap_severity sev, const char *file, uint64_t line, uint64_t offset,
                 const char *reason, const char *msg)
{
    if (!r->opt->on_diag)
        return;
    ap_diag d = {sev, file, line, offset, reason, msg};
    r->opt->on_diag(r->opt->diag_user, &d);
}

static void report_progress(run *r, const char *file, int force)
{
    if (!r->opt->on_progress)
        return;
    double t = now_seconds();
    if (!force && t - r->last_progress < 0.1)
        return;
    r->last_progress = t;
    ap_progress p = {atomic_load(&r->bytes_done), r->bytes_total, atomic_load(&r->disk_done),
                     atomic_load(&r->events_done), atomic_load(&r->bad_lines), file, t - r->t0};
    r->opt->on_progress(r->opt->progress_user, &p);
}

void ap_ingest_options_init(ap_ingest_options *o)
{
    memset(o, 0, sizeof *o);
}

/* ---- planning: which bytes of each input are new ------------------------------------------ */

static int head_prefix_matches(const ap_reader_identity *id, const ap_file_rec *rec)
{
    return rec->head_len <= id->head_len && id->head &&
           ap_hash64(id->head, rec->head_len) == rec->head_hash;
}

/* Is `path` still a file whose head is the registered one? (Tells a rename from a copy.) */
static int path_still_holds(const char *path, const ap_file_rec *rec)
{
    ap_reader *rd = NULL;
    ap_reader_identity id;
    int same = 0;
    if (ap_reader_open(path, 0, NULL, NULL, &rd) == AP_OK && ap_reader_identity_get(rd, &id) == AP_OK)
        same = head_prefix_matches(&id, rec);
    ap_reader_close(rd);
    return same;
}

/* Forgets how far a registered file was read: it is read again from its start. */
static void rec_rewind(ap_file_rec *rec)
{
    rec->offset = rec->lines = rec->mark_offset = rec->mark_hash = 0;
}

static int claimed(const run *r, size_t upto, int64_t id)
{
    for (size_t i = 0; i < upto; i++)
        if (r->plan[i].rec.id == id)
            return 1;
    return 0;
}

static ap_status plan_file(run *r, size_t i, ap_arena *scratch)
{
    planned_file *pf = &r->plan[i];
    ap_reader *rd = NULL;
    ap_reader_identity id;
    ap_status st = ap_reader_open(pf->path, r->opt->max_line, reader_diag, r, &rd);
    if (st == AP_OK)
        st = ap_reader_identity_get(rd, &id);
    if (st != AP_OK) {
        ap_reader_close(rd);
        pf->skip = 1;
        pf->read_error = 1;
        r->read_errors++;
        return AP_OK; /* reported by the reader; the other inputs go on */
    }
    int is_stdin = strcmp(pf->path, "-") == 0;
    if (is_stdin) {
        pf->held = rd;
        rd = NULL;
    }
    ap_file_rec found;
    int have = 0;
    ap_arena_reset(scratch);
    /* The registry names files by absolute path, however they were spelled on the command line. */
    pf->rec_path = is_stdin ? NULL : realpath(pf->path, NULL);
    if (!pf->rec_path)
        pf->rec_path = strdup(pf->path);
    if (!pf->rec_path) {
        st = AP_ERR_NOMEM;
        goto out;
    }
    /* 1. the same path, with the same content at its head: the file grew, or nothing changed */
    if (!is_stdin) {
        st = ap_store_file_by_path(r->store, ap_str_c(pf->rec_path), scratch, &found, &have);
        if (st != AP_OK)
            goto out;
        if (have && (!head_prefix_matches(&id, &found) || claimed(r, i, found.id)))
            have = 0;
    }
    /* 2. the same content under another name: rotated (renamed, maybe compressed), perhaps
     *    grown since it was read while shorter than a full head */
    if (!have && id.head_len > 0) {
        st = ap_store_file_by_head(r->store, id.head_hash, id.head_len, scratch, &found, &have);
        uint32_t lens[16];
        size_t nlens = 0;
        if (st == AP_OK && !have)
            st = ap_store_file_short_heads(r->store, id.head_len, lens, 16, &nlens);
        for (size_t k = 0; st == AP_OK && !have && k < nlens; k++)
            st = ap_store_file_by_head(r->store, ap_hash64(id.head, lens[k]), lens[k], scratch,
                                       &found, &have);
        if (st != AP_OK)
            goto out;
        int same_inode = found.dev == id.dev && found.ino == id.ino && id.is_regular;
        if (have && (claimed(r, i, found.id) ||
                     (!same_inode && strcmp(found.path.p, pf->rec_path) != 0 &&
                      strcmp(found.path.p, "-") != 0 && path_still_holds(found.path.p, &found))))
            have = 0; /* a copy whose original is still there: read it (duplicates are dropped) */
    }
    if (have && is_stdin) {
        /* a pipe cannot be checked past its head: read it all again (duplicates are dropped) */
        pf->rec = found;
        rec_rewind(&pf->rec);
        pf->rec.complete = 0;
    } else if (have) {
        pf->rec = found;
        int grew_past_head = id.head_len > found.head_len;
        if (id.compression != AP_COMPRESSION_NONE || is_stdin || !id.is_regular) {
            /* cannot seek: skip when the stream was read to its end before */
            pf->skip = found.complete && id.disk_size == found.disk_size && id.disk_size != 0;
        } else if (id.disk_size < found.offset) {
            diag(r, AP_SEV_WARNING, pf->path, 0, 0, "file_truncated",
                 "file is shorter than the part already read (truncated or rewritten): reading it again from the start");
            rec_rewind(&pf->rec);
        } else {
            pf->skip = id.disk_size == found.offset;
        }
        pf->verify_mark = !pf->skip && pf->rec.offset > 0;
        if (grew_past_head) { /* remember the longer head from now on */
            pf->rec.head_len = id.head_len;
            pf->rec.head_hash = id.head_hash;
        }
    } else {
        memset(&pf->rec, 0, sizeof pf->rec);
        pf->rec.head_hash = id.head_hash;
        pf->rec.head_len = id.head_len;
    }
    pf->rec.dev = id.dev;
    pf->rec.ino = id.ino;
    pf->rec.compression = id.compression;
    pf->rec.path = ap_str_c(pf->rec_path);
    pf->pos = (read_pos){pf->rec.offset, pf->rec.lines, pf->rec.mark_offset, pf->rec.mark_hash};
    if (pf->skip) {
        r->files_skipped++;
    } else {
        r->bytes_total += id.disk_size;
        if (pf->rec.id == 0 || pf->rec.head_len != found.head_len)
            st = ap_store_file_put(r->store, &pf->rec);
    }
out:
    ap_reader_close(rd);
    return st;
}

/* ---- queue ------------------------------------------------------------------------------ */

static batch *batch_get(run *r)
{
    pthread_mutex_lock(&r->mu);
    while (r->threaded && !r->free_list && r->nbatches >= QUEUE_DEPTH && !atomic_load(&r->writer_failed))
        pthread_cond_wait(&r->cv, &r->mu);
    batch *b = r->free_list;
    if (b) {
        r->free_list = b->next;
    } else {
        b = calloc(1, sizeof *b);
        if (b) {
            b->items = malloc(BATCH_ITEMS * sizeof *b->items);
            if (!b->items) {
                free(b);
                b = NULL;
            } else {
                ap_arena_init(&b->arena, 1u << 20);
                r->nbatches++;
            }
        }
    }
    pthread_mutex_unlock(&r->mu);
    if (b) {
        ap_arena_reset(&b->arena);
        b->nitems = 0;
        b->bytes = 0;
        b->last = 0;
        b->next = NULL;
    }
    return b;
}

static void batch_release(run *r, batch *b)
{
    pthread_mutex_lock(&r->mu);
    b->next = r->free_list;
    r->free_list = b;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static void batch_destroy(batch *b)
{
    ap_arena_free(&b->arena);
    free(b->items);
    free(b);
}

/* ---- writer ----------------------------------------------------------------------------- */

static void writer_fail(run *r, ap_status st, const char *what)
{
    if (atomic_load(&r->writer_failed))
        return;
    r->writer_status = st;
    snprintf(r->writer_msg, sizeof r->writer_msg, "%s: %s (%s)", what, ap_strerror(st),
             ap_store_errmsg(r->store));
    atomic_store(&r->writer_failed, 1);
}

static ap_status writer_checkpoint(run *r)
{
    ap_status st = ap_sessionizer_flush(r->sessions);
    for (size_t i = 0; st == AP_OK && i < r->nplan; i++) {
        if (!r->plan[i].touched)
            continue;
        st = ap_store_file_put(r->store, &r->plan[i].rec);
        r->plan[i].touched = 0;
    }
    if (st == AP_OK)
        st = ap_store_commit(r->store);
    if (st == AP_OK)
        st = ap_store_begin(r->store);
    r->bytes_since_commit = 0;
    return st;
}

static ap_status writer_apply(run *r, batch *b)
{
    ap_status st = AP_OK;
    for (size_t i = 0; i < b->nitems && st == AP_OK; i++) {
        item *it = &b->items[i];
        planned_file *pf = &r->plan[it->file];
        switch (it->kind) {
        case ITEM_EVENT: {
            int is_new;
            st = ap_sessionizer_apply(r->sessions, &it->u.ev, &is_new);
            if (st == AP_OK && is_new)
                atomic_fetch_add(&r->events_done, 1);
            break;
        }
        case ITEM_REJECT:
            st = ap_store_add_reject(r->store, pf->rec.id, it->u.rej.line, it->u.rej.offset,
                                     it->u.rej.reason, it->u.rej.head, it->u.rej.full_len);
            break;
        case ITEM_PROGRESS:
            pf->rec.offset = it->u.prog.offset;
            pf->rec.lines = it->u.prog.lines;
            pf->rec.mark_offset = it->u.prog.mark_offset;
            pf->rec.mark_hash = it->u.prog.mark_hash;
            pf->rec.complete = it->u.prog.complete;
            pf->rec.disk_size = it->u.prog.disk_size;
            pf->rec.updated_us = (int64_t)time(NULL) * 1000000;
            pf->touched = 1;
            break;
        }
    }
    if (st != AP_OK)
        return st;
    r->bytes_since_commit += b->bytes;
    uint64_t limit = r->opt->commit_bytes ? r->opt->commit_bytes : DEFAULT_COMMIT_BYTES;
    if (r->bytes_since_commit >= limit || b->last)
        st = writer_checkpoint(r);
    return st;
}

static void deliver(run *r, batch *b)
{
    if (!r->threaded) {
        if (!atomic_load(&r->writer_failed)) {
            ap_status st = writer_apply(r, b);
            if (st != AP_OK)
                writer_fail(r, st, "writing to the store");
        }
        batch_release(r, b);
        return;
    }
    pthread_mutex_lock(&r->mu);
    if (r->full_tail)
        r->full_tail->next = b;
    else
        r->full_head = b;
    r->full_tail = b;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static void *writer_main(void *arg)
{
    run *r = arg;
    for (;;) {
        pthread_mutex_lock(&r->mu);
        while (!r->full_head)
            pthread_cond_wait(&r->cv, &r->mu);
        batch *b = r->full_head;
        r->full_head = b->next;
        if (!r->full_head)
            r->full_tail = NULL;
        pthread_mutex_unlock(&r->mu);
        int last = b->last;
        if (!atomic_load(&r->writer_failed)) {
            ap_status st = writer_apply(r, b);
            if (st != AP_OK)
                writer_fail(r, st, "writing to the store");
        }
        batch_release(r, b);
        if (last)
            return NULL;
    }
}

/* ---- producer --------------------------------------------------------------------------- */

typedef struct producer {
    run *r;
    batch *b;
} producer;

static void add_reject(producer *p, uint32_t file, const ap_line *ln, const char *reason);

/* The readers' diagnostics: passed on to the caller, and the NUL padding they skip (lines that
 * were nothing but NULs, so never reach the parser) is recorded like other bad lines. */
static void reader_diag(void *user, const ap_diag *d)
{
    run *r = user;
    if (r->opt->on_diag)
        r->opt->on_diag(r->opt->diag_user, d);
    if (r->cur && d->reason && strcmp(d->reason, "nul_padding") == 0 && d->line) {
        ap_line ln = {"", 0, 0, d->line, d->offset, d->offset, 0, 0};
        add_reject(r->cur, r->cur_file, &ln, "nul_padding");
    }
}

static item *next_item(producer *p)
{
    if (!p->b)
        return NULL;
    if (p->b->nitems == BATCH_ITEMS || p->b->bytes >= BATCH_BYTES) {
        deliver(p->r, p->b);
        p->b = batch_get(p->r);
        if (!p->b)
            return NULL;
    }
    return &p->b->items[p->b->nitems++];
}

static void add_reject(producer *p, uint32_t file, const ap_line *ln, const char *reason)
{
    item *it = next_item(p);
    if (!it)
        return;
    size_t n = ln->len < REJECT_HEAD_MAX ? ln->len : REJECT_HEAD_MAX;
    it->kind = ITEM_REJECT;
    it->file = file;
    it->u.rej = (reject_item){ln->number, ln->offset, ln->full_len, reason,
                              ap_arena_dup(&p->b->arena, ap_str_make(ln->data, n))};
    atomic_fetch_add(&p->r->bad_lines, 1);
}

static void add_progress(producer *p, uint32_t file, const planned_file *pf, int complete,
                         uint64_t disk_size)
{
    item *it = next_item(p);
    if (!it)
        return;
    it->kind = ITEM_PROGRESS;
    it->file = file;
    it->u.prog = (progress_item){pf->pos.offset, pf->pos.lines, pf->pos.mark_offset,
                                 pf->pos.mark_hash, complete, disk_size};
}

/* Compresses a forward payload for the store here, on the parser thread (the writer is the
 * busier one). A NULL view (out of memory, or it does not compress) leaves it to the store. */
static ap_str pack_payload(run *r, ap_arena *arena, ap_str data)
{
    if (!r->zc && !(r->zc = ZSTD_createCCtx()))
        return AP_STR_NULL;
    size_t bound = ZSTD_compressBound(data.n);
    char *out = ap_arena_alloc(arena, bound);
    if (!out)
        return AP_STR_NULL;
    size_t n = ZSTD_compressCCtx(r->zc, out, bound, data.p, data.n, 1);
    return ZSTD_isError(n) ? AP_STR_NULL : ap_str_make(out, n);
}

/* Opens a planned input positioned where this run starts. When the last line consumed before
 * differs from what was recorded (the file was rewritten), starts again from the beginning. */
static ap_status open_positioned(run *r, planned_file *pf, ap_reader **out)
{
    ap_reader *rd = pf->held;
    ap_status st = AP_OK;
    pf->held = NULL;
    if (!rd && (st = ap_reader_open(pf->path, r->opt->max_line, reader_diag, r, &rd)) != AP_OK)
        return st;
    if (pf->verify_mark && pf->pos.lines > 0) {
        ap_line ln;
        st = ap_reader_skip_to(rd, pf->pos.mark_offset, pf->pos.lines - 1);
        if (st == AP_OK)
            st = ap_reader_next(rd, &ln);
        if (st == AP_OK && ln.end == pf->pos.offset && ap_hash64(ln.data, ln.len) == pf->pos.mark_hash)
            goto positioned;
        diag(r, AP_SEV_WARNING, pf->path, 0, 0, "file_changed",
             "content differs from what an earlier run read: reading it again from the start");
        ap_reader_close(rd);
        rd = NULL;
        pf->pos = (read_pos){0, 0, 0, 0};
        if ((st = ap_reader_open(pf->path, r->opt->max_line, reader_diag, r, &rd)) != AP_OK)
            return st;
    } else if (pf->pos.offset > 0) {
        st = ap_reader_skip_to(rd, pf->pos.offset, pf->pos.lines);
        if (st != AP_OK) {
            ap_reader_close(rd);
            return st;
        }
    }
positioned:
    *out = rd;
    return AP_OK;
}

static void produce_file(producer *p, uint32_t fi)
{
    run *r = p->r;
    planned_file *pf = &r->plan[fi];
    ap_reader *rd = NULL;
    r->cur = p;
    r->cur_file = fi;
    if (open_positioned(r, pf, &rd) != AP_OK) {
        pf->read_error = 1;
        r->read_errors++;
        return;
    }
    const char *path = ap_reader_path(rd);
    uint64_t disk_before = ap_reader_disk_pos(rd);
    ap_line ln;
    ap_status st;
    char msg[320];
    uint64_t since_progress = 0;
    while ((st = ap_reader_next(rd, &ln)) == AP_OK) {
        if (p->r->opt->stop && *p->r->opt->stop) {
            r->interrupted = 1;
            break;
        }
        if (atomic_load(&r->writer_failed) || !p->b)
            break;
        r->lines++;
        atomic_fetch_add(&r->bytes_done, ln.end - ln.offset);
        if (ln.flags & AP_LINE_NUL_SKIPPED) {
            snprintf(msg, sizeof msg, "removed %llu NUL bytes (copytruncate padding?)",
                     (unsigned long long)ln.nuls);
            diag(r, AP_SEV_WARNING, path, ln.number, ln.offset, "nul_padding", msg);
            add_reject(p, fi, &ln, "nul_padding"); /* counted; the rest of the line is used */
        }
        int consumed = 1, have_hash = 0;
        uint64_t line_hash = 0;
        if (ln.flags & AP_LINE_TOO_LONG) {
            snprintf(msg, sizeof msg, "line of %llu bytes is longer than the limit of %zu: skipped",
                     (unsigned long long)ln.full_len, r->opt->max_line ? r->opt->max_line : (size_t)1 << 20);
            diag(r, AP_SEV_WARNING, path, ln.number, ln.offset, "line_too_long", msg);
            add_reject(p, fi, &ln, "line_too_long");
        } else {
            item *it = next_item(p);
            if (!it)
                break;
            const char *reason = NULL;
            st = ap_cowrie_decode(r->decoder, ln.data, ln.len, &p->b->arena, &it->u.ev, &reason,
                                  msg, sizeof msg);
            if (st == AP_OK) {
                it->kind = ITEM_EVENT;
                it->file = fi;
                p->b->bytes += ln.len;
                line_hash = it->u.ev.hash; /* the event's identity is the hash of this line */
                have_hash = 1;
                if (it->u.ev.data.n > AP_STORE_PAYLOAD_PACK_MIN)
                    it->u.ev.data_zstd = pack_payload(r, &p->b->arena, it->u.ev.data);
                if (reason) { /* kept, but repaired: say so and count it */
                    diag(r, AP_SEV_WARNING, path, ln.number, ln.offset, reason, msg);
                    add_reject(p, fi, &ln, reason);
                }
            } else {
                p->b->nitems--; /* give the slot back */
                if (st == AP_ERR_NOMEM)
                    break;
                if ((ln.flags & AP_LINE_UNTERMINATED) && pf->rec.compression == AP_COMPRESSION_NONE &&
                    strcmp(pf->path, "-") != 0) {
                    /* a plain file may still be being written: read this line again next run */
                    diag(r, AP_SEV_NOTE, path, ln.number, ln.offset, "incomplete_line",
                         "last line has no newline and does not parse yet (a write in progress?): left for the next run");
                    consumed = 0;
                } else {
                    const char *why = (ln.flags & AP_LINE_UNTERMINATED) ? "truncated_line" : reason;
                    char full[400];
                    snprintf(full, sizeof full, "skipped line: %s", msg);
                    /* msg already names the problem ("invalid JSON: ..."), said once */
                    diag(r, AP_SEV_WARNING, path, ln.number, ln.offset, why, full);
                    add_reject(p, fi, &ln, why);
                }
            }
        }
        if (consumed) {
            pf->pos.offset = ln.end;
            pf->pos.lines = ln.number;
            pf->pos.mark_offset = ln.offset;
            pf->pos.mark_hash = have_hash ? line_hash : ap_hash64(ln.data, ln.len);
        }
        since_progress += ln.end - ln.offset;
        if (since_progress >= BATCH_BYTES) { /* let a checkpoint cover what was read so far */
            add_progress(p, fi, pf, 0, 0);
            since_progress = 0;
            uint64_t d = ap_reader_disk_pos(rd);
            atomic_fetch_add(&r->disk_done, d - disk_before);
            disk_before = d;
            report_progress(r, path, 0);
        }
    }
    int clean_end = st == AP_END;
    if (st != AP_OK && st != AP_END) {
        pf->read_error = 1;
        r->read_errors++;
    }
    struct stat sb;
    uint64_t disk_size = stat(pf->path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
    if (strcmp(pf->path, "-") == 0)
        disk_size = 0;
    add_progress(p, fi, pf, clean_end && pf->rec.compression != AP_COMPRESSION_NONE, disk_size);
    atomic_fetch_add(&r->disk_done, ap_reader_disk_pos(rd) - disk_before);
    report_progress(r, path, 1);
    ap_reader_close(rd);
    r->cur = NULL;
}

static void produce_all(run *r)
{
    producer p = {r, batch_get(r)};
    for (size_t i = 0; i < r->nplan && p.b; i++) {
        if (r->plan[i].skip)
            continue;
        if (r->interrupted || atomic_load(&r->writer_failed))
            break;
        produce_file(&p, (uint32_t)i);
    }
    if (!p.b) { /* out of memory for batches: the writer still needs its last batch */
        writer_fail(r, AP_ERR_NOMEM, "allocating a batch");
        p.b = calloc(1, sizeof *p.b);
        if (!p.b)
            return; /* the writer thread cannot be told to finish: leave it to the caller */
        p.b->items = NULL;
        ap_arena_init(&p.b->arena, 4096);
    }
    p.b->last = 1;
    deliver(r, p.b);
}

/* ---- entry point ------------------------------------------------------------------------ */

ap_status ap_ingest(ap_store *store, const char *const *paths, size_t npaths,
                    const ap_ingest_options *opt_in, ap_ingest_summary *out)
{
    ap_ingest_options defaults;
    if (!opt_in) {
        ap_ingest_options_init(&defaults);
        opt_in = &defaults;
    }
    if (!store || (!paths && npaths))
        return AP_ERR_ARG;
    run r;
    memset(&r, 0, sizeof r);
    r.store = store;
    r.opt = opt_in;
    r.t0 = now_seconds();
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.cv, NULL);
    ap_arena scratch;
    ap_arena_init(&scratch, 16 * 1024);
    char **inputs = NULL;
    size_t ninputs = 0, nerrors = 0;
    ap_status st = ap_inputs_expand_matching(paths, npaths, opt_in->include ? opt_in->include : "*.json*",
                                             opt_in->on_diag, opt_in->diag_user, &inputs, &ninputs, &nerrors);
    int in_tx = 0, deferred = 0, bulk = 0;
    if (st != AP_OK)
        goto done;
    r.read_errors = nerrors;
    r.nplan = ninputs;
    r.plan = calloc(ninputs ? ninputs : 1, sizeof *r.plan);
    if (!r.plan) {
        st = AP_ERR_NOMEM;
        goto done;
    }
    if ((st = ap_cowrie_decoder_new(&r.decoder)) != AP_OK ||
        (st = ap_sessionizer_new(store, 0, &r.sessions)) != AP_OK)
        goto done;
    if ((st = ap_store_begin(store)) != AP_OK)
        goto done;
    in_tx = 1;
    for (size_t i = 0; i < ninputs && st == AP_OK; i++) {
        r.plan[i].path = inputs[i];
        st = plan_file(&r, i, &scratch);
    }
    if (st == AP_OK)
        st = ap_store_commit(store);
    if (st == AP_OK)
        st = ap_store_begin(store);
    /* A first load into an empty store builds its secondary indexes once, at the end. */
    if (st == AP_OK && !ap_store_had_sessions(store) && (st = ap_store_defer_indexes(store)) == AP_OK)
        deferred = 1;
    /* ... and writes its pages once, through a rollback journal instead of the WAL */
    if (st == AP_OK && deferred) {
        in_tx = 0;
        if ((st = ap_store_commit(store)) == AP_OK && (st = ap_store_bulk_journal(store, 1)) == AP_OK) {
            bulk = 1;
            if ((st = ap_store_begin(store)) == AP_OK)
                in_tx = 1;
        }
    }
    if (st != AP_OK)
        goto done;

    r.threaded = opt_in->threads != 1;
    pthread_t writer;
    if (r.threaded && pthread_create(&writer, NULL, writer_main, &r) != 0)
        r.threaded = 0;
    produce_all(&r);
    if (r.threaded)
        pthread_join(writer, NULL);
    if (atomic_load(&r.writer_failed)) {
        st = r.writer_status;
        diag(&r, AP_SEV_ERROR, "store", 0, 0, "store_error", r.writer_msg);
    }

done:
    if (in_tx) {
        if (st == AP_OK) {
            if (deferred)
                st = ap_store_restore_indexes(store);
            ap_status c = ap_store_commit(store);
            if (st == AP_OK)
                st = c;
        } else {
            ap_store_rollback(store);
        }
    }
    if (bulk) {
        ap_status b = ap_store_bulk_journal(store, 0);
        if (st == AP_OK)
            st = b;
    }
    if (out) {
        memset(out, 0, sizeof *out);
        ap_sessionizer_counts c = {0};
        if (r.sessions)
            ap_sessionizer_get_counts(r.sessions, &c);
        out->files = ninputs + nerrors;
        out->files_skipped = r.files_skipped;
        out->bytes = atomic_load(&r.bytes_done);
        out->lines = r.lines;
        out->events = c.events;
        out->duplicates = c.duplicates;
        out->unknown_events = c.unknown_events;
        out->bad_lines = atomic_load(&r.bad_lines);
        out->sessions_new = c.sessions_new;
        out->sessions_updated = c.sessions_updated;
        out->read_errors = r.read_errors;
        out->seconds = now_seconds() - r.t0;
    }
    while (r.free_list) {
        batch *b = r.free_list;
        r.free_list = b->next;
        batch_destroy(b);
    }
    for (size_t i = 0; i < r.nplan; i++) {
        free(r.plan[i].rec_path);
        ap_reader_close(r.plan[i].held);
    }
    free(r.plan);
    ap_sessionizer_free(r.sessions);
    ap_cowrie_decoder_free(r.decoder);
    ap_inputs_free(inputs, ninputs);
    ap_arena_free(&scratch);
    ZSTD_freeCCtx(r.zc);
    pthread_mutex_destroy(&r.mu);
    pthread_cond_destroy(&r.cv);
    if (st == AP_OK && r.interrupted)
        return AP_ERR_INTERRUPTED;
    if (st == AP_OK && r.read_errors)
        return AP_ERR_IO;
    return st;
}
