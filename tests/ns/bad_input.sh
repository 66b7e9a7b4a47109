#!/usr/bin/env bash
# Bad input to run/attach: each case must exit non-zero with ONE clear line on stderr
# and change nothing (no pins, no program on the port's sockets).
set -u
cd "$(dirname "$0")/../.."
NAME=bad_input
SIOSTEER=$PWD/${BUILD:-build}/siosteer
# skip, require, $SST_HELPERS (this test makes its one namespace itself).
. tests/lib/checks.sh
require root siosteer
NS=sstbad$$
PINS=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	umount "$PINS" 2>/dev/null
	rmdir "$PINS"
}
trap cleanup EXIT
ip netns add "$NS"
ip -n "$NS" link set lo up
mount -t bpf bpf "$PINS"
export SIOSTEER_PIN_ROOT=$PINS
fails=0

# expect NAME PATTERN CMD... : non-zero exit, exactly one stderr line matching PATTERN.
expect() {
	local name=$1 pattern=$2 rc
	shift 2
	"$@" >/tmp/sst-bad-out.$$ 2>/tmp/sst-bad-err.$$
	rc=$?
	local lines
	lines=$(grep -c . /tmp/sst-bad-err.$$)
	if [ $rc -ne 0 ] && [ "$lines" -eq 1 ] && grep -qE -e "$pattern" /tmp/sst-bad-err.$$; then
		echo "ok   $name: exit $rc: $(cat /tmp/sst-bad-err.$$)"
	else
		echo "FAIL $name: exit $rc, $lines stderr lines, wanted /$pattern/:"
		sed 's/^/     /' /tmp/sst-bad-err.$$
		fails=$((fails + 1))
	fi
	if [ -n "$(ls -A "$PINS" | grep -v '\.debug$')" ]; then
		echo "FAIL $name left pins: $(ls "$PINS")"
		fails=$((fails + 1))
	fi
	rm -f /tmp/sst-bad-out.$$ /tmp/sst-bad-err.$$
}
nsx() { ip netns exec "$NS" "$@"; }

expect "unknown interface" "no interface named 'nosuch0'" \
	nsx "$SIOSTEER" attach nosuch0 --port 8080
expect "bad port" "--port: '70000' is not a whole number" \
	nsx "$SIOSTEER" attach lo --port 70000
expect "unknown key" "--key: 'cookie' is not one of addr\|sid" \
	nsx "$SIOSTEER" run --port 8080 --workers 2 --key cookie -- true
expect "missing command" "needs --port, --workers and a worker command" \
	nsx "$SIOSTEER" run --port 8080 --workers 2
expect "no BTF" "kernel has no BTF" \
	env SIOSTEER_SYSFS_BTF=/nonexistent/vmlinux ip netns exec "$NS" "$SIOSTEER" run --port 8080 --workers 2 -- true
expect "not root (run)" "missing capability CAP_BPF" \
	nsx setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$SIOSTEER" run --port 8080 --workers 2 -- true
expect "not root (attach)" "missing capability CAP_BPF" \
	nsx setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$SIOSTEER" attach lo --port 8080

# A listener WITHOUT SO_REUSEPORT on the port: attach and run must refuse it. (ip, not the
# function nsx: in the background nsx would be a subshell, and its PID not the listener's.)
ip netns exec "$NS" python3 "$SST_HELPERS/plain_listener.py" 8081 >/tmp/sst-bad-py.$$ &
pids+=($!)
for _ in $(seq 50); do grep -q ready /tmp/sst-bad-py.$$ 2>/dev/null && break; sleep 0.1; done
rm -f /tmp/sst-bad-py.$$
expect "attach: no SO_REUSEPORT" "held by pid [0-9]+ \(python3\) without SO_REUSEPORT" \
	nsx "$SIOSTEER" attach lo --port 8081
expect "run: port taken" "port 8081 is already listened on by pid [0-9]+ \(python3\)" \
	nsx "$SIOSTEER" run --port 8081 --workers 2 -- true
# The squatter still works: siosteer did not touch it.
if nsx python3 -c 'import socket; socket.create_connection(("127.0.0.1", 8081), 2)'; then
	echo "ok   squatter still accepts connections"
else
	echo "FAIL squatter no longer accepts"; fails=$((fails + 1))
fi

if [ $fails -eq 0 ]; then echo "PASS bad_input"; else echo "FAIL bad_input: $fails cases"; exit 1; fi
