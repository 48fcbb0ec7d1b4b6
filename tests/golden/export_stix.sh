#!/usr/bin/env bash
# export_stix.sh — `actorprint export --format stix` on simulated logs: the bundle for everything,
# one campaign and one actor; each validates against the OASIS STIX 2.1 JSON schemas
# (tests/validate/stix.mjs with ../shared/stix2-schemas; skipped when the schemas, node or ajv are
# missing) and passes the shell's own structural checks, which always run: one object a line,
# ids TYPE--UUIDv5 and unique, every reference inside the bundle, the object types and
# relationship types expected, ATT&CK references, the injected SSH key as an artifact-hash
# indicator; exporting twice gives identical bytes and a selection's objects are byte-identical
# to the same objects in the full export (ids derived from stable keys, times from the data); a
# hostile log (URL with ' \ " and markup, controls, invalid UTF-8) still yields valid patterns
# whose literals decode to the URL; misuse and its exit codes.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib_hostile.sh"

SCHEMAS=$AP_SRC/../shared/stix2-schemas
VALIDATOR=$AP_SRC/tests/validate/stix.mjs
HAVE_AJV=0
if [ ! -d "$SCHEMAS/schemas" ]; then
    echo "note: $SCHEMAS is absent: schema validation skipped, structural checks still run" >&2
elif ! command -v node >/dev/null 2>&1 || [ ! -d "$AP_SRC/tests/validate/node_modules/ajv" ]; then
    echo "note: node or tests/validate/node_modules missing (cd tests/validate && npm ci):" \
        "schema validation skipped, structural checks still run" >&2
else
    HAVE_AJV=1
fi
if command -v python3 >/dev/null 2>&1; then JSON_TOOL=python3
elif command -v node >/dev/null 2>&1; then JSON_TOOL=node
else JSON_TOOL=; echo "note: neither python3 nor node: JSON parsing checks skipped" >&2; fi

# Prints the decoded "pattern" of every indicator of bundle $1, one a line, as ASCII JSON strings
# (so a line break or a control inside a pattern stays visible); exit 1 when the file is not
# UTF-8 JSON.
json_patterns() {
    case "$JSON_TOOL" in
    python3) python3 -c 'import json,sys
b=json.loads(open(sys.argv[1],"rb").read().decode("utf-8"))
for o in b["objects"]:
    if o["type"]=="indicator": print(json.dumps(o["pattern"]))' "$1" ;;
    node) node -e 'const d=new TextDecoder("utf-8",{fatal:true});
const b=JSON.parse(d.decode(require("fs").readFileSync(process.argv[1])));
for (const o of b.objects) if (o.type==="indicator") console.log(JSON.stringify(o.pattern).replace(/[\u007f-\uffff]/g,
  (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0")));' "$1" ;;
    esac
}

UUID5='[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'

# The object lines of a bundle (without the separating comma).
objects_of() { sed -e '1d' -e '$d' -e 's/,$//' "$1"; }

# Structural checks of a bundle file from its fixed layout: the bundle line, one object a line
# starting with type, spec_version and id, unique ids, every *_ref and *_refs value an id of the
# bundle. Prints one line per problem; nothing when all is well.
check_bundle() {
    local f=$1
    head -1 "$f" | grep -qE "^\{\"type\":\"bundle\",\"id\":\"bundle--$UUID5\",\"objects\":\[$" ||
        echo "$f: first line is not the bundle header"
    [ "$(tail -1 "$f")" = "]}" ] || echo "$f: last line is not ]}"
    objects_of "$f" | grep -vE "^\{\"type\":\"([a-z-]+)\",\"spec_version\":\"2\.1\",\"id\":\"[a-z-]+--$UUID5\"" |
        head -3 | sed "s|^|$f: bad object start: |" | cut -c1-200
    objects_of "$f" | sed -E 's/^\{"type":"([a-z-]+)","spec_version":"2\.1","id":"([a-z-]+)--.*/\1 \2/' |
        awk '$1 != $2 {print "'"$f"': id of a " $1 " names type " $2; exit}'
    objects_of "$f" | sed -E 's/^\{"type":"[a-z-]+","spec_version":"2\.1","id":"([^"]+)".*/\1/' | sort >"$TMP/.ids"
    [ -z "$(uniq -d "$TMP/.ids")" ] || echo "$f: an id is used twice: $(uniq -d "$TMP/.ids" | head -1)"
    objects_of "$f" | grep -oE '"[a-z_]+_ref":"[^"]*"|"[a-z_]+_refs":\[[^]]*\]' |
        grep -oE '[a-z-]+--[0-9a-f-]{36}' | sort -u >"$TMP/.refs"
    comm -23 "$TMP/.refs" "$TMP/.ids" | head -3 | sed "s|^|$f: reference outside the bundle: |"
    grep -c '"created_by_ref":"identity--' "$f" | awk -v n="$(($(wc -l <"$f") - 3))" -v f="$f" \
        '$1 != n {print f ": " n - $1 " objects besides the identity lack created_by_ref"}'
}

count_type() { objects_of "$2" | grep -c "^{\"type\":\"$1\","; }

# ---- the simulated store ----
SIM=$TMP/sim
run "$AP" simulate --out "$SIM" --days 3 --sensors 3 --scale 0.3 --seed 5
assert_eq "simulate: exit 0" 0 "$RC"
run "$AP" run --db "$TMP/a.db" --asn "$SIM/ip2asn.tsv" --out "$TMP/o" -q "$SIM"
assert_eq "run: exit 0" 0 "$RC"
CAMPAIGNS=$(($(wc -l <"$TMP/o/campaigns.csv") - 1))
C=$(sed -n 2p "$TMP/o/campaigns.csv" | cut -d, -f1)
A=$(sed -n 2p "$TMP/o/campaigns.csv" | cut -d, -f2)
assert_match "campaign table: the top campaign has an actor" "$C $A" '^C-[0-9]+ A-[0-9]+$'

# ---- everything ----
ALL=$TMP/all.json
run "$AP" export --db "$TMP/a.db" --format stix --out "$ALL"
assert_eq "export all: exit 0" 0 "$RC"
assert_eq "export all: nothing on stdout" "" "$OUT"
assert_eq "export all: structural checks" "" "$(check_bundle "$ALL" | head -10)"
run "$AP" export --db "$TMP/a.db" --format stix --out "$TMP/all2.json"
assert_files_eq "export twice: identical bundles" "$ALL" "$TMP/all2.json"
"$AP" export --db "$TMP/a.db" --format stix >"$TMP/stdout.json"
assert_files_eq "export to standard output: the same bytes" "$ALL" "$TMP/stdout.json"

assert_eq "one identity" 1 "$(count_type identity "$ALL")"
assert_eq "one campaign object per campaign" "$CAMPAIGNS" "$(count_type campaign "$ALL")"
for t in intrusion-set attack-pattern indicator infrastructure relationship sighting; do
    n=$(count_type "$t" "$ALL")
    assert_eq "some $t objects ($n)" 1 "$((n > 0))"
done
assert_eq "campaign objects: name C-n, first/last seen, objective" "" \
    "$(objects_of "$ALL" | grep '^{"type":"campaign",' |
        grep -vE '"name":"C-[0-9]+","description":"[^"]*","first_seen":"[0-9T:.-]+Z","last_seen":"[0-9T:.-]+Z","objective":"Primary ATT&CK tactic: [a-z-]+"' | head -2 | cut -c1-200)"
assert_eq "every campaign attributed to its actor's intrusion-set" "$CAMPAIGNS" \
    "$(grep -c '"relationship_type":"attributed-to","source_ref":"campaign--[0-9a-f-]*","target_ref":"intrusion-set--' "$ALL")"
assert_eq "relationship types: attributed-to, indicates, uses" "attributed-to indicates uses" \
    "$(grep -oE '"relationship_type":"[a-z-]+"' "$ALL" | sort -u | cut -d'"' -f4 | tr '\n' ' ' | sed 's/ $//')"
assert_eq "indicates: indicator -> campaign; uses: campaign -> attack-pattern or infrastructure" "" \
    "$(grep -E '"relationship_type":"(indicates|uses)"' "$ALL" |
        grep -vE '"relationship_type":"indicates","source_ref":"indicator--[^"]+","target_ref":"campaign--|"relationship_type":"uses","source_ref":"campaign--[^"]+","target_ref":"(attack-pattern|infrastructure)--' | head -2 | cut -c1-200)"
assert_contains "ATT&CK reference of T1098.004" "$(cat "$ALL")" \
    '"external_references":[{"source_name":"mitre-attack","external_id":"T1098.004","url":"https://attack.mitre.org/techniques/T1098/004/"}]'
assert_eq "every attack pattern has its ATT&CK reference and kill-chain phases" "" \
    "$(objects_of "$ALL" | grep '^{"type":"attack-pattern",' |
        grep -vE '"external_references":\[\{"source_name":"mitre-attack","external_id":"T[0-9]{4}(\.[0-9]{3})?","url":"https://attack\.mitre\.org/techniques/T[0-9]{4}/([0-9]{3}/)?"\}\],"kill_chain_phases":\[\{"kill_chain_name":"mitre-attack","phase_name":"[a-z-]+"\}' | head -2 | cut -c1-200)"
assert_eq "indicator patterns: the observables and forms we emit" "" \
    "$(grep -oE '"pattern":"[^"]*' "$ALL" | cut -c12- |
        grep -vE "^\[(ipv4-addr:value = '[0-9.]+'|ipv6-addr:value = '[0-9a-f:.]+'|url:value = '.*'|domain-name:value = '.*'|file:hashes\.'SHA-256' = '[0-9a-f]{64}'|artifact:hashes\.'(SHA-256' = '[0-9a-f]{64}|MD5' = '[0-9a-f]{32})')\]$" | head -3)"
assert_match "the injected SSH key: an artifact-hash indicator" "$(cat "$ALL")" \
    "\"pattern\":\"\\[artifact:hashes\\.'SHA-256' = '[0-9a-f]{64}'\\]\""
assert_match "the injected SSH key on its intrusion-set" "$(grep '^{"type":"intrusion-set",' "$ALL")" \
    '"x_actorprint_ssh_keys":\["SHA256:[A-Za-z0-9+/]{43}"'
assert_eq "infrastructure: C2 or malware hosting" "" \
    "$(objects_of "$ALL" | grep '^{"type":"infrastructure",' |
        grep -vE '"infrastructure_types":\["(command-and-control|hosting-malware)"\]' | head -2 | cut -c1-200)"
assert_eq "sightings: count, first/last seen, where sighted = the identity" "" \
    "$(objects_of "$ALL" | grep '^{"type":"sighting",' |
        grep -vE '"first_seen":"[^"]+","last_seen":"[^"]+","count":[1-9][0-9]*,"sighting_of_ref":"(campaign|indicator)--[^"]+","where_sighted_refs":\["identity--' | head -2 | cut -c1-200)"
assert_eq "no wall-clock time: every timestamp is within the simulated days" "" \
    "$(grep -oE '"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z"' "$ALL" | sort -u | grep -vE '"2024-03-0[1-3]T' | head -3)"
if [ -n "$JSON_TOOL" ]; then
    json_patterns "$ALL" >/dev/null
    assert_eq "export all: parses as UTF-8 JSON" 0 "$?"
fi

# ---- one campaign, one actor: the same objects as in the full export ----
run "$AP" export --db "$TMP/a.db" --format stix --campaign "$C" --out "$TMP/c.json"
assert_eq "export --campaign $C: exit 0" 0 "$RC"
assert_eq "export --campaign: structural checks" "" "$(check_bundle "$TMP/c.json" | head -10)"
assert_eq "export --campaign: one campaign" 1 "$(count_type campaign "$TMP/c.json")"
assert_contains "export --campaign: it is $C" "$(cat "$TMP/c.json")" "\"name\":\"$C\""
assert_eq "export --campaign: one intrusion-set" 1 "$(count_type intrusion-set "$TMP/c.json")"
objects_of "$ALL" | sort >"$TMP/all.lines"
assert_eq "export --campaign: every object byte-identical to the full export's" "" \
    "$(objects_of "$TMP/c.json" | sort | comm -23 - "$TMP/all.lines" | head -2 | cut -c1-200)"
run "$AP" export --db "$TMP/a.db" --format stix --campaign "$C" --out "$TMP/c2.json"
assert_files_eq "export --campaign twice: identical" "$TMP/c.json" "$TMP/c2.json"
assert_eq "export --campaign: its own bundle id" 1 \
    "$([ "$(head -1 "$TMP/c.json")" != "$(head -1 "$ALL")" ] && echo 1 || echo 0)"

run "$AP" export --db "$TMP/a.db" --format stix --actor "$A" --out "$TMP/a.json"
assert_eq "export --actor $A: exit 0" 0 "$RC"
assert_eq "export --actor: structural checks" "" "$(check_bundle "$TMP/a.json" | head -10)"
assert_eq "export --actor: one intrusion-set" 1 "$(count_type intrusion-set "$TMP/a.json")"
assert_contains "export --actor: it is $A" "$(grep '^{"type":"intrusion-set",' "$TMP/a.json")" "\"name\":\"$A\""
assert_eq "export --actor: as many campaigns as the actor has" \
    "$(tail -n +2 "$TMP/o/campaigns.csv" | awk -F, -v a="$A" '$2 == a' | wc -l)" \
    "$(count_type campaign "$TMP/a.json")"
assert_eq "export --actor: every object byte-identical to the full export's" "" \
    "$(objects_of "$TMP/a.json" | sort | comm -23 - "$TMP/all.lines" | head -2 | cut -c1-200)"

# ---- hostile text: quotes and backslashes in a URL still give valid patterns ----
H=$TMP/hostile.json
hostile_log "$H"
# one more session downloading from a URL with ' \ " (JSON-escaped as Cowrie writes it)
Q_URL_JSON='http://evil.example/q'"'"'x\\y\"z<b>.sh'
Q_PATTERN_JSON="\"[url:value = 'http://evil.example/q\\\\'x\\\\\\\\y\\\"z<b>.sh']\""
_h_session_q() {
    _h_event q1 192.0.2.99 "2024-03-01T06:00:00.000000Z" cowrie.session.connect \
        ',"src_port":40000,"dst_ip":"10.0.0.5","dst_port":22,"protocol":"ssh"'
    _h_event q1 192.0.2.99 "2024-03-01T06:00:01.000000Z" cowrie.session.file_download \
        ",\"url\":\"$Q_URL_JSON\",\"outfile\":\"dl/q\",\"shasum\":\"$HOSTILE_SHA\""
    _h_event q1 192.0.2.99 "2024-03-01T06:00:02.000000Z" cowrie.session.closed ',"duration":2.0'
}
_h_session_q >>"$H"
run "$AP" run --db "$TMP/h.db" --out "$TMP/oh" -q "$H"
assert_eq "hostile: run exit 0" 0 "$RC"
run "$AP" export --db "$TMP/h.db" --format stix --out "$TMP/h.stix.json"
assert_eq "hostile: export exit 0" 0 "$RC"
assert_eq "hostile: structural checks" "" "$(check_bundle "$TMP/h.stix.json" | head -10)"
assert_eq "hostile: no control bytes in the file" "" \
    "$(LC_ALL=C grep -nP '[\x00-\x09\x0b-\x1f\x7f]' "$TMP/h.stix.json" | head -2 | cut -c1-100)"
assert_eq "hostile: valid UTF-8" 0 "$(iconv -f UTF-8 -t UTF-8 "$TMP/h.stix.json" >/dev/null 2>&1; echo $?)"
assert_contains "hostile: the quote URL as a pattern, ' and \\ escaped" "$(cat "$TMP/h.stix.json")" \
    "\"pattern\":$Q_PATTERN_JSON"
if [ -n "$JSON_TOOL" ]; then
    P=$(json_patterns "$TMP/h.stix.json")
    assert_eq "hostile: parses as UTF-8 JSON" 0 "$?"
    assert_contains "hostile: the decoded pattern" "$P" \
        "\"[url:value = 'http://evil.example/q\\\\'x\\\\\\\\y\\\"z<b>.sh']\""
    assert_contains "hostile: the markup URL's pattern" "$P" \
        "\"[url:value = 'http://evil.example/</script><img src=x onerror=alert(1)>.sh']\""
    # a literal is quote, then (anything but ' and \, or \' or \\)*, then quote
    assert_eq "hostile: every decoded pattern is [type:path = 'literal']" "" \
        "$(grep -vE "^\"\\[[a-z0-9-]+:[a-z_]+(\\.'[A-Z0-9-]+')? = '([^'\\\\]|\\\\\\\\'|\\\\\\\\\\\\\\\\|\\\\\")*'\\]\"$" <<<"$P" | head -3)"
fi

# ---- the OASIS schemas ----
if [ "$HAVE_AJV" = 1 ]; then
    run node "$VALIDATOR" "$SCHEMAS" "$ALL" "$TMP/c.json" "$TMP/a.json" "$TMP/h.stix.json"
    assert_eq "OASIS schemas: all four bundles valid" 0 "$RC"
    [ "$RC" = 0 ] || golden_show "$OUT"
    assert_eq "OASIS schemas: four ok lines" 4 "$(grep -c '^ok ' <<<"$OUT")"
    # the validator itself rejects a broken bundle
    sed -e "0,/\"pattern\":\"\\[ipv4-addr:value = '/s//\"pattern\":\"[ipv4-addr:value = 'x'/" "$ALL" >"$TMP/broken.json"
    run node "$VALIDATOR" "$SCHEMAS" "$TMP/broken.json"
    assert_eq "validator: a pattern with a stray quote fails" 1 "$RC"
    assert_contains "validator: says why" "$OUT" "pattern does not parse"
fi

# ---- misuse ----
run "$AP" export --db "$TMP/a.db" --format stix --campaign C-999999
assert_eq "unknown campaign: exit 3 (the store does not have it)" 3 "$RC"
assert_contains "unknown campaign: says which" "$ERR" "no campaign C-999999"
run "$AP" export --db "$TMP/a.db" --format stix --actor A-999999
assert_eq "unknown actor: exit 3" 3 "$RC"
run "$AP" export --db "$TMP/a.db" --format stix --out "$TMP/no/such/dir/x.json"
assert_eq "unwritable output: exit 1" 1 "$RC"
assert_contains "unwritable output: names the path" "$ERR" "$TMP/no/such/dir/x.json"

finish
