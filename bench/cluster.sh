#!/usr/bin/env bash
# bench/cluster.sh — clustering quality and scale (issue 4's targets).
#   quality: for each seed, a simulated month (3 sensors, 13 actors incl. the hard cases, see
#            docs/simulator.md) is ingested and clustered by the links method and by the seed's
#            recipe (DBSCAN, eps 0.3 and eps at the knee); `actorprint eval` scores each against
#            truth.csv at actor and campaign level. Target: actor-level B-cubed recall >= 0.95,
#            precision >= 0.90, F1 >= the seed recipe's + 0.25 in the same run.
#   scale:   stores of growing size (days x scale), clustered by `actorprint cluster`; wall time
#            and peak RSS (GNU time). Target: 1 M incidents in <= 60 s and <= 4 GB.
# Usage: bench/cluster.sh [--build DIR] [--seeds 1,2,3] [--days N] [--points "DAYS:SCALE ..."]
#                         [--no-quality] [--no-scale] [--results FILE] [--keep DIR]
# Prints a Markdown section; with --results appends it to FILE (default: bench/results.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$here/lib.sh"
build=$repo/build-bench seeds=1,2,3 days=30 points="1:1 7:1 30:1 28:3" results=$here/results.md
quality=1 scale=1 keep=
while [ $# -gt 0 ]; do
    case "$1" in
        --build) build=$2; shift 2 ;;
        --seeds) seeds=$2; shift 2 ;;
        --days) days=$2; shift 2 ;;
        --points) points=$2; shift 2 ;;
        --no-quality) quality=0; shift ;;
        --no-scale) scale=0; shift ;;
        --results) results=$2; shift 2 ;;
        --keep) keep=$2; shift 2 ;;
        *) die "unknown option $1" ;;
    esac
done
[ -x /usr/bin/time ] || die "needs GNU time (Debian package time)"
log "building $build (Release)"
cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" actorprint_cli >"$build.log" 2>&1 || { tail -20 "$build.log" >&2; die "build failed"; }
ap=$build/actorprint
tmp=${keep:-$(mktemp -d)}
mkdir -p "$tmp"
[ -n "$keep" ] || trap 'rm -rf "$tmp"' EXIT

# field JSON NAME INDEX: the INDEX-th number (1 recall, 2 precision, 3 f1) of "NAME":{...}
field() { sed -E "s/.*\"$2\":\{\"recall\":([0-9.]+),\"precision\":([0-9.]+),\"f1\":([0-9.]+)\}.*/\\$3/" <<<"$1"; }
ari() { sed -E 's/.*"ari":(-?[0-9.]+).*/\1/' <<<"$1"; }
row() { # label json-actor json-campaign
    printf '| %s | %.4f | %.4f | **%.4f** | %.4f | %.4f | %.4f | %.4f |\n' "$1" \
        "$(field "$2" bcubed 1)" "$(field "$2" bcubed 2)" "$(field "$2" bcubed 3)" \
        "$(field "$2" pairwise 3)" "$(ari "$2")" "$(field "$3" bcubed 3)" "$(field "$3" pairwise 3)"
}

report=$tmp/report.md
{
    echo "## Clustering benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    machine_info "$ap" "$repo"
    echo "- Method: bench/cluster.sh; B-cubed and pairwise scores from \`actorprint eval\` (sessions labelled noise left out); recall, precision, F1 at actor level, F1 at campaign level"
    echo
} >"$report"

if [ "$quality" = 1 ]; then
    {
        echo "### Quality: simulated month ($days days, 3 sensors, scale 1), per seed"
        echo
        echo "| seed / method | B³ recall | B³ precision | B³ F1 | pairwise F1 | ARI | campaign B³ F1 | campaign pairwise F1 |"
        echo "|---|--:|--:|--:|--:|--:|--:|--:|"
    } >>"$report"
    for seed in ${seeds//,/ }; do
        d=$tmp/q$seed
        log "seed $seed: simulating and ingesting"
        "$ap" simulate --out "$d/sim" --days "$days" --sensors 3 --seed "$seed" >/dev/null
        "$ap" ingest --quiet --db "$d/s.db" "$d/sim"
        sessions=$(wc -l <"$d/sim/truth.csv")
        for method in "links" "dbscan --eps 0.3" "dbscan --eps auto"; do
            log "seed $seed: $method"
            cp "$d/s.db" "$d/m.db"
            t0=$(date +%s.%N)
            out=$("$ap" cluster --db "$d/m.db" --method $method -n 0 2>&1 >/dev/null)
            t1=$(date +%s.%N)
            ja=$("$ap" eval --db "$d/m.db" --truth "$d/sim/truth.csv" --json)
            jc=$("$ap" eval --db "$d/m.db" --truth "$d/sim/truth.csv" --level campaign --json)
            extra=""
            [[ "$out" == *"dbscan eps"* ]] && extra=" (eps $(sed -E 's/.*dbscan eps ([0-9.e-]+).*/\1/' <<<"$out"))"
            row "seed $seed, $method$extra, $(printf '%.1f' "$(calc "$t1 - $t0" 2)") s" "$ja" "$jc" >>"$report"
        done
        echo "| seed $seed: $(grouped $((sessions - 1))) sessions, $(grep -o 'in [0-9,]* incidents' <<<"$out") | | | | | | | |" >>"$report"
        rm -f "$d/m.db"
    done
    echo >>"$report"
fi

if [ "$scale" = 1 ]; then
    {
        echo "### Scale: \`actorprint cluster\` (links) on stores of growing size"
        echo
        echo "| days x scale | sessions | incidents | campaigns | actors | wall | load | link | peak RSS |"
        echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|"
    } >>"$report"
    for p in $points; do
        pd=${p%%:*} ps=${p#*:}
        d=$tmp/s-$pd-$ps
        log "scale point $pd days x $ps: simulating and ingesting"
        "$ap" simulate --out "$d/sim" --days "$pd" --sensors 4 --scale "$ps" --seed 11 >/dev/null
        "$ap" ingest --quiet --db "$d/s.db" "$d/sim"
        rm -rf "$d/sim"
        log "scale point $pd days x $ps: clustering"
        /usr/bin/time -f '%e %M' -o "$d/time" "$ap" cluster --db "$d/s.db" --json -n 0 >"$d/out.json"
        read -r wall rss <"$d/time"
        j=$(cat "$d/out.json")
        num() { sed -E "s/.*\"$1\":([0-9.]+).*/\\1/" <<<"$j"; }
        echo "| $pd x $ps | $(grouped "$(num sessions)") | $(grouped "$(num incidents)") | $(grouped "$(num campaigns)") | $(grouped "$(num actors)") | **${wall} s** | $(printf '%.1f' "$(num load_seconds)") s | $(printf '%.1f' "$(num link_seconds)") s | **$((rss / 1024)) MB** |" >>"$report"
        [ -n "$keep" ] || rm -rf "$d"
    done
    echo >>"$report"
fi
cat "$report"
[ -n "$results" ] && { echo; cat "$report"; } >>"$results"
