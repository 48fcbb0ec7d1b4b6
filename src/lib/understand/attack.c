/* attack.c — maps parsed statements to ATT&CK techniques with the compiled rules.
 *
 * Why it exists: this is the hot path of the mapper (every statement of every session goes
 * through it, at hundreds of thousands a second). A statement runs the rules indexed under its
 * command name, and those rules without a cmd matcher whose gate (attack_gate: via bits, a
 * written file, a command word, the folded bigrams of their literals) it passes. Within a rule
 * the cheap matchers (via, cmd, neighbours, redirect targets) run before the regexes, and a
 * regex is skipped when the bigram bitmap of its subject (or memmem) shows none of the literals
 * it requires. The joined arguments, the pipeline text, the written files and the bitmaps are
 * computed once per statement, on first use.
 */
#define _GNU_SOURCE /* memmem */
#include "understand/attack_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/file.h"
#include "util/hash.h"

#define ATTACK_EMBEDDED_RULES "data/rules/attack.rules"
#define ATTACK_MATCH_LIMIT 1000000u   /* PCRE2 backtracking bound per match: attacker text */
#define ATTACK_RULES_MAX (64u << 20)  /* a rules file larger than this is not a rules file */

extern const char ap_embedded_attack_rules[];
extern const size_t ap_embedded_attack_rules_len;

/* ---- loading -------------------------------------------------------------------------- */

ap_status ap_attack_load(const ap_attack_options *opt, ap_attack **out)
{
    static const ap_attack_options defaults;
    if (!out)
        return AP_ERR_ARG;
    *out = NULL;
    if (!opt)
        opt = &defaults;
    ap_attack *a = calloc(1, sizeof *a);
    if (!a)
        return AP_ERR_NOMEM;
    ap_arena_init(&a->arena, 256 * 1024);
    ap_status st = ap_attack_table_load(a, opt->bundle_path, opt->on_diag, opt->diag_user);
    if (st != AP_OK)
        goto fail;
    if (opt->rules_path) {
        char *text = NULL;
        size_t len = 0;
        st = ap_read_file(opt->rules_path, ATTACK_RULES_MAX, &text, &len);
        if (st == AP_ERR_LIMIT)
            st = AP_ERR_FORMAT; /* larger than any rules file */
        if (st != AP_OK) {
            ap_attack_report(opt->on_diag, opt->diag_user, AP_SEV_ERROR, opt->rules_path, 0,
                             st == AP_ERR_IO ? "open_error" : "attack_rules",
                             st == AP_ERR_IO ? "cannot read the rules file"
                                             : "cannot load the rules file (%s)",
                             ap_strerror(st));
            goto fail;
        }
        st = ap_attack_rules_compile(a, ap_str_make(text, len), opt->rules_path, opt->on_diag,
                                     opt->diag_user);
        free(text);
    } else {
        st = ap_attack_rules_compile(a, ap_str_make(ap_embedded_attack_rules, ap_embedded_attack_rules_len),
                                     ATTACK_EMBEDDED_RULES, opt->on_diag, opt->diag_user);
    }
    if (st != AP_OK)
        goto fail;
    a->mctx = pcre2_match_context_create(NULL);
    a->md = pcre2_match_data_create(1, NULL);
    a->seen = ap_arena_alloc(&a->arena, (a->nrules + 1) * sizeof *a->seen);
    if (!a->mctx || !a->md || !a->seen) {
        st = AP_ERR_NOMEM;
        goto fail;
    }
    pcre2_set_match_limit(a->mctx, ATTACK_MATCH_LIMIT);
    pcre2_set_depth_limit(a->mctx, ATTACK_MATCH_LIMIT / 10);
    *out = a;
    return AP_OK;
fail:
    ap_attack_free(a);
    return st;
}

void ap_attack_free(ap_attack *a)
{
    if (!a)
        return;
    ap_attack_rules_free(a);
    pcre2_match_data_free(a->md);
    pcre2_match_context_free(a->mctx);
    free(a->args_buf);
    free(a->pipe_buf);
    free(a->targets);
    ap_arena_free(&a->arena);
    free(a);
}

const char *ap_attack_version(const ap_attack *a) { return a ? a->version : ""; }

size_t ap_attack_rule_count(const ap_attack *a) { return a ? a->nrules : 0; }

const ap_rule_info *ap_attack_rule_at(const ap_attack *a, size_t i)
{
    return a && i < a->nrules ? &a->rules[i].info : NULL;
}

/* ---- what a statement offers the matchers --------------------------------------------- */

/* The bigram bitmap of a subject (see attack_internal.h). */
typedef struct bigram_map {
    int ready;
    uint64_t w[ATTACK_BIGRAM_BITS / 64];
} bigram_map;

typedef struct stmt_ctx {
    const ap_stmt *stmts;
    size_t n, i;
    const ap_stmt *s;
    int have_args, have_targets, have_pipeline, nomem;
    ap_str args, pipeline;
    size_t ntargets;
    bigram_map text_bits, args_bits, pipe_bits;
    int have_fold_text, have_fold_args;
    uint64_t fold_text[ATTACK_FOLD_WORDS], fold_args[ATTACK_FOLD_WORDS];
} stmt_ctx;

static void stmt_ctx_init(stmt_ctx *x, const ap_stmt *stmts, size_t n, size_t i)
{
    x->stmts = stmts;
    x->n = n;
    x->i = i;
    x->s = &stmts[i];
    x->have_args = x->have_targets = x->have_pipeline = x->nomem = 0;
    x->args = x->pipeline = AP_STR_NULL;
    x->ntargets = 0;
    x->text_bits.ready = x->args_bits.ready = x->pipe_bits.ready = 0;
    x->have_fold_text = x->have_fold_args = 0;
}

static const bigram_map *bigrams_of(bigram_map *m, ap_str s)
{
    if (m->ready)
        return m;
    memset(m->w, 0, sizeof m->w);
    const unsigned char *p = (const unsigned char *)s.p;
    for (size_t k = 0; s.n > 1 && k + 1 < s.n; k++) {
        unsigned b = attack_bigram(p[k], p[k + 1]);
        m->w[b >> 6] |= (uint64_t)1 << (b & 63);
    }
    m->ready = 1;
    return m;
}

static ap_str nonnull(ap_str s) { return s.p ? s : ap_str_make("", 0); }

/* The arguments after the command name, joined by single spaces. */
static ap_str stmt_args(ap_attack *a, stmt_ctx *x)
{
    if (x->have_args)
        return x->args;
    x->have_args = 1;
    const ap_stmt *s = x->s;
    x->args = ap_str_make("", 0);
    if (!s->argv || s->cmd_index + 1 >= s->argc)
        return x->args;
    size_t len = 0;
    for (size_t k = s->cmd_index + 1; k < s->argc; k++)
        len += s->argv[k].n + 1;
    if (len > a->args_cap) {
        size_t cap = a->args_cap ? a->args_cap : 256;
        while (cap < len)
            cap *= 2;
        char *b = realloc(a->args_buf, cap);
        if (!b) {
            x->nomem = 1;
            return x->args;
        }
        a->args_buf = b;
        a->args_cap = cap;
    }
    size_t o = 0;
    for (size_t k = s->cmd_index + 1; k < s->argc; k++) {
        if (k > s->cmd_index + 1)
            a->args_buf[o++] = ' ';
        if (s->argv[k].n)
            memcpy(a->args_buf + o, s->argv[k].p, s->argv[k].n);
        o += s->argv[k].n;
    }
    x->args = ap_str_make(a->args_buf, o);
    return x->args;
}

static int push_target(ap_attack *a, stmt_ctx *x, ap_str t)
{
    if (!t.p)
        return 1;
    if (x->ntargets == a->targets_cap) {
        size_t cap = a->targets_cap ? a->targets_cap * 2 : 16;
        ap_str *v = realloc(a->targets, cap * sizeof *v);
        if (!v) {
            x->nomem = 1;
            return 0;
        }
        a->targets = v;
        a->targets_cap = cap;
    }
    a->targets[x->ntargets++] = t;
    return 1;
}

static int is_option(ap_str w) { return w.n > 1 && w.p[0] == '-'; }

/* Files the statement writes: output redirections (not fd duplications like 2>&1), tee's
 * files, the destination of cp/mv/install/ln/scp/rsync, dd's of=. */
static void stmt_targets(ap_attack *a, stmt_ctx *x)
{
    if (x->have_targets)
        return;
    x->have_targets = 1;
    x->ntargets = 0;
    const ap_stmt *s = x->s;
    for (size_t k = 0; k < s->nredir; k++) {
        ap_str op = s->redir[k].op;
        if (!op.p || !memchr(op.p, '>', op.n))
            continue;
        /* >&2, 2>&1, >&- duplicate descriptors; `>& FILE` writes FILE */
        ap_str t = s->redir[k].target;
        int dup = 0;
        for (size_t c = 0; c + 1 < op.n; c++)
            dup |= op.p[c] == '>' && op.p[c + 1] == '&';
        if (dup) {
            int fd = t.n == 0 || (t.n == 1 && t.p[0] == '-');
            if (!fd) {
                fd = 1;
                for (size_t c = 0; c < t.n; c++)
                    fd &= t.p[c] >= '0' && t.p[c] <= '9';
            }
            if (fd)
                continue;
        }
        if (!push_target(a, x, t))
            return;
    }
    if (!s->argv || s->cmd.n == 0 || s->cmd_index >= s->argc)
        return;
    size_t first = s->cmd_index + 1;
    ap_str cmd = s->cmd;
    if (cmd.n < 2 || cmd.n > 7) {
        return;
    } else if (ap_str_eq(cmd, AP_STR_LIT("tee"))) {
        for (size_t k = first; k < s->argc; k++)
            if (!is_option(s->argv[k]) && !push_target(a, x, s->argv[k]))
                return;
    } else if (ap_str_eq(cmd, AP_STR_LIT("dd"))) {
        for (size_t k = first; k < s->argc; k++)
            if (ap_str_starts(s->argv[k], "of=") &&
                !push_target(a, x, ap_str_make(s->argv[k].p + 3, s->argv[k].n - 3)))
                return;
    } else if (ap_str_eq(cmd, AP_STR_LIT("cp")) || ap_str_eq(cmd, AP_STR_LIT("mv")) ||
               ap_str_eq(cmd, AP_STR_LIT("install")) || ap_str_eq(cmd, AP_STR_LIT("ln")) ||
               ap_str_eq(cmd, AP_STR_LIT("scp")) || ap_str_eq(cmd, AP_STR_LIT("rsync"))) {
        size_t operands = 0;
        ap_str last = AP_STR_NULL;
        for (size_t k = first; k < s->argc; k++) {
            ap_str w = s->argv[k];
            if (ap_str_eq_c(w, "-t") && k + 1 < s->argc)
                return (void)push_target(a, x, s->argv[k + 1]);
            if (ap_str_starts(w, "--target-directory="))
                return (void)push_target(a, x, ap_str_make(w.p + 19, w.n - 19));
            if (!is_option(w)) {
                operands++;
                last = w;
            }
        }
        if (operands >= 2)
            push_target(a, x, last);
    }
}

/* The statement piped into statement i (`A | i`): its previous sibling at the same nesting
 * level when that one's connector is a pipe; -1 when none. Children of earlier statements
 * are skipped by climbing their parent links. */
static long pipe_prev(const ap_stmt *stmts, size_t i)
{
    long p = stmts[i].parent, k = (long)i - 1;
    while (k > p && stmts[k].parent != p) {
        long up = stmts[k].parent;
        if (up < 0 || up >= k)
            return -1;
        k = up;
    }
    if (k <= p || k < 0 || stmts[k].conn != AP_CONN_PIPE)
        return -1;
    return k;
}

/* Whether statement j was found inside statement i (parents always precede their children;
 * a link that does not is treated as the end of the chain). */
static int descends_from(const ap_stmt *stmts, size_t j, size_t i)
{
    long p = stmts[j].parent;
    if (p >= (long)j)
        return 0;
    while (p > (long)i) {
        long up = stmts[p].parent;
        if (up >= p)
            return 0;
        p = up;
    }
    return p == (long)i;
}

/* The statement after statement i at the same nesting level (after i's own children), or
 * -1 when i ends its list. */
static long next_sibling(const ap_stmt *stmts, size_t n, size_t i)
{
    if (stmts[i].conn == AP_CONN_END)
        return -1;
    size_t j = i + 1;
    while (j < n && descends_from(stmts, j, i))
        j++;
    if (j >= n || stmts[j].parent != stmts[i].parent)
        return -1;
    return (long)j;
}

/* The statement i pipes into (`i | B`). */
static long pipe_next(const ap_stmt *stmts, size_t n, size_t i)
{
    return stmts[i].conn == AP_CONN_PIPE ? next_sibling(stmts, n, i) : -1;
}

/* The texts of every statement of i's pipeline, joined by " | ". */
static ap_str stmt_pipeline(ap_attack *a, stmt_ctx *x)
{
    if (x->have_pipeline)
        return x->pipeline;
    x->have_pipeline = 1;
    x->pipeline = nonnull(x->s->text);
    size_t first = x->i, last = x->i, len = 0;
    for (long k; (k = pipe_prev(x->stmts, first)) >= 0;)
        first = (size_t)k;
    for (long k; (k = pipe_next(x->stmts, x->n, last)) >= 0;)
        last = (size_t)k;
    if (first == last)
        return x->pipeline;
    for (size_t k = first;; k = (size_t)pipe_next(x->stmts, x->n, k)) {
        len += x->stmts[k].text.n + 3;
        if (k == last)
            break;
    }
    if (len > a->pipe_cap) {
        char *b = realloc(a->pipe_buf, len);
        if (!b) {
            x->nomem = 1;
            return x->pipeline;
        }
        a->pipe_buf = b;
        a->pipe_cap = len;
    }
    size_t o = 0;
    for (size_t k = first;; k = (size_t)pipe_next(x->stmts, x->n, k)) {
        if (o) {
            memcpy(a->pipe_buf + o, " | ", 3);
            o += 3;
        }
        if (x->stmts[k].text.n)
            memcpy(a->pipe_buf + o, x->stmts[k].text.p, x->stmts[k].text.n);
        o += x->stmts[k].text.n;
        if (k == last)
            break;
    }
    x->pipeline = ap_str_make(a->pipe_buf, o);
    return x->pipeline;
}

/* ---- matching ------------------------------------------------------------------------- */

static int names_have(const attack_names *set, ap_str name)
{
    if (set->any)
        return 1;
    if (!name.p)
        return 0;
    for (size_t k = 0; k < set->n; k++)
        if (ap_str_eq(set->v[k], name))
            return 1;
    return 0;
}

/* Whether one of p's literals can be in the subject whose bigram bitmap is m. */
static int literals_possible(const attack_pattern *p, const bigram_map *m)
{
    uint64_t any = 0;
    for (size_t w = 0; w < ATTACK_BIGRAM_BITS / 64; w++)
        any |= p->first[w] & m->w[w];
    if (!any)
        return 0;
    for (size_t k = 0; k < p->nlits; k++) {
        const attack_literal *l = &p->lits[k];
        int all = 1;
        for (unsigned b = 0; b < l->n && all; b++)
            all = (m->w[l->bit[b] >> 6] >> (l->bit[b] & 63)) & 1;
        if (all)
            return 1;
    }
    return 0;
}

static int pattern_matches(ap_attack *a, const attack_pattern *p, ap_str subject, bigram_map *bits)
{
    subject = nonnull(subject);
    if (bits && p->nlits && !literals_possible(p, bigrams_of(bits, subject)))
        return 0;
    if (p->literal_n && (subject.n < p->literal_n || !memmem(subject.p, subject.n, p->literal, p->literal_n)))
        return 0;
    int rc = p->jit ? pcre2_jit_match(p->code, (PCRE2_SPTR)subject.p, subject.n, 0, 0, a->md, a->mctx)
                    : pcre2_match(p->code, (PCRE2_SPTR)subject.p, subject.n, 0, 0, a->md, a->mctx);
    return rc >= 0;
}

static int any_matches(ap_attack *a, const attack_patterns *ps, ap_str subject, bigram_map *bits)
{
    for (size_t k = 0; k < ps->n; k++)
        if (pattern_matches(a, &ps->v[k], subject, bits))
            return 1;
    return 0;
}

/* Whether the neighbour k (or none, k < 0) satisfies a positive/negative name matcher. */
static int neighbour_ok(const attack_rule *r, int pos, int neg, const ap_stmt *stmts, long k)
{
    if (r->names[pos].n && (k < 0 || !names_have(&r->names[pos], stmts[k].cmd)))
        return 0;
    if (r->names[neg].n && k >= 0 && names_have(&r->names[neg], stmts[k].cmd))
        return 0;
    return 1;
}

/* 1 when every matcher of r holds for the statement in x. Cheap matchers run first. */
static int rule_fires(ap_attack *a, const attack_rule *r, stmt_ctx *x, int cmd_known)
{
    const ap_stmt *s = x->s;
    const attack_patterns *p = r->pats;
    if (r->via && !(s->via & r->via))
        return 0;
    if (r->not_via && (s->via & r->not_via))
        return 0;
    if (!cmd_known && r->names[NAMES_CMD].n && !names_have(&r->names[NAMES_CMD], s->cmd))
        return 0;
    if (p[PATS_CMD_PATH].n) {
        ap_str word = s->argv && s->cmd.n && s->cmd_index < s->argc ? s->argv[s->cmd_index] : AP_STR_NULL;
        if (!any_matches(a, &p[PATS_CMD_PATH], word, NULL))
            return 0;
    }
    if ((r->names[NAMES_PIPE_FROM].n || r->names[NAMES_NOT_PIPE_FROM].n) &&
        !neighbour_ok(r, NAMES_PIPE_FROM, NAMES_NOT_PIPE_FROM, x->stmts, pipe_prev(x->stmts, x->i)))
        return 0;
    if ((r->names[NAMES_PIPE_TO].n || r->names[NAMES_NOT_PIPE_TO].n) &&
        !neighbour_ok(r, NAMES_PIPE_TO, NAMES_NOT_PIPE_TO, x->stmts, pipe_next(x->stmts, x->n, x->i)))
        return 0;
    if ((r->names[NAMES_NEXT].n || r->names[NAMES_NOT_NEXT].n) &&
        !neighbour_ok(r, NAMES_NEXT, NAMES_NOT_NEXT, x->stmts, next_sibling(x->stmts, x->n, x->i)))
        return 0;
    if (p[PATS_HEREDOC].n) {
        int hit = 0;
        for (size_t k = 0; k < s->nredir && !hit; k++)
            if (ap_str_starts(s->redir[k].op, "<<"))
                hit = any_matches(a, &p[PATS_HEREDOC], s->redir[k].target, NULL);
        if (!hit)
            return 0;
    }
    if (p[PATS_REDIRECT].n) {
        stmt_targets(a, x);
        int hit = 0;
        for (size_t k = 0; k < x->ntargets && !hit; k++)
            hit = any_matches(a, &p[PATS_REDIRECT], a->targets[k], NULL);
        if (!hit)
            return 0;
    }
    if (p[PATS_TEXT].n && !any_matches(a, &p[PATS_TEXT], s->text, &x->text_bits))
        return 0;
    if (p[PATS_NOT_TEXT].n && any_matches(a, &p[PATS_NOT_TEXT], s->text, &x->text_bits))
        return 0;
    if (p[PATS_ARGS].n && !any_matches(a, &p[PATS_ARGS], stmt_args(a, x), &x->args_bits))
        return 0;
    if (p[PATS_NOT_ARGS].n && any_matches(a, &p[PATS_NOT_ARGS], stmt_args(a, x), &x->args_bits))
        return 0;
    if (p[PATS_PIPELINE].n && !any_matches(a, &p[PATS_PIPELINE], stmt_pipeline(a, x), &x->pipe_bits))
        return 0;
    if (p[PATS_NOT_PIPELINE].n && any_matches(a, &p[PATS_NOT_PIPELINE], stmt_pipeline(a, x), &x->pipe_bits))
        return 0;
    return !x->nomem;
}

static void fold_map(const bigram_map *m, uint64_t *out)
{
    for (size_t w = 0; w < ATTACK_FOLD_WORDS; w++)
        out[w] = 0;
    for (size_t w = 0; w < ATTACK_BIGRAM_BITS / 64; w++)
        out[w % ATTACK_FOLD_WORDS] |= m->w[w];
}

static int fold_meets(const uint64_t *a, const uint64_t *b)
{
    uint64_t any = 0;
    for (size_t w = 0; w < ATTACK_FOLD_WORDS; w++)
        any |= a[w] & b[w];
    return any != 0;
}

/* 0 when the gate proves the rule cannot fire on the statement. */
static int gate_open(ap_attack *a, const attack_gate *g, stmt_ctx *x)
{
    const ap_stmt *s = x->s;
    if (g->via && !(s->via & g->via))
        return 0;
    if (g->need_word && s->cmd.n == 0)
        return 0;
    if (g->need_heredoc && s->nredir == 0)
        return 0;
    if (g->need_target) {
        stmt_targets(a, x);
        if (x->ntargets == 0)
            return 0;
    }
    if (g->has_text) {
        if (!x->have_fold_text) {
            fold_map(bigrams_of(&x->text_bits, nonnull(s->text)), x->fold_text);
            x->have_fold_text = 1;
        }
        if (!fold_meets(g->text, x->fold_text))
            return 0;
    }
    if (g->has_args) {
        if (!x->have_fold_args) {
            fold_map(bigrams_of(&x->args_bits, stmt_args(a, x)), x->fold_args);
            x->have_fold_args = 1;
        }
        if (!fold_meets(g->args, x->fold_args))
            return 0;
    }
    return 1;
}

static const attack_cmd_slot *find_cmd(const ap_attack *a, ap_str name)
{
    if (!name.p || name.n == 0 || !a->cmd_slots)
        return NULL;
    uint64_t h = ap_hash64(name.p, name.n);
    for (size_t i = (size_t)h & a->cmd_mask;; i = (i + 1) & a->cmd_mask) {
        const attack_cmd_slot *s = &a->cmd_slots[i];
        if (!s->name.p)
            return NULL;
        if (s->hash == h && ap_str_eq(s->name, name))
            return s;
    }
}

size_t ap_attack_written_files(ap_attack *a, const ap_stmt *stmts, size_t n, size_t i,
                               const ap_str **files)
{
    stmt_ctx x;
    stmt_ctx_init(&x, stmts, n, i);
    stmt_targets(a, &x);
    *files = a->targets;
    return x.nomem ? 0 : x.ntargets;
}

ap_status ap_attack_map_stmt(ap_attack *a, const ap_stmt *stmts, size_t n, size_t i, ap_match *out,
                             size_t max, size_t *count)
{
    size_t found = 0;
    if (count)
        *count = 0;
    if (!a || !stmts || i >= n)
        return AP_OK;
    stmt_ctx x;
    stmt_ctx_init(&x, stmts, n, i);
    const attack_cmd_slot *slot = find_cmd(a, stmts[i].cmd);
    const uint32_t *l1 = slot ? slot->rules : NULL, *l2 = a->cmdless;
    size_t n1 = slot ? slot->nrules : 0, n2 = a->ncmdless, k1 = 0, k2 = 0;
    /* the two lists are in file order: merge them */
    while (k1 < n1 || k2 < n2) {
        uint32_t r;
        int from_index = k2 >= n2 || (k1 < n1 && l1[k1] < l2[k2]);
        if (from_index)
            r = l1[k1++];
        else
            r = l2[k2++];
        if (!from_index && !gate_open(a, &a->gates[k2 - 1], &x))
            continue;
        const attack_rule *rule = &a->rules[r];
        const ap_technique *t = rule->info.technique;
        int dup = 0;
        for (size_t k = 0; k < found && !dup; k++)
            dup = a->seen[k] == t;
        if (dup)
            continue;
        if (!rule_fires(a, rule, &x, from_index)) {
            if (x.nomem)
                return AP_ERR_NOMEM;
            continue;
        }
        if (found < max && out)
            out[found] = (ap_match){&rule->info, t};
        a->seen[found++] = t;
    }
    if (count)
        *count = found;
    return AP_OK;
}

int ap_attack_rule_fires(ap_attack *a, size_t rule, const ap_stmt *stmts, size_t n, size_t i)
{
    if (!a || rule >= a->nrules || !stmts || i >= n)
        return 0;
    stmt_ctx x;
    stmt_ctx_init(&x, stmts, n, i);
    return rule_fires(a, &a->rules[rule], &x, 0);
}

/* ---- the rules' own tests ------------------------------------------------------------- */

/* 1 when rule r fires on some statement of `text`, 0 when not, -1 when out of memory. */
static int example_fires(ap_attack *a, size_t r, const char *text, ap_arena *arena)
{
    ap_stmt *stmts = NULL;
    size_t n = 0;
    ap_arena_reset(arena);
    if (ap_shell_parse(ap_str_c(text), NULL, arena, &stmts, &n, NULL) != AP_OK)
        return -1;
    for (size_t i = 0; i < n; i++) {
        stmt_ctx x;
    stmt_ctx_init(&x, stmts, n, i);
        if (rule_fires(a, &a->rules[r], &x, 0))
            return 1;
        if (x.nomem)
            return -1;
    }
    return 0;
}

ap_status ap_attack_check_examples(ap_attack *a, ap_diag_fn on_diag, void *diag_user,
                                   size_t *failures)
{
    size_t failed = 0;
    ap_status st = AP_OK;
    ap_arena arena;
    ap_arena_init(&arena, 64 * 1024);
    for (size_t r = 0; a && r < a->nrules && st == AP_OK; r++) {
        const ap_rule_info *info = &a->rules[r].info;
        for (int kind = 0; kind < 2 && st == AP_OK; kind++) {
            const ap_rule_example *ex = kind == 0 ? info->examples : info->counters;
            size_t nex = kind == 0 ? info->nexamples : info->ncounters;
            for (size_t e = 0; e < nex; e++) {
                int fired = example_fires(a, r, ex[e].text, &arena);
                if (fired < 0) {
                    st = AP_ERR_NOMEM;
                    break;
                }
                if (fired == (kind == 0))
                    continue;
                failed++;
                ap_attack_report(on_diag, diag_user, AP_SEV_ERROR, info->file, ex[e].line,
                                 "rule_example", "rule %s: %s %s", info->id,
                                 kind == 0 ? "example does not fire:" : "counter example fires:",
                                 ex[e].text);
            }
        }
    }
    ap_arena_free(&arena);
    if (failures)
        *failures = failed;
    if (st != AP_OK)
        return st;
    return failed ? AP_ERR_FORMAT : AP_OK;
}
