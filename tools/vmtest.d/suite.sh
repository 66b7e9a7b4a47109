#!/usr/bin/env bash
# The tests the kernel matrix runs in each guest (tools/vmtest.d/matrix.sh): tests/run.sh
# with the names below. Under TCG (VMTEST_ACCEL=tcg, an emulated CPU about 50 times
# slower) SIOSTEER_TEST_SCALE defaults to 0.1: a tenth of the sessions, ten times the
# time limits (tests/lib/checks.sh). Logs go to $BUILD/vmtest/logs/<kernel>/.
#   tools/vmtest.d/suite.sh [PATTERN...]   (default: the list below)
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
# Each entry is a tests/run.sh pattern: unit/ is every unit binary (the BPF parser and
# selector tests among them), bpf/ every tests/bpf/*.sh.
tests=(
	unit/
	bpf/
	ns/cli_options
	ns/addr_run
	ns/addr_attach
	ns/sid_one_address
	ns/redis_emit
	ns/redis_bridge_faults
	ns/redis_drain_local
	ns/redis_cluster
	ns/sid_browser
)
[[ $# -gt 0 ]] && tests=("$@")
if [[ -z ${SIOSTEER_TEST_SCALE:-} ]]; then
	SIOSTEER_TEST_SCALE=1
	[[ ${VMTEST_ACCEL:-} == tcg ]] && SIOSTEER_TEST_SCALE=0.1
fi
export SIOSTEER_TEST_SCALE BUILD
export TEST_LOG_DIR=$BUILD/vmtest/logs/$(uname -r)
rm -rf "$TEST_LOG_DIR"
echo "kernel $(uname -r), ${VMTEST_ACCEL:-?}, SIOSTEER_TEST_SCALE=$SIOSTEER_TEST_SCALE, $(nproc) CPUs"
start=$SECONDS
tests/run.sh "${tests[@]}"
rc=$?
echo "suite: $((SECONDS - start)) s in the guest"
exit $rc
