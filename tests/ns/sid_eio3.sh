#!/bin/bash
# sid steering with engine.io v3 clients (socket.io-client@2): 3 real socket.io@4
# workers with allowEIO3 (sio-worker.js --eio3) under `siosteer run --key sid --place
# least-loaded`. The EIO=3 polling handshake answer is length-prefixed
# (`NN:0{"sid":"…"`), which the tc learner must still recognise. First one raw EIO=3
# handshake shows that format and must be learned; then 600 polling-only sessions and
# 600 default-transport sessions (polling, then WebSocket upgrade) from 32 client
# addresses, 20 at a time, keep-alive connections.
# The workers close every WebSocket themselves, so ~600 server TIME_WAIT sockets pile up;
# SYNs that reuse their 4-tuples are handled by siosteer's TIME_WAIT program (before it,
# 1-4 such SYNs per run got no cookie and 0-2 sessions failed). The test checks that every
# handshake really was a SYN cookie one. KEEP_TIME_WAIT=0 runs the server namespace with
# net.ipv4.tcp_max_tw_buckets=0 instead (no TIME_WAIT there at all).
# Asserts per run: 100% of sessions OK, no session saw two pids, every default session
# upgraded, every worker used and least-loaded balance within 5% of an even share, the
# sessions of one address spread over several workers (so the address key could not
# have kept them together: only the sid did), sid counters clean (sid_unknown, sid_bad,
# not_http +0; handshake +N; sid_hit >= N), and `siosteer sessions` learned exactly N
# new sessions, per slot exactly as many as the clients' OK sessions on that worker.
# Last line: PASS/FAIL sid_eio3. Needs root.
# shellcheck source-path=SCRIPTDIR disable=SC2034
set -u
NAME=sid_eio3
SST_TAG=e3
# shellcheck source=../lib/netns.sh
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"
PORT=3000
WORKERS=3
NADDR=32
SESSIONS=${SESSIONS:-600}
URL="http://$SST_SRV_ADDR:$PORT"

require root node siosteer
[[ -d $SST_TESTS_DIR/node_modules/socket.io-client-v2 ]] || skip "missing socket.io-client@2 (make deps)"

netns_bpf_setup $NADDR
if [[ ${KEEP_TIME_WAIT:-1} != 1 ]]; then
	ns_srv sysctl -qw net.ipv4.tcp_max_tw_buckets=0 || fail "tcp_max_tw_buckets in the server namespace"
fi

start_agent siosteer ns_srv "$SIOSTEER" run --port $PORT --workers $WORKERS --key sid --iface veth0 \
	--place least-loaded -- "$SST_NODE" "$SST_TESTS_DIR/node/sio-worker.js" --eio3
SIOSTEER_PID=$AGENT_PID
WORKER_PIDS=$(ready_pids "$SST_TMP/siosteer.log")

# Server-namespace TCP counters: passive opens, SYN cookies sent, and the difference:
# handshakes done without a cookie, i.e. SYNs that met a TIME_WAIT socket (the known
# limitation: the selector then never sees that connection's first request).
tcpstat() { ns_srv nstat -asz TcpPassiveOpens TcpExtSyncookiesSent TcpExtTW TcpRetransSegs | awk 'NR>1{printf "%s%s=%s", s, $1, $2; s=","}'; }
sessions() { agent_sessions $PORT "$@"; }

# 1. One raw EIO=3 handshake: the open packet is length-prefixed, and it is learned.
raw=$(ns_cli timeout 10 python3 "$SST_HELPERS/eio3_raw_handshake.py" "$SST_SRV_ADDR" $PORT "${SST_CLI_ADDRS%%,*}") ||
	fail "raw EIO=3 handshake failed: $raw"
echo "raw EIO=3 handshake: $raw"
[[ $raw =~ ^200\ ([0-9]+):0\{\"sid\":\"([A-Za-z0-9_-]+)\" ]] ||
	fail "EIO=3 handshake answer is not a length-prefixed open packet: $raw"
RAW_SID=${BASH_REMATCH[2]}
sessions 1000 | grep -q "\"sid\":\"$RAW_SID\"" || fail "raw EIO=3 sid $RAW_SID was not learned"
echo "raw EIO=3 sid $RAW_SID learned"

# run_clients LABEL TRANSPORTS: N sessions, then every check; prints a RESULT line.
SUMMARY=""
run_clients() {
	local label=$1 tr=$2 out rc s0 s1 st0 st1 t0=$SECONDS
	st0=$(agent_status $PORT) || fail "status failed"
	s0=$(sessions) || fail "sessions failed"
	n0=$(tcpstat)
	sio_clients "$label" 110 --url "$URL" --eio3 --sessions "$SESSIONS" --concurrency 20 \
		--local-addrs "$SST_CLI_ADDRS" --transports "$tr" --deadline 100 --timeout 10
	out=$OUT rc=$RC
	st1=$(agent_status $PORT) || fail "status failed"
	s1=$(sessions) || fail "sessions failed"
	n1=$(tcpstat)
	[[ -n $out ]] || fail "$label: no JSON from sio-clients (rc=$rc): $(tail -3 "$SST_TMP/clients-$label.log")"
	echo "$label clients: $(cut -c1-400 <<<"$out")"
	python3 "$SST_CHECKS/sid_eio3_run.py" "$label" "$tr" "$SESSIONS" "$WORKER_PIDS" "$out" "$st0" "$st1" "$s0" "$s1" "$((SECONDS - t0))" "$n0" "$n1"
	(($? == 0)) || fail "$label: see ERROR lines"
	[[ $rc -eq 0 ]] || fail "$label: sio-clients exit $rc"
}

run_clients polling polling
run_clients default default
kill -0 "$SIOSTEER_PID" 2>/dev/null || fail "siosteer exited during the test"
total=$(sessions | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
echo "RESULT $((2 * SESSIONS)) EIO=3 sessions + 1 raw: 100% ok, sessions learned in total $total"
[[ $total == $((2 * SESSIONS + 1)) ]] || fail "sessions total $total, expected $((2 * SESSIONS + 1))"
echo "PASS $NAME"
