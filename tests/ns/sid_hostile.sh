#!/bin/bash
# sid steering under hostile first requests. `siosteer run --key sid --place addr`
# with 4 pid-http-worker.py workers (--eio-open: they answer an engine.io polling
# handshake with a real-looking open packet, so the learner records a sid per client
# address). With --place addr, a new session and every fallback (unknown or malformed
# sid, not HTTP) both use the address key, so EVERY connection of a client address must
# reach the worker that answered that address's plain request. From 6 IPv4 and 2 IPv6
# client addresses, each a fresh 4-tuple (tests/ns/sid_raw_client.py hostile):
#   unknown sids (random 20, 48 chars, UUID, first parameter, POST), over-long (49,
#   200), bad characters, empty sid, sid= at the very end of the first segment, a sid
#   cut by the segment end, truncated request lines, non-HTTP payloads (TLS
#   ClientHello, binary, HTTP/2 preface, HEAD/OPTIONS/lowercase), sid only in a header
#   or in `xsid=`, a path longer than the scan window, an 8 KiB query with sid= past
#   the 512-byte window, the request in 1-byte segments, and the address's own learned
#   sid (GET, POST, WebSocket upgrade) and near-misses of it.
# Every case must be answered (never a drop, a reset or a hang) by that worker, and
# the selector counters must move by exactly what each case should cause (handshake,
# sid_hit, sid_unknown, sid_bad, not_http), with no fallback, no_live_slot,
# select_error or bad_packet; the gate must drop exactly one packet per connection;
# the learner must learn exactly the open packets sent on handshake connections. The programs must have loaded (bpftool prog show pinned).
# Last line: PASS/FAIL sid_hostile. Needs root.
# shellcheck source-path=SCRIPTDIR disable=SC2034
set -u
NAME=sid_hostile
SST_TAG=hos
# shellcheck source=../lib/netns.sh
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"
RAW=$SST_TESTS_DIR/ns/sid_raw_client.py
PORT=3000
WORKERS=4

((EUID == 0)) || fail "needs root (network namespaces)"
[[ -x $SIOSTEER ]] || fail "missing $SIOSTEER (run make)"
command -v bpftool >/dev/null || fail "bpftool not found"

netns_setup 6 || fail "netns_setup"
mount_test_bpffs || fail "bpffs"
ADDRS="$SST_CLI_ADDRS,$(cut -d, -f1-2 <<<"$SST_CLI_ADDRS6")"

start_bg siosteer ns_srv "$SIOSTEER" run --port $PORT --workers $WORKERS --key sid --iface veth0 \
	--place addr -- python3 "$SST_TESTS_DIR/workers/pid-http-worker.py" --eio-open
SIOSTEER_PID=$SST_LAST_PID
wait_for_line "$SST_TMP/siosteer.log" 'steering port' 15 || fail "siosteer did not start"
for _ in $(seq 100); do (($(grep -c '^ready pid=' "$SST_TMP/siosteer.log") >= WORKERS)) && break; sleep 0.1; done
(($(grep -c '^ready pid=' "$SST_TMP/siosteer.log") >= WORKERS)) || fail "workers not ready"

# The three programs loaded (a verifier rejection would have stopped siosteer) and are
# pinned where bpftool finds them.
for p in select learn gate; do
	line=$(bpftool prog show pinned "$SIOSTEER_PIN_ROOT/$PORT/$p" 2>&1 | head -1) ||
		fail "bpftool prog show pinned $p: $line"
	[[ $line == *"name siosteer_"* ]] || fail "pinned $p is not a siosteer program: $line"
	xl=$(bpftool prog show pinned "$SIOSTEER_PIN_ROOT/$PORT/$p" | grep -o 'xlated [0-9]*B')
	echo "prog $p: $line ${xl}"
done
kill -0 "$SIOSTEER_PID" 2>/dev/null || fail "siosteer exited"

status() { ns_srv "$SIOSTEER" status --port $PORT --json; }
before=$(status) || fail "status failed"
t0=$SECONDS
out=$(ns_cli timeout 90 python3 "$RAW" hostile --server4 "$SST_SRV_ADDR" --server6 "$SST_SRV_ADDR6" \
	--port $PORT --addrs "$ADDRS" --sport-base 20000 --timeout 5 2>"$SST_TMP/raw.err") ||
	fail "raw client failed (rc=$?): $(tail -3 "$SST_TMP/raw.err")"
elapsed=$((SECONDS - t0))
after=$(status) || fail "status failed"
echo "$out" >"$SST_TMP/hostile.json"

python3 - "$out" "$before" "$after" "$elapsed" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
b, a = json.loads(sys.argv[2])[0], json.loads(sys.argv[3])[0]
errs = []
res = r["results"]
# 1. Every address's plain requests met one worker; every case was answered by it.
for addr, pid in r["addr_pid"].items():
    if not isinstance(pid, int):
        errs.append(f"{addr}: plain requests met pids {pid}")
outcomes, wrong = {}, []
for x in res:
    outcomes[x["outcome"]] = outcomes.get(x["outcome"], 0) + 1
    want = r["addr_pid"].get(x["addr"])
    if x["outcome"] != "ok":
        wrong.append(f'{x["addr"]} {x["case"]}: {x["outcome"]}')
    elif x["pid"] != want:
        wrong.append(f'{x["addr"]} {x["case"]}: pid {x["pid"]} != {want}')
if wrong:
    errs.append(f"{len(wrong)} of {len(res)} cases wrong: " + "; ".join(wrong[:8]))
own = sum(1 for v in r["own_sid"].values() if v)
if own != len(r["addr_pid"]):
    errs.append(f"only {own}/{len(r['addr_pid'])} addresses got an engine.io sid from the worker")
# 2. Counters moved by exactly what the cases must cause.
d = lambda grp, k: a[grp][k] - b[grp][k]
cats = r["by_cat"]
got = {k: d("sid", k) for k in ("handshake", "sid_hit", "sid_unknown", "sid_bad", "not_http")}
for k, v in got.items():
    if v != cats.get(k, 0):
        errs.append(f"counter {k} +{v}, expected +{cats.get(k, 0)}")
if d("sid", "first_data") != len(res):
    errs.append(f"first_data +{d('sid', 'first_data')}, expected +{len(res)} (one first request per connection)")
for k in ("fallback", "no_live_slot", "select_error", "bad_packet"):
    if d("counters", k):
        errs.append(f"counter {k} +{d('counters', k)}")
if d("sid", "conn_record_fail"):
    errs.append(f"conn_record_fail +{d('sid', 'conn_record_fail')}")
# Only a connection that asked for a new session (its request had no sid) may teach a
# sid. The fake handshake also answers `sid=` with an empty value (like engine.io,
# which takes it for a new session), but the selector calls that malformed: not learned.
learned = d("learner", "learned")
opens = sum(1 for x in res if x["open"] and x["cat"] == "handshake")
others = sum(1 for x in res if x["open"] and x["cat"] != "handshake")
if learned != opens:
    errs.append(f"learner learned +{learned}, expected +{opens} (one per open packet on a handshake connection)")
if "not_new_session" in a["learner"] and d("learner", "not_new_session") != others:
    errs.append(f"learner not_new_session +{d('learner', 'not_new_session')}, expected +{others} "
                "(open packets on connections whose request carried a sid)")
gate = d("gate", "dropped")
if gate != len(res):
    errs.append(f"gate dropped +{gate}, expected +{len(res)} (one handshake ACK per connection)")
ms = sorted(x["ms"] for x in res)
print(f"cases {len(res)} from {len(r['addr_pid'])} addresses in {sys.argv[4]}s: outcomes {outcomes}; "
      f"by category {cats}; counters +{got}; gate dropped +{gate}; learned +{learned} of {opens + others} "
      f"open packets (not_new_session +{d('learner', 'not_new_session') if 'not_new_session' in a['learner'] else '?'}); "
      f"per-case ms median {ms[len(ms)//2]}, max {ms[-1]}")
print("addr->pid", r["addr_pid"])
print("RESULT " + ("ok" if not errs else "BAD") +
      f" {len(res) - len([1 for x in res if x['outcome'] != 'ok' or x['pid'] != r['addr_pid'].get(x['addr'])])}/{len(res)} "
      f"cases on the address's worker; hit {got['sid_hit']} unknown {got['sid_unknown']} bad {got['sid_bad']} "
      f"not_http {got['not_http']} handshake {got['handshake']}")
for e in errs:
    print("ERROR " + e)
sys.exit(1 if errs else 0)
PY
rc=$?
((rc == 0)) || fail "see ERROR lines above (details in $SST_TMP/hostile.json with SST_KEEP=1)"
kill -0 "$SIOSTEER_PID" 2>/dev/null || fail "siosteer exited during the test"
echo "PASS $NAME"
