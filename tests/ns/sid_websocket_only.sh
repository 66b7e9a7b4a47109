#!/usr/bin/env bash
# WebSocket-only sessions (no polling handshake: the engine.io open packet arrives in the
# first WebSocket frame) are learned too, with the tc variant of the gate (--cookies sysctl;
# the bpf route has no gate): sioload opens
# 400 such sessions from one address; each must be learned (sid -> its worker) and the
# least-loaded placement must give every worker 100.
set -u
NAME=sid_websocket_only
SST_TAG=wso
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"
PORT=3000
require root node siosteer sioload
netns_bpf_setup 1
start_agent siosteer ns_srv "$SIOSTEER" run --port $PORT --workers 4 --key sid --iface veth0 \
	--cookies sysctl --gate tc --place least-loaded -- "$SST_NODE" "$SST_TESTS_DIR/../tools/echo-worker.js" --close

out=$(ns_cli timeout 90 "$SIOLOAD" --url "http://$SST_SRV_ADDR:$PORT" --mode websocket -n 400 -c 20 -m 3 \
	--source-addrs "${SST_CLI_ADDRS%%,*}" --json --no-progress --deadline 80 2>"$SST_TMP/sioload.err") ||
	fail "sioload: $out"
sessions=$(agent_sessions $PORT) || fail "sessions"
status=$(agent_status $PORT) || fail "status"
python3 "$SST_CHECKS/websocket_only_learned.py" "$out" "$sessions" "$status" || fail "WebSocket-only sessions were not learned or not balanced"
echo "PASS $NAME"
