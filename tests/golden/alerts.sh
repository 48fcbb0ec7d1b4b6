#!/usr/bin/env bash
# alerts.sh — `actorprint alerts` end to end: on the hostile log (lib_hostile.sh) the JSON lines
# parse and give back the attacker's text exactly, with no raw control character on the
# terminal; the window ends at the last event, --window/--min-incidents/--now choose exactly
# which incidents count; --criticality changes the score; --syslog keeps the exit status; on
# simulated logs every line parses and the output is the same twice; misuse and a store with
# nothing clustered give the documented exit codes.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib_hostile.sh"


HAVE_PY=0
command -v python3 >/dev/null 2>&1 && HAVE_PY=1

# No control character (other than the line ends), no C1 control, no bidi override (as UTF-8).
assert_no_controls() {
    local bad
    bad=$(printf '%s' "$2" | tr -d '\n' | LC_ALL=C grep -c $'[\x01-\x1f\x7f]\|\xc2[\x80-\x9f]\|\xe2\x80[\xa8\xae]')
    assert_eq "$1: no raw control characters" 0 "$bad"
}

# json_field LINE EXPR: python expression over the parsed line `j`, printed.
json_field() { python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }

# ---- a store with nothing clustered ----
hostile_log "$TMP/hostile.json"
run "$AP" ingest --db "$TMP/u.db" -q "$TMP/hostile.json"
assert_exit "nothing clustered: exit 3" 3 "$AP" alerts --db "$TMP/u.db"
assert_contains "nothing clustered: says so" "$ERR" "nothing is clustered yet"

# ---- the hostile log: one campaign of four incidents, three in the last 24 h ----
run "$AP" run --db "$TMP/h.db" -n 0 "$TMP/hostile.json"
assert_eq "run hostile: exit 0" 0 "$RC"
run "$AP" alerts --db "$TMP/h.db"
assert_eq "alerts: exit 0" 0 "$RC"
assert_eq "alerts: one line" 1 "$(printf '%s' "$OUT" | grep -c .)"
assert_match "alerts: summary" "$ERR" "^1 alert: campaigns with >= 3 new incidents in the 24h ending 2024-03-01T04:00:10.000000Z"
assert_no_controls "alerts stdout" "$OUT"
assert_no_controls "alerts stderr" "$ERR"
assert_not_contains "alerts: no raw ESC" "$OUT" $'\e'
assert_contains "alerts: ESC escaped for JSON" "$OUT" '\u001b[2J'
LINE=$OUT
if [ "$HAVE_PY" = 1 ]; then
    assert_eq "json: new_incidents" 3 "$(json_field "$LINE" 'j["new_incidents"]')"
    assert_eq "json: incidents" 4 "$(json_field "$LINE" 'j["incidents"]')"
    assert_eq "json: window" "24h 86400" "$(json_field "$LINE" 'j["window"]+" "+str(j["window_seconds"])')"
    assert_eq "json: window end = last event" "2024-03-01T04:00:10.000000Z" "$(json_field "$LINE" 'j["window_end"]')"
    assert_match "json: campaign and actor ids" "$(json_field "$LINE" 'j["campaign"]+" "+j["actor"]')" '^C-[0-9]+ A-[0-9]+$'
    assert_eq "json: every member" \
        "actor campaign criticality duration_hours first_seen incidents iocs last_seen new_incidents new_sessions primary_tactic score sessions techniques window window_end window_seconds window_start" \
        "$(json_field "$LINE" '" ".join(sorted(j))')"
    urls=$(HOSTILE_URL=$HOSTILE_URL json_field "$LINE" \
        'sum(1 for x in j["iocs"] if x["kind"]=="url" and x["value"]==__import__("os").environ["HOSTILE_URL"])')
    assert_eq "json: the hostile URL comes back exactly" 1 "$urls"
    assert_eq "json: score = incidents x criticality / duration_hours" 1 \
        "$(json_field "$LINE" 'int(abs(j["score"] - j["incidents"]*j["criticality"]/j["duration_hours"]) < 1e-3)')"
fi

# ---- the window ----
run "$AP" alerts --db "$TMP/h.db" --window 7d -q
assert_eq "7d: quiet" "" "$ERR"
[ "$HAVE_PY" = 1 ] && assert_eq "7d: all four incidents" 4 "$(json_field "$OUT" 'j["new_incidents"]')"
run "$AP" alerts --db "$TMP/h.db" --min-incidents 4
assert_eq "min 4 in 24h: exit 0" 0 "$RC"
assert_eq "min 4 in 24h: no alert" "" "$OUT"
assert_match "min 4 in 24h: summary" "$ERR" "^0 alerts"
run "$AP" alerts --db "$TMP/h.db" --now 2024-03-01T02:00:00Z --window 3h --min-incidents 1
[ "$HAVE_PY" = 1 ] && assert_eq "--now 02:00, 3h: 00:00 and 02:00" 2 "$(json_field "$OUT" 'j["new_incidents"]')"
run "$AP" alerts --db "$TMP/h.db" --now 2024-03-01T02:00:00Z --window 120m --min-incidents 1
[ "$HAVE_PY" = 1 ] && assert_eq "--now 02:00, 120m: 00:00 is the start, out" 1 "$(json_field "$OUT" 'j["new_incidents"]')"
run "$AP" alerts --db "$TMP/h.db" --now 2024-01-01 --min-incidents 1
assert_eq "--now before the data: nothing" "" "$OUT"

# ---- criticality ----
printf '# all tactics alike\n' >"$TMP/crit.tsv"
for t in impact exfiltration command-and-control persistence privilege-escalation credential-access \
    lateral-movement defense-evasion execution collection initial-access discovery \
    resource-development reconnaissance; do
    printf '%s\t1\n' "$t" >>"$TMP/crit.tsv"
done
run "$AP" alerts --db "$TMP/h.db" --criticality "$TMP/crit.tsv"
assert_eq "--criticality: exit 0" 0 "$RC"
[ "$HAVE_PY" = 1 ] && assert_eq "--criticality: criticality 1" 1 "$(json_field "$OUT" 'j["criticality"]')"
assert_exit "--criticality missing file: exit 1" 1 "$AP" alerts --db "$TMP/h.db" --criticality "$TMP/none.tsv"

# ---- syslog: same output and status (the line itself is pinned by unit/test_alerts) ----
run "$AP" alerts --db "$TMP/h.db" --syslog
assert_eq "--syslog: exit 0" 0 "$RC"
assert_eq "--syslog: same JSON line" "$LINE" "$OUT"
assert_contains "--syslog: said so" "$ERR" "(sent to syslog)"

# ---- misuse ----
assert_exit "--window 0: exit 2" 2 "$AP" alerts --db "$TMP/h.db" --window 0
assert_contains "--window 0: why" "$ERR" "--window wants a length like 90m, 24h, 7d or 3600"
assert_exit "--window 5x: exit 2" 2 "$AP" alerts --db "$TMP/h.db" --window 5x
assert_exit "--min-incidents 0: exit 2" 2 "$AP" alerts --db "$TMP/h.db" --min-incidents 0
assert_exit "--now garbage: exit 2" 2 "$AP" alerts --db "$TMP/h.db" --now yesterday
assert_exit "operand: exit 2" 2 "$AP" alerts --db "$TMP/h.db" extra
assert_exit "missing store: exit 3" 3 "$AP" alerts --db "$TMP/missing.db"

# ---- simulated logs ----
run "$AP" simulate --out "$TMP/sim" --days 2 --scale 0.1 --seed 7
run "$AP" run --db "$TMP/s.db" -q -n 0 "$TMP/sim"
assert_eq "run sim: exit 0" 0 "$RC"
run "$AP" alerts --db "$TMP/s.db" --min-incidents 2 -q
assert_eq "sim: exit 0" 0 "$RC"
SIM_OUT=$OUT
assert_eq "sim: some alerts" 1 "$([ "$(printf '%s' "$OUT" | grep -c .)" -gt 1 ] && echo 1 || echo 0)"
run "$AP" alerts --db "$TMP/s.db" --min-incidents 2 -q
assert_eq "sim: the same twice" "$SIM_OUT" "$OUT"
if [ "$HAVE_PY" = 1 ]; then
    check=$(printf '%s' "$SIM_OUT" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
keys = [(-r["new_incidents"], -r["score"]) for r in rows]
ok = keys == sorted(keys) and all(r["new_incidents"] >= 2 and r["new_incidents"] <= r["incidents"] for r in rows)
print("ok" if ok else "bad")')
    assert_eq "sim: every line parses, most new incidents first" ok "$check"
fi

finish
