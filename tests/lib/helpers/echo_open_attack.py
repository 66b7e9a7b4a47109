#!/usr/bin/env python3
"""echo_open_attack.py SERVER PORT SESSIONS_JSON ADDRS: for every learned sid, requests to the
workers' /echo route whose reply looks like an engine.io open packet of that sid, 3
times with and without a sid= of their own, from ADDRS in turn. (sid_learn_guard)"""
import json, socket, sys, urllib.parse
host, port, before, addrs = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4].split(",")
sent = 0
for s in before["sessions"]:
    body = '0{"sid":"%s","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000}' % s["sid"]
    for rnd in range(3):
        for own in ("", "&sid=" + s["sid"]):
            src = addrs[(sent) % len(addrs)]
            c = socket.create_connection((host, port), timeout=5, source_address=(src, 0))
            q = urllib.parse.quote(body)
            c.sendall(("GET /echo?x=%s%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % (q, own)).encode())
            data = b""
            while True:
                d = c.recv(65536)
                if not d: break
                data += d
            c.close()
            assert body.encode() in data, data[:200]
            sent += 1
print("attacks", sent)
