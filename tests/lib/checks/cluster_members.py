#!/usr/bin/env python3
"""cluster_members.py < STATUS_JSON: the live nodes of `siosteer status --cluster NAME --json`
(on stdin) as "node:port:nslots", sorted, on one line; nothing if stdin is not JSON.
(redis_cluster)"""
import json, sys
try:
    a = json.load(sys.stdin)
except Exception:
    sys.exit(0)
print(" ".join(sorted("%s:%s:%d" % (n["node"], n["port"], len(n["slots"])) for n in a["nodes"])))
