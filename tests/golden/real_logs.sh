#!/usr/bin/env bash
# real_logs.sh — optional: ingests the real Cowrie logs of the shared data folder
# ($AP_SRC/../shared/data/sweetie-2019, read-only, never copied into the repository; the test is
# skipped when it is absent) and checks the store against numbers computed independently with
# Python's json module: sessions == distinct (sensor, session) pairs of the parseable lines,
# events == distinct parseable lines (events are deduplicated by their exact bytes),
# bad_lines == unparseable lines; a second run adds nothing.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib_ingest.sh"

DATA=$AP_SRC/../shared/data/sweetie-2019
[ -d "$DATA" ] || skip_test "$DATA is absent"
have_python || skip_test "python3 is not available"

run python3 - "$DATA" <<'PY'
import gzip, json, os, sys
root = sys.argv[1]
pairs, lines, bad = set(), set(), 0
for dirpath, _, names in os.walk(root):
    for name in names:
        if not name.startswith("cowrie.json"):
            continue
        path = os.path.join(dirpath, name)
        with open(path, "rb") as f:
            magic = f.read(2)
        opener = gzip.open if magic == b"\x1f\x8b" else open
        with opener(path, "rb") as f:
            for raw in f:
                line = raw.rstrip(b"\n")
                if not line.strip():
                    continue
                try:
                    ev = json.loads(line.decode("utf-8"))
                    ok = isinstance(ev, dict) and isinstance(ev.get("eventid"), str) \
                        and isinstance(ev.get("timestamp"), str) and ev.get("session") not in (None, "")
                except ValueError:
                    ok = False
                if not ok:
                    bad += 1
                    continue
                lines.add(line)
                pairs.add((ev.get("sensor"), str(ev["session"])))
print(len(pairs), len(lines), bad)
PY
[ "$RC" -eq 0 ] || { golden_show "$ERR"; skip_test "python could not read $DATA"; }
read -r want_sessions want_events want_bad <<<"$OUT"
echo "python: $want_sessions sessions, $want_events distinct events, $want_bad unparseable lines" >&2

DB=$TMP/real.db
assert_exit "ingest the real logs" 0 "$AP" ingest --db "$DB" "$DATA"
stats_json "$DB"
echo "store: $STATS" >&2
assert_eq "sessions == distinct (sensor, session) pairs" "$want_sessions" "$(jnum "$STATS" sessions)"
assert_eq "events == distinct parseable lines" "$want_events" "$(jnum "$STATS" events)"
assert_eq "bad_lines == unparseable lines" "$want_bad" "$(jnum "$STATS" bad_lines)"
"$AP" stats --json --db "$DB" >"$TMP/stats1"
assert_exit "second run" 0 "$AP" ingest --db "$DB" "$DATA"
assert_match "second run adds nothing" "$ERR" '^ingested 0 events in 0 sessions'
"$AP" stats --json --db "$DB" >"$TMP/stats2"
assert_files_eq "second run: stats unchanged" "$TMP/stats1" "$TMP/stats2"

finish
