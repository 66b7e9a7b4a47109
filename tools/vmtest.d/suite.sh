#!/usr/bin/env bash
# The tests the kernel matrix runs in each guest (tools/vmtest.d/matrix.sh): tests/run.sh
# with the names below. Under TCG (VMTEST_ACCEL=tcg, an emulated CPU about 50 times
# slower) SIOSTEER_TEST_SCALE defaults to 0.1: a tenth of the sessions, ten times the
# time limits (tests/lib/checks.sh). Logs go to build/vmtest/logs/<kernel>/ ($VMTEST_DIR).
#   tools/vmtest.d/suite.sh [PATTERN...]   (default: the list below)
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
# Each entry is a tests/run.sh pattern: unit/ is every unit binary (the BPF parser and
# selector tests among them), bpf/ every tests/bpf/*.sh.
tests=(
	ns/sid_one_address
	ns/sid_cookies_bpf
	ns/sid_cookie_flood
	ns/addr_run
	ns/addr_attach
	ns/cli_options
	ns/redis_emit
	ns/redis_drain_local
	ns/redis_bridge_faults
	ns/redis_cluster
	unit/
	bpf/
	ns/sid_browser
)
[[ $# -gt 0 ]] && tests=("$@")
if [[ -z ${SIOSTEER_TEST_SCALE:-} ]]; then
	SIOSTEER_TEST_SCALE=1
	[[ ${VMTEST_ACCEL:-} == tcg ]] && SIOSTEER_TEST_SCALE=0.1
fi
export SIOSTEER_TEST_SCALE BUILD
export TEST_LOG_DIR=${VMTEST_DIR:-build/vmtest}/logs/$(uname -r)
echo "kernel $(uname -r), ${VMTEST_ACCEL:-?}, SIOSTEER_TEST_SCALE=$SIOSTEER_TEST_SCALE, $(nproc) CPUs"
# One tests/run.sh per entry, in this order (the slow guest may run out of time: the tests
# that matter most come first), and the sum of their summaries.
start=$SECONDS
rc=0 passed=0 failed=0 skipped=0
for t in "${tests[@]}"; do
	out=$(tests/run.sh "$t" | tee /dev/stderr | sed -n 's/^tests: //p')
	[[ $out =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped ]] || { rc=1; continue; }
	passed=$((passed + BASH_REMATCH[1])) failed=$((failed + BASH_REMATCH[2]))
	skipped=$((skipped + BASH_REMATCH[3]))
done
((failed == 0)) || rc=1
echo "suite: $((SECONDS - start)) s in the guest"
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $rc
