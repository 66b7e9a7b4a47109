#!/usr/bin/env python3
"""sioload_pool_run.py SIOLOAD_JSON N: one line about a sioload --pool run, starting with OK, or
BAD:failed / BAD:balance / BAD:failed+balance (sessions failed, a worker outside
25% +- 5%); then the figures. (sid_keepalive_pool)"""
import json, sys
r, n = json.loads(sys.argv[1]), int(sys.argv[2])
per = r["per_pid"]; tot = sum(per.values()) or 1
shares = sorted(100.0 * v / tot for v in per.values())
dev = max((abs(s - 25) for s in shares), default=100.0)
fails = {k: v for k, v in r["fail"].items() if v}
p = r.get("pool", {})
why = [w for w, bad in (("failed", r["ok"] != n or r["failed"]), ("balance", len(per) != 4 or dev > 5.0)) if bad]
print(("BAD:" + "+".join(why) if why else "OK") + f" {r['ok']}/{n} ok, failed {r['failed']} {fails or ''}, "
      f"{len(per)} pids, shares % {' '.join(f'{s:.1f}' for s in shares)} (max deviation "
      f"{dev:.1f} points), {r['sessions_per_s']} sessions/s; pool {p.get('size')}: "
      f"{p.get('connections')} connections, {p.get('reused_requests')} requests on reused ones, "
      f"{p.get('waits')} waited, resends {p.get('resends')}")
