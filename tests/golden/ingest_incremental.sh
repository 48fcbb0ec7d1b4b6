#!/usr/bin/env bash
# ingest_incremental.sh — re-runs read only what is new: an unchanged input adds nothing, an
# appended file is read from where the last run stopped, a session split over two daily files
# read in two runs is one session, overlapping files store each event once, a rotation
# (cowrie.json → cowrie.json.1, new cowrie.json) loses and doubles nothing, and a file rewritten
# shorter is read again with a warning.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib_ingest.sh"

# ---- 1. the same input twice ----
mkdir -p "$TMP/a"
sample_log >"$TMP/a/cowrie.json"
DB=$TMP/a.db
assert_exit "first run" 0 "$AP" ingest --db "$DB" "$TMP/a/cowrie.json"
"$AP" stats --json --db "$DB" >"$TMP/a.stats1"
assert_exit "second run" 0 "$AP" ingest --db "$DB" "$TMP/a/cowrie.json"
assert_match "second run: 0 new events" "$ERR" '^ingested 0 events in 0 sessions from 1 file \(0 B, 1 unchanged\)'
"$AP" stats --json --db "$DB" >"$TMP/a.stats2"
assert_files_eq "second run: stats unchanged" "$TMP/a.stats1" "$TMP/a.stats2"
# the same through the directory
assert_exit "third run, as a directory" 0 "$AP" ingest --db "$DB" "$TMP/a"
assert_match "directory re-run: 0 new events" "$ERR" '^ingested 0 events in 0 sessions from 1 file'
"$AP" stats --json --db "$DB" >"$TMP/a.stats3"
assert_files_eq "directory re-run: stats unchanged" "$TMP/a.stats1" "$TMP/a.stats3"

# ---- 2. appended lines: only they are read ----
good_session beef0001 13 3 >"$TMP/more"
cat "$TMP/more" >>"$TMP/a/cowrie.json"
more_bytes=$(wc -c <"$TMP/more")
assert_exit "after append" 0 "$AP" ingest --db "$DB" "$TMP/a/cowrie.json"
assert_match "after append: 5 new events, nothing read twice" "$ERR" \
    "^ingested 5 events in 1 session from 1 file \\($more_bytes B\\)"
assert_not_contains "after append: no warning" "$ERR" "warning"
stats_json "$DB"
assert_eq "after append: events" 22 "$(jnum "$STATS" events)"
assert_eq "after append: sessions" 3 "$(jnum "$STATS" sessions)"
assert_eq "after append: commands" 6 "$(jnum "$STATS" commands)"
assert_eq "after append: files" 1 "$(jnum "$STATS" files)"
# a line being written (no newline yet) is left for the next run, then read whole
printf '%s' "$(ev beef0002 14:00:00.000000 cowrie.session.connect '"protocol":"ssh"')" >>"$TMP/a/cowrie.json"
printf '%s' "$(ev beef0002 14:00:00.000000 cowrie.session.connect '"protocol":"ssh"')" | head -c 40 >"$TMP/partial"
# (the complete line was appended without its newline: it parses, so it may be taken now)
assert_exit "unterminated last line" 0 "$AP" ingest --db "$DB" "$TMP/a/cowrie.json"
printf '\n' >>"$TMP/a/cowrie.json"
assert_exit "its newline arrives" 0 "$AP" ingest --db "$DB" "$TMP/a/cowrie.json"
stats_json "$DB"
assert_eq "unterminated line stored once" 23 "$(jnum "$STATS" events)"
assert_eq "unterminated line: no bad line" 0 "$(jnum "$STATS" bad_lines)"
# a half-written line (does not parse yet) is not a bad line: it is read when complete
line=$(ev beef0003 15:00:00.000000 cowrie.session.connect '"protocol":"telnet"')
printf '%s' "${line:0:40}" >>"$TMP/a/cowrie.json"
assert_exit "half-written last line" 0 "$AP" ingest --db "$DB" "$TMP/a/cowrie.json"
stats_json "$DB"
assert_eq "half-written line: not yet stored" 23 "$(jnum "$STATS" events)"
assert_eq "half-written line: not a bad line" 0 "$(jnum "$STATS" bad_lines)"
printf '%s\n' "${line:40}" >>"$TMP/a/cowrie.json"
assert_exit "the rest of the line arrives" 0 "$AP" ingest --db "$DB" "$TMP/a/cowrie.json"
stats_json "$DB"
assert_eq "completed line stored" 24 "$(jnum "$STATS" events)"
assert_eq "completed line: sessions" 5 "$(jnum "$STATS" sessions)"
assert_eq "completed line: still no bad line" 0 "$(jnum "$STATS" bad_lines)"

# ---- 3. a session split across two daily files, ingested in two runs ----
mkdir -p "$TMP/split"
{
    ev 5ec0000001 23:59:58.000000 cowrie.session.connect '"src_port":1,"dst_ip":"10.1.1.1","dst_port":22,"protocol":"ssh"'
    ev 5ec0000001 23:59:59.000000 cowrie.login.success '"username":"root","password":"x"'
} >"$TMP/split/cowrie.json.2024-05-01"
{
    printf '%s\n' "$(ev 5ec0000001 23:59:59.500000 cowrie.command.input '"input":"uname -a"')" |
        sed 's/2024-05-01T23:59:59.5/2024-05-02T00:00:00.5/'
    printf '%s\n' "$(ev 5ec0000001 00:00:01.000000 cowrie.session.closed '"duration":3.0')" |
        sed 's/2024-05-01/2024-05-02/'
} >"$TMP/split/cowrie.json.2024-05-02"
assert_exit "split: day 1" 0 "$AP" ingest --db "$TMP/split.db" "$TMP/split/cowrie.json.2024-05-01"
assert_exit "split: day 2" 0 "$AP" ingest --db "$TMP/split.db" "$TMP/split/cowrie.json.2024-05-02"
assert_match "split: day 2 updates the open session" "$ERR" '^ingested 2 events in 1 session from 1 file'
stats_json "$TMP/split.db"
assert_eq "split: one session" 1 "$(jnum "$STATS" sessions)"
assert_eq "split: four events" 4 "$(jnum "$STATS" events)"
run "$AP" sessions --json --db "$TMP/split.db"
assert_contains "split: start from day 1" "$OUT" '"start":"2024-05-01T23:59:58.000000Z"'
assert_contains "split: end from day 2" "$OUT" '"end":"2024-05-02T00:00:01.000000Z"'
assert_contains "split: closed with the logged duration" "$OUT" '"duration":3.000,"closed":true'
assert_contains "split: login and command" "$OUT" '"events":4,"logins":[{"time":"2024-05-01T23:59:59.000000Z","username":"root","password":"x","success":true}],"commands":[{"time":"2024-05-02T00:00:00.500000Z","input":"uname -a"'

# ---- 4. overlapping files: the same lines in a rotated .gz and a dated plain file ----
mkdir -p "$TMP/over"
sample_log | head -n 10 | gzip -c >"$TMP/over/cowrie.json.1.gz"
sample_log | tail -n +6 >"$TMP/over/cowrie.json.2024-03-01"
assert_exit "overlap: one run" 0 "$AP" ingest --db "$TMP/over1.db" "$TMP/over"
assert_contains "overlap: 5 duplicates" "$ERR" "ingested 17 events (5 duplicates) in 2 sessions"
"$AP" stats --json --db "$TMP/over1.db" >"$TMP/over1.stats"
sed 's/"files":1,/"files":2,/' "$EXPECTED/ingest_basic.stats.json" >"$TMP/over.expected"
assert_files_eq "overlap: stats" "$TMP/over.expected" "$TMP/over1.stats"
"$AP" sessions --json --db "$TMP/over1.db" >"$TMP/over1.sessions"
assert_files_eq "overlap: sessions" "$EXPECTED/ingest_basic.sessions.jsonl" "$TMP/over1.sessions"
assert_exit "overlap: two runs (gz)" 0 "$AP" ingest --db "$TMP/over2.db" "$TMP/over/cowrie.json.1.gz"
assert_exit "overlap: two runs (plain)" 0 "$AP" ingest --db "$TMP/over2.db" "$TMP/over/cowrie.json.2024-03-01"
"$AP" stats --json --db "$TMP/over2.db" >"$TMP/over2.stats"
assert_files_eq "overlap in two runs: stats" "$TMP/over.expected" "$TMP/over2.stats"
"$AP" sessions --json --db "$TMP/over2.db" >"$TMP/over2.sessions"
assert_files_eq "overlap in two runs: sessions" "$EXPECTED/ingest_basic.sessions.jsonl" "$TMP/over2.sessions"

# ---- 5. rotation: cowrie.json → cowrie.json.1, a new cowrie.json ----
# Files larger than the 4 KiB identity head, as real logs are: 30 padding sessions first.
R=$TMP/rot
mkdir -p "$R"
for i in $(seq 10 39); do good_session "dead00$i" 09 2; done >"$TMP/pad"
pad_events=$((30 * 4))
{ cat "$TMP/pad"; sample_log | head -n 8; } >"$R/cowrie.json"
assert_exit "rotation: before" 0 "$AP" ingest --db "$TMP/rot.db" "$R"
sample_log | sed -n 9,10p >>"$R/cowrie.json" # written after the last run, before rotating
mv "$R/cowrie.json" "$R/cowrie.json.1"
sample_log | tail -n +11 >"$R/cowrie.json"
assert_exit "rotation: after" 0 "$AP" ingest --db "$TMP/rot.db" "$R"
assert_match "rotation: only the 9 new lines read" "$ERR" '^ingested 9 events in 2 sessions from 2 files'
assert_not_contains "rotation: nothing read twice" "$ERR" "duplicate"
assert_not_contains "rotation: no warning" "$ERR" "warning"
stats_json "$TMP/rot.db"
assert_eq "rotation: events" $((17 + pad_events)) "$(jnum "$STATS" events)"
assert_eq "rotation: sessions" 32 "$(jnum "$STATS" sessions)"
assert_eq "rotation: files" 2 "$(jnum "$STATS" files)"
"$AP" sessions --json --db "$TMP/rot.db" --sensor hp1 >"$TMP/rot.sessions"
assert_files_eq "rotation: sessions" "$EXPECTED/ingest_basic.sessions.jsonl" "$TMP/rot.sessions"
# the rotated file is then compressed (cowrie.json.1 → cowrie.json.1.gz): still nothing new
gzip "$R/cowrie.json.1"
assert_exit "rotation: compressed" 0 "$AP" ingest --db "$TMP/rot.db" "$R"
assert_match "rotation: compressed copy adds nothing" "$ERR" '^ingested 0 events in 0 sessions'
assert_not_contains "rotation: compressed copy not read again" "$ERR" "duplicate"
stats_json "$TMP/rot.db"
assert_eq "rotation: compressed copy keeps the events" $((17 + pad_events)) "$(jnum "$STATS" events)"
# the same with a file smaller than the identity head (a quiet sensor): it grew after the last
# run and was then rotated
R2=$TMP/rot2
mkdir -p "$R2"
sample_log | head -n 8 >"$R2/cowrie.json"
assert_exit "small rotation: before" 0 "$AP" ingest --db "$TMP/rot2.db" "$R2"
sample_log | sed -n 9,10p >>"$R2/cowrie.json"
mv "$R2/cowrie.json" "$R2/cowrie.json.1"
sample_log | tail -n +11 >"$R2/cowrie.json"
assert_exit "small rotation: after" 0 "$AP" ingest --db "$TMP/rot2.db" "$R2"
"$AP" sessions --json --db "$TMP/rot2.db" >"$TMP/rot2.sessions"
assert_files_eq "small rotation: sessions" "$EXPECTED/ingest_basic.sessions.jsonl" "$TMP/rot2.sessions"
stats_json "$TMP/rot2.db"
assert_eq "small rotation: events" 17 "$(jnum "$STATS" events)"
assert_match "small rotation: only the 9 new lines read" "$ERR" '^ingested 9 events in 2 sessions from 2 files'
assert_not_contains "small rotation: nothing read twice" "$ERR" "duplicate"

# ---- 6. truncation: the file rewritten shorter is read again, with a warning ----
T=$TMP/trunc
mkdir -p "$T"
{ cat "$TMP/pad"; sample_log; } >"$T/cowrie.json"
assert_exit "truncation: before" 0 "$AP" ingest --db "$TMP/trunc.db" "$T/cowrie.json"
# the same beginning (more than the 4 KiB head), then other, fewer lines
{ head -n 60 "$TMP/pad"; good_session 7a7a0001 20 1; } >"$T/cowrie.json"
assert_exit "truncation: after" 0 "$AP" ingest --db "$TMP/trunc.db" "$T/cowrie.json"
assert_contains "truncation: warning" "$ERR" "$T/cowrie.json: warning: file is shorter than the part already read"
assert_match "truncation: read again, new content stored" "$ERR" 'ingested 3 events \(60 duplicates\) in 1 session from 1 file'
stats_json "$TMP/trunc.db"
assert_eq "truncation: old and new events" $((pad_events + 17 + 3)) "$(jnum "$STATS" events)"
assert_eq "truncation: sessions" 33 "$(jnum "$STATS" sessions)"
# rewritten from scratch (copytruncate, then new lines): a new file at the same path
good_session 7a7a0002 21 1 >"$T/cowrie.json"
assert_exit "rewrite: after" 0 "$AP" ingest --db "$TMP/trunc.db" "$T/cowrie.json"
assert_match "rewrite: new content read" "$ERR" '^ingested 3 events in 1 session'
stats_json "$TMP/trunc.db"
assert_eq "rewrite: events" $((pad_events + 17 + 6)) "$(jnum "$STATS" events)"
assert_eq "rewrite: sessions" 34 "$(jnum "$STATS" sessions)"
# rewritten past the head, same beginning, longer: caught by the check of the last line read
{ cat "$TMP/pad"; sample_log; } >"$T/c2.json"
assert_exit "rewrite past the head: before" 0 "$AP" ingest --db "$TMP/trunc2.db" "$T/c2.json"
{ cat "$TMP/pad"; sample_log | sed 's/nosuchcmd/nosuchcmdXY/g'; } >"$T/c2.json"
assert_exit "rewrite past the head: after" 0 "$AP" ingest --db "$TMP/trunc2.db" "$T/c2.json"
assert_contains "rewrite past the head: warning" "$ERR" "$T/c2.json: warning: content differs from what an earlier run read"
stats_json "$TMP/trunc2.db"
assert_eq "rewrite past the head: the 2 changed lines stored" $((pad_events + 17 + 2)) "$(jnum "$STATS" events)"

finish
