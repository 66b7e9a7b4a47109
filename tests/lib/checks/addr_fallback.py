#!/usr/bin/env python3
"""addr_fallback.py BEFORE_JSON AFTER_JSON STATUS_JSON VICTIM_PID: addr-probe before and after a
worker was killed (agent frozen): every address of the dead worker went to one live
worker, no other address moved, the fallback counter counted them. Prints RESULT;
exit 1 if not. (addr_fallback)"""
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
