#!/usr/bin/env python3
"""worker_shares.py CLIENTS_JSON: "NWORKERS SHARE... MAXDEV" for a sio-clients run: how many
workers got sessions, each one's share in percent (sorted), and the largest distance of
a share from 25% in points. (sid_one_address)"""
import json, sys
r = json.loads(sys.argv[1]); n = sum(r["per_pid"].values())
shares = [100.0 * v / n for v in r["per_pid"].values()]
print(len(shares), " ".join(f"{s:.1f}" for s in sorted(shares)), f"{max(abs(s - 25) for s in shares):.1f}")
