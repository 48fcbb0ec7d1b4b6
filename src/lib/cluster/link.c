/* link.c — joins incidents into campaigns and campaigns into actors, without ever comparing all
 * pairs. Three kinds of evidence, each found through an index:
 *
 *   strong links   incidents sharing a rare identifier (C2 URL or host, file hash, busybox tag,
 *                  echo marker) are one campaign; sharing an injected SSH key, an offered client
 *                  key or a wallet makes one actor. An identifier seen with many unrelated
 *                  toolings (a public tool's hash, a popular download host) is "generic": it is
 *                  not trusted as a link.
 *   behaviour      MinHash signatures of each incident's behaviour (command n-grams, credential
 *                  pairs and their order, forward targets, payload identifiers), banded for
 *                  locality-sensitive hashing with the client tooling in the band key: incidents
 *                  that did the same thing with the same tool land in one bucket and are joined
 *                  when their estimated Jaccard similarity passes the threshold.
 *   infrastructure the same source address, the same /24 or /48, or the same credential-list
 *                  transition, each with the same tooling, joins campaigns into one actor
 *                  (an actor that changes its C2 and script keeps its hosts and tools).
 *
 * Cost: sorting (key, incident) pairs — O(T log T) in the number of tokens — and one signature
 * per incident. See docs/clustering.md.
 */
#include <stdlib.h>
#include <string.h>

#include "cluster/model.h"
#include "util/grow.h"
#include "util/hash.h"

#define MH_K 24    /* MinHash values per signature */
#define MH_ROWS 3  /* rows per LSH band */
#define MH_BANDS (MH_K / MH_ROWS)

void cl_link_options_init(cl_link_options *o)
{
    o->behaviour_jaccard = 0.5;
    o->min_behaviour = 3;
    o->generic_tools = 4;
    o->generic_top_share = 0.6;
    o->use_previous = 1;
}

/* ---- union-find ---------------------------------------------------------------------------- */

ap_status cl_dsu_init(cl_dsu *u, size_t n)
{
    u->n = n;
    u->parent = malloc((n ? n : 1) * sizeof *u->parent);
    u->rank = calloc(n ? n : 1, 1);
    if (!u->parent || !u->rank) {
        cl_dsu_free(u);
        return AP_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        u->parent[i] = (uint32_t)i;
    return AP_OK;
}

uint32_t cl_dsu_find(cl_dsu *u, uint32_t x)
{
    while (u->parent[x] != x) {
        u->parent[x] = u->parent[u->parent[x]]; /* path halving */
        x = u->parent[x];
    }
    return x;
}

int cl_dsu_union(cl_dsu *u, uint32_t a, uint32_t b)
{
    a = cl_dsu_find(u, a);
    b = cl_dsu_find(u, b);
    if (a == b)
        return 0;
    /* the smaller index becomes the root, so a component's representative is its first incident */
    if (a > b) {
        uint32_t t = a;
        a = b;
        b = t;
    }
    u->parent[b] = a;
    return 1;
}

void cl_dsu_free(cl_dsu *u)
{
    free(u->parent);
    free(u->rank);
    u->parent = NULL;
    u->rank = NULL;
}

/* ---- (key, incident) pairs ------------------------------------------------------------------ */

typedef struct kv {
    uint64_t key;
    uint32_t inc;
    uint32_t pad_;
} kv;

typedef struct kvv {
    kv *v;
    size_t n, cap;
} kvv;

static ap_status kv_push(kvv *a, uint64_t key, uint32_t inc)
{
    if (ap_grow(&a->v, &a->cap, a->n, sizeof *a->v, 65536) != 0)
        return AP_ERR_NOMEM;
    a->v[a->n++] = (kv){key, inc, 0};
    return AP_OK;
}

static int cmp_kv(const void *a, const void *b)
{
    const kv *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->inc > y->inc) - (x->inc < y->inc);
}

/* Sorts the pairs and joins, in u, the incidents of every run of equal keys; frees the pairs.
 * Returns the number of sets joined. */
static size_t union_equal_keys(kvv *p, cl_dsu *u)
{
    size_t unions = 0, n = p->n;
    const kv *v = p->v;
    if (n)
        qsort(p->v, n, sizeof *p->v, cmp_kv);
    const kv *end = v + n;
    for (const kv *first = v; first < end;) {
        const kv *q = first + 1;
        for (; q < end && q->key == first->key; q++)
            unions += (size_t)cl_dsu_union(u, first->inc, q->inc);
        first = q;
    }
    free(p->v);
    p->v = NULL;
    p->n = p->cap = 0;
    return unions;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static uint64_t mix2(uint64_t a, uint64_t b)
{
    uint64_t x[2] = {a, b};
    return ap_hash64(x, sizeof x);
}

/* Is the identifier whose incidents are v[0..n-1] generic (seen with too many toolings, none
 * dominant)? tools: scratch space for n values. */
static int generic(const cl_data *d, const kv *v, size_t n, uint64_t *tools, const cl_link_options *o)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        tools[m++] = d->incidents[v[i].inc].tool;
    qsort(tools, m, sizeof *tools, cmp_u64);
    size_t distinct = 0, top = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j < m && tools[j] == tools[i])
            j++;
        distinct++;
        if (j - i > top)
            top = j - i;
        i = j;
    }
    return distinct >= o->generic_tools && (double)top < o->generic_top_share * (double)m;
}

/* Joins the incidents of every non-generic strong identifier: campaign-level kinds in camp,
 * actor-level kinds in actor. */
static ap_status strong_links(cl_data *d, const cl_link_options *o, cl_dsu *camp, cl_dsu *actor,
                              cl_link_stats *stats)
{
    kvv p = {0};
    ap_status s = AP_OK;
    for (size_t i = 0; i < d->nincidents && s == AP_OK; i++) {
        const cl_incident *inc = &d->incidents[i];
        for (uint32_t t = 0; t < inc->tok_n && s == AP_OK; t++) {
            uint64_t tok = d->itok.v[inc->tok_off + t];
            if (cl_kind_strong(cl_token_kind(tok)))
                s = kv_push(&p, tok, (uint32_t)i);
        }
    }
    uint64_t *tools = NULL;
    if (s == AP_OK && p.n) {
        qsort(p.v, p.n, sizeof *p.v, cmp_kv);
        if (!(tools = malloc(p.n * sizeof *tools)))
            s = AP_ERR_NOMEM;
    }
    for (size_t i = 0; s == AP_OK && i < p.n;) {
        size_t j = i;
        while (j < p.n && p.v[j].key == p.v[i].key)
            j++;
        if (j - i >= 2) {
            stats->strong_tokens++;
            if (generic(d, p.v + i, j - i, tools, o)) {
                stats->generic_tokens++;
            } else {
                cl_dsu *u = cl_kind_actor_level(cl_token_kind(p.v[i].key)) ? actor : camp;
                for (size_t k = i + 1; k < j; k++)
                    stats->strong_unions += (size_t)cl_dsu_union(u, p.v[i].inc, p.v[k].inc);
            }
        }
        i = j;
    }
    free(tools);
    free(p.v);
    return s;
}

static int behaviour_kind(cl_kind k)
{
    return k == TK_NGRAM || k == TK_CRED || k == TK_CREDSEQ || k == TK_FWD || k == TK_URL ||
           k == TK_HOST || k == TK_HASH || k == TK_TAG || k == TK_KEY || k == TK_WALLET;
}

/* MinHash of the incident's behaviour tokens; returns how many there were. */
static uint32_t signature(const cl_data *d, const cl_incident *inc, uint64_t sig[MH_K])
{
    for (int k = 0; k < MH_K; k++)
        sig[k] = UINT64_MAX;
    uint32_t n = 0;
    for (uint32_t t = 0; t < inc->tok_n; t++) {
        uint64_t tok = d->itok.v[inc->tok_off + t];
        if (!behaviour_kind(cl_token_kind(tok)))
            continue;
        n++;
        uint64_t h = ap_hash64(&tok, sizeof tok);
        for (int k = 0; k < MH_K; k++) {
            /* k independent hash functions from one: h_k = mix(h, k) */
            uint64_t x = (h ^ (UINT64_C(0x9E3779B97F4A7C15) * (uint64_t)(k + 1)));
            x ^= x >> 31;
            x *= UINT64_C(0xBF58476D1CE4E5B9);
            x ^= x >> 29;
            if (x < sig[k])
                sig[k] = x;
        }
    }
    return n;
}

static double estimate(const uint64_t *a, const uint64_t *b)
{
    int eq = 0;
    for (int k = 0; k < MH_K; k++)
        eq += a[k] == b[k];
    return (double)eq / MH_K;
}

static ap_status behaviour_links(cl_data *d, const cl_link_options *o, cl_dsu *camp,
                                 cl_link_stats *stats)
{
    size_t n = d->nincidents;
    uint64_t *sigs = malloc((n ? n : 1) * MH_K * sizeof *sigs);
    kvv p = {0};
    ap_status s = sigs ? AP_OK : AP_ERR_NOMEM;
    for (size_t i = 0; i < n && s == AP_OK; i++) {
        uint64_t *sig = sigs + i * MH_K;
        const cl_incident *inc = &d->incidents[i];
        if (signature(d, inc, sig) < o->min_behaviour)
            continue;
        for (int b = 0; b < MH_BANDS && s == AP_OK; b++) {
            uint64_t key = mix2(ap_hash64(sig + b * MH_ROWS, MH_ROWS * sizeof *sig),
                                inc->tool ^ (uint64_t)b);
            s = kv_push(&p, key, (uint32_t)i);
        }
    }
    if (s == AP_OK && p.n)
        qsort(p.v, p.n, sizeof *p.v, cmp_kv);
    for (size_t i = 0; s == AP_OK && i < p.n;) {
        size_t j = i;
        while (j < p.n && p.v[j].key == p.v[i].key)
            j++;
        /* each member is checked against the bucket's first and its predecessor: linear in the
         * bucket, and chains of similar incidents still join */
        for (size_t k = i + 1; k < j; k++) {
            stats->behaviour_candidates++;
            const uint64_t *sk = sigs + (size_t)p.v[k].inc * MH_K;
            if (estimate(sigs + (size_t)p.v[i].inc * MH_K, sk) >= o->behaviour_jaccard ||
                estimate(sigs + (size_t)p.v[k - 1].inc * MH_K, sk) >= o->behaviour_jaccard)
                stats->behaviour_unions += (size_t)cl_dsu_union(camp, p.v[i].inc, p.v[k].inc);
        }
        i = j;
    }
    free(p.v);
    free(sigs);
    return s;
}

/* Same tooling plus the same address, network or credential-list transition: one actor. */
static ap_status infrastructure_links(cl_data *d, cl_dsu *actor, cl_link_stats *stats)
{
    kvv p = {0};
    ap_status s = AP_OK;
    for (size_t i = 0; i < d->nincidents && s == AP_OK; i++) {
        const cl_incident *inc = &d->incidents[i];
        if (!inc->tool)
            continue;
        for (uint32_t t = 0; t < inc->tok_n && s == AP_OK; t++) {
            uint64_t tok = d->itok.v[inc->tok_off + t];
            cl_kind k = cl_token_kind(tok);
            if (k == TK_IP || k == TK_NET || k == TK_CREDSEQ)
                s = kv_push(&p, mix2(tok, inc->tool), (uint32_t)i);
        }
    }
    if (s == AP_OK)
        stats->infra_unions += union_equal_keys(&p, actor);
    free(p.v);
    return s;
}

/* Incidents that shared a campaign (level 1) or actor (level 2) in the last run stay together:
 * new data extends clusters rather than splitting them, so the numbers analysts wrote down keep
 * meaning what they meant (`cluster --fresh` starts over). */
static ap_status previous_links(cl_data *d, int level, cl_dsu *u, size_t *unions)
{
    if (!d->nprev)
        return AP_OK;
    kvv p = {0};
    ap_status s = AP_OK;
    for (size_t i = 0; i < d->nincidents && s == AP_OK; i++) {
        const cl_incident *inc = &d->incidents[i];
        int64_t last = 0;
        for (uint32_t k = 0; k < inc->n && s == AP_OK; k++) {
            const uint32_t *pi =
                ap_idmap_get(&d->prev_idx, (uint64_t)d->sessions[d->order[inc->first + k]].id);
            int64_t id = pi ? d->prev[*pi][level] : 0;
            if (id > 0 && id != last)
                s = kv_push(&p, (uint64_t)id, (uint32_t)i);
            last = id > 0 ? id : last;
        }
    }
    if (s == AP_OK)
        *unions += union_equal_keys(&p, u);
    free(p.v);
    return s;
}

/* An incident that joined an actor only through actor-level evidence (the same tooling from the
 * same network, one credential list) has no campaign of its own: it goes to the largest
 * campaign of its actor with the same tooling, else the largest of its actor; an actor made only
 * of such incidents is one campaign. Leaves camp.parent[i] = the campaign representative. */
static ap_status fold_lone_incidents(cl_data *d, cl_dsu *camp, cl_dsu *actor, cl_link_stats *stats)
{
    size_t n = d->nincidents;
    uint32_t *size = calloc(n ? n : 1, sizeof *size);
    ap_idmap best_tool = {0}, best_actor = {0}; /* key -> campaign representative + 1 */
    if (!size)
        return AP_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        size[cl_dsu_find(camp, (uint32_t)i)]++;
    ap_status s = AP_OK;
    for (size_t i = 0; i < n && s == AP_OK; i++) {
        uint32_t c = camp->parent[i];
        if (c != i || size[c] < 2) /* once per multi-incident campaign */
            continue;
        uint32_t a = cl_dsu_find(actor, (uint32_t)i);
        uint64_t keys[2] = {mix2(a + UINT64_C(1), d->incidents[i].tool) | 1, (uint64_t)a + 1};
        ap_idmap *maps[2] = {&best_tool, &best_actor};
        for (int k = 0; k < 2; k++) {
            int added = 0;
            uint32_t *slot = ap_idmap_put(maps[k], keys[k], c + 1, &added);
            if (!slot) {
                s = AP_ERR_NOMEM;
                break;
            }
            if (!added && size[*slot - 1] < size[c])
                *slot = c + 1;
        }
    }
    for (size_t i = 0; i < n && s == AP_OK; i++) {
        uint32_t c = camp->parent[i];
        if (size[c] >= 2)
            continue;
        uint32_t a = cl_dsu_find(actor, (uint32_t)i);
        const uint32_t *t = ap_idmap_get(&best_tool, mix2(a + UINT64_C(1), d->incidents[i].tool) | 1);
        if (!t)
            t = ap_idmap_get(&best_actor, (uint64_t)a + 1);
        uint32_t target = t ? *t - 1 : a;
        if (target != i)
            stats->folded++;
        camp->parent[i] = target;
    }
    ap_idmap_free(&best_tool);
    ap_idmap_free(&best_actor);
    free(size);
    return s;
}

ap_status cl_link(cl_data *d, const cl_link_options *o, cl_link_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    size_t n = d->nincidents;
    cl_dsu camp = {0}, actor = {0}, strong_actor = {0};
    ap_status s = cl_dsu_init(&camp, n);
    if (s == AP_OK)
        s = cl_dsu_init(&strong_actor, n);
    if (s == AP_OK)
        s = strong_links(d, o, &camp, &strong_actor, stats);
    if (s == AP_OK)
        s = behaviour_links(d, o, &camp, stats);
    if (s == AP_OK && o->use_previous)
        s = previous_links(d, 1, &camp, &stats->previous_unions);
    if (s == AP_OK)
        s = cl_dsu_init(&actor, n);
    if (s == AP_OK) {
        /* actors start from the campaigns, then take the actor-level links */
        for (size_t i = 0; i < n; i++) {
            cl_dsu_union(&actor, (uint32_t)i, cl_dsu_find(&camp, (uint32_t)i));
            stats->actor_unions +=
                (size_t)cl_dsu_union(&actor, (uint32_t)i, cl_dsu_find(&strong_actor, (uint32_t)i));
        }
        s = infrastructure_links(d, &actor, stats);
    }
    if (s == AP_OK && o->use_previous)
        s = previous_links(d, 2, &actor, &stats->previous_unions);
    for (size_t i = 0; s == AP_OK && i < n; i++)
        camp.parent[i] = cl_dsu_find(&camp, (uint32_t)i);
    if (s == AP_OK)
        s = fold_lone_incidents(d, &camp, &actor, stats);
    if (s == AP_OK) {
        uint32_t *size_c = calloc(n ? n : 1, sizeof *size_c), *size_a = calloc(n ? n : 1, sizeof *size_a);
        if (!size_c || !size_a)
            s = AP_ERR_NOMEM;
        for (size_t i = 0; s == AP_OK && i < n; i++) {
            d->incidents[i].campaign = camp.parent[i]; /* set by fold_lone_incidents */
            d->incidents[i].actor = cl_dsu_find(&actor, (uint32_t)i);
            if (++size_c[d->incidents[i].campaign] == 2)
                stats->campaigns++;
            if (++size_a[d->incidents[i].actor] == 2)
                stats->actors++;
        }
        free(size_c);
        free(size_a);
    }
    cl_dsu_free(&camp);
    cl_dsu_free(&actor);
    cl_dsu_free(&strong_actor);
    return s;
}
