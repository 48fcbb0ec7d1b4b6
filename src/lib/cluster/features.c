/* features.c — the per-incident feature matrix in the seed's classes: TTP vector (technique
 * counts), command n-grams (the most common normalised statements), infrastructure, credential
 * strategy, malware gene and timing. It feeds the seed recipe (--method dbscan), the export
 * (`actorprint features --out`) and the ranking that picks the features that matter from data
 * (`actorprint features --rank`).
 *
 * The links method does not use this matrix: it compares token sets (model.h), which keep
 * identities (which key, which URL) that a numeric vector can only count.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_internal.h"
#include "cluster/eval.h"
#include "util/escape.h"
#include "util/hash.h"

#define TOP_NGRAMS 32

static const char *const fixed_names[] = {
    /* infrastructure */
    "sessions", "sensors", "ipv6", "client_known", "tools",
    /* credential strategy */
    "login_attempts", "login_success_ratio", "distinct_users", "distinct_credentials",
    "password_entropy", "credential_transitions",
    /* behaviour and malware gene */
    "commands", "distinct_statements", "downloads", "uploads", "urls", "hashes", "c2_hosts",
    "forwards", "client_keys", "injected_keys", "wallets", "tags",
    /* timing */
    "duration_hours", "commands_per_minute", "hour_sin", "hour_cos"};
enum { NFIXED = sizeof fixed_names / sizeof fixed_names[0] };

void cl_features_free(cl_features *f)
{
    if (f->names)
        for (size_t i = 0; i < f->m.cols; i++)
            free(f->names[i]);
    free(f->names);
    free(f->m.v);
    memset(f, 0, sizeof *f);
}

static char *dupf(const char *prefix, const char *s)
{
    size_t a = strlen(prefix), b = strlen(s);
    if (b > 80)
        b = 80;
    char *p = malloc(a + b + 1);
    if (p) {
        memcpy(p, prefix, a);
        memcpy(p + a, s, b);
        p[a + b] = '\0';
    }
    return p;
}

typedef struct ng_count {
    uint64_t tok;
    uint32_t n;
} ng_count;

static int cmp_ng(const void *a, const void *b)
{
    const ng_count *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return (x->tok > y->tok) - (x->tok < y->tok);
}

static const cl_data *tech_sort_;
static int cmp_tech(const void *a, const void *b)
{
    return strcmp(tech_sort_->tech_names[*(const uint32_t *)a],
                  tech_sort_->tech_names[*(const uint32_t *)b]);
}

ap_status cl_features_build(const cl_data *d, cl_features *f)
{
    memset(f, 0, sizeof *f);
    ap_status s = AP_OK;
    /* the most common labelled statements (unigrams), counted over incidents */
    ap_idmap ngi = {0};
    ng_count *ng = NULL;
    size_t nng = 0, ng_cap = 0;
    for (size_t i = 0; i < d->nincidents && s == AP_OK; i++) {
        const cl_incident *inc = &d->incidents[i];
        for (uint32_t t = 0; t < inc->tok_n && s == AP_OK; t++) {
            uint64_t tok = d->itok.v[inc->tok_off + t];
            if (cl_token_kind(tok) != TK_NGRAM || !cl_label_of(d, tok))
                continue;
            int added = 0;
            uint32_t *slot = ap_idmap_put(&ngi, tok, (uint32_t)nng, &added);
            if (!slot) {
                s = AP_ERR_NOMEM;
                break;
            }
            if (added) {
                if (nng == ng_cap) {
                    ng_cap = ng_cap ? ng_cap * 2 : 256;
                    ng_count *p = realloc(ng, ng_cap * sizeof *p);
                    if (!p) {
                        s = AP_ERR_NOMEM;
                        break;
                    }
                    ng = p;
                }
                ng[nng++] = (ng_count){tok, 0};
            }
            ng[*slot].n++;
        }
    }
    ap_idmap_free(&ngi);
    if (s == AP_OK && nng)
        qsort(ng, nng, sizeof *ng, cmp_ng);
    size_t ntop = nng < TOP_NGRAMS ? nng : TOP_NGRAMS;
    /* the techniques some incident shows, in id order (the ATT&CK table has hundreds more) */
    uint32_t *tech = malloc((d->ntech ? d->ntech : 1) * sizeof *tech);
    uint8_t *seen = calloc(d->ntech ? d->ntech : 1, 1);
    size_t ntech = 0;
    if (!tech || !seen)
        s = AP_ERR_NOMEM;
    for (size_t i = 0; s == AP_OK && i < d->nincidents; i++) {
        const cl_incident *inc = &d->incidents[i];
        for (uint32_t t = 0; t < inc->tok_n; t++) {
            const uint32_t *ti = ap_idmap_get(&d->tech_idx, d->itok.v[inc->tok_off + t]);
            if (ti)
                seen[*ti] = 1;
        }
    }
    for (size_t i = 0; s == AP_OK && i < d->ntech; i++)
        if (seen[i])
            tech[ntech++] = (uint32_t)i;
    free(seen);
    if (s == AP_OK && ntech) {
        tech_sort_ = d;
        qsort(tech, ntech, sizeof *tech, cmp_tech);
        tech_sort_ = NULL;
    }
    size_t cols = NFIXED + ntech + ntop;
    ap_idmap colof = {0}; /* token -> column */
    if (s == AP_OK) {
        f->m.rows = d->nincidents;
        f->m.cols = cols;
        f->m.v = calloc(d->nincidents * cols + 1, sizeof *f->m.v);
        f->names = calloc(cols, sizeof *f->names);
        if (!f->m.v || !f->names)
            s = AP_ERR_NOMEM;
    }
    for (size_t i = 0; s == AP_OK && i < NFIXED; i++)
        if (!(f->names[i] = dupf("", fixed_names[i])))
            s = AP_ERR_NOMEM;
    for (size_t i = 0; s == AP_OK && i < ntech; i++) {
        uint64_t tok = d->tech_tokens[tech[i]];
        if (!(f->names[NFIXED + i] = dupf("ttp:", d->tech_names[tech[i]])) ||
            !ap_idmap_put(&colof, tok, (uint32_t)(NFIXED + i), NULL))
            s = AP_ERR_NOMEM;
    }
    for (size_t i = 0; s == AP_OK && i < ntop; i++)
        if (!(f->names[NFIXED + ntech + i] = dupf("cmd:", cl_label_of(d, ng[i].tok))) ||
            !ap_idmap_put(&colof, ng[i].tok, (uint32_t)(NFIXED + ntech + i), NULL))
            s = AP_ERR_NOMEM;
    free(ng);
    free(tech);
    if (s == AP_OK)
        f->m.names = (const char *const *)f->names;
    for (size_t i = 0; s == AP_OK && i < d->nincidents; i++) {
        const cl_incident *inc = &d->incidents[i];
        double *r = cl_row(&f->m, i);
        double logins = 0, ok = 0, entropy = 0, commands = 0, cmd_span_us = 0;
        uint64_t sensors_seen = 0;
        size_t client = 0;
        for (uint32_t k = 0; k < inc->n; k++) {
            const cl_session *se = &d->sessions[d->order[inc->first + k]];
            sensors_seen |= UINT64_C(1) << (se->sensor & 63);
            client += se->client != NULL;
            logins += se->logins;
            ok += se->succeeded;
            entropy += se->pw_entropy;
            commands += se->commands;
            if (se->commands > 1)
                cmd_span_us += (double)(se->last_cmd_us - se->first_cmd_us);
            r[13] += se->downloads;
            r[14] += se->uploads;
            r[18] += se->forwards;
            r[19] += se->client_keys;
            /* technique and statement counts: sessions showing each */
            for (uint32_t t = 0; t < se->tok_n; t++) {
                const uint32_t *col = ap_idmap_get(&colof, d->tok.v[se->tok_off + t]);
                if (col)
                    r[*col] += 1;
            }
        }
        r[0] = inc->n;
        r[1] = __builtin_popcountll(sensors_seen);
        r[2] = strchr(d->sessions[d->order[inc->first]].ip, ':') != NULL;
        r[3] = (double)client / inc->n;
        r[5] = logins;
        r[6] = logins > 0 ? ok / logins : 0;
        r[9] = logins > 0 ? entropy / logins : 0;
        r[11] = commands;
        for (uint32_t t = 0; t < inc->tok_n; t++) {
            switch (cl_token_kind(d->itok.v[inc->tok_off + t])) {
            case TK_TOOL: r[4] += 1; break;
            case TK_USER: r[7] += 1; break;
            case TK_CRED: r[8] += 1; break;
            case TK_CREDSEQ: r[10] += 1; break;
            case TK_NGRAM: r[12] += 1; break;
            case TK_URL: r[15] += 1; break;
            case TK_HASH: r[16] += 1; break;
            case TK_HOST: r[17] += 1; break;
            case TK_KEY: r[20] += 1; break;
            case TK_WALLET: r[21] += 1; break;
            case TK_TAG: r[22] += 1; break;
            default: break;
            }
        }
        r[23] = (double)(inc->end_us - inc->start_us) / 3.6e9;
        r[24] = cmd_span_us > 0 ? commands / (cmd_span_us / 6e7) : 0;
        double hour = (double)((inc->start_us / INT64_C(1000000)) % 86400) / 3600.0;
        r[25] = sin(2 * M_PI * hour / 24);
        r[26] = cos(2 * M_PI * hour / 24);
    }
    ap_idmap_free(&colof);
    if (s != AP_OK)
        cl_features_free(f);
    return s;
}

/* ---- export and ranking -------------------------------------------------------------------- */

static void hour_text(int64_t us, char *buf, size_t n)
{
    const int64_t hour = INT64_C(3600000000);
    int64_t h = us >= 0 ? us / hour * hour : -((-us + hour - 1) / hour) * hour;
    char t[40];
    ap_format_time(h, t, sizeof t);
    snprintf(buf, n, "%.13s:00:00Z", t);
}

/* Loads the store and builds the matrix (opt NULL = defaults); d and f are always initialised. */
static ap_status load_features(ap_store *store, const ap_cluster_options *opt, cl_data *d,
                               cl_features *f, char *err, size_t errlen)
{
    ap_cluster_options defaults;
    if (!opt) {
        ap_cluster_options_init(&defaults);
        opt = &defaults;
    }
    cl_data_init(d);
    memset(f, 0, sizeof *f);
    ap_status s = cl_prepare(store, opt, d, err, errlen);
    return s == AP_OK ? cl_features_build(d, f) : s;
}

ap_status ap_features_write(ap_store *store, const ap_cluster_options *opt, FILE *out, char *err,
                            size_t errlen)
{
    cl_data d;
    cl_features f;
    ap_status s = load_features(store, opt, &d, &f, err, errlen);
    if (s == AP_OK) {
        fputs("incident,src_ip,first_hour,last_hour,net,asn,client,credential_list", out);
        for (size_t c = 0; c < f.m.cols; c++) {
            fputc(',', out);
            ap_escape_csv(out, ap_str_c(f.names[c]));
        }
        fputc('\n', out);
        for (size_t i = 0; i < d.nincidents; i++) {
            const cl_incident *inc = &d.incidents[i];
            char a[40], b[40];
            hour_text(inc->start_us, a, sizeof a);
            hour_text(inc->end_us, b, sizeof b);
            fprintf(out, "I-%lld,", (long long)inc->id);
            ap_escape_csv(out, ap_str_c(d.sessions[d.order[inc->first]].ip));
            fprintf(out, ",%s,%s,", a, b);
            /* the categorical infrastructure, and the credential list's signature: a hash of
             * the ordered pairs it tried (equal signatures = the same list in the same order) */
            const char *net = NULL, *asn = NULL;
            uint64_t sig = 0;
            for (uint32_t t = 0; t < inc->tok_n; t++) {
                uint64_t tok = d.itok.v[inc->tok_off + t];
                cl_kind k = cl_token_kind(tok);
                if (k == TK_NET && !net)
                    net = cl_label_of(&d, tok);
                else if (k == TK_ASN && !asn)
                    asn = cl_label_of(&d, tok);
                else if (k == TK_CREDSEQ || k == TK_CRED)
                    sig = sig * UINT64_C(0x100000001B3) ^ tok;
            }
            const char *client = NULL;
            for (uint32_t k = 0; k < inc->n && !client; k++)
                client = d.sessions[d.order[inc->first + k]].client;
            if (net)
                ap_escape_csv(out, ap_str_c(net));
            fputc(',', out);
            if (asn)
                ap_escape_csv(out, ap_str_c(asn));
            fputc(',', out);
            if (client)
                ap_escape_csv(out, ap_str_c(client));
            fputc(',', out);
            if (sig)
                fprintf(out, "%016llx", (unsigned long long)sig);
            const double *r = cl_row(&f.m, i);
            for (size_t c = 0; c < f.m.cols; c++)
                fprintf(out, ",%.6g", r[c]);
            fputc('\n', out);
        }
        if (ferror(out) || fflush(out) != 0) {
            snprintf(err, errlen, "cannot write the feature matrix");
            s = AP_ERR_IO;
        }
    } else if (s == AP_ERR_NOMEM && !err[0]) {
        snprintf(err, errlen, "out of memory");
    }
    cl_features_free(&f);
    cl_data_free(&d);
    return s;
}

/* Incident labels from a truth file: the most common non-noise actor of its sessions. */
static ap_status incident_labels(const cl_data *d, const char *path, int32_t *labels,
                                 char *err, size_t errlen)
{
    cl_truth *t = NULL;
    ap_status s = cl_truth_load(path, NULL, NULL, &t, err, errlen);
    if (s != AP_OK)
        return s;
    ap_idmap bykey = {0}, actor_id = {0};
    int32_t *sl = malloc((d->nsessions ? d->nsessions : 1) * sizeof *sl);
    if (!sl)
        s = AP_ERR_NOMEM;
    for (size_t i = 0; s == AP_OK && i < d->nsessions; i++) {
        sl[i] = -1;
        const cl_session *se = &d->sessions[i];
        const char *sn = se->sensor < d->nsensors && d->sensors[se->sensor] ? d->sensors[se->sensor] : "";
        uint64_t k = ap_hash64_seed(se->name, strlen(se->name), ap_hash64(sn, strlen(sn)));
        if (!ap_idmap_put(&bykey, k ? k : 1, (uint32_t)i, NULL))
            s = AP_ERR_NOMEM;
    }
    uint32_t nactors = 0;
    for (size_t r = 0; s == AP_OK && r < cl_truth_count(t); r++) {
        const cl_truth_row *row = cl_truth_get(t, r);
        if (!strcmp(row->actor, "noise"))
            continue;
        uint64_t k = ap_hash64_seed(row->session, strlen(row->session),
                                    ap_hash64(row->sensor, strlen(row->sensor)));
        const uint32_t *si = ap_idmap_get(&bykey, k ? k : 1);
        if (!si)
            continue;
        uint64_t ak = ap_hash64(row->actor, strlen(row->actor));
        int added = 0;
        uint32_t *a = ap_idmap_put(&actor_id, ak ? ak : 1, nactors, &added);
        if (!a) {
            s = AP_ERR_NOMEM;
            break;
        }
        nactors += (uint32_t)added;
        sl[*si] = (int32_t)*a;
    }
    for (size_t i = 0; s == AP_OK && i < d->nincidents; i++) {
        const cl_incident *inc = &d->incidents[i];
        int32_t best = -1;
        uint32_t bestn = 0;
        for (uint32_t k = 0; k < inc->n; k++) {
            int32_t l = sl[d->order[inc->first + k]];
            if (l < 0)
                continue;
            uint32_t c = 0;
            for (uint32_t m = 0; m < inc->n; m++)
                c += sl[d->order[inc->first + m]] == l;
            if (c > bestn) {
                bestn = c;
                best = l;
            }
            if (inc->n > 32)
                break; /* large incidents: the first labelled session decides */
        }
        labels[i] = best;
    }
    free(sl);
    ap_idmap_free(&bykey);
    ap_idmap_free(&actor_id);
    cl_truth_free(t);
    if (s == AP_ERR_NOMEM)
        snprintf(err, errlen, "out of memory");
    return s;
}

ap_status ap_features_rank(ap_store *store, const ap_cluster_options *opt, const char *labels_path,
                           FILE *out, int json, char *err, size_t errlen)
{
    cl_data d;
    cl_features f;
    int32_t *labels = NULL;
    cl_feature_rank *rank = NULL;
    ap_status s = load_features(store, opt, &d, &f, err, errlen);
    if (s == AP_OK && labels_path) {
        if (!(labels = malloc((d.nincidents ? d.nincidents : 1) * sizeof *labels)))
            s = AP_ERR_NOMEM;
        else
            s = incident_labels(&d, labels_path, labels, err, errlen);
    }
    if (s == AP_OK && !(rank = malloc((f.m.cols ? f.m.cols : 1) * sizeof *rank)))
        s = AP_ERR_NOMEM;
    if (s == AP_OK)
        s = cl_rank_features(&f.m, labels, rank);
    if (s == AP_OK) {
        if (json)
            fputs("[", out);
        else
            fprintf(out, "%4s  %-48s %12s %10s %12s %7s\n", "rank", "feature", "variance",
                    "MI (nats)", "chi2", "score");
        for (size_t i = 0; i < f.m.cols; i++) {
            const cl_feature_rank *r = &rank[i];
            if (json) {
                fprintf(out, "%s\n {\"rank\":%zu,\"feature\":", i ? "," : "", i + 1);
                ap_escape_json(out, ap_str_c(f.names[r->col])); /* writes the quotes */
                fprintf(out, ",\"variance\":%.6g,\"mutual_info\":%.6g,\"chi2\":%.6g,\"score\":%.6g}",
                        r->variance, r->mutual_info, r->chi2, r->score);
            } else {
                fprintf(out, "%4zu  ", i + 1);
                char name[49];
                ap_escape_term_buf(name, sizeof name, ap_str_c(f.names[r->col]));
                fprintf(out, "%-48s %12.4g %10.4f %12.4g %7.2f\n", name, r->variance,
                        r->mutual_info, r->chi2, r->score);
            }
        }
        if (json)
            fputs("\n]\n", out);
    } else if (s == AP_ERR_NOMEM && !err[0]) {
        snprintf(err, errlen, "out of memory");
    }
    free(rank);
    free(labels);
    cl_features_free(&f);
    cl_data_free(&d);
    return s;
}
