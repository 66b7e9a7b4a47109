#!/usr/bin/env python3
"""worker_kill_attribution.py CLIENTS_JSON OLD_PID NEW_PID N: every failed session of a run during
which a worker was killed belongs (by its address) to the killed slot; the other
workers' sessions all succeeded. Prints the problems, exit 1 if any. (addr_worker_kill)"""
import json, sys
a, old, new, n = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
victim = {old, new}
e = []
owners = {ad: set(p if isinstance(p, list) else [p]) for ad, p in a["addr_pid"].items()}
both = {ad: sorted(s) for ad, s in owners.items() if s & victim and s - victim}
if both:
    e.append(f"{len(both)} addresses met the killed slot AND another worker: {both}")
other = {ad: s for ad, s in owners.items() if not s & victim}
if any(len(s) != 1 for s in other.values()):
    e.append("an address of the other workers met several pids")
unattributed = {ad: f for ad, f in a["failed_addrs"].items() if ad not in owners}
if unattributed:
    e.append(f"failed sessions from addresses with no OK session (cannot attribute): {unattributed}")
bad = {ad: f for ad, f in a["failed_addrs"].items() if ad in other}
if bad:
    e.append(f"{sum(bad.values())} sessions of OTHER workers failed: {bad}")
if a["ok"] + a["failed"] != n:
    e.append(f"ok {a['ok']} + failed {a['failed']} != {n}")
if a["mixed_pid"]:
    e.append(f"mixed_pid {a['mixed_pid']}")
if a["addr_mismatch"]:
    e.append(f"addr_mismatch {a['addr_mismatch']}")
pp = a["per_pid"]
if not pp.get(str(old)):
    e.append(f"the killed worker {old} completed no session before the kill")
if not pp.get(str(new)):
    e.append(f"the restarted worker {new} served no session (not in the same slot?)")
if len(pp) != 5:
    e.append(f"per_pid has {len(pp)} pids, want 4 workers + the restarted one")
va = [ad for ad, s in owners.items() if s & victim]
if not va or not other:
    e.append(f"victim owns {len(va)} addresses, others {len(other)}")
print("; ".join(e))
sys.exit(1 if e else 0)
