#!/usr/bin/env bash
# The main job on sample logs the project generates: build actorprint, simulate a week of Cowrie
# logs from three sensors, ingest them into ./sample/actorprint.db, and show what is in the store.
#   scripts/demo.sh [DAYS]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DAP_WERROR=ON >/dev/null
ninja -C build actorprint_cli >/dev/null
ap=build/actorprint
rm -rf sample
$ap simulate --out sample/logs --days "${1:-7}" --sensors 3 --seed 1 --gzip
$ap ingest --db sample/actorprint.db sample/logs
$ap stats --db sample/actorprint.db
echo
echo "The first three sessions in which the attacker typed commands:"
$ap sessions --db sample/actorprint.db --with-commands --limit 3
echo
echo "Try: $ap sessions --db sample/actorprint.db --with-commands | less"
