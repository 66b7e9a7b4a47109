#!/bin/bash
# A worker dies under load with `siosteer run --key addr`: only its own
# sessions may suffer. 4 real socket.io@4 workers (fd 3, every connection
# closed); 3000 polling sessions from 64 addresses, one TCP connection per
# request, 30 at a time, run in the background; once the victim slot has
# placed a few hundred connections, SIGKILL its worker.
# Asserts:
#  - `run` restarts it in the SAME slot: status shows restarts 1 and a new,
#    live pid there (other slots unchanged), the log has the restart lines,
#    and the new worker serves sessions (same addresses, same slot);
#  - sessions of the OTHER workers saw 0 failures: with address steering an
#    address belongs to one worker, so every failed session's address must
#    be one whose OK sessions were answered by the killed slot (old or new
#    pid), and no address met both the killed slot and another worker;
#  - no fallback: siosteer keeps the slot's socket, so nothing moved.
# Prints how many sessions failed (the killed worker's in-flight sessions
# are expected to: their state died with it).
# Last line: PASS/FAIL addr_worker_kill. Needs root.
# shellcheck source-path=SCRIPTDIR disable=SC2034
set -u
NAME=addr_worker_kill
SST_TAG=wk
# shellcheck source=../lib/netns.sh
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"

require root node siosteer
PORT=3000
NADDR=64
SESSIONS=3000
KILL_SLOT=1
KILL_AFTER=300 # connections placed in the victim slot before the kill
netns_bpf_setup $NADDR

start_agent run ns_srv "$SIOSTEER" run --port $PORT --workers 4 --key addr -- \
	"$SST_NODE" "$SST_TESTS_DIR/node/sio-worker.js" --close
st=$(agent_status $PORT) || fail "status --json failed"
PIDS_BEFORE=$(jget "$st" '",".join(str(s["pid"]) for s in a[0]["slots"])')
OLD=$(jget "$st" "a[0]['slots'][$KILL_SLOT]['pid']")
echo "workers before (slots 0-3): $PIDS_BEFORE; victim: slot $KILL_SLOT pid $OLD"

start_bg clients ns_cli timeout 120 "$SST_NODE" "$SST_TESTS_DIR/node/sio-clients.js" \
	--url "http://$SST_SRV_ADDR:$PORT" --sessions $SESSIONS --concurrency 30 \
	--transports polling --new-conn --local-addrs "$SST_CLI_ADDRS" --deadline 100
CLI_PID=$SST_LAST_PID

# Kill once the victim has real sessions in flight (bounded wait).
placed=0
for ((i = 0; i < 100; i++)); do
	placed=$(jget "$(agent_status $PORT)" "a[0]['slots'][$KILL_SLOT]['selected']") || placed=0
	((placed >= KILL_AFTER)) && break
	sleep 0.1
done
((placed >= KILL_AFTER)) || fail "victim slot placed only $placed connections in 10 s"
kill -0 "$CLI_PID" 2>/dev/null || fail "client run ended before the kill (make it longer)"
t_kill=$(date +%s.%N)
kill -KILL "$OLD" || fail "kill -KILL $OLD"
echo "SIGKILL pid $OLD after $placed connections in slot $KILL_SLOT"

wait_for_line "$SST_TMP/run.log" "slot $KILL_SLOT: started worker pid [0-9]+ \(restart\)" 15 ||
	fail "no restart line for slot $KILL_SLOT in 15 s"
NEW=$(sed -nE "s/.*slot $KILL_SLOT: started worker pid ([0-9]+) \(restart\).*/\1/p" "$SST_TMP/run.log" | head -1)
wait_for_line "$SST_TMP/run.log" "^ready pid=$NEW " 15 || fail "restarted worker $NEW not ready"
restart_s=$(printf "%.2f" "$(echo "$(date +%s.%N) - $t_kill" | bc)")
grep -qE "slot $KILL_SLOT: worker pid $OLD was killed by signal 9 .*restarting" "$SST_TMP/run.log" ||
	fail "no 'worker pid $OLD was killed by signal 9' line in the log"
kill -0 "$CLI_PID" 2>/dev/null || echo "note: the client run ended before the new worker was ready"

wait_exit "$CLI_PID" 120 || fail "client run still going after 120 s"
crc=$EXIT_RC
OUT=$(grep '^{' "$SST_TMP/clients.log" | tail -1)
[[ -n $OUT ]] || fail "no JSON from sio-clients (rc=$crc)"
echo "sio-clients (rc $crc): $OUT"

# The slot: same place, new pid, one restart; the other slots untouched.
st=$(agent_status $PORT) || fail "status --json failed after the kill"
echo "status: $st"
why=$(python3 "$SST_CHECKS/worker_restarted_in_slot.py" "$st" "$KILL_SLOT" "$OLD" "$NEW" "$PIDS_BEFORE") ||
	fail "status: $why"

# Attribute every failed session to a worker through its address.
why=$(python3 "$SST_CHECKS/worker_kill_attribution.py" "$OUT" "$OLD" "$NEW" "$SESSIONS") ||
	fail "attribution: $why"

failed=$(jget "$OUT" 'a["failed"]')
fa=$(jget "$OUT" 'len(a["failed_addrs"])')
va=$(jget "$OUT" "sum(1 for p in a['addr_pid'].values() if set(p if isinstance(p, list) else [p]) & {$OLD, $NEW})")
echo "RESULT $(jget "$OUT" 'a["ok"]')/$SESSIONS ok, $failed failed (all from $fa of the killed worker's $va addresses," \
	"$(jget "$OUT" 'a["failures"]')), 0 failed elsewhere; slot $KILL_SLOT pid $OLD -> $NEW ready in $restart_s s, restarts 1"
echo "PASS $NAME"
