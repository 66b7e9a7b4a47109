#!/usr/bin/env python3
"""bpf_maps_memory.py PIN_DIR: kernel memory (bpftool bytes_memlock) of the sids map and of
every map the programs pinned in PIN_DIR use, as one JSON line. (sid_capacity)"""
import json, os, subprocess, sys
d = sys.argv[1]
def bt(*a):
    return json.loads(subprocess.run(["bpftool", "-j", *a], capture_output=True, text=True, check=True).stdout)
ids = {}
for name in sorted(os.listdir(d)):
    p = os.path.join(d, name)
    try:
        m = bt("map", "show", "pinned", p)
        ids[m["id"]] = m
        continue
    except subprocess.CalledProcessError:
        pass
    try:
        for mid in bt("prog", "show", "pinned", p).get("map_ids", []):
            if mid not in ids:
                ids[mid] = bt("map", "show", "id", str(mid))
    except subprocess.CalledProcessError:
        pass
sids = next(m for m in ids.values() if m.get("name") == "sids")
tot = sum(m.get("bytes_memlock", 0) for m in ids.values())
top = sorted(ids.values(), key=lambda m: -m.get("bytes_memlock", 0))[:5]
print(json.dumps({"sids_bytes": sids.get("bytes_memlock", 0), "sids_max_entries": sids["max_entries"],
                  "maps": len(ids), "all_bytes": tot,
                  "largest": [f'{m.get("name")}={m.get("bytes_memlock", 0)}' for m in top]}))
