/* fuzz_extract.c — libFuzzer target for IOC and SSH-key extraction: one input = one attacker
 * text, scanned by ap_sshkey_scan and ap_ioc_scan. Both read attacker bytes with offsets and
 * decode base64 key blobs, so every result is also checked for sanity (ranges inside the text,
 * values non-empty, fingerprints of the expected shape). Crashes found are kept in
 * corpus/fuzz_extract/ and replayed by ctest. */
#include "understand/ioc.h"
#include "understand/sshkey.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static ap_ioc_scanner *sc;
    static ap_arena arena;
    if (!sc) {
        if (ap_ioc_scanner_new(&sc) != AP_OK)
            abort();
        ap_arena_init(&arena, 1 << 16);
    }
    if (size > (1u << 20))
        return 0;
    /* an exact-size copy, so reading one byte past the text is caught by ASan */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
    ap_str text = ap_str_make(buf, size);

    ap_ssh_key *keys = NULL;
    size_t nkeys = 0;
    if (ap_sshkey_scan(text, &arena, &keys, &nkeys) != AP_OK)
        abort();
    for (size_t i = 0; i < nkeys; i++) {
        const ap_ssh_key *k = &keys[i];
        if (k->start > k->end || k->end > size || k->bits == 0 || k->type.n == 0)
            abort();
        if (strncmp(k->sha256, "SHA256:", 7) != 0 || strlen(k->sha256) != 50 || strlen(k->md5) != 51)
            abort();
        /* a found key parses on its own, with the same fingerprint */
        ap_ssh_key again;
        char line[20000];
        if (k->type.n + k->blob_b64.n + 2 < sizeof line) {
            memcpy(line, k->type.p, k->type.n);
            line[k->type.n] = ' ';
            memcpy(line + k->type.n + 1, k->blob_b64.p, k->blob_b64.n);
            line[k->type.n + 1 + k->blob_b64.n] = '\0';
            if (ap_sshkey_parse(ap_str_c(line), &arena, &again) != AP_OK ||
                strcmp(again.sha256, k->sha256) != 0 || again.bits != k->bits)
                abort();
        }
    }

    ap_ioc *iocs = NULL;
    size_t n = 0;
    if (ap_ioc_scan(sc, text, &arena, &iocs, &n) != AP_OK)
        abort();
    for (size_t i = 0; i < n; i++) {
        const ap_ioc *v = &iocs[i];
        if ((unsigned)v->type >= AP_IOC__COUNT || v->start > v->end || v->end > size || v->value.n == 0 ||
            !v->value.p || v->value.p[v->value.n] != '\0')
            abort();
        for (size_t j = 0; j < i; j++) /* deduplicated */
            if (iocs[j].type == v->type && ap_str_eq(iocs[j].value, v->value))
                abort();
    }
    ap_arena_reset(&arena);
    free(buf);
    return 0;
}
