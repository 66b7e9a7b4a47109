#!/bin/bash
# Proves the test harness itself, WITHOUT siosteer: one socket.io worker on
# a plain port in the server namespace, real clients from 8 source addresses
# in the client namespace (polling + one TCP connection per request, then
# polling->websocket), then the Python pid worker + address probe. Every
# session must succeed, and the server must have seen exactly the 8 bound
# source addresses. Last line: PASS/FAIL harness_smoke. Needs root.
# shellcheck source-path=SCRIPTDIR disable=SC2034,SC2154
# (SC2034/SC2154: SST_TAG is read by netns.sh; stop_worker sets the counters.)
set -u
NAME=harness_smoke
SST_TAG=hs
# shellcheck source=../lib/netns.sh
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"

require root node
NADDR=8
SESSIONS=200
PORT=3000
URL="http://$SST_SRV_ADDR:$PORT"
netns_setup $NADDR || fail "netns_setup"

start_worker() { # log name
	start_bg "$1" ns_srv "$SST_NODE" "$SST_TESTS_DIR/node/sio-worker.js" --port $PORT --host "$SST_SRV_ADDR"
	SIO_PID=$SST_LAST_PID
	wait_for_line "$SST_TMP/$1.log" '^ready pid=' 15 || fail "sio-worker not ready"
}
# stop_worker LOG: SIGTERM, then the worker's counters as shell variables
# (connections requests upgrades req_conn_close).
stop_worker() {
	local line
	stop_pid "$SIO_PID" 5
	line=$(grep '^stats ' "$SST_TMP/$1.log") || fail "sio-worker printed no stats on SIGTERM"
	echo "sio-worker $line"
	eval "$(tr ' ' '\n' <<<"${line#stats }" | grep -E '^[a-z_]+=[0-9]+$')"
}

# Peer addresses of all TCP sockets (any state, TIME_WAIT included) on the
# port in the server namespace: what the server really saw.
server_peers() {
	ns_srv ss -Htan exclude listening "( sport = :$PORT )" | awk '{print $5}' | sed -E 's/:[0-9]+$//; s/^\[//; s/\]$//; s/^::ffff://' | sort -u | paste -sd, -
}
want_peers=$(tr , '\n' <<<"$SST_CLI_ADDRS" | sort -u | paste -sd, -)

run_clients() { # label, extra args...
	local label=$1
	shift
	sio_clients "$label" 120 --url "$URL" --sessions $SESSIONS --concurrency 20 --local-addrs "$SST_CLI_ADDRS" \
		--deadline 90 "$@"
	echo "$label: $OUT"
	[[ -n $OUT ]] || fail "$label: no JSON from sio-clients (rc=$RC)"
	[[ $RC -eq 0 ]] || fail "$label: sio-clients rc=$RC"
	[[ $(json "$OUT" ok) == "$SESSIONS" ]] || fail "$label: not all sessions OK"
	[[ $(json "$OUT" per_addr_pids_consistent) == true ]] || fail "$label: per-address pids inconsistent"
	[[ $(json "$OUT" addr_mismatch) == 0 ]] || fail "$label: source address not bound"
	LAST_JSON=$OUT
}

start_worker sio1
run_clients polling-newconn --transports polling --new-conn
peers=$(server_peers)
[[ $peers == "$want_peers" ]] || fail "server saw peers '$peers', want '$want_peers'"
# With --new-conn every HTTP request asked for `Connection: close` and came
# on its own TCP connection.
stop_worker sio1
((requests > 0 && req_conn_close == requests && connections >= requests)) ||
	fail "--new-conn did not give one connection per request"

start_worker sio2
run_clients default --transports default
[[ $(json "$LAST_JSON" upgraded) == "$SESSIONS" ]] || fail "default: not all sessions upgraded"
stop_worker sio2
((upgrades >= SESSIONS)) || fail "worker saw $upgrades websocket upgrades, want >= $SESSIONS"

# Non-Node worker + address probe.
start_bg py ns_srv python3 "$SST_TESTS_DIR/workers/pid-http-worker.py" --port 3001 --host "$SST_SRV_ADDR"
PY_PID=$SST_LAST_PID
wait_for_line "$SST_TMP/py.log" '^ready pid=' 10 || fail "pid-http-worker not ready"
out=$(ns_cli timeout 60 python3 "$SST_TESTS_DIR/clients/addr-probe.py" --url "http://$SST_SRV_ADDR:3001/" \
	--local-addrs "$SST_CLI_ADDRS" --requests 10 --deadline 30 --expect-consistent) || fail "addr-probe: $out"
echo "addr-probe: $out"
[[ $(json "$out" distinct_pids) == 1 ]] || fail "addr-probe: expected 1 pid"
[[ $(json "$out" requests) == $((NADDR * 10)) ]] || fail "addr-probe: missing answers"
stop_pid "$PY_PID" 5
kill -0 "$PY_PID" 2>/dev/null && fail "pid-http-worker ignored SIGTERM"

echo "PASS $NAME"
