#!/usr/bin/env bash
# A slot whose worker died is skipped at once, deterministically: before the agent has
# rebuilt the table (here it is frozen with SIGSTOP, so it cannot), every connection from
# an address of the dead worker goes to one and the same live worker, and the fallback is
# counted. Once the agent runs again, its rebuild moves about a quarter of the addresses.
set -u
NAME=addr_fallback
SST_TAG=fb
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"
PORT=3200
probe() { # -> JSON {per_addr: {addr: [pids]}, ...}
	ns_cli timeout 60 python3 "$SST_TESTS_DIR/clients/addr-probe.py" --url "http://$SST_SRV_ADDR:$PORT/" \
		--local-addrs "$SST_CLI_ADDRS" --requests 4 --deadline 50 --expect-consistent
}

require root siosteer
netns_bpf_setup 64
start_workers w 4 ns_srv python3 "$SST_TESTS_DIR/workers/pid-http-worker.py" --port $PORT
start_agent agent ns_srv "$SIOSTEER" attach veth0 --port $PORT
AGENT=$AGENT_PID

before=$(probe) || fail "probe before: $before"
victim=${SST_WORKERS[1]}
kill -STOP "$AGENT"
kill -9 "$victim"
wait "$victim" 2>/dev/null
after=$(probe) || fail "probe after the kill (must be served and consistent): $after"
st=$(agent_status $PORT) || fail "status"
python3 "$SST_CHECKS/addr_fallback.py" "$before" "$after" "$st" "$victim" || fail "fallback was not as expected"
# Running again, the agent frees the slot and rebuilds the table.
kill -CONT "$AGENT"
wait_for_line "$SST_TMP/agent.log" 'client addresses moved' 10 || fail "no rebuild after the worker died"
grep -E 'is gone|addresses moved' "$SST_TMP/agent.log" | sed 's/^/  /'
echo "PASS $NAME"
