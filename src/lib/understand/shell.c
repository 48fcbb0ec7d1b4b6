/* shell.c — reads attacker input as a POSIX shell would, without running it (see shell.h).
 *
 * Why it exists: the mapper, the normaliser and the IOC/key extractors need one statement per
 * simple command, with quotes removed, the real command name found behind wrappers, and
 * whatever the attacker hid in `sh -c`, `$(...)`, loops, here-documents and base64/printf
 * droppers brought to the surface. docs/shell-parsing.md describes the grammar accepted and
 * its limits.
 *
 * How it works, in one pass per text:
 *  - parse_text() walks one text (the input, a `$(...)` body, an `sh -c` argument, a decoded
 *    payload). Compound commands (`for`/`while`/`until`/`if`/`case`, `{ }`, `( )`) are tracked
 *    on a small explicit frame stack, so their bodies are parsed inline without recursion.
 *  - parse_simple() reads the words, assignments and redirections of one simple command;
 *    scan_word() does quote removal into a reusable scratch buffer (a word that needs no
 *    removal stays a view into the text: no copy at all).
 *  - After a statement is stored, its children are produced: substitution bodies, `sh -c` /
 *    `eval` / `su -c` strings, here-documents and pipes fed to a shell (decoded when the
 *    pipeline is an echo/printf/base64 dropper). Each child text is parsed by a recursive
 *    parse_text() call one level deeper; recursion is bounded by max_depth (capped at
 *    SHELL_DEPTH_CAP), so hostile nesting costs at most depth x input size.
 * All memory comes from the caller's arena; scratch vectors grow by doubling inside it.
 */
#include "understand/shell.h"

#include <limits.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <string.h>

#define SHELL_DEFAULT_DEPTH 6
#define SHELL_DEPTH_CAP 32          /* recursion bound whatever the caller asks for */
#define SHELL_DEFAULT_STATEMENTS 10000
#define SHELL_MAX_FRAMES 64         /* open compound commands tracked per text */
#define SHELL_MAX_WORDS 65536       /* words + assignments kept per statement */
#define SHELL_MAX_REDIRS 1024       /* redirections kept per statement */
#define SHELL_MAX_HEREDOCS 16       /* pending here-documents per line */
#define SHELL_MAX_SUBSTS 4096       /* substitutions walked per statement */
#define SHELL_MAX_NEST 256          /* quote/substitution nesting tracked when skipping $(...) */
#define SHELL_MAX_PIPE_WALK 16      /* pipeline stages followed back to find a dropper */

/* ---- parser state ---------------------------------------------------------------------- */

/* Where a substitution sits, so a child's decoded output can be matched to its word. */
enum { SUB_ARGV, SUB_ASSIGN, SUB_REDIR };

typedef struct subst_ref {
    ap_str body;          /* text to parse: view into the text, or an unescaped copy */
    uint32_t off;         /* offset of body in the text when in_text */
    uint32_t word_start;  /* raw range of the word holding it (in the text) */
    uint32_t word_end;
    uint32_t index;       /* argv / assign / redir index */
    uint8_t kind;         /* SUB_* */
    uint8_t in_text;      /* body is a contiguous view into the text */
    uint8_t whole;        /* the word is exactly this substitution (maybe double-quoted) */
    uint8_t quoted;       /* ... inside double quotes */
    uint8_t process;      /* <( ) or >( ) rather than $( ) or backticks */
    int32_t last;         /* last statement emitted at the top of the body, or -1 */
} subst_ref;

typedef struct word {
    ap_str value;
    uint32_t raw_start, raw_end;
    uint8_t quoted;       /* quotes or escapes were present */
} word;

typedef struct stmt_meta {
    int32_t prev_pipe;    /* statement whose output this one reads through |, or -1 */
} stmt_meta;

typedef struct heredoc_pending {
    int32_t stmt;         /* emitted statement index, or -1 for the statement being read */
    uint32_t redir;       /* redirection index in that statement */
    ap_str delim;
    uint8_t strip_tabs;
} heredoc_pending;

typedef struct parser {
    ap_arena *arena;
    unsigned max_depth;
    size_t max_statements;
    ap_stmt *out;
    stmt_meta *meta;
    size_t n, cap;
    int truncated;          /* something was dropped (statements, words, redirections) */
    int full;               /* max_statements reached: stop everything */
    int nomem;
    /* scratch of the statement being read (reset per statement) */
    ap_str *argv;
    size_t argc, argv_cap;
    ap_str *assign;
    size_t nassign, assign_cap;
    ap_redirect *redir;
    size_t nredir, redir_cap;
    char *wbuf;             /* quote-removal buffer */
    size_t wlen, wcap;
    /* substitutions: a stack shared by nested statements (indices, never pointers) */
    subst_ref *subs;
    size_t nsubs, subs_cap;
    size_t subs_floor;      /* first substitution of the statement being read */
} parser;

/* The text being parsed and where its statements come from. */
typedef struct text_ctx {
    ap_str buf;
    int64_t base;          /* offset of buf[0] in the input, or -1 when buf is not in it */
    uint32_t fb_start;     /* range given to statements when base < 0 */
    uint32_t fb_end;
    int32_t parent;
    uint16_t depth;
    uint32_t via;
} text_ctx;

static const char empty_text[1] = "";

/* ---- small helpers --------------------------------------------------------------------- */

static inline int is_blank(unsigned char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* Characters that end an unquoted word. */
static inline int is_meta(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '&' || c == '|' ||
           c == '<' || c == '>' || c == '(' || c == ')';
}

static inline int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static inline int is_name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static inline int is_name_char(unsigned char c) { return is_name_start(c) || is_digit(c); }

static inline int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads up to `max` hex digits of s[*i, n) into *v; returns how many were read. Shared by $'...'
 * and printf/echo -e escapes. */
static int read_hex(const char *s, size_t n, size_t *i, int max, uint32_t *v)
{
    int k = 0;
    *v = 0;
    while (k < max && *i < n && hex_value((unsigned char)s[*i]) >= 0)
        *v = *v * 16 + (uint32_t)hex_value((unsigned char)s[(*i)++]), k++;
    return k;
}

/* The byte of a one-letter C escape (\a \b \e \E \f \n \r \t \v), or -1 for any other letter. */
static int control_escape(unsigned char e)
{
    switch (e) {
    case 'a': return '\a';
    case 'b': return '\b';
    case 'e': case 'E': return 27;
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'v': return '\v';
    default: return -1;
    }
}

/* c is one of the characters of set (never the terminator: input bytes may be NUL) */
static int in_set(char c, const char *set) { return c != '\0' && strchr(set, c) != NULL; }

/* Comparisons with string literals, their length known at compile time (this runs for every
 * word of every statement). */
#define str_is(s, lit) ((s).n == sizeof(lit) - 1 && memcmp((s).p, lit, sizeof(lit) - 1) == 0)
#define str_has_prefix(s, lit)                                                                 \
    ((s).n >= sizeof(lit) - 1 && memcmp((s).p, lit, sizeof(lit) - 1) == 0)

/* Grows an arena-backed vector to hold `need` elements (doubling; old storage is abandoned
 * to the arena). Returns 0 when out of memory. */
static int grow(parser *P, void **vec, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 1;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need)
        ncap *= 2;
    void *nv = ap_arena_alloc(P->arena, ncap * elem);
    if (!nv) {
        P->nomem = 1;
        return 0;
    }
    if (*cap)
        memcpy(nv, *vec, *cap * elem);
    *vec = nv;
    *cap = ncap;
    return 1;
}

static inline int wb_reserve(parser *P, size_t extra)
{
    return grow(P, (void **)&P->wbuf, &P->wcap, P->wlen + extra, 1);
}

static inline void wb_put(parser *P, char c)
{
    if (P->wlen < P->wcap || wb_reserve(P, 1))
        P->wbuf[P->wlen++] = c;
}

static void wb_append(parser *P, const char *s, size_t n)
{
    if (n && wb_reserve(P, n)) {
        memcpy(P->wbuf + P->wlen, s, n);
        P->wlen += n;
    }
}

/* Appends the UTF-8 encoding of code point cp. */
static void wb_utf8(parser *P, uint32_t cp)
{
    if (cp < 0x80) {
        wb_put(P, (char)cp);
    } else if (cp < 0x800) {
        wb_put(P, (char)(0xC0 | (cp >> 6)));
        wb_put(P, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        wb_put(P, (char)(0xE0 | (cp >> 12)));
        wb_put(P, (char)(0x80 | ((cp >> 6) & 0x3F)));
        wb_put(P, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x110000) {
        wb_put(P, (char)(0xF0 | (cp >> 18)));
        wb_put(P, (char)(0x80 | ((cp >> 12) & 0x3F)));
        wb_put(P, (char)(0x80 | ((cp >> 6) & 0x3F)));
        wb_put(P, (char)(0x80 | (cp & 0x3F)));
    }
}

static ap_str arena_copy(parser *P, const char *p, size_t n)
{
    ap_str s = ap_arena_dup(P->arena, ap_str_make(p ? p : empty_text, n));
    if (!s.p)
        P->nomem = 1;
    return s;
}

/* ---- skipping nested constructs -------------------------------------------------------- */

enum { NEST_PAREN, NEST_DQ, NEST_BQ, NEST_BRACE };

/* From `pos` (just after an opening "$(", "(", "${" or "`" of the given kind), finds the
 * position of the matching closer, tracking quotes and nested substitutions on an explicit
 * stack. Returns n when the construct is not closed (or nests deeper than SHELL_MAX_NEST). */
static size_t skip_nested(const char *s, size_t n, size_t pos, int kind)
{
    unsigned char stack[SHELL_MAX_NEST];
    size_t top = 0;
    stack[top++] = (unsigned char)kind;
    size_t i = pos;
    int word_start = 1; /* for '#' comments inside $( ) */
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        int st = stack[top - 1];
        if (st == NEST_DQ) {
            if (c == '\\') {
                i += 2;
                continue;
            }
            if (c == '"') {
                top--;
                i++;
                word_start = 0;
                if (top == 0)
                    return i - 1;
                continue;
            }
            if (c == '$' && i + 1 < n && (s[i + 1] == '(' || s[i + 1] == '{')) {
                if (top == SHELL_MAX_NEST)
                    return n;
                stack[top++] = s[i + 1] == '(' ? NEST_PAREN : NEST_BRACE;
                i += 2;
                word_start = 1;
                continue;
            }
            if (c == '`') {
                if (top == SHELL_MAX_NEST)
                    return n;
                stack[top++] = NEST_BQ;
                i++;
                continue;
            }
            i++;
            continue;
        }
        /* command context: $( ), ( ), ${ }, ` ` */
        if (c == '\\') {
            i += 2;
            word_start = 0;
            continue;
        }
        if (c == '\'' && st != NEST_BQ) {
            const char *q = i + 1 < n ? memchr(s + i + 1, '\'', n - i - 1) : NULL;
            if (!q)
                return n;
            i = (size_t)(q - s) + 1;
            word_start = 0;
            continue;
        }
        if (c == '#' && word_start && st == NEST_PAREN) {
            while (i < n && s[i] != '\n')
                i++;
            continue;
        }
        if (c == '"') {
            if (top == SHELL_MAX_NEST)
                return n;
            stack[top++] = NEST_DQ;
            i++;
            continue;
        }
        if (c == '`') {
            if (st == NEST_BQ) {
                top--;
                i++;
                if (top == 0)
                    return i - 1;
                continue;
            }
            if (top == SHELL_MAX_NEST)
                return n;
            stack[top++] = NEST_BQ;
            i++;
            continue;
        }
        if (c == '$' && i + 1 < n && (s[i + 1] == '(' || s[i + 1] == '{')) {
            if (top == SHELL_MAX_NEST)
                return n;
            stack[top++] = s[i + 1] == '(' ? NEST_PAREN : NEST_BRACE;
            i += 2;
            word_start = 1;
            continue;
        }
        if (c == '(' && st != NEST_BRACE) {
            if (top == SHELL_MAX_NEST)
                return n;
            stack[top++] = NEST_PAREN;
            i++;
            word_start = 1;
            continue;
        }
        if ((c == ')' && st == NEST_PAREN) || (c == '}' && st == NEST_BRACE)) {
            top--;
            i++;
            if (top == 0)
                return i - 1;
            word_start = 0;
            continue;
        }
        word_start = is_meta(c);
        i++;
    }
    return n;
}

/* From pos (just after an opening backtick), the position of the closing one, or n. */
static size_t skip_backtick(const char *s, size_t n, size_t pos)
{
    size_t i = pos;
    while (i < n) {
        if (s[i] == '\\') {
            i += 2;
            continue;
        }
        if (s[i] == '`')
            return i;
        i++;
    }
    return n;
}

/* ---- words ----------------------------------------------------------------------------- */

static void push_subst(parser *P, ap_str body, size_t off, int in_text, int quoted, int process)
{
    if (P->nsubs - P->subs_floor >= SHELL_MAX_SUBSTS) {
        P->truncated = 1;
        return;
    }
    if (!grow(P, (void **)&P->subs, &P->subs_cap, P->nsubs + 1, sizeof *P->subs))
        return;
    subst_ref *r = &P->subs[P->nsubs++];
    memset(r, 0, sizeof *r);
    r->body = body;
    r->off = (uint32_t)off;
    r->in_text = (uint8_t)in_text;
    r->quoted = (uint8_t)quoted;
    r->process = (uint8_t)process;
    r->last = -1;
}

/* Records the body of a backtick substitution [start, end): backslash-escaped \ ` $ (and "
 * inside double quotes) are unescaped as the shell does before running it. */
static void push_backtick(parser *P, const char *s, size_t start, size_t end, int in_dq)
{
    size_t i;
    for (i = start; i < end; i++)
        if (s[i] == '\\')
            break;
    if (i == end) {
        push_subst(P, ap_str_make(s + start, end - start), start, 1, in_dq, 0);
        return;
    }
    char *copy = ap_arena_alloc(P->arena, end - start + 1);
    if (!copy) {
        P->nomem = 1;
        return;
    }
    size_t k = 0;
    for (i = start; i < end; i++) {
        if (s[i] == '\\' && i + 1 < end &&
            (s[i + 1] == '\\' || s[i + 1] == '`' || s[i + 1] == '$' || (in_dq && s[i + 1] == '"')))
            i++;
        copy[k++] = s[i];
    }
    copy[k] = '\0';
    push_subst(P, ap_str_make(copy, k), start, 0, in_dq, 0);
}

/* Decodes a $'...' string starting after the opening quote; returns the position after the
 * closing quote. Output goes to the scratch buffer. */
static size_t scan_ansi_c(parser *P, const char *s, size_t n, size_t i)
{
    while (i < n && s[i] != '\'') {
        unsigned char c = (unsigned char)s[i];
        if (c != '\\' || i + 1 >= n) {
            wb_put(P, (char)c);
            i++;
            continue;
        }
        unsigned char e = (unsigned char)s[i + 1];
        i += 2;
        int ctl = control_escape(e);
        if (ctl >= 0) {
            wb_put(P, (char)ctl);
            continue;
        }
        switch (e) {
        case '\\': case '\'': case '"': case '?': wb_put(P, (char)e); break;
        case 'x': {
            uint32_t v;
            if (read_hex(s, n, &i, 2, &v))
                wb_put(P, (char)v);
            else
                wb_append(P, "\\x", 2);
            break;
        }
        case 'u': case 'U': {
            uint32_t v;
            if (read_hex(s, n, &i, e == 'u' ? 4 : 8, &v))
                wb_utf8(P, v);
            else
                wb_put(P, '\\'), wb_put(P, (char)e);
            break;
        }
        case 'c':
            if (i < n)
                wb_put(P, (char)(s[i++] & 0x1F));
            break;
        default:
            if (e >= '0' && e <= '7') {
                int v = e - '0', k = 1;
                while (k < 3 && i < n && s[i] >= '0' && s[i] <= '7')
                    v = v * 8 + (s[i++] - '0'), k++;
                wb_put(P, (char)v);
            } else {
                wb_put(P, '\\');
                wb_put(P, (char)e);
            }
        }
    }
    return i < n ? i + 1 : n;
}

/* Reads one word at `pos` (not a blank or an operator) with quote removal into the scratch
 * buffer; a word that needs no removal stays a view into the text. Substitutions found are
 * pushed on P->subs (the caller tags them with the word they belong to); ${...} and $((...))
 * are kept as text. Returns the position after the word. */
static size_t scan_word(parser *P, const char *s, size_t n, size_t pos, word *w)
{
    size_t start = pos, i = pos;
    size_t sub_first = P->nsubs;
    int copying = 0, quoted = 0, other = 0; /* other: literal bytes outside substitutions */
    P->wlen = 0;
#define START_COPY()                                                                           \
    do {                                                                                       \
        if (!copying) {                                                                        \
            copying = 1;                                                                       \
            P->wlen = 0;                                                                       \
            wb_append(P, s + start, i - start);                                                \
        }                                                                                      \
    } while (0)
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (is_meta(c)) {
            /* arr=( ... ) and extglob @( ) ?( ) *( ) +( ) !( ) keep their parentheses */
            if (c == '(' && i > start &&
                (s[i - 1] == '=' || s[i - 1] == '@' || s[i - 1] == '?' || s[i - 1] == '*' ||
                 s[i - 1] == '+' || s[i - 1] == '!')) {
                size_t close = skip_nested(s, n, i + 1, NEST_PAREN);
                size_t e = close < n ? close + 1 : n;
                if (copying)
                    wb_append(P, s + i, e - i);
                i = e;
                other = 1;
                continue;
            }
            break;
        }
        if (c == '\\') {
            START_COPY();
            quoted = 1;
            if (i + 1 < n) {
                if (s[i + 1] != '\n') {
                    wb_put(P, s[i + 1]);
                    other = 1;
                }
                i += 2;
            } else {
                i++;
            }
            continue;
        }
        if (c == '\'') {
            START_COPY();
            quoted = 1;
            const char *q = i + 1 < n ? memchr(s + i + 1, '\'', n - i - 1) : NULL;
            size_t e = q ? (size_t)(q - s) : n;
            wb_append(P, s + i + 1, e - i - 1);
            if (e > i + 1)
                other = 1;
            i = q ? e + 1 : n;
            continue;
        }
        if (c == '"' || (c == '$' && i + 1 < n && s[i + 1] == '"')) {
            START_COPY();
            quoted = 1;
            i += c == '$' ? 2 : 1;
            while (i < n && s[i] != '"') {
                unsigned char d = (unsigned char)s[i];
                if (d == '\\' && i + 1 < n) {
                    unsigned char e = (unsigned char)s[i + 1];
                    if (e == '$' || e == '`' || e == '"' || e == '\\') {
                        wb_put(P, (char)e);
                        other = 1;
                    } else if (e != '\n') {
                        wb_put(P, '\\');
                        wb_put(P, (char)e);
                        other = 1;
                    }
                    i += 2;
                    continue;
                }
                if (d == '$' && i + 1 < n && (s[i + 1] == '(' || s[i + 1] == '{')) {
                    int paren = s[i + 1] == '(';
                    size_t close = skip_nested(s, n, i + 2, paren ? NEST_PAREN : NEST_BRACE);
                    size_t e = close < n ? close + 1 : n;
                    if (paren && !(i + 2 < n && s[i + 2] == '('))
                        push_subst(P, ap_str_make(s + i + 2, close - (i + 2)), i + 2, 1, 1, 0);
                    else
                        other = 1;
                    wb_append(P, s + i, e - i);
                    i = e;
                    continue;
                }
                if (d == '`') {
                    size_t close = skip_backtick(s, n, i + 1);
                    size_t e = close < n ? close + 1 : n;
                    push_backtick(P, s, i + 1, close, 1);
                    wb_append(P, s + i, e - i);
                    i = e;
                    continue;
                }
                wb_put(P, (char)d);
                other = 1;
                i++;
            }
            if (i < n)
                i++; /* closing quote */
            continue;
        }
        if (c == '$' && i + 1 < n && s[i + 1] == '\'') {
            START_COPY();
            quoted = 1;
            size_t before = P->wlen;
            i = scan_ansi_c(P, s, n, i + 2);
            if (P->wlen > before)
                other = 1;
            continue;
        }
        if (c == '$' && i + 1 < n && (s[i + 1] == '(' || s[i + 1] == '{')) {
            int paren = s[i + 1] == '(';
            size_t close = skip_nested(s, n, i + 2, paren ? NEST_PAREN : NEST_BRACE);
            size_t e = close < n ? close + 1 : n;
            if (paren && !(i + 2 < n && s[i + 2] == '('))
                push_subst(P, ap_str_make(s + i + 2, close - (i + 2)), i + 2, 1, 0, 0);
            else
                other = 1; /* ${...} and $((...)) are kept as text */
            if (copying)
                wb_append(P, s + i, e - i);
            i = e;
            continue;
        }
        if (c == '`') {
            size_t close = skip_backtick(s, n, i + 1);
            size_t e = close < n ? close + 1 : n;
            push_backtick(P, s, i + 1, close, 0);
            if (copying)
                wb_append(P, s + i, e - i);
            i = e;
            continue;
        }
        if (copying)
            wb_put(P, (char)c);
        other = 1;
        i++;
    }
#undef START_COPY
    w->raw_start = (uint32_t)start;
    w->raw_end = (uint32_t)i;
    w->quoted = (uint8_t)quoted;
    w->value = copying ? arena_copy(P, P->wbuf, P->wlen) : ap_str_make(s + start, i - start);
    if (P->nsubs == sub_first + 1 && !other)
        P->subs[sub_first].whole = 1;
    for (size_t k = sub_first; k < P->nsubs; k++) {
        P->subs[k].word_start = (uint32_t)start;
        P->subs[k].word_end = (uint32_t)i;
    }
    return i;
}

/* Reads a process substitution <( ... ) or >( ... ) at pos as one word. */
static size_t scan_process_subst(parser *P, const char *s, size_t n, size_t pos, word *w)
{
    size_t close = skip_nested(s, n, pos + 2, NEST_PAREN);
    size_t e = close < n ? close + 1 : n;
    size_t before = P->nsubs;
    push_subst(P, ap_str_make(s + pos + 2, close - (pos + 2)), pos + 2, 1, 0, 1);
    if (P->nsubs > before) {
        P->subs[before].whole = 1;
        P->subs[before].word_start = (uint32_t)pos;
        P->subs[before].word_end = (uint32_t)e;
    }
    w->value = ap_str_make(s + pos, e - pos);
    w->raw_start = (uint32_t)pos;
    w->raw_end = (uint32_t)e;
    w->quoted = 0;
    return e;
}

/* ---- command names behind wrappers ----------------------------------------------------- */

static ap_str base_name(ap_str w)
{
    if (w.n == 0 || w.p[0] == '`' || (w.n >= 2 && w.p[0] == '$' && w.p[1] == '('))
        return w;
    size_t i = w.n;
    while (i > 0 && w.p[i - 1] != '/')
        i--;
    if (i == w.n)
        return w; /* "/bin/" : keep the whole word */
    return ap_str_make(w.p + i, w.n - i);
}

static int is_option(ap_str w) { return w.n >= 2 && w.p[0] == '-'; }

static int has_eq(ap_str w) { return w.n && memchr(w.p, '=', w.n) != NULL; }

/* Index of the first word after a wrapper's options, given which short options take an
 * argument (`argopts`, letters) and whether leading NAME=value words are allowed. */
static size_t skip_wrapper_opts(const ap_str *argv, size_t argc, size_t i, const char *argopts,
                                int allow_assign)
{
    while (i < argc) {
        ap_str a = argv[i];
        if (str_is(a, "--"))
            return i + 1;
        if (is_option(a)) {
            if (a.p[1] != '-' && a.n == 2 && argopts && in_set(a.p[1], argopts))
                i += 2;
            else
                i++;
            continue;
        }
        if (allow_assign && a.n && is_name_start((unsigned char)a.p[0]) && has_eq(a)) {
            i++;
            continue;
        }
        break;
    }
    return i;
}

/* Finds cmd and cmd_index (see shell.h for the wrappers skipped). */
static void find_command(const ap_str *argv, size_t argc, ap_str *cmd, size_t *cmd_index)
{
    size_t i = 0;
    for (size_t guard = 0; i < argc && guard <= argc; guard++) {
        ap_str b = base_name(argv[i]);
        size_t next = i;
        if (str_is(b, "busybox")) {
            if (i + 1 < argc && !is_option(argv[i + 1]))
                next = i + 1;
        } else if (str_is(b, "sudo") || str_is(b, "doas")) {
            next = skip_wrapper_opts(argv, argc, i + 1, "ugCpDrtTUh", 1);
        } else if (str_is(b, "nohup") || str_is(b, "setsid")) {
            next = skip_wrapper_opts(argv, argc, i + 1, NULL, 0);
        } else if (str_is(b, "exec")) {
            next = skip_wrapper_opts(argv, argc, i + 1, "a", 0);
        } else if (str_is(b, "command")) {
            size_t k;
            int lookup = 0;
            for (k = i + 1; k < argc && is_option(argv[k]); k++)
                if (memchr(argv[k].p, 'v', argv[k].n) || memchr(argv[k].p, 'V', argv[k].n))
                    lookup = 1;
            if (!lookup)
                next = skip_wrapper_opts(argv, argc, i + 1, NULL, 0);
        } else if (str_is(b, "time")) {
            next = skip_wrapper_opts(argv, argc, i + 1, "fo", 0);
        } else if (str_is(b, "nice")) {
            next = skip_wrapper_opts(argv, argc, i + 1, "n", 0);
        } else if (str_is(b, "env")) {
            next = skip_wrapper_opts(argv, argc, i + 1, "uCS", 1);
            while (next < argc && str_is(argv[next], "-"))
                next = skip_wrapper_opts(argv, argc, next + 1, "uCS", 1);
        } else if (str_is(b, "stdbuf")) {
            next = skip_wrapper_opts(argv, argc, i + 1, "ioe", 0);
        } else if (str_is(b, "timeout")) {
            next = skip_wrapper_opts(argv, argc, i + 1, "sk", 0);
            if (next < argc)
                next++; /* DURATION */
        } else if (str_is(b, "chroot")) {
            next = skip_wrapper_opts(argv, argc, i + 1, NULL, 0);
            if (next < argc)
                next++; /* DIR */
        }
        if (next == i || next >= argc)
            break;
        i = next;
    }
    if (argc == 0) {
        *cmd = ap_str_make(empty_text, 0);
        *cmd_index = 0;
        return;
    }
    if (i >= argc)
        i = argc - 1;
    *cmd = base_name(argv[i]);
    *cmd_index = i;
}

static int is_shell_name(ap_str c)
{
    return str_is(c, "sh") || str_is(c, "bash") || str_is(c, "ash") || str_is(c, "dash") ||
           str_is(c, "zsh") || str_is(c, "ksh") || str_is(c, "mksh");
}

/* ---- statements ------------------------------------------------------------------------ */

/* Compound-command frames of one text. */
enum { FR_LOOP, FR_IF, FR_CASE, FR_BRACE, FR_PAREN };

typedef struct frames {
    unsigned char kind[SHELL_MAX_FRAMES];
    unsigned char case_body[SHELL_MAX_FRAMES]; /* FR_CASE: 0 = expecting a pattern */
    unsigned n;
    unsigned overflow;                         /* pushes beyond SHELL_MAX_FRAMES */
    uint32_t via;                              /* AP_VIA_* of the open frames */
} frames;

static void frame_push(frames *f, int kind)
{
    if (f->n == SHELL_MAX_FRAMES) {
        f->overflow++;
        return;
    }
    f->kind[f->n] = (unsigned char)kind;
    f->case_body[f->n] = 0;
    f->n++;
    f->via |= kind == FR_LOOP ? (uint32_t)AP_VIA_LOOP : (uint32_t)AP_VIA_GROUP;
}

static void frame_recompute_via(frames *f)
{
    f->via = 0;
    for (unsigned k = 0; k < f->n; k++)
        f->via |= f->kind[k] == FR_LOOP ? (uint32_t)AP_VIA_LOOP : (uint32_t)AP_VIA_GROUP;
}

/* Closes the innermost frame of `kind` (and anything opened after it). */
static void frame_pop(frames *f, int kind)
{
    if (f->overflow) {
        f->overflow--;
        return;
    }
    for (unsigned k = f->n; k > 0; k--) {
        if (f->kind[k - 1] == kind) {
            f->n = k - 1;
            frame_recompute_via(f);
            return;
        }
    }
}

typedef struct origin {
    int32_t parent;
    uint16_t depth;
    uint32_t via;
    uint32_t start, end; /* range for children whose text is not in the input */
} origin;

static void parse_text(parser *P, const text_ctx *C, int32_t *last_top);

/* Appends a statement; returns its index or -1 when the output is full or memory ran out. */
static int32_t emit(parser *P, const text_ctx *C, const frames *F, size_t s0, size_t s1,
                    ap_connector conn, int32_t prev_pipe)
{
    if (P->nomem)
        return -1;
    if (P->n >= P->max_statements) {
        P->truncated = 1;
        P->full = 1;
        return -1;
    }
    if (P->n == P->cap) {
        size_t cap = P->cap;
        if (!grow(P, (void **)&P->out, &cap, P->n + 1, sizeof *P->out))
            return -1;
        size_t mcap = P->cap;
        if (!grow(P, (void **)&P->meta, &mcap, P->n + 1, sizeof *P->meta))
            return -1;
        P->cap = cap < mcap ? cap : mcap;
    }
    size_t bytes = sizeof(ap_str) * (P->argc + 1 + P->nassign) + sizeof(ap_redirect) * P->nredir;
    ap_str *arrays = ap_arena_alloc(P->arena, bytes);
    if (!arrays) {
        P->nomem = 1;
        return -1;
    }
    ap_stmt *st = &P->out[P->n];
    memset(st, 0, sizeof *st);
    st->argv = arrays;
    if (P->argc)
        memcpy(st->argv, P->argv, sizeof(ap_str) * P->argc);
    st->argv[P->argc] = AP_STR_NULL;
    st->argc = P->argc;
    st->assign = arrays + P->argc + 1;
    if (P->nassign)
        memcpy(st->assign, P->assign, sizeof(ap_str) * P->nassign);
    st->nassign = P->nassign;
    st->redir = (ap_redirect *)(void *)(st->assign + P->nassign);
    if (P->nredir)
        memcpy(st->redir, P->redir, sizeof(ap_redirect) * P->nredir);
    st->nredir = P->nredir;
    st->text = ap_str_make(C->buf.p + s0, s1 - s0);
    if (C->base >= 0) {
        st->start = (uint32_t)(C->base + (int64_t)s0);
        st->end = (uint32_t)(C->base + (int64_t)s1);
    } else {
        st->start = C->fb_start;
        st->end = C->fb_end;
    }
    find_command(st->argv, st->argc, &st->cmd, &st->cmd_index);
    st->via = C->via | F->via;
    unsigned depth = C->depth + F->n + F->overflow;
    st->depth = (uint16_t)(depth > P->max_depth ? P->max_depth : depth);
    st->parent = C->parent;
    st->conn = conn;
    st->pipe_to = ap_str_make(empty_text, 0);
    if (prev_pipe >= 0 && P->out[prev_pipe].conn == AP_CONN_PIPE)
        P->out[prev_pipe].pipe_to = st->cmd;
    P->meta[P->n].prev_pipe = prev_pipe;
    return (int32_t)P->n++;
}

/* Parses `text` as a child of a statement (or of a loop header). */
static int32_t parse_child(parser *P, const origin *o, ap_str text, int64_t base, uint32_t via)
{
    int32_t last = -1;
    if (P->nomem || P->full || o->depth + 1u > P->max_depth || !text.p)
        return -1;
    text_ctx c = {.buf = text,
                  .base = base,
                  .fb_start = o->start,
                  .fb_end = o->end,
                  .parent = o->parent,
                  .depth = (uint16_t)(o->depth + 1),
                  .via = o->via | via};
    parse_text(P, &c, &last);
    return last;
}

/* ---- what a statement writes: echo, printf, base64 droppers ----------------------------- */

typedef struct produced {
    ap_str text;
    uint32_t via;      /* AP_VIA_BASE64 / _PRINTF / _HEREDOC: where the text came from */
    int known;         /* the text is known (else: a file, the network, a command we do not run) */
    int decoded;       /* base64 or \x / octal escapes were decoded on the way: an obfuscation */
} produced;

/* Decodes the escape at s[*i] (a backslash) into the scratch buffer and advances *i.
 * printf_fmt: printf format rules (\NNN octal, \" and \' unescaped); otherwise echo -e / %b
 * rules (\0NNN octal). Returns 1 for \c (stop all output). *decoded is set when a \x or octal
 * escape produced a byte: the mark of an encoded payload. */
static int decode_escape(parser *P, ap_str s, size_t *i, int printf_fmt, int *decoded)
{
    size_t k = *i;
    if (k + 1 >= s.n) {
        wb_put(P, '\\');
        *i = k + 1;
        return 0;
    }
    unsigned char e = (unsigned char)s.p[k + 1];
    k += 2;
    int ctl = control_escape(e);
    if (ctl >= 0) {
        wb_put(P, (char)ctl);
        *i = k;
        return 0;
    }
    switch (e) {
    case '\\': wb_put(P, '\\'); break;
    case 'c': *i = k; return 1;
    case 'x': {
        uint32_t v;
        if (read_hex(s.p, s.n, &k, 2, &v)) {
            wb_put(P, (char)v);
            *decoded = 1;
        } else {
            wb_append(P, "\\x", 2);
        }
        break;
    }
    default:
        if (printf_fmt && (e == '"' || e == '\'')) {
            wb_put(P, (char)e);
        } else if ((printf_fmt && e >= '0' && e <= '7') || (!printf_fmt && e == '0')) {
            int v = printf_fmt ? e - '0' : 0, digits = printf_fmt ? 1 : 0;
            while (digits < 3 && k < s.n && s.p[k] >= '0' && s.p[k] <= '7')
                v = v * 8 + (s.p[k++] - '0'), digits++;
            wb_put(P, (char)(v & 0xFF));
            *decoded = 1;
        } else {
            wb_put(P, '\\');
            wb_put(P, (char)e);
        }
    }
    *i = k;
    return 0;
}

/* Appends s with echo -e escapes decoded; returns 1 when \c stops output. */
static int put_echo_escapes(parser *P, ap_str s, int *decoded)
{
    size_t i = 0;
    while (i < s.n) {
        const char *bs = memchr(s.p + i, '\\', s.n - i);
        size_t e = bs ? (size_t)(bs - s.p) : s.n;
        wb_append(P, s.p + i, e - i);
        i = e;
        if (i < s.n && decode_escape(P, s, &i, 0, decoded))
            return 1;
    }
    return 0;
}

/* Output of `echo [-neE] args`. */
static produced run_echo(parser *P, const ap_stmt *st)
{
    produced r = {AP_STR_NULL, 0, 0, 0};
    size_t i = st->cmd_index + 1;
    int esc = 0, nl = 1, decoded = 0;
    for (; i < st->argc; i++) {
        ap_str a = st->argv[i];
        if (a.n < 2 || a.p[0] != '-')
            break;
        size_t k;
        for (k = 1; k < a.n && (a.p[k] == 'n' || a.p[k] == 'e' || a.p[k] == 'E'); k++)
            ;
        if (k != a.n)
            break;
        for (k = 1; k < a.n; k++) {
            if (a.p[k] == 'n')
                nl = 0;
            else if (a.p[k] == 'e')
                esc = 1;
            else
                esc = 0;
        }
    }
    P->wlen = 0;
    int stop = 0;
    for (size_t first = i; i < st->argc && !stop; i++) {
        if (i > first)
            wb_put(P, ' ');
        if (esc)
            stop = put_echo_escapes(P, st->argv[i], &decoded);
        else
            wb_append(P, st->argv[i].p, st->argv[i].n);
    }
    if (nl && !stop)
        wb_put(P, '\n');
    r.text = arena_copy(P, P->wbuf, P->wlen);
    r.known = r.text.p != NULL;
    r.decoded = decoded;
    r.via = AP_VIA_PRINTF;
    return r;
}

/* Output of `printf FORMAT args...`: escapes, %s %b %c %%, other conversions print the
 * argument as is; the format is reused while arguments remain (as printf does). */
static produced run_printf(parser *P, const ap_stmt *st)
{
    produced r = {AP_STR_NULL, 0, 0, 0};
    size_t i = st->cmd_index + 1;
    if (i < st->argc && str_is(st->argv[i], "--"))
        i++;
    if (i >= st->argc || str_has_prefix(st->argv[i], "-v"))
        return r; /* printf -v VAR assigns instead of printing */
    ap_str fmt = st->argv[i++];
    int decoded = 0;
    P->wlen = 0;
    for (int round = 0; round < 1024; round++) {
        size_t used = 0, k = 0;
        while (k < fmt.n) {
            char c = fmt.p[k];
            if (c == '\\') {
                if (decode_escape(P, fmt, &k, 1, &decoded))
                    goto done;
                continue;
            }
            if (c != '%' || k + 1 >= fmt.n) {
                wb_put(P, c);
                k++;
                continue;
            }
            size_t j = k + 1;
            if (fmt.p[j] == '%') {
                wb_put(P, '%');
                k = j + 1;
                continue;
            }
            while (j < fmt.n && in_set(fmt.p[j], "-+ #0123456789."))
                j++;
            if (j >= fmt.n) {
                wb_append(P, fmt.p + k, fmt.n - k);
                break;
            }
            char conv = fmt.p[j];
            ap_str arg = ap_str_make(empty_text, 0);
            if (i < st->argc) {
                arg = st->argv[i++];
                used++;
            }
            if (conv == 'b') {
                if (put_echo_escapes(P, arg, &decoded))
                    goto done;
            } else if (conv == 'c') {
                if (arg.n)
                    wb_put(P, arg.p[0]);
            } else {
                wb_append(P, arg.p, arg.n);
            }
            k = j + 1;
        }
        if (!used || i >= st->argc)
            break;
    }
done:
    r.text = arena_copy(P, P->wbuf, P->wlen);
    r.known = r.text.p != NULL;
    r.decoded = decoded;
    r.via = AP_VIA_PRINTF;
    return r;
}

/* base64 text (whitespace ignored, padding optional) decoded with libcrypto. */
static produced decode_base64(parser *P, ap_str in)
{
    produced r = {AP_STR_NULL, 0, 0, 0};
    if (!in.p || in.n > (size_t)INT_MAX / 2)
        return r;
    char *clean = ap_arena_alloc(P->arena, in.n + 4);
    if (!clean) {
        P->nomem = 1;
        return r;
    }
    size_t k = 0;
    for (size_t i = 0; i < in.n; i++) {
        unsigned char c = (unsigned char)in.p[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '+' ||
            c == '/')
            clean[k++] = (char)c;
        else
            break; /* '=' padding or garbage ends the data, as base64 -d stops there */
    }
    if (k % 4 == 1)
        k--;
    size_t pad = (4 - k % 4) % 4;
    for (size_t p = 0; p < pad; p++)
        clean[k++] = '=';
    if (k == 0)
        return r;
    unsigned char *outb = ap_arena_alloc(P->arena, k / 4 * 3 + 1);
    if (!outb) {
        P->nomem = 1;
        return r;
    }
    int len = EVP_DecodeBlock(outb, (const unsigned char *)clean, (int)k);
    if (len < 0)
        return r;
    len -= (int)pad;
    if (len < 0)
        len = 0;
    outb[len] = '\0';
    r.text = ap_str_make((const char *)outb, (size_t)len);
    r.known = 1;
    r.decoded = 1;
    r.via = AP_VIA_BASE64;
    return r;
}

/* Is this statement a base64 decoder (base64 -d/--decode/-D, openssl base64 -d,
 * openssl enc -base64 -d / -a -d)? */
static int is_base64_decoder(const ap_stmt *st)
{
    size_t i = st->cmd_index + 1;
    int decode = 0, b64 = 0;
    if (str_is(st->cmd, "base64")) {
        b64 = 1;
    } else if (str_is(st->cmd, "openssl")) {
        if (i < st->argc && str_is(st->argv[i], "base64"))
            b64 = 1;
        else if (!(i < st->argc && str_is(st->argv[i], "enc")))
            return 0;
        i++;
    } else {
        return 0;
    }
    for (; i < st->argc; i++) {
        ap_str a = st->argv[i];
        if (str_is(a, "-d") || str_is(a, "--decode") || str_is(a, "-D") ||
            (a.n >= 2 && a.p[0] == '-' && a.p[1] != '-' && memchr(a.p, 'd', a.n) &&
             str_is(st->cmd, "base64")))
            decode = 1;
        else if (str_is(a, "-base64") || str_is(a, "-a"))
            b64 = 1;
        else if (!is_option(a) && !str_is(a, "-"))
            return 0; /* a file argument: the input is not the pipe */
    }
    return decode && b64;
}

/* Where a statement's standard input comes from. */
enum { STDIN_PIPE, STDIN_HEREDOC, STDIN_HERESTRING, STDIN_FILE };

/* The last input redirection decides: a here-document or here-string (its text in *text, and
 * its redirection index in *ridx), a file, or else the pipe. */
static int stdin_source(const ap_stmt *st, ap_str *text, size_t *ridx)
{
    for (size_t r = st->nredir; r > 0; r--) {
        ap_str op = st->redir[r - 1].op;
        size_t k = 0;
        while (k < op.n && is_digit((unsigned char)op.p[k]))
            k++;
        if (k && !(k == 1 && op.p[0] == '0'))
            continue; /* 3<file: not standard input */
        ap_str bare = ap_str_make(op.p + k, op.n - k);
        if (str_is(bare, "<<") || str_is(bare, "<<-") || str_is(bare, "<<<")) {
            *text = st->redir[r - 1].target;
            *ridx = r - 1;
            return str_is(bare, "<<<") ? STDIN_HERESTRING : STDIN_HEREDOC;
        }
        if (str_is(bare, "<") || str_is(bare, "<>") || str_has_prefix(bare, "<&"))
            return STDIN_FILE;
    }
    return STDIN_PIPE;
}

/* What statement `idx` writes to its standard output, when the pipeline ending there is an
 * echo/printf/cat/base64 chain whose data is in the text. */
static produced output_of(parser *P, int32_t idx)
{
    produced none = {AP_STR_NULL, 0, 0, 0};
    int32_t chain[SHELL_MAX_PIPE_WALK];
    int nchain = 0;
    for (int32_t k = idx; k >= 0 && nchain < SHELL_MAX_PIPE_WALK; k = P->meta[k].prev_pipe)
        chain[nchain++] = k;
    produced cur = none;
    for (int c = nchain - 1; c >= 0; c--) {
        const ap_stmt *st = &P->out[chain[c]];
        ap_str text = AP_STR_NULL;
        size_t ridx = 0;
        int src = stdin_source(st, &text, &ridx);
        produced in = cur;
        if (src == STDIN_FILE) {
            in = none;
        } else if (src != STDIN_PIPE) {
            in.text = text;
            in.known = text.p != NULL;
            in.decoded = 0;
            in.via = AP_VIA_HEREDOC;
        }
        if (str_is(st->cmd, "echo")) {
            cur = run_echo(P, st);
        } else if (str_is(st->cmd, "printf")) {
            cur = run_printf(P, st);
        } else if (is_base64_decoder(st)) {
            if (!in.known)
                return none;
            cur = decode_base64(P, in.text);
            if (in.decoded) /* escapes decoded before the base64: both layers */
                cur.via |= in.via & AP_VIA_PRINTF;
        } else if (str_is(st->cmd, "cat") && st->cmd_index + 1 >= st->argc) {
            cur = in;
        } else {
            return none;
        }
        if (!cur.known)
            return none;
    }
    return cur;
}

/* ---- children of a statement ----------------------------------------------------------- */

static origin origin_of(const ap_stmt *st, int32_t idx)
{
    origin o = {idx, st->depth, st->via, st->start, st->end};
    return o;
}

/* Offset of `sub` inside `buf` when sub is a view into it (an arena copy never overlaps the
 * text, so the address test is exact). */
static int view_offset(ap_str buf, ap_str sub, size_t *off)
{
    uintptr_t b = (uintptr_t)buf.p, p = (uintptr_t)sub.p;
    if (!sub.p || p < b || p - b > buf.n || sub.n > buf.n - (p - b))
        return 0;
    *off = (size_t)(p - b);
    return 1;
}

static int64_t base_of(const text_ctx *C, ap_str sub)
{
    size_t off;
    if (C->base < 0 || !view_offset(C->buf, sub, &off))
        return -1;
    return C->base + (int64_t)off;
}

/* The substitution record (in the statement's slice) that is exactly word `index` of `kind`. */
static const subst_ref *whole_subst(const parser *P, size_t first, size_t end, int kind,
                                    size_t index)
{
    for (size_t k = first; k < end; k++)
        if (P->subs[k].kind == kind && P->subs[k].index == index && P->subs[k].whole)
            return &P->subs[k];
    return NULL;
}

/* Script text of a word given to a shell: the decoded output when the word is exactly a
 * substitution whose output is known, else the word itself. */
static ap_str script_of(parser *P, ap_str w, const subst_ref *sub, uint32_t *via)
{
    *via = 0;
    if (sub && sub->last >= 0) {
        produced o = output_of(P, sub->last);
        if (o.known) {
            *via = o.via;
            return o.text;
        }
    }
    return w;
}

/* `sh -c STR`, `bash -s`, `sh <<EOF`, `sh <<< STR`, `... | sh`. */
static void shell_children(parser *P, const text_ctx *C, int32_t idx, size_t sub_first,
                           size_t sub_end)
{
    const ap_stmt *st = &P->out[idx];
    origin o = origin_of(st, idx);
    size_t i = st->cmd_index + 1;
    int dash_c = 0, dash_s = 0;
    for (; i < st->argc; i++) {
        ap_str a = st->argv[i];
        if (str_is(a, "-")) {
            dash_s = 1;
            i++;
            break;
        }
        if (str_is(a, "--")) {
            i++;
            break;
        }
        if (a.n < 2 || (a.p[0] != '-' && a.p[0] != '+'))
            break;
        if (str_is(a, "--rcfile") || str_is(a, "--init-file") || str_is(a, "-o") ||
            str_is(a, "+o") || str_is(a, "-O") || str_is(a, "+O")) {
            i++;
            continue;
        }
        if (a.p[1] == '-')
            continue; /* --login, --norc ... */
        if (a.p[0] == '-' && memchr(a.p, 'c', a.n))
            dash_c = 1;
        if (a.p[0] == '-' && memchr(a.p, 's', a.n))
            dash_s = 1;
    }
    if (dash_c) {
        if (i >= st->argc)
            return;
        uint32_t via;
        ap_str text =
            script_of(P, st->argv[i], whole_subst(P, sub_first, sub_end, SUB_ARGV, i), &via);
        parse_child(P, &o, text, -1, AP_VIA_SH_C | via);
        return;
    }
    if (i < st->argc && !dash_s)
        return; /* sh FILE: the script is not in the text */
    ap_str in = AP_STR_NULL;
    size_t ridx = 0;
    int src = stdin_source(st, &in, &ridx);
    if (src == STDIN_HEREDOC) {
        parse_child(P, &o, in, base_of(C, in), AP_VIA_HEREDOC);
    } else if (src == STDIN_HERESTRING) {
        uint32_t via;
        ap_str text = script_of(P, in, whole_subst(P, sub_first, sub_end, SUB_REDIR, ridx), &via);
        parse_child(P, &o, text, -1, AP_VIA_HEREDOC | via);
    } else if (src == STDIN_PIPE && P->meta[idx].prev_pipe >= 0) {
        produced up = output_of(P, P->meta[idx].prev_pipe);
        if (up.known)
            parse_child(P, &o, up.text, -1, up.via);
    }
}

/* Rebuilds a statement whose words are decoding substitutions with the decoded text in their
 * place (`$(echo d2dldA== | base64 -d) http://x` -> `wget http://x`), so the hidden command is
 * seen. Plain `$(echo x)` or `$(cat f)` words are left alone: nothing was hidden. */
static void rebuild_decoded(parser *P, const text_ctx *C, int32_t idx, size_t sub_first,
                            size_t sub_end, size_t s0, size_t s1)
{
    enum { MAX_DECODED_WORDS = 16 };
    size_t refs[MAX_DECODED_WORDS];
    produced outs[MAX_DECODED_WORDS];
    size_t nouts = 0, at = s0;
    /* decode first: output_of() uses the scratch buffer the rebuilt text is written to */
    for (size_t k = sub_first; k < sub_end && nouts < MAX_DECODED_WORDS; k++) {
        const subst_ref *r = &P->subs[k];
        if (!r->whole || r->last < 0 || r->process || r->kind != SUB_ARGV ||
            r->word_start < at || r->word_end > s1)
            continue;
        produced o = output_of(P, r->last);
        if (!o.known || !o.decoded)
            continue;
        refs[nouts] = k;
        outs[nouts++] = o;
        at = r->word_end;
    }
    if (!nouts)
        return;
    uint32_t via = 0;
    at = s0;
    P->wlen = 0;
    for (size_t j = 0; j < nouts; j++) {
        const subst_ref *r = &P->subs[refs[j]];
        wb_append(P, C->buf.p + at, r->word_start - at);
        ap_str t = outs[j].text;
        while (t.n && t.p[t.n - 1] == '\n') /* $( ) drops trailing newlines */
            t.n--;
        if (r->quoted) {
            wb_put(P, '\'');
            for (size_t i = 0; i < t.n; i++) {
                if (t.p[i] == '\'')
                    wb_append(P, "'\\''", 4);
                else
                    wb_put(P, t.p[i]);
            }
            wb_put(P, '\'');
        } else {
            wb_append(P, t.p, t.n);
        }
        via |= outs[j].via;
        at = r->word_end;
    }
    wb_append(P, C->buf.p + at, s1 - at);
    ap_str text = arena_copy(P, P->wbuf, P->wlen);
    origin o = origin_of(&P->out[idx], idx);
    parse_child(P, &o, text, -1, AP_VIA_SUBST | via);
}

/* Produces every child of statement idx: substitutions first (in source order), then what
 * the command itself runs (sh -c, eval, su -c, source <(...), a shell fed by a pipe or a
 * here-document). */
static void statement_children(parser *P, const text_ctx *C, int32_t idx, size_t sub_first,
                               size_t s0, size_t s1)
{
    size_t sub_end = P->nsubs;
    for (size_t k = sub_first; k < sub_end && !P->nomem && !P->full; k++) {
        origin o = origin_of(&P->out[idx], idx);
        subst_ref r = P->subs[k];
        int64_t base = (r.in_text && C->base >= 0) ? C->base + (int64_t)r.off : -1;
        int32_t last = parse_child(P, &o, r.body, base, AP_VIA_SUBST);
        P->subs[k].last = last; /* P->subs may have moved during the call */
    }
    if (P->nomem || P->full || P->out[idx].argc == 0)
        return;
    const ap_stmt *st = &P->out[idx];
    ap_str cmd = st->cmd;
    int runner = is_shell_name(cmd) || str_is(cmd, "eval") || str_is(cmd, "su") ||
                 str_is(cmd, "runuser") || str_is(cmd, "source") || str_is(cmd, ".");
    if (!runner) { /* runners decode their script word themselves, below */
        rebuild_decoded(P, C, idx, sub_first, sub_end, s0, s1);
        return;
    }
    origin o = origin_of(st, idx);
    size_t i = st->cmd_index + 1;
    if (is_shell_name(cmd)) {
        shell_children(P, C, idx, sub_first, sub_end);
    } else if (str_is(cmd, "eval")) {
        if (i >= st->argc)
            return;
        uint32_t via = 0;
        ap_str text;
        if (i + 1 == st->argc) {
            text = script_of(P, st->argv[i], whole_subst(P, sub_first, sub_end, SUB_ARGV, i), &via);
        } else {
            P->wlen = 0;
            for (size_t k = i; k < st->argc; k++) {
                if (k > i)
                    wb_put(P, ' ');
                wb_append(P, st->argv[k].p, st->argv[k].n);
            }
            text = arena_copy(P, P->wbuf, P->wlen);
        }
        parse_child(P, &o, text, -1, AP_VIA_EVAL | via);
    } else if (str_is(cmd, "su") || str_is(cmd, "runuser")) {
        for (; i < st->argc; i++) {
            ap_str a = st->argv[i];
            if ((str_is(a, "-c") || str_is(a, "--command")) && i + 1 < st->argc) {
                uint32_t via;
                ap_str text = script_of(P, st->argv[i + 1],
                                        whole_subst(P, sub_first, sub_end, SUB_ARGV, i + 1), &via);
                parse_child(P, &o, text, -1, AP_VIA_SH_C | via);
                return;
            }
            if (str_has_prefix(a, "--command=")) {
                parse_child(P, &o, ap_str_make(a.p + 10, a.n - 10), -1, AP_VIA_SH_C);
                return;
            }
        }
    } else if (str_is(cmd, "source") || str_is(cmd, ".")) {
        const subst_ref *r = i < st->argc ? whole_subst(P, sub_first, sub_end, SUB_ARGV, i) : NULL;
        if (r && r->last >= 0) {
            produced out = output_of(P, r->last);
            if (out.known)
                parse_child(P, &o, out.text, -1, AP_VIA_SUBST | out.via);
        }
    }
}

/* ---- here-documents -------------------------------------------------------------------- */

/* Reads the bodies of the pending here-documents from the line after position nl (a newline
 * or the end of the text) and patches each body into its redirection. A shell statement
 * emitted earlier on the line and fed by one of them is listed in fed[] (*nfed): its
 * children are parsed by the caller once the scratch vectors are free. Returns where parsing
 * resumes. */
static size_t read_heredocs(parser *P, const text_ctx *C, size_t nl, heredoc_pending *h,
                            unsigned *nh, int32_t *fed, unsigned *nfed)
{
    const char *s = C->buf.p;
    size_t n = C->buf.n, p = nl < n ? nl + 1 : n;
    for (unsigned k = 0; k < *nh; k++) {
        size_t body_start = p, body_end = n;
        while (p < n) {
            const char *e = memchr(s + p, '\n', n - p);
            size_t eol = e ? (size_t)(e - s) : n;
            size_t ls = p, le = eol;
            if (h[k].strip_tabs)
                while (ls < eol && s[ls] == '\t')
                    ls++;
            if (le > ls && s[le - 1] == '\r')
                le--;
            size_t line_start = p;
            p = eol < n ? eol + 1 : n;
            if (le - ls == h[k].delim.n && memcmp(s + ls, h[k].delim.p, le - ls) == 0) {
                body_end = line_start;
                break;
            }
        }
        ap_str body = ap_str_make(s + body_start, body_end - body_start);
        if (h[k].strip_tabs) {
            P->wlen = 0;
            int at_line = 1;
            for (size_t i = body_start; i < body_end; i++) {
                if (at_line && s[i] == '\t')
                    continue;
                at_line = s[i] == '\n';
                wb_put(P, s[i]);
            }
            if (P->wlen != body.n)
                body = arena_copy(P, P->wbuf, P->wlen);
        }
        if (h[k].stmt < 0) {
            if (h[k].redir < P->nredir)
                P->redir[h[k].redir].target = body;
        } else if ((size_t)h[k].stmt < P->n) {
            ap_stmt *st = &P->out[h[k].stmt];
            if (h[k].redir < st->nredir) {
                st->redir[h[k].redir].target = body;
                if (is_shell_name(st->cmd) && *nfed < SHELL_MAX_HEREDOCS)
                    fed[(*nfed)++] = h[k].stmt;
            }
        }
    }
    *nh = 0;
    return p;
}

/* Children of shells whose here-document was read after they were emitted. */
static void feed_heredoc_shells(parser *P, const text_ctx *C, const int32_t *fed, unsigned nfed)
{
    for (unsigned k = 0; k < nfed && !P->nomem && !P->full; k++) {
        const ap_stmt *st = &P->out[fed[k]];
        ap_str in;
        size_t ridx;
        if (stdin_source(st, &in, &ridx) != STDIN_HEREDOC)
            continue;
        origin o = origin_of(st, fed[k]);
        parse_child(P, &o, in, base_of(C, in), AP_VIA_HEREDOC);
    }
}

/* ---- the statement reader --------------------------------------------------------------- */

/* Reserved words, recognised where a command starts. */
enum {
    KW_NONE, KW_LBRACE, KW_RBRACE, KW_BANG, KW_IF, KW_THEN, KW_ELIF, KW_ELSE, KW_FI, KW_FOR,
    KW_SELECT, KW_WHILE, KW_UNTIL, KW_DO, KW_DONE, KW_CASE, KW_ESAC, KW_FUNCTION, KW_IN, KW_DBRACKET
};

/* The reserved word at pos (unquoted, followed by a delimiter), its length in *len. `{` and `!`
 * need a blank or newline after them (`{a,b}` is a word). */
static int keyword(const char *s, size_t n, size_t pos, size_t *len)
{
    static const struct {
        char w[9];
        unsigned char len, id;
    } words[] = {{"{", 1, KW_LBRACE},   {"}", 1, KW_RBRACE},      {"!", 1, KW_BANG},
                 {"if", 2, KW_IF},      {"then", 4, KW_THEN},     {"elif", 4, KW_ELIF},
                 {"else", 4, KW_ELSE},  {"fi", 2, KW_FI},         {"for", 3, KW_FOR},
                 {"select", 6, KW_SELECT}, {"while", 5, KW_WHILE}, {"until", 5, KW_UNTIL},
                 {"do", 2, KW_DO},      {"done", 4, KW_DONE},     {"case", 4, KW_CASE},
                 {"esac", 4, KW_ESAC},  {"function", 8, KW_FUNCTION}, {"in", 2, KW_IN},
                 {"[[", 2, KW_DBRACKET}};
    size_t k = 0;
    while (pos + k < n && k < 9 && !is_meta((unsigned char)s[pos + k]))
        k++;
    if (k == 0 || k > 8)
        return KW_NONE;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (words[i].len != k || words[i].w[0] != s[pos] || memcmp(words[i].w, s + pos, k) != 0)
            continue;
        if ((words[i].id == KW_LBRACE || words[i].id == KW_BANG) && pos + 1 < n &&
            !is_blank((unsigned char)s[pos + 1]) && s[pos + 1] != '\n')
            return KW_NONE;
        *len = k;
        return words[i].id;
    }
    return KW_NONE;
}

static int keyword_is(const char *s, size_t n, size_t pos, int id)
{
    size_t len;
    return keyword(s, n, pos, &len) == id;
}

static size_t skip_blanks(const char *s, size_t n, size_t i)
{
    for (;;) {
        while (i < n && is_blank((unsigned char)s[i]))
            i++;
        if (i + 1 < n && s[i] == '\\' && s[i + 1] == '\n') {
            i += 2;
            continue;
        }
        return i;
    }
}

/* Reads the header words of for/select/case up to `in` (case) or `do`/';'/newline. Their
 * substitutions run before the body: they become children of the enclosing origin. */
static size_t read_header(parser *P, const text_ctx *C, const frames *F, size_t pos,
                          int stop_at_in)
{
    const char *s = C->buf.p;
    size_t n = C->buf.n;
    size_t sub_first = P->nsubs, saved_floor = P->subs_floor, h0 = pos;
    P->subs_floor = sub_first;
    for (;;) {
        pos = skip_blanks(s, n, pos);
        if (pos >= n || s[pos] == '\n' || s[pos] == ';' || s[pos] == '&' || s[pos] == '|' ||
            s[pos] == ')')
            break;
        if (s[pos] == '(' || s[pos] == '<' || s[pos] == '>') {
            pos++;
            continue;
        }
        if (keyword_is(s, n, pos, KW_DO))
            break;
        if (stop_at_in && keyword_is(s, n, pos, KW_IN)) {
            pos += 2;
            break;
        }
        word w;
        size_t e = scan_word(P, s, n, pos, &w);
        pos = e > pos ? e : pos + 1;
        if (P->nomem)
            break;
    }
    size_t sub_end = P->nsubs;
    P->subs_floor = saved_floor;
    unsigned depth = C->depth + F->n + F->overflow;
    origin o = {C->parent, (uint16_t)(depth > P->max_depth ? P->max_depth : depth),
                C->via | F->via, C->fb_start, C->fb_end};
    if (C->base >= 0) { /* bodies that are copies get the header's range */
        o.start = (uint32_t)(C->base + (int64_t)h0);
        o.end = (uint32_t)(C->base + (int64_t)pos);
    }
    for (size_t k = sub_first; k < sub_end && !P->nomem && !P->full; k++) {
        subst_ref r = P->subs[k];
        int64_t base = (r.in_text && C->base >= 0) ? C->base + (int64_t)r.off : -1;
        parse_child(P, &o, r.body, base, AP_VIA_SUBST);
    }
    P->nsubs = sub_first;
    return pos;
}

static int add_argv(parser *P, ap_str v)
{
    if (P->argc + P->nassign >= SHELL_MAX_WORDS) {
        P->truncated = 1;
        return 0;
    }
    if (!grow(P, (void **)&P->argv, &P->argv_cap, P->argc + 1, sizeof *P->argv))
        return 0;
    P->argv[P->argc++] = v;
    return 1;
}

static int add_redir(parser *P, ap_str op, ap_str target)
{
    if (P->nredir >= SHELL_MAX_REDIRS) {
        P->truncated = 1;
        return 0;
    }
    if (!grow(P, (void **)&P->redir, &P->redir_cap, P->nredir + 1, sizeof *P->redir))
        return 0;
    P->redir[P->nredir].op = op;
    P->redir[P->nredir].target = target;
    P->nredir++;
    return 1;
}

/* Sets the word fields of the substitutions pushed since `first`. */
static void tag_substs(parser *P, size_t first, int kind, size_t index)
{
    for (size_t k = first; k < P->nsubs; k++) {
        P->subs[k].kind = (uint8_t)kind;
        P->subs[k].index = (uint32_t)index;
    }
}

/* Reads a redirection at pos (digits, then < > or &>). Returns the position after its
 * target. */
static size_t read_redirect(parser *P, const char *s, size_t n, size_t pos, size_t q,
                            heredoc_pending *hd, unsigned *nhd)
{
    size_t o = q;
    int heredoc = 0, strip = 0, dup = 0;
    if (s[o] == '&') { /* &> &>> */
        o += 2;
        if (o < n && s[o] == '>')
            o++;
    } else if (s[o] == '>') {
        o++;
        if (o < n && (s[o] == '>' || s[o] == '|'))
            o++;
        else if (o < n && s[o] == '&')
            o++, dup = 1;
    } else { /* '<' */
        o++;
        if (o < n && s[o] == '<') {
            o++;
            if (o < n && s[o] == '<') {
                o++;
            } else {
                heredoc = 1;
                if (o < n && s[o] == '-')
                    o++, strip = 1;
            }
        } else if (o < n && s[o] == '>') {
            o++;
        } else if (o < n && s[o] == '&') {
            o++, dup = 1;
        }
    }
    if (dup) { /* >&2, 2>&1, >&- : the descriptor is part of the operator */
        size_t d = o;
        while (d < n && is_digit((unsigned char)s[d]))
            d++;
        if (d == o && d < n && s[d] == '-')
            d++;
        if (d > o && (d == n || is_meta((unsigned char)s[d]))) {
            add_redir(P, ap_str_make(s + pos, d - pos), ap_str_make(s + d, 0));
            return d;
        }
    }
    ap_str op = ap_str_make(s + pos, o - pos);
    size_t t = skip_blanks(s, n, o);
    word w = {ap_str_make(s + o, 0), (uint32_t)o, (uint32_t)o, 0};
    size_t before = P->nsubs;
    if (t + 1 < n && (s[t] == '<' || s[t] == '>') && s[t + 1] == '(')
        t = scan_process_subst(P, s, n, t, &w);
    else if (t < n && !is_meta((unsigned char)s[t]))
        t = scan_word(P, s, n, t, &w);
    else
        t = o;
    tag_substs(P, before, SUB_REDIR, P->nredir);
    if (heredoc) {
        P->nsubs = before; /* the delimiter is never expanded */
        if (*nhd < SHELL_MAX_HEREDOCS && P->nredir < SHELL_MAX_REDIRS) {
            hd[*nhd].stmt = -1;
            hd[*nhd].redir = (uint32_t)P->nredir;
            hd[*nhd].delim = w.value;
            hd[*nhd].strip_tabs = (uint8_t)strip;
            (*nhd)++;
        }
        w.value = ap_str_make(s + t, 0); /* the body is filled in at the end of the line */
    }
    if (!add_redir(P, op, w.value))
        P->nsubs = before;
    return t;
}

/* Reads one simple command at pos into the scratch vectors, emits it and produces its
 * children. Returns the position after its connector. */
static size_t parse_simple(parser *P, const text_ctx *C, frames *F, size_t pos,
                           int32_t *prev_pipe, heredoc_pending *hd, unsigned *nhd,
                           int32_t *last_top)
{
    const char *s = C->buf.p;
    size_t n = C->buf.n;
    size_t s0 = pos, s1 = pos;
    size_t sub_first = P->nsubs, saved_floor = P->subs_floor;
    P->subs_floor = sub_first;
    P->argc = P->nassign = P->nredir = 0;
    int in_cmd = 0, test_mode = 0, funcdef = 0, newline_end = 0;
    ap_connector conn = AP_CONN_END;
    size_t after = n; /* where the next statement starts */
    unsigned hd_first = *nhd;

    for (;;) {
        pos = skip_blanks(s, n, pos);
        if (pos >= n || P->nomem) {
            after = n;
            break;
        }
        unsigned char c = (unsigned char)s[pos];
        if (c == '\n') {
            conn = AP_CONN_SEMI;
            newline_end = 1;
            after = pos;
            break;
        }
        if (c == '#') {
            while (pos < n && s[pos] != '\n')
                pos++;
            continue;
        }
        if (test_mode && (c == '&' || c == '|' || c == '<' || c == '>' || c == '(' || c == ')')) {
            size_t e = pos + 1;
            if (e < n && (c == '&' || c == '|') && s[e] == c)
                e++;
            add_argv(P, ap_str_make(s + pos, e - pos));
            s1 = pos = e;
            continue;
        }
        if (c == ';') {
            conn = AP_CONN_SEMI;
            after = pos + 1;
            if (after < n && (s[after] == ';' || s[after] == '&')) { /* ;; ;& ;;& in case */
                after++;
                if (after < n && s[after - 1] == ';' && s[after] == '&')
                    after++;
                if (F->n && F->kind[F->n - 1] == FR_CASE)
                    F->case_body[F->n - 1] = 0;
            }
            break;
        }
        if (c == '&' && !(pos + 1 < n && s[pos + 1] == '>')) {
            int and_ = pos + 1 < n && s[pos + 1] == '&';
            conn = and_ ? AP_CONN_AND : AP_CONN_BG;
            after = pos + 1 + (size_t)and_;
            break;
        }
        if (c == '|') {
            if (pos + 1 < n && s[pos + 1] == '|') {
                conn = AP_CONN_OR;
                after = pos + 2;
            } else {
                conn = AP_CONN_PIPE;
                after = pos + 1 + (size_t)(pos + 1 < n && s[pos + 1] == '&');
            }
            break;
        }
        if (c == ')') {
            after = pos; /* parse_text closes the group */
            break;
        }
        if (c == '(') {
            /* NAME() : a function definition; its body follows as a compound command */
            size_t q = skip_blanks(s, n, pos + 1);
            if (P->argc == 1 && P->nassign == 0 && P->nredir == 0 && q < n && s[q] == ')') {
                funcdef = 1;
                after = q + 1;
                break;
            }
            pos++; /* stray: a syntax error for sh; skipped */
            continue;
        }
        /* redirections: [N]op target, &>, and process substitution <( ) >( ) as a word */
        size_t q = pos;
        while (q < n && is_digit((unsigned char)s[q]))
            q++;
        if (q == pos && (c == '<' || c == '>') && pos + 1 < n && s[pos + 1] == '(') {
            word w;
            size_t before = P->nsubs;
            pos = scan_process_subst(P, s, n, pos, &w);
            tag_substs(P, before, SUB_ARGV, P->argc);
            if (!add_argv(P, w.value))
                P->nsubs = before;
            in_cmd = 1;
            s1 = pos;
            continue;
        }
        if ((q < n && (s[q] == '<' || s[q] == '>')) ||
            (c == '&' && pos + 1 < n && s[pos + 1] == '>')) {
            s1 = pos = read_redirect(P, s, n, pos, q, hd, nhd);
            continue;
        }
        /* a word: an assignment while no command word was seen, else an argument */
        word w;
        size_t before = P->nsubs;
        if (P->argc == 0 && s[pos] == '[' && keyword_is(s, n, pos, KW_DBRACKET))
            test_mode = 1;
        size_t e = scan_word(P, s, n, pos, &w);
        if (e == pos) { /* cannot happen for a non-meta byte; never loop */
            pos++;
            continue;
        }
        s1 = pos = e;
        if (test_mode && !w.quoted && str_is(w.value, "]]"))
            test_mode = 0;
        int assign = 0;
        if (!in_cmd && is_name_start((unsigned char)s[w.raw_start])) {
            size_t k = w.raw_start + 1;
            while (k < w.raw_end && is_name_char((unsigned char)s[k]))
                k++;
            assign = k < w.raw_end &&
                     (s[k] == '=' || (s[k] == '+' && k + 1 < w.raw_end && s[k + 1] == '='));
        }
        if (assign) {
            if (P->argc + P->nassign >= SHELL_MAX_WORDS) {
                P->truncated = 1;
                P->nsubs = before;
                continue;
            }
            if (!grow(P, (void **)&P->assign, &P->assign_cap, P->nassign + 1, sizeof *P->assign))
                break;
            tag_substs(P, before, SUB_ASSIGN, P->nassign);
            P->assign[P->nassign++] = w.value;
        } else {
            tag_substs(P, before, SUB_ARGV, P->argc);
            if (!add_argv(P, w.value))
                P->nsubs = before;
            in_cmd = 1;
        }
    }

    int32_t fed[SHELL_MAX_HEREDOCS];
    unsigned nfed = 0;
    if (newline_end)
        after = *nhd ? read_heredocs(P, C, after, hd, nhd, fed, &nfed) : after + 1;
    P->subs_floor = saved_floor;
    if (funcdef || (P->argc == 0 && P->nassign == 0 && P->nredir == 0)) {
        P->nsubs = sub_first;
        feed_heredoc_shells(P, C, fed, nfed);
        return after;
    }
    int32_t idx = emit(P, C, F, s0, s1, conn, *prev_pipe);
    if (idx < 0) {
        P->nsubs = sub_first;
        return n;
    }
    *last_top = idx;
    /* here-documents still waiting for their line end now belong to statement idx */
    for (unsigned k = hd_first; k < *nhd; k++)
        if (hd[k].stmt < 0)
            hd[k].stmt = idx;
    *prev_pipe = conn == AP_CONN_PIPE ? idx : -1;
    statement_children(P, C, idx, sub_first, s0, s1);
    P->nsubs = sub_first;
    feed_heredoc_shells(P, C, fed, nfed);
    return after;
}

/* Parses one text: statements, compound commands, here-documents. *last_top is the last
 * statement emitted directly from this text (not a child), or unchanged. */
static void parse_text(parser *P, const text_ctx *C, int32_t *last_top)
{
    const char *s = C->buf.p;
    size_t n = C->buf.n;
    size_t pos = 0;
    frames F;
    memset(&F, 0, sizeof F);
    heredoc_pending hd[SHELL_MAX_HEREDOCS];
    unsigned nhd = 0;
    int32_t prev_pipe = -1;
    while (pos < n && !P->nomem && !P->full) {
        pos = skip_blanks(s, n, pos);
        if (pos >= n)
            break;
        unsigned char c = (unsigned char)s[pos];
        if (c == '\n') {
            if (nhd) {
                int32_t fed[SHELL_MAX_HEREDOCS];
                unsigned nfed = 0;
                pos = read_heredocs(P, C, pos, hd, &nhd, fed, &nfed);
                feed_heredoc_shells(P, C, fed, nfed);
            } else {
                pos++;
            }
            continue;
        }
        if (c == '#') {
            while (pos < n && s[pos] != '\n')
                pos++;
            continue;
        }
        if (c == ';') {
            pos++;
            if (pos < n && (s[pos] == ';' || s[pos] == '&')) {
                pos++;
                if (F.n && F.kind[F.n - 1] == FR_CASE)
                    F.case_body[F.n - 1] = 0;
            }
            prev_pipe = -1;
            continue;
        }
        if (c == '&' && !(pos + 1 < n && s[pos + 1] == '>')) {
            pos += (pos + 1 < n && s[pos + 1] == '&') ? 2 : 1;
            prev_pipe = -1;
            continue;
        }
        if (c == '|') {
            if (pos + 1 < n && s[pos + 1] == '|') {
                pos += 2;
                prev_pipe = -1;
            } else {
                pos++;
                prev_pipe = *last_top; /* ( ... ) | cmd : the group's last statement */
            }
            continue;
        }
        /* a case pattern: `pat)` or `(pat)`, or esac */
        if (F.n && F.kind[F.n - 1] == FR_CASE && !F.case_body[F.n - 1] && !F.overflow) {
            if (keyword_is(s, n, pos, KW_ESAC)) {
                frame_pop(&F, FR_CASE);
                pos += 4;
                continue;
            }
            size_t i = pos;
            while (i < n && s[i] != ')' && s[i] != '\n') {
                if (s[i] == '\\') {
                    i += 2;
                    continue;
                }
                if (s[i] == '\'' || s[i] == '"') {
                    const char *e = i + 1 < n ? memchr(s + i + 1, s[i], n - i - 1) : NULL;
                    i = e ? (size_t)(e - s) + 1 : n;
                    continue;
                }
                i++;
            }
            pos = i < n ? i + 1 : n;
            F.case_body[F.n - 1] = 1;
            continue;
        }
        if (c == ')') {
            frame_pop(&F, FR_PAREN);
            pos++;
            continue;
        }
        if (c == '(') {
            if (pos + 1 < n && s[pos + 1] == '(') { /* (( arithmetic )) */
                size_t close = skip_nested(s, n, pos + 1, NEST_PAREN);
                pos = close < n ? close + 1 : n;
                if (pos < n && s[pos] == ')')
                    pos++;
                continue;
            }
            frame_push(&F, FR_PAREN);
            pos++;
            continue;
        }
        size_t k = 0;
        switch (keyword(s, n, pos, &k)) {
        case KW_LBRACE:
            frame_push(&F, FR_BRACE);
            break;
        case KW_RBRACE:
            frame_pop(&F, FR_BRACE);
            break;
        case KW_IF:
            frame_push(&F, FR_IF);
            break;
        case KW_WHILE:
        case KW_UNTIL:
            frame_push(&F, FR_LOOP);
            break;
        case KW_BANG:
        case KW_THEN:
        case KW_ELSE:
        case KW_ELIF:
        case KW_DO:
            break;
        case KW_FI:
            frame_pop(&F, FR_IF);
            break;
        case KW_DONE:
            frame_pop(&F, FR_LOOP);
            break;
        case KW_ESAC:
            frame_pop(&F, FR_CASE);
            break;
        case KW_FOR:
        case KW_SELECT:
            pos = skip_blanks(s, n, pos + k);
            if (pos + 1 < n && s[pos] == '(' && s[pos + 1] == '(') { /* for (( ; ; )) */
                size_t close = skip_nested(s, n, pos + 1, NEST_PAREN);
                pos = close < n ? close + 1 : n;
                if (pos < n && s[pos] == ')')
                    pos++;
            } else {
                pos = read_header(P, C, &F, pos, 0);
            }
            frame_push(&F, FR_LOOP);
            continue;
        case KW_CASE:
            pos = read_header(P, C, &F, pos + k, 1);
            frame_push(&F, FR_CASE);
            continue;
        case KW_FUNCTION: {
            pos = skip_blanks(s, n, pos + k);
            while (pos < n && !is_meta((unsigned char)s[pos]))
                pos++;
            size_t q = skip_blanks(s, n, pos);
            if (q < n && s[q] == '(') {
                q = skip_blanks(s, n, q + 1);
                if (q < n && s[q] == ')')
                    pos = q + 1;
            }
            continue;
        }
        default: /* not a reserved word here (in, [[ and everything else start a command) */
            pos = parse_simple(P, C, &F, pos, &prev_pipe, hd, &nhd, last_top);
            continue;
        }
        pos += k;
    }
}

ap_status ap_shell_parse(ap_str input, const ap_shell_limits *limits, ap_arena *arena,
                         ap_stmt **out, size_t *n, int *truncated)
{
    parser P;
    memset(&P, 0, sizeof P);
    P.arena = arena;
    P.max_depth = limits && limits->max_depth ? limits->max_depth : SHELL_DEFAULT_DEPTH;
    if (P.max_depth > SHELL_DEPTH_CAP)
        P.max_depth = SHELL_DEPTH_CAP;
    P.max_statements =
        limits && limits->max_statements ? limits->max_statements : SHELL_DEFAULT_STATEMENTS;
    *out = NULL;
    *n = 0;
    if (truncated)
        *truncated = 0;
    if (!input.p)
        input = ap_str_make(empty_text, 0);
    if (input.n > UINT32_MAX) {
        input.n = UINT32_MAX; /* offsets are 32-bit: the rest is not read */
        P.truncated = 1;
    }
    text_ctx C = {.buf = input, .base = 0, .fb_start = 0, .fb_end = 0, .parent = -1, .depth = 0,
                  .via = 0};
    int32_t last = -1;
    parse_text(&P, &C, &last);
    if (P.nomem)
        return AP_ERR_NOMEM;
    *out = P.out;
    *n = P.n;
    if (truncated)
        *truncated = P.truncated;
    return AP_OK;
}
