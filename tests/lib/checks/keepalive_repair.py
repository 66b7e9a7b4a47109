#!/usr/bin/env python3
"""keepalive_repair.py CLIENT_JSON SESSIONS_JSON STATUS_JSON N: the kept-alive pool client's
sessions were all learned and every misplaced request was reset and resent. Prints
RESULT, then the problems and exit 1. (sid_keepalive_repair)"""
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
