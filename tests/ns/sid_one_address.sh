#!/usr/bin/env bash
# The run behind README.md's 'sid steering' "Measured here": every client behind ONE
# address (a NAT), servers closing connections (so TIME_WAIT collisions happen), 4
# workers under `siosteer run --key sid --place least-loaded`. Polling-only with a new
# TCP connection per request, then the default transports (polling, then WebSocket
# upgrade). Every session must succeed with every ack
# from one pid, every default-transport session must end on WebSocket, and each worker
# must hold 25% +- 5% of the sessions. (nginx ip_hash would put all of them on one.)
set -u
NAME=sid_one_address
SST_TAG=one
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"
SESSIONS=${SESSIONS:-2000}
PORT=3000

json() { python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])[sys.argv[2]]))' "$1" "$2"; }

netns_setup 1 || fail "netns_setup"
mount_test_bpffs || fail "bpffs"
ONE=${SST_CLI_ADDRS%%,*}
start_bg siosteer ns_srv "$SIOSTEER" run --port $PORT --workers 4 --key sid --iface veth0 \
	--place least-loaded -- "$SST_NODE" "$SST_TESTS_DIR/node/sio-worker.js" --close
wait_for_line "$SST_TMP/siosteer.log" 'steering port' 15 || fail "siosteer did not start"
for _ in $(seq 100); do [ "$(grep -c '^ready' "$SST_TMP/siosteer.log")" -ge 4 ] && break; sleep 0.1; done
[ "$(grep -c '^ready' "$SST_TMP/siosteer.log")" -ge 4 ] || fail "workers not ready"

# balance JSON -> "max deviation from 25% in points"
balance() {
	python3 -c '
import json, sys
r = json.loads(sys.argv[1]); n = sum(r["per_pid"].values())
shares = [100.0 * v / n for v in r["per_pid"].values()]
print(len(shares), " ".join(f"{s:.1f}" for s in sorted(shares)), f"{max(abs(s - 25) for s in shares):.1f}")
' "$1"
}

run_mode() { # label, sio-clients args...
	local label=$1 out rc b; shift
	out=$(ns_cli timeout 240 "$SST_NODE" "$SST_TESTS_DIR/node/sio-clients.js" \
		--url "http://$SST_SRV_ADDR:$PORT" --sessions "$SESSIONS" --concurrency 50 \
		--local-addrs "$ONE" --deadline 200 "$@" 2>"$SST_TMP/clients-$label.err")
	rc=$?
	[ -n "$out" ] || fail "$label: no result (rc $rc)"
	echo "$label: $out"
	b=$(balance "$out")
	read -r nw s1 s2 s3 s4 dev <<<"$b"
	echo "RESULT $label: $(json "$out" ok)/$SESSIONS ok, mixed_pid $(json "$out" mixed_pid), upgraded $(json "$out" upgraded), shares % $s1 $s2 $s3 $s4 (max deviation $dev points)"
	[ "$(json "$out" ok)" = "$SESSIONS" ] || fail "$label: $(json "$out" failed) sessions failed: $(json "$out" failures)"
	[ "$(json "$out" mixed_pid)" = 0 ] || fail "$label: sessions changed worker"
	[ "$nw" = 4 ] || fail "$label: $nw workers used, want 4"
	python3 -c "import sys; sys.exit(0 if float('$dev') <= 5.0 else 1)" || fail "$label: a worker is $dev points from 25%"
	LAST=$out
}

tw_before=$(ns_srv ss -Htan state time-wait | wc -l)
run_mode polling --transports polling --new-conn
run_mode default --transports default
[ "$(json "$LAST" upgraded)" = "$SESSIONS" ] || fail "default: $(json "$LAST" upgraded) of $SESSIONS upgraded"
tw_after=$(ns_srv ss -Htan state time-wait | wc -l)

status=$(ns_srv "$SIOSTEER" status --port $PORT --json) || fail "status"
echo "status: $status"
counters=$(python3 -c '
import json, sys
s = json.loads(sys.argv[1])[0]
c = {**s["counters"], **s.get("sid", {}), **{"gate_" + k: v for k, v in s.get("gate", {}).items()},
     **{"tw_" + k: v for k, v in s.get("tw", {}).items()}}
keys = ["sid_hit", "sid_unknown", "handshake", "gate_dropped", "tw_tw_collisions", "tw_rst_injected"]
print(" ".join(f"{k}={c.get(k, 0)}" for k in keys))
' "$status")
echo "RESULT counters: $counters; server TIME_WAIT sockets before/after: $tw_before/$tw_after"
echo "PASS $NAME"
