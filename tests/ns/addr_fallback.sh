#!/usr/bin/env bash
# A slot whose worker died is skipped at once, deterministically: before the agent has
# rebuilt the table (here it is frozen with SIGSTOP, so it cannot), every connection from
# an address of the dead worker goes to one and the same live worker, and the fallback is
# counted. Once the agent runs again, its rebuild moves about a quarter of the addresses.
set -u
NAME=addr_fallback
SST_TAG=fb
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"
PORT=3200
probe() { # -> JSON {per_addr: {addr: [pids]}, ...}
	ns_cli timeout 60 python3 "$SST_TESTS_DIR/clients/addr-probe.py" --url "http://$SST_SRV_ADDR:$PORT/" \
		--local-addrs "$SST_CLI_ADDRS" --requests 4 --deadline 50 --expect-consistent
}

netns_setup 64 || fail "netns_setup"
mount_test_bpffs || fail "bpffs"
for i in 1 2 3 4; do
	start_bg "w$i" ns_srv python3 "$SST_TESTS_DIR/workers/pid-http-worker.py" --port $PORT
	eval "W$i=$SST_LAST_PID"
	wait_for_line "$SST_TMP/w$i.log" '^ready' 15 || fail "worker $i"
done
start_bg agent ns_srv "$SIOSTEER" attach veth0 --port $PORT
AGENT=$SST_LAST_PID
wait_for_line "$SST_TMP/agent.log" 'steering port' 15 || fail "agent did not start"

before=$(probe) || fail "probe before: $before"
victim=$W2
kill -STOP "$AGENT"
kill -9 "$victim"
wait "$victim" 2>/dev/null
after=$(probe) || fail "probe after the kill (must be served and consistent): $after"
st=$(ns_srv "$SIOSTEER" status --port $PORT --json) || fail "status"
python3 - "$before" "$after" "$st" "$victim" <<'PY' || fail "fallback was not as expected"
import json, sys
b, a, st, victim = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])[0], sys.argv[4]
bm = {k: v[0] for k, v in b["per_addr"].items()}
am = {k: v[0] for k, v in a["per_addr"].items()}
orphans = [k for k, p in bm.items() if str(p) == victim]
kept = [k for k, p in bm.items() if str(p) != victim and am[k] == p]
moved_other = [k for k, p in bm.items() if str(p) != victim and am[k] != p]
fb = st["counters"]["fallback"]
print(f"RESULT killed pid {victim} owned {len(orphans)}/64 addresses; after the kill each of them "
      f"went to one live worker every time ({sorted(set(str(am[k]) for k in orphans))}), "
      f"{len(kept)}/{64 - len(orphans)} other addresses kept their worker, fallback counter {fb}")
ok = orphans and not moved_other and fb >= 4 * len(orphans) and all(str(am[k]) != victim for k in orphans)
sys.exit(0 if ok else 1)
PY
# Running again, the agent frees the slot and rebuilds the table.
kill -CONT "$AGENT"
wait_for_line "$SST_TMP/agent.log" 'client addresses moved' 10 || fail "no rebuild after the worker died"
grep -E 'is gone|addresses moved' "$SST_TMP/agent.log" | sed 's/^/  /'
echo "PASS $NAME"
