#!/usr/bin/env bash
# The main job on sample logs the project generates: build actorprint, simulate a week of Cowrie
# logs from three sensors, and `actorprint run` them: ingest into ./sample/actorprint.db (mapping
# every command to ATT&CK techniques, IOCs and SSH keys), cluster sessions into incidents,
# campaigns and actors, write ./sample/report/*.csv and show the campaign table; then score the
# clustering against the simulator's ground truth, write the report and some exports, and show
# what is in the store.
#   scripts/demo.sh [DAYS]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DAP_WERROR=ON >/dev/null
ninja -C build actorprint_cli >/dev/null
ap=build/actorprint
rm -rf sample
$ap simulate --out sample/logs --days "${1:-7}" --sensors 3 --seed 1 --gzip
$ap run --db sample/actorprint.db --out sample/report --asn sample/logs/ip2asn.tsv --limit 15 sample/logs
echo
echo "How right the clustering is, against the simulator's ground truth (sample/logs/truth.csv):"
$ap eval --db sample/actorprint.db --truth sample/logs/truth.csv
echo
echo "Sharing: an HTML/Markdown report, ATT&CK Navigator layers, a STIX 2.1 bundle, MISP events:"
$ap report --db sample/actorprint.db --asn sample/logs/ip2asn.tsv --out sample/report
$ap export --db sample/actorprint.db --format navigator --out sample/report/navigator
$ap export --db sample/actorprint.db --format stix --out sample/report/stix.json
$ap export --db sample/actorprint.db --format misp --out sample/report/misp.json
ls sample/report
echo
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
echo "Reports: sample/report/report.html, sessions.csv, campaign_clusters.csv, campaigns.csv"
echo "Try: $ap sessions --db sample/actorprint.db --with-commands | less"
echo "     $ap explain --db sample/actorprint.db SESSION"
echo "     echo 'cd ~; chattr -ia .ssh; lockr -ia .ssh' | $ap map"
