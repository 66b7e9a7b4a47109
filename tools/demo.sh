#!/usr/bin/env bash
# make demo: a small Socket.IO cluster behind siosteer, in private network namespaces.
#
# 1. address steering: 4 real socket.io@4 workers under `siosteer run --key addr`, real
#    socket.io-client sessions from 32 client addresses, one TCP connection per request;
# 2. sid steering: the same workers under `siosteer run --key sid --place least-loaded`,
#    every client behind ONE address (a NAT), default transports (polling, then WebSocket).
# Prints what it did, per-worker distribution and success, then removes everything.
set -u
cd "$(dirname "$0")/.."
SST_TAG=demo
. tests/lib/netns.sh
SIOSTEER=$PWD/${BUILD:-build}/siosteer
PORT=3000
URL="http://$SST_SRV_ADDR:$PORT"

say() { printf '\n== %s\n' "$*"; }
die() { echo "demo: $*" >&2; for f in "$SST_TMP"/*.log; do echo "--- $f"; tail -5 "$f"; done >&2; exit 1; }
summary() { # JSON from sio-clients -> one readable paragraph
	python3 - "$1" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
print("  sessions: %d/%d ok, %d changed worker, %d upgraded to WebSocket, %s s"
      % (r["ok"], r["sessions"], r["mixed_pid"], r.get("upgraded", 0), r["elapsed_s"]))
if r["failures"]:
    print("  failures:", r["failures"])
tot = sum(r["per_pid"].values()) or 1
for pid, n in sorted(r["per_pid"].items()):
    print("  worker pid %7s: %5d sessions (%4.1f%%) %s" % (pid, n, 100.0 * n / tot, "#" * int(40 * n / tot)))
PY
}
steer() { # args for siosteer run; starts it and waits until it steers
	start_bg siosteer ns_srv "$SIOSTEER" run --port $PORT --workers 4 "$@" -- \
		"$SST_NODE" tests/node/sio-worker.js --close
	SIOSTEER_PID=$SST_LAST_PID
	wait_for_line "$SST_TMP/siosteer.log" 'steering port' 15 || die "siosteer did not start"
	for _ in $(seq 100); do [ "$(grep -c 'started worker' "$SST_TMP/siosteer.log")" -ge 4 ] && break; sleep 0.1; done
	sleep 1.5 # node workers start listening on fd 3
}
clients() {
	ns_cli timeout 180 "$SST_NODE" tests/node/sio-clients.js --url "$URL" --deadline 150 "$@" \
		2>"$SST_TMP/clients.err"
}

netns_setup 32 || die "network namespaces"
mount_test_bpffs || die "bpffs"
echo "server namespace $SST_NS_SRV ($SST_SRV_ADDR), client namespace $SST_NS_CLI (32 addresses)"

say "1. siosteer run --key addr: 4 workers, 600 sessions from 32 client addresses, polling, new TCP connection per request"
steer --key addr
grep -E 'steering|started worker' "$SST_TMP/siosteer.log" | sed 's/^/  /'
out=$(clients --sessions 600 --concurrency 30 --transports polling --new-conn --local-addrs "$SST_CLI_ADDRS") ||
	echo "  (some sessions failed)"
[ -n "$out" ] || die "no result from the clients"
summary "$out"
echo "  (the address key spreads client ADDRESSES: 32 of them give an uneven split of sessions)"
echo "  siosteer status:"
ns_srv "$SIOSTEER" status --port $PORT | sed 's/^/    /'
stop_pid "$SIOSTEER_PID" 10
grep -E 'stopped' "$SST_TMP/siosteer.log" | sed 's/^/  /'

say "2. siosteer run --key sid --place least-loaded: 4 workers, 400 sessions from ONE client address (NAT), polling then WebSocket"
: >"$SST_TMP/siosteer.log"
steer --key sid --iface veth0 --place least-loaded
grep -E 'steering|syncookies' "$SST_TMP/siosteer.log" | sed 's/^/  /'
out=$(clients --sessions 400 --concurrency 20 --transports default --local-addrs "${SST_CLI_ADDRS%%,*}") ||
	echo "  (some sessions failed)"
[ -n "$out" ] || die "no result from the clients"
summary "$out"
ns_srv "$SIOSTEER" sessions --port $PORT --limit 3 | sed 's/^/    /'
stop_pid "$SIOSTEER_PID" 10
grep -E 'restored|stopped' "$SST_TMP/siosteer.log" | sed 's/^/  /'
say "done: namespaces, pins and processes are removed on exit"
