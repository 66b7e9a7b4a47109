#!/usr/bin/env bash
# Kept-alive connections that carry several sessions, as a browser's pool does: a
# handshake on a reused connection must be learned (the learner takes the slot from the
# connection's socket storage), and a request whose sid belongs to another worker than
# its connection's must reset that connection before the worker answers, so that the
# client's resend is steered by sid. 4 real socket.io@4 workers with keep-alive on,
# `siosteer run --key sid`; tests/clients/keepalive-repair.py plays the pool. Then one
# worker is drained: its sessions must still reach it through another worker's kept-alive
# connection, and a handshake on one of its connections must go elsewhere
# (tests/clients/keepalive-drained.py).
set -u
NAME=sid_keepalive_repair
SST_TAG=kr
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"
PORT=3000
SESSIONS=${SESSIONS:-24}

require root node siosteer
netns_bpf_setup 1
start_agent siosteer ns_srv "$SIOSTEER" run --port $PORT --workers 4 --key sid --iface veth0 \
	--place least-loaded -- "$SST_NODE" "$SST_TESTS_DIR/node/sio-worker.js"

out=$(ns_cli timeout 60 python3 "$SST_TESTS_DIR/clients/keepalive-repair.py" "$SST_SRV_ADDR" $PORT \
	"$SESSIONS") || fail "pool client: $out"
sessions=$(agent_sessions $PORT 1000) || fail "sessions"
status=$(agent_status $PORT) || fail "status"
python3 "$SST_CHECKS/keepalive_repair.py" "$out" "$sessions" "$status" "$SESSIONS" || fail "checks"

# Drain the slot of one session; pick a session of another slot.
read -r dslot dsid osid < <(jget "$sessions" '" ".join(str(x) for x in next(([s["slot"], s["sid"], o["sid"]] for s in a["sessions"] for o in a["sessions"] if o["slot"] != s["slot"])))') ||
	fail "no two sessions on different slots"
ns_srv "$SIOSTEER" drain --port $PORT --slot "$dslot" >/dev/null || fail "drain slot $dslot"
before=$(jget "$(agent_status $PORT)" 'a[0]["repair"]') || fail "status"
out=$(ns_cli timeout 30 python3 "$SST_TESTS_DIR/clients/keepalive-drained.py" "$SST_SRV_ADDR" $PORT \
	"$dsid" "$osid") || fail "drained slot $dslot: $out"
after=$(agent_status $PORT) || fail "status"
nslot=$(jget "$(agent_sessions $PORT 1000)" "next(s['slot'] for s in a['sessions'] if s['sid'] == $(jget "$out" 'json.dumps(a["new_sid"])'))") ||
	fail "the new session was not learned: $out"
[ "$nslot" != "$dslot" ] || fail "a new session went to drained slot $dslot"
echo "RESULT drained slot $dslot: $(jget "$out" 'a["foreign_request"]'); handshake on its connection: $(jget "$out" 'a["handshake_on_drained"]'), new session on slot $nslot; repair before $(jget "$before" '{k: a[k] for k in ("repaired", "rebalanced", "owner_gone")}') after $(jget "$after" '{k: a[0]["repair"][k] for k in ("repaired", "rebalanced", "owner_gone")}')"
[ "$(jget "$after" 'a[0]["repair"]["owner_gone"]')" = 0 ] || fail "a request of the drained slot counted as owner_gone"
echo "PASS $NAME"
