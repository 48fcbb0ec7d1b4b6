#!/usr/bin/env bash
# export_misp.sh — `actorprint export --format misp` on simulated logs and on a hostile log: one
# event per campaign in MISP's own JSON shape ({"response": [{"Event": ...}]}), the core-format
# fields with their types, category/type pairs MISP accepts and values that pass MISP's checks
# for their type, attribute_count, galaxy tags naming techniques of the shipped ATT&CK table,
# deterministic UUIDv5 ids (the documented key and namespace; unique; the same in a --campaign
# export and across two exports: byte-identical files); hostile text (quotes, backslashes,
# markup, formulas, escape sequences, invalid UTF-8) survives as exact JSON strings.
# The structural checks need python3 (skipped without it; the shell checks still run).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib_hostile.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib_hostile_quotes.sh"

HAVE_PY=0
if command -v python3 >/dev/null 2>&1; then HAVE_PY=1
else echo "note: python3 missing: structural JSON checks skipped" >&2; fi

SIM=$TMP/sim
run "$AP" simulate --out "$SIM" --days 2 --scale 0.1 --seed 5
assert_eq "simulate: exit 0" 0 "$RC"
run "$AP" run --db "$TMP/a.db" --asn "$SIM/ip2asn.tsv" --out "$TMP/o" -q -n 0 "$SIM"
assert_eq "run: exit 0" 0 "$RC"

run "$AP" export --db "$TMP/a.db" --asn "$SIM/ip2asn.tsv" --format misp --out "$TMP/misp.json"
assert_eq "export misp: exit 0" 0 "$RC"
assert_eq "export misp: nothing on stdout with --out" "" "$OUT"
assert_eq "export misp: MISP's JSON export shape" '{"response": [' "$(head -c 14 "$TMP/misp.json")"
run "$AP" export --db "$TMP/a.db" --asn "$SIM/ip2asn.tsv" --format misp --out "$TMP/misp2.json"
assert_files_eq "export misp twice: identical" "$TMP/misp.json" "$TMP/misp2.json"
"$AP" export --db "$TMP/a.db" --asn "$SIM/ip2asn.tsv" --format misp >"$TMP/stdout.json"
assert_files_eq "export misp to stdout: same bytes" "$TMP/misp.json" "$TMP/stdout.json"
run "$AP" export --db "$TMP/a.db" --asn "$SIM/ip2asn.tsv" --format misp --campaign C-1 \
    --out "$TMP/c1.json"
assert_eq "export misp --campaign C-1: exit 0" 0 "$RC"
run "$AP" export --db "$TMP/a.db" --format misp --campaign C-999999
assert_match "export misp, unknown campaign: fails" "$RC" "^[1-9]"
assert_contains "export misp, unknown campaign: names it" "$ERR" "C-999999"

campaigns=$(($(wc -l <"$TMP/o/campaigns.csv") - 1))
assert_eq "one event per campaign (not per session)" "$campaigns" \
    "$(grep -c '^    {"Event": {$' "$TMP/misp.json")"

if [ "$HAVE_PY" = 1 ]; then
    run python3 - "$TMP/misp.json" "$TMP/c1.json" "$TMP/o/campaigns.csv" \
        "$AP_SRC/data/attack/enterprise-techniques.tsv" <<'PY'
import csv, ipaddress, json, re, sys, uuid

NS = uuid.UUID("cdeba8f3-0bf1-58c4-965c-36ca9b2be6a3")
# category -> types MISP accepts there (the core format's table, the types we write)
ALLOWED = {
    "Network activity": {"ip-src", "ip-dst", "domain", "AS", "url", "hassh-md5",
                         "ssh-fingerprint", "text"},
    "Payload delivery": {"url", "sha256", "ip-src", "ip-dst", "domain", "text"},
    "Financial fraud": {"btc", "xmr", "text"},
    "Targeting data": {"target-user"},
    "Other": {"text"},
}
errors = []
def err(msg):
    if len(errors) < 20:
        errors.append(msg)

def valid_value(t, v):
    if "\n" in v and t not in ("text",):
        return False
    if t in ("ip-src", "ip-dst"):
        try:
            ipaddress.ip_network(v, strict=False) if "/" in v else ipaddress.ip_address(v)
            return True
        except ValueError:
            return False
    if t == "sha256":
        return re.fullmatch(r"[0-9a-f]{64}", v) is not None
    if t == "hassh-md5":
        return re.fullmatch(r"[0-9a-f]{32}", v) is not None
    if t == "AS":
        return v.isdigit() and int(v) <= 4294967295
    if t == "domain":
        return re.fullmatch(r"[A-Za-z0-9.\-_]+\.[A-Za-z0-9\-]{2,}", v) is not None
    if t == "ssh-fingerprint":
        return re.fullmatch(r"SHA256:[A-Za-z0-9+/]{43}=?|(MD5:)?([0-9a-f]{2}:){15}[0-9a-f]{2}", v) is not None
    if t in ("btc", "xmr"):
        return re.fullmatch(r"[A-Za-z0-9]+", v) is not None
    return True

doc = json.load(open(sys.argv[1], encoding="utf-8"))
c1 = json.load(open(sys.argv[2], encoding="utf-8"))
campaigns = {r["campaign"]: r for r in csv.DictReader(open(sys.argv[3], encoding="utf-8"))}
tech = {l.split("\t")[0] for l in open(sys.argv[4], encoding="utf-8") if l.startswith("T")}

if set(doc) != {"response"} or not isinstance(doc["response"], list):
    err("top level is not {response: [...]}")
seen_uuids = set()
seen_campaigns = set()
types_seen = set()
for item in doc["response"]:
    if set(item) != {"Event"}:
        err("an item is not {Event: ...}")
        continue
    e = item["Event"]
    for k, typ in (("uuid", str), ("info", str), ("date", str), ("timestamp", str),
                   ("publish_timestamp", str), ("published", bool), ("analysis", str),
                   ("threat_level_id", str), ("distribution", str), ("sharing_group_id", str),
                   ("attribute_count", str), ("Orgc", dict), ("Tag", list), ("Attribute", list)):
        if not isinstance(e.get(k), typ):
            err(f"event {e.get('uuid')}: {k} missing or not {typ.__name__}")
    m = re.match(r"actorprint campaign (C-\d+) \((actor A-\d+|no actor)\): ", e["info"])
    if not m:
        err(f"info: {e['info']!r}")
        continue
    cid = m.group(1)
    seen_campaigns.add(cid)
    if e["uuid"] != str(uuid.uuid5(NS, "misp-event|" + cid)):
        err(f"{cid}: event uuid is not UUIDv5(ns, misp-event|{cid})")
    if len(e["info"]) > 256 or "\n" in e["info"]:
        err(f"{cid}: info too long or on two lines")
    if not re.fullmatch(r"\d{4}-\d\d-\d\d", e["date"]) or not e["timestamp"].isdigit():
        err(f"{cid}: date/timestamp")
    if e["published"] is not False or e["analysis"] != "2" or e["distribution"] != "0":
        err(f"{cid}: published/analysis/distribution")
    if e["threat_level_id"] not in ("1", "2", "3", "4"):
        err(f"{cid}: threat_level_id {e['threat_level_id']}")
    row = campaigns.get(cid)
    if row is None:
        err(f"{cid}: not in campaigns.csv")
    else:
        if row["first_seen"][:10] != e["date"]:
            err(f"{cid}: date {e['date']} != first seen {row['first_seen']}")
        score, crit = float(row["campaign_score"]), float(row["criticality"])
        want = "4" if crit <= 0 else "1" if score >= 10 and crit >= 8 else "2" if score >= 1 else "3"
        if e["threat_level_id"] != want:
            err(f"{cid}: threat level {e['threat_level_id']}, documented rule gives {want}")
    tags = [t["name"] for t in e["Tag"]]
    if "tlp:green" not in tags or f'actorprint:campaign="{cid}"' not in tags:
        err(f"{cid}: tlp or campaign tag missing: {tags[:3]}")
    for t in tags:
        if t.startswith("misp-galaxy:"):
            g = re.fullmatch(r'misp-galaxy:mitre-attack-pattern="([^"]+) - (T\d{4}(?:\.\d{3})?)"', t)
            if not g or g.group(2) not in tech or ": " in g.group(1):
                err(f"{cid}: galaxy tag {t!r}")
    if int(e["attribute_count"]) != len(e["Attribute"]):
        err(f"{cid}: attribute_count {e['attribute_count']} != {len(e['Attribute'])}")
    for u in [e["uuid"]] + [a.get("uuid") for a in e["Attribute"]]:
        if u in seen_uuids:
            err(f"{cid}: uuid {u} twice")
        seen_uuids.add(u)
    for a in e["Attribute"]:
        for k, typ in (("uuid", str), ("type", str), ("category", str), ("value", str),
                       ("to_ids", bool), ("distribution", str), ("comment", str),
                       ("timestamp", str), ("first_seen", str), ("last_seen", str),
                       ("deleted", bool)):
            if not isinstance(a.get(k), typ):
                err(f"{cid}: attribute {k} missing or not {typ.__name__}")
        types_seen.add(a["type"])
        if a["type"] not in ALLOWED.get(a["category"], ()):
            err(f"{cid}: type {a['type']} not allowed in category {a['category']}")
        if not valid_value(a["type"], a["value"]):
            err(f"{cid}: {a['type']} value {a['value']!r} would be rejected")
        if a["first_seen"] > a["last_seen"]:
            err(f"{cid}: first_seen after last_seen")
        if not re.search(r"\d+ sessions? in \d+ incidents?$", a["comment"]):
            err(f"{cid}: comment without counts: {a['comment']!r}")
if seen_campaigns != set(campaigns):
    err(f"events for {len(seen_campaigns)} campaigns, campaigns.csv has {len(campaigns)}")
for t in ("ip-src", "url", "sha256", "ssh-fingerprint", "hassh-md5", "AS", "xmr"):
    if t not in types_seen:
        err(f"no {t} attribute in the whole export")
one = [i["Event"] for i in doc["response"] if i["Event"]["info"].startswith("actorprint campaign C-1 ")]
if len(c1["response"]) != 1 or not one or c1["response"][0]["Event"] != one[0]:
    err("--campaign C-1 does not give the same event as the full export")
print("\n".join(errors) if errors else "ok")
PY
    assert_eq "misp: structure, types, values, ids (python3)" "ok" "$(printf '%s' "$OUT$ERR")"
fi

# ---- hostile strings: exact JSON strings, valid UTF-8, one event ----
hostile_log "$TMP/hostile.json"
hostile_quotes_session >>"$TMP/hostile.json"
run "$AP" run --db "$TMP/h.db" --out "$TMP/oh" -q "$TMP/hostile.json"
assert_eq "hostile run: exit 0" 0 "$RC"
run "$AP" export --db "$TMP/h.db" --format misp --out "$TMP/h.json"
assert_eq "hostile export misp: exit 0" 0 "$RC"
assert_eq "hostile: no raw control bytes in the file" "0" \
    "$(LC_ALL=C tr -d '\n' <"$TMP/h.json" | LC_ALL=C tr -cd '\000-\037\177' | wc -c | tr -d ' ')"
assert_contains "hostile: formula password kept as JSON text" "$(cat "$TMP/h.json")" \
    '"value": "=cmd|'"'"' /C calc'"'"'!A0\r\n</td><script>alert(1)</script>"'
if [ "$HAVE_PY" = 1 ]; then
    export HOSTILE_URL HOSTILE_CLIENT HOSTILE_USER HOSTILE_PASSWORD HOSTILE_SHA HQ_URL HQ_CLIENT
    run python3 - "$TMP/h.json" <<'PY'
import json, os, sys
raw = open(sys.argv[1], "rb").read()
raw.decode("utf-8")  # strict: raises on invalid UTF-8
doc = json.loads(raw)
events = [i["Event"] for i in doc["response"]]
vals = {(a["type"], a["value"]) for e in events for a in e["Attribute"]}
want = [("url", os.environ["HOSTILE_URL"]), ("text", os.environ["HOSTILE_CLIENT"]),
        ("target-user", os.environ["HOSTILE_USER"]), ("text", os.environ["HOSTILE_PASSWORD"]),
        ("sha256", os.environ["HOSTILE_SHA"]), ("url", os.environ["HQ_URL"]),
        ("text", os.environ["HQ_CLIENT"])]
missing = [w for w in want if w not in vals]
print("ok" if len(events) == 1 and not missing else f"events={len(events)} missing={missing}")
PY
    assert_eq "hostile: one event, values intact after JSON decoding (python3)" "ok" "$(printf '%s' "$OUT$ERR")"
fi

finish
