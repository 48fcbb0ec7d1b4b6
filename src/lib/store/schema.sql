-- schema.sql — the actorprint SQLite store: the tables of ingest, unchanged since schema version 1
-- (PRAGMA user_version; version 2 added the understand stage's tables of mapping.sql).
-- Why this file exists: the one definition of the store's tables, indexes and analyst views,
-- embedded into the library at build time (scripts/embed.cmake) and run when a store is created.
-- The shape is explained in docs/store.md; in short:
--   * every repeated text is interned in `strings`, whose id is its 47-bit content hash, so
--     the writer never has to look an id up before using it;
--   * a session row carries the packed hashes of its events (duplicate detection upstream);
--   * per-event child tables are WITHOUT ROWID, keyed (session_id, ts, seq): rows cluster by
--     session in time order and need no separate index; `seq` is a store-wide counter that only
--     makes keys unique (two events of one session in the same microsecond);
--   * timestamps are integer microseconds since the epoch (UTC).
-- Changing anything here means a new schema version and a migration in store_sqlite.c.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value ANY
) WITHOUT ROWID;

-- Interned text. id = ap_hash64(text) & 0x7fffffffffff (47 bits: stored in 6 bytes; never 0;
-- on a collision the next free id upwards). Referenced by every *_id column below; NULL ids mean "absent".
-- Forward payloads longer than 256 bytes are stored zstd-compressed: s is NULL and z holds one
-- zstd frame of the text (decompress with `zstd -d`); every other text is plain in s.
CREATE TABLE strings (
    id INTEGER PRIMARY KEY,
    s  TEXT,
    z  BLOB
);

CREATE TABLE sensors (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE sessions (
    id                  INTEGER PRIMARY KEY,
    sensor_id           INTEGER NOT NULL,
    session             TEXT NOT NULL,
    protocol_id         INTEGER,
    src_ip_id           INTEGER,
    src_port            INTEGER,          -- NULL when unknown
    dst_ip_id           INTEGER,
    dst_port            INTEGER,
    start_us            INTEGER NOT NULL, -- earliest event (0 when none)
    end_us              INTEGER NOT NULL, -- latest event
    duration            REAL,             -- from cowrie.session.closed; NULL when not closed
    closed              INTEGER NOT NULL,
    client_version_id   INTEGER,
    hassh_id            INTEGER,
    hassh_algorithms_id INTEGER,
    arch_id             INTEGER,
    term_width          INTEGER,          -- NULL when unknown
    term_height         INTEGER,
    events              INTEGER NOT NULL,
    hashes              BLOB,             -- events x uint64 little-endian event identity hashes
    UNIQUE (sensor_id, session)
);
-- One secondary index: by source IP in time order (the sessions query by IP). Time-range
-- queries scan the table (one row per session, fast); every extra index costs ~10 % of ingest.
CREATE INDEX sessions_src_ip ON sessions (src_ip_id, start_us);

CREATE TABLE logins (
    session_id  INTEGER NOT NULL,
    ts          INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    username_id INTEGER,
    password_id INTEGER,
    success     INTEGER NOT NULL,
    PRIMARY KEY (session_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE commands (
    session_id INTEGER NOT NULL,
    ts         INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    input_id   INTEGER,
    success    INTEGER NOT NULL, -- 1 known/input, 0 failed (not found), -1 unknown
    PRIMARY KEY (session_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE transfers (
    session_id  INTEGER NOT NULL,
    ts          INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    kind        INTEGER NOT NULL, -- 0 download, 1 download failed, 2 upload
    url_id      INTEGER,
    shasum_id   INTEGER,
    outfile_id  INTEGER,
    filename_id INTEGER,
    duplicate   INTEGER NOT NULL,
    PRIMARY KEY (session_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE client_keys (
    session_id     INTEGER NOT NULL,
    ts             INTEGER NOT NULL,
    seq            INTEGER NOT NULL,
    fingerprint_id INTEGER,
    key_id         INTEGER,
    key_type_id    INTEGER,
    username_id    INTEGER,
    PRIMARY KEY (session_id, ts, seq)
) WITHOUT ROWID;

-- cowrie.direct-tcpip.request (data_id NULL) and cowrie.direct-tcpip.data (data_id set).
CREATE TABLE forwards (
    session_id  INTEGER NOT NULL,
    ts          INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    dst_host_id INTEGER,
    dst_port    INTEGER,
    src_ip_id   INTEGER,
    src_port    INTEGER,
    data_id     INTEGER,
    PRIMARY KEY (session_id, ts, seq)
) WITHOUT ROWID;

CREATE TABLE ttylogs (
    session_id INTEGER NOT NULL,
    ts         INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    path_id    INTEGER,
    shasum_id  INTEGER,
    size       INTEGER,
    duration   REAL,
    duplicate  INTEGER NOT NULL,
    PRIMARY KEY (session_id, ts, seq)
) WITHOUT ROWID;

-- Events kept verbatim (not modelled by the decoder). Rows are large, so this one keeps a rowid
-- and clusters by arrival; session_id 0 = an event without a session.
CREATE TABLE raw_events (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL,
    ts         INTEGER NOT NULL,
    eventid_id INTEGER,
    unknown    INTEGER NOT NULL, -- 1 when the eventid is not a known Cowrie event
    line       TEXT NOT NULL
);
CREATE INDEX raw_events_session ON raw_events (session_id);

-- Input files and how far they were read (see store.h, ap_file_rec).
CREATE TABLE files (
    id          INTEGER PRIMARY KEY,
    path        TEXT NOT NULL,
    dev         INTEGER NOT NULL,
    ino         INTEGER NOT NULL,
    disk_size   INTEGER NOT NULL,
    compression INTEGER NOT NULL,
    head_hash   INTEGER NOT NULL, -- uint64 stored as its int64 bit pattern
    head_len    INTEGER NOT NULL,
    offset      INTEGER NOT NULL,
    lines       INTEGER NOT NULL,
    complete    INTEGER NOT NULL,
    updated_us  INTEGER NOT NULL,
    mark_offset INTEGER NOT NULL DEFAULT 0, -- start of the last line consumed (checked on resume)
    mark_hash   INTEGER NOT NULL DEFAULT 0  -- its ap_hash64, as int64 bit pattern
);
CREATE INDEX files_path ON files (path);
CREATE INDEX files_head ON files (head_hash, head_len);

-- Rejected input lines; `head` is the first <= 4 KiB (bytes, possibly not UTF-8).
CREATE TABLE rejects (
    id        INTEGER PRIMARY KEY,
    file_id   INTEGER NOT NULL,
    line      INTEGER NOT NULL,
    offset    INTEGER NOT NULL,
    reason_id INTEGER NOT NULL,
    head      BLOB,
    full_len  INTEGER NOT NULL,
    UNIQUE (file_id, line)
);

-- ---- views for analysts: strings joined back, times as ISO-8601 text -----------------------

CREATE VIEW v_sessions AS
SELECT s.id AS id, se.name AS sensor, s.session AS session, pr.s AS protocol,
       si.s AS src_ip, s.src_port AS src_port, di.s AS dst_ip, s.dst_port AS dst_port,
       strftime('%Y-%m-%dT%H:%M:%fZ', s.start_us / 1e6, 'unixepoch') AS start,
       strftime('%Y-%m-%dT%H:%M:%fZ', s.end_us / 1e6, 'unixepoch') AS end,
       s.start_us AS start_us, s.end_us AS end_us,
       COALESCE(s.duration, (s.end_us - s.start_us) / 1e6) AS duration, s.closed AS closed,
       cv.s AS client_version, ha.s AS hassh, hl.s AS hassh_algorithms, ar.s AS arch,
       s.term_width AS term_width, s.term_height AS term_height, s.events AS events
FROM sessions s
JOIN sensors se ON se.id = s.sensor_id
LEFT JOIN strings pr ON pr.id = s.protocol_id
LEFT JOIN strings si ON si.id = s.src_ip_id
LEFT JOIN strings di ON di.id = s.dst_ip_id
LEFT JOIN strings cv ON cv.id = s.client_version_id
LEFT JOIN strings ha ON ha.id = s.hassh_id
LEFT JOIN strings hl ON hl.id = s.hassh_algorithms_id
LEFT JOIN strings ar ON ar.id = s.arch_id;

CREATE VIEW v_logins AS
SELECT se.name AS sensor, s.session AS session, si.s AS src_ip,
       strftime('%Y-%m-%dT%H:%M:%fZ', l.ts / 1e6, 'unixepoch') AS time, l.ts AS ts_us,
       u.s AS username, p.s AS password, l.success AS success, l.session_id AS session_id
FROM logins l
JOIN sessions s ON s.id = l.session_id
JOIN sensors se ON se.id = s.sensor_id
LEFT JOIN strings si ON si.id = s.src_ip_id
LEFT JOIN strings u ON u.id = l.username_id
LEFT JOIN strings p ON p.id = l.password_id;

CREATE VIEW v_commands AS
SELECT se.name AS sensor, s.session AS session, si.s AS src_ip,
       strftime('%Y-%m-%dT%H:%M:%fZ', c.ts / 1e6, 'unixepoch') AS time, c.ts AS ts_us,
       i.s AS input, c.success AS success, c.session_id AS session_id
FROM commands c
JOIN sessions s ON s.id = c.session_id
JOIN sensors se ON se.id = s.sensor_id
LEFT JOIN strings si ON si.id = s.src_ip_id
LEFT JOIN strings i ON i.id = c.input_id;

CREATE VIEW v_transfers AS
SELECT se.name AS sensor, s.session AS session, si.s AS src_ip,
       strftime('%Y-%m-%dT%H:%M:%fZ', t.ts / 1e6, 'unixepoch') AS time, t.ts AS ts_us,
       CASE t.kind WHEN 0 THEN 'download' WHEN 1 THEN 'download_failed' ELSE 'upload' END AS kind,
       u.s AS url, sh.s AS shasum, o.s AS outfile, f.s AS filename, t.duplicate AS duplicate,
       t.session_id AS session_id
FROM transfers t
JOIN sessions s ON s.id = t.session_id
JOIN sensors se ON se.id = s.sensor_id
LEFT JOIN strings si ON si.id = s.src_ip_id
LEFT JOIN strings u ON u.id = t.url_id
LEFT JOIN strings sh ON sh.id = t.shasum_id
LEFT JOIN strings o ON o.id = t.outfile_id
LEFT JOIN strings f ON f.id = t.filename_id;

CREATE VIEW v_client_keys AS
SELECT se.name AS sensor, s.session AS session, si.s AS src_ip,
       strftime('%Y-%m-%dT%H:%M:%fZ', k.ts / 1e6, 'unixepoch') AS time, k.ts AS ts_us,
       fp.s AS fingerprint, ky.s AS key, kt.s AS key_type, u.s AS username,
       k.session_id AS session_id
FROM client_keys k
JOIN sessions s ON s.id = k.session_id
JOIN sensors se ON se.id = s.sensor_id
LEFT JOIN strings si ON si.id = s.src_ip_id
LEFT JOIN strings fp ON fp.id = k.fingerprint_id
LEFT JOIN strings ky ON ky.id = k.key_id
LEFT JOIN strings kt ON kt.id = k.key_type_id
LEFT JOIN strings u ON u.id = k.username_id;

CREATE VIEW v_forwards AS
SELECT se.name AS sensor, s.session AS session, si.s AS src_ip,
       strftime('%Y-%m-%dT%H:%M:%fZ', f.ts / 1e6, 'unixepoch') AS time, f.ts AS ts_us,
       h.s AS dst_host, f.dst_port AS dst_port, fs.s AS fwd_src_ip, f.src_port AS fwd_src_port,
       d.s AS data, d.z AS data_zstd, f.session_id AS session_id
FROM forwards f
JOIN sessions s ON s.id = f.session_id
JOIN sensors se ON se.id = s.sensor_id
LEFT JOIN strings si ON si.id = s.src_ip_id
LEFT JOIN strings h ON h.id = f.dst_host_id
LEFT JOIN strings fs ON fs.id = f.src_ip_id
LEFT JOIN strings d ON d.id = f.data_id;

CREATE VIEW v_ttylogs AS
SELECT se.name AS sensor, s.session AS session,
       strftime('%Y-%m-%dT%H:%M:%fZ', t.ts / 1e6, 'unixepoch') AS time, t.ts AS ts_us,
       p.s AS path, sh.s AS shasum, t.size AS size, t.duration AS duration,
       t.duplicate AS duplicate, t.session_id AS session_id
FROM ttylogs t
JOIN sessions s ON s.id = t.session_id
JOIN sensors se ON se.id = s.sensor_id
LEFT JOIN strings p ON p.id = t.path_id
LEFT JOIN strings sh ON sh.id = t.shasum_id;

CREATE VIEW v_raw_events AS
SELECT se.name AS sensor, s.session AS session,
       strftime('%Y-%m-%dT%H:%M:%fZ', r.ts / 1e6, 'unixepoch') AS time, r.ts AS ts_us,
       e.s AS eventid, r.unknown AS unknown, r.line AS line, r.session_id AS session_id
FROM raw_events r
LEFT JOIN sessions s ON s.id = r.session_id
LEFT JOIN sensors se ON se.id = s.sensor_id
LEFT JOIN strings e ON e.id = r.eventid_id;

CREATE VIEW v_rejects AS
SELECT f.path AS file, r.line AS line, r.offset AS offset, rs.s AS reason,
       CAST(r.head AS TEXT) AS head, r.full_len AS full_len
FROM rejects r
LEFT JOIN files f ON f.id = r.file_id
LEFT JOIN strings rs ON rs.id = r.reason_id;

CREATE VIEW v_files AS
SELECT id, path, dev, ino, disk_size,
       CASE compression WHEN 0 THEN 'none' WHEN 1 THEN 'gzip' WHEN 2 THEN 'bzip2'
                        WHEN 3 THEN 'zstd' ELSE 'unknown' END AS compression,
       printf('%016x', head_hash) AS head_hash, head_len, offset, lines, complete,
       strftime('%Y-%m-%dT%H:%M:%fZ', updated_us / 1e6, 'unixepoch') AS updated
FROM files;
