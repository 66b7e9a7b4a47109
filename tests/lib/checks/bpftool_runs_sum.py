#!/usr/bin/env python3
"""bpftool_runs_sum.py DUMP_JSON: the sum over CPUs of the `runs` field in `bpftool map dump`
of the per-CPU counters map. (addr_run)"""
import json, sys
d = json.loads(sys.argv[1])
print(sum(c["value"]["runs"] for e in d for c in e["values"]))
