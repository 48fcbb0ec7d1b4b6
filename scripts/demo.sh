#!/usr/bin/env bash
# The main job on sample logs the project generates: build actorprint, simulate a week of Cowrie
# logs from three sensors, ingest them into ./sample/actorprint.db (which also maps every command
# to ATT&CK techniques, IOCs and SSH keys), and show what is in the store.
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
echo "ATT&CK techniques seen (sessions, command executions, source IPs):"
$ap techniques --db sample/actorprint.db >sample/techniques.txt
head -25 sample/techniques.txt
echo
echo "SSH keys attackers wrote to authorized_keys or offered to log in:"
$ap keys --db sample/actorprint.db >sample/keys.txt
head -12 sample/keys.txt
echo
echo "Try: $ap sessions --db sample/actorprint.db --with-commands | less"
echo "     $ap explain --db sample/actorprint.db SESSION"
echo "     echo 'cd ~; chattr -ia .ssh; lockr -ia .ssh' | $ap map"
