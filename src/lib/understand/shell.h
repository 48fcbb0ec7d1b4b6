/* shell.h — reads attacker input the way a POSIX shell would, without ever running it.
 *
 * Why it exists: every later step (ATT&CK mapping, normalised fingerprints, IOC and SSH-key
 * extraction) works on *statements* — one simple command each — not on the raw line an attacker
 * typed. Keyword search over the raw line is what made the predecessor put `lockr -ia .ssh`
 * under lateral movement. The parser splits at `;` `&&` `||` `|` `&` and newlines outside quotes,
 * removes quotes and escapes the way sh does, keeps here-documents with their statement, walks
 * into `$(...)`, backticks, `for`/`while`/`until`/`if`/`case` bodies and `{ ...; }`/`( ... )`
 * groups, unwraps `sh -c '...'` / `bash -c "..."` / `eval ...`, decodes
 * `echo <base64> | base64 -d | sh` (also `base64 --decode`, `openssl base64 -d`, and `printf`
 * with `\xNN`/octal escapes piped to a shell) and parses the decoded text recursively, bounded
 * by a depth limit.
 *
 * Every statement keeps the byte range of the original input it came from. Statements found in
 * decoded or unwrapped text carry the range of the outermost top-level statement they came
 * from (the decoded bytes do not exist in the input), and `parent` points at the statement that
 * produced them. Precisely: a statement whose text is a contiguous part of the input (top
 * level, loop/group/if/case bodies, `$(...)` and backtick bodies without escapes, here-document
 * bodies) has its own exact range; one whose text was transformed (quote removal of an `sh -c`
 * or `eval` argument, here-strings, unescaped backticks, base64/printf decoding, `<<-` tab
 * stripping) carries the range of the statement that produced it, i.e. of the outermost
 * ancestor that exists in the input. docs/shell-parsing.md lists the grammar and the limits.
 *
 * Pure: text in, statements out, all memory from the caller's arena. Never executes anything.
 */
#ifndef AP_UNDERSTAND_SHELL_H
#define AP_UNDERSTAND_SHELL_H

#include <stdint.h>
#include "actorprint.h"
#include "util/arena.h"
#include "util/str.h"

/* How a statement was reached (bit mask). */
enum {
    AP_VIA_SH_C = 1 << 0,    /* sh -c / bash -c / busybox sh -c argument */
    AP_VIA_BASE64 = 1 << 1,  /* decoded from base64 fed to a shell */
    AP_VIA_SUBST = 1 << 2,   /* inside $( ) or backticks */
    AP_VIA_LOOP = 1 << 3,    /* body of for/while/until */
    AP_VIA_PRINTF = 1 << 4,  /* decoded from printf/echo -e escapes fed to a shell */
    AP_VIA_EVAL = 1 << 5,    /* eval argument */
    AP_VIA_GROUP = 1 << 6,   /* inside { } or ( ) or if/case bodies */
    AP_VIA_HEREDOC = 1 << 7  /* here-document body fed to a shell (sh <<EOF) */
};

/* One redirection: op is the operator as typed (">", ">>", "<", "2>", "2>&1", "&>", "<<",
 * "<<-", "<<<", ">|"); target is the word after quote removal (for "<<" and "<<-": the
 * here-document body; for "<<<": the here-string). */
typedef struct ap_redirect {
    ap_str op;
    ap_str target;
} ap_redirect;

/* What follows a statement. */
typedef enum ap_connector {
    AP_CONN_END = 0, /* end of input (or of the enclosing group) */
    AP_CONN_SEMI,    /* ; or newline */
    AP_CONN_AND,     /* && */
    AP_CONN_OR,      /* || */
    AP_CONN_PIPE,    /* | (or |&) : the next statement reads this one's output */
    AP_CONN_BG       /* & */
} ap_connector;

typedef struct ap_stmt {
    uint32_t start, end;  /* byte range [start, end) in the original input (see above) */
    ap_str text;          /* the statement as written: a view into the input or into decoded
                           * text in the arena; without its connector */
    ap_str cmd;           /* the command name that does the work: basename of the first word
                           * after assignments and wrappers (busybox APPLET -> APPLET; sudo,
                           * nohup, exec, command, env [VAR=..], timeout N, nice [-n N], setsid,
                           * time, stdbuf -oL, chroot DIR are skipped); empty view when the
                           * statement is only assignments or a bare redirection */
    size_t cmd_index;     /* index in argv of the word cmd came from */
    size_t argc;          /* words after expansion-free quote and escape removal */
    ap_str *argv;         /* argv[0] as typed (e.g. "/bin/busybox"), argv[argc] is {NULL,0} */
    size_t nassign;       /* leading VAR=value words (not in argv) */
    ap_str *assign;
    size_t nredir;
    ap_redirect *redir;
    uint32_t via;         /* AP_VIA_* bits of every step from the top level to here */
    uint16_t depth;       /* 0 at top level; +1 per unwrap/decode/substitution and per enclosing
                           * loop/group/if/case body (group nesting is clamped to max_depth;
                           * unwrapping/decoding stops there) */
    int32_t parent;       /* index (in the same output array) of the statement this one was
                           * found inside, -1 at top level */
    ap_connector conn;    /* what follows it */
    ap_str pipe_to;       /* when conn is AP_CONN_PIPE: cmd of the statement reading this one's
                           * output (`echo root:pw | chpasswd` -> "chpasswd"), else empty view.
                           * Lets a single statement be read in its pipeline (normalise.c). */
} ap_stmt;

typedef struct ap_shell_limits {
    unsigned max_depth;      /* nesting bound for unwrap/decode/substitution; 0 = 6; at most 32 */
    size_t max_statements;   /* output bound; 0 = 10000 (more are dropped, *truncated set) */
} ap_shell_limits;

/* Parses `input` (any bytes: NUL, invalid UTF-8 and unbalanced quotes are tolerated — an
 * unterminated quote runs to the end of the input, as an interactive shell would wait for more).
 * Statements come out in source order, each decoded/unwrapped child right after the statement
 * that produced it (one exception: a shell fed by a here-document that is not the last
 * statement of its line, `sh <<X; echo`, gets its children when the body is read, after the
 * line's other statements). *out and every view in it live in `arena`, or point into `input`
 * (which must outlive them). limits may be NULL. truncated may be NULL; *truncated is set when
 * statements were dropped (max_statements) or a statement's words, redirections or
 * substitutions exceeded the per-statement bounds (65536 / 1024 / 4096), never for depth.
 * Return values: AP_OK, AP_ERR_NOMEM. Malformed input is never an error. */
ap_status ap_shell_parse(ap_str input, const ap_shell_limits *limits, ap_arena *arena,
                         ap_stmt **out, size_t *n, int *truncated);

#endif
