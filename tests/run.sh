#!/usr/bin/env bash
# Run every test: unit binaries (build/tests/test_*), then each tests/ns/*.sh and
# tests/bpf/*.sh. Each test prints its own PASS/FAIL/SKIP line; this prints one line per
# test and the summary line "tests: N passed, N failed, N skipped", and exits non-zero if
# anything failed.
#   tests/run.sh [PATTERN...]   only tests whose name contains one of the PATTERNs
# TEST_LOG_DIR: where each test's log goes (default $BUILD/test-logs).
# A test that cannot run here (a prerequisite is missing) exits 77 after printing
# `SKIP <name>: <reason>` (tests/lib/checks.sh: skip). Where CI=true, a skipped test counts
# as failed unless SKIP_ALLOWED_ON_CI below names it, with the reason it may skip there.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
patterns=("$@")
SKIP_RC=77 # tests/lib/checks.sh: SST_SKIP_RC
# Tests that may skip on CI too: name (as printed below) -> why. None may, today.
declare -A SKIP_ALLOWED_ON_CI=()
passed=0
failed=0
skipped=0
failures=()
logdir=${TEST_LOG_DIR:-$BUILD/test-logs}
mkdir -p "$logdir"

run_one() {
	local name=$1 rc
	shift
	if [ ${#patterns[@]} -gt 0 ]; then
		local p hit=""
		for p in "${patterns[@]}"; do [[ $name == *"$p"* ]] && hit=1; done
		[ -n "$hit" ] || return
	fi
	local log=$logdir/$name.log start=$SECONDS summary reason
	mkdir -p "$(dirname "$log")"
	"$@" >"$log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		# The figures a test measured: its last RESULT line, else its closing line.
		summary=$(grep -E '^RESULT' "$log" | tail -1)
		[ -n "$summary" ] || summary=$(tail -1 "$log")
		printf 'PASS  %-34s %4ds  %s\n' "$name" $((SECONDS - start)) "${summary:0:110}"
	elif [ "$rc" -eq "$SKIP_RC" ]; then
		reason=$(sed -n 's/^SKIP [^:]*: //p' "$log" | tail -1)
		reason=${reason:-$(tail -1 "$log")}
		if [ "${CI:-}" = true ] && [ -z "${SKIP_ALLOWED_ON_CI[$name]:-}" ]; then
			failed=$((failed + 1))
			failures+=("$name")
			printf 'FAIL  %-34s %4ds  skipped on CI, not allowed (SKIP_ALLOWED_ON_CI in tests/run.sh): %s\n' \
				"$name" $((SECONDS - start)) "$reason"
		else
			skipped=$((skipped + 1))
			printf 'SKIP  %-34s %4ds  %s\n' "$name" $((SECONDS - start)) "${reason:0:110}"
		fi
	else
		failed=$((failed + 1))
		failures+=("$name")
		printf 'FAIL  %-34s %4ds  (log: %s)\n' "$name" $((SECONDS - start)) "$log"
		tail -n 25 "$log" | sed 's/^/      | /'
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] && run_one "unit/$(basename "$t")" "$t"
done
[ -x "$BUILD/sioload" ] && run_one "tools/sioload_selftest" bash tools/sioload/selftest.sh
for t in tests/bpf/*.sh tests/ns/*.sh; do
	[ -f "$t" ] && run_one "$(basename "$(dirname "$t")")/$(basename "$t" .sh)" bash "$t"
done

[ ${#failures[@]} -eq 0 ] || echo "failed: ${failures[*]}"
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
