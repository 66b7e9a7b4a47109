#!/usr/bin/env python3
"""addr_probe_consistent.py PROBE_JSON PIDS N: an addr-probe run got N answers, every address
always met one pid, and the pids used are the workers PIDS (comma list); else prints
the problems, exit 1. (addr_attach)"""
import json, sys
a, pids, n = json.loads(sys.argv[1]), sorted(int(p) for p in sys.argv[2].split(",")), int(sys.argv[3])
e = []
if a["requests"] != n or a["errors"]:
    e.append(f"answers {a['requests']}/{n}, errors {a['errors']}")
mixed = {k: sorted(set(v)) for k, v in a["per_addr"].items() if len(set(v)) != 1}
if mixed:
    e.append(f"{len(mixed)} addresses met several pids, e.g. {next(iter(mixed.items()))}")
used = sorted({p for v in a["per_addr"].values() for p in v})
if used != pids:
    e.append(f"pids used {used} != workers {pids}")
print("; ".join(e))
sys.exit(1 if e else 0)
