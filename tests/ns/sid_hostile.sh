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

require root siosteer bpftool

netns_bpf_setup 6
ADDRS="$SST_CLI_ADDRS,$(cut -d, -f1-2 <<<"$SST_CLI_ADDRS6")"

start_agent siosteer ns_srv "$SIOSTEER" run --port $PORT --workers $WORKERS --key sid --iface veth0 \
	--place addr -- python3 "$SST_TESTS_DIR/workers/pid-http-worker.py" --eio-open
SIOSTEER_PID=$AGENT_PID

# The programs loaded (a verifier rejection would have stopped siosteer) and are pinned
# where bpftool finds them: the gate on the sysctl cookie route, ours on the bpf one.
HANDSHAKE_PROG=gate
[[ $(agent_status $PORT | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["cookies"])') == bpf ]] &&
	HANDSHAKE_PROG=cookie
for p in select learn repair tw_reset $HANDSHAKE_PROG; do
	line=$(bpftool prog show pinned "$SIOSTEER_PIN_ROOT/$PORT/$p" 2>&1 | head -1) ||
		fail "bpftool prog show pinned $p: $line"
	[[ $line == *"name siosteer_"* ]] || fail "pinned $p is not a siosteer program: $line"
	xl=$(bpftool prog show pinned "$SIOSTEER_PIN_ROOT/$PORT/$p" | grep -o 'xlated [0-9]*B')
	echo "prog $p: $line ${xl}"
done
kill -0 "$SIOSTEER_PID" 2>/dev/null || fail "siosteer exited"

before=$(agent_status $PORT) || fail "status failed"
t0=$SECONDS
out=$(ns_cli timeout 90 python3 "$RAW" hostile --server4 "$SST_SRV_ADDR" --server6 "$SST_SRV_ADDR6" \
	--port $PORT --addrs "$ADDRS" --sport-base 20000 --timeout 5 2>"$SST_TMP/raw.err") ||
	fail "raw client failed (rc=$?): $(tail -3 "$SST_TMP/raw.err")"
elapsed=$((SECONDS - t0))
after=$(agent_status $PORT) || fail "status failed"
echo "$out" >"$SST_TMP/hostile.json"

python3 "$SST_CHECKS/sid_hostile.py" "$out" "$before" "$after" "$elapsed"
rc=$?
((rc == 0)) || fail "see ERROR lines above (details in $SST_TMP/hostile.json with SST_KEEP=1)"
kill -0 "$SIOSTEER_PID" 2>/dev/null || fail "siosteer exited during the test"
echo "PASS $NAME"
