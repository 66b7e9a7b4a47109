#!/usr/bin/env bash
# WebSocket-only sessions (no polling handshake: the engine.io open packet arrives in the
# first WebSocket frame) are learned too, with the tc variant of the gate: sioload opens
# 400 such sessions from one address; each must be learned (sid -> its worker) and the
# least-loaded placement must give every worker 100.
set -u
NAME=sid_websocket_only
SST_TAG=wso
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"
SIOLOAD=$(dirname "$SIOSTEER")/sioload
PORT=3000
[ -x "$SIOLOAD" ] || fail "missing $SIOLOAD (run make)"
netns_setup 1 || fail "netns_setup"
mount_test_bpffs || fail "bpffs"
start_bg siosteer ns_srv "$SIOSTEER" run --port $PORT --workers 4 --key sid --iface veth0 \
	--gate tc --place least-loaded -- "$SST_NODE" "$SST_TESTS_DIR/../tools/echo-worker.js" --close
wait_for_line "$SST_TMP/siosteer.log" 'steering port' 15 || fail "siosteer did not start"
for _ in $(seq 100); do [ "$(grep -c '^ready' "$SST_TMP/siosteer.log")" -ge 4 ] && break; sleep 0.1; done

out=$(ns_cli timeout 90 "$SIOLOAD" --url "http://$SST_SRV_ADDR:$PORT" --mode websocket -n 400 -c 20 -m 3 \
	--source-addrs "${SST_CLI_ADDRS%%,*}" --json --no-progress --deadline 80 2>"$SST_TMP/sioload.err") ||
	fail "sioload: $out"
sessions=$(ns_srv "$SIOSTEER" sessions --port $PORT --json --limit 0) || fail "sessions"
status=$(ns_srv "$SIOSTEER" status --port $PORT --json) || fail "status"
python3 - "$out" "$sessions" "$status" <<'PY' || fail "WebSocket-only sessions were not learned or not balanced"
import json, sys
r, s, st = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])[0]
per = [v["sessions"] for v in s["per_slot"].values()]
print(f"RESULT {r['ok']}/400 WebSocket-only sessions ok from one address; learned {s['total']}, "
      f"per slot {per}; tc gate dropped {st['gate']['dropped']}, learner learned {st['learner']['learned']}")
sys.exit(0 if r["ok"] == 400 and s["total"] == 400 and sorted(per) == [100] * 4 else 1)
PY
echo "PASS $NAME"
