/* sshkey.h — OpenSSH public keys in attacker text, with the facts `ssh-keygen -l` prints.
 *
 * Why it exists: the public key a bot appends to ~/.ssh/authorized_keys is the strongest actor
 * signal a honeypot sees — it survives IP rotation, C2 changes and script edits. The predecessor
 * guessed RSA sizes from the blob length; here the blob is decoded: RSA bits are the bit length
 * of the modulus, DSA bits that of p, ECDSA bits from the curve, ed25519 256. Fingerprints are
 * computed exactly as ssh-keygen does: SHA256 of the blob in base64 without padding
 * ("SHA256:..."), MD5 as colon-separated lower-case hex ("MD5:aa:bb:...").
 */
#ifndef AP_UNDERSTAND_SSHKEY_H
#define AP_UNDERSTAND_SSHKEY_H

#include <stdint.h>
#include "actorprint.h"
#include "util/arena.h"
#include "util/str.h"

typedef struct ap_ssh_key {
    ap_str type;          /* key type from the blob ("ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256",
                           * "ssh-dss", "sk-ssh-ed25519@openssh.com", ...) */
    unsigned bits;        /* as ssh-keygen -l prints */
    ap_str comment;       /* text after the blob on the same line, trimmed; may be empty */
    ap_str blob_b64;      /* the base64 blob as written */
    char sha256[52];      /* "SHA256:" + 43 base64 chars, NUL-terminated */
    char md5[52];         /* "MD5:" + 16 x "xx:" minus the last ':', NUL-terminated */
    uint32_t start, end;  /* byte range of "type blob [comment]" in the scanned text */
} ap_ssh_key;

/* Finds every well-formed OpenSSH public key in `text` (authorized_keys syntax, with or without
 * options before the type, several per text, separated by newlines, `\n` escapes or spaces).
 * A candidate whose blob does not decode, whose inner type differs from the outer one, or whose
 * key data is malformed is skipped. Keys are appended to *out (grown in the arena); every
 * occurrence is reported (callers dedupe by fingerprint). A key written as base64 of the whole
 * line (`echo c3NoLXJzYSBB... | base64 -d >> ~/.ssh/authorized_keys`) is decoded and found too;
 * its start/end are then the range of that base64 run, and its views point into the arena.
 * The comment stops at the end of the line, a literal "\n", the quote that closes the one open
 * before the key, an unquoted shell operator, or the next key. See docs/iocs-and-keys.md.
 * Return values: AP_OK, AP_ERR_NOMEM (AP_ERR_ARG for NULL arguments). */
ap_status ap_sshkey_scan(ap_str text, ap_arena *arena, ap_ssh_key **out, size_t *n);

/* Parses exactly one key from "type base64 [comment]" (a .pub file: the comment is the rest of
 * the line, as ssh-keygen prints it). AP_ERR_FORMAT when it is not one key. */
ap_status ap_sshkey_parse(ap_str line, ap_arena *arena, ap_ssh_key *out);

/* Fingerprints of a raw key blob (used for cowrie.client.fingerprint events, which log the key
 * blob in base64 and an MD5 fingerprint). */
ap_status ap_sshkey_fingerprints(const unsigned char *blob, size_t n, char sha256[52], char md5[52]);

#endif
