#!/usr/bin/env bash
# ingest_kill.sh — a run killed at any point leaves a consistent store, and the next run
# completes it to exactly what one clean run stores. ~150 MB of simulated logs are ingested
# three ways: in one clean run; killed with SIGKILL at ~40 % then run again; stopped with SIGINT
# at ~40 % (exit 4, a clean stop) then run again. Every table is dumped in a canonical order
# (lib_ingest.sh canon_dump: no row ids, counters or run times) and the dumps must be equal.
# Runs use --no-map so the signal lands in the ingest itself (mapping is one transaction after
# it; tests/golden/understand.sh covers it).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib_ingest.sh"

command -v sqlite3 >/dev/null 2>&1 || skip_test "the sqlite3 CLI is not installed"

SIM=$TMP/sim
assert_exit "simulate 150M" 0 "$AP" simulate --out "$SIM" --size 150M --seed 11
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# 1. the clean run, timed
t0=$(now_ms)
assert_exit "clean run" 0 "$AP" ingest --no-map --quiet --db "$TMP/clean.db" "$SIM"
clean_ms=$(($(now_ms) - t0))
echo "clean run: $clean_ms ms" >&2
canon_dump "$TMP/clean.db" >"$TMP/clean.dump"
stats_json "$TMP/clean.db"
clean_events=$(jnum "$STATS" events)
[ "${clean_events:-0}" -gt 300000 ] && pass || fail "clean run stored only ${clean_events:-0} events"

# sleep_ms N: sleep N milliseconds
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# wait_handler PID: wait (up to 5 s) until PID catches SIGINT, i.e. the ingest has started; a
# signal before that would find SIGINT ignored (background jobs of a script inherit SIG_IGN)
wait_handler() {
    local i
    for ((i = 0; i < 500; i++)); do
        [ -r "/proc/$1/status" ] || return 0
        local cgt
        cgt=$(awk '/^SigCgt:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
        [ -n "$cgt" ] && (((16#$cgt & 2) != 0)) && return 0
        sleep 0.01
    done
}

# interrupt_run SIGNAL DB ERRFILE: start an ingest of $SIM into DB, send SIGNAL at ~40 % of the
# clean run time (20 %, then 10 % when the run had already finished); sets RC
interrupt_run() {
    local sig=$1 db=$2 errf=$3 pct pid
    for pct in 40 20 10; do
        rm -f "$db" "$db-wal" "$db-shm" "$db-journal"
        # commits every 16 MiB, so the kill lands after some commits: the resume starts mid-way
        "$AP" ingest --no-map --commit-every 16M --db "$db" "$SIM" 2>"$errf" &
        pid=$!
        wait_handler "$pid"
        sleep_ms $((clean_ms * pct / 100))
        kill "-$sig" "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        RC=$?
        [ "$RC" -ne 0 ] && return 0
        echo "note: the run finished before SIG$sig at $pct %; trying earlier" >&2
    done
}

# 2. SIGKILL at ~40 %
interrupt_run KILL "$TMP/kill.db" "$TMP/kill.err"
assert_eq "SIGKILL ended the run (not finished before)" 137 "$RC"
# the first load runs with a rollback journal (ap_store_bulk_journal): a kill mid-transaction
# leaves it hot, and the read-only `stats` must roll it back before anything else touches it
[ -s "$TMP/kill.db-journal" ] && echo "killed run left a hot journal" >&2
stats_json "$TMP/kill.db"
assert_eq "killed store: no journal left after a read-only open" "no" \
    "$([ -s "$TMP/kill.db-journal" ] && echo yes || echo no)"
assert_eq "killed store: integrity" "ok" "$(sqlite3 "$TMP/kill.db" 'PRAGMA integrity_check' 2>&1)"
killed_events=$(jnum "$STATS" events)
echo "killed run left ${killed_events:-?} of $clean_events events" >&2
partial=no
[ "${killed_events:-0}" -gt 0 ] && [ "${killed_events:-0}" -lt "$clean_events" ] && partial=yes
assert_eq "the killed run had committed part of the work" yes "$partial"
assert_exit "after SIGKILL: run again" 0 "$AP" ingest --no-map --db "$TMP/kill.db" "$SIM"
# (a kill between two bulk transactions leaves no hot journal, but the file in rollback mode:
# the next read-write open returns it to WAL)
assert_eq "resumed store: back in WAL mode" "wal" "$(sqlite3 "$TMP/kill.db" 'PRAGMA journal_mode' 2>&1)"
assert_not_contains "after SIGKILL: no bad lines" "$ERR" "bad line"
canon_dump "$TMP/kill.db" >"$TMP/kill.dump"
assert_files_eq "killed + resumed store equals the clean one" "$TMP/clean.dump" "$TMP/kill.dump"

# 3. SIGINT at ~40 %: a clean stop, exit 4, what was read is committed
interrupt_run INT "$TMP/int.db" "$TMP/int.err"
assert_eq "SIGINT: exit 4" 4 "$RC"
int_err=$(cat "$TMP/int.err")
assert_contains "SIGINT: summary says interrupted" "$int_err" "interrupted: ingested "
assert_contains "SIGINT: how to continue" "$int_err" \
    "actorprint: ingest: interrupted; the store is consistent, run the same command again to continue"
assert_eq "interrupted store: integrity" "ok" "$(sqlite3 "$TMP/int.db" 'PRAGMA integrity_check' 2>&1)"
stats_json "$TMP/int.db"
int_events=$(jnum "$STATS" events)
echo "interrupted run stored ${int_events:-?} of $clean_events events" >&2
[ "${int_events:-0}" -gt 0 ] && [ "${int_events:-0}" -lt "$clean_events" ] && pass ||
    fail "SIGINT: expected part of the events committed, got ${int_events:-?} of $clean_events"
assert_exit "after SIGINT: run again" 0 "$AP" ingest --no-map --db "$TMP/int.db" "$SIM"
assert_not_contains "after SIGINT: resumes exactly, nothing re-read" "$ERR" "warning"
assert_not_contains "after SIGINT: no event read twice" "$ERR" "duplicates)"
canon_dump "$TMP/int.db" >"$TMP/int.dump"
assert_files_eq "interrupted + resumed store equals the clean one" "$TMP/clean.dump" "$TMP/int.dump"

# 4. a run after completion adds nothing
assert_exit "complete store: run again" 0 "$AP" ingest --no-map --db "$TMP/int.db" "$SIM"
assert_match "complete store: nothing new" "$ERR" '^ingested 0 events in 0 sessions from 9 files \(0 B, 9 unchanged\)'

rm -rf "$SIM" # 150 MB: do not keep it around
finish
