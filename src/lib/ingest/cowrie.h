/* cowrie.h — decodes one Cowrie JSON log line into an ap_event: the eventid's kind and the fields
 * the store models. Both formats are understood: Cowrie 2.x (cowrie.client.kex with hassh,
 * cowrie.client.fingerprint, session.params, log.closed, direct-tcpip.*) and the 2018-era 1.x
 * format (KEX lists inside cowrie.client.version, for which the HASSH is computed here).
 * Every eventid is accepted: kinds the store does not model are flagged so the raw line is kept.
 */
#ifndef AP_INGEST_COWRIE_H
#define AP_INGEST_COWRIE_H

#include <stdint.h>
#include "actorprint.h"
#include "util/str.h"
#include "util/arena.h"
#include "ingest/json.h"

/* X-macro: kind, eventid, kept raw (1) or modelled (0). */
#define AP_EVENT_KINDS(X)                                                   \
    X(SESSION_CONNECT, "cowrie.session.connect", 0)                         \
    X(CLIENT_VERSION, "cowrie.client.version", 0)                           \
    X(CLIENT_KEX, "cowrie.client.kex", 0)                                   \
    X(CLIENT_FINGERPRINT, "cowrie.client.fingerprint", 0)                   \
    X(CLIENT_SIZE, "cowrie.client.size", 0)                                 \
    X(CLIENT_VAR, "cowrie.client.var", 1)                                   \
    X(LOGIN_SUCCESS, "cowrie.login.success", 0)                             \
    X(LOGIN_FAILED, "cowrie.login.failed", 0)                               \
    X(SESSION_PARAMS, "cowrie.session.params", 0)                           \
    X(COMMAND_INPUT, "cowrie.command.input", 0)                             \
    X(COMMAND_SUCCESS, "cowrie.command.success", 0)                         \
    X(COMMAND_FAILED, "cowrie.command.failed", 0)                           \
    X(FILE_DOWNLOAD, "cowrie.session.file_download", 0)                     \
    X(FILE_DOWNLOAD_FAILED, "cowrie.session.file_download.failed", 0)       \
    X(FILE_UPLOAD, "cowrie.session.file_upload", 0)                         \
    X(TCPIP_REQUEST, "cowrie.direct-tcpip.request", 0)                      \
    X(TCPIP_DATA, "cowrie.direct-tcpip.data", 0)                            \
    X(LOG_OPEN, "cowrie.log.open", 1)                                       \
    X(LOG_CLOSED, "cowrie.log.closed", 0)                                   \
    X(SESSION_CLOSED, "cowrie.session.closed", 0)

typedef enum ap_event_kind {
    AP_EV_UNKNOWN = 0,
#define AP_X(kind, id, raw) AP_EV_##kind,
    AP_EVENT_KINDS(AP_X)
#undef AP_X
        AP_EV__COUNT
} ap_event_kind;

/* The eventid of a kind (NULL for UNKNOWN) and whether its raw line is what the store keeps. */
const char *ap_event_kind_id(ap_event_kind k);
int ap_event_kind_is_raw(ap_event_kind k);
ap_event_kind ap_event_kind_from_id(ap_str eventid);

/* One decoded event. Strings live in the arena given to ap_cowrie_decode; absent ones are NULL
 * views; absent integers are -1. */
typedef struct ap_event {
    ap_event_kind kind;
    uint64_t hash;       /* identity: hash of the line's bytes (duplicates hash alike) */
    int64_t ts_us;
    ap_str eventid, sensor, session;
    ap_str src_ip, dst_ip, protocol;
    int src_port, dst_port;
    ap_str username, password;
    ap_str input;
    ap_str url, shasum, outfile, filename;
    int duplicate;
    ap_str version;
    ap_str hassh, hassh_algorithms;
    ap_str fingerprint, key, key_type;
    int width, height;
    ap_str arch;
    ap_str ttylog;
    int64_t size;
    double duration;     /* < 0 when absent */
    ap_str data;
    ap_str data_zstd;    /* set by the ingest pipeline: data compressed for the store, or NULL */
    ap_str line;         /* the whole line, only for kinds kept raw (and unknown ones) */
} ap_event;

typedef struct ap_cowrie_decoder ap_cowrie_decoder;

ap_status ap_cowrie_decoder_new(ap_cowrie_decoder **out);
void ap_cowrie_decoder_free(ap_cowrie_decoder *d);

/* Decodes one line (with the reader's padding after it). On AP_ERR_FORMAT, *reason is a stable
 * code ("invalid_json", "invalid_utf8", "not_an_object", "missing_eventid", "missing_session",
 * "missing_timestamp", "bad_timestamp") and msg a human explanation. On AP_OK the event's strings
 * are copied into `arena`. */
ap_status ap_cowrie_decode(ap_cowrie_decoder *d, const char *line, size_t len, ap_arena *arena,
                           ap_event *ev, const char **reason, char *msg, size_t msglen);
#endif
