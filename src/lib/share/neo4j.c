/* neo4j.c — the campaign graph (share/graph.h) for Neo4j, three ways from one description
 * (docs/export-neo4j.md):
 *
 *   - one CSV per node label and per relationship type with `neo4j-admin database import`
 *     headers (id:ID(Campaign), incidents:int, first_seen:datetime, :LABEL; :START_ID(Campaign),
 *     :END_ID(Incident), :TYPE), the fastest way into an empty database;
 *   - import.cypher: the seed's LOAD CSV + MERGE pattern over the same files, for a database
 *     that already exists (the files go into Neo4j's import directory);
 *   - graph.cypher: the same nodes and relationships with the data inline (UNWIND of map
 *     literals, 1000 rows a statement), for cypher-shell or a cloud database that cannot read
 *     files;
 * plus README.txt with the commands.
 *
 * Each node label and relationship type is one table of the graph's schema (share/graph.c): its
 * columns (name and type) give the CSV header, the conversions in import.cypher and the keys in
 * graph.cypher, and its rows give the values, so the three outputs cannot drift apart. Attacker
 * text reaches the CSVs through ap_escape_neo4j_csv and the script through ap_escape_cypher
 * (share/cypher.h); everything else written here is a literal of this file, a number or a time.
 * Properties for Bloom: Campaign.incidents (size), Campaign.primary_tactic (colour), name on
 * every node (caption). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "share/cypher.h"
#include "share/export.h"
#include "share/graph.h"
#include "util/str.h"

#define CYPHER_BATCH 1000      /* rows per UNWIND statement in graph.cypher */
#define LOAD_CSV_BATCH "10000" /* rows per transaction in import.cypher */

/* ---- sinks: a CSV file or graph.cypher ---- */

typedef struct sink {
    FILE *f;
    int cypher;        /* graph.cypher rows instead of CSV rows */
    size_t batch_rows; /* rows in the open UNWIND statement */
} sink;

static void put_number(FILE *f, double d)
{
    char b[64];
    fputs(ap_graph_number(d, b, sizeof b), f);
}

static void csv_value(FILE *f, const ap_graph_col *c, const ap_graph_val *v)
{
    if (!v->present)
        return;
    char tb[40];
    switch (c->type) {
    case AP_GCOL_ID:
    case AP_GCOL_START:
    case AP_GCOL_END:
    case AP_GCOL_STR:
    case AP_GCOL_STRLIST: ap_escape_neo4j_csv(f, v->s); break;
    case AP_GCOL_INT:
    case AP_GCOL_LONG: fprintf(f, "%" PRId64, v->i); break;
    case AP_GCOL_DOUBLE: put_number(f, v->d); break;
    case AP_GCOL_TIME:
        ap_format_time(v->i, tb, sizeof tb);
        fputs(tb, f);
        break;
    }
}

/* A ';'-separated list as a Cypher list literal. */
static void cypher_list(FILE *f, ap_str s)
{
    fputc('[', f);
    size_t i = 0;
    int first = 1;
    while (i <= s.n && s.n > 0) {
        size_t j = i;
        while (j < s.n && s.p[j] != ';')
            j++;
        if (j > i) {
            if (!first)
                fputs(", ", f);
            ap_escape_cypher(f, ap_str_make(s.p + i, j - i));
            first = 0;
        }
        i = j + 1;
    }
    fputc(']', f);
}

static void cypher_value(FILE *f, const ap_graph_col *c, const ap_graph_val *v)
{
    char tb[40];
    switch (c->type) {
    case AP_GCOL_ID:
    case AP_GCOL_START:
    case AP_GCOL_END:
    case AP_GCOL_STR: ap_escape_cypher(f, v->s); break;
    case AP_GCOL_STRLIST: cypher_list(f, v->s); break;
    case AP_GCOL_INT:
    case AP_GCOL_LONG: fprintf(f, "%" PRId64, v->i); break;
    case AP_GCOL_DOUBLE: put_number(f, v->d); break;
    case AP_GCOL_TIME:
        ap_format_time(v->i, tb, sizeof tb);
        fprintf(f, "datetime('%s')", tb); /* our own digits and punctuation */
        break;
    }
}

static const char *cypher_key(const ap_graph_col *c)
{
    return c->type == AP_GCOL_START ? "s" : c->type == AP_GCOL_END ? "e" : c->name;
}

/* The statement that closes an UNWIND batch of table t. */
static void cypher_batch_end(FILE *f, const ap_graph_table *t)
{
    if (!t->start) {
        fprintf(f, "\n] AS row MERGE (n:`%s` {id: row.id}) SET n += row;\n", t->name);
        return;
    }
    fprintf(f,
            "\n] AS row MATCH (a:`%s` {id: row.s}) MATCH (b:`%s` {id: row.e}) "
            "MERGE (a)-[r:`%s`]->(b) SET r += row.p;\n",
            t->start, t->end, t->name);
}

/* The row callback: one CSV record, or one map literal of an UNWIND batch. */
static ap_status emit(void *ctx, const ap_graph_table *t, const ap_graph_val *v)
{
    sink *k = ctx;
    FILE *f = k->f;
    if (!k->cypher) {
        for (size_t i = 0; i < t->ncols; i++) {
            csv_value(f, &t->cols[i], &v[i]);
            fputc(',', f);
        }
        fprintf(f, "%s\n", t->name);
        return ferror(f) ? AP_ERR_IO : AP_OK;
    }
    if (k->batch_rows == CYPHER_BATCH) {
        cypher_batch_end(f, t);
        k->batch_rows = 0;
    }
    fputs(k->batch_rows ? ",\n{" : "UNWIND [\n{", f);
    k->batch_rows++;
    /* node: {id: .., prop: ..}; relationship: {s: .., e: .., p: {prop: ..}} */
    int first = 1, in_props = 0;
    for (size_t i = 0; i < t->ncols; i++) {
        const ap_graph_col *c = &t->cols[i];
        int is_end = c->type == AP_GCOL_START || c->type == AP_GCOL_END;
        if (t->start && !is_end && !in_props) {
            fputs(first ? "p: {" : ", p: {", f);
            in_props = 1;
            first = 1;
        }
        if (!v[i].present)
            continue;
        fprintf(f, "%s%s: ", first ? "" : ", ", cypher_key(c));
        cypher_value(f, c, &v[i]);
        first = 0;
    }
    if (t->start && !in_props)
        fputs(", p: {", f);
    fputs(t->start ? "}}" : "}", f);
    return ferror(f) ? AP_ERR_IO : AP_OK;
}

/* ---- headers and scripts, from the column lists ---- */

static const char *type_suffix(ap_graph_col_type t)
{
    switch (t) {
    case AP_GCOL_INT: return ":int";
    case AP_GCOL_LONG: return ":long";
    case AP_GCOL_DOUBLE: return ":double";
    case AP_GCOL_TIME: return ":datetime";
    case AP_GCOL_STRLIST: return ":string[]";
    default: return "";
    }
}

/* The header name of a column, as neo4j-admin wants it and LOAD CSV sees it. */
static void header_name(char *b, size_t n, const ap_graph_table *t, const ap_graph_col *c)
{
    switch (c->type) {
    case AP_GCOL_ID: snprintf(b, n, "%s:ID(%s)", c->name, t->name); break;
    case AP_GCOL_START: snprintf(b, n, ":START_ID(%s)", t->start); break;
    case AP_GCOL_END: snprintf(b, n, ":END_ID(%s)", t->end); break;
    default: snprintf(b, n, "%s%s", c->name, type_suffix(c->type)); break;
    }
}

static void csv_header(FILE *f, const ap_graph_table *t)
{
    char h[96];
    for (size_t i = 0; i < t->ncols; i++) {
        header_name(h, sizeof h, t, &t->cols[i]);
        fprintf(f, "%s,", h);
    }
    fputs(t->start ? ":TYPE\n" : ":LABEL\n", f);
}

/* row.`header` converted to the column's type, for import.cypher. */
static void load_csv_expr(FILE *f, const ap_graph_table *t, const ap_graph_col *c)
{
    char h[96];
    header_name(h, sizeof h, t, c);
    switch (c->type) {
    case AP_GCOL_INT:
    case AP_GCOL_LONG: fprintf(f, "toInteger(row.`%s`)", h); break;
    case AP_GCOL_DOUBLE: fprintf(f, "toFloat(row.`%s`)", h); break;
    case AP_GCOL_TIME: fprintf(f, "datetime(row.`%s`)", h); break;
    case AP_GCOL_STRLIST: fprintf(f, "split(row.`%s`, ';')", h); break;
    default: fprintf(f, "row.`%s`", h); break;
    }
}

static void load_csv_statement(FILE *f, const ap_graph_table *t)
{
    fprintf(f, "LOAD CSV WITH HEADERS FROM 'file:///%s.csv' AS row\nCALL {\n  WITH row\n", t->file);
    const char *var = t->start ? "r" : "n";
    if (!t->start) {
        fprintf(f, "  MERGE (n:`%s` {id: ", t->name);
        load_csv_expr(f, t, &t->cols[0]);
        fputs("})\n", f);
    } else {
        fprintf(f, "  MATCH (a:`%s` {id: ", t->start);
        load_csv_expr(f, t, &t->cols[0]);
        fprintf(f, "})\n  MATCH (b:`%s` {id: ", t->end);
        load_csv_expr(f, t, &t->cols[1]);
        fprintf(f, "})\n  MERGE (a)-[r:`%s`]->(b)\n", t->name);
    }
    int first = 1;
    for (size_t i = 0; i < t->ncols; i++) {
        const ap_graph_col *c = &t->cols[i];
        if (c->type == AP_GCOL_ID || c->type == AP_GCOL_START || c->type == AP_GCOL_END)
            continue;
        fprintf(f, "%s%s.%s = ", first ? "  SET " : ",\n      ", var, c->name);
        load_csv_expr(f, t, c);
        first = 0;
    }
    if (!first)
        fputc('\n', f);
    fputs("} IN TRANSACTIONS OF " LOAD_CSV_BATCH " ROWS;\n\n", f);
}

/* The producer is the user's text: in a // comment it must not end the line early (printable
 * ASCII only, anything else as '?'). */
static void put_comment_text(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(*p >= 0x20 && *p < 0x7F ? *p : '?', f);
}

static void constraints(FILE *f)
{
    for (size_t i = 0; i < ap_graph_table_count(); i++) {
        const ap_graph_table *t = ap_graph_table_at(i);
        if (t->start)
            continue;
        char lower[32];
        size_t n = 0;
        for (const char *p = t->name; *p && n + 1 < sizeof lower; p++)
            lower[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
        lower[n] = '\0';
        fprintf(f, "CREATE CONSTRAINT %s_id IF NOT EXISTS FOR (n:%s) REQUIRE n.id IS UNIQUE;\n",
                lower, t->name);
    }
    fputc('\n', f);
}

static void write_import_cypher(FILE *f, const char *producer)
{
    fprintf(f, "// import.cypher — the campaign graph through LOAD CSV, for an existing database\n"
               "// (Neo4j 4.4 or later). Copy the CSV files of this directory into the database's\n"
               "// import directory, then: cypher-shell -u neo4j -p PASSWORD -f import.cypher\n"
               "// (in Neo4j Browser, run each statement with :auto in front). Written by ");
    put_comment_text(f, producer);
    fputs(".\n\n", f);
    constraints(f);
    for (size_t i = 0; i < ap_graph_table_count(); i++)
        load_csv_statement(f, ap_graph_table_at(i));
}

static void write_readme(FILE *f)
{
    fputs("actorprint campaign graph for Neo4j (docs/export-neo4j.md)\n\n"
          "1. Empty database, fastest (Neo4j 5; stop the database first):\n\n"
          "   neo4j-admin database import full --overwrite-destination \\\n",
          f);
    for (size_t i = 0; i < ap_graph_table_count(); i++) {
        const ap_graph_table *t = ap_graph_table_at(i);
        fprintf(f, "     --%s=%s.csv \\\n", t->start ? "relationships" : "nodes", t->file);
    }
    fputs(
        "     --array-delimiter=';' neo4j\n\n"
        "   (run it in this directory; Neo4j 4.4: neo4j-admin import --database=neo4j with the\n"
        "   same --nodes and --relationships options)\n\n"
        "2. Existing database: copy the .csv files into Neo4j's import directory, then\n\n"
        "   cypher-shell -u neo4j -p PASSWORD -f import.cypher\n\n"
        "3. No file access (Aura, a remote server): the data inline\n\n"
        "   cypher-shell -a neo4j+s://HOST -u neo4j -p PASSWORD -f graph.cypher\n\n"
        "Bloom: size Campaign by incidents, colour it by primary_tactic; every node has a name.\n",
        f);
}

/* ---- the export ---- */

static ap_status write_csv_files(const ap_export_options *opt, const ap_graph *g, char *err,
                                 size_t errlen)
{
    for (size_t i = 0; i < ap_graph_table_count(); i++) {
        const ap_graph_table *t = ap_graph_table_at(i);
        char name[64];
        snprintf(name, sizeof name, "%s.csv", t->file);
        FILE *f = ap_export_open_in_dir(opt, name, err, errlen);
        if (!f)
            return AP_ERR_IO;
        csv_header(f, t);
        sink k = {.f = f};
        ap_status st = ap_graph_visit(g, t, emit, &k);
        ap_status cst = ap_export_close(f, 1, name, err, errlen);
        if (st != AP_OK) {
            snprintf(err, errlen, "%s: %s", name, ap_strerror(st));
            return st;
        }
        if (cst != AP_OK)
            return cst;
    }
    return AP_OK;
}

static ap_status write_graph_cypher(FILE *f, const ap_graph *g, const char *producer)
{
    fputs("// graph.cypher — the campaign graph with its data inline, for a database that cannot\n"
          "// read files: cypher-shell -u neo4j -p PASSWORD -f graph.cypher. Written by ",
          f);
    put_comment_text(f, producer);
    fputs(".\n\n", f);
    constraints(f);
    for (size_t i = 0; i < ap_graph_table_count(); i++) {
        const ap_graph_table *t = ap_graph_table_at(i);
        sink k = {.f = f, .cypher = 1};
        ap_status st = ap_graph_visit(g, t, emit, &k);
        if (st != AP_OK)
            return st;
        if (k.batch_rows)
            cypher_batch_end(f, t);
    }
    return ferror(f) ? AP_ERR_IO : AP_OK;
}

typedef ap_status (*text_fn)(FILE *f, const ap_graph *g, const char *producer);

static ap_status text_import(FILE *f, const ap_graph *g, const char *producer)
{
    (void)g;
    write_import_cypher(f, producer);
    return ferror(f) ? AP_ERR_IO : AP_OK;
}

static ap_status text_readme(FILE *f, const ap_graph *g, const char *producer)
{
    (void)g;
    (void)producer;
    write_readme(f);
    return ferror(f) ? AP_ERR_IO : AP_OK;
}

static ap_status write_text_file(const ap_export_options *opt, const char *name, text_fn fn,
                                 const ap_graph *g, const char *producer, char *err, size_t errlen)
{
    FILE *f = ap_export_open_in_dir(opt, name, err, errlen);
    if (!f)
        return AP_ERR_IO;
    ap_status st = fn(f, g, producer);
    ap_status cst = ap_export_close(f, 1, name, err, errlen);
    if (st != AP_OK) {
        snprintf(err, errlen, "%s: %s", name, ap_strerror(st));
        return st;
    }
    return cst;
}

ap_status ap_export_neo4j(const ap_model *m, const ap_export_options *opt, char *err, size_t errlen)
{
    if (!m || !opt)
        return AP_ERR_ARG;
    ap_status st = ap_export_need_dir(opt, err, errlen);
    if (st != AP_OK)
        return st;
    const char *producer = opt->producer && opt->producer[0] ? opt->producer : "actorprint";
    ap_graph g;
    if ((st = ap_graph_build(m, opt, &g)) != AP_OK) {
        snprintf(err, errlen, "building the graph: %s", ap_strerror(st));
        return st;
    }
    st = write_csv_files(opt, &g, err, errlen);
    if (st == AP_OK)
        st = write_text_file(opt, "import.cypher", text_import, &g, producer, err, errlen);
    if (st == AP_OK)
        st = write_text_file(opt, "graph.cypher", write_graph_cypher, &g, producer, err, errlen);
    if (st == AP_OK)
        st = write_text_file(opt, "README.txt", text_readme, &g, producer, err, errlen);
    ap_graph_free(&g);
    return st;
}
