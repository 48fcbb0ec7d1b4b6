/* sessionizer.h — groups decoded events into sessions keyed by (sensor, Cowrie session id) and
 * writes them to the store, across files, days and runs.
 *
 * A session seen in an earlier run (a session cut by midnight rotation, say) is loaded back from
 * the store and extended. Each session keeps the identity hashes of its events, so an event seen
 * twice (overlapping rotated files, a re-run after a crash) is stored once. Memory holds only the
 * sessions still open: closed ones leave memory at the next flush, and when too many stay open
 * the least recently used are written out and dropped (they are reloaded if they reappear).
 */
#ifndef AP_INGEST_SESSIONIZER_H
#define AP_INGEST_SESSIONIZER_H

#include "actorprint.h"
#include "ingest/cowrie.h"

typedef struct ap_sessionizer ap_sessionizer;

typedef struct ap_sessionizer_counts {
    uint64_t events;           /* new events stored */
    uint64_t duplicates;       /* events already stored */
    uint64_t unknown_events;   /* new events of unknown kinds (stored raw) */
    uint64_t sessions_new;
    uint64_t sessions_updated; /* sessions from an earlier run that received new events */
    uint64_t open_sessions;    /* sessions currently held in memory */
    uint64_t peak_open_sessions;
} ap_sessionizer_counts;

/* max_open: sessions kept in memory before the least recently used are evicted (0 = default). */
ap_status ap_sessionizer_new(ap_store *store, size_t max_open, ap_sessionizer **out);
void ap_sessionizer_free(ap_sessionizer *s);

/* Applies one event (inside the caller's store transaction). *is_new = 0 for a duplicate. */
ap_status ap_sessionizer_apply(ap_sessionizer *s, const ap_event *ev, int *is_new);

/* Writes every changed session to the store; call before each commit. Then forgets closed
 * sessions and, above the memory bound, the least recently used ones. */
ap_status ap_sessionizer_flush(ap_sessionizer *s);

/* Forgets everything held in memory without writing (after a rollback). */
void ap_sessionizer_reset(ap_sessionizer *s);

void ap_sessionizer_get_counts(const ap_sessionizer *s, ap_sessionizer_counts *out);
#endif
