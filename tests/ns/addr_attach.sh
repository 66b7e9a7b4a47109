#!/bin/bash
# `siosteer attach --key addr` with workers that bind the port themselves:
#  1. 4 real socket.io@4 workers (Node 22, listen({reusePort}) on [::]:3000,
#     every connection closed) + `siosteer attach veth0 --port 3000`; 2000
#     polling sessions, one TCP connection per request, from 64 addresses:
#     100% OK, no session saw two pids, one worker per address, 4 workers used.
#  2. A non-Node group on another port at the same time: 4 Python
#     pid-http-workers (SO_REUSEPORT) on 3100 + a second agent; addr-probe
#     from 64 addresses x 8 requests (a new connection each): every address
#     always answered by one pid, all 4 pids used.
#  3. `siosteer detach veth0 --port 3100` exits 0, its agent stops, its pins
#     go, and port 3000 is still steered (its pins and agent untouched).
# Last line: PASS/FAIL addr_attach. Needs root.
# shellcheck source-path=SCRIPTDIR disable=SC2034
set -u
NAME=addr_attach
SST_TAG=aa
# shellcheck source=../lib/netns.sh
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"

# status_pids JSON: sorted, comma-separated pids of the listening slots.
status_pids() { jget "$1" '",".join(sorted(str(s["pid"]) for s in a[0]["slots"] if s["listening"]))'; }

((EUID == 0)) || fail "needs root (network namespaces, BPF)"
[[ -x $SST_NODE ]] || fail "missing $SST_NODE (npm install in tests/)"
[[ -x $SIOSTEER ]] || fail "missing $SIOSTEER (make)"
NADDR=64
SESSIONS=2000
PROBE_REQ=8
netns_setup $NADDR || fail "netns_setup"
mount_test_bpffs || fail "mount bpffs"

# start_group NAME COUNT CMD...: COUNT workers, wait for their ready lines,
# leave their sorted pids (comma list) in $GROUP_PIDS.
start_group() {
	local name=$1 count=$2 i p pids=()
	shift 2
	for ((i = 1; i <= count; i++)); do start_bg "$name$i" ns_srv "$@"; done
	for ((i = 1; i <= count; i++)); do
		wait_for_line "$SST_TMP/$name$i.log" '^ready pid=' 20 || fail "$name$i not ready"
		p=$(sed -n 's/^ready pid=\([0-9]*\).*/\1/p' "$SST_TMP/$name$i.log" | head -1)
		pids+=("$p")
	done
	GROUP_PIDS=$(printf '%s\n' "${pids[@]}" | sort | paste -sd, -)
}
# start_agent NAME PORT: `siosteer attach veth0 --port PORT` in the background.
start_agent() {
	start_bg "$1" ns_srv "$SIOSTEER" attach veth0 --port "$2"
	AGENT_PID=$SST_LAST_PID
	wait_for_line "$SST_TMP/$1.log" "steering port $2 " 15 || fail "$1: attach did not start"
}

# --- 1. Node reusePort workers on 3000 -----------------------------------
start_group sio 4 "$SST_NODE" "$SST_TESTS_DIR/node/sio-worker.js" --port 3000 --host :: --close
SIO_PIDS=$GROUP_PIDS
start_agent agent3000 3000
AGENT3000=$AGENT_PID
status=$(ns_srv "$SIOSTEER" status --port 3000 --json) || fail "status --json 3000 failed"
[[ $(status_pids "$status") == "$SIO_PIDS" ]] ||
	fail "attach found slots $(status_pids "$status"), workers are $SIO_PIDS"
echo "port 3000: workers $SIO_PIDS in slots, generation $(jget "$status" 'a[0]["generation"]')"

OUT=$(ns_cli timeout 120 "$SST_NODE" "$SST_TESTS_DIR/node/sio-clients.js" --url "http://$SST_SRV_ADDR:3000" \
	--sessions $SESSIONS --concurrency 50 --transports polling --new-conn \
	--local-addrs "$SST_CLI_ADDRS" --deadline 100 2>"$SST_TMP/clients.log")
rc=$?
echo "sio-clients: $(jget "$OUT" '{k: v for k, v in a.items() if k not in ("addr_pid", "failed_addrs")}' 2>/dev/null || echo "$OUT")"
[[ -n $OUT ]] || fail "no JSON from sio-clients (rc=$rc)"
why=$(check_clients "$OUT" $SESSIONS "$SIO_PIDS") || fail "port 3000: $why"
((rc == 0)) || fail "sio-clients rc=$rc"
status=$(ns_srv "$SIOSTEER" status --port 3000 --json) || fail "status --json 3000 failed"
echo "status 3000: $status"
sel=$(jget "$status" '"/".join(str(s["selected"]) for s in a[0]["slots"])')
fb=$(jget "$status" 'a[0]["counters"]["fallback"]')
jget "$status" 'all(s["selected"] > 0 for s in a[0]["slots"])' | grep -qx true || fail "a slot has selected 0: $sel"
# No worker died: every pick found its slot's socket (no fallback).
[[ $fb == 0 ]] || fail "fallback counter $fb with all workers alive"

# --- 2. Python workers on 3100, a second agent ----------------------------
start_group py 4 python3 "$SST_TESTS_DIR/workers/pid-http-worker.py" --port 3100
PY_PIDS=$GROUP_PIDS
start_agent agent3100 3100
AGENT3100=$AGENT_PID
status=$(ns_srv "$SIOSTEER" status --port 3100 --json) || fail "status --json 3100 failed"
[[ $(status_pids "$status") == "$PY_PIDS" ]] ||
	fail "attach found slots $(status_pids "$status") on 3100, workers are $PY_PIDS"
PROBE=$(ns_cli timeout 90 python3 "$SST_TESTS_DIR/clients/addr-probe.py" --url "http://$SST_SRV_ADDR:3100/" \
	--local-addrs "$SST_CLI_ADDRS" --requests $PROBE_REQ --deadline 60 --expect-consistent)
rc=$?
echo "addr-probe: $(jget "$PROBE" '{k: v for k, v in a.items() if k != "per_addr"}' 2>/dev/null || echo "$PROBE")"
[[ -n $PROBE ]] || fail "no JSON from addr-probe (rc=$rc)"
why=$(python3 - "$PROBE" "$PY_PIDS" $((NADDR * PROBE_REQ)) <<'PY'
import json, sys
a, pids, n = json.loads(sys.argv[1]), sorted(int(p) for p in sys.argv[2].split(",")), int(sys.argv[3])
e = []
if a["requests"] != n or a["errors"]:
    e.append(f"answers {a['requests']}/{n}, errors {a['errors']}")
mixed = {k: sorted(set(v)) for k, v in a["per_addr"].items() if len(set(v)) != 1}
if mixed:
    e.append(f"{len(mixed)} addresses met several pids, e.g. {next(iter(mixed.items()))}")
used = sorted({p for v in a["per_addr"].values() for p in v})
if used != pids:
    e.append(f"pids used {used} != workers {pids}")
print("; ".join(e))
sys.exit(1 if e else 0)
PY
) || fail "port 3100: $why"
((rc == 0)) || fail "addr-probe rc=$rc"
per_py=$(jget "$PROBE" '"/".join(str(sum(1 for v in a["per_addr"].values() if v[0] == p)) for p in sorted({v[0] for v in a["per_addr"].values()}))')

# --- 3. detach 3100 only -------------------------------------------------
det=$(ns_srv "$SIOSTEER" detach veth0 --port 3100 2>&1)
rc=$?
echo "detach 3100 (rc $rc): $det"
((rc == 0)) || fail "detach veth0 --port 3100 exited $rc: $det"
for ((i = 0; i < 50; i++)); do kill -0 "$AGENT3100" 2>/dev/null || break; sleep 0.1; done
kill -0 "$AGENT3100" 2>/dev/null && fail "agent of 3100 still running after detach"
wait "$AGENT3100"
rc=$?
((rc == 0)) || fail "agent of 3100 exited $rc after detach"
[[ -e $SIOSTEER_PIN_ROOT/3100 ]] && fail "pins of 3100 left: $(ls "$SIOSTEER_PIN_ROOT/3100")"
ns_srv "$SIOSTEER" status --port 3100 >/dev/null 2>&1 && fail "status still shows port 3100 after detach"
# The other port's agent and pins are untouched.
kill -0 "$AGENT3000" 2>/dev/null || fail "detach of 3100 stopped the agent of 3000"
status=$(ns_srv "$SIOSTEER" status --port 3000 --json) || fail "status 3000 failed after detach of 3100"
[[ $(status_pids "$status") == "$SIO_PIDS" ]] || fail "port 3000 slots changed after detach of 3100"

echo "RESULT node: $(jget "$OUT" 'a["ok"]')/$SESSIONS ok from $NADDR addrs, per pid" \
	"$(jget "$OUT" '"/".join(str(v) for v in a["per_pid"].values())'), $(jget "$OUT" 'a["elapsed_s"]') s, selected $sel, fallback $fb;" \
	"python: $(jget "$PROBE" 'a["requests"]') answers, $(jget "$PROBE" 'a["distinct_pids"]') pids, addrs per pid $per_py; detach rc 0"
echo "PASS $NAME"
