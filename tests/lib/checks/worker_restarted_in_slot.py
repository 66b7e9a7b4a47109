#!/usr/bin/env python3
"""worker_restarted_in_slot.py STATUS_JSON SLOT OLD_PID NEW_PID PIDS_BEFORE: after a worker was
killed, status shows its slot with the new live pid and one restart, the other slots
unchanged, no fallback. Prints the problems, exit 1 if any. (addr_worker_kill)"""
import json, os, sys
a = json.loads(sys.argv[1])[0]
k, old, new, before = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5].split(",")
sl, c, e = a["slots"], a["counters"], []
if len(sl) != 4 or not all(s["listening"] for s in sl):
    e.append(f"slots {[(s['slot'], s['listening']) for s in sl]}")
v = sl[k]
if v["restarts"] != 1:
    e.append(f"slot {k} restarts {v['restarts']}, want 1")
if v["pid"] == old or v["pid"] != new:
    e.append(f"slot {k} pid {v['pid']}, want the new {new} (old {old})")
if not os.path.exists(f"/proc/{v['pid']}"):
    e.append(f"slot {k} pid {v['pid']} is not running")
for s in sl:
    if s["slot"] != k and (s["restarts"] != 0 or str(s["pid"]) != before[s["slot"]]):
        e.append(f"slot {s['slot']} changed: pid {s['pid']} restarts {s['restarts']}")
for f in ("fallback", "no_live_slot", "select_error"):
    if c[f]:
        e.append(f"{f} {c[f]}")
print("; ".join(e))
sys.exit(1 if e else 0)
