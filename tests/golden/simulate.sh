#!/usr/bin/env bash
# simulate.sh — `actorprint simulate` is deterministic for a seed (byte-identical files), writes
# the documented layout and ground truth, and what it writes ingests into exactly the sessions
# the truth lists (plain and --gzip alike).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib_ingest.sh"

# checksums DIR: "sha256  relative/path" of every file under DIR, sorted
checksums() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum); }

opts=(--seed 42 --days 2 --sensors 2 --scale 0.05 --start 2024-06-01)
assert_exit "simulate (a)" 0 "$AP" simulate --out "$TMP/a" "${opts[@]}"
assert_match "simulate summary" "$ERR$OUT" 'wrote [0-9]+ files'
assert_exit "simulate (b)" 0 "$AP" simulate --out "$TMP/b" "${opts[@]}"
checksums "$TMP/a" >"$TMP/a.sums"
checksums "$TMP/b" >"$TMP/b.sums"
assert_files_eq "same seed, same bytes" "$TMP/a.sums" "$TMP/b.sums"
assert_exit "simulate (other seed)" 0 "$AP" simulate --out "$TMP/c" --seed 43 --days 2 --sensors 2 --scale 0.05 --start 2024-06-01
checksums "$TMP/c" >"$TMP/c.sums"
cmp -s "$TMP/a.sums" "$TMP/c.sums" && fail "another seed wrote the same files" || pass

# layout: DIR/SENSOR/cowrie.json.YYYY-MM-DD, 2 sensors x 2 days, and DIR/truth.csv
logs=$(cd "$TMP/a" && find . -name 'cowrie.json.*' | LC_ALL=C sort | tr '\n' ' ')
assert_match "one file per sensor and day" "$logs" '^(\./[^/ ]+/cowrie\.json\.2024-06-0[12] ){4}$'
assert_eq "truth.csv header" "sensor,session,actor,campaign" "$(head -n 1 "$TMP/a/truth.csv")"
truth_rows=$(($(wc -l <"$TMP/a/truth.csv") - 1))
[ "$truth_rows" -gt 100 ] && pass || fail "truth.csv has only $truth_rows sessions"
assert_eq "truth lists distinct sessions" "$truth_rows" "$(tail -n +2 "$TMP/a/truth.csv" | cut -d, -f1,2 | sort -u | wc -l | tr -d ' ')"

# ingest: one session per truth row, per sensor too
assert_exit "ingest the simulation" 0 "$AP" ingest --db "$TMP/a.db" "$TMP/a"
stats_json "$TMP/a.db"
assert_eq "sessions == truth rows" "$truth_rows" "$(jnum "$STATS" sessions)"
assert_eq "sensors" 2 "$(jnum "$STATS" sensors)"
assert_eq "files read (truth.csv is not one)" 4 "$(jnum "$STATS" files)"
for sensor in $(tail -n +2 "$TMP/a/truth.csv" | cut -d, -f1 | sort -u); do
    want=$(tail -n +2 "$TMP/a/truth.csv" | grep -c "^$sensor,")
    got=$("$AP" sessions --json --db "$TMP/a.db" --sensor "$sensor" | wc -l | tr -d ' ')
    assert_eq "sessions of $sensor == truth rows" "$want" "$got"
done
# every (sensor, session) of the truth is in the store
"$AP" sessions --json --db "$TMP/a.db" | sed 's/^{"sensor":"\([^"]*\)","session":"\([^"]*\)".*/\1,\2/' |
    LC_ALL=C sort >"$TMP/store.pairs"
tail -n +2 "$TMP/a/truth.csv" | cut -d, -f1,2 | LC_ALL=C sort >"$TMP/truth.pairs"
assert_files_eq "the store's sessions are the truth's" "$TMP/truth.pairs" "$TMP/store.pairs"

# --gzip: every day but the newest compressed; the same store content
assert_exit "simulate --gzip" 0 "$AP" simulate --out "$TMP/g" "${opts[@]}" --gzip
gz=$(cd "$TMP/g" && find . -name 'cowrie.json.*' | LC_ALL=C sort | tr '\n' ' ')
assert_match "--gzip: the first day compressed, the newest not" "$gz" \
    '^\./[^/ ]+/cowrie\.json\.2024-06-01\.gz \./[^/ ]+/cowrie\.json\.2024-06-02 \./[^/ ]+/cowrie\.json\.2024-06-01\.gz \./[^/ ]+/cowrie\.json\.2024-06-02 $'
for f in $(cd "$TMP/g" && find . -name '*.gz'); do
    plain=${f%.gz}
    cmp -s <(gzip -dc "$TMP/g/$f") "$TMP/a/$plain" && pass || fail "--gzip: $f is not the plain $plain compressed"
done
assert_exit "ingest the gzip simulation" 0 "$AP" ingest --db "$TMP/g.db" "$TMP/g"
"$AP" stats --json --db "$TMP/a.db" >"$TMP/a.stats"
"$AP" stats --json --db "$TMP/g.db" >"$TMP/g.stats"
assert_files_eq "--gzip: same stats" "$TMP/a.stats" "$TMP/g.stats"

finish
