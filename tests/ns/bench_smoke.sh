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
tmp=$(mktemp -d /tmp/sstbenchsmoke.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() {
	[ -s "$tmp/bench.err" ] && tail -n 20 "$tmp/bench.err" >&2
	echo "FAIL $NAME: $*"
	exit 1
}
[ -x /usr/sbin/nginx ] || { echo "SKIP $NAME: no nginx (tools/install-deps.sh)"; echo "PASS $NAME"; exit 0; }

BENCH_TAG=smoke timeout 170 "$ROOT/tools/bench" --quick --setups nginx,steer-sid --addrs 1 --modes polling --no-ws \
	--quiet-wait 0 --retries 0 --json "$tmp/bench.json" >"$tmp/bench.out" 2>"$tmp/bench.err" ||
	fail "tools/bench exited with $?"
grep -q '^-- polling only' "$tmp/bench.out" || fail "no table in the output"
left=$(ip netns list | grep -c '^sstsmoke' || true)
[ "$left" = 0 ] || fail "$left namespaces left behind"

python3 - "$tmp/bench.json" <<'PY' || fail "unexpected figures"
import json, sys
d = json.load(open(sys.argv[1]))
rows = {r["setup"]: r for r in d["rows"]}
e = []
for s in ("nginx", "steer-sid"):
    if s not in rows:
        e.append(f"no {s} row")
    elif rows[s]["ok"] != rows[s]["sessions"]:
        e.append(f"{s}: {rows[s]['ok']}/{rows[s]['sessions']} ok, failures {rows[s]['fail']}")
if "nginx" in rows and rows["nginx"]["workers_used"] != 1:
    e.append(f"nginx ip_hash used {rows['nginx']['workers_used']} workers for one address")
if "steer-sid" in rows and rows["steer-sid"]["workers_used"] != 4:
    e.append(f"siosteer --key sid used {rows['steer-sid']['workers_used']} workers for one address")
cost = (rows.get("steer-sid") or {}).get("cost") or {}
sel = cost.get("programs", {}).get("select")
if not sel or not sel["runs"]:
    e.append(f"siosteer cost saw no selector run: {cost}")
g = d.get("gate_bench")
if not g or not g.get("ok"):
    e.append(f"gate-bench: {g}")
if e:
    print("; ".join(e))
    sys.exit(1)
s = rows["steer-sid"]
print(f"RESULT one address: nginx ip_hash {rows['nginx']['ok']} ok on 1 worker; siosteer --key sid "
      f"{s['ok']} ok, shares {s['shares_pct']}; selector {sel['ns_per_run']} ns/run over {sel['runs']} runs")
PY
echo "PASS $NAME"
