# lib.sh — shared helpers for the golden end-to-end tests of the actorprint CLI.
#
# Source it from a test script (tests/golden/NAME.sh, run by ctest with bash):
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# Environment (set by CMake): AP = the actorprint binary, AP_SRC = the source tree,
# AP_TEST_TMP = a scratch root. The script gets a fresh scratch directory in $TMP.
#
#   run CMD ARGS...                 run a command; sets RC, OUT (stdout), ERR (stderr); never fails
#   assert_eq NAME EXPECTED ACTUAL  exact string equality
#   assert_contains NAME TEXT NEEDLE / assert_not_contains NAME TEXT NEEDLE
#   assert_match NAME TEXT REGEX    bash extended regex
#   assert_exit NAME CODE CMD...    run CMD and check its exit status (RC/OUT/ERR are set too)
#   assert_files_eq NAME EXPECTED_FILE ACTUAL_FILE   byte equality, shows a diff when not
#   skip_test WHY                   exit 77: ctest reports the test as skipped
#   finish                          print "N passed, N failed" and exit 1 on any failure
#
# A failure prints the test name and what differed, then the script goes on, so one run shows
# every difference.

if [ -z "${AP:-}" ] || [ ! -x "${AP}" ]; then
    echo "AP is not set to an executable actorprint binary (AP='${AP:-}')" >&2
    exit 77
fi
AP_SRC=${AP_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
GOLDEN_NAME=$(basename "$0" .sh)
TMP=${AP_TEST_TMP:-/tmp/ap-test}/golden-$GOLDEN_NAME
rm -rf "$TMP" && mkdir -p "$TMP" || { echo "cannot create $TMP" >&2; exit 1; }
GOLDEN_PASSED=0
GOLDEN_FAILED=0

pass() { GOLDEN_PASSED=$((GOLDEN_PASSED + 1)); }
fail() {
    GOLDEN_FAILED=$((GOLDEN_FAILED + 1))
    printf 'FAIL: %s\n' "$*" >&2
}

# Shows a value on one line with control characters visible.
golden_show() { printf '%s' "$1" | head -c 2000 | cat -A | sed 's/^/    | /' >&2; echo >&2; }

run() {
    "$@" >"$TMP/.out" 2>"$TMP/.err"
    RC=$?
    OUT=$(cat "$TMP/.out"; printf x); OUT=${OUT%x}
    ERR=$(cat "$TMP/.err"; printf x); ERR=${ERR%x}
    return 0
}

assert_eq() {
    if [ "$2" == "$3" ]; then pass; else
        fail "$1: not equal"
        echo "  expected:" >&2; golden_show "$2"
        echo "  actual:" >&2; golden_show "$3"
    fi
}

assert_contains() {
    case "$2" in
    *"$3"*) pass ;;
    *) fail "$1: does not contain '$3'"; golden_show "$2" ;;
    esac
}

assert_not_contains() {
    case "$2" in
    *"$3"*) fail "$1: contains '$3'"; golden_show "$2" ;;
    *) pass ;;
    esac
}

assert_match() {
    if [[ "$2" =~ $3 ]]; then pass; else
        fail "$1: does not match /$3/"; golden_show "$2"
    fi
}

assert_exit() {
    local name=$1 code=$2
    shift 2
    run "$@"
    if [ "$RC" -eq "$code" ]; then pass; else
        fail "$name: exit status $RC, expected $code ($*)"
        [ -n "$ERR" ] && { echo "  stderr:" >&2; golden_show "$ERR"; }
    fi
}

assert_files_eq() {
    if cmp -s "$2" "$3"; then pass; else
        fail "$1: $3 differs from $2"
        diff -u "$2" "$3" | head -40 >&2
    fi
}

skip_test() {
    echo "skipped: $*" >&2
    exit 77
}

finish() {
    echo "$GOLDEN_PASSED passed, $GOLDEN_FAILED failed"
    [ "$GOLDEN_FAILED" -eq 0 ]
    exit $?
}
