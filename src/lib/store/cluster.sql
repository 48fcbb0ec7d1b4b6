-- cluster.sql — schema version 3: the cluster stage's results (src/lib/cluster/).
-- Why this file exists: the clustering is recomputed from the events on every `cluster` run, but
-- its ids must not be: an analyst who wrote "C-12 is the xmrig crew" in a ticket yesterday must
-- find C-12 again today. So each run's assignment is kept here, and the next run matches its
-- clusters to these (largest overlap wins) before numbering anything new. Exporters read the
-- campaign model from here through the library.

-- One row per clustered session. incident: the stable id of its incident (the smallest session
-- id of the incident). campaign / actor: stable numbers (C-n, A-n), 0 = not linked to any other
-- incident.
CREATE TABLE cluster_sessions (
    session_id INTEGER PRIMARY KEY,
    incident   INTEGER NOT NULL,
    campaign   INTEGER NOT NULL,
    actor      INTEGER NOT NULL
) WITHOUT ROWID;

-- The campaign table of the last run (one row per campaign; see docs/clustering.md for the
-- columns). Lists are ';'-separated, most frequent first.
CREATE TABLE campaigns (
    id             INTEGER PRIMARY KEY,
    actor          INTEGER NOT NULL,
    incidents      INTEGER NOT NULL,
    sessions       INTEGER NOT NULL,
    first_us       INTEGER NOT NULL,
    last_us        INTEGER NOT NULL,
    primary_tactic TEXT,
    techniques     TEXT,
    ips            INTEGER NOT NULL,
    nets           TEXT,
    asns           TEXT,
    keys           TEXT,
    hashes         TEXT,
    urls           TEXT,
    criticality    REAL NOT NULL,
    score          REAL NOT NULL
);
