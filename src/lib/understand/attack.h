/* attack.h — MITRE ATT&CK: the technique table and the rules that map statements to techniques.
 *
 * Why it exists: campaigns are compared in ATT&CK's vocabulary, and an analyst must be able to
 * ask why a technique was assigned. Techniques come from a table (the shipped Enterprise v18.1
 * table, data/attack/, compiled in; or a newer ATT&CK STIX 2.1 bundle given at run time), rules
 * from a readable rules file (data/rules/attack.rules, compiled in; or another file given at run
 * time). Each rule has an id, one technique or sub-technique, a short reason, what it matches
 * (command names, argument/redirect/text patterns as PCRE2) and examples that must and must not
 * fire — the examples are the rule's own tests. Every rule's technique id is checked against the
 * table when the rules are loaded: an unknown id is an error; with a bundle that revokes or
 * deprecates it, a warning through the diagnostics callback.
 */
#ifndef AP_UNDERSTAND_ATTACK_H
#define AP_UNDERSTAND_ATTACK_H

#include <stdint.h>
#include "actorprint.h"
#include "understand/shell.h"
#include "util/str.h"

typedef enum ap_technique_status {
    AP_TECH_ACTIVE = 0,
    AP_TECH_DEPRECATED,
    AP_TECH_REVOKED
} ap_technique_status;

typedef struct ap_technique {
    const char *id;        /* "T1098.004" */
    const char *name;      /* "SSH Authorized Keys" (for sub-techniques: the sub-technique name) */
    const char *parent_name; /* name of the parent technique for sub-techniques, else NULL */
    const char *tactics;   /* comma-separated shortnames in matrix order: "persistence,privilege-escalation" */
    const char *stix_id;   /* attack-pattern--... */
    ap_technique_status status;
} ap_technique;

typedef struct ap_tactic {
    const char *id;        /* "TA0003" */
    const char *shortname; /* "persistence" */
    const char *name;      /* "Persistence" */
} ap_tactic;

/* The loaded table and compiled rules. Immutable after load except for per-handle match
 * scratch: use one handle per thread (loading is cheap: a few milliseconds). */
typedef struct ap_attack ap_attack;

typedef struct ap_attack_options {
    const char *rules_path;   /* NULL: the compiled-in data/rules/attack.rules */
    const char *bundle_path;  /* NULL: the compiled-in v18.1 table; else an ATT&CK STIX 2.1 bundle
                               * (enterprise-attack.json) whose attack-patterns replace the table */
    ap_diag_fn on_diag;       /* rule file errors and warnings, with file:line */
    void *diag_user;
} ap_attack_options;

/* Return values: AP_OK; AP_ERR_FORMAT when the rules or the bundle do not parse or a rule names
 * an unknown technique (each problem reported through on_diag with file:line); AP_ERR_IO;
 * AP_ERR_NOMEM. */
ap_status ap_attack_load(const ap_attack_options *opt, ap_attack **out);
void ap_attack_free(ap_attack *a);

/* A version string of table + rules (e.g. "attack-18.1/rules-<12 hex of the rules' hash>"):
 * stored with mapping results, which are recomputed when it changes. */
const char *ap_attack_version(const ap_attack *a);

const ap_technique *ap_attack_technique(const ap_attack *a, ap_str id);  /* NULL when unknown */
size_t ap_attack_technique_count(const ap_attack *a);
const ap_technique *ap_attack_technique_at(const ap_attack *a, size_t i);
size_t ap_attack_tactic_count(const ap_attack *a);
const ap_tactic *ap_attack_tactic_at(const ap_attack *a, size_t i);         /* matrix order */

/* One `example` or `counter` line of a rule: a command line as typed (\n \t \\ unescaped). */
typedef struct ap_rule_example {
    const char *text;
    unsigned line;
} ap_rule_example;

typedef struct ap_rule_info {
    const char *id;          /* "persist.ssh_authorized_keys" */
    const ap_technique *technique;
    const char *reason;      /* one sentence: why this behaviour is this technique */
    const char *file;        /* where the rule is defined */
    unsigned line;
    const ap_rule_example *examples;  /* must make the rule fire (>= 1) */
    size_t nexamples;
    const ap_rule_example *counters;  /* must not make it fire (>= 1) */
    size_t ncounters;
} ap_rule_info;
size_t ap_attack_rule_count(const ap_attack *a);
const ap_rule_info *ap_attack_rule_at(const ap_attack *a, size_t i);

/* Whether rule `rule` (index as for ap_attack_rule_at) fires on statement i of stmts[0..n).
 * Uses the handle's scratch. Returns 0 for an out-of-range rule or statement. */
int ap_attack_rule_fires(ap_attack *a, size_t rule, const ap_stmt *stmts, size_t n, size_t i);

/* Runs every rule's own tests: each example, parsed with ap_shell_parse, must make its rule
 * fire on at least one statement; each counter-example on none. Every failure is reported
 * through on_diag (AP_SEV_ERROR, reason "rule_example", the example's file:line); *failures
 * (may be NULL) is their number. Return values: AP_OK when all hold, AP_ERR_FORMAT when some
 * failed, AP_ERR_NOMEM. */
ap_status ap_attack_check_examples(ap_attack *a, ap_diag_fn on_diag, void *diag_user,
                                   size_t *failures);

/* One technique assigned to a statement, with the rule that fired. */
typedef struct ap_match {
    const ap_rule_info *rule;
    const ap_technique *technique;
} ap_match;

/* Maps statement `i` of a parsed input (stmts/n as returned by ap_shell_parse: rules may look at
 * the statements piped into or out of it, e.g. `curl ... | sh`). Writes at most `max` matches,
 * one per technique (the first rule that fires for a technique wins), in rule-file order; *count
 * is the number found (may exceed max). Return values: AP_OK, AP_ERR_NOMEM. */
ap_status ap_attack_map_stmt(ap_attack *a, const ap_stmt *stmts, size_t n, size_t i,
                             ap_match *out, size_t max, size_t *count);

/* The files statement i writes — output redirections (not 2>&1-style duplications), tee's files,
 * the destination of cp/mv/install/ln/scp/rsync, dd's of= — as the redirect-target matcher sees
 * them. *files is owned by `a` and valid until its next call. */
size_t ap_attack_written_files(ap_attack *a, const ap_stmt *stmts, size_t n, size_t i,
                               const ap_str **files);

#endif
