/* graphml.c — the campaign graph (share/graph.h) as GraphML (http://graphml.graphdrawing.org/)
 * for Gephi, Cytoscape, yEd or networkx: the same nodes, edges and properties as the Neo4j
 * export, in one XML file (docs/export-neo4j.md, "GraphML").
 *
 * Keys are declared from the graph's column lists: one <key> per property name for nodes (the
 * `name` column becomes `label`, which Gephi shows) and one per property name for edges, plus
 * `kind` (the node label: Campaign, Incident, ...) and `type` (the relationship type). Node ids
 * are "<Label>:<id>" with every byte outside [A-Za-z0-9.:-] written as _XX, so they are valid
 * XML name tokens whatever the attacker put in a URL, and unique (the encoding is one-to-one).
 * Text is written with ap_escape_html, whose output is valid XML 1.0 content (& < > " ' as
 * entities, control characters as their visible Control Pictures, invalid UTF-8 as U+FFFD);
 * the two non-characters U+FFFE and U+FFFF, which XML forbids and HTML does not, are written
 * as U+FFFD here first. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "share/export.h"
#include "share/graph.h"
#include "util/escape.h"
#include "util/str.h"

#define MAX_KEYS 64

typedef struct key {
    const char *name; /* attr.name */
    ap_graph_col_type type;
} key;

typedef struct keyset {
    key node[MAX_KEYS], edge[MAX_KEYS];
    size_t nnode, nedge;
} keyset;

/* The property name a column is shown under ("name" is Gephi's "label"). */
static const char *prop_name(const ap_graph_col *c)
{
    return strcmp(c->name, "name") == 0 ? "label" : c->name;
}

static void keys_add(key *k, size_t *n, const char *name, ap_graph_col_type type)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(k[i].name, name) == 0)
            return; /* the schema gives one name one type (test_share_escape checks it) */
    if (*n < MAX_KEYS)
        k[(*n)++] = (key){name, type};
}

static void keys_collect(keyset *ks)
{
    memset(ks, 0, sizeof *ks);
    keys_add(ks->node, &ks->nnode, "kind", AP_GCOL_STR);
    keys_add(ks->edge, &ks->nedge, "type", AP_GCOL_STR);
    for (size_t i = 0; i < ap_graph_table_count(); i++) {
        const ap_graph_table *t = ap_graph_table_at(i);
        for (size_t j = 0; j < t->ncols; j++) {
            const ap_graph_col *c = &t->cols[j];
            if (c->type == AP_GCOL_ID || c->type == AP_GCOL_START || c->type == AP_GCOL_END)
                continue; /* in the node id and the edge ends */
            if (t->start)
                keys_add(ks->edge, &ks->nedge, prop_name(c), c->type);
            else
                keys_add(ks->node, &ks->nnode, prop_name(c), c->type);
        }
    }
}

static const char *graphml_type(ap_graph_col_type t)
{
    switch (t) {
    case AP_GCOL_INT: return "int";
    case AP_GCOL_LONG: return "long";
    case AP_GCOL_DOUBLE: return "double";
    default: return "string";
    }
}

/* Text content or attribute value: ap_escape_html, with U+FFFE/U+FFFF replaced (XML 1.0 Char
 * excludes them). */
static void xml_text(FILE *f, ap_str s)
{
    if (!s.p)
        return;
    size_t start = 0;
    for (size_t i = 0; s.n >= 3 && i <= s.n - 3; i++) {
        const unsigned char *p = (const unsigned char *)s.p + i;
        if (p[0] == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF)) {
            ap_escape_html(f, ap_str_make(s.p + start, i - start));
            fputs("\xEF\xBF\xBD", f);
            start = i + 3;
            i += 2;
        }
    }
    ap_escape_html(f, ap_str_make(s.p + start, s.n - start));
}

/* "<Label>:<id>" as an XML name token. */
static void node_id(FILE *f, const char *label, ap_str id)
{
    static const char hex[] = "0123456789abcdef";
    fprintf(f, "%s:", label);
    for (size_t i = 0; i < id.n; i++) {
        unsigned char c = (unsigned char)id.p[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '.' || c == ':' || c == '-')
            fputc(c, f);
        else
            fprintf(f, "_%c%c", hex[c >> 4], hex[c & 15]);
    }
}

static void data_value(FILE *f, const char *keyid, const ap_graph_col *c, const ap_graph_val *v)
{
    char b[64];
    fprintf(f, "<data key=\"%s\">", keyid);
    switch (c->type) {
    case AP_GCOL_INT:
    case AP_GCOL_LONG: fprintf(f, "%" PRId64, v->i); break;
    case AP_GCOL_DOUBLE: fputs(ap_graph_number(v->d, b, sizeof b), f); break;
    case AP_GCOL_TIME:
        ap_format_time(v->i, b, sizeof b);
        fputs(b, f);
        break;
    default: xml_text(f, v->s); break;
    }
    fputs("</data>", f);
}

/* Key ids: "n_<name>" for nodes, "e_<name>" for edges (names are this project's identifiers). */
static ap_status write_row(void *ctx, const ap_graph_table *t, const ap_graph_val *v)
{
    FILE *f = ctx;
    char keyid[64];
    if (!t->start) {
        fputs("    <node id=\"", f);
        node_id(f, t->name, v[0].s);
        fprintf(f, "\"><data key=\"n_kind\">%s</data>", t->name);
        for (size_t i = 1; i < t->ncols; i++) {
            if (!v[i].present)
                continue;
            snprintf(keyid, sizeof keyid, "n_%s", prop_name(&t->cols[i]));
            data_value(f, keyid, &t->cols[i], &v[i]);
        }
        fputs("</node>\n", f);
    } else {
        fputs("    <edge source=\"", f);
        node_id(f, t->start, v[0].s);
        fputs("\" target=\"", f);
        node_id(f, t->end, v[1].s);
        fprintf(f, "\"><data key=\"e_type\">%s</data>", t->name);
        for (size_t i = 2; i < t->ncols; i++) {
            if (!v[i].present)
                continue;
            snprintf(keyid, sizeof keyid, "e_%s", prop_name(&t->cols[i]));
            data_value(f, keyid, &t->cols[i], &v[i]);
        }
        fputs("</edge>\n", f);
    }
    return ferror(f) ? AP_ERR_IO : AP_OK;
}

static ap_status write_graphml(FILE *f, const ap_graph *g, const char *producer)
{
    keyset ks;
    keys_collect(&ks);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\"\n"
          "    xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
          "    xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns "
          "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n",
          f);
    fputs("  <desc>actorprint campaign graph, written by ", f);
    xml_text(f, ap_str_c(producer));
    fputs("</desc>\n", f);
    for (size_t i = 0; i < ks.nnode; i++)
        fprintf(f, "  <key id=\"n_%s\" for=\"node\" attr.name=\"%s\" attr.type=\"%s\"/>\n",
                ks.node[i].name, ks.node[i].name, graphml_type(ks.node[i].type));
    for (size_t i = 0; i < ks.nedge; i++)
        fprintf(f, "  <key id=\"e_%s\" for=\"edge\" attr.name=\"%s\" attr.type=\"%s\"/>\n",
                ks.edge[i].name, ks.edge[i].name, graphml_type(ks.edge[i].type));
    fputs("  <graph id=\"actorprint\" edgedefault=\"directed\">\n", f);
    /* nodes first (the table order puts every node table before the relationships) */
    for (size_t i = 0; i < ap_graph_table_count(); i++) {
        ap_status st = ap_graph_visit(g, ap_graph_table_at(i), write_row, f);
        if (st != AP_OK)
            return st;
    }
    fputs("  </graph>\n</graphml>\n", f);
    return ferror(f) ? AP_ERR_IO : AP_OK;
}

ap_status ap_export_graphml(const ap_model *m, const ap_export_options *opt, char *err,
                            size_t errlen)
{
    if (!m || !opt)
        return AP_ERR_ARG;
    const char *producer = opt->producer && opt->producer[0] ? opt->producer : "actorprint";
    ap_graph g;
    ap_status st = ap_graph_build(m, opt, &g);
    if (st != AP_OK) {
        snprintf(err, errlen, "building the graph: %s", ap_strerror(st));
        return st;
    }
    int close_it = 0;
    FILE *f = ap_export_open_file(opt, &close_it, err, errlen);
    if (!f) {
        ap_graph_free(&g);
        return AP_ERR_IO;
    }
    const char *what = close_it ? opt->out : "standard output";
    st = write_graphml(f, &g, producer);
    ap_status cst = ap_export_close(f, close_it, what, err, errlen);
    ap_graph_free(&g);
    if (st != AP_OK) {
        snprintf(err, errlen, "%s: %s", what, ap_strerror(st));
        return st;
    }
    return cst;
}
