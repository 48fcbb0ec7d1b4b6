#!/usr/bin/env bash
# bench/map.sh — mapping throughput (issue 3's target: >= 200k statements/s on one core).
# Times bench_map (bench/map/bench_map.c: the public ap_mapper_map — shell parse, ATT&CK rules,
# normal form, IOC and SSH-key extraction) on one core over three inputs:
#   1. every command execution of a simulated week (actorprint simulate --days 7), as logged;
#   2. every command execution of ../shared/data/sweetie-2019 (real logs), when present;
#   3. the labelled corpus tests/corpus/mapper.tsv (obfuscated and unusual lines included).
# Usage: bench/map.sh [--build DIR] [--seconds N] [--results FILE]
# Prints a Markdown section; with --results appends it to FILE (default: bench/results.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$here/lib.sh"
build=$repo/build-bench seconds=3 results=$here/results.md
while [ $# -gt 0 ]; do
    case "$1" in
        --build) build=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --results) results=$2; shift 2 ;;
        *) die "unknown option $1" ;;
    esac
done
command -v sqlite3 >/dev/null || die "needs the sqlite3 CLI (Debian package sqlite3)"
log "building $build (Release, AP_BENCH)"
cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAP_BENCH=ON >/dev/null
ninja -C "$build" actorprint_cli bench_map >/dev/null
ap=$build/actorprint
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# command_lines DB OUT: every command execution of a store, one line each (newlines in an input
# become spaces: the bench maps lines)
command_lines() {
    sqlite3 "$1" "SELECT replace(replace(i.s, char(10), ' '), char(13), ' ') FROM commands c
                  JOIN strings i ON i.id = c.input_id ORDER BY c.session_id, c.ts" >"$2"
}

log "simulating a week of logs"
"$ap" simulate --out "$tmp/sim" --days 7 --seed 1 >/dev/null
"$ap" ingest --quiet --no-map --db "$tmp/sim.db" "$tmp/sim"
command_lines "$tmp/sim.db" "$tmp/sim.txt"
inputs=("simulated week, every command execution|$tmp/sim.txt")
sweetie=$repo/../shared/data/sweetie-2019
if [ -d "$sweetie" ]; then
    log "ingesting sweetie-2019"
    "$ap" ingest --quiet --no-map --db "$tmp/sweetie.db" "$sweetie" || true
    command_lines "$tmp/sweetie.db" "$tmp/sweetie.txt"
    inputs+=("sweetie-2019 (real), every command execution|$tmp/sweetie.txt")
fi
if [ -f "$repo/tests/corpus/mapper.tsv" ]; then
    # (the corpus writes newlines inside an input as \n: mapped here as typed, one line each)
    grep -v '^#' "$repo/tests/corpus/mapper.tsv" | cut -f1 | grep -v '^$' >"$tmp/corpus.txt" || true
    inputs+=("labelled corpus (tests/corpus/mapper.tsv)|$tmp/corpus.txt")
fi

report=$tmp/report.md
{
    echo "## Mapping benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    machine_info "$ap" "$repo"
    echo "- Method: bench/map.sh; bench_map maps every line through ap_mapper_map on one thread, repeated for >= ${seconds} s"
    echo "- Target: >= 200,000 statements/s on one core"
    echo
    echo "| input | lines | statements per round | techniques per round | statements/s | lines/s |"
    echo "|---|--:|--:|--:|--:|--:|"
    for entry in "${inputs[@]}"; do
        name=${entry%%|*} file=${entry#*|}
        log "mapping: $name"
        out=$("$build/bench/map/bench_map" "$file" "$seconds")
        lines=$(echo "$out" | awk '{print $2}') rounds=$(echo "$out" | awk '{print $4}')
        st=$(echo "$out" | awk '{print $6}') te=$(echo "$out" | awk '{print $8}')
        sps=$(echo "$out" | awk '{print $12}') lps=$(echo "$out" | awk '{print $14}')
        echo "| $name | $(grouped "$lines") | $(grouped $((st / rounds))) | $(grouped $((te / rounds))) | **$(grouped "$sps")** | $(grouped "$lps") |"
    done
    echo
    # the store-side step ingest runs after each load: map distinct command texts + event techniques
    t0=$(date +%s.%N)
    "$ap" remap --quiet --db "$tmp/sim.db"
    t1=$(date +%s.%N)
    nc=$(sqlite3 "$tmp/sim.db" "SELECT count(*) FROM commands")
    ni=$(sqlite3 "$tmp/sim.db" "SELECT count(*) FROM input_maps")
    nl=$(sqlite3 "$tmp/sim.db" "SELECT count(*) FROM logins")
    echo "- \`actorprint remap\` of the simulated week's store ($(grouped "$nc") command executions, $(grouped "$ni") distinct texts, $(grouped "$nl") logins): $(printf "%.2f" "$(calc "$t1 - $t0" 3)") s wall"
    echo
} >"$report"
cat "$report"
[ -n "$results" ] && { echo; cat "$report"; } >>"$results"
