# shellcheck shell=bash disable=SC2034
# (SC2034: SST_HELPERS, SIOLOAD... are for the sourcing test.)
# Checks shared by the namespace tests (sourced by tests/lib/netns.sh, so every test has
# them): the binaries under test, what a test needs to run, failing with the logs,
# skipping, reading JSON results. A test that sources only this file (no namespaces)
# gets everything but what uses $SST_TMP.

SST_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SIOSTEER=${SIOSTEER:-$(cd "$SST_LIB_DIR/../.." && pwd)/${BUILD:-build}/siosteer}
SIOLOAD=${SIOLOAD:-$(dirname "$SIOSTEER")/sioload}
# The Python the tests run, out of line: checks/*.py judge results (exit 1 and say why),
# helpers/*.py are clients, servers and data the tests use.
SST_CHECKS=$SST_LIB_DIR/checks
SST_HELPERS=$SST_LIB_DIR/helpers

# Exit status of a test that cannot run here because something it needs is missing (not
# root, a tool not installed): tests/run.sh reports it as SKIP, neither PASS nor FAIL.
# 77, as automake's test drivers. Where CI=true, run.sh fails a skip unless its
# SKIP_ALLOWED_ON_CI list names the test.
SST_SKIP_RC=77

# SIOSTEER_TEST_SCALE (a number in (0, 1], default 1): how much load the tests generate.
# tools/vmtest's matrix sets 0.1 when the guest runs under TCG (an emulated CPU, about 50
# times slower): a test's session counts are multiplied by it (`scaled`) and time limits
# divided by it (`stretched`), so a run does the same kind of work in bounded time.
SST_SCALE=${SIOSTEER_TEST_SCALE:-1}
awk -v s="$SST_SCALE" 'BEGIN { exit !(s + 0 > 0 && s + 0 <= 1) }' || {
	echo "SIOSTEER_TEST_SCALE=$SST_SCALE: want a number in (0, 1]" >&2
	exit 1
}
# scaled N [MIN]: N (sessions, requests) at this scale, rounded, at least MIN (default 1).
scaled() { awk -v n="$1" -v s="$SST_SCALE" -v m="${2:-1}" 'BEGIN { v = int(n * s + 0.5); print (v < m ? m : v) }'; }
# stretched T: T (seconds) at this scale, rounded up.
stretched() { awk -v t="$1" -v s="$SST_SCALE" 'BEGIN { v = t / s; print (v == int(v) ? v : int(v) + 1) }'; }

# skip REASON: print `SKIP $NAME: REASON` and exit $SST_SKIP_RC (cleanup traps still run).
skip() {
	echo "SKIP ${NAME:-$(basename "$0" .sh)}: $*"
	exit "$SST_SKIP_RC"
}

# require WHAT...: what the test needs, checked before it sets anything up.
#   root      root (namespaces, BPF): skip without
#   node      the Node of tests/node_modules ($SST_NODE, `make deps`): skip without
#   siosteer  $SIOSTEER, sioload  $SIOLOAD: built by `make`, so FAIL without
#   CMD       any other word, a command on PATH (tools/install-deps.sh): skip without
require() {
	local w
	for w in "$@"; do
		case $w in
		root) ((EUID == 0)) || skip "needs root (network namespaces, BPF)" ;;
		node) [[ -x ${SST_NODE:-} ]] || skip "missing ${SST_NODE:-the Node of tests/node_modules} (make deps)" ;;
		siosteer) [[ -x $SIOSTEER ]] || fail "missing $SIOSTEER (make)" ;;
		sioload) [[ -x $SIOLOAD ]] || fail "missing $SIOLOAD (make)" ;;
		*) command -v "$w" >/dev/null || skip "$w not installed (tools/install-deps.sh)" ;;
		esac
	done
}

# fail WHY: print the tail of every log of this test, then `FAIL $NAME: WHY`; exit 1.
# A test whose logs are mostly progress lines sets SST_FAIL_SKIP to a grep -E pattern of
# lines to leave out (e.g. '^(session|tick|ready|stats) '), so the tail shows the errors.
fail() {
	local f
	for f in "${SST_TMP:-/nonexistent}"/*.log; do
		[[ -s $f ]] || continue
		echo "--- $f"
		if [[ -n ${SST_FAIL_SKIP:-} ]]; then grep -Ev "$SST_FAIL_SKIP" "$f"; else cat "$f"; fi |
			tail -n 20 | cut -c1-300
	done >&2
	echo "FAIL $NAME: $*"
	exit 1
}

# ms: the time now, in milliseconds.
ms() { date +%s%3N; }

# json JSON KEY: a top-level field of a JSON object, as JSON.
json() { python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])[sys.argv[2]]))' "$1" "$2"; }

# jget JSON PYEXPR: a value from JSON `a` (python expression), for messages.
jget() {
	python3 -c 'import json,sys; a=json.loads(sys.argv[1]); v=eval(sys.argv[2]); print(json.dumps(v) if isinstance(v,(dict,list,bool)) or v is None else v)' "$1" "$2"
}

# check_clients JSON N PIDS: what every address-steered run must show. Prints
# all problems at once; exit 1 if any.
check_clients() { python3 "$SST_CHECKS/clients_addr_steered.py" "$@"; }

# one_line_error [-q] LABEL REGEX CMD...: CMD must exit != 0 with exactly one line on
# stderr, matching REGEX (grep -E), and with -q nothing on stdout. Prints what it said;
# fails the test otherwise; counts the cases that passed in $BAD.
one_line_error() {
	local quiet="" label re rc lines
	[[ $1 == -q ]] && { quiet=1; shift; }
	label=$1 re=$2
	shift 2
	"$@" >"$SST_TMP/bad.out" 2>"$SST_TMP/bad.err"
	rc=$?
	lines=$(wc -l <"$SST_TMP/bad.err")
	echo "$label: rc $rc: $(cat "$SST_TMP/bad.err")"
	((rc != 0)) || fail "$label: exit 0"
	((lines == 1)) || fail "$label: $lines lines on stderr"
	[[ -n $quiet && -s $SST_TMP/bad.out ]] && fail "$label: wrote to stdout"
	grep -qE -e "$re" "$SST_TMP/bad.err" || fail "$label: message does not match /$re/"
	BAD=$((${BAD:-0} + 1))
}
