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

require root node siosteer
NADDR=64
SESSIONS=$(scaled 2000)
PROBE_REQ=8
netns_bpf_setup $NADDR

# attach_group NAME PORT CMD...: 4 workers CMD (that listen on PORT) in the server namespace
# and `siosteer attach veth0 --port PORT`, whose slots must hold exactly those workers.
# Leaves $WORKER_PIDS, $AGENT_PID, and the status in $status.
attach_group() {
	local name=$1 port=$2
	shift 2
	start_workers "$name" 4 ns_srv "$@"
	start_agent "agent$port" ns_srv "$SIOSTEER" attach veth0 --port "$port"
	status=$(agent_status "$port") || fail "status --json $port failed"
	[[ $(status_pids "$status") == "$WORKER_PIDS" ]] ||
		fail "attach found slots $(status_pids "$status") on $port, workers are $WORKER_PIDS"
}

# --- 1. Node reusePort workers on 3000 -----------------------------------
attach_group sio 3000 "$SST_NODE" "$SST_TESTS_DIR/node/sio-worker.js" --port 3000 --host :: --close
SIO_PIDS=$WORKER_PIDS
AGENT3000=$AGENT_PID
echo "port 3000: workers $SIO_PIDS in slots, generation $(jget "$status" 'a[0]["generation"]')"

sio_clients port3000 120 --url "http://$SST_SRV_ADDR:3000" --sessions $SESSIONS --concurrency 50 \
	--transports polling --new-conn --local-addrs "$SST_CLI_ADDRS" --deadline 100
addr_steered "port 3000" $SESSIONS "$SIO_PIDS"
status=$(agent_status 3000) || fail "status --json 3000 failed"
echo "status 3000: $status"
sel=$(jget "$status" '"/".join(str(s["selected"]) for s in a[0]["slots"])')
fb=$(jget "$status" 'a[0]["counters"]["fallback"]')
jget "$status" 'all(s["selected"] > 0 for s in a[0]["slots"])' | grep -qx true || fail "a slot has selected 0: $sel"
# No worker died: every pick found its slot's socket (no fallback).
[[ $fb == 0 ]] || fail "fallback counter $fb with all workers alive"

# --- 2. Python workers on 3100, a second agent ----------------------------
attach_group py 3100 python3 "$SST_TESTS_DIR/workers/pid-http-worker.py" --port 3100
PY_PIDS=$WORKER_PIDS
AGENT3100=$AGENT_PID
PROBE=$(ns_cli timeout "$(stretched 90)" python3 "$SST_TESTS_DIR/clients/addr-probe.py" --url "http://$SST_SRV_ADDR:3100/" \
	--local-addrs "$SST_CLI_ADDRS" --requests $PROBE_REQ --deadline "$(stretched 60)" --expect-consistent)
rc=$?
echo "addr-probe: $(jget "$PROBE" '{k: v for k, v in a.items() if k != "per_addr"}' 2>/dev/null || echo "$PROBE")"
[[ -n $PROBE ]] || fail "no JSON from addr-probe (rc=$rc)"
why=$(python3 "$SST_CHECKS/addr_probe_consistent.py" "$PROBE" "$PY_PIDS" $((NADDR * PROBE_REQ))) ||
	fail "port 3100: $why"
((rc == 0)) || fail "addr-probe rc=$rc"
per_py=$(jget "$PROBE" '"/".join(str(sum(1 for v in a["per_addr"].values() if v[0] == p)) for p in sorted({v[0] for v in a["per_addr"].values()}))')

# --- 3. detach 3100 only -------------------------------------------------
det=$(ns_srv "$SIOSTEER" detach veth0 --port 3100 2>&1)
rc=$?
echo "detach 3100 (rc $rc): $det"
((rc == 0)) || fail "detach veth0 --port 3100 exited $rc: $det"
wait_exit "$AGENT3100" 5 || fail "agent of 3100 still running after detach"
((EXIT_RC == 0)) || fail "agent of 3100 exited $EXIT_RC after detach"
[[ -e $SIOSTEER_PIN_ROOT/3100 ]] && fail "pins of 3100 left: $(ls "$SIOSTEER_PIN_ROOT/3100")"
ns_srv "$SIOSTEER" status --port 3100 >/dev/null 2>&1 && fail "status still shows port 3100 after detach"
# The other port's agent and pins are untouched.
kill -0 "$AGENT3000" 2>/dev/null || fail "detach of 3100 stopped the agent of 3000"
status=$(agent_status 3000) || fail "status 3000 failed after detach of 3100"
[[ $(status_pids "$status") == "$SIO_PIDS" ]] || fail "port 3000 slots changed after detach of 3100"

echo "RESULT node: $(jget "$OUT" 'a["ok"]')/$SESSIONS ok from $NADDR addrs, per pid" \
	"$(jget "$OUT" '"/".join(str(v) for v in a["per_pid"].values())'), $(jget "$OUT" 'a["elapsed_s"]') s, selected $sel, fallback $fb;" \
	"python: $(jget "$PROBE" 'a["requests"]') answers, $(jget "$PROBE" 'a["distinct_pids"]') pids, addrs per pid $per_py; detach rc 0"
echo "PASS $NAME"
