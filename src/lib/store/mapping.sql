-- mapping.sql — schema version 2: what the understand stage derives from the stored events.
-- Why this file exists: mapping results are recomputable (from commands and events, with a given
-- rules + ATT&CK + normaliser version, meta.map_version), so they live in their own tables,
-- created with a new store and added to a version-1 store by the migration to version 2.
-- Results are kept per DISTINCT command text (strings.id of commands.input_id): a bot that runs
-- the same line in 100,000 sessions is parsed and mapped once. Sessions reach their techniques
-- through commands.input_id. Technique and tactic names come from the ATT&CK table the mapping
-- used (attack_techniques, attack_technique_tactics) so SQL users can read them.

-- One row per mapped command text.
CREATE TABLE input_maps (
    input_id   INTEGER PRIMARY KEY, -- strings.id of the command text
    statements INTEGER NOT NULL,
    truncated  INTEGER NOT NULL     -- 1: too many statements, the rest were not mapped
);

-- The statements of each command text (see src/lib/understand/shell.h).
CREATE TABLE input_statements (
    input_id  INTEGER NOT NULL,
    idx       INTEGER NOT NULL,     -- order in the parse (children follow their parent)
    start     INTEGER NOT NULL,     -- byte range in the command text
    "end"     INTEGER NOT NULL,
    depth     INTEGER NOT NULL,
    via       INTEGER NOT NULL,     -- how it was reached: 1 sh -c, 2 base64, 4 $(), 8 loop, 16 printf, 32 eval, 64 group, 128 heredoc
    parent    INTEGER NOT NULL,     -- idx of the statement it came from, -1 at top level
    cmd_id    INTEGER,              -- strings: the command name
    text_id   INTEGER,              -- strings: the statement text
    normal_id INTEGER,              -- strings: its normal form
    PRIMARY KEY (input_id, idx)
) WITHOUT ROWID;

-- Techniques of each statement, with the rule (data/rules/attack.rules) that assigned it.
CREATE TABLE input_techniques (
    input_id  INTEGER NOT NULL,
    idx       INTEGER NOT NULL,
    technique TEXT NOT NULL,
    rule      TEXT NOT NULL,
    PRIMARY KEY (input_id, idx, technique)
) WITHOUT ROWID;

-- IOCs in each command text (type: url, domain, ipv4, ipv6, md5, sha1, sha256, sha512, btc, xmr,
-- eth, busybox_tag, marker, email).
CREATE TABLE input_iocs (
    input_id INTEGER NOT NULL,
    type     TEXT NOT NULL,
    value_id INTEGER NOT NULL,      -- strings
    PRIMARY KEY (input_id, type, value_id)
) WITHOUT ROWID;

-- SSH public keys found in commands, once each.
CREATE TABLE ssh_keys (
    id      INTEGER PRIMARY KEY,
    sha256  TEXT NOT NULL UNIQUE,   -- "SHA256:..." as ssh-keygen -l prints it
    md5     TEXT NOT NULL,          -- "MD5:aa:bb:..."
    type    TEXT NOT NULL,
    bits    INTEGER NOT NULL,
    comment TEXT
);

CREATE TABLE input_keys (
    input_id INTEGER NOT NULL,
    key_id   INTEGER NOT NULL,
    injected INTEGER NOT NULL,      -- the command writes it to an authorized_keys file
    PRIMARY KEY (input_id, key_id)
) WITHOUT ROWID;

-- Techniques of session events (data/rules/events.tsv) are not stored per session: a view
-- derives them from the event tables, so they cost no space and never go stale. What is stored
-- is what a view cannot cheaply derive: the brute-force class of each source address, decided
-- over all its failed logins (recomputed for the addresses with new logins after each ingest).
CREATE TABLE event_rules (
    code      INTEGER PRIMARY KEY,  -- 1 login_success, 2 download, 3 upload, 4 tcpip_forward,
                                    -- 5 client_key, 10 bruteforce, 11 guessing, 12 spraying, 13 stuffing
    rule      TEXT NOT NULL,
    technique TEXT NOT NULL
);
CREATE TABLE ip_bruteforce (
    src_ip_id INTEGER PRIMARY KEY,  -- strings.id of the source address
    class     INTEGER NOT NULL,     -- event_rules.code 10..13
    attempts  INTEGER NOT NULL,     -- failed logins from the address, over all its sessions
    usernames INTEGER NOT NULL,
    passwords INTEGER NOT NULL
);

-- session_id, technique, rule, detail of every session event that shows a technique.
CREATE VIEW v_event_techniques AS
SELECT DISTINCT l.session_id AS session_id, r.technique AS technique, r.rule AS rule, NULL AS detail
FROM logins l JOIN event_rules r ON r.code = 1 WHERE l.success = 1
UNION ALL
SELECT DISTINCT t.session_id, r.technique, r.rule, NULL
FROM transfers t JOIN event_rules r ON r.code = (CASE WHEN t.kind = 2 THEN 3 ELSE 2 END)
UNION ALL
SELECT DISTINCT f.session_id, r.technique, r.rule, NULL
FROM forwards f JOIN event_rules r ON r.code = 4
UNION ALL
SELECT DISTINCT k.session_id, r.technique, r.rule, NULL
FROM client_keys k JOIN event_rules r ON r.code = 5
UNION ALL
SELECT DISTINCT l.session_id, r.technique, r.rule,
       printf('%d failed logins from this address, %d usernames, %d passwords', b.attempts,
              b.usernames, b.passwords)
FROM logins l JOIN sessions s ON s.id = l.session_id
JOIN ip_bruteforce b ON b.src_ip_id = s.src_ip_id
JOIN event_rules r ON r.code = b.class
WHERE l.success = 0;

-- The ATT&CK table the stored mapping used.
CREATE TABLE attack_techniques (
    id      TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    tactics TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE attack_technique_tactics (
    technique TEXT NOT NULL,
    tactic    TEXT NOT NULL,         -- shortname
    PRIMARY KEY (technique, tactic)
) WITHOUT ROWID;

-- ---- views ------------------------------------------------------------------------------------

-- Every command execution with each technique of its statements.
CREATE VIEW v_command_techniques AS
SELECT se.name AS sensor, s.session AS session, si.s AS src_ip,
       strftime('%Y-%m-%dT%H:%M:%fZ', c.ts / 1e6, 'unixepoch') AS time, c.ts AS ts_us,
       i.s AS input, t.idx AS statement, st.s AS statement_text, t.technique AS technique,
       a.name AS technique_name, t.rule AS rule, c.session_id AS session_id
FROM commands c
JOIN input_techniques t ON t.input_id = c.input_id
JOIN sessions s ON s.id = c.session_id
JOIN sensors se ON se.id = s.sensor_id
LEFT JOIN input_statements ist ON ist.input_id = t.input_id AND ist.idx = t.idx
LEFT JOIN strings st ON st.id = ist.text_id
LEFT JOIN strings si ON si.id = s.src_ip_id
LEFT JOIN strings i ON i.id = c.input_id
LEFT JOIN attack_techniques a ON a.id = t.technique;

CREATE VIEW v_session_techniques AS
SELECT se.name AS sensor, s.session AS session, si.s AS src_ip, t.technique AS technique,
       a.name AS technique_name, t.rule AS rule, t.detail AS detail, t.session_id AS session_id
FROM v_event_techniques t
JOIN sessions s ON s.id = t.session_id
JOIN sensors se ON se.id = s.sensor_id
LEFT JOIN strings si ON si.id = s.src_ip_id
LEFT JOIN attack_techniques a ON a.id = t.technique;

CREATE VIEW v_iocs AS
SELECT x.type AS type, v.s AS value, i.s AS input, x.input_id AS input_id
FROM input_iocs x
LEFT JOIN strings v ON v.id = x.value_id
LEFT JOIN strings i ON i.id = x.input_id;

CREATE VIEW v_ssh_keys AS
SELECT k.sha256 AS sha256, k.md5 AS md5, k.type AS type, k.bits AS bits, k.comment AS comment,
       ik.injected AS injected, i.s AS input, ik.input_id AS input_id
FROM ssh_keys k
JOIN input_keys ik ON ik.key_id = k.id
LEFT JOIN strings i ON i.id = ik.input_id;
