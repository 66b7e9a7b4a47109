#!/usr/bin/env python3
"""learn_guard.py SESSIONS_BEFORE SESSIONS_AFTER STATUS STALE_SIDS: no learned session moved,
and the learner refused what it had to. Prints RESULT; exit 1 if not. (sid_learn_guard)"""
import json, sys
b, a, st = (json.loads(x) for x in sys.argv[1:4])
stale_sids = sys.argv[4].split()
bm = {s["sid"]: s["slot"] for s in b["sessions"]}
am = {s["sid"]: s["slot"] for s in a["sessions"]}
moved = [sid for sid in bm if am.get(sid) != bm[sid]]
l = st[0]["learner"]
print(f"RESULT {len(bm)} learned sessions attacked {6 * len(bm)} times through an echo route: "
      f"{len(moved)} moved; learner already_known {l['already_known']}, "
      f"not_new_session {l['not_new_session']}, learned {l['learned']}; "
      f"{len(stale_sids)} open packets on a reused 4-tuple: stale_conn {l['stale_conn']}, "
      f"learned from them {len(set(stale_sids) & set(am))}")
sys.exit(1 if moved or l["already_known"] == 0 or l["not_new_session"] == 0
         or l["stale_conn"] < len(stale_sids) or set(stale_sids) & set(am) else 0)
