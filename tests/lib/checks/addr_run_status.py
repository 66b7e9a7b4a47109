#!/usr/bin/env python3
"""addr_run_status.py STATUS_JSON PIDS RUN_PID: `siosteer status --json` (one port) after the
address-steered runs of addr_run: `run --key addr` with 4 listening slots holding PIDS,
every slot selected, no restart, IPv4 and IPv6 seen, clean counters. Prints the
problems, exit 1 if any."""
import json, sys
a, pids, run_pid = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c, sl = a["counters"], a["slots"]
e = []
if a["agent_pid"] != run_pid:
    e.append(f"agent_pid {a['agent_pid']} != siosteer run pid {run_pid}")
if (a["mode"], a["key"]) != ("run", "addr"):
    e.append(f"mode {a['mode']} key {a['key']}")
if a["agent_running"] is not True:
    e.append("agent_running false")
if len(sl) != 4 or not all(s["listening"] for s in sl):
    e.append(f"{len(sl)} slots, listening {[s['listening'] for s in sl]}")
if ",".join(str(s["pid"]) for s in sl) != pids:
    e.append(f"slot pids {[s['pid'] for s in sl]} != {pids}")
if not all(s["selected"] > 0 for s in sl):
    e.append(f"selected {[s['selected'] for s in sl]}")
if any(s["restarts"] for s in sl):
    e.append(f"restarts {[s['restarts'] for s in sl]}")
if not (c["ipv4"] > 0 and c["ipv6"] > 0):
    e.append(f"ipv4 {c['ipv4']} ipv6 {c['ipv6']}")
if c["runs"] != sum(s["selected"] for s in sl):
    e.append(f"runs {c['runs']} != sum(selected) {sum(s['selected'] for s in sl)}")
for k in ("fallback", "no_live_slot", "bad_packet", "select_error"):
    if c[k]:
        e.append(f"{k} {c[k]}")
print("; ".join(e))
sys.exit(1 if e else 0)
