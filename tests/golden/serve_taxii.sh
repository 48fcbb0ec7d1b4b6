#!/usr/bin/env bash
# serve_taxii.sh — `actorprint serve --taxii` on a simulated store: started in the background on a
# free port (--port 0, the port read from its start line), queried with curl (or node's fetch
# when curl is missing; skipped when both are): discovery, API root, collections, the collection
# by id and alias, objects paged with limit/next until `more` is false (every object of the STIX
# export exactly once, in date_added order, X-TAXII-Date-Added-First/Last on each page), the
# filters added_after, match[type], match[id], match[version], match[spec_version], one object
# and its versions, the manifest; the media type on every answer; 406 for an Accept it cannot
# satisfy, 404s, 400s for bad parameters, 405 for writes, 403 for a foreign Host while bound to
# loopback; a second server on the same port fails with exit 1; SIGTERM stops it with exit 0;
# misuse and its exit codes.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$AP" help serve >/dev/null 2>&1 || skip_test "this actorprint has no serve command"
if command -v curl >/dev/null 2>&1; then HTTP=curl
elif command -v node >/dev/null 2>&1 && node -e 'fetch' >/dev/null 2>&1; then HTTP=node
else skip_test "neither curl nor node (fetch) to query the server"; fi
HAVE_NODE=0
command -v node >/dev/null 2>&1 && HAVE_NODE=1
[ "$HAVE_NODE" = 1 ] || echo "note: node missing: the checks that parse JSON bodies are skipped" >&2
MEDIA='application/taxii+json;version=2.1'

# get PATH [ACCEPT|-] [METHOD] [HOST]: sets STATUS, CTYPE, BODY; the headers are in $TMP/.head.
get() {
    local url="http://127.0.0.1:$PORT$1" accept=${2:-$MEDIA} method=${3:-GET} host=${4:-}
    rm -f "$TMP/.head" "$TMP/.body"
    if [ "$HTTP" = curl ]; then
        local args=(-s -g -X "$method" -o "$TMP/.body" -D "$TMP/.head" --max-time 20)
        if [ "$accept" = - ]; then args+=(-H "Accept:"); else args+=(-H "Accept: $accept"); fi
        [ -n "$host" ] && args+=(-H "Host: $host")
        curl "${args[@]}" "$url"
    else
        [ -n "$host" ] && { STATUS=skip; CTYPE=; BODY=; return; } # fetch cannot set Host
        node -e 'const [url, accept, method, head, body] = process.argv.slice(1);
const headers = accept === "-" ? {} : {Accept: accept};
fetch(url, {method, headers}).then(async (r) => {
  let s = `HTTP/1.1 ${r.status}\n`;
  r.headers.forEach((v, k) => { s += `${k}: ${v}\n`; });
  require("fs").writeFileSync(head, s);
  require("fs").writeFileSync(body, Buffer.from(await r.arrayBuffer()));
});' "$url" "$accept" "$method" "$TMP/.head" "$TMP/.body"
    fi
    STATUS=$(head -1 "$TMP/.head" 2>/dev/null | awk '{print $2}')
    CTYPE=$(grep -i '^content-type:' "$TMP/.head" 2>/dev/null | head -1 | cut -d' ' -f2- | tr -d '\r')
    BODY=$(cat "$TMP/.body" 2>/dev/null)
}
header() { grep -i "^$1:" "$TMP/.head" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
# jsv EXPR: evaluates a JavaScript expression on the parsed body `d` and prints the result.
jsv() { node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const v = eval(process.argv[2]); console.log(typeof v === "string" ? v : JSON.stringify(v));' "$TMP/.body" "$1"; }
obj_ids() { grep -oE '\{"type":"[a-z-]+","spec_version":"2\.1","id":"[^"]+"' | sed 's/.*"id":"//; s/"$//'; }

# ---- a store and the same objects as an export ----
SIM=$TMP/sim
run "$AP" simulate --out "$SIM" --days 1 --sensors 2 --scale 0.1 --seed 7
assert_eq "simulate: exit 0" 0 "$RC"
run "$AP" run --db "$TMP/a.db" --out "$TMP/o" -q "$SIM"
assert_eq "run: exit 0" 0 "$RC"
run "$AP" export --db "$TMP/a.db" --format stix --out "$TMP/all.json"
assert_eq "export: exit 0" 0 "$RC"
sed -e '1d' -e '$d' -e 's/,$//' "$TMP/all.json" >"$TMP/all.lines"
NOBJ=$(wc -l <"$TMP/all.lines")
obj_ids <"$TMP/all.lines" | sort >"$TMP/all.ids"
NCAMP=$(grep -c '^{"type":"campaign",' "$TMP/all.lines")

# ---- start ----
"$AP" serve --taxii --db "$TMP/a.db" --port 0 2>"$TMP/serve.err" &
PID=$!
trap 'kill "$PID" 2>/dev/null' EXIT
PORT=
for _ in $(seq 1 100); do
    PORT=$(grep -oE 'http://127\.0\.0\.1:[0-9]+/taxii2/' "$TMP/serve.err" | grep -oE ':[0-9]+' | tr -d :)
    [ -n "$PORT" ] && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
done
[ -n "$PORT" ] || { cat "$TMP/serve.err" >&2; fail "serve: no start line"; finish; }
assert_match "start line: object count and address" "$(cat "$TMP/serve.err")" \
    "^serving [0-9,]+ STIX objects over TAXII 2\.1 at http://127\.0\.0\.1:$PORT/taxii2/"
assert_contains "start line: as many objects as the export" "$(cat "$TMP/serve.err")" \
    "serving $(sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta' <<<"$NOBJ") STIX"

# ---- discovery, API root, collections ----
get /taxii2/
assert_eq "discovery: 200" 200 "$STATUS"
assert_eq "discovery: media type" "$MEDIA" "$CTYPE"
assert_contains "discovery: the API root" "$BODY" "\"api_roots\":[\"http://127.0.0.1:$PORT/api/\"]"
assert_contains "discovery: default" "$BODY" "\"default\":\"http://127.0.0.1:$PORT/api/\""
get /api/
assert_eq "api root: 200" 200 "$STATUS"
assert_eq "api root: media type" "$MEDIA" "$CTYPE"
assert_contains "api root: versions" "$BODY" "\"versions\":[\"$MEDIA\"]"
get /api/collections/
assert_eq "collections: 200" 200 "$STATUS"
assert_match "collections: one read-only collection" "$BODY" \
    '^\{"collections":\[\{"id":"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}","title":"actorprint",.*"alias":"actorprint","can_read":true,"can_write":false,"media_types":\["application/stix\+json;version=2\.1"\]\}\]\}$'
CID=$(grep -oE '"id":"[0-9a-f-]{36}"' <<<"$BODY" | cut -d'"' -f4)
get "/api/collections/$CID/"
assert_eq "collection by id: 200" 200 "$STATUS"
BY_ID=$BODY
get /api/collections/actorprint/
assert_eq "collection by alias: the same" "$BY_ID" "$BODY"
assert_contains "collection: its id" "$BODY" "\"id\":\"$CID\""

# ---- objects, paged ----
COLL=/api/collections/$CID
next=
pages=0
: >"$TMP/paged.ids"
prev_last=
order_ok=1
while :; do
    get "$COLL/objects/?limit=40${next:+&next=$next}"
    [ "$STATUS" = 200 ] || { fail "objects page $pages: status $STATUS"; break; }
    pages=$((pages + 1))
    obj_ids <<<"$BODY" >>"$TMP/paged.ids"
    first=$(header X-TAXII-Date-Added-First)
    last=$(header X-TAXII-Date-Added-Last)
    [ -n "$first" ] && [ -n "$last" ] || order_ok=0
    [[ "$first" > "$last" ]] && order_ok=0
    [ -n "$prev_last" ] && [[ "$prev_last" > "$first" ]] && order_ok=0
    prev_last=$last
    [ "$(obj_ids <<<"$BODY" | wc -l)" -le 40 ] || fail "objects page $pages: more than limit"
    next=$(grep -oE '"more":true,"next":"[^"]+"' <<<"$BODY" | cut -d'"' -f6)
    [ -n "$next" ] || break
    [ "$pages" -lt 1000 ] || { fail "objects: paging does not end"; break; }
done
assert_eq "objects: media type" "$MEDIA" "$CTYPE"
assert_contains "objects: the last page says no more" "$BODY" '"more":false'
assert_eq "objects: pages of 40" "$(((NOBJ + 39) / 40))" "$pages"
assert_eq "objects: every object of the export once" "$(cat "$TMP/all.ids")" "$(sort "$TMP/paged.ids")"
assert_eq "objects: pages in date_added order (X-TAXII-Date-Added-First/Last)" 1 "$order_ok"

PAGE=$((NOBJ < 1000 ? NOBJ : 1000))
get "$COLL/objects/"
assert_eq "objects without limit: a page of at most 1000" "$PAGE" "$(obj_ids <<<"$BODY" | wc -l)"
get "$COLL/objects/?limit=100000"
assert_eq "objects: limit above the server's: at most 1000" "$PAGE" "$(obj_ids <<<"$BODY" | wc -l)"
assert_contains "objects: objects byte-identical to the export's" "$(cat "$TMP/all.lines")" \
    "$(sed -E 's/^\{"objects":\[//; s/,\{"type":.*//' <<<"$BODY")"

# ---- filters ----
get "$COLL/objects/?match[type]=campaign"
assert_eq "match[type]=campaign: every campaign" "$NCAMP" "$(obj_ids <<<"$BODY" | wc -l)"
assert_eq "match[type]=campaign: nothing else" "" "$(obj_ids <<<"$BODY" | grep -v '^campaign--')"
get "$COLL/objects/?match[type]=campaign,intrusion-set"
assert_eq "match[type] with two types" \
    "$(grep -cE '^\{"type":"(campaign|intrusion-set)",' "$TMP/all.lines")" "$(obj_ids <<<"$BODY" | wc -l)"
ONE=$(grep '^{"type":"campaign",' "$TMP/all.lines" | head -1)
ONE_ID=$(obj_ids <<<"$ONE")
ONE_MOD=$(grep -oE '"modified":"[^"]+"' <<<"$ONE" | cut -d'"' -f4)
get "$COLL/objects/?match[id]=$ONE_ID"
assert_eq "match[id]: that object" "{\"objects\":[$ONE],\"more\":false}" "$BODY"
assert_eq "match[id]: date-added headers" "$ONE_MOD $ONE_MOD" \
    "$(header X-TAXII-Date-Added-First) $(header X-TAXII-Date-Added-Last)"
TWO=$(grep '^{"type":"intrusion-set",' "$TMP/all.lines" | head -1)
TWO_ID=$(obj_ids <<<"$TWO")
# the two in date_added order (the export's order)
grep -E "^\{\"type\":\"[a-z-]+\",\"spec_version\":\"2\.1\",\"id\":\"($ONE_ID|$TWO_ID)\"" "$TMP/all.lines" |
    obj_ids >"$TMP/two.ids"
assert_eq "two objects to look up" 2 "$(wc -l <"$TMP/two.ids")"
get "$COLL/objects/?match[id]=$TWO_ID,$ONE_ID,campaign--00000000-0000-5000-8000-000000000000&limit=1"
assert_eq "match[id] with two ids, limit 1: the earlier" "$(sed -n 1p "$TMP/two.ids")" "$(obj_ids <<<"$BODY")"
N2=$(grep -oE '"more":true,"next":"[^"]+"' <<<"$BODY" | cut -d'"' -f6)
assert_match "match[id] with two ids, limit 1: more" "$N2" '^[0-9]+$'
get "$COLL/objects/?match[id]=$TWO_ID,$ONE_ID&limit=1&next=$N2"
assert_eq "match[id], next page: the later" "$(sed -n 2p "$TMP/two.ids")" "$(obj_ids <<<"$BODY")"
assert_contains "match[id], next page: no more" "$BODY" '"more":false}'
get "$COLL/objects/?match[id]=campaign--00000000-0000-5000-8000-000000000000,,x"
assert_eq "match[id] with unknown ids only: the empty envelope" "{}" "$BODY"
get "$COLL/objects/?match[id]=$ONE_ID&match[version]=$ONE_MOD"
assert_eq "match[version]=its modified: the object" "{\"objects\":[$ONE],\"more\":false}" "$BODY"
get "$COLL/objects/?match[id]=$ONE_ID&match[version]=2000-01-01T00:00:00.000Z"
assert_eq "match[version]=another time: the empty envelope" "{}" "$BODY"
get "$COLL/objects/?match[id]=$ONE_ID&match[version]=first"
assert_eq "match[version]=first: the object" "{\"objects\":[$ONE],\"more\":false}" "$BODY"
get "$COLL/objects/?match[spec_version]=2.0"
assert_eq "match[spec_version]=2.0: the empty envelope" "{}" "$BODY"
assert_eq "empty envelope: no date-added headers" "" "$(header X-TAXII-Date-Added-First)"
# added_after: strictly after the date_added given
MID=$(grep -oE '"modified":"[^"]+"' "$TMP/all.lines" | cut -d'"' -f4 | sort | sed -n "$((NOBJ / 2))p")
AFTER=$(grep -oE '"modified":"[^"]+"' "$TMP/all.lines" | cut -d'"' -f4 | awk -v t="$MID" '$0 > t' | wc -l)
get "$COLL/objects/?added_after=$MID"
assert_eq "added_after: the objects added later" "$AFTER" "$(obj_ids <<<"$BODY" | wc -l)"
assert_eq "added_after: first date_added after it" 1 \
    "$([[ "$(header X-TAXII-Date-Added-First)" > "$MID" ]] && echo 1 || echo 0)"

# ---- one object, its versions, the manifest ----
get "$COLL/objects/$ONE_ID/"
assert_eq "object by id: 200" 200 "$STATUS"
assert_eq "object by id: the envelope" "{\"objects\":[$ONE],\"more\":false}" "$BODY"
get "$COLL/objects/$ONE_ID/versions/"
assert_eq "versions: its one version" "{\"versions\":[\"$ONE_MOD\"],\"more\":false}" "$BODY"
get "$COLL/objects/campaign--00000000-0000-5000-8000-000000000000/"
assert_eq "unknown object: 404" 404 "$STATUS"
assert_eq "unknown object: media type" "$MEDIA" "$CTYPE"
get "$COLL/manifest/?limit=3"
assert_eq "manifest: 200" 200 "$STATUS"
assert_match "manifest: records with id, date_added, version, media type" "$BODY" \
    '^\{"objects":\[\{"id":"[a-z-]+--[0-9a-f-]{36}","date_added":"[0-9T:.-]+Z","version":"[0-9T:.-]+Z","media_type":"application/stix\+json;version=2\.1"\}(,\{[^}]*\}){2}\],"more":true,"next":"[0-9]+"\}$'
if [ "$HAVE_NODE" = 1 ]; then
    get "$COLL/manifest/?limit=1000"
    assert_eq "manifest: a record per object, 1000 at most" "$PAGE" "$(jsv 'd.objects.length')"
    assert_eq "manifest: date_added is the version" "true" "$(jsv 'd.objects.every((o) => o.date_added === o.version)')"
    get "$COLL/objects/?match[type]=indicator&limit=5"
    assert_eq "envelope parses: five indicators" "5 true" "$(jsv 'd.objects.length + " " + d.more')"
fi

# ---- content negotiation and errors ----
get /taxii2/ 'text/html'
assert_eq "Accept text/html: 406" 406 "$STATUS"
assert_eq "406: media type" "$MEDIA" "$CTYPE"
assert_contains "406: a TAXII error message" "$BODY" '"http_status":"406"'
get /taxii2/ 'application/taxii+json;version=2.0'
assert_eq "Accept version 2.0: 406" 406 "$STATUS"
get /taxii2/ 'application/taxii+json'
assert_eq "Accept without version: 200" 200 "$STATUS"
get /taxii2/ 'text/html, application/taxii+json; version=2.1'
assert_eq "Accept with TAXII 2.1 among others: 200" 200 "$STATUS"
get /taxii2/ -
assert_eq "no Accept: 200" 200 "$STATUS"
for p in /nope/ /api/nope/ /api/collections/nope/ "$COLL/nope/" /taxii2/x/; do
    get "$p"
    assert_eq "$p: 404" 404 "$STATUS"
done
for q in 'limit=0' 'limit=abc' 'added_after=yesterday' 'next=999999999' 'match[version]=latest'; do
    get "$COLL/objects/?$q"
    assert_eq "$q: 400" 400 "$STATUS"
    assert_contains "$q: a TAXII error message" "$BODY" '"http_status":"400"'
done
get "$COLL/objects/" "$MEDIA" POST
assert_eq "POST: 405 (read-only)" 405 "$STATUS"
assert_eq "405: Allow" "GET, HEAD" "$(header Allow)"
if [ "$HTTP" = curl ]; then
    get /taxii2/ "$MEDIA" GET "evil.example:$PORT"
    assert_eq "foreign Host on loopback: 403" 403 "$STATUS"
    get /taxii2/ "$MEDIA" GET "localhost:$PORT"
    assert_eq "Host localhost: 200" 200 "$STATUS"
    assert_contains "Host localhost: URLs under it" "$BODY" "\"default\":\"http://localhost:$PORT/api/\""
fi

# ---- a second server on the same port ----
run "$AP" serve --taxii --db "$TMP/a.db" --port "$PORT"
assert_eq "port in use: exit 1" 1 "$RC"
assert_contains "port in use: says so" "$ERR" "cannot listen on 127.0.0.1:$PORT"

# ---- stop ----
kill -TERM "$PID"
wait "$PID"
assert_eq "SIGTERM: exit 0" 0 "$?"
trap - EXIT
assert_eq "SIGTERM: says stopped" "stopped" "$(tail -1 "$TMP/serve.err")"

# ---- misuse ----
run "$AP" serve --db "$TMP/a.db"
assert_eq "without --taxii: exit 2" 2 "$RC"
run "$AP" serve --taxii --db "$TMP/a.db" --listen not-an-address
assert_eq "bad --listen: exit 2" 2 "$RC"
assert_contains "bad --listen: says why" "$ERR" "'not-an-address' is not an IPv4 or IPv6 address"
run "$AP" serve --taxii --db "$TMP/a.db" --port 70000
assert_eq "bad --port: exit 2" 2 "$RC"
run "$AP" ingest --db "$TMP/empty.db" -q "$SIM"
run "$AP" serve --taxii --db "$TMP/empty.db"
assert_eq "nothing clustered: exit 3" 3 "$RC"

finish
