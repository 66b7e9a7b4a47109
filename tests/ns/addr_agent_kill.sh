#!/bin/bash
# The attach agent is only a helper: steering lives in the kernel and the
# pins. 4 real socket.io@4 workers (Node 22 reusePort on [::]:3000, every
# connection closed) + `siosteer attach veth0 --port 3000`:
#  1. 500 polling sessions (one TCP connection per request) from 64
#     addresses: all OK; record the address -> pid map and the generation.
#  2. SIGKILL the agent. `status` still works and says it is not running;
#     500 more sessions: all OK with the SAME address -> pid map.
#  3. A new agent adopts the pinned state: its log says "adopted pinned
#     state ... 0 client address buckets moved", status shows the same
#     generation and the new agent; 500 more sessions, same map again.
#  4. `siosteer detach veth0 --port 3000`: exit 0, agent gone, pins gone.
#     Then the kernel hashes connections again, so sessions now FAIL
#     ("Session ID unknown"): proof that detach really removed the program
#     (and that these checks do fail without steering).
# Last line: PASS/FAIL addr_agent_kill. Needs root.
# shellcheck source-path=SCRIPTDIR disable=SC2034,SC2153
set -u
NAME=addr_agent_kill
SST_TAG=ak
# shellcheck source=../lib/netns.sh
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"

# same_map JSON_A JSON_B: the address -> pid maps of two runs are equal.
same_map() { python3 "$SST_CHECKS/same_addr_map.py" "$1" "$2"; }

require root node siosteer
PORT=3000
NADDR=64
SESSIONS=500
netns_bpf_setup $NADDR
# While no agent runs, only `detach` removes the pins (umount would too).
on_cleanup "ip netns exec $SST_NS_SRV $SIOSTEER detach veth0 --port $PORT"

start_workers sio 4 ns_srv "$SST_NODE" "$SST_TESTS_DIR/node/sio-worker.js" --port $PORT --host :: --close
SIO_PIDS=$WORKER_PIDS

# run_clients LABEL: SESSIONS sessions; asserts the figures, JSON in $OUT.
run_clients() {
	sio_clients "$1" 100 --url "http://$SST_SRV_ADDR:$PORT" --sessions $SESSIONS --concurrency 40 \
		--transports polling --new-conn --local-addrs "$SST_CLI_ADDRS" --deadline 80
	addr_steered "$1" $SESSIONS "$SIO_PIDS"
}

# --- 1. first agent --------------------------------------------------------
start_agent agent1 ns_srv "$SIOSTEER" attach veth0 --port $PORT
AGENT1=$AGENT_PID
st=$(agent_status $PORT) || fail "status --json failed"
GEN=$(jget "$st" 'a[0]["generation"]')
[[ $(status_pids "$st") == "$SIO_PIDS" ]] ||
	fail "slots do not hold the 4 workers $SIO_PIDS: $st"
run_clients agent-1
OUT1=$OUT

# --- 2. agent SIGKILLed: steering stays ------------------------------------
kill -KILL "$AGENT1"
wait "$AGENT1" 2>/dev/null
st=$(agent_status $PORT) || fail "status --json failed with the agent dead"
echo "status (agent killed): $st"
[[ $(jget "$st" 'a[0]["agent_running"]') == false ]] || fail "status says the killed agent is running"
[[ $(jget "$st" 'a[0]["generation"]') == "$GEN" ]] || fail "generation changed after the agent died"
txt=$(ns_srv "$SIOSTEER" status --port $PORT) || fail "status (text) failed with the agent dead"
grep -q 'agent: not running' <<<"$txt" || fail "status text does not say 'agent: not running': $txt"
run_clients no-agent
OUT2=$OUT
why=$(same_map "$OUT1" "$OUT2") || fail "without the agent: $why"

# --- 3. a new agent adopts ---------------------------------------------------
start_agent agent2 ns_srv "$SIOSTEER" attach veth0 --port $PORT
AGENT2=$AGENT_PID
adopt=$(grep 'adopted pinned state' "$SST_TMP/agent2.log") || fail "second agent did not say 'adopted pinned state'"
echo "agent2: $adopt"
grep -qE "adopted pinned state of port $PORT: table generation $GEN, 0 client address buckets moved" <<<"$adopt" ||
	fail "adoption line does not say generation $GEN and 0 moved buckets: $adopt"
st=$(agent_status $PORT) || fail "status --json failed"
[[ $(jget "$st" 'a[0]["generation"]') == "$GEN" ]] || fail "generation $(jget "$st" 'a[0]["generation"]') after adoption, was $GEN"
[[ $(jget "$st" 'a[0]["agent_running"]') == true && $(jget "$st" 'a[0]["agent_pid"]') == "$AGENT2" ]] ||
	fail "status does not show the new agent $AGENT2: $st"
[[ $(status_pids "$st") == "$SIO_PIDS" ]] ||
	fail "after adoption the slots do not hold the 4 workers $SIO_PIDS: $st"
run_clients adopted
OUT3=$OUT
why=$(same_map "$OUT1" "$OUT3") || fail "after adoption: $why"

# --- 4. detach ---------------------------------------------------------------
det=$(ns_srv "$SIOSTEER" detach veth0 --port $PORT 2>&1)
rc=$?
echo "detach (rc $rc): $det"
((rc == 0)) || fail "detach exited $rc: $det"
wait_exit "$AGENT2" 5 || fail "agent still running after detach"
((EXIT_RC == 0)) || fail "agent exited $EXIT_RC after detach"
[[ -e $SIOSTEER_PIN_ROOT/$PORT ]] && fail "pins left after detach: $(ls "$SIOSTEER_PIN_ROOT/$PORT")"
# No program on the group any more: the kernel's hash spreads the
# connections of a session over the workers and most sessions break.
sio_clients detached 60 --url "http://$SST_SRV_ADDR:$PORT" --sessions 100 --concurrency 40 \
	--transports polling --new-conn --local-addrs "$SST_CLI_ADDRS" --deadline 45
UNST=$OUT
echo "after detach: $(clients_brief "$UNST")"
[[ -n $UNST ]] || fail "no JSON from sio-clients after detach"
unst_failed=$(jget "$UNST" 'a["failed"]')
((unst_failed >= 50)) || fail "only $unst_failed/100 sessions failed after detach: is the program still attached?"

pp() { jget "$1" '"/".join(str(a["per_pid"][p]) for p in sorted(a["per_pid"]))'; }
echo "RESULT 3x$SESSIONS ok (agent, killed agent, adopted), per pid $(pp "$OUT1") | $(pp "$OUT2") | $(pp "$OUT3")," \
	"64/64 addresses kept their worker, generation $GEN kept, 0 buckets moved; after detach $unst_failed/100 failed"
echo "PASS $NAME"
