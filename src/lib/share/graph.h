/* graph.h — the campaign model as one property graph, shared by the Neo4j export (CSV files and
 * Cypher scripts, neo4j.c) and the GraphML export (graphml.c), so both show the same nodes and
 * edges (docs/export-neo4j.md).
 *
 * Nodes: Campaign, Incident, Actor, IP, ASN, SSHKey, Malware (file hashes), URL, Technique.
 * Edges, all derived from the nodes below by the writers:
 *   Campaign -CONTAINS-> Incident        (campaign->incidents_idx)
 *   Campaign -ATTRIBUTED_TO-> Actor      (campaign->actor)
 *   Campaign -USES-> Technique           (campaign->techniques: sessions, incidents)
 *   Campaign -DOWNLOADED-> URL | Malware (url and sha256 IOCs: sessions, incidents)
 *   Campaign -INJECTED-> SSHKey          (ssh-key IOCs: keys written to authorized_keys)
 *   Campaign -OFFERED-> SSHKey           (client-key IOCs: keys offered at login)
 *   Incident -FROM-> IP                  (incident->src_ip)
 *   IP -IN_ASN-> ASN                     (incident->asn, with an ASN table)
 * Every node is listed once (value nodes deduplicated and sorted by value), so an edge's ends
 * always exist. The selection follows the exporter contract: one campaign, one actor's
 * campaigns, or everything (then also the incidents linked to no campaign). Node arrays point
 * into the model; free the graph before closing the model. */
#ifndef AP_SHARE_GRAPH_H
#define AP_SHARE_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "actorprint.h"
#include "util/str.h"

typedef struct ap_graph_ip {
    const char *ip;
    ap_str asn_id; /* "AS14061" (first word of the incident's asn), or n == 0 */
} ap_graph_ip;

typedef struct ap_graph_asn {
    ap_str id;        /* "AS14061" */
    const char *name; /* "AS14061 DIGITALOCEAN-ASN" as the ASN table gives it */
} ap_graph_asn;

typedef struct ap_graph {
    const ap_model *m;
    const ap_model_campaign **campaigns; /* by id */
    size_t ncampaigns;
    const ap_model_incident **incidents; /* by id */
    size_t nincidents;
    const ap_model_actor **actors; /* by id */
    size_t nactors;
    ap_graph_ip *ips; /* by address text */
    size_t nips;
    ap_graph_asn *asns; /* by id text */
    size_t nasns;
    const char **keys, **hashes, **urls; /* SSHKey, Malware, URL node values, sorted */
    size_t nkeys, nhashes, nurls;
    const ap_model_technique **techniques; /* one per technique id, sorted by id */
    size_t ntechniques;
} ap_graph;

/* Builds the graph of opt's selection. Return values: AP_OK; AP_ERR_NOMEM (g is then empty). */
ap_status ap_graph_build(const ap_model *m, const ap_export_options *opt, ap_graph *g);
void ap_graph_free(ap_graph *g);

/* A double as the exports write it: fixed point, at most 6 decimals, at least one ("2.0",
 * "0.041667"), so Cypher reads it as a float. Returns buf (n >= 64 is always enough). */
const char *ap_graph_number(double d, char *buf, size_t n);

/* The first word of an ASN text ("AS14061 DIGITALOCEAN-ASN" -> "AS14061"). */
ap_str ap_graph_asn_id(const char *asn);

/* ---- the graph's schema: one table per node label and relationship type ----
 *
 * A table lists its columns (name and type) and visits its rows, handing each row as one value
 * per column to a callback. The writers (neo4j.c: CSV headers, LOAD CSV conversions, inline
 * Cypher; graphml.c: keys and data) take everything from here, so they cannot disagree. */

typedef enum ap_graph_col_type {
    AP_GCOL_ID,    /* the node's id (a property `id`; unique within its label) */
    AP_GCOL_START, /* relationship: id of the start node */
    AP_GCOL_END,   /* relationship: id of the end node */
    AP_GCOL_STR,
    AP_GCOL_INT,
    AP_GCOL_LONG,
    AP_GCOL_DOUBLE,
    AP_GCOL_TIME,   /* microseconds since the epoch, a datetime */
    AP_GCOL_STRLIST /* ';'-separated list of the project's own tokens (tactic shortnames) */
} ap_graph_col_type;

typedef struct ap_graph_col {
    const char *name;
    ap_graph_col_type type;
} ap_graph_col;

typedef struct ap_graph_val {
    int present;  /* 0: no property (absent or empty text) */
    ap_str s;     /* ID, START, END, STR, STRLIST: attacker text in general */
    int64_t i;    /* INT, LONG, TIME */
    double d;     /* DOUBLE (finite) */
    char buf[32]; /* storage for an id formatted here ("C-12") */
} ap_graph_val;

#define AP_GRAPH_MAX_COLS 16

typedef struct ap_graph_table ap_graph_table;

/* Receives one row: v[i] is the value of t->cols[i]; the values live until it returns. */
typedef ap_status (*ap_graph_row_fn)(void *ctx, const ap_graph_table *t, const ap_graph_val *v);

struct ap_graph_table {
    const char *file;        /* file stem: "campaigns" */
    const char *name;        /* node label ("Campaign") or relationship type ("CONTAINS") */
    const char *start, *end; /* relationship: labels of its ends; NULL for a node table */
    const ap_graph_col *cols;
    size_t ncols;
    ap_status (*each)(const ap_graph *g, const ap_graph_table *t, ap_graph_row_fn row, void *ctx);
};

/* Node tables first (Campaign, Incident, Actor, IP, ASN, SSHKey, Malware, URL, Technique),
 * then relationship tables. */
size_t ap_graph_table_count(void);
const ap_graph_table *ap_graph_table_at(size_t i);
/* The node table of a label, or NULL. */
const ap_graph_table *ap_graph_table_find(const char *label);
/* Calls row for every row of t in a fixed order; stops at the first status other than AP_OK
 * and returns it. */
ap_status ap_graph_visit(const ap_graph *g, const ap_graph_table *t, ap_graph_row_fn row,
                         void *ctx);

#endif
