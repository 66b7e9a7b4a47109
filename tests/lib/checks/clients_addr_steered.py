#!/usr/bin/env python3
"""clients_addr_steered.py CLIENTS_JSON N PIDS: what every address-steered sio-clients run must
show: N sessions OK, none on two pids, each address on one worker, every address served,
exactly the workers PIDS (comma list) used, each of them. Prints all problems at once;
exit 1 if any."""
import json, sys
a, n, pids = json.loads(sys.argv[1]), int(sys.argv[2]), sorted(sys.argv[3].split(","))
e = []
if a["ok"] != n or a["failed"]:
    e.append(f"ok {a['ok']}/{n}, failures {a['failures']}")
if a["mixed_pid"]:
    e.append(f"mixed_pid {a['mixed_pid']}")
if a["per_addr_pids_consistent"] is not True:
    bad = {k: v for k, v in a["addr_pid"].items() if isinstance(v, list)}
    e.append(f"per_addr_pids_consistent {a['per_addr_pids_consistent']} ({len(bad)} addresses met several pids)")
if a["addr_mismatch"]:
    e.append(f"addr_mismatch {a['addr_mismatch']}")
if len(a["addr_pid"]) != a["addrs"]:
    e.append(f"only {len(a['addr_pid'])}/{a['addrs']} addresses had an OK session")
if sorted(a["per_pid"]) != pids:
    e.append(f"pids {sorted(a['per_pid'])} != workers {pids}")
if not all(v > 0 for v in a["per_pid"].values()):
    e.append("a worker got no session")
print("; ".join(e))
sys.exit(1 if e else 0)
