#!/bin/bash
# `siosteer emit|join|leave|disconnect` against real Socket.IO servers: a Debian
# redis-server on 127.0.0.1 inside the server namespace (its own config, no persistence),
# two socket.io@4 servers with @socket.io/redis-adapter@8 on ports 3001 and 3002, and
# socket.io-client@4 clients in the client namespace:
#   a: server 1, room roomA      b: server 2, room roomB      c: server 1, namespace /chat
# Checks: an emit to roomA reaches a and not b; a broadcast reaches a and b (not c, other
# namespace); --except; --nsp; `join` puts b (on the other server) in roomC, `leave` takes
# it out; `disconnect --to roomA` disconnects a and only a. Then the bytes: for 14 calls
# (unicode, every msgpack size class, JS key order, volatile, rooms/except, join, leave,
# disconnect) siosteer publishes exactly what @socket.io/redis-emitter@5 publishes.
# Bad input: a bad URL, a wrong password, no password, a server that speaks garbage,
# one that never answers, invalid JSON, a reserved event: one line on stderr, exit != 0.
# Last line: PASS/FAIL redis_emit. Needs root.
# shellcheck source-path=SCRIPTDIR disable=SC2034
set -u
NAME=redis_emit
SST_TAG="re"
# shellcheck source=../lib/netns.sh
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"
NODE_DIR=$SST_TESTS_DIR/node


((EUID == 0)) || fail "needs root (network namespaces)"
[[ -x $SST_NODE ]] || fail "missing $SST_NODE (npm install in tests/)"
[[ -x $SIOSTEER ]] || fail "missing $SIOSTEER (make)"
command -v redis-server >/dev/null || fail "redis-server not installed (make deps)"
netns_setup 1 || fail "netns_setup"

# redis_start NAME PORT [EXTRA CONFIG LINES]: a redis-server of our own in the server
# namespace, loopback only, nothing written to disk; its PID is recorded for cleanup.
redis_start() {
	local name=$1 port=$2 conf="$SST_TMP/$1.conf" i
	shift 2
	{
		echo "port $port"
		echo "bind 127.0.0.1"
		echo "save \"\""
		echo "appendonly no"
		echo "daemonize no"
		echo "dir $SST_TMP"
		echo "logfile \"\""
		for l in "$@"; do echo "$l"; done
	} >"$conf"
	start_bg "$name" ns_srv redis-server "$conf"
	for ((i = 0; i < 50; i++)); do
		ns_srv redis-cli -p "$port" ${REDIS_PASS:+--no-auth-warning -a "$REDIS_PASS"} ping 2>/dev/null |
			grep -q PONG && return 0
		sleep 0.1
	done
	return 1
}
redis_start redis 6379 "unixsocket $SST_TMP/redis.sock" "unixsocketperm 700" || fail "redis-server did not start"
REDIS_PASS=s3cret redis_start redis-auth 6380 "requirepass s3cret" || fail "redis-server with requirepass did not start"
URL=redis://127.0.0.1:6379
emit() { ns_srv "$SIOSTEER" "$@" --redis "$URL"; }
# emit VERB [OPTS] ARGS: options go before the event, so build the command line here.
sio() {
	local verb=$1
	shift
	ns_srv "$SIOSTEER" "$verb" --redis "$URL" "$@"
}

start_bg w1 ns_srv "$SST_NODE" "$NODE_DIR/redis-adapter-worker.js" --redis $URL --port 3001 --name s1 --nsp /chat
start_bg w2 ns_srv "$SST_NODE" "$NODE_DIR/redis-adapter-worker.js" --redis $URL --port 3002 --name s2 --nsp /chat
wait_for_line "$SST_TMP/w1.log" '^ready ' 15 || fail "server 1 not ready"
wait_for_line "$SST_TMP/w2.log" '^ready ' 15 || fail "server 2 not ready"
# Each server subscribes the request channel of each namespace: 2 subscribers each.
subs=$(ns_srv redis-cli -p 6379 pubsub numsub 'socket.io-request#/#' 'socket.io-request#/chat#' | paste -sd' ')
echo "request channel subscribers: $subs"
[[ $subs == 'socket.io-request#/# 2 socket.io-request#/chat# 2' ]] || fail "servers not subscribed: $subs"

CL=$SST_TMP/clients.log
start_bg clients ns_cli timeout 120 "$SST_NODE" "$NODE_DIR/redis-room-clients.js" \
	--client a "http://$SST_SRV_ADDR:3001" roomA \
	--client b "http://$SST_SRV_ADDR:3002" roomB \
	--client c "http://$SST_SRV_ADDR:3001/chat" -
for n in a b c; do wait_for_line "$CL" "^ready $n " 15 || fail "client $n not ready"; done
grep '^ready' "$CL"
grep -q '^ready a .*server=s1 rooms=.*"roomA"' "$CL" || fail "a is not in roomA on s1"
grep -q '^ready b .*server=s2 rooms=.*"roomB"' "$CL" || fail "b is not in roomB on s2"
AID=$(sed -n 's/^ready a id=\([^ ]*\) .*/\1/p' "$CL")

# expect NAME EVENT ARGS_JSON: wait up to 5 s for the line.
expect() {
	wait_for_line "$CL" "^event $1 $2 $(sed 's/[][\.*^$]/\\&/g' <<<"$3")\$" 5 ||
		fail "client $1 did not get $2 $3"
}
# none EVENT NAMES...: after the expected ones arrived (plus 0.5 s), nobody else got EVENT.
none() {
	local ev=$1 n
	shift
	sleep 0.5
	for n in "$@"; do
		grep -q "^event $n $ev " "$CL" && fail "client $n got $ev, it should not have"
	done
	return 0
}
CHECKS=0
out=$(sio emit --to roomA hello '{"n":1}' 2) || fail "emit --to roomA: $out"
echo "$out"
[[ $out == "emit: 2 Socket.IO servers received it"* ]] || fail "emit said: $out"
expect a hello '[{"n":1},2]'; none hello b c; CHECKS=$((CHECKS + 1))

sio emit -q everyone '"x"' >/dev/null || fail "broadcast failed"
expect a everyone '["x"]'; expect b everyone '["x"]'; none everyone c; CHECKS=$((CHECKS + 1))

sio emit -q --except roomA notA 1 || fail "emit --except failed"
expect b notA '[1]'; none notA a c; CHECKS=$((CHECKS + 1))

sio emit -q --nsp /chat news '{"t":"chat"}' || fail "emit --nsp failed"
expect c news '[{"t":"chat"}]'; none news a b; CHECKS=$((CHECKS + 1))

sio emit -q --to "$AID" direct true || fail "emit to a socket id failed"
expect a direct '[true]'; none direct b c; CHECKS=$((CHECKS + 1))

# join: the sockets in roomB (b, on server 2) join roomC; an emit to roomC reaches b only.
out=$(sio join --to roomB roomC) || fail "join: $out"
echo "$out"
sleep 0.3
sio emit -q --to roomC viaC 1 || fail "emit --to roomC failed"
expect b viaC '[1]'; none viaC a c; CHECKS=$((CHECKS + 1))
# leave: b leaves roomC again; the next emit to roomC reaches nobody.
sio leave -q --to roomB roomC || fail "leave failed"
sleep 0.3
sio emit -q --to roomC afterLeave 1 || fail "emit after leave failed"
none afterLeave a b c; CHECKS=$((CHECKS + 1))

# The C API (libsiosteer_emit.a), as a C worker uses it: emit to roomB, then make roomB's
# sockets join fromC; an emit to fromC reaches b.
ROOT=$(cd "$SST_TESTS_DIR/.." && pwd)
cc -Wall -I"$ROOT/include" -o "$SST_TMP/emit-example" "$SST_TESTS_DIR/clients/siosteer-emit-example.c" \
	"$ROOT/${BUILD:-build}/libsiosteer_emit.a" -lhiredis -lmsgpackc -ljansson -lm 2>"$SST_TMP/cc.log" ||
	fail "build the C API example: $(head -3 "$SST_TMP/cc.log")"
ns_srv "$SST_TMP/emit-example" "$URL" roomB fromC '{"lang":"C"}' || fail "C API example failed"
expect b fromC '[{"lang":"C"}]'; none fromC a c
sio emit -q --to fromC joinedFromC 1 || fail "emit --to fromC failed"
expect b joinedFromC '[1]'; none joinedFromC a c; CHECKS=$((CHECKS + 1))

# The same Redis through its unix socket.
ns_srv "$SIOSTEER" emit -q --redis "unix://$SST_TMP/redis.sock" --to roomB viaUnix 1 ||
	fail "emit over the unix socket failed"
expect b viaUnix '[1]'; none viaUnix a c; CHECKS=$((CHECKS + 1))

# disconnect: only the sockets of roomA (a); b still gets a later broadcast.
sio disconnect --to roomA || fail "disconnect failed"
wait_for_line "$CL" '^disconnect a io server disconnect$' 5 || fail "a was not disconnected by the server"
sio emit -q stillThere 1 || fail "emit after disconnect failed"
expect b stillThere '[1]'
grep -q '^disconnect b' "$CL" && fail "b was disconnected too"
CHECKS=$((CHECKS + 1))
echo "delivery: $CHECKS/10 checks right"
((CHECKS == 10)) || fail "only $CHECKS/10 delivery checks ran"

# Wire bytes: siosteer vs @socket.io/redis-emitter for the same calls. (Integral numbers
# from 2^64 up are left out: notepack.io writes them as a wrapped uint64, siosteer as the
# float64 they are.)
CALLS=$SST_TMP/calls.json
python3 - "$CALLS" <<'PY'
import json, sys
big = {f"k{i}": i for i in range(20)}
calls = [
    {"op": "emit", "event": "hello", "args": [{"n": 1}, 2]},
    {"op": "emit", "to": ["roomA"], "event": "e", "args": ["h\u00e9llo \u2713 \U0001F600", None, True, False]},
    {"op": "emit", "to": ["r1", "r2", "r1"], "except": ["x", "y"], "event": "multi", "args": []},
    {"op": "emit", "nsp": "chat", "event": "nums",
     "args": [0, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, 2**53,
              -1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649,
              1.5, -0.25, 1e19, 1e300 / 1e290, 100.0]},
    {"op": "emit", "event": "order", "args": [{"b": 1, "2": 2, "1": 3, "a": [], "10": {}, "01": 4}]},
    {"op": "emit", "event": "sizes", "args": ["s" * 31, "s" * 32, "s" * 255, "s" * 256, "s" * 70000,
                                           list(range(15)), list(range(16)), big]},
    {"op": "emit", "volatile": True, "to": ["v"], "event": "vol", "args": [[1, [2, [3]]]]},
    {"op": "emit", "event": "esc", "args": ["quote\" back\\ nl\n tab\t nul\u0000 ctl\u0001"]},
    {"op": "join", "to": ["roomB"], "rooms": ["roomC"]},
    {"op": "join", "rooms": ["x", "y"]},
    {"op": "leave", "to": ["roomB"], "except": ["e"], "rooms": ["roomC"]},
    {"op": "disconnect", "to": ["roomA"]},
    {"op": "disconnect", "nsp": "/chat", "close": True},
    {"op": "emit", "nsp": "/chat", "to": ["only"], "event": "x", "args": [{"deep": {"er": {"est": [None]}}}]},
]
json.dump(calls, open(sys.argv[1], "w"))
PY
NCALLS=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$CALLS")
"$SST_NODE" "$NODE_DIR/redis-wire.js" emitter --calls "$CALLS" >"$SST_TMP/wire-emitter.txt" ||
	fail "redis-emitter reference failed"
start_bg capture ns_srv "$SST_NODE" "$NODE_DIR/redis-wire.js" capture --redis $URL --count "$NCALLS" --timeout 30
CAPTURE_PID=$SST_LAST_PID
wait_for_line "$SST_TMP/capture.log" '^subscribed' 10 || fail "capture did not subscribe"
python3 - "$CALLS" "$SIOSTEER" "$SST_NS_SRV" "$URL" <<'PY' || fail "a siosteer call of the wire comparison failed"
import json, subprocess, sys
calls, siosteer, ns, url = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4]
for c in calls:
    argv = ["ip", "netns", "exec", ns, siosteer, c["op"], "--redis", url, "-q"]
    if c.get("nsp"): argv += ["--nsp", c["nsp"]]
    for r in c.get("to", []): argv += ["--to", r]
    for r in c.get("except", []): argv += ["--except", r]
    if c.get("volatile"): argv.append("--volatile")
    if c.get("close"): argv.append("--close")
    argv.append("--")
    if c["op"] == "emit":
        argv += [c["event"]] + [json.dumps(a, ensure_ascii=False) for a in c.get("args", [])]
    elif c["op"] in ("join", "leave"):
        argv += c["rooms"]
    r = subprocess.run(argv, capture_output=True, text=True)
    # 0 subscribers for some channels is fine (a warning); any error is not.
    if r.returncode != 0:
        print(f"{c}: rc {r.returncode}: {r.stderr.strip()}", file=sys.stderr)
        sys.exit(1)
PY
for ((i = 0; i < 100; i++)); do kill -0 "$CAPTURE_PID" 2>/dev/null || break; sleep 0.1; done
grep '^msg ' "$SST_TMP/capture.log" >"$SST_TMP/wire-siosteer.txt"
same=$(python3 - "$SST_TMP/wire-emitter.txt" "$SST_TMP/wire-siosteer.txt" <<'PY'
import sys
a = [l.split() for l in open(sys.argv[1]) if l.startswith("msg ")]
b = [l.split() for l in open(sys.argv[2]) if l.startswith("msg ")]
same = sum(1 for x, y in zip(a, b) if x == y)
for i, (x, y) in enumerate(zip(a, b)):
    if x != y:
        print(f"call {i + 1}: emitter {x[1]} {x[2][:200]}\n        siosteer {y[1]} {y[2][:200]}", file=sys.stderr)
if len(a) != len(b):
    print(f"emitter published {len(a)}, siosteer {len(b)}", file=sys.stderr)
print(same)
PY
)
echo "wire: $same/$NCALLS messages byte-identical to @socket.io/redis-emitter"
((same == NCALLS)) || fail "wire format differs ($same/$NCALLS identical)"

# Bad input: exactly one line on stderr, nothing on stdout, exit != 0.
BAD=0
bad() {
	local label=$1 want_re=$2 rc lines
	shift 2
	"$@" >"$SST_TMP/bad.out" 2>"$SST_TMP/bad.err"
	rc=$?
	lines=$(wc -l <"$SST_TMP/bad.err")
	echo "$label: rc $rc: $(cat "$SST_TMP/bad.err")"
	((rc != 0)) || fail "$label: exit 0"
	((lines == 1)) || fail "$label: $lines lines on stderr"
	[[ -s $SST_TMP/bad.out ]] && fail "$label: wrote to stdout"
	grep -qE "$want_re" "$SST_TMP/bad.err" || fail "$label: message does not match /$want_re/"
	BAD=$((BAD + 1))
}
# A server that answers anything with text that is not RESP, and one that never answers.
cat >"$SST_TMP/garbage.py" <<'PY'
import socket, sys, threading
def serve(port, answer):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(16)
    while True:
        c, _ = s.accept()
        if answer:
            try:
                c.recv(4096); c.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n<html>nope</html>\r\n")
            except OSError:
                pass
        threading.Timer(10, c.close).start()
threading.Thread(target=serve, args=(6390, True), daemon=True).start()
print("listening", flush=True)
serve(6391, False)
PY
start_bg garbage ns_srv python3 "$SST_TMP/garbage.py"
wait_for_line "$SST_TMP/garbage.log" '^listening' 5 || fail "garbage server did not start"
bad "bad scheme" "scheme 'http'" ns_srv "$SIOSTEER" emit --redis http://127.0.0.1:6379 ev 1
bad "bad port" "port '6379x'" ns_srv "$SIOSTEER" emit --redis redis://127.0.0.1:6379x ev 1
bad "bad db" "database 'abc'" ns_srv "$SIOSTEER" emit --redis redis://127.0.0.1:6379/abc ev 1
bad "refused" "Connection refused" ns_srv "$SIOSTEER" emit --redis redis://127.0.0.1:6399 ev 1
bad "wrong password" "refused the credentials.*WRONGPASS" ns_srv "$SIOSTEER" emit --redis redis://:wrong@127.0.0.1:6380 ev 1
bad "no password" "needs a password.*NOAUTH" ns_srv "$SIOSTEER" emit --redis redis://127.0.0.1:6380 ev 1
bad "wrong user" "refused the credentials" ns_srv "$SIOSTEER" join --redis redis://bob:s3cret@127.0.0.1:6380 r
bad "db out of range" "SELECT 99" ns_srv "$SIOSTEER" emit --redis redis://127.0.0.1:6379/99 ev 1
bad "garbage" "does not speak the Redis protocol" ns_srv "$SIOSTEER" emit --redis redis://127.0.0.1:6390 ev 1
bad "silent server" "did not answer PING in time" ns_srv "$SIOSTEER" emit --timeout 0.5 --redis redis://127.0.0.1:6391 ev 1
bad "invalid JSON" "argument 2 is not JSON" ns_srv "$SIOSTEER" emit --redis $URL ev 1 '{"a":'
bad "bare word" "a string needs quotes" ns_srv "$SIOSTEER" emit --redis $URL ev hello
bad "reserved event" "reserved event name" ns_srv "$SIOSTEER" emit --redis $URL disconnect
bad "unix no path" "no socket path" ns_srv "$SIOSTEER" emit --redis unix://relative ev 1
# The right password works (and a unix socket URL form parses).
ns_srv "$SIOSTEER" emit -q --redis redis://:s3cret@127.0.0.1:6380 ev 1 2>/dev/null ||
	fail "emit with the right password failed"

echo "RESULT delivery $CHECKS/10 (room, broadcast, except, nsp, socket id, join, leave, C API, unix socket, disconnect)," \
	"wire $same/$NCALLS byte-identical to redis-emitter, bad input $BAD/14 one-line errors"
echo "PASS $NAME"
