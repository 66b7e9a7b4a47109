#!/usr/bin/env bash
# Run every test: unit binaries (build/tests/test_*), then each tests/ns/*.sh and
# tests/bpf/*.sh. Each test prints its own PASS/FAIL line; this prints the summary line
# "tests: N passed, N failed" and exits non-zero if anything failed.
#   tests/run.sh [PATTERN]    only tests whose name contains PATTERN
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
pattern=${1:-}
passed=0
failed=0
failures=()
logdir=$BUILD/test-logs
mkdir -p "$logdir"

run_one() {
	local name=$1
	shift
	[ -n "$pattern" ] && [[ $name != *"$pattern"* ]] && return
	local log=$logdir/$name.log start=$SECONDS summary
	mkdir -p "$(dirname "$log")"
	if "$@" >"$log" 2>&1; then
		passed=$((passed + 1))
		# The figures a test measured: its last RESULT line, else its closing line.
		summary=$(grep -E '^RESULT' "$log" | tail -1)
		[ -n "$summary" ] || summary=$(tail -1 "$log")
		printf 'PASS  %-34s %4ds  %s\n' "$name" $((SECONDS - start)) "${summary:0:110}"
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
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
