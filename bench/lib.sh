# shellcheck shell=bash
# bench/lib.sh — small shell helpers shared by the benchmark scripts in bench/ (sourced, not run):
# byte counting, number formatting, the machine description and the one timed-run primitive, so
# that every benchmark reports figures computed the same way. MB means 10^6 bytes throughout,
# as in the summary line printed by 'actorprint ingest'.

# Progress goes to standard error; standard output is reserved for the Markdown report.
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Size of one file in bytes (0 when missing).
fsize() { if [ -e "$1" ]; then stat -c %s "$1"; else echo 0; fi; }

# Total size in bytes of the files named on standard input (one per line).
sum_bytes() { tr '\n' '\0' | xargs -0 -r stat -c %s | awk '{s += $1} END {printf "%.0f\n", s}'; }

# Uncompressed size in bytes of the files named on standard input: gzip, bzip2 and zstd files are
# recognised by their magic bytes, like ingest does, and decompressed; others are counted as is.
sum_uncompressed() {
    local f magic total=0 n
    while IFS= read -r f; do
        magic=$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')
        case "$magic" in
            1f8b*) n=$(gzip -dc "$f" | wc -c) ;;
            425a68*) n=$(bzip2 -dc "$f" | wc -c) ;;
            28b52ffd) n=$(zstd -dc "$f" | wc -c) ;;
            *) n=$(stat -c %s "$f") ;;
        esac
        total=$((total + n))
    done
    echo "$total"
}

# Arithmetic on decimals: calc 'EXPR' prints the result with 'scale' decimals (default 1).
calc() { echo "scale=${2:-1}; $1" | bc -l | sed -e 's/^\./0./' -e 's/^-\./-0./'; }

# 1234567 -> 1,234,567
grouped() { echo "$1" | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta'; }

# The machine and the code measured, as Markdown list items.
machine_info() {
    local bin=$1 repo=$2 model mem rev
    model=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
    mem=$(free -g | awk '/^Mem:/ {print $2 " GiB"}')
    rev=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
    if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
        rev="$rev (with uncommitted changes)"
    fi
    echo "- Machine: ${model:-unknown CPU}, $(nproc) cores (nproc), $mem memory, $(uname -sr)"
    echo "- Load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
    echo "- Code: commit $rev; binary $bin ($("$bin" --version 2>/dev/null | head -1))"
}

# timed_runs LOG RUNS PREPARE CMD...
# Runs CMD RUNS times under /usr/bin/time, through hyperfine (with PREPARE run before each run)
# when it is installed. Each run appends a line "wall maxrss_kb user sys" to LOG; the wall time is
# hyperfine's (ms resolution) when available, else /usr/bin/time's (10 ms). Fails when CMD fails.
timed_runs() {
    local logf=$1 runs=$2 prep=$3; shift 3
    local q="" a i
    for a in "$@"; do q="$q $(printf '%q' "$a")"; done
    local tl=$logf.time
    local timed
    timed="/usr/bin/time -f '%e %M %U %S' -a -o $(printf '%q' "$tl")$q"
    : > "$tl"
    if [ -z "${hf_off:-}" ] && command -v hyperfine >/dev/null && command -v jq >/dev/null; then
        hyperfine --shell bash --style basic --runs "$runs" ${prep:+--prepare "$prep"} \
            --export-json "$logf.json" -- "$timed" >&2 || return 1
        # hyperfine's wall times replace column 1, run by run.
        paste -d' ' <(jq -r '.results[0].times[]' "$logf.json") <(cut -d' ' -f2- "$tl") > "$logf"
    else
        for ((i = 0; i < runs; i++)); do
            if [ -n "$prep" ]; then bash -c "$prep"; fi
            bash -c "$timed" >&2 || return 1
        done
        cp "$tl" "$logf"
    fi
}

# Statistics over column COL of LOG: "mean sd min max" (sd 0 for a single run).
col_stats() {
    awk -v c="$2" '{v = $c; n++; s += v; ss += v * v; if (n == 1 || v < mn) mn = v; if (v > mx) mx = v}
        END {m = s / n; var = n > 1 ? (ss - n * m * m) / (n - 1) : 0; if (var < 0) var = 0;
             printf "%.3f %.3f %.3f %.3f\n", m, sqrt(var), mn, mx}' "$1"
}
