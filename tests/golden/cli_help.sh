#!/usr/bin/env bash
# cli_help.sh — pins the command-line interface itself: --version, help output, the misuse
# messages and exit status 2, and that the committed man page (man/actorprint.1) and
# docs/cli.md are exactly what the program renders from its command table, so the
# documentation cannot drift from the code. Regenerate them with:
#   actorprint --man > man/actorprint.1 && actorprint --markdown > docs/cli.md
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --version
assert_exit "--version" 0 "$AP" --version
assert_match "--version output" "$OUT" '^actorprint [0-9]+\.[0-9]+\.[0-9]+'$'\n''$'
assert_exit "-V" 0 "$AP" -V

# --help: stdout, exit 0, lists commands and exit codes
assert_exit "--help" 0 "$AP" --help
assert_contains "--help lists commands" "$OUT" "Commands:"
assert_contains "--help documents exit codes" "$OUT" "Exit status:"
assert_eq "--help writes nothing on stderr" "" "$ERR"
assert_exit "-h" 0 "$AP" -h
assert_exit "help without a command" 0 "$AP" help
assert_contains "help without a command" "$OUT" "Commands:"

# help ingest: every documented option is there
assert_exit "help ingest" 0 "$AP" help ingest
help_ingest=$OUT
for opt in --db --quiet --threads --max-line --help PATH...; do
    assert_contains "help ingest mentions $opt" "$help_ingest" "$opt"
done
assert_contains "help ingest documents exit 4" "$help_ingest" "  4  Interrupted"
assert_exit "ingest --help" 0 "$AP" ingest --help
assert_eq "ingest --help equals help ingest" "$help_ingest" "$OUT"

# every command of the table has --help, and `help CMD` gives the same text
commands=$("$AP" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
[ -n "$commands" ] && pass || fail "no commands found in --help"
for cmd in $commands; do
    assert_exit "$cmd --help" 0 "$AP" "$cmd" --help
    assert_match "$cmd --help starts with usage" "$OUT" "^usage: actorprint $cmd"
    assert_eq "$cmd --help writes nothing on stderr" "" "$ERR"
    cmd_help=$OUT
    assert_exit "help $cmd" 0 "$AP" help "$cmd"
    assert_eq "help $cmd equals $cmd --help" "$cmd_help" "$OUT"
done

# misuse: exit 2, message on stderr, nothing on stdout
assert_exit "no command" 2 "$AP"
assert_exit "unknown command" 2 "$AP" frobnicate
assert_eq "unknown command message" "actorprint: unknown command 'frobnicate'
Try 'actorprint --help'.
" "$ERR"
assert_eq "unknown command: empty stdout" "" "$OUT"
assert_exit "unknown global option" 2 "$AP" --frobnicate
assert_contains "unknown global option message" "$ERR" "unknown option '--frobnicate'"
assert_exit "unknown option" 2 "$AP" ingest --x
assert_eq "unknown option message" "actorprint: ingest: unknown option '--x'
Try 'actorprint help ingest'.
" "$ERR"
assert_eq "unknown option: empty stdout" "" "$OUT"
assert_exit "unknown short option" 2 "$AP" stats -Z
assert_contains "unknown short option message" "$ERR" "actorprint: stats: unknown option '-Z'"
assert_exit "missing option argument" 2 "$AP" ingest --db
assert_contains "missing option argument message" "$ERR" "option '--db' requires an argument"
assert_exit "argument to a flag" 2 "$AP" stats --json=yes
assert_contains "argument to a flag message" "$ERR" "option '--json' does not take an argument"
assert_exit "ingest without paths" 2 "$AP" ingest --db "$TMP/x.db"
assert_exit "bad number" 2 "$AP" sessions --limit ten
assert_contains "bad number message" "$ERR" "invalid value for --limit: 'ten'"
assert_exit "bad time" 2 "$AP" sessions --since yesterday
assert_exit "bad size" 2 "$AP" simulate --out "$TMP/sim" --size 2X
assert_exit "missing required option" 2 "$AP" simulate
assert_contains "missing required option message" "$ERR" "option '--out DIR' is required"
assert_exit "unexpected operand" 2 "$AP" stats extra
assert_exit "help for an unknown command" 2 "$AP" help frobnicate

# hostile text in a command line never reaches the terminal raw
assert_exit "escape sequence in a command name" 2 "$AP" $'\e[2J\e]0;x\a'
assert_not_contains "no ESC in the message" "$ERR" $'\e'
assert_contains "ESC shown escaped" "$ERR" '\x1b[2J'

# a store that does not exist is a store error (3), not a crash
assert_exit "stats on a missing store" 3 "$AP" stats --db "$TMP/missing.db"
assert_contains "missing store message" "$ERR" "actorprint: stats: "

# the committed documentation is what the program renders
"$AP" --man >"$TMP/actorprint.1"
assert_files_eq "man page is current (actorprint --man > man/actorprint.1)" \
    "$AP_SRC/man/actorprint.1" "$TMP/actorprint.1"
"$AP" --markdown >"$TMP/cli.md"
assert_files_eq "docs/cli.md is current (actorprint --markdown > docs/cli.md)" \
    "$AP_SRC/docs/cli.md" "$TMP/cli.md"
for cmd in $commands; do
    assert_contains "man page documents $cmd" "$(cat "$TMP/actorprint.1")" ".SS $cmd"
done
if command -v groff >/dev/null 2>&1; then
    warnings=$(groff -man -Tutf8 -ww -z "$TMP/actorprint.1" 2>&1)
    assert_eq "man page renders without groff warnings" "" "$warnings"
fi

finish
