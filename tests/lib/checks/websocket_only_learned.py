#!/usr/bin/env python3
"""websocket_only_learned.py SIOLOAD_JSON SESSIONS_JSON STATUS_JSON: 400 WebSocket-only sessions
were all OK and learned, 100 per slot. Prints RESULT; exit 1 if not. (sid_websocket_only)"""
import json, sys
r, s, st = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])[0]
per = [v["sessions"] for v in s["per_slot"].values()]
print(f"RESULT {r['ok']}/400 WebSocket-only sessions ok from one address; learned {s['total']}, "
      f"per slot {per}; tc gate dropped {st['gate']['dropped']}, learner learned {st['learner']['learned']}")
sys.exit(0 if r["ok"] == 400 and s["total"] == 400 and sorted(per) == [100] * 4 else 1)
