#!/usr/bin/env bash
# sid steering with python-socketio workers (tests/workers/pysio-worker.py: Debian's
# python3-socketio 5.7 / python3-engineio 4.3) behind three HTTP servers: uvicorn with
# h11, uvicorn with httptools (both via uvicorn's fd=3, as `uvicorn --fd 3`), and
# aiohttp. These servers write the polling handshake answer's headers and body in
# separate segments (uvicorn: chunked; see the end of this comment), unlike Node's
# engine.io which sends one segment, so this test is what shows whether the tc learner
# copes with them.
#
# Per server: 4 workers under `siosteer run --key sid --place least-loaded`; then
# socket.io-client@4 sessions (tests/node/sio-clients.js, 3 acks each) with
# --transports polling (--new-conn: every polling request a new TCP connection, so every
# request is steered by its sid) and --transports default (polling, then WebSocket
# upgrade; keep-alive connections like a browser), each from 1 client address and from
# 64. Per run it asserts: every session OK, mixed_pid 0 (all acks of a session from one
# pid), addr_mismatch 0, (default) every session upgraded, every worker used, and (key
# sid) every session learned: the learner's `learned` counter and `siosteer sessions`
# total both grew by exactly the sessions run, and per worker as many sessions were
# learned as clients had OK sessions there. Every run is done and printed as a RESULT
# line even after a failing one; the test fails at the end if any run had an ERROR.
#
# Knobs (env): SESSIONS per run (default 500; 3 servers x 2 transports x 2 address sets
# = 12 runs), CONCURRENCY (default 20), SERVERS (default "uvicorn-h11 uvicorn-httptools
# aiohttp"), TRANSPORTS ("polling default"), ADDR_SETS ("1 64"), WORKERS (4), KEY (sid;
# KEY=addr runs the same clients steered by address: no learner checks, and with one
# address all sessions land on one worker, so "every worker used" is only checked with
# 64 addresses), PYTHON (default /usr/bin/python3: Debian's packages are there).
# Last line: PASS/FAIL sid_python. Needs root.
#
# The polling handshake answer on the wire (tcpdump -A in the server namespace, Debian 12:
# python3-engineio 4.3.4, uvicorn 0.17.6, aiohttp 3.8.4), always headers first in a
# segment of their own, the body written separately and sent once the client ACKed them:
#   uvicorn-h11        [headers, Transfer-Encoding: chunked] [61\r\n0{"sid":"..."}\r\n]
#                      [0\r\n\r\n]: three segments
#   uvicorn-httptools  [headers, chunked] [61\r\n0{"sid":...}\r\n0\r\n\r\n]: two
#   aiohttp            [headers, Content-Length: 97] [0{"sid":...}]: two
# `Connection: close` only when the request asked for it (--new-conn), then FIN follows.
# uvicorn's fd=3 path wraps the fd as an AF_UNIX socket object, so asyncio leaves Nagle
# on for its connections (aiohttp: TCP_NODELAY set); the split happens either way.
# Before the learner learned from a later segment, every run here failed: learned +0,
# sid_unknown > 0, 3/4 of the sessions `Invalid session` (HTTP 400).
# shellcheck source-path=SCRIPTDIR disable=SC2034
set -u
NAME=sid_python
SST_TAG=py
# shellcheck source=../lib/netns.sh
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"
PORT=3000
SESSIONS=${SESSIONS:-500}
CONCURRENCY=${CONCURRENCY:-20}
SERVERS=${SERVERS:-uvicorn-h11 uvicorn-httptools aiohttp}
TRANSPORTS=${TRANSPORTS:-polling default}
ADDR_SETS=${ADDR_SETS:-1 64}
WORKERS=${WORKERS:-4}
KEY=${KEY:-sid}
PYTHON=${PYTHON:-/usr/bin/python3}
WORKER=$SST_TESTS_DIR/workers/pysio-worker.py
URL="http://$SST_SRV_ADDR:$PORT"
SST_FAIL_SKIP='^(ready|RESULT) '

require root node siosteer
"$PYTHON" -c 'import socketio, engineio, uvicorn, aiohttp, httptools, h11, wsproto' 2>/dev/null ||
	skip "$PYTHON lacks python3-socketio/engineio/uvicorn/aiohttp/httptools/h11/wsproto (tools/install-deps.sh)"
[[ $KEY == sid || $KEY == addr ]] || fail "KEY must be sid or addr"

MAXADDR=1
for n in $ADDR_SETS; do ((n > MAXADDR)) && MAXADDR=$n; done
netns_bpf_setup "$MAXADDR"
IFS=, read -r -a ADDRS <<<"$SST_CLI_ADDRS"
addr_list() { (IFS=,; echo "${ADDRS[*]:0:$1}"); }


ERRORS=0
T_START=$SECONDS

# start_server SERVER: siosteer run with WORKERS pysio workers; sets SIOSTEER_PID, WORKER_PIDS.
start_server() {
	local srv=$1 log=siosteer-$1 place=()
	[[ $KEY == sid ]] && place=(--key sid --iface veth0 --place least-loaded)
	start_agent "$log" ns_srv "$SIOSTEER" run --port $PORT --workers "$WORKERS" "${place[@]}" \
		-- "$PYTHON" "$WORKER" --server "$srv"
	SIOSTEER_PID=$AGENT_PID
	WORKER_PIDS=$(ready_pids "$SST_TMP/$log.log")
}

# run_clients SERVER TRANSPORTS NADDR: one run of SESSIONS sessions, checks, RESULT line.
run_clients() {
	local srv=$1 tr=$2 naddr=$3 label="$1/$2/${3}addr" out rc st0 st1 s0="{}" s1="{}" t0=$SECONDS extra=()
	[[ $tr == polling ]] && extra=(--new-conn)
	st0=$(agent_status $PORT) || fail "$label: status failed"
	[[ $KEY == sid ]] && { s0=$(agent_sessions $PORT) || fail "$label: sessions failed"; }
	sio_clients "$label" 300 --url "$URL" --sessions "$SESSIONS" --concurrency "$CONCURRENCY" \
		--local-addrs "$(addr_list "$naddr")" --transports "$tr" "${extra[@]}" --deadline 280 --timeout 10
	out=$OUT rc=$RC
	st1=$(agent_status $PORT) || fail "$label: status failed"
	[[ $KEY == sid ]] && { s1=$(agent_sessions $PORT) || fail "$label: sessions failed"; }
	[[ -n $out ]] || fail "$label: no JSON from sio-clients (rc=$rc): $(tail -3 "$SST_TMP/clients-${label//\//-}.log")"
	echo "$label clients: $(cut -c1-300 <<<"$out")"
	python3 "$SST_CHECKS/sid_python_run.py" "$label" "$tr" "$SESSIONS" "$WORKER_PIDS" "$KEY" "$out" "$st0" "$st1" "$s0" "$s1" \
		"$((SECONDS - t0))" || ERRORS=$((ERRORS + 1))
}

echo "sid_python: KEY=$KEY WORKERS=$WORKERS SESSIONS=$SESSIONS CONCURRENCY=$CONCURRENCY servers: $SERVERS"
for srv in $SERVERS; do
	ts=$SECONDS
	start_server "$srv"
	for tr in $TRANSPORTS; do
		for naddr in $ADDR_SETS; do
			run_clients "$srv" "$tr" "$naddr"
			kill -0 "$SIOSTEER_PID" 2>/dev/null || fail "$srv: siosteer exited"
		done
	done
	restarts=$(grep -c '^ready pid=' "$SST_TMP/siosteer-$srv.log")
	((restarts == WORKERS)) || { echo "ERROR $srv: $((restarts - WORKERS)) worker restarts"; ERRORS=$((ERRORS + 1)); }
	stop_pid "$SIOSTEER_PID" 8
	echo "$srv: $((SECONDS - ts))s"
done
echo "RESULT sid_python: key $KEY, $WORKERS workers, $SESSIONS sessions per run, $ERRORS runs with errors, $((SECONDS - T_START))s"
((ERRORS == 0)) || fail "$ERRORS runs had errors (ERROR lines above)"
echo "PASS $NAME"
