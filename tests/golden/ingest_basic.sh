#!/usr/bin/env bash
# ingest_basic.sh — pins what ingest makes of a small hand-written Cowrie log (an ssh session with
# client version, HASSH, a failed and a successful login, terminal size, architecture, commands
# one of which is "not found", a download and a port forward; and a telnet session): the exact
# numbers of `stats --json`, the exact `sessions --json` and the text format of `sessions` and
# `stats`, and that attacker text (quotes, backslashes, tabs, UTF-8) comes back byte-identical.
# Regenerate the expected files only after checking every value by hand against the log in
# lib_ingest.sh (sample_log).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib_ingest.sh"

mkdir -p "$TMP/logs"
sample_log >"$TMP/logs/cowrie.json"
DB=$TMP/basic.db

assert_exit "ingest the sample" 0 "$AP" ingest --db "$DB" "$TMP/logs/cowrie.json"
assert_eq "ingest writes nothing on stdout" "" "$OUT"
assert_match "ingest summary" "$ERR" '^ingested 17 events in 2 sessions from 1 file \('
assert_not_contains "no warnings" "$ERR" "warning"

"$AP" stats --json --db "$DB" >"$TMP/stats.json"
assert_files_eq "stats --json" "$EXPECTED/ingest_basic.stats.json" "$TMP/stats.json"
"$AP" stats --db "$DB" >"$TMP/stats.txt"
assert_files_eq "stats (text)" "$EXPECTED/ingest_basic.stats.txt" "$TMP/stats.txt"
"$AP" sessions --json --db "$DB" >"$TMP/sessions.jsonl"
assert_files_eq "sessions --json" "$EXPECTED/ingest_basic.sessions.jsonl" "$TMP/sessions.jsonl"
"$AP" sessions --db "$DB" >"$TMP/sessions.txt"
assert_files_eq "sessions (text)" "$EXPECTED/ingest_basic.sessions.txt" "$TMP/sessions.txt"

# filters
run "$AP" sessions --json --db "$DB" --ip 198.51.100.23
assert_eq "--ip selects the telnet session" "1" "$(printf '%s' "$OUT" | grep -c '"session":"0011aabb"')"
assert_eq "--ip selects only it" "1" "$(printf '%s' "$OUT" | wc -l | tr -d ' ')"
run "$AP" sessions --json --db "$DB" --limit 1
assert_contains "--limit 1 gives the oldest" "$OUT" '"session":"a1b2c3d4e5f6"'
assert_eq "--limit 1 gives one" "1" "$(printf '%s' "$OUT" | wc -l | tr -d ' ')"
run "$AP" sessions --json --db "$DB" --since 2024-03-01T10:30:00Z
assert_eq "--since" "1" "$(printf '%s' "$OUT" | grep -c '"session":"0011aabb"')"
run "$AP" sessions --json --db "$DB" --until 2024-03-01T10:30:00Z
assert_eq "--until" "1" "$(printf '%s' "$OUT" | grep -c '"session":"a1b2c3d4e5f6"')"
assert_not_contains "--until excludes later sessions" "$OUT" '0011aabb'
run "$AP" sessions --json --db "$DB" --sensor nope
assert_eq "--sensor with no match prints nothing" "" "$OUT"
assert_eq "--sensor with no match exits 0" "0" "$RC"

# attacker text comes back exactly: compare the decoded JSON strings with the decoded log fields
if have_python; then
    run python3 - "$TMP/logs/cowrie.json" "$TMP/sessions.jsonl" <<'EOF'
import json, sys
log = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
ses = {s["session"]: s for s in map(json.loads, open(sys.argv[2], encoding="utf-8"))}
a = ses["a1b2c3d4e5f6"]
want = [e["input"] for e in log if e["eventid"] == "cowrie.command.input" and e["session"] == "a1b2c3d4e5f6"]
got = [c["input"] for c in a["commands"]]
assert got == want, (got, want)
assert got[0] == "echo \"it's\" \\x41\tdone caf\u00e9 \u65e5\u672c", repr(got[0])
assert a["logins"][1]["password"] == 'p"a\\ss', a["logins"][1]
# byte level: the UTF-8 of the command is the UTF-8 Python writes for the log's string
assert got[0].encode("utf-8") == want[0].encode("utf-8")
print("ok")
EOF
    assert_eq "command text byte-identical through --json" "ok" "${OUT%$'\n'}"
    [ -n "$ERR" ] && golden_show "$ERR"
fi
# without python: the JSON form of the command as the JSON escaper must write it
assert_contains "command JSON escaping" "$(cat "$TMP/sessions.jsonl")" \
    '"input":"echo \"it'"'"'s\" \\x41\tdone café 日本"'

finish
