/* attack_internal.h — the parts of the ATT&CK mapper shared by its three files: the technique
 * table (attack_table.c), the rules compiler (attack_rules.c) and the matcher (attack.c).
 *
 * Why it exists: the public contract (attack.h) hides the handle; these three files fill it in
 * and must agree on its layout. Nothing outside src/lib/understand/attack*.c includes this.
 */
#ifndef AP_UNDERSTAND_ATTACK_INTERNAL_H
#define AP_UNDERSTAND_ATTACK_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>

#include "understand/attack.h"
#include "util/arena.h"

/* Prefilter of a pattern: every match contains one of its literals (read from the pattern by
 * attack_rules.c). A literal is kept as the bigram-bitmap bits of its case-folded byte pairs:
 * when a subject's bigram bitmap (attack.c) lacks one of those bits, the literal cannot be in
 * it. A pattern whose literals all fail is not run at all. */
#define ATTACK_BIGRAM_BITS 1024
#define ATTACK_LIT_BIGRAMS 8
typedef struct attack_literal {
    uint16_t bit[ATTACK_LIT_BIGRAMS];
    uint8_t n;
} attack_literal;

static inline unsigned attack_bigram(unsigned char a, unsigned char b)
{
    if (a >= 'A' && a <= 'Z')
        a = (unsigned char)(a + 32);
    if (b >= 'A' && b <= 'Z')
        b = (unsigned char)(b + 32);
    return (((unsigned)a << 8 | b) * 2654435761u) >> (32 - 10); /* 10 bits: ATTACK_BIGRAM_BITS */
}

/* One compiled pattern of a rule. `literal` is a substring every match must contain, exactly
 * (case-sensitive patterns only), tested with memmem before the regex runs; `lits` the
 * case-folded alternatives for the bigram prefilter (nlits 0: none). */
typedef struct attack_pattern {
    pcre2_code *code;
    int jit; /* JIT compile succeeded: use pcre2_jit_match */
    const char *literal;
    size_t literal_n;
    const attack_literal *lits;
    size_t nlits;
    const uint64_t *first; /* union of the literals' first bigram bits: a quick reject */
} attack_pattern;

/* Alternatives of one matcher: any one matching is enough. */
typedef struct attack_patterns {
    attack_pattern *v;
    size_t n;
} attack_patterns;

/* A set of command names (cmd, pipe-from-cmd, ...). "*" stands for any command. */
typedef struct attack_names {
    ap_str *v;
    size_t n;
    int any; /* the set holds "*" */
} attack_names;

/* The name-set matchers of a rule, by kind (the rules file keyword in comments). */
enum attack_name_kind {
    NAMES_CMD,           /* cmd */
    NAMES_PIPE_FROM,     /* pipe-from-cmd */
    NAMES_NOT_PIPE_FROM, /* not-pipe-from-cmd */
    NAMES_PIPE_TO,       /* pipe-to-cmd */
    NAMES_NOT_PIPE_TO,   /* not-pipe-to-cmd */
    NAMES_NEXT,          /* next-cmd */
    NAMES_NOT_NEXT,      /* not-next-cmd */
    NAMES__COUNT
};

/* The pattern matchers of a rule, by kind. */
enum attack_pattern_kind {
    PATS_CMD_PATH,     /* cmd-path */
    PATS_REDIRECT,     /* redirect-target */
    PATS_HEREDOC,      /* heredoc */
    PATS_TEXT,         /* text */
    PATS_NOT_TEXT,     /* not-text */
    PATS_ARGS,         /* args */
    PATS_NOT_ARGS,     /* not-args */
    PATS_PIPELINE,     /* pipeline */
    PATS_NOT_PIPELINE, /* not-pipeline */
    PATS__COUNT
};

typedef struct attack_rule {
    ap_rule_info info;
    attack_names names[NAMES__COUNT];
    attack_patterns pats[PATS__COUNT];
    uint32_t via;     /* AP_VIA_* bits; 0 = no via matcher */
    uint32_t not_via; /* AP_VIA_* bits that must all be absent */
} attack_rule;

/* Necessary conditions of a rule without a cmd matcher, kept together so that the rules a
 * statement cannot fire are skipped without touching them. The bigram masks are folded to 256
 * bits (bit b -> b % 256). */
#define ATTACK_FOLD_WORDS 4
typedef struct attack_gate {
    uint64_t text[ATTACK_FOLD_WORDS]; /* first bigrams of its text patterns (has_text) */
    uint64_t args[ATTACK_FOLD_WORDS]; /* ... of its args patterns (has_args) */
    uint32_t via;                     /* AP_VIA_* of which one is needed (0: none) */
    uint8_t has_text, has_args;
    uint8_t need_target;              /* a redirect-target matcher: the statement writes a file */
    uint8_t need_heredoc;             /* a heredoc matcher: the statement has redirections */
    uint8_t need_word;                /* a cmd-path matcher: the statement has a command word */
} attack_gate;

/* Command name -> rules naming it (rule indices in file order). Open addressing. */
typedef struct attack_cmd_slot {
    ap_str name; /* p == NULL: empty slot */
    uint64_t hash;
    uint32_t *rules;
    uint32_t nrules;
} attack_cmd_slot;

struct ap_attack {
    ap_arena arena; /* every string and array below, except the PCRE2 objects */

    /* technique table */
    ap_technique *techs;
    size_t ntechs;
    uint32_t *tech_slots; /* open addressing: technique index + 1, 0 = empty */
    size_t tech_mask;
    ap_tactic *tactics;
    size_t ntactics;
    char table_version[64]; /* "18.1" */

    /* rules */
    attack_rule *rules;
    size_t nrules;
    attack_cmd_slot *cmd_slots;
    size_t cmd_mask;
    uint32_t *cmdless; /* rules without a cmd matcher, file order */
    size_t ncmdless;
    struct attack_gate *gates; /* one per cmdless rule: cheap necessary conditions */
    char version[128]; /* "attack-18.1/rules-0123456789ab" */
    pcre2_code **codes; /* every compiled pattern, for ap_attack_rules_free */
    size_t ncodes, codes_cap;

    /* per-handle match scratch */
    pcre2_match_context *mctx;
    pcre2_match_data *md;
    char *args_buf;
    size_t args_cap;
    char *pipe_buf;
    size_t pipe_cap;
    ap_str *targets;
    size_t targets_cap;
    const ap_technique **seen; /* techniques already matched for the current statement */
};

/* attack_table.c: fill a->techs / a->tactics from the embedded v18.1 TSVs, or from a STIX 2.1
 * bundle (bundle_path non-NULL). Problems go to on_diag.
 * Return values: AP_OK, AP_ERR_IO, AP_ERR_FORMAT, AP_ERR_NOMEM. */
ap_status ap_attack_table_load(ap_attack *a, const char *bundle_path, ap_diag_fn on_diag,
                               void *diag_user);

/* attack_rules.c: parse and compile rules text (file names it in diagnostics and rule infos),
 * checking technique ids against the loaded table; builds the cmd index.
 * Return values: AP_OK, AP_ERR_FORMAT (every problem reported), AP_ERR_NOMEM. */
ap_status ap_attack_rules_compile(ap_attack *a, ap_str text, const char *file,
                                  ap_diag_fn on_diag, void *diag_user);
void ap_attack_rules_free(ap_attack *a);

/* Reports one problem (when on_diag is set). */
void ap_attack_report(ap_diag_fn on_diag, void *user, ap_severity sev, const char *file,
                      unsigned line, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

#endif
