#!/usr/bin/env bash
# The agent must say so when requests without a sid keep coming under --key sid and the
# learner learns no session (status would show `handshake N`, `learned 0`), once, and
# must say nothing when sessions are learned.
#
# 1. `siosteer run --key sid` over 2 plain HTTP workers (tests/workers/pid-http-worker.py)
#    that answer 200 `pid=...` to everything, engine.io handshakes included: nothing to
#    learn. ~12 s of polling handshakes (GET /socket.io/?EIO=4&transport=polling, a new
#    connection each, 10/s). Asserts: exactly one warning line "no session learned"
#    (learn_watch.h: >= 50 requests over >= 10 s with `learned` standing still), and the
#    pinned counters agree (handshakes counted, learned 0).
# 2. The same with --eio-open (the workers answer handshakes like engine.io, so the learner
#    learns every session): learned > 0 and no such warning.
# Last line: PASS/FAIL sid_learn_warning. Needs root.
# shellcheck source-path=SCRIPTDIR disable=SC2034
set -u
NAME=sid_learn_warning
SST_TAG=lw
# shellcheck source=../lib/netns.sh
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"
WARN='no session learned'

netns_setup 1 || fail "netns_setup"
mount_test_bpffs || fail "bpffs"

# handshakes PORT SECONDS: polling handshakes from the client namespace, 10 a second.
handshakes() {
	ns_cli python3 - "$SST_SRV_ADDR" "$1" "$2" <<'PY'
import socket, sys, time
host, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
end, n, ok = time.monotonic() + secs, 0, 0
while time.monotonic() < end:
    c = socket.create_connection((host, port), timeout=5)
    c.sendall(b"GET /socket.io/?EIO=4&transport=polling&t=%d HTTP/1.1\r\nHost: x\r\n"
              b"Connection: close\r\n\r\n" % n)
    data = b""
    while True:
        d = c.recv(65536)
        if not d:
            break
        data += d
    c.close()
    n += 1
    ok += data.startswith(b"HTTP/1.0 200") or data.startswith(b"HTTP/1.1 200")
    time.sleep(0.1)
print(n, ok)
PY
}

# counters PORT: "handshake new_session learned", summed over CPUs from the pinned maps
# (bpftool, so the test does not depend on the layout of `status --json`).
counters() {
	local d=$SIOSTEER_PIN_ROOT/$1 c r l
	c=$(ns_srv bpftool -j map dump pinned "$d/counters") || return 1
	r=$(ns_srv bpftool -j map dump pinned "$d/repair_counters") || return 1
	l=$(ns_srv bpftool -j map dump pinned "$d/learn_counters") || return 1
	python3 -c '
import json, sys
def total(dump, field):
    n = 0
    for e in json.loads(dump):
        for v in e["formatted"]["values"]:
            n += v["value"][field]
    return n
print(total(sys.argv[1], "handshake"), total(sys.argv[2], "new_session"), total(sys.argv[3], "learned"))
' "$c" "$r" "$l"
}

# phase LABEL PORT WORKER_ARGS...: start the agent, send handshakes, print what it said.
phase() {
	local label=$1 port=$2 out
	shift 2
	start_bg "$label" ns_srv "$SIOSTEER" run --port "$port" --workers 2 --key sid --iface veth0 \
		-- python3 "$SST_TESTS_DIR/workers/pid-http-worker.py" "$@"
	PID=$SST_LAST_PID
	wait_for_line "$SST_TMP/$label.log" 'steering port' 15 || fail "$label: siosteer did not start"
	for _ in $(seq 50); do [ "$(grep -c '^ready' "$SST_TMP/$label.log")" -ge 2 ] && break; sleep 0.1; done
	out=$(handshakes "$port" 12) || fail "$label: client failed"
	read -r SENT OK <<<"$out"
	[ "$SENT" = "$OK" ] || fail "$label: $OK of $SENT requests answered 200"
	# The agent reads the counters once a second: give it two more.
	sleep 2.5
	read -r HS NS LEARNED <<<"$(counters "$port")" || fail "$label: status"
	WARNS=$(grep -c "$WARN" "$SST_TMP/$label.log")
	echo "RESULT $label: $SENT handshake requests, counters handshake $HS new_session $NS" \
		"learned $LEARNED, warnings $WARNS"
	stop_pid "$PID" 5
}

phase plain 3000
grep "$WARN" "$SST_TMP/plain.log" | head -1
[ "$((HS + NS))" -ge 50 ] || fail "plain: only $((HS + NS)) requests without a sid counted"
[ "$LEARNED" = 0 ] || fail "plain: the learner learned $LEARNED sessions from plain HTTP answers"
[ "$WARNS" = 1 ] || fail "plain: $WARNS warnings '$WARN', want exactly 1"
grep "$WARN" "$SST_TMP/plain.log" | grep -q 'veth0' || fail "plain: the warning does not name the interface"

phase eio 3001 --eio-open
[ "$LEARNED" -ge 50 ] || fail "eio: the learner learned only $LEARNED sessions"
[ "$WARNS" = 0 ] || fail "eio: warned '$WARN' although sessions were learned"
echo "PASS $NAME"
