#!/usr/bin/env bash
# matrix.sh KERNEL...: the kernel matrix (make vmtest). For each kernel, boot it with
# tools/vmtest and run tools/vmtest.d/suite.sh inside (the binaries are the host's build,
# `make test-bins`); then one summary line per kernel: time, PASS/FAIL/SKIP, skip reasons.
# The whole output of each kernel is in build/vmtest/logs/matrix-<KERNEL>.txt, each
# test's log in build/vmtest/logs/<uname -r>/ (under $VMTEST_DIR if set).
#   VMTEST_DIR      where kernels are fetched and logs go (default build/vmtest)
#   VMTEST_TIMEOUT  seconds per kernel, boot included (default 5400)
#   VMTEST_TESTS    tests/run.sh patterns instead of suite.sh's list
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
export BUILD
logs=${VMTEST_DIR:-build/vmtest}/logs
mkdir -p "$logs"
summary=()
rc=0
for k in "$@"; do
	out=$logs/matrix-$k.txt
	start=$SECONDS
	# shellcheck disable=SC2086 # VMTEST_TESTS is a list of patterns
	tools/vmtest -k "$k" -t "${VMTEST_TIMEOUT:-5400}" -- tools/vmtest.d/suite.sh ${VMTEST_TESTS:-} 2>&1 |
		tee "$out"
	krc=${PIPESTATUS[0]}
	((krc == 0)) || rc=1
	counts=$(sed -n 's/^tests: //p' "$out" | tail -1)
	summary+=("$k: exit $krc in $((SECONDS - start)) s: ${counts:-no summary (see $out)}")
	while read -r line; do summary+=("    $line"); done < <(grep -E '^SKIP ' "$out" | sed -E 's/ +/ /g')
done
echo
echo "kernel matrix:"
printf '  %s\n' "${summary[@]}"
exit $rc
