/* ioc.h — indicators of compromise in attacker text: URLs, domains, IPv4/IPv6 addresses, file
 * hashes, crypto-wallet addresses, busybox tags and marker strings.
 *
 * Why it exists: these are the strong identifiers that link sessions to one actor (the same C2
 * host, the same malware hash, the same Monero wallet, the same busybox tag a Mirai variant
 * prints to recognise its own shell) and what analysts push to their blocklists. Patterns are
 * PCRE2, compiled once per scanner with JIT; values are validated beyond the pattern (IPv4 octets
 * <= 255 without leading zeros, IPv6 through inet_pton, bare domains need an alphabetic TLD that
 * is not a file extension listed in data/iocs/file-extensions.txt, Bitcoin base58check and
 * bech32/bech32m checksums, Ethereum 0x + 40 hex, Monero 95/106 base58 chars starting 4/8) so
 * that version numbers, file names and random hex do not become IOCs. The rules, with their
 * reasons and known limits, are in docs/iocs-and-keys.md.
 */
#ifndef AP_UNDERSTAND_IOC_H
#define AP_UNDERSTAND_IOC_H

#include <stdint.h>
#include "actorprint.h"
#include "util/arena.h"
#include "util/str.h"

typedef enum ap_ioc_type {
    AP_IOC_URL,         /* scheme://... (http, https, ftp, tftp); value as written, defang removed */
    AP_IOC_DOMAIN,      /* host names (from URLs and bare), lower case */
    AP_IOC_IPV4,
    AP_IOC_IPV6,        /* canonical text (inet_ntop) */
    AP_IOC_MD5,         /* hashes: lower-case hex; only standalone 32/40/64/128 hex runs */
    AP_IOC_SHA1,
    AP_IOC_SHA256,
    AP_IOC_SHA512,
    AP_IOC_BTC,         /* Bitcoin (base58check P2PKH/P2SH, bech32 bc1) */
    AP_IOC_XMR,         /* Monero */
    AP_IOC_ETH,         /* Ethereum */
    AP_IOC_BUSYBOX_TAG, /* `busybox WORD` ending its statement, WORD not an applet
                         * (data/iocs/busybox-applets.txt), e.g. ECCHI, MIORI */
    AP_IOC_MARKER,      /* attacker marker strings: echo'd tags (\xNN-decoded, or all-capitals /
                         * letters+digits tokens), `mdrfckr`-style SSH key comments */
    AP_IOC_EMAIL,       /* lower case */
    AP_IOC__COUNT
} ap_ioc_type;

typedef struct ap_ioc {
    ap_ioc_type type;
    ap_str value;         /* normalised value (see each type), in the arena */
    uint32_t start, end;  /* byte range in the scanned text */
} ap_ioc;

/* "url", "domain", "ipv4", "ipv6", "md5", "sha1", "sha256", "sha512", "btc", "xmr", "eth",
 * "busybox_tag", "marker", "email". */
const char *ap_ioc_type_name(ap_ioc_type t);

/* Compiled patterns and match data: one scanner per thread. */
typedef struct ap_ioc_scanner ap_ioc_scanner;
ap_status ap_ioc_scanner_new(ap_ioc_scanner **out);
void ap_ioc_scanner_free(ap_ioc_scanner *sc);

/* Appends the IOCs in `text` to *out (grown in the arena; *n counts them), deduplicated by
 * (type, value) within this call, in order of first appearance. A URL also yields its host as
 * DOMAIN or IPV4/IPV6. Any bytes are accepted.
 * Return values: AP_OK, AP_ERR_NOMEM. */
ap_status ap_ioc_scan(ap_ioc_scanner *sc, ap_str text, ap_arena *arena, ap_ioc **out, size_t *n);

#endif
