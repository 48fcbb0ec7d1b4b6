/* taxii.c — the read-only TAXII 2.1 server (see taxii.h for why) on libmicrohttpd.
 *
 * The objects are built once (share/stix.c) and sorted by (modified, id); date_added is the
 * object's `modified`, so a page is a scan of that array from a cursor: `next` is the index of
 * the first object not yet looked at, which stays valid because the array never changes. Every
 * request is answered from the immutable array, so MHD's thread needs no locks. Everything a
 * client sends (path, query, headers) is untrusted: parsed with bounds, echoed only through
 * the JSON escaper, and bad values get a TAXII error message, not a guess.
 */
#include "share/taxii.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "core/error.h"
#include "share/export.h"
#include "share/stix.h"
#include "util/escape.h"

#define TAXII_MEDIA "application/taxii+json;version=2.1"
#define STIX_MEDIA "application/stix+json;version=2.1"
#define TAXII_COLLECTION_ALIAS "actorprint"
#define TAXII_MAX_SEGMENTS 8
#define TAXII_MAX_FILTER_VALUES 16 /* occurrences of one query parameter */

struct ap_taxii {
    struct MHD_Daemon *daemon;
    ap_stix_set *set;
    char api_root[64];
    char collection_id[37];
    char listen[INET6_ADDRSTRLEN];
    int listen_v6, loopback;
    unsigned port;
    size_t page_max;
};

void ap_taxii_options_init(ap_taxii_options *o)
{
    memset(o, 0, sizeof *o);
    o->listen = "127.0.0.1";
    o->api_root = "api";
    o->producer = "actorprint";
    o->page_max = 1000;
}

/* ---- responses ---- */

typedef struct reply_buf {
    char *p;
    size_t n;
    FILE *f; /* open_memstream over p/n */
} reply_buf;

static int reply_open(reply_buf *b)
{
    b->p = NULL;
    b->n = 0;
    b->f = open_memstream(&b->p, &b->n);
    return b->f ? 0 : -1;
}

/* Queues status + body (taken over) with the TAXII media type and optional date headers. */
static enum MHD_Result reply_send(struct MHD_Connection *c, unsigned status, reply_buf *b,
                                  const char *added_first, const char *added_last)
{
    int bad = ferror(b->f) != 0;
    if (fclose(b->f) != 0 || bad) {
        free(b->p);
        return MHD_NO; /* out of memory: MHD closes the connection */
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(b->n, b->p, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(b->p);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, TAXII_MEDIA);
    if (added_first && added_last) {
        MHD_add_response_header(r, "X-TAXII-Date-Added-First", added_first);
        MHD_add_response_header(r, "X-TAXII-Date-Added-Last", added_last);
    }
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* A TAXII error message resource. */
static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status, const char *title,
                                   const char *description)
{
    reply_buf b;
    if (reply_open(&b) != 0)
        return MHD_NO;
    fputs("{\"title\":", b.f);
    ap_escape_json(b.f, ap_str_c(title));
    fputs(",\"description\":", b.f);
    ap_escape_json(b.f, ap_str_c(description));
    fprintf(b.f, ",\"http_status\":\"%u\"}", status);
    return reply_send(c, status, &b, NULL, NULL);
}

/* ---- request checks ---- */

static int ieq(ap_str a, const char *b)
{
    size_t n = strlen(b);
    if (a.n != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char x = a.p[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (x != y)
            return 0;
    }
    return 1;
}

static ap_str trim(ap_str s)
{
    while (s.n && (s.p[0] == ' ' || s.p[0] == '\t'))
        s.p++, s.n--;
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
        s.n--;
    return s;
}

/* Does one media range of an Accept header admit TAXII 2.1 JSON? */
static int media_range_ok(ap_str range)
{
    const char *semi = memchr(range.p, ';', range.n);
    ap_str type = trim(ap_str_make(range.p, semi ? (size_t)(semi - range.p) : range.n));
    int is_taxii = ieq(type, "application/taxii+json");
    if (!is_taxii && !ieq(type, "*/*") && !ieq(type, "application/*"))
        return 0;
    /* parameters: version must be 2.1 when given; q=0 refuses */
    ap_str rest = semi ? ap_str_make(semi + 1, range.n - (size_t)(semi + 1 - range.p)) : AP_STR_NULL;
    while (rest.p && rest.n) {
        const char *next = memchr(rest.p, ';', rest.n);
        ap_str param = trim(ap_str_make(rest.p, next ? (size_t)(next - rest.p) : rest.n));
        rest = next ? ap_str_make(next + 1, rest.n - (size_t)(next + 1 - rest.p)) : AP_STR_NULL;
        const char *eq = memchr(param.p, '=', param.n);
        if (!eq)
            continue;
        ap_str name = trim(ap_str_make(param.p, (size_t)(eq - param.p)));
        ap_str value = trim(ap_str_make(eq + 1, param.n - (size_t)(eq + 1 - param.p)));
        if (value.n >= 2 && value.p[0] == '"' && value.p[value.n - 1] == '"')
            value = ap_str_make(value.p + 1, value.n - 2);
        if (ieq(name, "version") && is_taxii && !ap_str_eq_c(value, "2.1"))
            return 0;
        if (ieq(name, "q") && value.n > 0 && strspn(value.p, "0.") == value.n)
            return 0;
    }
    return 1;
}

static int accept_ok(const char *header)
{
    if (!header || !*header)
        return 1; /* no preference */
    ap_str h = ap_str_c(header);
    while (h.p) {
        const char *comma = memchr(h.p, ',', h.n);
        ap_str range = ap_str_make(h.p, comma ? (size_t)(comma - h.p) : h.n);
        if (media_range_ok(range))
            return 1;
        h = comma ? ap_str_make(comma + 1, h.n - (size_t)(comma + 1 - h.p)) : AP_STR_NULL;
    }
    return 0;
}

/* The host part of a Host header ("name", "name:port", "[v6]:port"). */
static ap_str host_name(const char *header)
{
    ap_str h = ap_str_c(header);
    if (h.n && h.p[0] == '[') {
        const char *close = memchr(h.p, ']', h.n);
        return close ? ap_str_make(h.p + 1, (size_t)(close - h.p - 1)) : AP_STR_NULL;
    }
    const char *colon = memchr(h.p, ':', h.n);
    return ap_str_make(h.p, colon ? (size_t)(colon - h.p) : h.n);
}

/* While bound to loopback, only loopback names: a DNS-rebound web page sends its own. */
static int host_ok(const ap_taxii *t, const char *header)
{
    if (!t->loopback || !header)
        return 1;
    ap_str h = host_name(header);
    if (!h.p || h.n == 0 || h.n >= INET6_ADDRSTRLEN)
        return 0;
    if (ieq(h, "localhost") || ap_str_eq_c(h, t->listen))
        return 1;
    char buf[INET6_ADDRSTRLEN];
    memcpy(buf, h.p, h.n);
    buf[h.n] = '\0';
    unsigned char a[16];
    if (inet_pton(AF_INET, buf, a) == 1)
        return a[0] == 127;
    static const unsigned char v6_loopback[16] = {[15] = 1};
    return inet_pton(AF_INET6, buf, a) == 1 && memcmp(a, v6_loopback, 16) == 0;
}

/* Host header characters we are willing to echo into a URL. */
static int host_header_plain(const char *h)
{
    size_t n = h ? strlen(h) : 0;
    return n > 0 && n < 256 &&
           strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") == n;
}

/* ---- filters ---- */

typedef struct taxii_filter {
    int64_t added_after; /* -1: none */
    size_t limit;
    size_t start;        /* from `next` */
    const char *ids[TAXII_MAX_FILTER_VALUES], *types[TAXII_MAX_FILTER_VALUES],
        *versions[TAXII_MAX_FILTER_VALUES], *spec_versions[TAXII_MAX_FILTER_VALUES];
    size_t nids, ntypes, nversions, nspec_versions;
    const char *fixed_id; /* objects/{id}/ */
    const char *problem;  /* a bad parameter: 400 with this text */
    size_t count;         /* objects in the set (bounds `next`) */
} taxii_filter;

static int parse_size(const char *v, size_t *out)
{
    if (!v || !*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 18)
        return -1;
    *out = (size_t)strtoull(v, NULL, 10);
    return 0;
}

/* Calls fn on each comma-separated token of v; stops when it returns non-zero (returned). */
static int each_token(const char *v, int (*fn)(ap_str tok, void *ctx), void *ctx)
{
    ap_str s = ap_str_c(v);
    while (s.p) {
        const char *comma = memchr(s.p, ',', s.n);
        ap_str tok = trim(ap_str_make(s.p, comma ? (size_t)(comma - s.p) : s.n));
        int r = fn(tok, ctx);
        if (r)
            return r;
        s = comma ? ap_str_make(comma + 1, s.n - (size_t)(comma + 1 - s.p)) : AP_STR_NULL;
    }
    return 0;
}

static int version_token_bad(ap_str tok, void *ctx)
{
    (void)ctx;
    int64_t us;
    if (ap_str_eq_c(tok, "first") || ap_str_eq_c(tok, "last") || ap_str_eq_c(tok, "all"))
        return 0;
    return ap_parse_time(tok.p, tok.n, &us) != AP_OK;
}

static void add_value(taxii_filter *f, const char **list, size_t *n, const char *v,
                      const char *what)
{
    if (*n == TAXII_MAX_FILTER_VALUES) {
        f->problem = what;
        return;
    }
    list[(*n)++] = v ? v : "";
}

static enum MHD_Result on_argument(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    taxii_filter *f = cls;
    if (!key)
        return MHD_YES;
    if (!strcmp(key, "added_after")) {
        if (!value || ap_parse_time(value, strlen(value), &f->added_after) != AP_OK)
            f->problem = "added_after is not an RFC 3339 timestamp";
    } else if (!strcmp(key, "limit")) {
        if (parse_size(value, &f->limit) != 0 || f->limit == 0)
            f->problem = "limit must be a positive integer";
    } else if (!strcmp(key, "next")) {
        if (parse_size(value, &f->start) != 0 || f->start > f->count)
            f->problem = "next is not a cursor this server handed out";
    } else if (!strcmp(key, "match[id]")) {
        add_value(f, f->ids, &f->nids, value, "too many match[id] parameters");
    } else if (!strcmp(key, "match[type]")) {
        add_value(f, f->types, &f->ntypes, value, "too many match[type] parameters");
    } else if (!strcmp(key, "match[version]")) {
        if (each_token(value ? value : "", version_token_bad, NULL))
            f->problem = "match[version] takes first, last, all or RFC 3339 timestamps";
        else
            add_value(f, f->versions, &f->nversions, value, "too many match[version] parameters");
    } else if (!strcmp(key, "match[spec_version]")) {
        add_value(f, f->spec_versions, &f->nspec_versions, value,
                  "too many match[spec_version] parameters");
    }
    return MHD_YES;
}

typedef struct token_probe {
    const ap_stix_object *o;
} token_probe;

static int token_is_id(ap_str tok, void *ctx)
{
    return ap_str_eq_c(tok, ((token_probe *)ctx)->o->id);
}

static int token_is_type(ap_str tok, void *ctx)
{
    return ap_str_eq_c(tok, ((token_probe *)ctx)->o->type);
}

static int token_is_spec(ap_str tok, void *ctx)
{
    (void)ctx;
    return ap_str_eq_c(tok, "2.1");
}

/* "first", "last", "all": every object has one version; a timestamp: that version. */
static int token_is_version(ap_str tok, void *ctx)
{
    if (ap_str_eq_c(tok, "first") || ap_str_eq_c(tok, "last") || ap_str_eq_c(tok, "all"))
        return 1;
    int64_t us;
    if (ap_parse_time(tok.p, tok.n, &us) != AP_OK)
        return 0;
    return us - us % 1000 == ((token_probe *)ctx)->o->modified_us;
}

static int any_token(const char *const *list, size_t n, int (*fn)(ap_str, void *),
                     token_probe *p)
{
    for (size_t i = 0; i < n; i++)
        if (each_token(list[i], fn, p))
            return 1;
    return 0;
}

static int filter_matches(const taxii_filter *f, const ap_stix_object *o)
{
    token_probe p = {o};
    if (f->added_after >= 0 && o->modified_us <= f->added_after)
        return 0;
    if (f->fixed_id && strcmp(f->fixed_id, o->id) != 0)
        return 0;
    if (f->nids && !any_token(f->ids, f->nids, token_is_id, &p))
        return 0;
    if (f->ntypes && !any_token(f->types, f->ntypes, token_is_type, &p))
        return 0;
    if (f->nversions && !any_token(f->versions, f->nversions, token_is_version, &p))
        return 0;
    if (f->nspec_versions && !any_token(f->spec_versions, f->nspec_versions, token_is_spec, &p))
        return 0;
    return 1;
}

/* With match[id] or objects/{id}/, only those objects can match: their indices, in date_added
 * order, found through the set's id index instead of a scan of everything. */
typedef struct id_candidates {
    const ap_stix_set *set;
    size_t *v;
    size_t n, cap;
    int failed;
} id_candidates;

static int add_candidate(ap_str tok, void *ctx)
{
    id_candidates *c = ctx;
    size_t i = ap_stix_find(c->set, tok);
    if (i == (size_t)-1)
        return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        size_t *v = realloc(c->v, cap * sizeof *v);
        if (!v) {
            c->failed = 1;
            return 1;
        }
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = i;
    return 0;
}

static int cmp_size(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    return (a > b) - (a < b);
}

/* Fills c from the fixed id, else from match[id]; sorted, without duplicates. -1: no memory. */
static int find_candidates(const taxii_filter *f, id_candidates *c)
{
    if (f->fixed_id) {
        add_candidate(ap_str_c(f->fixed_id), c);
    } else {
        for (size_t k = 0; k < f->nids && !c->failed; k++)
            each_token(f->ids[k], add_candidate, c);
    }
    if (c->failed)
        return -1;
    if (c->n > 1)
        qsort(c->v, c->n, sizeof *c->v, cmp_size);
    size_t w = 0;
    for (size_t r = 0; r < c->n; r++)
        if (w == 0 || c->v[w - 1] != c->v[r])
            c->v[w++] = c->v[r];
    c->n = w;
    return 0;
}

/* ---- endpoints ---- */

static enum MHD_Result reply_discovery(const ap_taxii *t, struct MHD_Connection *c)
{
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    char base[600]; /* host header (checked short) + api root + the scheme */
    if (host_header_plain(host))
        snprintf(base, sizeof base, "http://%s/%s/", host, t->api_root);
    else if (t->listen_v6)
        snprintf(base, sizeof base, "http://[%s]:%u/%s/", t->listen, t->port, t->api_root);
    else
        snprintf(base, sizeof base, "http://%s:%u/%s/", t->listen, t->port, t->api_root);
    reply_buf b;
    if (reply_open(&b) != 0)
        return MHD_NO;
    fputs("{\"title\":\"actorprint TAXII 2.1 server\",\"description\":\"Campaigns and actors "
          "clustered by actorprint from honeypot sessions, as STIX 2.1.\",\"default\":",
          b.f);
    ap_escape_json(b.f, ap_str_c(base));
    fputs(",\"api_roots\":[", b.f);
    ap_escape_json(b.f, ap_str_c(base));
    fputs("]}", b.f);
    return reply_send(c, MHD_HTTP_OK, &b, NULL, NULL);
}

static enum MHD_Result reply_api_root(const ap_taxii *t, struct MHD_Connection *c)
{
    (void)t;
    reply_buf b;
    if (reply_open(&b) != 0)
        return MHD_NO;
    fputs("{\"title\":\"actorprint\",\"description\":\"Read-only: one collection of the last "
          "clustering.\",\"versions\":[\"" TAXII_MEDIA "\"],\"max_content_length\":0}",
          b.f);
    return reply_send(c, MHD_HTTP_OK, &b, NULL, NULL);
}

static void write_collection(const ap_taxii *t, FILE *f)
{
    fprintf(f,
            "{\"id\":\"%s\",\"title\":\"actorprint\",\"description\":\"Campaigns, actors, ATT&CK "
            "techniques, indicators and infrastructure from honeypot sessions.\",\"alias\":\"%s\","
            "\"can_read\":true,\"can_write\":false,\"media_types\":[\"" STIX_MEDIA "\"]}",
            t->collection_id, TAXII_COLLECTION_ALIAS);
}

static enum MHD_Result reply_collections(const ap_taxii *t, struct MHD_Connection *c)
{
    reply_buf b;
    if (reply_open(&b) != 0)
        return MHD_NO;
    fputs("{\"collections\":[", b.f);
    write_collection(t, b.f);
    fputs("]}", b.f);
    return reply_send(c, MHD_HTTP_OK, &b, NULL, NULL);
}

static enum MHD_Result reply_collection(const ap_taxii *t, struct MHD_Connection *c)
{
    reply_buf b;
    if (reply_open(&b) != 0)
        return MHD_NO;
    write_collection(t, b.f);
    return reply_send(c, MHD_HTTP_OK, &b, NULL, NULL);
}

typedef enum page_kind { PAGE_OBJECTS, PAGE_MANIFEST, PAGE_VERSIONS } page_kind;

/* objects/, manifest/, objects/{id}/ and objects/{id}/versions/: one page of the matching
 * objects from the cursor on, in date_added order. */
static enum MHD_Result reply_page(const ap_taxii *t, struct MHD_Connection *c, page_kind kind,
                                  const char *fixed_id)
{
    taxii_filter f;
    memset(&f, 0, sizeof f);
    f.added_after = -1;
    f.limit = t->page_max;
    f.count = ap_stix_count(t->set);
    f.fixed_id = fixed_id;
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, on_argument, &f);
    if (f.problem)
        return reply_error(c, MHD_HTTP_BAD_REQUEST, "Bad Request", f.problem);
    if (fixed_id && ap_stix_find(t->set, ap_str_c(fixed_id)) == (size_t)-1)
        return reply_error(c, MHD_HTTP_NOT_FOUND, "Not Found", "no object with this id");
    if (f.limit > t->page_max)
        f.limit = t->page_max;

    id_candidates cand = {t->set, NULL, 0, 0, 0};
    int by_id = fixed_id || f.nids;
    if (by_id && find_candidates(&f, &cand) != 0) {
        free(cand.v);
        return MHD_NO;
    }
    reply_buf b;
    if (reply_open(&b) != 0) {
        free(cand.v);
        return MHD_NO;
    }
    size_t shown = 0, next = 0, pos = by_id ? 0 : f.start, end = by_id ? cand.n : f.count;
    int more = 0;
    const ap_stix_object *first = NULL, *last = NULL;
    while (by_id && pos < end && cand.v[pos] < f.start)
        pos++;
    for (; pos < end; pos++) {
        size_t i = by_id ? cand.v[pos] : pos; /* index in date_added order */
        const ap_stix_object *o = ap_stix_at(t->set, i);
        if (!filter_matches(&f, o))
            continue;
        if (shown == f.limit) {
            more = 1;
            next = i;
            break;
        }
        char added[40];
        ap_export_time(o->modified_us, added, sizeof added);
        if (shown == 0)
            fputs(kind == PAGE_VERSIONS ? "{\"versions\":[" : "{\"objects\":[", b.f);
        else
            fputc(',', b.f);
        if (kind == PAGE_OBJECTS)
            fwrite(o->json, 1, o->json_len, b.f);
        else if (kind == PAGE_VERSIONS)
            fprintf(b.f, "\"%s\"", added);
        else
            fprintf(b.f,
                    "{\"id\":\"%s\",\"date_added\":\"%s\",\"version\":\"%s\",\"media_type\":\"" STIX_MEDIA
                    "\"}",
                    o->id, added, added);
        if (!first)
            first = o;
        last = o;
        shown++;
    }
    free(cand.v);
    if (shown == 0) {
        fputs("{}", b.f); /* the empty envelope */
        return reply_send(c, MHD_HTTP_OK, &b, NULL, NULL);
    }
    fputc(']', b.f);
    if (more)
        fprintf(b.f, ",\"more\":true,\"next\":\"%zu\"}", next);
    else
        fputs(",\"more\":false}", b.f);
    char first_s[40], last_s[40];
    ap_export_time(first->modified_us, first_s, sizeof first_s);
    ap_export_time(last->modified_us, last_s, sizeof last_s);
    return reply_send(c, MHD_HTTP_OK, &b, first_s, last_s);
}

/* Splits "/a/b/c/" into segments (at most TAXII_MAX_SEGMENTS; -1 when more or empty ones). */
static int split_path(const char *url, ap_str *seg)
{
    int n = 0;
    const char *p = url;
    if (*p != '/')
        return -1;
    p++;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 0 || n == TAXII_MAX_SEGMENTS)
            return -1;
        seg[n++] = ap_str_make(p, len);
        p += len;
        if (*p == '/')
            p++;
    }
    return n;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    const ap_taxii *t = cls;
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)con_cls;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "Method Not Allowed",
                           "this TAXII server is read-only: GET and HEAD only");
    if (!host_ok(t, MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST)))
        return reply_error(c, MHD_HTTP_FORBIDDEN, "Forbidden",
                           "the Host header does not name this loopback server");
    if (!accept_ok(MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT)))
        return reply_error(c, MHD_HTTP_NOT_ACCEPTABLE, "Not Acceptable",
                           "this server answers with " TAXII_MEDIA);

    ap_str seg[TAXII_MAX_SEGMENTS];
    int n = split_path(url ? url : "", seg);
    if (n == 1 && ap_str_eq_c(seg[0], "taxii2"))
        return reply_discovery(t, c);
    if (n < 1 || !ap_str_eq_c(seg[0], t->api_root))
        return reply_error(c, MHD_HTTP_NOT_FOUND, "Not Found", "no such TAXII endpoint");
    if (n == 1)
        return reply_api_root(t, c);
    if (!ap_str_eq_c(seg[1], "collections"))
        return reply_error(c, MHD_HTTP_NOT_FOUND, "Not Found", "no such TAXII endpoint");
    if (n == 2)
        return reply_collections(t, c);
    if (!ap_str_eq_c(seg[2], t->collection_id) && !ap_str_eq_c(seg[2], TAXII_COLLECTION_ALIAS))
        return reply_error(c, MHD_HTTP_NOT_FOUND, "Not Found", "no such collection");
    if (n == 3)
        return reply_collection(t, c);
    if (n == 4 && ap_str_eq_c(seg[3], "objects"))
        return reply_page(t, c, PAGE_OBJECTS, NULL);
    if (n == 4 && ap_str_eq_c(seg[3], "manifest"))
        return reply_page(t, c, PAGE_MANIFEST, NULL);
    if ((n == 5 || (n == 6 && ap_str_eq_c(seg[5], "versions"))) && ap_str_eq_c(seg[3], "objects")) {
        char id[128];
        if (seg[4].n >= sizeof id)
            return reply_error(c, MHD_HTTP_NOT_FOUND, "Not Found", "no object with this id");
        memcpy(id, seg[4].p, seg[4].n);
        id[seg[4].n] = '\0';
        return reply_page(t, c, n == 5 ? PAGE_OBJECTS : PAGE_VERSIONS, id);
    }
    return reply_error(c, MHD_HTTP_NOT_FOUND, "Not Found", "no such TAXII endpoint");
}

/* ---- start / stop ---- */

static int valid_api_root(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n < 64 && strcmp(s, "taxii2") != 0 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~-") == n;
}

ap_status ap_taxii_start(const ap_model *m, const ap_taxii_options *opt, ap_taxii **out,
                         char *err, size_t errlen)
{
    *out = NULL;
    ap_taxii_options defaults;
    ap_taxii_options_init(&defaults);
    if (!opt)
        opt = &defaults;
    const char *listen = opt->listen ? opt->listen : defaults.listen;
    const char *api_root = opt->api_root ? opt->api_root : defaults.api_root;
    if (!valid_api_root(api_root)) {
        ap_set_error(err, errlen, "'%s' is not a usable API root path (letters, digits, . _ ~ -)",
                     api_root);
        return AP_ERR_ARG;
    }
    if (opt->port > 65535) {
        ap_set_error(err, errlen, "port %u is out of range", opt->port);
        return AP_ERR_ARG;
    }
    struct sockaddr_in sa4;
    struct sockaddr_in6 sa6;
    memset(&sa4, 0, sizeof sa4);
    memset(&sa6, 0, sizeof sa6);
    int v6 = 0;
    if (inet_pton(AF_INET, listen, &sa4.sin_addr) == 1) {
        sa4.sin_family = AF_INET;
        sa4.sin_port = htons((uint16_t)opt->port);
    } else if (inet_pton(AF_INET6, listen, &sa6.sin6_addr) == 1) {
        sa6.sin6_family = AF_INET6;
        sa6.sin6_port = htons((uint16_t)opt->port);
        v6 = 1;
    } else {
        ap_set_error(err, errlen, "'%s' is not an IPv4 or IPv6 address", listen);
        return AP_ERR_ARG;
    }

    ap_taxii *t = calloc(1, sizeof *t);
    if (!t)
        return AP_ERR_NOMEM;
    snprintf(t->api_root, sizeof t->api_root, "%s", api_root);
    snprintf(t->listen, sizeof t->listen, "%s", listen);
    t->listen_v6 = v6;
    t->loopback = v6 ? IN6_IS_ADDR_LOOPBACK(&sa6.sin6_addr)
                     : (ntohl(sa4.sin_addr.s_addr) >> 24) == 127;
    t->page_max = opt->page_max ? opt->page_max : defaults.page_max;

    unsigned char ns[16];
    char uuid[37];
    static const char key[] = "taxii-collection|" TAXII_COLLECTION_ALIAS;
    if (ap_uuid_parse(AP_STIX_NAMESPACE, ns) != 0 ||
        ap_uuid5(ns, key, sizeof key - 1, uuid) != AP_OK) {
        free(t);
        ap_set_error(err, errlen, "cannot compute the collection id");
        return AP_ERR_INTERNAL;
    }
    memcpy(t->collection_id, uuid, sizeof uuid);

    ap_export_options eo;
    ap_export_options_init(&eo);
    eo.format = AP_EXPORT_STIX;
    if (opt->producer)
        eo.producer = opt->producer;
    ap_status st = ap_stix_build(m, &eo, &t->set, err, errlen);
    if (st != AP_OK) {
        free(t);
        return st;
    }

    errno = 0;
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | (v6 ? MHD_USE_IPv6 : 0);
    t->daemon = MHD_start_daemon(flags, (uint16_t)opt->port, NULL, NULL, on_request, t,
                                 MHD_OPTION_SOCK_ADDR,
                                 v6 ? (const struct sockaddr *)&sa6 : (const struct sockaddr *)&sa4,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64, MHD_OPTION_END);
    if (!t->daemon) {
        int e = errno;
        ap_set_error(err, errlen, v6 ? "cannot listen on [%s]:%u%s%s" : "cannot listen on %s:%u%s%s",
                     listen, opt->port, e ? ": " : "", e ? strerror(e) : "");
        ap_stix_free(t->set);
        free(t);
        return AP_ERR_IO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(t->daemon, MHD_DAEMON_INFO_BIND_PORT);
    t->port = info && info->port ? info->port : opt->port;
    *out = t;
    return AP_OK;
}

unsigned ap_taxii_port(const ap_taxii *t) { return t ? t->port : 0; }

size_t ap_taxii_object_count(const ap_taxii *t) { return t ? ap_stix_count(t->set) : 0; }

void ap_taxii_stop(ap_taxii *t)
{
    if (!t)
        return;
    MHD_stop_daemon(t->daemon);
    ap_stix_free(t->set);
    free(t);
}
