/* simulate.c — ap_simulate: the driver of the simulated Cowrie log generator.
 *
 * Day by day it lets every actor (actors.c) write its sessions into per-sensor buffers, sorts
 * each sensor's lines by time, and writes DIR/SENSOR/cowrie.json.YYYY-MM-DD (gzip for every day
 * but the newest when asked, as rotated Cowrie logs are). Lines of sessions that run past midnight
 * are kept for the next day's file; a few lines at the end of a day are written again at the
 * start of the next file, as overlapping rotated logs do. The answer key goes to DIR/truth.csv
 * (one row per session) and the deliberate oddities to DIR/truth-notes.csv; DIR/ip2asn.tsv lists
 * the autonomous systems of the simulated addresses (actors.c), as an analyst would supply one.
 */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <zlib.h>

#include "core/error.h"
#include "sim/sim.h"

#define STAGE_SIZE ((size_t)1 << 20)

void ap_sim_options_init(ap_sim_options *o)
{
    if (!o)
        return;
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->sensors = 3;
    o->days = 7;
    o->start_date = "2024-03-01";
    o->scale = 1.0;
    o->target_bytes = 0;
    o->gzip = 0;
}

/* Days since the epoch of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int parse_date(const char *s, int64_t *days)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int y = atoi(s);
    unsigned m = (unsigned)atoi(s + 5), d = (unsigned)atoi(s + 8);
    if (y < 1971 || y > 9998 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    *days = days_from_civil(y, m, d);
    return 0;
}

static void date_text(int64_t day, char out[32])
{
    /* inverse of days_from_civil */
    int64_t z = day + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    snprintf(out, 32, "%04d-%02u-%02u", (int)y, m, d);
}

static int make_dir(const char *path)
{
    char tmp[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] == '/' || tmp[i] == 0) {
            char c = tmp[i];
            tmp[i] = 0;
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
                return -1;
            tmp[i] = c;
        }
    }
    return 0;
}

static int cmp_rec(const void *a, const void *b)
{
    const sim_rec *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->off < y->off ? -1 : x->off > y->off;
}

static void sid_text(const sim_sensor *se, uint64_t sid, char out[13])
{
    static const char hx[] = "0123456789abcdef";
    int digits = se->old_format ? 8 : 12;
    for (int i = 0; i < digits; i++)
        out[i] = hx[(sid >> (4 * (digits - 1 - i))) & 15];
    out[digits] = 0;
}

/* Output sink: a plain FILE or a gzip stream, fed through one staging buffer. */
typedef struct sink {
    FILE *f;
    gzFile gz;
    char *stage;
    size_t n;
    int failed;
} sink;

static void sink_flush(sink *k)
{
    if (!k->n || k->failed)
        return;
    if (k->gz) {
        if (gzwrite(k->gz, k->stage, (unsigned)k->n) != (int)k->n)
            k->failed = 1;
    } else if (fwrite(k->stage, 1, k->n, k->f) != k->n) {
        k->failed = 1;
    }
    k->n = 0;
}

static void sink_put(sink *k, const char *p, size_t n)
{
    if (k->n + n > STAGE_SIZE)
        sink_flush(k);
    if (n > STAGE_SIZE) {
        if (k->gz ? gzwrite(k->gz, p, (unsigned)n) != (int)n : fwrite(p, 1, n, k->f) != n)
            k->failed = 1;
        return;
    }
    memcpy(k->stage + k->n, p, n);
    k->n += n;
}

static void buf_clear(sim_buf *b)
{
    b->len = 0;
    b->n = 0;
}

/* Appends a copy of rec's line from `from` to `to`, flagged as a duplicate. */
static int buf_copy_dup(sim_buf *to, const sim_buf *from, const sim_rec *rec)
{
    if (to->len + rec->len > to->cap) {
        size_t cap = to->cap ? to->cap : (size_t)1 << 20;
        while (cap < to->len + rec->len)
            cap *= 2;
        char *t = realloc(to->text, cap);
        if (!t)
            return -1;
        to->text = t;
        to->cap = cap;
    }
    if (to->n == to->ncap) {
        size_t cap = to->ncap ? to->ncap * 2 : 4096;
        sim_rec *r = realloc(to->recs, cap * sizeof *r);
        if (!r)
            return -1;
        to->recs = r;
        to->ncap = cap;
    }
    memcpy(to->text + to->len, from->text + rec->off, rec->len);
    sim_rec *r = &to->recs[to->n++];
    *r = *rec;
    r->off = to->len;
    r->flags = (rec->flags & ~(uint32_t)SIM_REC_CONNECT) | SIM_REC_DUP;
    to->len += rec->len;
    return 0;
}

static const char *const sensor_names[] = {"ams-01", "fra-02", "sgp-03", "nyc-04",
                                           "sao-05", "syd-06", "tok-07", "blr-08"};

ap_status ap_simulate(const char *dir, const ap_sim_options *opt_in, ap_sim_summary *out,
                      char *err, size_t errlen)
{
    ap_sim_options opt;
    if (opt_in)
        opt = *opt_in;
    else
        ap_sim_options_init(&opt);
    if (out)
        memset(out, 0, sizeof *out);
    if (err && errlen)
        err[0] = 0;
    if (!dir || !*dir) {
        ap_set_error(err, errlen, "no output directory");
        return AP_ERR_ARG;
    }
    if (opt.sensors == 0)
        opt.sensors = 3;
    if (opt.sensors > 256 || !(opt.scale > 0.0) || opt.scale > 10000.0 ||
        (opt.days == 0 && opt.target_bytes == 0)) {
        ap_set_error(err, errlen, "invalid simulation options (sensors 1-256, scale > 0, days > 0)");
        return AP_ERR_ARG;
    }
    int64_t first_day;
    if (parse_date(opt.start_date ? opt.start_date : "2024-03-01", &first_day)) {
        ap_set_error(err, errlen, "invalid start date '%s' (expected YYYY-MM-DD)", opt.start_date);
        return AP_ERR_ARG;
    }

    ap_status st = AP_OK;
    sim_world w;
    memset(&w, 0, sizeof w);
    w.seed = opt.seed;
    w.ts_cache_day = INT64_MIN;
    w.nsensors = opt.sensors;
    w.days_planned = opt.target_bytes ? 6 : opt.days;
    FILE *truth = NULL, *notes = NULL;
    char *stage = NULL;
    char path[4096];

    w.sensors = calloc(w.nsensors, sizeof *w.sensors);
    stage = malloc(STAGE_SIZE);
    if (!w.sensors || !stage) {
        st = AP_ERR_NOMEM;
        goto done;
    }
    for (unsigned i = 0; i < w.nsensors; i++) {
        sim_sensor *se = &w.sensors[i];
        if (i < sizeof sensor_names / sizeof sensor_names[0])
            snprintf(se->name, sizeof se->name, "%s", sensor_names[i]);
        else
            snprintf(se->name, sizeof se->name, "hp-%03u", i + 1);
        se->old_format = (i == 0 && w.nsensors >= 3);
        se->bytes_version = (i % 2 == 1);
        if (se->old_format)
            snprintf(se->dst_ip, sizeof se->dst_ip, "10.0.0.4");
        else
            snprintf(se->dst_ip, sizeof se->dst_ip, "172.31.%u.%u", (i * 37) % 250 + 1,
                     (i * 91) % 250 + 2);
    }
    if ((st = sim_clients_init(&w)) != AP_OK || (st = sim_actors_init(&w)) != AP_OK)
        goto done;

    if (make_dir(dir)) {
        ap_set_error(err, errlen, "cannot create directory %s: %s", dir, strerror(errno));
        st = AP_ERR_IO;
        goto done;
    }
    for (unsigned i = 0; i < w.nsensors; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, w.sensors[i].name);
        if (make_dir(path)) {
            ap_set_error(err, errlen, "cannot create directory %s: %s", path, strerror(errno));
            st = AP_ERR_IO;
            goto done;
        }
    }
    snprintf(path, sizeof path, "%s/truth.csv", dir);
    truth = fopen(path, "w");
    snprintf(path, sizeof path, "%s/truth-notes.csv", dir);
    notes = fopen(path, "w");
    if (!truth || !notes) {
        ap_set_error(err, errlen, "cannot write %s: %s", path, strerror(errno));
        st = AP_ERR_IO;
        goto done;
    }
    fputs("sensor,session,actor,campaign\n", truth);
    fputs("kind,sensor,session,first_file,second_file\n", notes);

    /* the providers behind the simulated addresses, for ASN-aware analysis of these logs */
    snprintf(path, sizeof path, "%s/ip2asn.tsv", dir);
    FILE *asn = fopen(path, "w");
    int asn_failed = !asn || sim_asn_write(asn) != 0;
    if (asn && fclose(asn) != 0)
        asn_failed = 1;
    if (asn_failed) {
        ap_set_error(err, errlen, "cannot write %s: %s", path, strerror(errno));
        st = AP_ERR_IO;
        goto done;
    }

    uint64_t written = 0, events = 0, sessions = 0, files = 0;
    for (unsigned d = 0;; d++) {
        int64_t day = first_day + d;
        w.day_index = d;
        w.day_start = day * SIM_US_PER_DAY;
        w.nnotes = 0;
        uint64_t dseed = opt.seed ^ (UINT64_C(0x9E3779B97F4A7C15) * (d + 1));
        sim_rng_seed(&w.rng, dseed);
        sim_actors_run_day(&w, opt.scale);
        if (w.oom) {
            st = AP_ERR_NOMEM;
            goto done;
        }
        uint64_t day_bytes = 0;
        for (unsigned i = 0; i < w.nsensors; i++)
            day_bytes += w.sensors[i].day[0].len;
        int final;
        int64_t cutoff = INT64_MAX;
        if (opt.target_bytes) {
            final = written + day_bytes >= opt.target_bytes || d >= 100000;
            if (final) {
                /* the newest file is still being written: stop at the minute that reaches the
                 * target, across all sensors */
                uint64_t minute_bytes[1440] = {0};
                for (unsigned i = 0; i < w.nsensors; i++) {
                    const sim_buf *b = &w.sensors[i].day[0];
                    for (size_t k = 0; k < b->n; k++) {
                        int64_t m = (b->recs[k].ts - w.day_start) / (60 * SIM_US_PER_SEC);
                        minute_bytes[m < 0 ? 0 : m > 1439 ? 1439 : m] += b->recs[k].len;
                    }
                }
                uint64_t need = opt.target_bytes > written ? opt.target_bytes - written : 0, acc = 0;
                int m = 0;
                for (; m < 1439 && acc + minute_bytes[m] < need; m++)
                    acc += minute_bytes[m];
                cutoff = w.day_start + (int64_t)(m + 1) * 60 * SIM_US_PER_SEC;
            }
        } else {
            final = d + 1 >= opt.days;
        }
        char date[32], next_date[32];
        date_text(day, date);
        date_text(day + 1, next_date);
        int gz = opt.gzip && !final;
        for (unsigned i = 0; i < w.nsensors; i++) {
            sim_sensor *se = &w.sensors[i];
            sim_buf *b = &se->day[0];
            qsort(b->recs, b->n, sizeof *b->recs, cmp_rec);
            snprintf(path, sizeof path, "%s/%s/cowrie.json.%s%s", dir, se->name, date,
                     gz ? ".gz" : "");
            sink k = {0};
            k.stage = stage;
            if (gz)
                k.gz = gzopen(path, "wb6");
            else
                k.f = fopen(path, "wb");
            if (!k.gz && !k.f) {
                ap_set_error(err, errlen, "cannot write %s: %s", path, strerror(errno));
                st = AP_ERR_IO;
                goto done;
            }
            if (gz)
                gzbuffer(k.gz, 1 << 17);
            size_t nw = 0;
            for (size_t r = 0; r < b->n; r++) {
                const sim_rec *rec = &b->recs[r];
                if (rec->ts >= cutoff)
                    break;
                sink_put(&k, b->text + rec->off, rec->len);
                written += rec->len;
                events++;
                nw++;
                if ((rec->flags & SIM_REC_CONNECT) && !(rec->flags & SIM_REC_DUP)) {
                    char sid[13];
                    sid_text(se, rec->sid, sid);
                    fprintf(truth, "%s,%s,%s,%s\n", se->name, sid, sim_actor_name(rec->actor),
                            sim_campaign_name(rec->actor, rec->campaign));
                    sessions++;
                }
            }
            sink_flush(&k);
            int close_failed = gz ? gzclose(k.gz) != Z_OK : fclose(k.f) != 0;
            if (k.failed || close_failed) {
                ap_set_error(err, errlen, "cannot write %s", path);
                st = AP_ERR_IO;
                goto done;
            }
            files++;
            /* rotation overlap: on some days the last lines are logged again in the next file */
            if (!final && nw > 8 && sim_below(&w.rng, 3) == 0) {
                unsigned ndup = 1 + sim_below(&w.rng, 3);
                for (size_t r = nw - ndup; r < nw; r++) {
                    if (buf_copy_dup(&se->day[1], b, &b->recs[r])) {
                        st = AP_ERR_NOMEM;
                        goto done;
                    }
                    char sid[13];
                    sid_text(se, b->recs[r].sid, sid);
                    fprintf(notes, "duplicate,%s,%s,%s/cowrie.json.%s%s,%s/cowrie.json.%s\n",
                            se->name, sid, se->name, date, gz ? ".gz" : "", se->name, next_date);
                }
            }
        }
        if (!final) {
            for (size_t k = 0; k < w.nnotes; k++) {
                const sim_sensor *se = &w.sensors[w.notes[k].sensor];
                char sid[13];
                sid_text(se, w.notes[k].sid, sid);
                fprintf(notes, "midnight,%s,%s,%s/cowrie.json.%s%s,%s/cowrie.json.%s\n", se->name,
                        sid, se->name, date, gz ? ".gz" : "", se->name, next_date);
            }
        }
        for (unsigned i = 0; i < w.nsensors; i++) {
            sim_sensor *se = &w.sensors[i];
            buf_clear(&se->day[0]);
            sim_buf t = se->day[0];
            se->day[0] = se->day[1];
            se->day[1] = t;
        }
        if (final)
            break;
    }
    if (ferror(truth) || ferror(notes)) {
        ap_set_error(err, errlen, "cannot write the truth files in %s", dir);
        st = AP_ERR_IO;
        goto done;
    }
    if (out) {
        out->files = files;
        out->bytes = written;
        out->events = events;
        out->sessions = sessions;
        out->actors = sim_actor_count();
        for (size_t a = 0; a < sim_actor_count(); a++)
            out->campaigns += sim_campaign_count(a);
    }

done:
    if (truth && fclose(truth) != 0 && st == AP_OK)
        st = AP_ERR_IO;
    if (notes && fclose(notes) != 0 && st == AP_OK)
        st = AP_ERR_IO;
    if (st == AP_ERR_NOMEM)
        ap_set_error(err, errlen, "out of memory");
    sim_actors_free(&w);
    sim_clients_free(&w);
    if (w.sensors) {
        for (unsigned i = 0; i < w.nsensors; i++)
            for (int k = 0; k < 2; k++) {
                free(w.sensors[i].day[k].text);
                free(w.sensors[i].day[k].recs);
            }
        free(w.sensors);
    }
    free(w.notes);
    free(stage);
    return st;
}
