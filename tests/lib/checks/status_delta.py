#!/usr/bin/env python3
"""status_delta.py STATUS_BEFORE STATUS_AFTER GROUP...: one line per counter group of the
first port of two `siosteer status --json`, with the counters that moved and by how much
(e.g. `cookie: issued +205997 accepted +2500 ...`). For a test's log, not a check."""
import json, sys
b, a = json.loads(sys.argv[1])[0], json.loads(sys.argv[2])[0]
for g in sys.argv[3:]:
    moved = [f"{k} +{a[g][k] - b[g].get(k, 0)}" for k in a.get(g, {}) if a[g][k] != b[g].get(k, 0)]
    print(f"{g}: " + (" ".join(moved) if moved else "nothing moved"))
