#!/usr/bin/env bash
# sid steering survives its agent: after `siosteer attach --key sid` is SIGKILLed, the
# cookie program (or the gate), learner and TIME_WAIT programs stay attached and sessions
# from one address still succeed; a new agent adopts the pins (and, on the sysctl cookie
# route, the recorded tcp_syncookies value); `detach` then removes everything and
# tcp_syncookies is what it was before siosteer. On the bpf route it is never changed
# (1 throughout); on the sysctl route ($SIOSTEER_COOKIES=sysctl) it is 2 while steering.
set -u
NAME=sid_agent_kill
SST_TAG=sak
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"
PORT=3000
cookies() { ns_srv sysctl -n net.ipv4.tcp_syncookies; }
clients() { # label
	local out
	sio_clients "$1" 90 --url "http://$SST_SRV_ADDR:$PORT" --sessions 300 --concurrency 30 --transports polling \
		--new-conn --local-addrs "${SST_CLI_ADDRS%%,*}" --deadline 80
	out=$OUT
	[ "$(json "$out" ok)" = 300 ] || fail "$1: $(json "$out" ok)/300 ok: $(json "$out" failures)"
	[ "$(json "$out" per_pid | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 4 ] ||
		fail "$1: not all 4 workers used: $(json "$out" per_pid)"
	echo "$1: 300/300 ok from one address, per pid $(json "$out" per_pid)"
}

require root node siosteer
netns_bpf_setup 1
ns_srv sysctl -qw net.ipv4.tcp_syncookies=1
start_workers w 4 ns_srv "$SST_NODE" "$SST_TESTS_DIR/node/sio-worker.js" --port $PORT --host :: --close
start_agent agent1 ns_srv "$SIOSTEER" attach veth0 --port $PORT --key sid --place least-loaded
AGENT1=$AGENT_PID
# The route the agent took decides what tcp_syncookies must be while it steers.
WANT=2
grep -q 'cookies: bpf' "$SST_TMP/agent1.log" && WANT=1
[ "$(cookies)" = $WANT ] || fail "tcp_syncookies is $(cookies) while steering, want $WANT"
clients "agent running"

kill -9 "$AGENT1"
wait "$AGENT1" 2>/dev/null
ns_srv "$SIOSTEER" status --port $PORT | grep -q 'agent: not running' || fail "status after SIGKILL"
clients "agent killed"
[ "$(cookies)" = $WANT ] || fail "tcp_syncookies changed after the agent died"

start_agent agent2 ns_srv "$SIOSTEER" attach veth0 --port $PORT --key sid --place least-loaded
grep -q 'adopted pinned state' "$SST_TMP/agent2.log" || fail "second agent did not adopt"
clients "adopted"

ns_srv "$SIOSTEER" detach veth0 --port $PORT >"$SST_TMP/detach.log" 2>&1 || fail "detach failed"
[ "$(cookies)" = 1 ] || fail "tcp_syncookies is $(cookies) after detach, want 1 (the value before siosteer)"
[ -z "$(ls -A "$SIOSTEER_PIN_ROOT" 2>/dev/null | grep -v '\.debug$' | grep -v '^xdp$')" ] ||
	fail "pins left: $(ls "$SIOSTEER_PIN_ROOT")"
tc_left=$(ns_srv tc filter show dev veth0 ingress; ns_srv tc filter show dev veth0 egress)
[ -z "$tc_left" ] || fail "tc filters left: $tc_left"
ns_srv ip -d link show veth0 | grep -q 'prog/xdp' && fail "XDP program left on veth0"
ns_srv tc qdisc show dev veth0 | grep -q clsact && fail "the clsact qdisc siosteer created is left on veth0"
echo "RESULT 3x300 sessions from one address ok (agent, killed agent, adopted); tcp_syncookies 1 -> $WANT -> 1 after detach; no pins, tc filters, clsact or XDP left"
echo "PASS $NAME"
