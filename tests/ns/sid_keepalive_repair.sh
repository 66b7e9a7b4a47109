#!/usr/bin/env bash
# Kept-alive connections that carry several sessions, as a browser's pool does: a
# handshake on a reused connection must be learned (the learner takes the slot from the
# connection's socket storage), and a request whose sid belongs to another worker than
# its connection's must reset that connection before the worker answers, so that the
# client's resend is steered by sid. 4 real socket.io@4 workers with keep-alive on,
# `siosteer run --key sid`; tests/clients/keepalive-repair.py plays the pool.
set -u
NAME=sid_keepalive_repair
SST_TAG=kr
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"
PORT=3000
SESSIONS=${SESSIONS:-24}

require root node siosteer
netns_bpf_setup 1
start_agent siosteer ns_srv "$SIOSTEER" run --port $PORT --workers 4 --key sid --iface veth0 \
	--place least-loaded -- "$SST_NODE" "$SST_TESTS_DIR/node/sio-worker.js"

out=$(ns_cli timeout 60 python3 "$SST_TESTS_DIR/clients/keepalive-repair.py" "$SST_SRV_ADDR" $PORT \
	"$SESSIONS") || fail "pool client: $out"
sessions=$(agent_sessions $PORT 1000) || fail "sessions"
status=$(agent_status $PORT) || fail "status"
python3 "$SST_CHECKS/keepalive_repair.py" "$out" "$sessions" "$status" "$SESSIONS" || fail "checks"
echo "PASS $NAME"
