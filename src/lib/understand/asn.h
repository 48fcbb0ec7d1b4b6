/* asn.h — which autonomous system an attacker's IP address belongs to, from a file the analyst
 * supplies.
 *
 * Why it exists: the clustering's infrastructure fingerprint is "/24, ASN when known". Bots
 * rotate addresses inside one provider, and two unrelated actors can rent from the same cloud;
 * the ASN (with the /24) tells those cases apart better than the address alone. Nothing here
 * touches the network: the data is a local file, in one of two formats recognised by content:
 *   - a MaxMind DB (.mmdb) with autonomous_system_number / autonomous_system_organization
 *     (GeoLite2-ASN, DB-IP ASN lite, GeoIP2-ISP), read with Debian's libmaxminddb (mmap);
 *   - the iptoasn.com ip2asn TSV format, plain or gzip-compressed:
 *     range_start<TAB>range_end<TAB>AS_number<TAB>country_code<TAB>AS_description
 *     IPv4 and IPv6 lines in one file or in separate files; AS_number 0 means "Not routed".
 * The TSV is parsed into sorted arrays of non-overlapping ranges (IPv4 as 32-bit, IPv6 as
 * 128-bit numbers) searched by bisection. See docs/asn.md.
 *
 * A database is read-only once opened: lookups may run on several threads at once.
 */
#ifndef AP_UNDERSTAND_ASN_H
#define AP_UNDERSTAND_ASN_H

#include <stddef.h>
#include <stdint.h>
#include "actorprint.h"

typedef struct ap_asn_db ap_asn_db;

/* What a database holds (for `stats`-like reports and tests). */
typedef struct ap_asn_info {
    const char *format;   /* "ip2asn-tsv" or "mmdb" */
    const char *type;     /* mmdb: the metadata's database_type; TSV: "ip2asn" */
    size_t v4_ranges;     /* TSV: routed IPv4 ranges kept */
    size_t v6_ranges;     /* TSV: routed IPv6 ranges kept */
    size_t not_routed;    /* TSV: AS 0 lines (accepted, not stored: they look up as absent) */
    size_t bad_lines;     /* TSV: lines skipped as malformed (reported as "bad_asn_line") */
    size_t overlaps;      /* TSV: ranges dropped for overlapping an earlier line */
} ap_asn_info;

/* Opens an ASN database file; the format is recognised by content (MaxMind DB metadata marker,
 * gzip magic, else ip2asn TSV). TSV problems are reported through on_diag (may be NULL) with
 * file:line: malformed lines (warning, reason "bad_asn_line") and ranges that overlap an
 * earlier line (warning, reason "overlapping_asn_range"; the earlier line wins) are skipped.
 * On success *out owns the database (ap_asn_close). err (may be NULL) receives a message for
 * people on failure.
 * Return values: AP_OK; AP_ERR_IO (cannot open or read); AP_ERR_FORMAT (neither format, a
 * corrupt MaxMind DB, a MaxMind DB without ASN data, or a TSV whose first record is not an
 * ip2asn line); AP_ERR_LIMIT (a TSV larger than 1 GiB); AP_ERR_NOMEM; AP_ERR_ARG. */
ap_status ap_asn_open(const char *path, ap_diag_fn on_diag, void *user, ap_asn_db **out,
                      char *err, size_t errlen);

/* Parses ip2asn TSV text held in memory (`len` bytes, need not be NUL-terminated); `name` is
 * the file name used in diagnostics. Same rules and return values as ap_asn_open on a TSV
 * file. The database does not keep pointers into buf. */
ap_status ap_asn_parse_tsv(const char *name, const char *buf, size_t len, ap_diag_fn on_diag,
                           void *user, ap_asn_db **out, char *err, size_t errlen);

/* Looks up an address given as text (attacker-controlled: any bytes, not NUL-terminated;
 * IPv4 dotted quad or IPv6; an IPv4-mapped IPv6 address ::ffff:a.b.c.d is looked up as IPv4).
 * Returns 1 and sets *asn (non-zero) and *org (the AS description, NUL-terminated, owned by
 * the database, "" when the file has none) when the address is in a routed range; returns 0
 * (and sets *asn = 0, *org = NULL) when it is not, or when ip is not an address. asn and org
 * may be NULL. Safe to call concurrently on one database. */
int ap_asn_lookup(const ap_asn_db *db, const char *ip, size_t iplen, uint32_t *asn,
                  const char **org);

/* Fills *info (zeroed first). */
void ap_asn_describe(const ap_asn_db *db, ap_asn_info *info);

void ap_asn_close(ap_asn_db *db);

#endif
