/* normalise.h — the versioned, deterministic normal form of a statement, for fingerprints.
 *
 * Why it exists: two runs of the same bot script differ in the C2 address, the random file
 * name, the new password it sets and the numbers it passes; their command n-grams must not.
 * The normal form keeps the command and its structure and replaces volatile tokens by typed
 * placeholders: <url> <ip> <ip6> <domain> <hash> <b64> <num> <tmp> <pw> <port> <email> <wallet>
 * <hex> <uuid>. Bump AP_NORMALISE_VERSION whenever the output for some input changes: stored
 * normal forms are recomputed (`actorprint remap`) when it differs from the store's.
 * The stored original text is never altered.
 */
#ifndef AP_UNDERSTAND_NORMALISE_H
#define AP_UNDERSTAND_NORMALISE_H

#include "actorprint.h"
#include "understand/shell.h"
#include "util/arena.h"
#include "util/str.h"

#define AP_NORMALISE_VERSION 1

/* The normal form of one statement: cmd, then each argument after cmd_index normalised,
 * joined by single spaces, then redirections as "> <target-normalised>" (here-document bodies,
 * << and <<-, as "<<<heredoc>"; descriptor duplications such as "2>&1" alone). A statement
 * without a command word gives its assignments (NAME=<value-normalised>) instead. The command
 * name is normalised like a word (./.Xa9fK2 -> .<tmp>). Context used: chmod/umask modes and
 * mkdir/install -m modes are kept; echo/printf text piped into chpasswd/passwd (pipe_to) and
 * the values of usermod/useradd -p, sshpass -p, openssl passwd, mkpasswd, passwd USER PW and
 * here-strings given to chpasswd/passwd become <pw>. Output is NUL-terminated, in the arena.
 * Deterministic: the same statement always gives the same bytes, whatever else was parsed
 * before. docs/shell-parsing.md lists every rule.
 * Return values: AP_OK, AP_ERR_NOMEM. */
ap_status ap_normalise_stmt(const ap_stmt *s, ap_arena *arena, ap_str *out);

/* The normal form of one word (exposed for tests and for IOC-free n-grams). */
ap_status ap_normalise_word(ap_str word, ap_arena *arena, ap_str *out);

#endif
