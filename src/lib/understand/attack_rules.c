/* attack_rules.c — reads the ATT&CK rules file (data/rules/attack.rules, or one given at run
 * time) and compiles it: PCRE2 patterns with JIT, the literals each pattern requires (read
 * from the pattern, for a bigram-bitmap and memmem prefilter), and an index from command name
 * to the rules that name it.
 *
 * Why it exists: the mapping from behaviour to technique is data an analyst must be able to
 * read, review and extend without touching C. The format (docs/attack-rules.md) is line based:
 *
 *     rule persist.ssh_authorized_keys
 *       technique T1098.004
 *       reason    Writing a key to authorized_keys gives a login that survives password changes.
 *       cmd       echo printf cat tee
 *       redirect-target (?:^|/)authorized_keys2?$
 *       example   echo "ssh-rsa AAAA x" >> ~/.ssh/authorized_keys
 *       counter   cat ~/.ssh/authorized_keys
 *
 * Every problem is reported with file:line and loading goes on, so one run lists them all.
 */
#include "understand/attack_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"

/* ---- small growable vectors (parse time only) ------------------------------------------ */

static int grow(void **v, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 1;
    size_t c = *cap ? *cap * 2 : 8;
    while (c < need)
        c *= 2;
    void *p = realloc(*v, c * elem);
    if (!p)
        return 0;
    *v = p;
    *cap = c;
    return 1;
}

typedef struct pattern_vec {
    attack_pattern *v;
    size_t n, cap;
} pattern_vec;

typedef struct name_vec {
    ap_str *v;
    size_t n, cap;
} name_vec;

typedef struct example_vec {
    ap_rule_example *v;
    size_t n, cap;
} example_vec;

/* The rule being read. */
typedef struct draft {
    int open;
    unsigned line;
    const char *id;
    const char *technique_id;
    unsigned technique_line;
    const char *reason;
    name_vec names[NAMES__COUNT];
    pattern_vec pats[PATS__COUNT];
    uint32_t via, not_via;
    example_vec examples, counters;
} draft;

/* Rules file keywords of the matchers. */
static const char *const name_keys[NAMES__COUNT] = {
    [NAMES_CMD] = "cmd",
    [NAMES_PIPE_FROM] = "pipe-from-cmd",
    [NAMES_NOT_PIPE_FROM] = "not-pipe-from-cmd",
    [NAMES_PIPE_TO] = "pipe-to-cmd",
    [NAMES_NOT_PIPE_TO] = "not-pipe-to-cmd",
    [NAMES_NEXT] = "next-cmd",
    [NAMES_NOT_NEXT] = "not-next-cmd",
};
static const char *const pattern_keys[PATS__COUNT] = {
    [PATS_CMD_PATH] = "cmd-path",
    [PATS_REDIRECT] = "redirect-target",
    [PATS_HEREDOC] = "heredoc",
    [PATS_TEXT] = "text",
    [PATS_NOT_TEXT] = "not-text",
    [PATS_ARGS] = "args",
    [PATS_NOT_ARGS] = "not-args",
    [PATS_PIPELINE] = "pipeline",
    [PATS_NOT_PIPELINE] = "not-pipeline",
};

typedef struct compiler {
    ap_attack *a;
    const char *file;
    ap_diag_fn on_diag;
    void *user;
    size_t errors;
    int nomem;
    draft d;
    attack_rule *rules;
    size_t nrules, rules_cap;
} compiler;

#define ERR(c, line, ...)                                                                        \
    do {                                                                                         \
        ap_attack_report((c)->on_diag, (c)->user, AP_SEV_ERROR, (c)->file, (line), "attack_rules", \
                         __VA_ARGS__);                                                           \
        (c)->errors++;                                                                           \
    } while (0)

static void draft_reset(draft *d)
{
    for (int k = 0; k < NAMES__COUNT; k++)
        free(d->names[k].v);
    for (int k = 0; k < PATS__COUNT; k++)
        free(d->pats[k].v);
    free(d->examples.v);
    free(d->counters.v);
    memset(d, 0, sizeof *d);
}

/* ---- literal prefilters ----------------------------------------------------------------- */

/* What a pattern requires: one of n literals (n = 0: nothing found). Read conservatively from
 * the pattern text: only what every match must contain is kept. */
#define LIT_MAX 32
#define LIT_LEN 48
typedef struct litset {
    int n;
    size_t len[LIT_MAX];
    char s[LIT_MAX][LIT_LEN];
} litset;

typedef struct lit_reader {
    int fail;    /* a construct the reader does not understand: no prefilter at all */
    int caseless; /* an inline (?i) was seen: no exact memmem literal */
} lit_reader;

/* Position of the ']' closing the character class that opens at p ('['), or a position at or
 * past end when it is unterminated: a ']' first in the class (after an optional '^') is literal. */
static const char *class_end(const char *p, const char *end)
{
    p++;
    if (p < end && *p == '^')
        p++;
    if (p < end && *p == ']')
        p++;
    while (p < end && *p != ']')
        p += *p == '\\' ? 2 : 1;
    return p;
}

/* Position after the matching ')' of the group opening at p, or NULL. */
static const char *group_end(const char *p, const char *end)
{
    int depth = 0;
    while (p < end) {
        char c = *p;
        if (c == '\\') {
            p += 2;
            continue;
        }
        if (c == '[') {
            p = class_end(p, end) + 1;
            continue;
        }
        if (c == '(')
            depth++;
        else if (c == ')' && --depth == 0)
            return p;
        p++;
    }
    return NULL;
}

/* Reads a quantifier at p (if any). *optional: the atom may be absent (? * {0..}); *bounded:
 * it may repeat (+ {n,}), so nothing after it extends a literal run. */
static const char *read_quantifier(const char *p, const char *end, int *optional, int *bounded)
{
    *optional = *bounded = 0;
    if (p >= end)
        return p;
    if (*p == '?' || *p == '*') {
        *optional = 1;
        p++;
    } else if (*p == '+') {
        *bounded = 1;
        p++;
    } else if (*p == '{' && p + 1 < end && p[1] >= '0' && p[1] <= '9') {
        *optional = p[1] == '0';
        *bounded = 1;
        while (p < end && *p != '}')
            p++;
        p++;
    } else {
        return p;
    }
    if (p < end && (*p == '?' || *p == '+'))
        p++; /* lazy, possessive */
    return p;
}

/* Reads the escape at p ('\\'): *lit is its literal byte, or -1 when it is not one literal
 * byte (a class, an anchor, a back-reference, a code point). Returns the position after it. */
static const char *read_escape(lit_reader *r, const char *p, const char *end, int *lit)
{
    *lit = -1;
    if (p + 1 >= end) {
        r->fail = 1;
        return end;
    }
    unsigned char e = (unsigned char)p[1];
    p += 2;
    if (!((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9'))) {
        *lit = e;
        return p;
    }
    switch (e) {
    case 'Q':
        r->fail = 1; /* quoted runs: not worth reading */
        return end;
    case 'x':
    case 'o':
    case 'p':
    case 'P':
    case 'N':
    case 'g':
    case 'k':
        if (p < end && (*p == '{' || *p == '<' || *p == '\'')) {
            char close = *p == '{' ? '}' : *p == '<' ? '>' : '\'';
            while (p < end && *p != close)
                p++;
            return p < end ? p + 1 : end;
        }
        if (e == 'x')
            for (int k = 0; k < 2 && p < end && isxdigit((unsigned char)*p); k++)
                p++;
        else if (e == 'p' || e == 'P')
            p += p < end ? 1 : 0;
        return p;
    case 'c':
        return p < end ? p + 1 : end;
    default:
        while (e >= '0' && e <= '9' && p < end && *p >= '0' && *p <= '9')
            p++; /* \1 \12 back-references, \012 octal */
        return p;
    }
}

static int litset_score(const litset *s)
{
    size_t min = LIT_LEN;
    for (int i = 0; i < s->n; i++)
        if (s->len[i] < min)
            min = s->len[i];
    return (int)min * 64 - s->n;
}

static void litset_offer(litset *best, const litset *cand)
{
    if (cand->n > 0 && (best->n == 0 || litset_score(cand) > litset_score(best)))
        *best = *cand;
}

static void litset_alt(lit_reader *r, const char *p, const char *end, litset *out);

/* One branch: literal runs and mandatory groups; the best of them is what it requires. */
static void litset_seq(lit_reader *r, const char *p, const char *end, litset *out)
{
    litset best = {0}, cand;
    char run[LIT_LEN];
    size_t rn = 0;
#define FLUSH()                                                                                  \
    do {                                                                                         \
        if (rn >= 2) {                                                                           \
            cand.n = 1;                                                                          \
            cand.len[0] = rn;                                                                    \
            memcpy(cand.s[0], run, rn);                                                          \
            litset_offer(&best, &cand);                                                          \
        }                                                                                        \
        rn = 0;                                                                                  \
    } while (0)
    while (p < end && !r->fail) {
        char c = *p;
        int lit = -1;
        const char *next = p + 1;
        if (c == '\\') {
            next = read_escape(r, p, end, &lit);
        } else if (c == '(') {
            const char *close = group_end(p, end);
            if (!close) {
                r->fail = 1;
                break;
            }
            const char *inner = p + 1;
            int usable = 1;
            if (inner < close && *inner == '*') {
                r->fail = 1; /* (*VERB) */
                break;
            }
            if (inner < close && *inner == '?') {
                const char *q = inner + 1;
                if (q < close && (*q == '(' || *q == '#' || *q == 'R' || (*q >= '0' && *q <= '9') || *q == '&')) {
                    usable = 0; /* conditional, comment, recursion: not read */
                } else if (q < close && (*q == ':' || *q == '>' || *q == '|')) {
                    inner = q + 1;
                    usable = *q != '|';
                } else if (q < close && (*q == '=' || *q == '!' ||
                                         (*q == '<' && q + 1 < close && (q[1] == '=' || q[1] == '!')))) {
                    usable = 0; /* look-around: matches nothing */
                } else if (q < close && (*q == '<' || *q == 'P' || *q == '\'')) {
                    while (q < close && *q != '>' && !(*q == '\'' && q > inner + 1))
                        q++;
                    inner = q + 1; /* named group */
                } else {
                    /* inline options (?i) (?i:...) (?-i): case does not matter to the
                     * bigram filter; extended mode changes what the text means */
                    while (q < close && *q != ':' && *q != ')') {
                        if (*q == 'x')
                            r->fail = 1;
                        if (*q == 'i')
                            r->caseless = 1;
                        q++;
                    }
                    if (q >= close) {
                        p = close + 1; /* option setting: not an atom */
                        continue;
                    }
                    inner = q + 1;
                }
            }
            int optional, bounded;
            next = read_quantifier(close + 1, end, &optional, &bounded);
            FLUSH();
            if (usable && !optional) {
                litset sub = {0};
                litset_alt(r, inner, close, &sub);
                litset_offer(&best, &sub);
            }
            p = next;
            continue;
        } else if (c == '[') {
            next = class_end(p, end);
            next = next < end ? next + 1 : end;
        } else if (c == ')' || c == '|') {
            r->fail = 1; /* unbalanced: group_end/litset_alt never hand these over */
            break;
        } else if (!strchr(".^$?*+{", c)) {
            lit = (unsigned char)c;
        }
        int optional, bounded;
        next = read_quantifier(next, end, &optional, &bounded);
        if (lit >= 0 && !optional && rn < LIT_LEN) {
            run[rn++] = (char)lit;
            if (bounded)
                FLUSH();
        } else {
            FLUSH();
        }
        p = next;
    }
    FLUSH();
#undef FLUSH
    *out = best;
}

/* Alternatives: every branch must require something; the union is required. */
static void litset_alt(lit_reader *r, const char *p, const char *end, litset *out)
{
    out->n = 0;
    const char *b = p;
    int depth = 0;
    for (const char *q = p; q <= end && !r->fail; q++) {
        if (q < end) {
            char c = *q;
            if (c == '\\') {
                q++;
                continue;
            }
            if (c == '[') {
                q = class_end(q, end);
                continue;
            }
            if (c == '(')
                depth++;
            if (c == ')')
                depth--;
            if (c != '|' || depth != 0)
                continue;
        }
        litset br = {0};
        litset_seq(r, b, q, &br);
        if (br.n == 0 || out->n + br.n > LIT_MAX) {
            out->n = 0;
            return;
        }
        for (int i = 0; i < br.n; i++) {
            out->len[out->n] = br.len[i];
            memcpy(out->s[out->n], br.s[i], br.len[i]);
            out->n++;
        }
        b = q + 1;
    }
    if (r->fail)
        out->n = 0;
}

/* Fills p's prefilters from the pattern text. */
static void set_prefilters(compiler *c, attack_pattern *p, ap_str pat)
{
    lit_reader r = {0, 0};
    litset set = {0};
    litset_alt(&r, pat.p, pat.p + pat.n, &set);
    if (r.fail || set.n == 0)
        return;
    if (!r.caseless && set.n == 1 && set.len[0] >= 3) {
        p->literal = ap_arena_dup(&c->a->arena, ap_str_make(set.s[0], set.len[0])).p;
        p->literal_n = p->literal ? set.len[0] : 0;
    }
    attack_literal *lits = ap_arena_alloc(&c->a->arena, (size_t)set.n * sizeof *lits);
    uint64_t *first = ap_arena_alloc(&c->a->arena, ATTACK_BIGRAM_BITS / 8);
    if (!lits || !first) {
        c->nomem = 1;
        return;
    }
    memset(first, 0, ATTACK_BIGRAM_BITS / 8);
    for (int i = 0; i < set.n; i++) {
        attack_literal *l = &lits[i];
        size_t pairs = set.len[i] - 1, step = pairs > ATTACK_LIT_BIGRAMS ? pairs / ATTACK_LIT_BIGRAMS : 1;
        l->n = 0;
        for (size_t k = 0; k < pairs && l->n < ATTACK_LIT_BIGRAMS; k += step)
            l->bit[l->n++] = (uint16_t)attack_bigram((unsigned char)set.s[i][k], (unsigned char)set.s[i][k + 1]);
        first[l->bit[0] >> 6] |= (uint64_t)1 << (l->bit[0] & 63);
    }
    p->lits = lits;
    p->first = first;
    p->nlits = (size_t)set.n;
}

/* ---- one line ------------------------------------------------------------------------- */

static int add_code(ap_attack *a, pcre2_code *code)
{
    if (!grow((void **)&a->codes, &a->codes_cap, a->ncodes + 1, sizeof *a->codes))
        return 0;
    a->codes[a->ncodes++] = code;
    return 1;
}

static void add_pattern(compiler *c, pattern_vec *v, ap_str value, unsigned line, const char *key)
{
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)value.p, value.n, 0, &errcode, &erroff, NULL);
    if (!code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(errcode, msg, sizeof msg);
        ERR(c, line, "%s: bad pattern at offset %zu: %s", key, (size_t)erroff, (const char *)msg);
        return;
    }
    if (!add_code(c->a, code)) {
        pcre2_code_free(code);
        c->nomem = 1;
        return;
    }
    attack_pattern p = {code, pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0, NULL, 0, NULL, 0, NULL};
    set_prefilters(c, &p, value);
    if (!grow((void **)&v->v, &v->cap, v->n + 1, sizeof *v->v)) {
        c->nomem = 1;
        return;
    }
    v->v[v->n++] = p;
}

static void add_names(compiler *c, name_vec *v, ap_str value)
{
    size_t i = 0;
    while (i < value.n) {
        while (i < value.n && (value.p[i] == ' ' || value.p[i] == '\t'))
            i++;
        size_t j = i;
        while (j < value.n && value.p[j] != ' ' && value.p[j] != '\t')
            j++;
        if (j > i) {
            ap_str name = ap_arena_dup(&c->a->arena, ap_str_make(value.p + i, j - i));
            if (!name.p || !grow((void **)&v->v, &v->cap, v->n + 1, sizeof *v->v)) {
                c->nomem = 1;
                return;
            }
            v->v[v->n++] = name;
        }
        i = j;
    }
}

static const struct {
    const char *name;
    uint32_t bit;
} via_names[] = {
    {"sh-c", AP_VIA_SH_C},   {"base64", AP_VIA_BASE64}, {"subst", AP_VIA_SUBST},
    {"loop", AP_VIA_LOOP},   {"printf", AP_VIA_PRINTF}, {"eval", AP_VIA_EVAL},
    {"group", AP_VIA_GROUP}, {"heredoc", AP_VIA_HEREDOC},
};

static void add_via(compiler *c, ap_str value, unsigned line, uint32_t *bits)
{
    size_t i = 0;
    while (i < value.n) {
        while (i < value.n && (value.p[i] == ' ' || value.p[i] == '\t'))
            i++;
        size_t j = i;
        while (j < value.n && value.p[j] != ' ' && value.p[j] != '\t')
            j++;
        if (j > i) {
            ap_str w = ap_str_make(value.p + i, j - i);
            size_t k;
            for (k = 0; k < sizeof via_names / sizeof via_names[0]; k++)
                if (ap_str_eq_c(w, via_names[k].name))
                    break;
            if (k == sizeof via_names / sizeof via_names[0])
                ERR(c, line, "via: unknown step '%.*s' (known: sh-c base64 subst loop printf eval group heredoc)",
                    (int)w.n, w.p);
            else
                *bits |= via_names[k].bit;
        }
        i = j;
    }
}

/* Examples are written on one line: \n \t \\ stand for newline, tab, backslash; any other
 * backslash is kept as typed (so `printf '\x41'` needs no doubling). */
static void add_example(compiler *c, example_vec *v, ap_str value, unsigned line)
{
    char *t = ap_arena_alloc(&c->a->arena, value.n + 1);
    if (!t || !grow((void **)&v->v, &v->cap, v->n + 1, sizeof *v->v)) {
        c->nomem = 1;
        return;
    }
    size_t o = 0;
    for (size_t i = 0; i < value.n; i++) {
        char ch = value.p[i];
        if (ch == '\\' && i + 1 < value.n) {
            char e = value.p[i + 1];
            if (e == 'n' || e == 't' || e == '\\') {
                t[o++] = e == 'n' ? '\n' : e == 't' ? '\t' : '\\';
                i++;
                continue;
            }
        }
        t[o++] = ch;
    }
    t[o] = '\0';
    v->v[v->n++] = (ap_rule_example){t, line};
}

static int valid_rule_id(ap_str id)
{
    if (id.n == 0 || id.n > 128)
        return 0;
    for (size_t i = 0; i < id.n; i++) {
        char ch = id.p[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '.' || ch == '-'))
            return 0;
    }
    return 1;
}

/* Moves a vector's items into the arena. */
static void *freeze(compiler *c, const void *v, size_t n, size_t elem)
{
    if (n == 0)
        return NULL;
    void *p = ap_arena_alloc(&c->a->arena, n * elem);
    if (!p) {
        c->nomem = 1;
        return NULL;
    }
    memcpy(p, v, n * elem);
    return p;
}

/* Checks and stores the rule being read. */
static void finish_rule(compiler *c)
{
    draft *d = &c->d;
    if (!d->open)
        return;
    size_t before = c->errors;
    const ap_technique *tech = NULL;
    if (!d->technique_id) {
        ERR(c, d->line, "rule %s: no technique", d->id);
    } else {
        tech = ap_attack_technique(c->a, ap_str_c(d->technique_id));
        if (!tech) {
            ERR(c, d->technique_line, "rule %s: unknown technique %s (not in ATT&CK %s)", d->id,
                d->technique_id, c->a->table_version);
        } else if (tech->status != AP_TECH_ACTIVE) {
            ap_attack_report(c->on_diag, c->user, AP_SEV_WARNING, c->file, d->technique_line,
                             "attack_rules_technique",
                             "rule %s: technique %s (%s) is %s in ATT&CK %s", d->id, tech->id,
                             tech->name, tech->status == AP_TECH_REVOKED ? "revoked" : "deprecated",
                             c->a->table_version);
        }
    }
    if (!d->reason)
        ERR(c, d->line, "rule %s: no reason", d->id);
    if (d->examples.n == 0)
        ERR(c, d->line, "rule %s: no example (every rule needs at least one)", d->id);
    if (d->counters.n == 0)
        ERR(c, d->line, "rule %s: no counter example (every rule needs at least one)", d->id);
    size_t matchers = 0;
    for (int k = 0; k < NAMES__COUNT; k++)
        matchers += d->names[k].n;
    for (int k = 0; k < PATS__COUNT; k++)
        matchers += d->pats[k].n;
    if (matchers == 0 && d->via == 0)
        ERR(c, d->line, "rule %s: no matcher (it would fire on every statement)", d->id);
    for (size_t i = 0; i < c->nrules; i++) {
        if (strcmp(c->rules[i].info.id, d->id) == 0) {
            ERR(c, d->line, "rule %s: defined twice (first at line %u)", d->id, c->rules[i].info.line);
            break;
        }
    }
    if (c->errors == before && !c->nomem) {
        if (!grow((void **)&c->rules, &c->rules_cap, c->nrules + 1, sizeof *c->rules)) {
            c->nomem = 1;
        } else {
            attack_rule *r = &c->rules[c->nrules];
            memset(r, 0, sizeof *r);
            r->info.id = d->id;
            r->info.technique = tech;
            r->info.reason = d->reason;
            r->info.file = c->file;
            r->info.line = d->line;
            r->info.examples = freeze(c, d->examples.v, d->examples.n, sizeof *d->examples.v);
            r->info.nexamples = d->examples.n;
            r->info.counters = freeze(c, d->counters.v, d->counters.n, sizeof *d->counters.v);
            r->info.ncounters = d->counters.n;
            for (int k = 0; k < NAMES__COUNT; k++) {
                name_vec *v = &d->names[k];
                r->names[k].v = freeze(c, v->v, v->n, sizeof *v->v);
                r->names[k].n = v->n;
                for (size_t i = 0; i < v->n; i++)
                    r->names[k].any |= ap_str_eq_c(v->v[i], "*");
            }
            for (int k = 0; k < PATS__COUNT; k++) {
                pattern_vec *v = &d->pats[k];
                r->pats[k].v = freeze(c, v->v, v->n, sizeof *v->v);
                r->pats[k].n = v->n;
            }
            r->via = d->via;
            r->not_via = d->not_via;
            c->nrules++;
        }
    }
    draft_reset(d);
}

static void read_line(compiler *c, ap_str l, unsigned line)
{
    /* trim */
    while (l.n && (l.p[0] == ' ' || l.p[0] == '\t'))
        l.p++, l.n--;
    while (l.n && (l.p[l.n - 1] == ' ' || l.p[l.n - 1] == '\t' || l.p[l.n - 1] == '\r'))
        l.n--;
    if (l.n == 0 || l.p[0] == '#')
        return;
    size_t k = 0;
    while (k < l.n && l.p[k] != ' ' && l.p[k] != '\t')
        k++;
    ap_str key = ap_str_make(l.p, k);
    ap_str value = ap_str_make(l.p + k, l.n - k);
    while (value.n && (value.p[0] == ' ' || value.p[0] == '\t'))
        value.p++, value.n--;

    if (ap_str_eq_c(key, "rule")) {
        finish_rule(c);
        if (!valid_rule_id(value)) {
            ERR(c, line, "rule: bad id '%.*s' (letters, digits, _ . - only)", (int)(value.n > 80 ? 80 : value.n),
                value.p);
            value = AP_STR_LIT("invalid");
        }
        c->d.open = 1;
        c->d.line = line;
        c->d.id = ap_arena_dup(&c->a->arena, value).p;
        if (!c->d.id)
            c->nomem = 1;
        return;
    }
    if (!c->d.open) {
        ERR(c, line, "'%.*s' outside a rule (a rule starts with: rule ID)", (int)(key.n > 40 ? 40 : key.n),
            key.p);
        return;
    }
    if (value.n == 0) {
        ERR(c, line, "rule %s: '%.*s' needs a value", c->d.id, (int)(key.n > 40 ? 40 : key.n), key.p);
        return;
    }
    draft *d = &c->d;
    if (ap_str_eq_c(key, "technique")) {
        if (d->technique_id)
            ERR(c, line, "rule %s: a second technique (one rule, one technique)", d->id);
        d->technique_id = ap_arena_dup(&c->a->arena, value).p;
        d->technique_line = line;
    } else if (ap_str_eq_c(key, "reason")) {
        if (d->reason)
            ERR(c, line, "rule %s: a second reason", d->id);
        d->reason = ap_arena_dup(&c->a->arena, value).p;
    } else if (ap_str_eq_c(key, "via")) {
        add_via(c, value, line, &d->via);
    } else if (ap_str_eq_c(key, "not-via")) {
        add_via(c, value, line, &d->not_via);
    } else if (ap_str_eq_c(key, "example")) {
        add_example(c, &d->examples, value, line);
    } else if (ap_str_eq_c(key, "counter")) {
        add_example(c, &d->counters, value, line);
    } else {
        for (int m = 0; m < NAMES__COUNT; m++) {
            if (ap_str_eq_c(key, name_keys[m])) {
                add_names(c, &d->names[m], value);
                return;
            }
        }
        for (int m = 0; m < PATS__COUNT; m++) {
            if (ap_str_eq_c(key, pattern_keys[m])) {
                add_pattern(c, &d->pats[m], value, line, pattern_keys[m]);
                return;
            }
        }
        ERR(c, line, "rule %s: unknown key '%.*s'", d->id, (int)(key.n > 40 ? 40 : key.n), key.p);
    }
}

/* ---- the command index ---------------------------------------------------------------- */

static attack_cmd_slot *cmd_slot(ap_attack *a, ap_str name, uint64_t h)
{
    for (size_t i = (size_t)h & a->cmd_mask;; i = (i + 1) & a->cmd_mask) {
        attack_cmd_slot *s = &a->cmd_slots[i];
        if (!s->name.p || (s->hash == h && ap_str_eq(s->name, name)))
            return s;
    }
}

/* Folds the first-bigram masks of a pattern list into out; 0 when one pattern has none (then
 * any statement may match it). */
static int fold_first(const attack_patterns *ps, uint64_t *out)
{
    if (ps->n == 0)
        return 0;
    memset(out, 0, ATTACK_FOLD_WORDS * sizeof *out);
    for (size_t i = 0; i < ps->n; i++) {
        if (!ps->v[i].nlits)
            return 0;
        for (size_t w = 0; w < ATTACK_BIGRAM_BITS / 64; w++)
            out[w % ATTACK_FOLD_WORDS] |= ps->v[i].first[w];
    }
    return 1;
}

static void make_gate(const attack_rule *r, attack_gate *g)
{
    memset(g, 0, sizeof *g);
    g->via = r->via;
    g->has_text = (uint8_t)fold_first(&r->pats[PATS_TEXT], g->text);
    g->has_args = (uint8_t)fold_first(&r->pats[PATS_ARGS], g->args);
    g->need_target = r->pats[PATS_REDIRECT].n > 0;
    g->need_heredoc = r->pats[PATS_HEREDOC].n > 0;
    g->need_word = r->pats[PATS_CMD_PATH].n > 0;
}

static ap_status build_index(ap_attack *a)
{
    size_t names = 0;
    for (size_t r = 0; r < a->nrules; r++)
        names += a->rules[r].names[NAMES_CMD].n;
    size_t cap = 16;
    while (cap < names * 2)
        cap <<= 1;
    a->cmd_slots = ap_arena_alloc(&a->arena, cap * sizeof *a->cmd_slots);
    if (!a->cmd_slots)
        return AP_ERR_NOMEM;
    memset(a->cmd_slots, 0, cap * sizeof *a->cmd_slots);
    a->cmd_mask = cap - 1;
    /* count, then fill: each slot lists its rules in file order, once each */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t r = 0; r < a->nrules; r++) {
            attack_names *cmd = &a->rules[r].names[NAMES_CMD];
            for (size_t k = 0; k < cmd->n; k++) {
                if (ap_str_eq_c(cmd->v[k], "*"))
                    continue;
                uint64_t h = ap_hash64(cmd->v[k].p, cmd->v[k].n);
                attack_cmd_slot *s = cmd_slot(a, cmd->v[k], h);
                if (!s->name.p) {
                    s->name = cmd->v[k];
                    s->hash = h;
                }
                if (pass == 0) {
                    s->nrules++;
                } else if (s->nrules == 0 || s->rules[s->nrules - 1] != r) {
                    s->rules[s->nrules++] = (uint32_t)r;
                }
            }
        }
        if (pass == 0) {
            for (size_t i = 0; i < cap; i++) {
                attack_cmd_slot *s = &a->cmd_slots[i];
                if (!s->name.p)
                    continue;
                s->rules = ap_arena_alloc(&a->arena, s->nrules * sizeof *s->rules);
                if (!s->rules)
                    return AP_ERR_NOMEM;
                s->nrules = 0;
            }
        }
    }
    a->cmdless = ap_arena_alloc(&a->arena, (a->nrules + 1) * sizeof *a->cmdless);
    a->gates = ap_arena_alloc(&a->arena, (a->nrules + 1) * sizeof *a->gates);
    if (!a->cmdless || !a->gates)
        return AP_ERR_NOMEM;
    a->ncmdless = 0;
    for (size_t r = 0; r < a->nrules; r++) {
        if (a->rules[r].names[NAMES_CMD].n == 0 || a->rules[r].names[NAMES_CMD].any) {
            make_gate(&a->rules[r], &a->gates[a->ncmdless]);
            a->cmdless[a->ncmdless++] = (uint32_t)r;
        }
    }
    return AP_OK;
}

/* ---- entry points --------------------------------------------------------------------- */

ap_status ap_attack_rules_compile(ap_attack *a, ap_str text, const char *file, ap_diag_fn on_diag,
                                  void *diag_user)
{
    compiler c;
    memset(&c, 0, sizeof c);
    c.a = a;
    c.file = ap_arena_strdup(&a->arena, file);
    c.on_diag = on_diag;
    c.user = diag_user;
    if (!c.file)
        return AP_ERR_NOMEM;
    unsigned line = 0;
    size_t i = 0;
    while (i < text.n && !c.nomem) {
        size_t j = i;
        while (j < text.n && text.p[j] != '\n')
            j++;
        line++;
        ap_str l = ap_str_make(text.p + i, j - i);
        if (memchr(l.p, '\0', l.n))
            ERR(&c, line, "NUL byte in the rules file");
        else
            read_line(&c, l, line);
        i = j + 1;
    }
    if (!c.nomem)
        finish_rule(&c);
    draft_reset(&c.d);
    if (!c.nomem && c.errors == 0 && c.nrules == 0)
        ERR(&c, line, "no rules");
    ap_status st = c.nomem ? AP_ERR_NOMEM : c.errors ? AP_ERR_FORMAT : AP_OK;
    if (st == AP_OK) {
        a->rules = freeze(&c, c.rules, c.nrules, sizeof *c.rules);
        a->nrules = c.nrules;
        if (c.nomem)
            st = AP_ERR_NOMEM;
    }
    free(c.rules);
    if (st != AP_OK)
        return st;
    st = build_index(a);
    if (st != AP_OK)
        return st;
    uint64_t h = ap_hash64(text.p, text.n);
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
    snprintf(a->version, sizeof a->version, "attack-%s/rules-%.12s", a->table_version, hex);
    return AP_OK;
}

void ap_attack_rules_free(ap_attack *a)
{
    for (size_t i = 0; i < a->ncodes; i++)
        pcre2_code_free(a->codes[i]);
    free(a->codes);
    a->codes = NULL;
    a->ncodes = a->codes_cap = 0;
}
