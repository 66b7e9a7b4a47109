#!/usr/bin/env python3
"""same_addr_map.py RUN1_JSON RUN2_JSON: the address -> pid maps of two sio-clients runs are
equal; else prints how many addresses changed worker, exit 1. (addr_agent_kill)"""
import json, sys
x, y = (json.loads(s)["addr_pid"] for s in sys.argv[1:3])
d = {k: (x.get(k), y.get(k)) for k in set(x) | set(y) if x.get(k) != y.get(k)}
print(f"{len(d)} of {len(set(x) | set(y))} addresses changed worker: {dict(list(d.items())[:5])}" if d else "")
sys.exit(1 if d else 0)
