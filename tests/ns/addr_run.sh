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
# shellcheck source-path=SCRIPTDIR disable=SC2034
set -u
NAME=addr_run
SST_TAG="ar"
# shellcheck source=../lib/netns.sh
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"

# check_status JSON PIDS RUN_PID: status --json of the port after both runs.
check_status() {
	python3 - "$@" <<'PY'
import json, sys
a, pids, run_pid = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c, sl = a["counters"], a["slots"]
e = []
if a["agent_pid"] != run_pid:
    e.append(f"agent_pid {a['agent_pid']} != siosteer run pid {run_pid}")
if (a["mode"], a["key"]) != ("run", "addr"):
    e.append(f"mode {a['mode']} key {a['key']}")
if a["agent_running"] is not True:
    e.append("agent_running false")
if len(sl) != 4 or not all(s["listening"] for s in sl):
    e.append(f"{len(sl)} slots, listening {[s['listening'] for s in sl]}")
if ",".join(str(s["pid"]) for s in sl) != pids:
    e.append(f"slot pids {[s['pid'] for s in sl]} != {pids}")
if not all(s["selected"] > 0 for s in sl):
    e.append(f"selected {[s['selected'] for s in sl]}")
if any(s["restarts"] for s in sl):
    e.append(f"restarts {[s['restarts'] for s in sl]}")
if not (c["ipv4"] > 0 and c["ipv6"] > 0):
    e.append(f"ipv4 {c['ipv4']} ipv6 {c['ipv6']}")
if c["runs"] != sum(s["selected"] for s in sl):
    e.append(f"runs {c['runs']} != sum(selected) {sum(s['selected'] for s in sl)}")
for k in ("fallback", "no_live_slot", "bad_packet", "select_error"):
    if c[k]:
        e.append(f"{k} {c[k]}")
print("; ".join(e))
sys.exit(1 if e else 0)
PY
}

((EUID == 0)) || fail "needs root (network namespaces, BPF)"
[[ -x $SST_NODE ]] || fail "missing $SST_NODE (npm install in tests/)"
[[ -x $SIOSTEER ]] || fail "missing $SIOSTEER (make)"
command -v bpftool >/dev/null || fail "bpftool not installed"
PORT=3000
NADDR=64
SESSIONS=2000
SESSIONS6=300
NADDR6=16
netns_setup $NADDR || fail "netns_setup"
mount_test_bpffs || fail "mount bpffs"
PINS=$SIOSTEER_PIN_ROOT/$PORT

start_bg run ns_srv "$SIOSTEER" run --port $PORT --workers 4 --key addr -- \
	"$SST_NODE" "$SST_TESTS_DIR/node/sio-worker.js" --close
RUN_PID=$SST_LAST_PID
wait_for_line "$SST_TMP/run.log" 'steering port 3000' 15 || fail "siosteer run did not start"
for ((i = 0; i < 150; i++)); do
	(($(grep -c '^ready pid=' "$SST_TMP/run.log") == 4)) && break
	sleep 0.1
done
(($(grep -c '^ready pid=' "$SST_TMP/run.log") == 4)) || fail "not all 4 workers became ready"

status=$(ns_srv "$SIOSTEER" status --port $PORT --json) || fail "status --json failed"
st=$(jget "$status" 'a[0]') || fail "status --json: $status"
WORKER_PIDS=$(jget "$st" '",".join(str(s["pid"]) for s in a["slots"])')
echo "worker pids (slots 0-3): $WORKER_PIDS"

# run_clients LABEL N URL ADDRS: N sessions, polling only, one connection per
# request. Asserts the figures and leaves the JSON in $OUT.
run_clients() {
	local label=$1 n=$2 url=$3 addrs=$4 rc why
	OUT=$(ns_cli timeout 120 "$SST_NODE" "$SST_TESTS_DIR/node/sio-clients.js" --url "$url" \
		--sessions "$n" --concurrency 50 --transports polling --new-conn \
		--local-addrs "$addrs" --deadline 100 2>"$SST_TMP/clients-$label.log")
	rc=$?
	echo "$label: $(jget "$OUT" '{k: v for k, v in a.items() if k not in ("addr_pid", "failed_addrs")}' 2>/dev/null || echo "$OUT")"
	[[ -n $OUT ]] || fail "$label: no JSON from sio-clients (rc=$rc)"
	why=$(check_clients "$OUT" "$n" "$WORKER_PIDS") || fail "$label: $why"
	((rc == 0)) || fail "$label: sio-clients rc=$rc"
}

run_clients ipv4 $SESSIONS "http://$SST_SRV_ADDR:$PORT" "$SST_CLI_ADDRS"
OUT4=$OUT
ADDRS6=$(cut -d, -f1-$NADDR6 <<<"$SST_CLI_ADDRS6")
run_clients ipv6 $SESSIONS6 "http://[$SST_SRV_ADDR6]:$PORT" "$ADDRS6"
OUT6=$OUT

# status: 4 listening slots, same pids, every slot selected, no fallback.
status=$(ns_srv "$SIOSTEER" status --port $PORT --json) || fail "status --json failed"
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
bsum=$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
print(sum(c["value"]["runs"] for e in d for c in e["values"]))' "$dump") || fail "parse bpftool dump: $bsum"
[[ $bsum == "$runs" ]] || fail "bpftool runs $bsum != status runs $runs"

# SIGTERM: exit 0 within --stop-timeout (5 s) + margin, pins gone, no worker.
kill -TERM "$RUN_PID"
for ((i = 0; i < 150; i++)); do kill -0 "$RUN_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$RUN_PID" 2>/dev/null && fail "siosteer run still running 15 s after SIGTERM"
wait "$RUN_PID"
rc=$?
((rc == 0)) || fail "siosteer run exited $rc after SIGTERM"
grep -q 'stopped; nothing left pinned or attached' "$SST_TMP/run.log" || fail "no 'stopped' line in the log"
[[ -e $PINS ]] && fail "pin dir $PINS still exists: $(ls "$PINS")"
left=""
for p in ${WORKER_PIDS//,/ }; do
	for ((i = 0; i < 20; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$p" 2>/dev/null && left+=" $p"
done
[[ -z $left ]] || fail "worker pids still alive after siosteer exited:$left"
procs=$(ip netns pids "$SST_NS_SRV")
[[ -z $procs ]] || fail "processes left in the server namespace: $procs"

pp() { jget "$1" '"/".join(str(v) for v in a["per_pid"].values())'; }
echo "RESULT ipv4 $(jget "$OUT4" 'a["ok"]')/$SESSIONS ok from $NADDR addrs, per pid $(pp "$OUT4"), $(jget "$OUT4" 'a["elapsed_s"]') s;" \
	"ipv6 $(jget "$OUT6" 'a["ok"]')/$SESSIONS6 ok from $NADDR6 addrs, per pid $(pp "$OUT6"); selected $sel; SIGTERM exit 0, pins gone"
echo "PASS $NAME"
