/* stix.h — the campaign model as STIX 2.1 objects (docs/export-stix.md).
 *
 * Why it exists: the `stix` export writes these objects as one bundle and the TAXII server
 * (share/taxii.c) serves the same objects from memory, so both are built here once. Every
 * object has a deterministic id (UUIDv5 of a stable key such as "campaign|C-12" under the
 * project namespace AP_STIX_NAMESPACE) and created/modified times taken from the data (first
 * and last seen), never from the clock: exporting the same store twice gives the same bytes,
 * and a re-export after new data updates objects (same id, later `modified`) instead of
 * duplicating them. Objects that can be shared by several campaigns (indicators, attack
 * patterns, infrastructure) are computed over the whole model, not the selection, so an object
 * with a given id and `modified` has the same content in every export.
 */
#ifndef AP_SHARE_STIX_H
#define AP_SHARE_STIX_H

#include <stddef.h>
#include <stdint.h>

#include "actorprint.h"
#include "util/str.h"

/* The namespace of every actorprint STIX id: UUIDv5(NAMESPACE_URL, "urn:actorprint:stix"). */
#define AP_STIX_NAMESPACE "964ea089-e82f-5548-8d05-d7d8f67e0086"

/* One STIX object. Times are microseconds since the epoch, cut to whole milliseconds (what the
 * JSON says), so comparisons agree with the text a client sees. */
typedef struct ap_stix_object {
    const char *id;        /* "campaign--<uuid>" */
    const char *type;      /* "campaign" */
    int64_t created_us, modified_us;
    const char *json;      /* the whole object on one line (NUL-terminated, no newline) */
    size_t json_len;
} ap_stix_object;

/* The objects of one selection, sorted by (modified, id): the order TAXII pages them in. */
typedef struct ap_stix_set ap_stix_set;

/* Builds the objects of the selection in opt (opt->campaign, opt->actor, else everything;
 * opt->producer names the identity). Return values: AP_OK; AP_ERR_NOT_FOUND (no such
 * campaign/actor; err says which); AP_ERR_NOMEM. The set is independent of the model
 * afterwards. */
ap_status ap_stix_build(const ap_model *m, const ap_export_options *opt, ap_stix_set **out,
                        char *err, size_t errlen);
void ap_stix_free(ap_stix_set *s);
size_t ap_stix_count(const ap_stix_set *s);
const ap_stix_object *ap_stix_at(const ap_stix_set *s, size_t i);
/* The bundle's own id ("bundle--<uuid>", stable for a selection). */
const char *ap_stix_bundle_id(const ap_stix_set *s);
/* Index of the object with this id, or (size_t)-1 (binary search in an id index). */
size_t ap_stix_find(const ap_stix_set *s, ap_str id);

/* Writes the set as a bundle: {"type": "bundle", "id": ..., "objects": [ one object a line ]}.
 * AP_ERR_IO on a write error. */
ap_status ap_stix_write_bundle(const ap_stix_set *s, FILE *f);

/* ---- building blocks (exposed for the tests and the TAXII server) ---- */

/* Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex, either case); 0 on success, -1 if not. */
int ap_uuid_parse(const char *text, unsigned char out[16]);
/* RFC 4122 version 5 (SHA-1) UUID of name under ns, as 36 lowercase characters + NUL. Returns
 * AP_ERR_INTERNAL when libcrypto fails. */
ap_status ap_uuid5(const unsigned char ns[16], const void *name, size_t n, char out[37]);

/* A STIX pattern string literal: name between single quotes with ' and \ escaped by a
 * backslash, the only escapes the patterning grammar has (STIX 2.1 section 9). snprintf-style:
 * returns the full length; when it is >= cap the output is cut before the escape or character
 * that does not fit and is NUL-terminated (cap > 0). */
size_t ap_stix_pattern_quote(char *dst, size_t cap, ap_str s);

/* OpenSSH key fingerprint ("SHA256:<base64>" or "MD5:aa:bb:..." or "aa:bb:..." with 16 bytes)
 * as the hex digest of the key blob and its STIX hash name ("SHA-256" or "MD5"). Returns 0, or
 * -1 when it is neither form. hex must hold 65 bytes. */
int ap_stix_key_fingerprint_hex(const char *fp, char hex[65], const char **algo);

#endif
