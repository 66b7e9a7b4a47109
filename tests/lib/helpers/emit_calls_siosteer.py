#!/usr/bin/env python3
"""emit_calls_siosteer.py CALLS_FILE SIOSTEER NETNS URL: makes each call of CALLS_FILE with the
siosteer CLI (emit/join/leave/disconnect) in NETNS; exit 1 at the first that fails.
(redis_emit)"""
import json, subprocess, sys
calls, siosteer, ns, url = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4]
for c in calls:
    argv = ["ip", "netns", "exec", ns, siosteer, c["op"], "--redis", url, "-q"]
    if c.get("nsp"): argv += ["--nsp", c["nsp"]]
    for r in c.get("to", []): argv += ["--to", r]
    for r in c.get("except", []): argv += ["--except", r]
    if c.get("volatile"): argv.append("--volatile")
    if c.get("close"): argv.append("--close")
    argv.append("--")
    if c["op"] == "emit":
        argv += [c["event"]] + [json.dumps(a, ensure_ascii=False) for a in c.get("args", [])]
    elif c["op"] in ("join", "leave"):
        argv += c["rooms"]
    r = subprocess.run(argv, capture_output=True, text=True)
    # 0 subscribers for some channels is fine (a warning); any error is not.
    if r.returncode != 0:
        print(f"{c}: rc {r.returncode}: {r.stderr.strip()}", file=sys.stderr)
        sys.exit(1)
