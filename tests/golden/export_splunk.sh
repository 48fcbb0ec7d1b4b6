#!/usr/bin/env bash
# export_splunk.sh — `actorprint export --format splunk`: campaign_clusters.csv for a Splunk
# lookup, its exact header (the seed's incident_id,campaign first), one row per incident whose
# first two columns are exactly the cluster stage's campaign_clusters.csv, --campaign and --actor
# selections, determinism; and a hostile log: RFC 4180 quoting, formula cells neutralised,
# controls replaced, one record a line.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib_hostile.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib_hostile_quotes.sh"

SIM=$TMP/sim
run "$AP" simulate --out "$SIM" --days 2 --scale 0.1 --seed 5
assert_eq "simulate: exit 0" 0 "$RC"
run "$AP" run --db "$TMP/a.db" --asn "$SIM/ip2asn.tsv" --out "$TMP/o" -q -n 0 "$SIM"
assert_eq "run: exit 0" 0 "$RC"

L=$TMP/campaign_clusters.csv
run "$AP" export --db "$TMP/a.db" --asn "$SIM/ip2asn.tsv" --format splunk --out "$L"
assert_eq "export splunk: exit 0" 0 "$RC"
assert_eq "header" \
    "incident_id,campaign,actor,src_ip,first_seen,last_seen,sessions,net,asn,client,hassh,primary_tactic,campaign_score" \
    "$(head -1 "$L")"
assert_eq "the seed's two columns, the cluster stage's rows" \
    "$(tail -n +2 "$TMP/o/campaign_clusters.csv" | sort)" "$(tail -n +2 "$L" | cut -d, -f1,2 | sort)"
assert_eq "incident ids unique" "$(($(wc -l <"$L") - 1))" "$(tail -n +2 "$L" | cut -d, -f1 | sort -u | wc -l | tr -d ' ')"
assert_eq "rows in incident id order" "$(tail -n +2 "$L" | cut -d, -f1 | tr -d I- )" \
    "$(tail -n +2 "$L" | cut -d, -f1 | tr -d I- | sort -n)"
assert_eq "every row: I-n, C-n or empty, A-n or empty, an address, two times, a count" "" \
    "$(tail -n +2 "$L" | awk -F, '$1 !~ /^I-[0-9]+$/ || ($2 != "" && $2 !~ /^C-[0-9]+$/) ||
        ($3 != "" && $3 !~ /^A-[0-9]+$/) || $4 !~ /^[0-9a-f.:]+$/ ||
        $5 !~ /^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:.]+Z$/ || $7 !~ /^[0-9]+$/' | head -3)"
assert_eq "a linked incident has its campaign's score" "" \
    "$(tail -n +2 "$L" | awk -F, '$2 != "" && $NF !~ /^[0-9]+\.[0-9][0-9][0-9][0-9]$/' | head -3)"

run "$AP" export --db "$TMP/a.db" --asn "$SIM/ip2asn.tsv" --format splunk --out "$TMP/again.csv"
assert_files_eq "export splunk twice: identical" "$L" "$TMP/again.csv"
"$AP" export --db "$TMP/a.db" --asn "$SIM/ip2asn.tsv" --format splunk >"$TMP/stdout.csv"
assert_files_eq "export splunk to stdout: same bytes" "$L" "$TMP/stdout.csv"

run "$AP" export --db "$TMP/a.db" --asn "$SIM/ip2asn.tsv" --format splunk --campaign C-2
assert_eq "--campaign C-2: exit 0" 0 "$RC"
c2=$(awk -F, '$1 == "C-2" {print $3}' "$TMP/o/campaigns.csv")
assert_eq "--campaign C-2: its incidents" "$c2" "$(tail -n +2 <<<"$OUT" | grep -c ',C-2,')"
assert_eq "--campaign C-2: nothing else" "$c2" "$(tail -n +2 <<<"$OUT" | grep -c .)"
actor=$(awk -F, '$1 == "C-2" {print $2}' "$TMP/o/campaigns.csv")
run "$AP" export --db "$TMP/a.db" --format splunk --actor "$actor"
assert_eq "--actor $actor: exit 0" 0 "$RC"
assert_eq "--actor $actor: its incidents only" "" "$(tail -n +2 <<<"$OUT" | cut -d, -f3 | grep -v "^$actor\$" | head -1)"

# ---- hostile strings ----
hostile_log "$TMP/hostile.json"
hostile_quotes_session >>"$TMP/hostile.json"
run "$AP" run --db "$TMP/h.db" --out "$TMP/oh" -q "$TMP/hostile.json"
assert_eq "hostile run: exit 0" 0 "$RC"
run "$AP" export --db "$TMP/h.db" --format splunk --out "$TMP/h.csv"
assert_eq "hostile export splunk: exit 0" 0 "$RC"
assert_eq "hostile: one record a line (5 incidents)" 6 "$(wc -l <"$TMP/h.csv" | tr -d ' ')"
assert_eq "hostile: no raw control bytes but LF" "0" \
    "$(LC_ALL=C tr -d '\n' <"$TMP/h.csv" | LC_ALL=C tr -cd '\000-\037\177' | wc -c | tr -d ' ')"
assert_contains "hostile: markup client quoted, quotes doubled, controls as U+FFFD" "$(cat "$TMP/h.csv")" \
    ',"SSH-2.0-""><svg onload=alert(1)>�[2J�]0;pwned�",'
assert_contains "hostile: formula client neutralised, quotes doubled, backslashes kept" \
    "$(cat "$TMP/h.csv")" ',"'"'"'=cmd|'"'"' /C calc'"'"'!A0 }) DETACH DELETE n // ""q\"" back\slash\",'
if command -v python3 >/dev/null 2>&1; then
    run python3 - "$TMP/h.csv" <<'PY'
import csv, sys
raw = open(sys.argv[1], 'rb').read().decode('utf-8')
rows = list(csv.reader(raw.splitlines()))
bad = [v for r in rows[1:] for v in r if v[:1] in ('=', '+', '-', '@', '\t', '\r')]
ok = len(rows) == 6 and all(len(r) == len(rows[0]) for r in rows) and not bad
print('ok' if ok else f'rows={len(rows)} formulas={bad[:3]}')
PY
    assert_eq "hostile: RFC 4180 rows of 13 cells, no live formula (python3)" "ok" \
        "$(printf '%s' "$OUT$ERR")"
fi

finish
