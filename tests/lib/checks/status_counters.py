#!/usr/bin/env python3
"""status_counters.py STATUS_JSON KEY...: `KEY=value ...` for the given counters of the first
port in `siosteer status --json`: the selector's counters and sid counters by their own
names, the gate's as gate_NAME, the cookie program's as cookie_NAME, the TIME_WAIT program's as tw_NAME; 0 for one absent."""
import json, sys
s = json.loads(sys.argv[1])[0]
c = {**s["counters"], **s.get("sid", {}), **{"gate_" + k: v for k, v in s.get("gate", {}).items()},
     **{"cookie_" + k: v for k, v in s.get("cookie", {}).items()},
     **{"tw_" + k: v for k, v in s.get("tw", {}).items()}}
keys = sys.argv[2:]
print(" ".join(f"{k}={c.get(k, 0)}" for k in keys))
