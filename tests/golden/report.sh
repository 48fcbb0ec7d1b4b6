#!/usr/bin/env bash
# report.sh — `actorprint report` end to end. On the hostile log (lib_hostile.sh) report.html
# parses as strict XML and as HTML with no element or attribute from the log (no script, img,
# svg onload, event handler, outside link), shows the attacker's text exactly (the parsed text
# equals the logged value), has no raw control character, and carries the CSP; report.md, when
# cmark-gfm is installed, renders (raw HTML allowed, the worst case) to nothing but text, code
# and tables. On simulated logs: the sections, --limit, the k-distance plot embedded or left out
# (--no-kdist), byte-identical output twice, and the misuse exit codes.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib_hostile.sh"


HAVE_PY=0
command -v python3 >/dev/null 2>&1 && HAVE_PY=1

CSP="<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"/>"

assert_no_controls() {
    local bad
    bad=$(LC_ALL=C grep -c $'[\x01-\x08\x0b-\x1f\x7f]\|\xc2[\x80-\x9f]\|\xe2\x80[\xa8\xae]' "$2")
    assert_eq "$1: no raw control characters" 0 "$bad"
}

# Checks an HTML file strictly; prints "ok" or what is wrong. Env: EXPECT (texts that must appear
# in the parsed text, one per line).
check_html() {
    python3 - "$1" <<'PY'
import os, sys, xml.etree.ElementTree as ET
from html.parser import HTMLParser
path = sys.argv[1]
raw = open(path, encoding="utf-8").read()
bad = []
FORBIDDEN = {"script", "img", "iframe", "object", "embed", "foreignobject", "image", "link",
             "base", "form", "input", "audio", "video", "source", "frame", "applet"}
def check_attrs(tag, attrs):
    for k, v in attrs:
        k = k.lower().split("}")[-1]
        if k.startswith("on"):
            bad.append("event handler %s on <%s>" % (k, tag))
        if k in ("src", "action", "formaction", "background", "poster"):
            bad.append("%s= on <%s>" % (k, tag))
        if k == "href" and not (v or "").startswith("#"):
            bad.append("outside link %r" % v)
        if tag == "meta" and k == "http-equiv" and v.lower() == "refresh":
            bad.append("meta refresh")
# 1. strict XML: every element closed, every entity known
try:
    root = ET.fromstring(raw.replace("<!DOCTYPE html>", "", 1))
except ET.ParseError as e:
    print("not well-formed XML: %s" % e); sys.exit(0)
text = []
for e in root.iter():
    tag = e.tag.split("}")[-1].lower()
    if tag in FORBIDDEN:
        bad.append("element <%s>" % tag)
    check_attrs(tag, e.attrib.items())
    text.append(e.text or ""); text.append(e.tail or "")
text = "".join(text)
# 2. as a browser tokenises HTML
class P(HTMLParser):
    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN:
            bad.append("html element <%s>" % tag)
        check_attrs(tag, attrs)
P().feed(raw)
for want in filter(None, os.environ.get("EXPECT", "").split("\n")):
    if want not in text:
        bad.append("text not shown: %r" % want)
print("ok" if not bad else "; ".join(sorted(set(bad))[:8]))
PY
}

# ---- misuse ----
hostile_log "$TMP/hostile.json"
run "$AP" ingest --db "$TMP/u.db" -q "$TMP/hostile.json"
assert_exit "nothing clustered: exit 3" 3 "$AP" report --db "$TMP/u.db" --out "$TMP/u"
assert_contains "nothing clustered: says so" "$ERR" "nothing is clustered yet"
assert_exit "no --out: exit 2" 2 "$AP" report --db "$TMP/u.db"
assert_exit "--out -: exit 2" 2 "$AP" report --db "$TMP/u.db" --out -
assert_exit "--limit abc: exit 2" 2 "$AP" report --db "$TMP/u.db" --out "$TMP/u" --limit abc
assert_exit "operand: exit 2" 2 "$AP" report --db "$TMP/u.db" --out "$TMP/u" extra

# ---- the hostile log ----
run "$AP" run --db "$TMP/h.db" -n 0 "$TMP/hostile.json"
assert_eq "run hostile: exit 0" 0 "$RC"
assert_exit "--out is a file: exit 1" 1 "$AP" report --db "$TMP/h.db" --out "$TMP/hostile.json" --no-kdist
run "$AP" report --db "$TMP/h.db" --out "$TMP/h"
assert_eq "hostile report: exit 0" 0 "$RC"
assert_match "hostile report: summary" "$ERR" "^wrote .*/report.html and .*/report.md \(1 of 1 campaigns, k-distance plot in kdist.svg\)"
H=$TMP/h/report.html
MD=$TMP/h/report.md
assert_eq "report.html starts with the doctype" "<!DOCTYPE html>" "$(head -1 "$H")"
assert_contains "report.html: CSP" "$(cat "$H")" "$CSP"
assert_eq "no <script, <img, <iframe, <svg onload in report.html" 0 \
    "$(grep -ci '<script\|<img\|<iframe\|<svg onload\|<object\|<embed' "$H")"
assert_eq "every <svg is one of ours" "$(grep -o '<svg' "$H" | wc -l)" \
    "$(grep -o '<svg xmlns="http://www.w3.org/2000/svg"' "$H" | wc -l)"
assert_contains "the URL, escaped" "$(cat "$H")" \
    '<code>http://evil.example/&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;.sh</code>'
assert_contains "the client version, controls visible" "$(cat "$H")" \
    '<code>SSH-2.0-&quot;&gt;&lt;svg onload=alert(1)&gt;␛[2J␛]0;pwned␇</code>'
assert_no_controls "report.html" "$H"
assert_no_controls "report.md" "$MD"
assert_contains "the k-distance plot embedded" "$(cat "$H")" '<section id="kdist">'
if [ "$HAVE_PY" = 1 ]; then
    # the parsed text is the attacker's text with controls made visible
    client_shown=$(printf '%s' "$HOSTILE_CLIENT" | sed $'s/\e/␛/g; s/\a/␇/g')
    assert_eq "hostile report.html: strict parse, nothing active, text shown" ok \
        "$(EXPECT="$HOSTILE_URL"$'\n'"$client_shown"$'\n'"$HOSTILE_USER" check_html "$H")"
elif command -v xmllint >/dev/null 2>&1; then
    run xmllint --noout "$H"
    assert_eq "hostile report.html: well-formed XML" 0 "$RC"
fi

# report.md: attacker text in code spans; tables keep 8 cells per IOC row
assert_contains "md: the URL in a code span" "$(cat "$MD")" \
    '| url | ` http://evil.example/</script><img src=x onerror=alert(1)>.sh ` |'
assert_contains "md: pipes in values escaped" "$(cat "$MD")" "| password | \` =cmd\\|' /C calc'!A0␍␊"
assert_eq "md: every IOC row has 7 cells" "" \
    "$(sed -n '/^| Kind | Value/,$p' "$MD" | sed 's/\\|//g' | awk -F'|' 'NF != 9' | head -3)"
if command -v cmark-gfm >/dev/null 2>&1 && [ "$HAVE_PY" = 1 ]; then
    cmark-gfm --unsafe -e table -e autolink -e strikethrough "$MD" >"$TMP/md.html"
    tags=$(python3 - "$TMP/md.html" <<'PY'
import sys
from html.parser import HTMLParser
seen = set()
class P(HTMLParser):
    def handle_starttag(self, tag, attrs):
        seen.add(tag)
        for k, v in attrs:
            if k != "align":
                seen.add("@" + k)
P().feed(open(sys.argv[1], encoding="utf-8").read())
print(" ".join(sorted(seen)))
PY
)
    assert_eq "md rendered (raw HTML allowed): only text, code and tables" \
        "code h1 h2 p table tbody td th thead tr" "$tags"
else
    echo "note: cmark-gfm or python3 missing: report.md not rendered" >&2
fi

# ---- simulated logs ----
run "$AP" simulate --out "$TMP/sim" --days 2 --scale 0.1 --seed 7
run "$AP" run --db "$TMP/s.db" -q -n 0 --out "$TMP/csv" "$TMP/sim"
assert_eq "run sim: exit 0" 0 "$RC"
campaigns=$(($(wc -l <"$TMP/csv/campaigns.csv") - 1))
run "$AP" report --db "$TMP/s.db" --out "$TMP/s1" -q
assert_eq "sim report: exit 0" 0 "$RC"
assert_not_contains "sim report: quiet" "$ERR" "wrote"
want=$((campaigns < 20 ? campaigns : 20))
assert_eq "sim report: --limit 20 sections" "$want" "$(grep -c '<section class="campaign"' "$TMP/s1/report.html")"
assert_eq "sim report: kdist.svg is an SVG" 1 "$(grep -c '^<svg' "$TMP/s1/kdist.svg")"
assert_contains "sim report: kdist embedded" "$(cat "$TMP/s1/report.html")" '<section id="kdist">'
assert_eq "sim report.md: one table row per shown campaign" "$want" "$(grep -c '^| C-[0-9]' "$TMP/s1/report.md")"
[ "$HAVE_PY" = 1 ] && assert_eq "sim report.html: strict parse, nothing active" ok "$(EXPECT= check_html "$TMP/s1/report.html")"
run "$AP" report --db "$TMP/s.db" --out "$TMP/s2" -q
assert_files_eq "twice: same report.html" "$TMP/s1/report.html" "$TMP/s2/report.html"
assert_files_eq "twice: same report.md" "$TMP/s1/report.md" "$TMP/s2/report.md"
assert_files_eq "twice: same kdist.svg" "$TMP/s1/kdist.svg" "$TMP/s2/kdist.svg"
run "$AP" report --db "$TMP/s.db" --out "$TMP/s3" -q -n 0 --no-kdist
assert_eq "-n 0: every campaign" "$campaigns" "$(grep -c '<section class="campaign"' "$TMP/s3/report.html")"
assert_not_contains "--no-kdist: no plot" "$(cat "$TMP/s3/report.html")" 'id="kdist"'
assert_eq "--no-kdist: no kdist.svg" no "$([ -e "$TMP/s3/kdist.svg" ] && echo yes || echo no)"
assert_eq "no temporary files left" "" "$(ls -A "$TMP/s1" "$TMP/s3" | grep '\.tmp$')"

finish
