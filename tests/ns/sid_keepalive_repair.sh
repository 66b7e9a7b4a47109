#!/usr/bin/env bash
# Kept-alive connections that carry several sessions, as a browser's pool does: a
# handshake on a reused connection must be learned (the learner takes the slot from the
# connection's socket storage), and a request whose sid belongs to another worker than
# its connection's must reset that connection before the worker answers, so that the
# client's resend is steered by sid. 4 real socket.io@4 workers with keep-alive on,
# `siosteer run --key sid`; tests/clients/keepalive-repair.py plays the pool.
set -u
NAME=sid_keepalive_repair
SST_TAG=kr
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"
PORT=3000
SESSIONS=${SESSIONS:-24}

netns_setup 1 || fail "netns_setup"
mount_test_bpffs || fail "bpffs"
start_bg siosteer ns_srv "$SIOSTEER" run --port $PORT --workers 4 --key sid --iface veth0 \
	--place least-loaded -- "$SST_NODE" "$SST_TESTS_DIR/node/sio-worker.js"
wait_for_line "$SST_TMP/siosteer.log" 'steering port' 15 || fail "siosteer did not start"
for _ in $(seq 100); do [ "$(grep -c '^ready' "$SST_TMP/siosteer.log")" -ge 4 ] && break; sleep 0.1; done

out=$(ns_cli timeout 60 python3 "$SST_TESTS_DIR/clients/keepalive-repair.py" "$SST_SRV_ADDR" $PORT \
	"$SESSIONS") || fail "pool client: $out"
sessions=$(ns_srv "$SIOSTEER" sessions --port $PORT --json --limit 1000) || fail "sessions"
status=$(ns_srv "$SIOSTEER" status --port $PORT --json) || fail "status"
python3 - "$out" "$sessions" "$status" "$SESSIONS" <<'PY' || fail "checks"
import json, sys
o, s, st, n = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])[0], int(sys.argv[4])
learned = {x["sid"]: x["slot"] for x in s["sessions"]}
rp, ln = st["repair"], st["learner"]
missing = [x for x in o["sids"] if x not in learned]
slots = {learned[x] for x in o["sids"] if x in learned}
print(f"RESULT {len(o['sids'])}/{n} sessions, {o['handshakes_on_reused']} handshakes sent on a "
      f"reused connection ({o['handshake_resets']} reset to rebalance, rebalanced "
      f"{rp['rebalanced']}); learned {len(o['sids']) - len(missing)}/{len(o['sids'])} over {len(slots)} "
      f"slots; requests on the kept-alive connection: {o['answered_on_k']} answered by their "
      f"worker, {o['reset']} reset and resent ({o['resent_ok']} ok); repair repaired "
      f"{rp['repaired']} same_slot {rp['same_slot']} new_session {rp['new_session']} errors "
      f"{rp['errors']}; failures {len(o['failures'])}")
e = []
if len(o["sids"]) != n or o["failures"]:
    e.append(f"failures: {o['failures'][:3]}")
if missing:
    e.append(f"{len(missing)} sessions not learned")
if len(slots) < 3:
    e.append(f"sessions on {len(slots)} slots: the test needs several workers")
if o["reset"] == 0 or rp["repaired"] != o["reset"] or o["resent_ok"] != o["reset"]:
    e.append(f"resets {o['reset']}, repaired {rp['repaired']}, resent ok {o['resent_ok']}")
if rp["rebalanced"] != o["handshake_resets"]:
    e.append(f"handshake resets {o['handshake_resets']}, rebalanced {rp['rebalanced']}")
if rp["new_session"] + rp["rebalanced"] < o["handshakes_on_reused"]:
    e.append(f"handshakes on the reused connection {o['handshakes_on_reused']}, seen "
             f"{rp['new_session']} + {rp['rebalanced']}")
if rp["errors"]:
    e.append(f"repair errors {rp['errors']}")
if e:
    print("; ".join(e))
    sys.exit(1)
PY
echo "PASS $NAME"
