# lib_ingest.sh — helpers shared by the ingest golden tests (ingest_*.sh, simulate.sh,
# real_logs.sh): a small hand-written Cowrie log, a generator of single events, reading numbers
# out of `stats --json`, and a canonical dump of a store for comparing two stores by content.
# Source it after lib.sh:
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   . "$(dirname "${BASH_SOURCE[0]}")/lib_ingest.sh"
#
#   sample_log                  print the 17-line, 2-session sample log (ssh + telnet) on stdout
#   ev SESSION HH:MM:SS.ffffff EVENTID [EXTRA_FIELDS]
#                               print one event of sensor "t1" on 2024-05-01 (EXTRA_FIELDS is raw
#                               JSON text such as '"input":"ls"')
#   good_session SESSION HH [N] print a closed ssh session of N commands (default 2) at hour HH:
#                               N + 2 events
#   stats_json DB               set STATS to `stats --json` of DB
#   jnum JSON KEY               the integer value of "KEY" in flat JSON text ("" when absent)
#   ingest_q DB PATH...         run `ingest --db DB PATH...` through `run` (RC, OUT, ERR set)
#   canon_dump DB               print the schema (tables, indexes, views) and every table of DB
#                               in a canonical order, without row ids, store-wide counters and
#                               times of the run, so two stores holding the same content dump
#                               identically
#   have_python                 true when python3 is usable

EXPECTED=$AP_SRC/tests/golden/expected

sample_log() {
    cat <<'EOF'
{"eventid":"cowrie.session.connect","src_ip":"203.0.113.7","src_port":51234,"dst_ip":"10.0.0.5","dst_port":22,"session":"a1b2c3d4e5f6","protocol":"ssh","message":"New connection: 203.0.113.7:51234 (10.0.0.5:22) [session: a1b2c3d4e5f6]","sensor":"hp1","timestamp":"2024-03-01T10:00:00.000000Z"}
{"eventid":"cowrie.client.version","version":"SSH-2.0-libssh_0.9.6","message":"Remote SSH version: SSH-2.0-libssh_0.9.6","sensor":"hp1","timestamp":"2024-03-01T10:00:00.100000Z","src_ip":"203.0.113.7","session":"a1b2c3d4e5f6"}
{"eventid":"cowrie.client.kex","hassh":"51cba57125523ce4b9db67714a90bf6e","hasshAlgorithms":"curve25519-sha256;aes128-ctr;hmac-sha2-256;none","kexAlgs":["curve25519-sha256"],"keyAlgs":["ssh-rsa"],"encCS":["aes128-ctr"],"macCS":["hmac-sha2-256"],"compCS":["none"],"langCS":[""],"message":"SSH client hassh fingerprint: 51cba57125523ce4b9db67714a90bf6e","sensor":"hp1","timestamp":"2024-03-01T10:00:00.200000Z","src_ip":"203.0.113.7","session":"a1b2c3d4e5f6"}
{"eventid":"cowrie.login.failed","username":"root","password":"123456","message":"login attempt [root/123456] failed","sensor":"hp1","timestamp":"2024-03-01T10:00:01.000000Z","src_ip":"203.0.113.7","session":"a1b2c3d4e5f6"}
{"eventid":"cowrie.login.success","username":"root","password":"p\"a\\ss","message":"login attempt [root/p\"a\\ss] succeeded","sensor":"hp1","timestamp":"2024-03-01T10:00:02.000000Z","src_ip":"203.0.113.7","session":"a1b2c3d4e5f6"}
{"eventid":"cowrie.client.size","width":120,"height":40,"message":"Terminal Size: 120 40","sensor":"hp1","timestamp":"2024-03-01T10:00:02.100000Z","src_ip":"203.0.113.7","session":"a1b2c3d4e5f6"}
{"eventid":"cowrie.session.params","arch":"linux-x64-lsb","message":[],"sensor":"hp1","timestamp":"2024-03-01T10:00:02.200000Z","src_ip":"203.0.113.7","session":"a1b2c3d4e5f6"}
{"eventid":"cowrie.command.input","input":"echo \"it's\" \\x41\tdone caf\u00e9 日本","message":"CMD: ...","sensor":"hp1","timestamp":"2024-03-01T10:00:03.000000Z","src_ip":"203.0.113.7","session":"a1b2c3d4e5f6"}
{"eventid":"cowrie.command.input","input":"nosuchcmd -x","message":"CMD: nosuchcmd -x","sensor":"hp1","timestamp":"2024-03-01T10:00:04.000000Z","src_ip":"203.0.113.7","session":"a1b2c3d4e5f6"}
{"eventid":"cowrie.command.failed","input":"nosuchcmd -x","message":"Command not found: nosuchcmd -x","sensor":"hp1","timestamp":"2024-03-01T10:00:04.000500Z","src_ip":"203.0.113.7","session":"a1b2c3d4e5f6"}
{"eventid":"cowrie.session.file_download","url":"http://198.51.100.9/x.sh","outfile":"var/lib/cowrie/downloads/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","shasum":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","destfile":"/tmp/x.sh","duplicate":false,"message":"Downloaded URL","sensor":"hp1","timestamp":"2024-03-01T10:00:05.000000Z","src_ip":"203.0.113.7","session":"a1b2c3d4e5f6"}
{"eventid":"cowrie.direct-tcpip.request","dst_ip":"example.com","dst_port":443,"src_ip":"127.0.0.1","src_port":0,"message":"direct-tcp connection request to example.com:443 from 127.0.0.1:0","sensor":"hp1","timestamp":"2024-03-01T10:00:06.000000Z","session":"a1b2c3d4e5f6"}
{"eventid":"cowrie.session.closed","duration":12.5,"message":"Connection lost after 12 seconds","sensor":"hp1","timestamp":"2024-03-01T10:00:12.500000Z","src_ip":"203.0.113.7","session":"a1b2c3d4e5f6"}
{"eventid":"cowrie.session.connect","src_ip":"198.51.100.23","src_port":40000,"dst_ip":"10.0.0.5","dst_port":23,"session":"0011aabb","protocol":"telnet","message":"New connection: 198.51.100.23:40000 (10.0.0.5:23) [session: 0011aabb]","sensor":"hp1","timestamp":"2024-03-01T11:00:00.000000Z"}
{"eventid":"cowrie.login.success","username":"admin","password":"admin","message":"login attempt [admin/admin] succeeded","sensor":"hp1","timestamp":"2024-03-01T11:00:01.000000Z","src_ip":"198.51.100.23","session":"0011aabb"}
{"eventid":"cowrie.command.input","input":"sh","message":"CMD: sh","sensor":"hp1","timestamp":"2024-03-01T11:00:02.000000Z","src_ip":"198.51.100.23","session":"0011aabb"}
{"eventid":"cowrie.session.closed","duration":3.25,"message":"Connection lost after 3 seconds","sensor":"hp1","timestamp":"2024-03-01T11:00:03.250000Z","src_ip":"198.51.100.23","session":"0011aabb"}
EOF
}

ev() {
    printf '{"eventid":"%s","session":"%s","sensor":"t1","src_ip":"192.0.2.1","timestamp":"2024-05-01T%sZ"%s}\n' \
        "$3" "$1" "$2" "${4:+,$4}"
}

good_session() {
    local s=$1 h=$2 n=${3:-2} i
    ev "$s" "$h:00:00.000000" cowrie.session.connect \
        '"src_port":4444,"dst_ip":"10.1.1.1","dst_port":22,"protocol":"ssh"'
    for ((i = 1; i <= n; i++)); do
        ev "$s" "$h:00:0$((i % 10)).$(printf '%06d' "$i")" cowrie.command.input "\"input\":\"cmd $s $i\""
    done
    ev "$s" "$h:00:59.000000" cowrie.session.closed '"duration":59.0'
}

stats_json() {
    STATS=$("$AP" stats --json --db "$1")
}

jnum() {
    printf '%s' "$1" | grep -o "\"$2\":[0-9]*" | head -1 | cut -d: -f2
}

ingest_q() {
    local db=$1
    shift
    run "$AP" ingest --db "$db" "$@"
}

canon_dump() {
    sqlite3 -batch "$1" <<'EOF'
.mode list
.separator |
.nullvalue <null>
SELECT 'schema', type, name, tbl_name, sql FROM sqlite_master ORDER BY 2, 3, 4, 5;
SELECT 'meta', key, value FROM meta WHERE key NOT IN ('created_us', 'next_seq') ORDER BY 1, 2, 3;
SELECT 'strings', id, s, hex(z) FROM strings ORDER BY 2, 3, 4;
SELECT 'sensors', name FROM sensors ORDER BY 2;
SELECT 'sessions', sensor, session, protocol, src_ip, src_port, dst_ip, dst_port, start_us, end_us,
       duration, closed, client_version, hassh, hassh_algorithms, arch, term_width, term_height,
       events, (SELECT hex(hashes) FROM sessions s WHERE s.id = v.id)
  FROM v_sessions v ORDER BY 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20;
SELECT 'logins', sensor, session, ts_us, username, password, success
  FROM v_logins ORDER BY 2, 3, 4, 5, 6, 7;
SELECT 'commands', sensor, session, ts_us, input, success FROM v_commands ORDER BY 2, 3, 4, 5, 6;
SELECT 'transfers', sensor, session, ts_us, kind, url, shasum, outfile, filename, duplicate
  FROM v_transfers ORDER BY 2, 3, 4, 5, 6, 7, 8, 9, 10;
SELECT 'client_keys', sensor, session, ts_us, fingerprint, key, key_type, username
  FROM v_client_keys ORDER BY 2, 3, 4, 5, 6, 7, 8;
SELECT 'forwards', sensor, session, ts_us, dst_host, dst_port, fwd_src_ip, fwd_src_port, data,
       hex(data_zstd) FROM v_forwards ORDER BY 2, 3, 4, 5, 6, 7, 8, 9, 10;
SELECT 'ttylogs', sensor, session, ts_us, path, shasum, size, duration, duplicate
  FROM v_ttylogs ORDER BY 2, 3, 4, 5, 6, 7, 8, 9;
SELECT 'raw_events', sensor, session, ts_us, eventid, unknown, line
  FROM v_raw_events ORDER BY 2, 3, 4, 5, 6, 7;
SELECT 'files', path, dev, ino, disk_size, compression, head_hash, head_len, offset, lines, complete
  FROM files ORDER BY 2, 3, 4, 5, 6, 7, 8, 9, 10, 11;
SELECT 'rejects', file, line, offset, reason, hex(head), full_len FROM v_rejects ORDER BY 2, 3, 4, 5, 6, 7;
EOF
}

have_python() {
    command -v python3 >/dev/null 2>&1 && python3 -c 'import json' 2>/dev/null
}
