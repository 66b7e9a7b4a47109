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

((EUID == 0)) || fail "needs root (network namespaces)"
[[ -x $SIOSTEER ]] || fail "missing $SIOSTEER (run make)"
[[ -x $SST_NODE ]] || fail "missing $SST_NODE (npm install in tests/)"
[[ -d $SST_TESTS_DIR/node_modules/socket.io-client-v2 ]] || fail "missing socket.io-client@2 (npm install in tests/)"

netns_setup $NADDR || fail "netns_setup"
mount_test_bpffs || fail "bpffs"
if [[ ${KEEP_TIME_WAIT:-1} != 1 ]]; then
	ns_srv sysctl -qw net.ipv4.tcp_max_tw_buckets=0 || fail "tcp_max_tw_buckets in the server namespace"
fi

start_bg siosteer ns_srv "$SIOSTEER" run --port $PORT --workers $WORKERS --key sid --iface veth0 \
	--place least-loaded -- "$SST_NODE" "$SST_TESTS_DIR/node/sio-worker.js" --eio3
SIOSTEER_PID=$SST_LAST_PID
wait_for_line "$SST_TMP/siosteer.log" 'steering port' 15 || fail "siosteer did not start"
for _ in $(seq 150); do (($(grep -c '^ready pid=' "$SST_TMP/siosteer.log") >= WORKERS)) && break; sleep 0.1; done
(($(grep -c '^ready pid=' "$SST_TMP/siosteer.log") >= WORKERS)) || fail "workers not ready"
WORKER_PIDS=$(grep -o '^ready pid=[0-9]*' "$SST_TMP/siosteer.log" | cut -d= -f2 | sort -n | paste -sd, -)

status() { ns_srv "$SIOSTEER" status --port $PORT --json; }
# Server-namespace TCP counters: passive opens, SYN cookies sent, and the difference:
# handshakes done without a cookie, i.e. SYNs that met a TIME_WAIT socket (the known
# limitation: the selector then never sees that connection's first request).
tcpstat() { ns_srv nstat -asz TcpPassiveOpens TcpExtSyncookiesSent TcpExtTW TcpRetransSegs | awk 'NR>1{printf "%s%s=%s", s, $1, $2; s=","}'; }
sessions() { ns_srv "$SIOSTEER" sessions --port $PORT --json --limit "${1:-0}"; }

# 1. One raw EIO=3 handshake: the open packet is length-prefixed, and it is learned.
raw=$(ns_cli timeout 10 python3 - "$SST_SRV_ADDR" $PORT "${SST_CLI_ADDRS%%,*}" <<'PY'
import http.client, sys
c = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=5, source_address=(sys.argv[3], 0))
c.request("GET", "/socket.io/?EIO=3&transport=polling&t=raw")
r = c.getresponse()
print(r.status, r.read(120).decode("latin-1"))
PY
) || fail "raw EIO=3 handshake failed: $raw"
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
	st0=$(status) || fail "status failed"
	s0=$(sessions) || fail "sessions failed"
	n0=$(tcpstat)
	out=$(ns_cli timeout 110 "$SST_NODE" "$SST_TESTS_DIR/node/sio-clients.js" --url "$URL" --eio3 \
		--sessions "$SESSIONS" --concurrency 20 --local-addrs "$SST_CLI_ADDRS" --transports "$tr" \
		--deadline 100 --timeout 10 2>"$SST_TMP/clients-$label.log")
	rc=$?
	st1=$(status) || fail "status failed"
	s1=$(sessions) || fail "sessions failed"
	n1=$(tcpstat)
	[[ -n $out ]] || fail "$label: no JSON from sio-clients (rc=$rc): $(tail -3 "$SST_TMP/clients-$label.log")"
	echo "$label clients: $(cut -c1-400 <<<"$out")"
	python3 - "$label" "$tr" "$SESSIONS" "$WORKER_PIDS" "$out" "$st0" "$st1" "$s0" "$s1" "$((SECONDS - t0))" "$n0" "$n1" <<'PY'
import json, sys
nst = [dict((kv.split("=")[0], int(kv.split("=")[1])) for kv in x.split(",") if kv) for x in sys.argv[11:13]]
nd = {k: nst[1].get(k, 0) - nst[0].get(k, 0) for k in nst[1]}
no_cookie = nd.get("TcpPassiveOpens", 0) - nd.get("TcpExtSyncookiesSent", 0)
label, tr, n, pids = sys.argv[1], sys.argv[2], int(sys.argv[3]), sorted(int(p) for p in sys.argv[4].split(","))
c = json.loads(sys.argv[5])
b, a = json.loads(sys.argv[6])[0], json.loads(sys.argv[7])[0]
s0, s1 = json.loads(sys.argv[8]), json.loads(sys.argv[9])
errs = []
if c["ok"] != n or c["failed"]:
    errs.append(f"ok {c['ok']}/{n}, failures {c['failures']} failed_addrs {c.get('failed_addrs')}")
if c["mixed_pid"]:
    errs.append(f"{c['mixed_pid']} sessions saw two pids")
if c["addr_mismatch"]:
    errs.append(f"addr_mismatch {c['addr_mismatch']}")
if tr == "default" and c["upgraded"] != n:
    errs.append(f"upgraded {c['upgraded']}/{n}")
per = {int(k): v for k, v in c["per_pid"].items()}
if sorted(per) != pids:
    errs.append(f"workers used {sorted(per)}, workers {pids}")
share = n / len(pids)
dev = max(abs(per.get(p, 0) - share) for p in pids) / share * 100
if dev > 5:
    errs.append(f"least-loaded balance off by {dev:.1f}% of an even share")
spread = None
if isinstance(c.get("addr_pid"), dict):  # newer sio-clients.js: per-address pids
    spread = sum(1 for v in c["addr_pid"].values() if isinstance(v, list))
    if spread < len(c["addr_pid"]) // 2:
        errs.append(f"only {spread}/{len(c['addr_pid'])} addresses met several workers: placement looks address-keyed")
d = lambda grp, k: a[grp][k] - b[grp][k]
sid = {k: d("sid", k) for k in ("handshake", "sid_hit", "sid_unknown", "sid_bad", "not_http", "conn_record_fail")}
for k in ("sid_unknown", "sid_bad", "not_http", "conn_record_fail"):
    if sid[k]:
        errs.append(f"{k} +{sid[k]}")
if sid["handshake"] != n:
    errs.append(f"handshake +{sid['handshake']}, expected +{n} (one per session)")
if sid["sid_hit"] < n:
    errs.append(f"sid_hit +{sid['sid_hit']}, expected >= {n} (every session opens a connection with its sid)")
for k in ("fallback", "no_live_slot", "select_error"):
    if d("counters", k):
        errs.append(f"{k} +{d('counters', k)}")
learned = d("learner", "learned")
new = s1["total"] - s0["total"]
if learned != n or new != n:
    errs.append(f"learned +{learned}, sessions +{new}; expected +{n} each")
slot_pid = {int(k): v["pid"] for k, v in s1["per_slot"].items()}
per_slot_new = {slot_pid[int(k)]: v["sessions"] - s0["per_slot"].get(k, {"sessions": 0})["sessions"]
                for k, v in s1["per_slot"].items()}
if {p: per_slot_new.get(p, 0) for p in pids} != {p: per.get(p, 0) for p in pids}:
    errs.append(f"learned per worker {per_slot_new} != OK sessions per worker {per}")
print(f"RESULT {label}: {c['ok']}/{n} ok, mixed {c['mixed_pid']}, upgraded {c['upgraded']}, "
      f"per worker {[per.get(p, 0) for p in pids]} (max dev {dev:.1f}%), addresses on >1 worker {spread}, "
      f"learned +{learned}, sessions +{new}, sid {sid}, runs +{d('counters', 'runs')} "
      f"first_data +{d('sid', 'first_data')}, server {nd}, handshakes without cookie {no_cookie}, {c['elapsed_s']}s")
if no_cookie:
    errs.append(f"{no_cookie} handshakes without a SYN cookie (a SYN met a TIME_WAIT socket?): "
                "the selector never saw those connections' first request")
for e in errs:
    print(f"ERROR {label}: {e}")
sys.exit(1 if errs else 0)
PY
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
