#!/usr/bin/env bash
# bench/ingest.sh — measures 'actorprint ingest' against the targets of the ingest issue:
# throughput (MB/s of uncompressed JSON, with both cores and with --threads 1), store size as a
# share of the raw JSON, and peak memory that stays flat as the input grows. Logs are generated
# by 'actorprint simulate' (not timed); the report is a Markdown table on standard output, also
# appended with the date to a results file. See bench/README.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
# shellcheck source=lib.sh
. "$here/lib.sh"

usage() {
    cat <<'EOF'
usage: bench/ingest.sh [--sizes 1G,2G,4G] [--build DIR] [--keep] [--runs N]
                       [--results FILE] [--tmp DIR] [--cold] [--no-gz] [--no-sweetie]

  --sizes LIST    Sizes of generated input (simulate --size), comma separated. (default: 1G,2G,4G)
  --build DIR     Use DIR/actorprint as is. Default: configure and build a Release binary in
                  build-bench/ (ninja).
  --keep          Keep the generated logs and stores (the temporary directory is printed).
  --runs N        Timed runs per measure, through hyperfine when N > 1. (default: 3)
  --results FILE  Append the dated report to FILE. (default: bench/results.md; '-' for none)
  --tmp DIR       Where to create the temporary directory. (default: $TMPDIR or /tmp)
  --cold          Drop the page cache before every timed run (needs root); default is warm cache.
  --no-gz         Skip the gzip-compressed input measure.
  --no-sweetie    Skip the real sweetie-2019 logs even when ../shared/data/sweetie-2019 exists.
EOF
}

sizes=1G,2G,4G
build=""
keep=0
runs=3
results=$here/results.md
tmpbase=${TMPDIR:-/tmp}
cold=0
do_gz=1
do_sweetie=1
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) sizes=${2:?}; shift 2 ;;
        --build) build=${2:?}; shift 2 ;;
        --keep) keep=1; shift ;;
        --runs) runs=${2:?}; shift 2 ;;
        --results) results=${2:?}; shift 2 ;;
        --tmp) tmpbase=${2:?}; shift 2 ;;
        --cold) cold=1; shift ;;
        --no-gz) do_gz=0; shift ;;
        --no-sweetie) do_sweetie=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
case "$runs" in ''|*[!0-9]*|0) die "--runs needs a positive integer" ;; esac

for tool in /usr/bin/time sqlite3 bc awk; do
    command -v "$tool" >/dev/null || die "$tool is missing (Debian packages: time, sqlite3, bc, gawk)"
done
if ! command -v hyperfine >/dev/null || ! command -v jq >/dev/null; then
    log "hyperfine or jq is missing: timing with /usr/bin/time only (10 ms resolution)"
    export hf_off=1  # read by timed_runs (lib.sh)
fi

# ---- the binary ------------------------------------------------------------------------------
if [ -z "$build" ]; then
    build=$repo/build-bench
    if [ ! -f "$build/build.ninja" ]; then
        log "configuring $build (Release)"
        cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAP_WERROR=ON >&2
    fi
    log "building $build/actorprint"
    ninja -C "$build" actorprint_cli >&2 || die "build failed"
fi
bin=$(cd "$build" && pwd)/actorprint
[ -x "$bin" ] || die "no binary at $bin"

# ---- work area -------------------------------------------------------------------------------
tmp=$(mktemp -d "$tmpbase/ap-bench.XXXXXX")
cleanup() {
    if [ "$keep" = 1 ]; then log "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

drop=""
if [ "$cold" = 1 ]; then
    if (sync && echo 1 > /proc/sys/vm/drop_caches) 2>/dev/null; then
        drop="sync; echo 1 > /proc/sys/vm/drop_caches"
    else
        log "cannot drop the page cache (not root?): measuring with a warm cache"
        cold=0
    fi
fi
prep_with_drop() { echo "$1${drop:+; $drop}"; }

rows=()     # Markdown table rows, in order
notes=()    # free-text lines printed under the table

# measure LABEL MODE RAW_BYTES DB PATH...
# Ingests PATH... into a fresh DB RUNS times with the thread mode MODE (0 or 1), then appends a
# table row: wall time, throughput against RAW_BYTES, CPU use, peak RSS, store size and ratio.
measure() {
    local label=$1 mode=$2 raw=$3 db=$4; shift 4
    local tlog=$tmp/time.log
    log "ingest $label, --threads $mode, $runs run(s)"
    timed_runs "$tlog" "$runs" "$(prep_with_drop "rm -f $db $db-wal $db-shm")" \
        "$bin" ingest --quiet --db "$db" --threads "$mode" "$@" || die "ingest failed ($label)"
    sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
    local store=$(( $(fsize "$db") + $(fsize "$db-wal") ))
    local stats events sessions
    stats=$("$bin" stats --db "$db" --json)
    events=$(echo "$stats" | sed -n 's/.*"events":\([0-9]*\).*/\1/p')
    sessions=$(echo "$stats" | sed -n 's/.*"sessions":\([0-9]*\).*/\1/p')
    local w wsd rss u s cpu
    read -r w wsd _ _ < <(col_stats "$tlog" 1)
    read -r _ _ _ rss < <(col_stats "$tlog" 2)
    read -r u _ _ _ < <(col_stats "$tlog" 3)
    read -r s _ _ _ < <(col_stats "$tlog" 4)
    cpu=$(calc "100 * ($u + $s) / $w" 0)
    local mname; if [ "$mode" = 1 ]; then mname="1 thread"; else mname="auto (2 cores)"; fi
    rows+=("| $label | $mname | $(calc "$raw / 1000000" 0) | $(grouped "$events") | $(grouped "$sessions") \
| $w ± $wsd | **$(calc "$raw / 1000000 / $w" 0)** | $(grouped "$(calc "$events / $w" 0)") | $cpu % \
| $(calc "$rss / 1024" 0) | $(calc "$store / 1000000" 1) | $(calc "100 * $store / $raw" 1) % |")
}

# rerun LABEL RAW_BYTES DB PATH... — ingest again into the populated DB: nothing is new.
rerun() {
    local label=$1 raw=$2 db=$3; shift 3
    local tlog=$tmp/time.log w wsd rss
    log "re-run $label (nothing new)"
    timed_runs "$tlog" "$runs" "$drop" "$bin" ingest --quiet --db "$db" "$@" || die "re-run failed"
    read -r w wsd _ _ < <(col_stats "$tlog" 1)
    read -r _ _ _ rss < <(col_stats "$tlog" 2)
    rows+=("| $label | re-run, nothing new | $(calc "$raw / 1000000" 0) | — | — | $w ± $wsd | — | — | — \
| $(calc "$rss / 1024" 0) | — | — |")
}

# floor LABEL WHAT RAW_BYTES CMD... — time a command that only reads the input (the I/O floor).
floor() {
    local label=$1 what=$2 raw=$3; shift 3
    local tlog=$tmp/time.log w wsd
    log "floor: $label, $what"
    timed_runs "$tlog" "$runs" "$drop" bash -c "$*" || die "floor command failed"
    read -r w wsd _ _ < <(col_stats "$tlog" 1)
    rows+=("| $label | floor: $what | $(calc "$raw / 1000000" 0) | | | $w ± $wsd | $(calc "$raw / 1000000 / $w" 0) | | | | | |")
}

# ---- plain JSON at each size -----------------------------------------------------------------
IFS=, read -r -a size_list <<< "$sizes"
for size in "${size_list[@]}"; do
    sim=$tmp/sim-$size
    log "generating $size of logs in $sim"
    "$bin" simulate --out "$sim" --size "$size" >/dev/null 2>&1 || die "simulate failed"
    dirs=("$sim"/*/)
    raw=$(find "${dirs[@]}" -type f | sum_bytes)
    db=$tmp/ingest-$size.db
    floor "$size JSON" "cat > /dev/null" "$raw" "find ${dirs[*]} -type f -exec cat {} + > /dev/null"
    measure "$size JSON" 0 "$raw" "$db" "${dirs[@]}"
    rerun "$size JSON" "$raw" "$db" "${dirs[@]}"
    measure "$size JSON" 1 "$raw" "$db" "${dirs[@]}"
    if [ "$keep" = 0 ]; then rm -rf "$sim" "$db" "$db-wal" "$db-shm"; fi
done

# ---- gzip-compressed input (rotated logs), at the first size ---------------------------------
if [ "$do_gz" = 1 ]; then
    size=${size_list[0]}
    sim=$tmp/simgz-$size
    log "generating $size of gzip-compressed logs in $sim"
    "$bin" simulate --out "$sim" --size "$size" --gzip >/dev/null 2>&1 || die "simulate --gzip failed"
    dirs=("$sim"/*/)
    raw=$(find "${dirs[@]}" -type f | sum_uncompressed)
    packed=$(find "${dirs[@]}" -type f | sum_bytes)
    notes+=("- gz input: $(calc "$raw / 1000000" 0) MB of JSON in $(calc "$packed / 1000000" 0) MB of files \
(all days but the newest gzip-compressed); MB/s counts uncompressed JSON.")
    floor "$size gz" "gzip -dc > /dev/null" "$raw" \
        "find ${dirs[*]} -type f -name '*.gz' -exec gzip -dc {} + > /dev/null; find ${dirs[*]} -type f ! -name '*.gz' -exec cat {} + > /dev/null"
    measure "$size gz" 0 "$raw" "$tmp/gz.db" "${dirs[@]}"
    if [ "$keep" = 0 ]; then rm -rf "$sim" "$tmp"/gz.db*; fi
fi

# ---- the real sweetie-2019 logs, when present ------------------------------------------------
sweetie=$(cd "$repo/.." && pwd)/shared/data/sweetie-2019
if [ "$do_sweetie" = 1 ] && [ -d "$sweetie" ]; then
    mapfile -t files < <(find "$sweetie" -type f -name 'cowrie.json*' | sort)
    if [ "${#files[@]}" -gt 0 ]; then
        raw=$(printf '%s\n' "${files[@]}" | sum_uncompressed)
        notes+=("- sweetie-2019: the real logs of $sweetie (${#files[@]} gzip files, \
$(calc "$raw / 1000000" 0) MB uncompressed).")
        measure "sweetie-2019 gz" 0 "$raw" "$tmp/sweetie.db" "${files[@]}"
        measure "sweetie-2019 gz" 1 "$raw" "$tmp/sweetie.db" "${files[@]}"
    fi
fi

# ---- report ----------------------------------------------------------------------------------
report() {
    echo "## Ingest benchmark, $(date '+%Y-%m-%d %H:%M %Z')"
    echo
    machine_info "$bin" "$repo"
    echo "- Method: bench/ingest.sh --sizes $sizes --runs $runs; $([ "$cold" = 1 ] && echo "cold page cache" \
|| echo "warm page cache (inputs and store on $(df -P "$tmp" | awk 'NR == 2 {print $1}'))")"
    echo "- Targets: ≥ 400 MB/s with both cores, ≥ 250 MB/s with --threads 1, store ≤ 15 % of raw,"
    echo "  peak RSS flat as the input grows."
    echo
    echo "| input | mode | raw MB | events | sessions | wall s (mean ± sd) | MB/s | events/s | CPU | peak RSS MB | store MB | store/raw |"
    echo "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
    printf '%s\n' "${rows[@]}"
    echo
    echo "- MB = 10^6 bytes. MB/s and events/s use the mean wall time; peak RSS is the largest of the runs."
    echo "- CPU = (user + system) / wall: 200 % means both cores busy."
    echo "- Store = database + WAL after 'PRAGMA wal_checkpoint(TRUNCATE)'."
    echo "- Floor rows: time to only read (or decompress) the same input, the upper bound for ingest."
    if [ "${#notes[@]}" -gt 0 ]; then printf '%s\n' "${notes[@]}"; fi
    echo
}
out=$(report)
echo "$out"
if [ "$results" != - ]; then
    { echo; echo "$out"; } >> "$results"
    log "appended to $results"
fi
