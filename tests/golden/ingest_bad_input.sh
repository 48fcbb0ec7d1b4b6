#!/usr/bin/env bash
# ingest_bad_input.sh — one case per class of bad input. Each checks (a) the message on stderr
# names FILE:LINE, (b) the line is counted under its reason in `stats --json`
# (bad_lines_by_reason), (c) the good events before and after it are stored, (d) the exit status
# documented in docs/cli.md: 0 for skipped or repaired lines, 1 when a file cannot be read to
# its end (everything readable is still ingested).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib_ingest.sh"

# reason_count REASON: the count of REASON in bad_lines_by_reason of $STATS ("" when absent)
reason_count() {
    printf '%s' "$STATS" | sed 's/.*"bad_lines_by_reason"://' | grep -o "\"$1\":[0-9]*" | cut -d: -f2
}

# Every case file: a good session (4 events), the bad part, a good session (4 events).
before() { good_session "${1}01" 01; }
after() { good_session "${1}03" 03; }

# ---- malformed JSON ----
F=$TMP/malformed.json
{ before aa; printf '{"eventid":"cowrie.command.input","input":"ls",\n'; after aa; } >"$F"
assert_exit "malformed JSON: exit 0" 0 "$AP" ingest --db "$TMP/malformed.db" "$F"
assert_contains "malformed JSON: message" "$ERR" "$F:5: warning: skipped line: invalid JSON"
stats_json "$TMP/malformed.db"
assert_eq "malformed JSON: counted" 1 "$(reason_count invalid_json)"
assert_eq "malformed JSON: bad_lines" 1 "$(jnum "$STATS" bad_lines)"
assert_eq "malformed JSON: good events kept" 8 "$(jnum "$STATS" events)"
sqlite3 "$TMP/malformed.db" "SELECT line || ' ' || reason || ' ' || head FROM v_rejects" >"$TMP/rej"
assert_eq "malformed JSON: the line is kept in the store" \
    '5 invalid_json {"eventid":"cowrie.command.input","input":"ls",' "$(cat "$TMP/rej")"

# other lines that are JSON but not Cowrie events, and the per-reason message limit
F=$TMP/notcowrie.json
{
    before ab
    printf '[1,2,3]\n'
    printf '{"timestamp":"2024-05-01T02:00:00Z","session":"ab02"}\n'
    printf '{"eventid":"cowrie.session.connect","session":"ab02"}\n'
    printf '{"eventid":"cowrie.session.connect","session":"ab02","timestamp":"yesterday"}\n'
    for i in $(seq 1 25); do printf '{"eventid": oops %d}\n' "$i"; done
    after ab
} >"$F"
assert_exit "not Cowrie events: exit 0" 0 "$AP" ingest --db "$TMP/notcowrie.db" "$F"
assert_contains "not an object: message" "$ERR" "$F:5: warning: skipped line:"
assert_contains "missing eventid: message" "$ERR" "$F:6: warning: skipped line: no \"eventid\""
assert_contains "missing timestamp: message" "$ERR" "$F:7: warning: skipped line: no \"timestamp\""
assert_contains "bad timestamp: message" "$ERR" "$F:8: warning: skipped line: timestamp \"yesterday\""
assert_eq "20 messages per reason, then one notice" 20 \
    "$(printf '%s' "$ERR" | grep -cE "^$F:(9|[12][0-9]|3[0-3]): warning: skipped line: invalid JSON")"
assert_contains "suppression notice" "$ERR" "actorprint: ingest: further 'invalid_json' messages suppressed"
stats_json "$TMP/notcowrie.db"
assert_eq "not an object: counted" 1 "$(reason_count not_an_object)"
assert_eq "missing eventid: counted" 1 "$(reason_count missing_eventid)"
assert_eq "missing timestamp: counted" 1 "$(reason_count missing_timestamp)"
assert_eq "bad timestamp: counted" 1 "$(reason_count bad_timestamp)"
assert_eq "suppressed messages still counted" 25 "$(reason_count invalid_json)"
assert_eq "not Cowrie events: bad_lines" 29 "$(jnum "$STATS" bad_lines)"
assert_eq "not Cowrie events: good events kept" 8 "$(jnum "$STATS" events)"
assert_contains "stats lists reasons, most frequent first" "$STATS" '"bad_lines_by_reason":{"invalid_json":25,'

# ---- truncated gzip ----
F=$TMP/cut.json.gz
for i in $(seq 1000 1599); do good_session "c$i" 05 3; done | gzip -c >"$TMP/whole.gz"
head -c $(($(stat -c %s "$TMP/whole.gz") / 2)) "$TMP/whole.gz" >"$F"
complete=$(gzip -dc "$F" 2>/dev/null | wc -l | tr -d ' ')
before cd >"$TMP/cd-before.json"
after cd >"$TMP/cd-after.json"
assert_exit "truncated gzip: exit 1" 1 "$AP" ingest --db "$TMP/cut.db" "$TMP/cd-before.json" "$F" "$TMP/cd-after.json"
assert_contains "truncated gzip: error with FILE:LINE" "$ERR" "$F:$((complete + 1)): error: "
assert_contains "truncated gzip: says what happened" "$ERR" "gzip stream ends early"
assert_not_contains "truncated gzip: location said once" "$ERR" "error: $F:"
assert_contains "truncated gzip: final message" "$ERR" "actorprint: ingest: some input could not be read completely"
stats_json "$TMP/cut.db"
assert_eq "truncated gzip: every complete line before the cut stored" $((complete + 8)) "$(jnum "$STATS" events)"
assert_eq "truncated gzip: the cut line counted" 1 "$(reason_count truncated_line)"
# the same for zstd
zstd -q -c <(gzip -dc "$TMP/whole.gz") >"$TMP/whole.zst"
head -c $(($(stat -c %s "$TMP/whole.zst") / 2)) "$TMP/whole.zst" >"$TMP/cut.json.zst"
zcomplete=$(zstd -dc "$TMP/cut.json.zst" 2>/dev/null | wc -l | tr -d ' ')
assert_exit "truncated zstd: exit 1" 1 "$AP" ingest --db "$TMP/cutz.db" "$TMP/cut.json.zst" "$TMP/cd-after.json"
assert_contains "truncated zstd: error with FILE:LINE" "$ERR" "$TMP/cut.json.zst:$((zcomplete + 1)): error: "
stats_json "$TMP/cutz.db"
assert_eq "truncated zstd: complete lines stored" $((zcomplete + 4)) "$(jnum "$STATS" events)"
# not an archive at all, though named like one
head -c 3000 /dev/urandom >"$TMP/garbage.json.gz"
printf '\x1f\x8b\x08\x00garbage' >"$TMP/badmagic.json.gz"
assert_exit "corrupt gzip: exit 1" 1 "$AP" ingest --db "$TMP/corrupt.db" "$TMP/badmagic.json.gz" "$TMP/cd-after.json"
assert_contains "corrupt gzip: error names the file" "$ERR" "$TMP/badmagic.json.gz"
stats_json "$TMP/corrupt.db"
assert_eq "corrupt gzip: the other file stored" 4 "$(jnum "$STATS" events)"

# ---- NUL padding (copytruncate) ----
F=$TMP/nul.json
{
    head -c 4096 /dev/zero
    before ee
    printf '%s\n' "$(ev ee02 02:00:00.000000 cowrie.command.input '"input":"NN"')" | sed 's/NN/c\x00\x00d/'
    ev ee02 02:00:01.000000 cowrie.command.input '"input":"pwd"' | sed 's/,"session"/,\x00\x00\x00"session"/'
    after ee
} >"$F"
assert_exit "NUL padding: exit 0" 0 "$AP" ingest --db "$TMP/nul.db" "$F"
assert_contains "NUL padding: leading NULs reported" "$ERR" "$F:1: warning: removed 4096 NUL bytes"
assert_contains "NUL padding: NULs in a line reported" "$ERR" "$F:5: warning: removed 2 NUL bytes"
assert_contains "NUL padding: NULs between fields reported" "$ERR" "$F:6: warning: removed 3 NUL bytes"
assert_not_contains "NUL padding: no line skipped" "$ERR" "skipped line"
stats_json "$TMP/nul.db"
assert_eq "NUL padding: every event kept" 10 "$(jnum "$STATS" events)"
assert_eq "NUL padding: counted by reason" 3 "$(reason_count nul_padding)"
run "$AP" sessions --json --db "$TMP/nul.db" --with-commands
assert_contains "NUL padding: the first event after the padding" "$OUT" '"session":"ee01","protocol":"ssh"'
assert_contains "NUL padding: NULs removed from the command" "$OUT" '"input":"cd"'

# ---- invalid UTF-8 in a command ----
F=$TMP/utf8.json
{
    before ff
    printf '%s\n' "$(ev ff02 02:00:00.000000 cowrie.command.input '"input":"ls QQ -la"')" | sed 's/QQ/\xff\xc3\x28/'
    after ff
} >"$F"
assert_exit "invalid UTF-8: exit 0" 0 "$AP" ingest --db "$TMP/utf8.db" "$F"
assert_contains "invalid UTF-8: message" "$ERR" "$F:5: warning: invalid UTF-8 replaced by U+FFFD; event kept"
stats_json "$TMP/utf8.db"
assert_eq "invalid UTF-8: counted" 1 "$(reason_count invalid_utf8)"
assert_eq "invalid UTF-8: event kept with the others" 9 "$(jnum "$STATS" events)"
run "$AP" sessions --json --db "$TMP/utf8.db" --limit 2
assert_contains "invalid UTF-8: kept with U+FFFD" "$OUT" $'"input":"ls \xef\xbf\xbd\xef\xbf\xbd( -la"'
run "$AP" sessions --db "$TMP/utf8.db" --limit 2
assert_contains "invalid UTF-8: text form" "$OUT" $'$ ls \xef\xbf\xbd\xef\xbf\xbd( -la'

# ---- a 16 MB line between good lines ----
F=$TMP/long.json
{
    before gg
    printf '{"eventid":"cowrie.command.input","session":"gg02","sensor":"t1","timestamp":"2024-05-01T02:00:00Z","input":"'
    head -c $((16 << 20)) /dev/zero | tr '\0' A
    printf '"}\n'
    after gg
} >"$F"
long_len=$(($(sed -n 5p "$F" | wc -c) - 1))
assert_exit "16 MB line: exit 0" 0 "$AP" ingest --db "$TMP/long.db" "$F"
assert_contains "16 MB line: message" "$ERR" "$F:5: warning: line of $long_len bytes is longer than the limit of 1048576: skipped"
stats_json "$TMP/long.db"
assert_eq "16 MB line: counted" 1 "$(reason_count line_too_long)"
assert_eq "16 MB line: good events kept" 8 "$(jnum "$STATS" events)"
assert_eq "16 MB line: the sessions around it" 2 "$(jnum "$STATS" sessions)"
sqlite3 "$TMP/long.db" "SELECT line, full_len, length(head) FROM rejects" >"$TMP/rej"
assert_eq "16 MB line: the reject keeps 4 KiB and the real length" "5|$long_len|4096" "$(cat "$TMP/rej")"
# with a larger limit it is an event like any other
assert_exit "16 MB line with --max-line 20M" 0 "$AP" ingest --db "$TMP/long2.db" --max-line 20M "$F"
stats_json "$TMP/long2.db"
assert_eq "--max-line 20M: the long command stored" 9 "$(jnum "$STATS" events)"
assert_eq "--max-line 20M: no bad line" 0 "$(jnum "$STATS" bad_lines)"

# ---- a missing session ----
F=$TMP/nosession.json
{
    before hh
    printf '{"eventid":"cowrie.command.input","input":"id","sensor":"t1","timestamp":"2024-05-01T02:00:00Z"}\n'
    printf '{"eventid":"cowrie.command.input","input":"id","sensor":"t1","session":"","timestamp":"2024-05-01T02:00:00Z"}\n'
    after hh
} >"$F"
assert_exit "missing session: exit 0" 0 "$AP" ingest --db "$TMP/nosession.db" "$F"
assert_contains "missing session: message" "$ERR" "$F:5: warning: skipped line: no \"session\" field"
assert_contains "empty session: message" "$ERR" "$F:6: warning: skipped line: no \"session\" field"
stats_json "$TMP/nosession.db"
assert_eq "missing session: counted" 2 "$(reason_count missing_session)"
assert_eq "missing session: good events kept" 8 "$(jnum "$STATS" events)"

# ---- duplicate events ----
F=$TMP/dup.json
{
    before ii
    ev ii02 02:00:00.000000 cowrie.command.input '"input":"uname"'
    ev ii02 02:00:00.000000 cowrie.command.input '"input":"uname"'
    ev ii02 02:00:00.000000 cowrie.command.input '"input":"uname" ' # other bytes: another event
    before ii
    after ii
} >"$F"
assert_exit "duplicates: exit 0" 0 "$AP" ingest --db "$TMP/dup.db" "$F"
assert_match "duplicates: summary" "$ERR" '^ingested 10 events \(5 duplicates\) in 3 sessions'
stats_json "$TMP/dup.db"
assert_eq "duplicates: stored once" 10 "$(jnum "$STATS" events)"
assert_eq "duplicates: commands" 6 "$(jnum "$STATS" commands)"
assert_eq "duplicates: not bad lines" 0 "$(jnum "$STATS" bad_lines)"
run "$AP" sessions --json --db "$TMP/dup.db" --limit 1
assert_contains "duplicates: the session has its 4 events" "$OUT" '"events":4,'

# ---- out-of-order timestamps ----
F=$TMP/order.json
{
    ev jj01 10:00:05.000000 cowrie.session.connect '"src_port":1,"dst_ip":"10.1.1.1","dst_port":22,"protocol":"ssh"'
    ev jj01 10:00:01.000000 cowrie.command.input '"input":"early"'
    ev jj01 10:00:09.000000 cowrie.command.input '"input":"late"'
    ev jj01 10:00:03.000000 cowrie.session.closed '"duration":2.0'
    ev jj01 10:00:07.000000 cowrie.command.input '"input":"middle"'
} >"$F"
assert_exit "out of order: exit 0" 0 "$AP" ingest --db "$TMP/order.db" "$F"
run "$AP" sessions --json --db "$TMP/order.db"
assert_contains "out of order: start is the minimum" "$OUT" '"start":"2024-05-01T10:00:01.000000Z"'
assert_contains "out of order: end is the maximum" "$OUT" '"end":"2024-05-01T10:00:09.000000Z"'
assert_match "out of order: commands in time order" "$OUT" '"input":"early".*"input":"middle".*"input":"late"'
stats_json "$TMP/order.db"
assert_eq "out of order: first_seen" "first_seen:2024-05-01T10:00:01.000000Z" \
    "first_seen:$(printf '%s' "$STATS" | sed 's/.*"first_seen":"\([^"]*\)".*/\1/')"

# ---- unreadable input: the rest is still ingested, exit 1 ----
before kk >"$TMP/k1.json"
after kk >"$TMP/k2.json"
assert_exit "missing file: exit 1" 1 "$AP" ingest --db "$TMP/missing.db" "$TMP/k1.json" "$TMP/no/such/file.json" "$TMP/k2.json"
assert_contains "missing file: message" "$ERR" "$TMP/no/such/file.json: error: "
assert_contains "missing file: reason" "$ERR" "No such file or directory"
assert_not_contains "missing file: location said once" "$ERR" "error: $TMP/no/such/file.json"
stats_json "$TMP/missing.db"
assert_eq "missing file: the others stored" 8 "$(jnum "$STATS" events)"
if [ "$(id -u)" -ne 0 ]; then
    before ll >"$TMP/l1.json"
    good_session ll02 02 >"$TMP/locked.json"
    chmod 000 "$TMP/locked.json"
    assert_exit "unreadable file: exit 1" 1 "$AP" ingest --db "$TMP/locked.db" "$TMP/l1.json" "$TMP/locked.json"
    assert_contains "unreadable file: message" "$ERR" "$TMP/locked.json: error: "
    assert_contains "unreadable file: reason" "$ERR" "Permission denied"
    stats_json "$TMP/locked.db"
    assert_eq "unreadable file: the other stored" 4 "$(jnum "$STATS" events)"
    chmod 600 "$TMP/locked.json"
    assert_exit "unreadable file, readable again: exit 0" 0 "$AP" ingest --db "$TMP/locked.db" "$TMP/l1.json" "$TMP/locked.json"
    stats_json "$TMP/locked.db"
    assert_eq "unreadable file, readable again: read now" 8 "$(jnum "$STATS" events)"
else
    echo "note: running as root, the chmod 000 case is skipped" >&2
fi

finish
