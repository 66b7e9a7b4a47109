#!/bin/bash
# `siosteer drain|undrain|weight` on one host, with no Redis at all (the pinned control map;
# the Redis bridge only carries the same commands between hosts). `siosteer run --key sid
# --place addr` with 3 real socket.io@4 workers, clients from 32 addresses:
#   drain slot 2  -> applied by the agent within 1 s; 60 new sessions avoid slot 2 while
#                    the sessions already on slot 2 keep working (their sids still steer)
#   weight slot 0 = 4 -> its share of the Maglev table (status) is 4/6; new sessions follow
#   agent killed (kill -9), then undrain -> the CLI rebuilds the table from the pins
#                    itself; new sessions reach slot 2 again
#   drain of every slot -> refused as a table change (the node cannot refuse connections):
#                    the table keeps all slots and the CLI says so
# Last line: PASS/FAIL redis_drain_local. Needs root.
# shellcheck source-path=SCRIPTDIR disable=SC2034
set -u
NAME=redis_drain_local
SST_TAG="rd"
# shellcheck source=../lib/netns.sh
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"
NODE_DIR=$SST_TESTS_DIR/node

SST_FAIL_SKIP='^(session|tick|ready|stats) '

require root node siosteer
netns_bpf_setup 32
URL=http://$SST_SRV_ADDR:3000
on_cleanup "ip netns exec $SST_NS_SRV $SIOSTEER detach veth0 --port 3000"

start_agent agent ns_srv "$SIOSTEER" run --port 3000 --workers 3 --key sid --iface veth0 --place addr -- \
	"$SST_NODE" "$NODE_DIR/sio-worker.js" --close
AGENT=$AGENT_PID
st=$(agent_status 3000) || fail "status"
read -r P0 P1 P2 < <(jget "$st" '" ".join(str(s["pid"]) for s in a[0]["slots"])')
echo "workers: slot 0 pid $P0, slot 1 pid $P1, slot 2 pid $P2"
clients() { # clients LABEL N: N short sessions from the 32 addresses
	sio_clients_out "$1" 120 --url "$URL" --sessions "$2" --concurrency 10 --transports polling --new-conn \
		--acks 2 --local-addrs "$SST_CLI_ADDRS" --deadline 100
}
share() { # share SLOT: percent of the table
	agent_status 3000 | python3 -c "import json,sys; print(round(100*json.load(sys.stdin)[0]['slots'][$1]['table_share'], 1))"
}
before=$(clients before 60) || fail "sessions before: $before"
echo "before: per pid $(jget "$before" 'a["per_pid"]')"

# Sessions that stay (one client address, so one slot: D), across the drain of D.
# (Times stretched by SIOSTEER_TEST_SCALE: the sessions must outlive the drain.)
start_bg long ns_cli timeout "$(stretched 60)" "$SST_NODE" "$NODE_DIR/redis-cluster-clients.js" \
	--url "$URL" --sessions 30 --interval-ms 200 --duration "$(stretched 8)"
for ((i = 0; i < $(stretched 10) * 10; i++)); do
	(($(grep -c '^session ' "$SST_TMP/long.log") == 30)) && break
	sleep 0.1
done
PD=$(sed -n 's/^session .* pid=//p' "$SST_TMP/long.log" | sort | uniq -c | sort -rn | awk 'NR==1{print $2}')
case $PD in $P0) D=0 O1=1 O2=2 ;; $P1) D=1 O1=0 O2=2 ;; $P2) D=2 O1=0 O2=1 ;; *) fail "long-lived sessions on pid '$PD'" ;; esac
PO1=$(eval echo \$P$O1)
onD=$(grep -c "^session .* pid=$PD\$" "$SST_TMP/long.log")
echo "30 long-lived sessions: $onD on slot $D (pid $PD)"
t0=$(ms)
out=$(ns_srv "$SIOSTEER" drain --port 3000 --slot $D) || fail "drain: $out"
DRAIN_MS=$(($(ms) - t0))
echo "$out (${DRAIN_MS} ms)"
[[ $out == *"applied it: table generation"* ]] || fail "drain output: $out"
((DRAIN_MS < $(stretched 1) * 1000)) || fail "drain took ${DRAIN_MS} ms"
[[ $(share $D) == 0.0 ]] || fail "slot $D still has $(share $D)% of the table"
after=$(clients drained 60) || fail "sessions after the drain: $after"
echo "after drain: per pid $(jget "$after" 'a["per_pid"]')"
[[ $(jget "$after" "a['per_pid'].get('$PD', 0)") == 0 ]] || fail "drained slot $D got new sessions"
for ((i = 0; i < $(stretched 20) * 10; i++)); do grep -q '^summary ' "$SST_TMP/long.log" && break; sleep 0.1; done
sum=$(sed -n 's/^summary //p' "$SST_TMP/long.log")
[[ $(jget "$sum" 'a["failed"]') == 0 && $(jget "$sum" 'a["ok"]') == 30 ]] || fail "existing sessions: $sum"
acksD=$(jget "$sum" "a['acks_per_pid'].get('$PD', 0)")
((onD > 0 && acksD > onD * 20)) || fail "$onD sessions on slot $D made only $acksD acks"
echo "existing sessions: 30/30 OK; the $onD on slot $D made $acksD acks across the drain"

out=$(ns_srv "$SIOSTEER" weight --port 3000 --slot $O1 4) || fail "weight: $out"
echo "$out"
s0=$(share $O1)
s1=$(share $O2)
echo "shares with slot $O1 weight 4, slot $D drained: slot $O1 $s0%, slot $O2 $s1%"
python3 -c "import sys; sys.exit(0 if abs($s0 - 80) < 1 and abs($s1 - 20) < 1 else 1)" || fail "shares $s0/$s1, want 80/20"
w=$(clients weighted 64) || fail "sessions with weights: $w"
n0=$(jget "$w" "a['per_pid'].get('$PO1', 0)")
echo "weighted: per pid $(jget "$w" 'a["per_pid"]')"
((n0 > 32)) || fail "slot $O1 (weight 4) got only $n0/64 new sessions"

# No agent: the CLI rebuilds the table from the pins.
kill -9 "$AGENT"
wait "$AGENT" 2>/dev/null
out=$(ns_srv "$SIOSTEER" undrain --port 3000 --slot $D) || fail "undrain without agent: $out"
echo "$out"
[[ $out == *"no agent runs: table rebuilt from the pins"* ]] || fail "undrain output: $out"
s2=$(share $D)
python3 -c "import sys; sys.exit(0 if abs($s2 - 100/6) < 1 else 1)" || fail "slot $D share $s2% after undrain"
back=$(clients undrained 60) || fail "sessions after undrain (no agent): $back"
[[ $(jget "$back" "a['per_pid'].get('$PD', 0)") -gt 0 ]] || fail "slot $D got no session after undrain: $back"
echo "undrained without agent: slot $D share $s2%, per pid $(jget "$back" 'a["per_pid"]')"

# Drain everything: the table keeps its slots, and the CLI says why.
out=$(ns_srv "$SIOSTEER" drain --port 3000 2>"$SST_TMP/drain-all.err") || fail "drain all: $out"
grep -q 'every live slot is drained' "$SST_TMP/drain-all.err" || fail "no warning when every slot is drained"
[[ $(share 1) != 0.0 ]] || fail "draining every slot emptied the table"
echo "drain of the whole port: $(cat "$SST_TMP/drain-all.err")"
bad=$(ns_srv "$SIOSTEER" weight --port 3000 --slot 1 0 2>&1) && fail "weight 0 accepted"
echo "weight 0: $bad"
bad=$(ns_srv "$SIOSTEER" drain --port 3999 2>&1) && fail "drain of an unsteered port accepted"
echo "unsteered port: $bad"

echo "RESULT drain applied in ${DRAIN_MS} ms, 0/60 new sessions on the drained slot, 30/30 existing OK" \
	"($onD on it, $acksD acks); weight 4 -> share $s0% and $n0/64 new sessions; undrain without agent" \
	"-> share $s2%"
echo "PASS $NAME"
