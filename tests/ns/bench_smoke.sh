#!/usr/bin/env bash
# Smoke test of tools/bench (BENCHMARKS.md): a --quick run of two setups, nginx ip_hash and
# siosteer --key sid, from ONE client address, polling only. No timing is checked (the
# benchmark is not a test); what must hold: the command runs to its end, cleans up, every
# session of both setups succeeds, ip_hash puts the one address on one worker while
# siosteer spreads it over all four, `siosteer cost` reported the selector's runs, and
# gate-bench's verdicts are the expected ones.
set -u
NAME=bench_smoke
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
# skip, require, $SST_CHECKS (no namespaces here: tools/bench makes its own).
. "$ROOT/tests/lib/checks.sh"
tmp=$(mktemp -d /tmp/sstbenchsmoke.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() {
	[ -s "$tmp/bench.err" ] && tail -n 20 "$tmp/bench.err" >&2
	echo "FAIL $NAME: $*"
	exit 1
}
require root siosteer
[ -x /usr/sbin/nginx ] || skip "no nginx (tools/install-deps.sh)"

BENCH_TAG=smoke timeout 170 "$ROOT/tools/bench" --quick --setups nginx,steer-sid --addrs 1 --modes polling --no-ws \
	--quiet-wait 0 --retries 0 --json "$tmp/bench.json" >"$tmp/bench.out" 2>"$tmp/bench.err" ||
	fail "tools/bench exited with $?"
grep -q '^-- polling only' "$tmp/bench.out" || fail "no table in the output"
left=$(ip netns list | grep -c '^sstsmoke' || true)
[ "$left" = 0 ] || fail "$left namespaces left behind"

python3 "$SST_CHECKS/bench_figures.py" "$tmp/bench.json" || fail "unexpected figures"
echo "PASS $NAME"
