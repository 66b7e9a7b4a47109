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

require root node siosteer redis-server redis-cli cc
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
# sio VERB [OPTS] ARGS: `siosteer VERB --redis URL ...`; options go before the event, so
# build the command line here.
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
python3 "$SST_HELPERS/emit_calls.py" "$CALLS"
NCALLS=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$CALLS")
"$SST_NODE" "$NODE_DIR/redis-wire.js" emitter --calls "$CALLS" >"$SST_TMP/wire-emitter.txt" ||
	fail "redis-emitter reference failed"
start_bg capture ns_srv "$SST_NODE" "$NODE_DIR/redis-wire.js" capture --redis $URL --count "$NCALLS" --timeout "$(stretched 30)"
CAPTURE_PID=$SST_LAST_PID
wait_for_line "$SST_TMP/capture.log" '^subscribed' 10 || fail "capture did not subscribe"
python3 "$SST_HELPERS/emit_calls_siosteer.py" "$CALLS" "$SIOSTEER" "$SST_NS_SRV" "$URL" || fail "a siosteer call of the wire comparison failed"
wait_exit "$CAPTURE_PID" 10
grep '^msg ' "$SST_TMP/capture.log" >"$SST_TMP/wire-siosteer.txt"
same=$(python3 "$SST_CHECKS/wire_identical.py" "$SST_TMP/wire-emitter.txt" "$SST_TMP/wire-siosteer.txt")
echo "wire: $same/$NCALLS messages byte-identical to @socket.io/redis-emitter"
((same == NCALLS)) || fail "wire format differs ($same/$NCALLS identical)"

# Bad input: exactly one line on stderr, nothing on stdout, exit != 0.
BAD=0
bad() { one_line_error -q "$@"; }
# A server that answers anything with text that is not RESP (6390), and one that never
# answers (6391).
start_bg garbage ns_srv python3 "$SST_HELPERS/bad_redis_server.py" http
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
