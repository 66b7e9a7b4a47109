#!/usr/bin/env python3
"""repair_counters.py STATUS_JSON: every key of `siosteer status --json`, at any depth, that
contains "repair", as path=value; "n/a" if there is none. (sid_keepalive_pool)"""
import json, sys
found = []
def walk(v, path):
    if isinstance(v, dict):
        for k, x in v.items():
            p = f"{path}.{k}" if path else k
            if "repair" in k.lower() and not isinstance(x, (dict, list)):
                found.append(f"{p}={x}")
            walk(x, p)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk(x, path)
walk(json.loads(sys.argv[1]), "")
print(" ".join(found) if found else "n/a")
