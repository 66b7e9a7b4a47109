#!/bin/bash
# `siosteer run --key addr` end to end: siosteer owns 4 SO_REUSEPORT sockets on
# [::]:3000 and hands one to each real socket.io@4 worker (fd 3). The workers
# close every connection (--close) and the clients open one TCP connection per
# polling request (--new-conn), so every request of every session is a fresh
# steering decision: one wrong pick = "Session ID unknown" = a failed session.
# Asserts, for 2000 IPv4 sessions from 64 addresses and 300 IPv6 sessions from
# 16 addresses: 100% OK, no session saw two pids, each address always met one
# worker, all 4 workers used. Then status/bpftool show the counters, and
# SIGTERM removes everything (exit 0, pins gone, no worker left).
# Last line: PASS/FAIL addr_run. Needs root.
# shellcheck source-path=SCRIPTDIR disable=SC2034,SC2153
set -u
NAME=addr_run
SST_TAG="ar"
# shellcheck source=../lib/netns.sh
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"

# check_status JSON PIDS RUN_PID: status --json of the port after both runs.
check_status() { python3 "$SST_CHECKS/addr_run_status.py" "$@"; }

require root node siosteer bpftool
PORT=3000
NADDR=64
SESSIONS=$(scaled 2000)
SESSIONS6=$(scaled 300)
NADDR6=16
netns_bpf_setup $NADDR
PINS=$SIOSTEER_PIN_ROOT/$PORT

start_agent run ns_srv "$SIOSTEER" run --port $PORT --workers 4 --key addr -- \
	"$SST_NODE" "$SST_TESTS_DIR/node/sio-worker.js" --close
RUN_PID=$AGENT_PID

status=$(agent_status $PORT) || fail "status --json failed"
st=$(jget "$status" 'a[0]') || fail "status --json: $status"
WORKER_PIDS=$(jget "$st" '",".join(str(s["pid"]) for s in a["slots"])')
echo "worker pids (slots 0-3): $WORKER_PIDS"

# run_clients LABEL N URL ADDRS: N sessions, polling only, one connection per
# request. Asserts the figures and leaves the JSON in $OUT.
run_clients() {
	sio_clients "$1" 120 --url "$3" --sessions "$2" --concurrency 50 --transports polling --new-conn \
		--local-addrs "$4" --deadline 100
	addr_steered "$1" "$2" "$WORKER_PIDS"
}

run_clients ipv4 $SESSIONS "http://$SST_SRV_ADDR:$PORT" "$SST_CLI_ADDRS"
OUT4=$OUT
ADDRS6=$(cut -d, -f1-$NADDR6 <<<"$SST_CLI_ADDRS6")
run_clients ipv6 $SESSIONS6 "http://[$SST_SRV_ADDR6]:$PORT" "$ADDRS6"
OUT6=$OUT

# status: 4 listening slots, same pids, every slot selected, no fallback.
status=$(agent_status $PORT) || fail "status --json failed"
st=$(jget "$status" 'a[0]') || fail "status --json: $status"
echo "status: $st"
why=$(check_status "$st" "$WORKER_PIDS" "$RUN_PID") || fail "status: $why"
sel=$(jget "$st" '"/".join(str(s["selected"]) for s in a["slots"])')
runs=$(jget "$st" 'a["counters"]["runs"]')

# bpftool reads the same per-CPU counters by field name (BTF on the map).
dump=$(bpftool map dump pinned "$PINS/counters" 2>&1) || fail "bpftool map dump: $dump"
for f in '"selected"' '"fallback"' '"no_live_slot"' '"runs"'; do
	grep -q "$f" <<<"$dump" || fail "bpftool dump of counters has no field $f"
done
# Its plain output is JSON (fields by name): per-CPU runs must add up to status.
bsum=$(python3 "$SST_CHECKS/bpftool_runs_sum.py" "$dump") || fail "parse bpftool dump: $bsum"
[[ $bsum == "$runs" ]] || fail "bpftool runs $bsum != status runs $runs"

# SIGTERM: exit 0 within --stop-timeout (5 s) + margin, pins gone, no worker.
kill -TERM "$RUN_PID"
wait_exit "$RUN_PID" 15 || fail "siosteer run still running 15 s after SIGTERM"
((EXIT_RC == 0)) || fail "siosteer run exited $EXIT_RC after SIGTERM"
grep -q 'stopped; nothing left pinned or attached' "$SST_TMP/run.log" || fail "no 'stopped' line in the log"
[[ -e $PINS ]] && fail "pin dir $PINS still exists: $(ls "$PINS")"
left=""
for p in ${WORKER_PIDS//,/ }; do
	wait_exit "$p" 2 || left+=" $p"
done
[[ -z $left ]] || fail "worker pids still alive after siosteer exited:$left"
procs=$(ip netns pids "$SST_NS_SRV")
[[ -z $procs ]] || fail "processes left in the server namespace: $procs"

pp() { jget "$1" '"/".join(str(v) for v in a["per_pid"].values())'; }
echo "RESULT ipv4 $(jget "$OUT4" 'a["ok"]')/$SESSIONS ok from $NADDR addrs, per pid $(pp "$OUT4"), $(jget "$OUT4" 'a["elapsed_s"]') s;" \
	"ipv6 $(jget "$OUT6" 'a["ok"]')/$SESSIONS6 ok from $NADDR6 addrs, per pid $(pp "$OUT6"); selected $sel; SIGTERM exit 0, pins gone"
echo "PASS $NAME"
