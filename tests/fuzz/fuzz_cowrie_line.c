/* fuzz_cowrie_line.c — libFuzzer target for the line parser: one input = one log line, decoded
 * the way ingest decodes it (simdjson walk, field extraction, UTF-8 repair, HASSH of 1.x lists,
 * timestamp parsing). Crashes found are kept in corpus/fuzz_cowrie_line/ and replayed by ctest. */
#include "ingest/cowrie.h"
#include "ingest/reader.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static ap_cowrie_decoder *dec;
    static ap_arena arena;
    if (!dec) {
        if (ap_cowrie_decoder_new(&dec) != AP_OK)
            abort();
        ap_arena_init(&arena, 1 << 16);
    }
    if (size > (1u << 20))
        return 0;
    char *buf = malloc(size + AP_READER_PADDING);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    memset(buf + size, 0, AP_READER_PADDING);
    ap_event ev;
    const char *reason = NULL;
    char msg[256];
    ap_status st = ap_cowrie_decode(dec, buf, size, &arena, &ev, &reason, msg, sizeof msg);
    if (st == AP_OK) {
        /* every string the decoder hands out must be readable and NUL-terminated */
        const ap_str fields[] = {ev.eventid, ev.session, ev.sensor, ev.src_ip, ev.input, ev.username,
                                 ev.password, ev.hassh, ev.hassh_algorithms, ev.version, ev.line};
        size_t total = 0;
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
            if (fields[i].p)
                total += strlen(fields[i].p) <= fields[i].n ? 1 : 0;
        (void)total;
    } else if (st == AP_ERR_FORMAT && (!reason || !*reason)) {
        abort(); /* every rejected line must carry a reason code */
    }
    ap_arena_reset(&arena);
    free(buf);
    return 0;
}
