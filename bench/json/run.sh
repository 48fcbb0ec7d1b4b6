#!/bin/sh
# run.sh — runs every JSON benchmark program of a build on one file of JSON lines, one after the
# other (see bench.h for why they are separate programs).
# usage: bench/json/run.sh BUILD_DIR FILE.json [ROUNDS]
set -eu
if [ $# -lt 2 ]; then
    echo "usage: $0 BUILD_DIR FILE.json [ROUNDS]" >&2
    exit 2
fi
dir=$1/bench/json
for p in simdjson jansson jsonc; do
    "$dir/bench_json_$p" "$2" "${3:-3}"
done
