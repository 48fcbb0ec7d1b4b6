/* model.h — the cluster stage's in-memory model: sessions with their behavioural tokens,
 * incidents, and the links that make campaigns and actors. Shared by the files of
 * src/lib/cluster/ (load.c fills it, incidents.c groups it, link.c links it, ids.c numbers it,
 * report.c and features.c read it); nothing outside the stage sees it.
 *
 * Tokens are how every fingerprint is compared: a 64-bit value whose top 5 bits say what kind of
 * evidence it is (an injected key, a credential pair, a command n-gram, a /24...) and whose
 * other bits are a hash of the evidence. Store string ids are content hashes, so a token is the
 * same in every run and every store. */
#ifndef AP_CLUSTER_MODEL_H
#define AP_CLUSTER_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "actorprint.h"
#include "util/arena.h"
#include "util/idmap.h"

/* Token kinds. Strong (1-7): rare identifiers that tie incidents together by themselves.
 * Behaviour (8-13): what was done. Infrastructure (16-21): where from and with what tool. */
typedef enum cl_kind {
    TK_KEY = 1,   /* SSH public key written to authorized_keys (actor level) */
    TK_CLIENTKEY, /* public key the client offered (actor level) */
    TK_HASH,      /* downloaded/uploaded file hash, hash in a command */
    TK_URL,       /* download URL, URL in a command */
    TK_HOST,      /* host of such a URL, domain or IP in a command (C2) */
    TK_WALLET,    /* cryptocurrency wallet (actor level) */
    TK_TAG,       /* busybox tag, echo marker */
    TK_NGRAM = 8, /* normalised statement n-gram (n = 1..3) */
    TK_TECH,      /* ATT&CK technique */
    TK_CRED,      /* (username, password) tried */
    TK_CREDSEQ,   /* two consecutive credential pairs of one connection: the list's order */
    TK_FWD,       /* direct-tcpip destination host:port */
    TK_USER,      /* username tried */
    TK_PASS,      /* password tried (reports only) */
    TK_NET = 16,  /* /24 (IPv4) or /48 (IPv6) of the source */
    TK_ASN,       /* autonomous system of the source */
    TK_TOOL,      /* client tooling: version + HASSH, or "telnet" */
    TK_IP,        /* the source address itself */
    TK_HASSH,     /* HASSH of the client (reports only; tooling is TK_TOOL) */
    TK_KIND_MAX = 31
} cl_kind;

#define CL_KIND_SHIFT 59
static inline uint64_t cl_token(cl_kind k, uint64_t h)
{
    return ((uint64_t)k << CL_KIND_SHIFT) | (h & ((UINT64_C(1) << CL_KIND_SHIFT) - 1)) | 1u;
}
static inline cl_kind cl_token_kind(uint64_t t) { return (cl_kind)(t >> CL_KIND_SHIFT); }
static inline int cl_kind_strong(cl_kind k) { return k >= TK_KEY && k <= TK_TAG; }
static inline int cl_kind_actor_level(cl_kind k)
{
    return k == TK_KEY || k == TK_CLIENTKEY || k == TK_WALLET;
}

/* A growable array of 64-bit values. */
typedef struct cl_u64v {
    uint64_t *v;
    size_t n, cap;
} cl_u64v;
ap_status cl_u64v_push(cl_u64v *a, uint64_t x);
void cl_u64v_free(cl_u64v *a);
/* Sorts v[0..n-1] and removes duplicates; returns the new count. */
size_t cl_sort_unique(uint64_t *v, size_t n);

typedef struct cl_session {
    int64_t id;         /* store row id */
    int64_t src_ip_id;  /* store string id of the source address */
    int64_t start_us, end_us;
    uint64_t tool;      /* TK_TOOL token (0: no client seen, not telnet) */
    const char *name;   /* Cowrie session id */
    const char *ip;     /* source address text */
    const char *client; /* client version text or NULL */
    const char *hassh;  /* HASSH text or NULL */
    uint32_t sensor;    /* index into cl_data.sensors */
    uint32_t incident;  /* index into cl_data.incidents */
    size_t tok_off;     /* tokens: cl_data.tok.v[tok_off .. tok_off + tok_n) */
    uint32_t tok_n;
    uint32_t commands, logins, failed, succeeded, downloads, uploads, forwards, client_keys;
    int64_t first_cmd_us, last_cmd_us;
    double pw_entropy;  /* sum over tried passwords of their Shannon entropy (bits/char) */
} cl_session;

typedef struct cl_incident {
    uint32_t first, n;  /* sessions: cl_data.order[first .. first + n) (indices into sessions) */
    int64_t id;         /* stable id: the smallest session row id */
    int64_t start_us, end_us;
    uint64_t tool;      /* most frequent tooling token of its sessions */
    size_t tok_off;     /* sorted unique tokens: cl_data.itok.v[tok_off .. tok_off + tok_n) */
    uint32_t tok_n;
    uint32_t campaign;  /* component index after linking (campaign level) */
    uint32_t actor;     /* component index after linking (actor level) */
} cl_incident;

/* Per distinct command text: what its statements contribute (filled from the mapping tables). */
typedef struct cl_input {
    size_t stmt_off;   /* normal-form ids: cl_data.stmts.v[stmt_off .. + stmt_n) */
    uint32_t stmt_n;
    size_t tok_off;    /* tokens (techniques, IOCs, keys): cl_data.intok.v[...] */
    uint32_t tok_n;
} cl_input;

typedef struct cl_data {
    ap_arena arena;        /* texts */
    char **sensors;
    size_t nsensors;
    cl_session *sessions;
    size_t nsessions, sessions_cap;
    ap_idmap session_idx;  /* store session id -> index */
    cl_u64v tok;           /* session tokens */
    uint32_t *order;       /* sessions sorted by (source, start) */
    cl_incident *incidents;
    size_t nincidents;
    cl_u64v itok;          /* incident tokens */
    /* mapping results per command text */
    ap_idmap input_idx;
    cl_input *inputs;
    size_t ninputs, inputs_cap;
    cl_u64v stmts, intok;
    /* technique text by token (for reports): token -> index into tech_names */
    ap_idmap tech_idx;
    char **tech_names;
    char **tech_tactic;    /* tactics of each technique, ';'-separated, or NULL */
    char **tech_title;     /* name of each technique, or NULL */
    uint64_t *tech_tokens; /* TK_TECH token of each technique */
    /* (unigram n-gram token, technique index) of every mapped statement, for examples */
    struct cl_normal_tech {
        uint64_t tok;
        uint32_t tech;
        uint32_t pad_;
    } *normal_tech;
    size_t nnormal_tech, normal_tech_cap;
    size_t ntech, tech_cap;
    /* per token kind display text (keys, hashes, URLs, nets, ASNs): token -> text */
    ap_idmap label_idx;
    char **labels;
    size_t nlabels, labels_cap;
    /* previous run */
    ap_idmap prev_idx;     /* session id -> index into prev */
    int64_t (*prev)[3];    /* incident, campaign, actor */
    size_t nprev, prev_cap;
} cl_data;

void cl_data_init(cl_data *d);
void cl_data_free(cl_data *d);

/* Remembers a display text for token t (first one wins). */
ap_status cl_label(cl_data *d, uint64_t t, const char *s, size_t n);
const char *cl_label_of(const cl_data *d, uint64_t t);

/* load.c: reads sessions and their evidence from the store. asn may be NULL. */
typedef struct ap_asn_db ap_asn_db;
ap_status cl_load(ap_store *st, cl_data *d, char *err, size_t errlen);

/* incidents.c: groups sessions by source address with gaps < gap_us; fills incidents, order,
 * session.incident and the incident tokens (session tokens + infrastructure). */
ap_status cl_build_incidents(cl_data *d, int64_t gap_us, const ap_asn_db *asn);
/* Appends the infrastructure tokens of a session's source to t: TK_IP, TK_NET (/24 or /48) and,
 * with an ASN table, TK_ASN, with their display labels. */
ap_status cl_add_infra(cl_data *d, cl_u64v *t, const cl_session *s, const ap_asn_db *asn);

/* ---- linking (link.c) ---- */

typedef struct cl_link_options {
    double behaviour_jaccard;   /* min estimated Jaccard of behaviour sets (default 0.5) */
    unsigned min_behaviour;     /* min behaviour tokens for an incident to take part (default 3) */
    unsigned generic_tools;     /* a strong token seen with >= this many toolings ... */
    double generic_top_share;   /* ... none holding >= this share is generic (defaults 4, 0.6) */
    int use_previous;           /* keep together what the last run put together (default 1) */
} cl_link_options;
void cl_link_options_init(cl_link_options *o);

typedef struct cl_link_stats {
    size_t strong_tokens, generic_tokens, strong_unions;
    size_t behaviour_candidates, behaviour_unions;
    size_t infra_unions, actor_unions;
    size_t folded; /* lone incidents given their actor's campaign */
    size_t previous_unions; /* joins kept from the last run */
    size_t campaigns, actors; /* components with >= 2 incidents */
} cl_link_stats;

/* Sets incident.campaign and incident.actor to component representatives (incident indices). */
ap_status cl_link(cl_data *d, const cl_link_options *o, cl_link_stats *stats);

/* Union-find over n elements. */
typedef struct cl_dsu {
    uint32_t *parent;
    uint8_t *rank;
    size_t n;
} cl_dsu;
ap_status cl_dsu_init(cl_dsu *u, size_t n);
uint32_t cl_dsu_find(cl_dsu *u, uint32_t x);
int cl_dsu_union(cl_dsu *u, uint32_t a, uint32_t b); /* 1 when two sets were joined */
void cl_dsu_free(cl_dsu *u);

#endif
