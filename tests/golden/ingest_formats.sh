#!/usr/bin/env bash
# ingest_formats.sh — the same log content read from every container ingest supports (plain,
# gzip, bzip2, zstd, gzip under a misleading name, standard input) gives the same store; a
# directory is read recursively taking only cowrie.json* files; and the 2018-era Cowrie 1.x
# format, whose cowrie.client.version event carries the KEX lists, gets its HASSH computed.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib_ingest.sh"

mkdir -p "$TMP/in"
sample_log >"$TMP/in/cowrie.json"
gzip -c "$TMP/in/cowrie.json" >"$TMP/in/cowrie.json.1.gz"
bzip2 -c "$TMP/in/cowrie.json" >"$TMP/in/cowrie.json.2.bz2"
zstd -q -c "$TMP/in/cowrie.json" >"$TMP/in/cowrie.json.3.zst"
gzip -c "$TMP/in/cowrie.json" >"$TMP/in/notes.txt"
# a multi-member gzip (what `cat a.gz b.gz` or some rotators produce)
head -n 5 "$TMP/in/cowrie.json" | gzip -c >"$TMP/in/multi.gz"
tail -n +6 "$TMP/in/cowrie.json" | gzip -c >>"$TMP/in/multi.gz"

# every form alone gives exactly the numbers of ingest_basic
for f in cowrie.json cowrie.json.1.gz cowrie.json.2.bz2 cowrie.json.3.zst notes.txt multi.gz; do
    assert_exit "ingest $f" 0 "$AP" ingest --db "$TMP/$f.db" "$TMP/in/$f"
    assert_match "$f: summary" "$ERR" '^ingested 17 events in 2 sessions from 1 file'
    "$AP" stats --json --db "$TMP/$f.db" >"$TMP/$f.stats"
    assert_files_eq "$f: stats" "$EXPECTED/ingest_basic.stats.json" "$TMP/$f.stats"
    "$AP" sessions --json --db "$TMP/$f.db" >"$TMP/$f.sessions"
    assert_files_eq "$f: sessions" "$EXPECTED/ingest_basic.sessions.jsonl" "$TMP/$f.sessions"
done

# standard input, plain and compressed
assert_exit "ingest -" 0 "$AP" ingest --db "$TMP/stdin.db" - <"$TMP/in/cowrie.json"
"$AP" stats --json --db "$TMP/stdin.db" >"$TMP/stdin.stats"
assert_files_eq "stdin: stats" "$EXPECTED/ingest_basic.stats.json" "$TMP/stdin.stats"
assert_exit "ingest - (zstd)" 0 "$AP" ingest --db "$TMP/stdinz.db" - <"$TMP/in/cowrie.json.3.zst"
"$AP" stats --json --db "$TMP/stdinz.db" >"$TMP/stdinz.stats"
assert_files_eq "stdin zstd: stats" "$EXPECTED/ingest_basic.stats.json" "$TMP/stdinz.stats"
# a pipe, not a redirected file
run bash -c 'cat "$1" | "$2" ingest --db "$3" -' _ "$TMP/in/cowrie.json.1.gz" "$AP" "$TMP/pipe.db"
assert_eq "ingest - from a pipe (gzip): exit" "0" "$RC"
"$AP" stats --json --db "$TMP/pipe.db" >"$TMP/pipe.stats"
assert_files_eq "pipe: stats" "$EXPECTED/ingest_basic.stats.json" "$TMP/pipe.stats"

# all of them into one store: every event once, six files registered
assert_exit "all forms into one store" 0 "$AP" ingest --db "$TMP/all.db" "$TMP/in/cowrie.json" \
    "$TMP/in/cowrie.json.1.gz" "$TMP/in/cowrie.json.2.bz2" "$TMP/in/cowrie.json.3.zst" \
    "$TMP/in/notes.txt" "$TMP/in/multi.gz"
assert_contains "all forms: duplicates reported" "$ERR" "ingested 17 events (85 duplicates)"
stats_json "$TMP/all.db"
assert_eq "all forms: events" 17 "$(jnum "$STATS" events)"
assert_eq "all forms: sessions" 2 "$(jnum "$STATS" sessions)"
assert_eq "all forms: files" 6 "$(jnum "$STATS" files)"

# a directory, read recursively: cowrie.json* files only
D=$TMP/tree
mkdir -p "$D/sensorA/old" "$D/sensorB"
head -n 7 "$TMP/in/cowrie.json" >"$D/sensorA/cowrie.json"
tail -n +8 "$TMP/in/cowrie.json" | gzip -c >"$D/sensorA/old/cowrie.json.2024-03-01.gz"
printf 'sensor,session,actor,campaign\nhp1,ffff0000,x,y\n' >"$D/truth.csv"
good_session cafe0001 05 >"$D/sensorB/cowrie.log" # valid JSON, but not a cowrie.json* name
good_session cafe0002 06 >"$D/sensorB/notes.txt"
assert_exit "ingest a directory" 0 "$AP" ingest --db "$TMP/tree.db" "$D"
assert_match "directory: summary" "$ERR" '^ingested 17 events in 2 sessions from 2 files'
"$AP" stats --json --db "$TMP/tree.db" >"$TMP/tree.stats"
sed 's/"files":1,/"files":2,/' "$EXPECTED/ingest_basic.stats.json" >"$TMP/tree.expected"
assert_files_eq "directory: stats" "$TMP/tree.expected" "$TMP/tree.stats"
run "$AP" sessions --json --db "$TMP/tree.db"
assert_not_contains "cowrie.log not taken" "$OUT" cafe0001
assert_not_contains "notes.txt not taken" "$OUT" cafe0002
# an empty directory and an empty file are not errors
mkdir -p "$TMP/empty"
: >"$TMP/empty.json"
assert_exit "empty directory and file" 0 "$AP" ingest --db "$TMP/empty.db" "$TMP/empty" "$TMP/empty.json"
stats_json "$TMP/empty.db"
assert_eq "empty inputs: no events" 0 "$(jnum "$STATS" events)"

# Cowrie 1.x (2018): client.version carries the KEX lists, the version is a bytes repr, and
# there is no cowrie.client.kex event. HASSH = md5("kex;enc;mac;comp").
cat >"$TMP/in/cowrie-2018.json" <<'EOF'
{"eventid": "cowrie.session.connect", "src_ip": "192.0.2.50", "src_port": 40022, "dst_ip": "10.0.0.9", "dst_port": 2222, "session": "3a4b5c6d", "protocol": "ssh", "message": "New connection: 192.0.2.50:40022 (10.0.0.9:2222) [session: 3a4b5c6d]", "sensor": "old-sensor", "timestamp": "2018-05-18T07:57:41.672346Z", "system": "cowrie.ssh.factory.CowrieSSHFactory", "isError": 0}
{"eventid": "cowrie.client.version", "macCS": ["hmac-sha1", "hmac-sha1-96", "hmac-md5"], "session": "3a4b5c6d", "kexAlgs": ["diffie-hellman-group14-sha1", "diffie-hellman-group-exchange-sha1", "diffie-hellman-group1-sha1"], "keyAlgs": ["ssh-rsa", "ssh-dss"], "timestamp": "2018-05-18T07:57:41.901222Z", "compCS": ["none"], "encCS": ["aes128-ctr", "aes128-cbc", "3des-cbc"], "version": "b'SSH-2.0-paramiko_1.16.0'", "message": "Remote SSH version: b'SSH-2.0-paramiko_1.16.0'", "src_ip": "192.0.2.50", "sensor": "old-sensor", "isError": 0, "system": "HoneyPotSSHTransport,7,192.0.2.50"}
{"eventid": "cowrie.login.success", "username": "root", "password": "admin", "message": "login attempt [root/admin] succeeded", "sensor": "old-sensor", "timestamp": "2018-05-18T07:57:42.314159Z", "src_ip": "192.0.2.50", "session": "3a4b5c6d", "isError": 0, "system": "SSHService b'ssh-userauth' on HoneyPotSSHTransport,7,192.0.2.50"}
{"eventid": "cowrie.session.closed", "duration": 0.9, "message": "Connection lost after 0 seconds", "sensor": "old-sensor", "timestamp": "2018-05-18T07:57:42.572346Z", "src_ip": "192.0.2.50", "session": "3a4b5c6d", "isError": 0, "system": "HoneyPotSSHTransport,7,192.0.2.50"}
EOF
algs='diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1,diffie-hellman-group1-sha1;aes128-ctr,aes128-cbc,3des-cbc;hmac-sha1,hmac-sha1-96,hmac-md5;none'
want_hassh=$(printf '%s' "$algs" | md5sum | cut -d' ' -f1)
assert_exit "ingest a Cowrie 1.x log" 0 "$AP" ingest --db "$TMP/old.db" "$TMP/in/cowrie-2018.json"
run "$AP" sessions --json --db "$TMP/old.db"
assert_contains "1.x: HASSH computed from the client.version lists" "$OUT" "\"hassh\":\"$want_hassh\""
assert_contains "1.x: bytes repr removed from the version" "$OUT" '"client_version":"SSH-2.0-paramiko_1.16.0"'
assert_contains "1.x: start" "$OUT" '"start":"2018-05-18T07:57:41.672346Z"'
assert_contains "1.x: login" "$OUT" '"username":"root","password":"admin","success":true'
stats_json "$TMP/old.db"
assert_eq "1.x: events" 4 "$(jnum "$STATS" events)"
assert_eq "1.x: distinct_hassh" 1 "$(jnum "$STATS" distinct_hassh)"
assert_eq "1.x: no unknown events" 0 "$(jnum "$STATS" unknown_events)"
assert_eq "1.x: no bad lines" 0 "$(jnum "$STATS" bad_lines)"
sqlite3 "$TMP/old.db" 'SELECT hassh_algorithms FROM v_sessions' >"$TMP/old.algs"
assert_eq "1.x: HASSH algorithm string kept" "$algs" "$(cat "$TMP/old.algs")"

finish
