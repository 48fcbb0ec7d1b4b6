/* fuzz_asn.c — libFuzzer target for the ip2asn TSV parser and the lookups (understand/asn.c).
 * One input = one TSV file. It is parsed from an exact-size copy (so ASan sees any read past the
 * end); when it parses, the promises are checked, aborting when one breaks: the counts never
 * exceed the lines, and every lookup — of fixed edge addresses, of every field of every line,
 * and of the whole input as address text — answers 1 with a non-zero ASN and an org string, or 0
 * with ASN 0 and no org. Diagnostics must carry the file name and a line within the input.
 * Crash inputs are kept in corpus/fuzz_asn/ and replayed by ctest. */
#include "understand/asn.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

typedef struct diag_check {
    uint64_t lines;
} diag_check;

static void on_diag(void *user, const ap_diag *d)
{
    const diag_check *c = user;
    if (!d->file || strcmp(d->file, "fuzz.tsv") != 0 || d->line == 0 || d->line > c->lines ||
        !d->reason || !d->message)
        abort();
}

static void probe(const ap_asn_db *db, const char *ip, size_t n)
{
    uint32_t asn = 77;
    const char *org = "x";
    int found = ap_asn_lookup(db, ip, n, &asn, &org);
    if (found != 0 && found != 1)
        abort();
    if (found && (asn == 0 || !org || strlen(org) > 4096))
        abort();
    if (!found && (asn != 0 || org != NULL))
        abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
    diag_check dc = {1};
    for (size_t i = 0; i < size; i++)
        dc.lines += buf[i] == '\n';
    ap_asn_db *db = NULL;
    char err[256];
    ap_status st = ap_asn_parse_tsv("fuzz.tsv", buf, size, on_diag, &dc, &db, err, sizeof err);
    if (st != AP_OK) {
        if (db || st == AP_ERR_NOMEM || !err[0])
            abort();
        free(buf);
        return 0;
    }
    if (!db)
        abort();
    ap_asn_info info;
    ap_asn_describe(db, &info);
    if (info.v4_ranges + info.v6_ranges + info.not_routed + info.bad_lines + info.overlaps >
        dc.lines)
        abort();
    static const char *const fixed[] = {"0.0.0.0", "255.255.255.255", "1.0.0.0", "10.0.0.128",
                                        "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                                        "::ffff:1.2.3.4", "2001:db8::ff", "8.0.0.255"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        probe(db, fixed[i], strlen(fixed[i]));
    /* every tab- or newline-separated field, as address text */
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i == size || buf[i] == '\t' || buf[i] == '\n') {
            probe(db, buf + start, i - start);
            start = i + 1;
        }
    }
    probe(db, buf, size);
    ap_asn_close(db);
    free(buf);
    return 0;
}
