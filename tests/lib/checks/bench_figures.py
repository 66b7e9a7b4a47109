#!/usr/bin/env python3
"""bench_figures.py BENCH_JSON: the figures of `tools/bench --quick --setups nginx,steer-sid`
from one address: every session OK, ip_hash on one worker, siosteer on four, the
selector ran, gate-bench's verdicts held. Prints RESULT, or the problems and exit 1.
(bench_smoke)"""
import json, sys
d = json.load(open(sys.argv[1]))
rows = {r["setup"]: r for r in d["rows"]}
e = []
for s in ("nginx", "steer-sid"):
    if s not in rows:
        e.append(f"no {s} row")
    elif rows[s]["ok"] != rows[s]["sessions"]:
        e.append(f"{s}: {rows[s]['ok']}/{rows[s]['sessions']} ok, failures {rows[s]['fail']}")
if "nginx" in rows and rows["nginx"]["workers_used"] != 1:
    e.append(f"nginx ip_hash used {rows['nginx']['workers_used']} workers for one address")
if "steer-sid" in rows and rows["steer-sid"]["workers_used"] != 4:
    e.append(f"siosteer --key sid used {rows['steer-sid']['workers_used']} workers for one address")
cost = (rows.get("steer-sid") or {}).get("cost") or {}
sel = cost.get("programs", {}).get("select")
if not sel or not sel["runs"]:
    e.append(f"siosteer cost saw no selector run: {cost}")
g = d.get("gate_bench")
if not g or not g.get("ok"):
    e.append(f"gate-bench: {g}")
if e:
    print("; ".join(e))
    sys.exit(1)
s = rows["steer-sid"]
print(f"RESULT one address: nginx ip_hash {rows['nginx']['ok']} ok on 1 worker; siosteer --key sid "
      f"{s['ok']} ok, shares {s['shares_pct']}; selector {sel['ns_per_run']} ns/run over {sel['runs']} runs")
