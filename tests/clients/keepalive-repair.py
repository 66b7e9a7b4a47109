#!/usr/bin/env python3
"""A browser's connection pool in miniature, against siosteer's repair of kept-alive
connections. Usage: keepalive-repair.py HOST PORT SESSIONS

One kept-alive connection K carries requests of every session, as a browser's pool does:
  1. SESSIONS handshakes, every other one on K (a kept-alive connection, so the learner
     must learn a handshake that is not the connection's first request) and the rest on
     new connections (placed by siosteer, so spread over workers). With least-loaded
     placement siosteer may reset K under a handshake when K's worker has more sessions
     than the others; the handshake is then resent on a new connection (the new K);
  2. for each session, a `POST ...&sid=X` (Socket.IO CONNECT, `40`) on K. If K belongs to
     X's worker the answer is `ok`; if not, siosteer must reset K before any answer byte,
     and the request is resent on a new connection (which becomes the new K), as browsers
     do. A 400 (`Session ID unknown`) or any answer other than `ok` is a failure.
Prints one JSON line: sids, answered on K, reset (and resent), failures.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from raw_http import PATH, connect as _connect, request as _request  # noqa: E402

host, port, sessions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


def connect():
    return _connect(host, port)


def request(c, method, path, body=b""):
    return _request(c, host, method, path, body)


def open_sid(body):
    text = body.decode()
    assert text.startswith('0{"sid":"'), text[:80]
    return json.loads(text[1:])["sid"]


out = {"sids": [], "handshakes_on_reused": 0, "handshake_resets": 0, "reset": 0,
       "answered_on_k": 0, "resent_ok": 0, "failures": []}
k = connect()
for i in range(sessions):
    if i % 2 == 0:
        r = request(k, "GET", PATH)
        if i:
            out["handshakes_on_reused"] += 1
        if r is None:
            out["handshake_resets"] += 1
            k.close()
            k = connect()
            r = request(k, "GET", PATH)
    else:
        c = connect()
        r = request(c, "GET", PATH)
        c.close()
    if not r or r[0] != 200:
        out["failures"].append("handshake %d: %r" % (i, r))
        continue
    out["sids"].append(open_sid(r[1]))

for sid in out["sids"]:
    path = "%s&sid=%s" % (PATH, sid)
    r = request(k, "POST", path, b"40")
    if r is None:
        out["reset"] += 1
        k.close()
        k = connect()           # the browser resends on another (here: a new) connection
        r = request(k, "POST", path, b"40")
        if r == (200, b"ok"):
            out["resent_ok"] += 1
        else:
            out["failures"].append("resent %s: %r" % (sid, r))
    elif r == (200, b"ok"):
        out["answered_on_k"] += 1
    else:
        out["failures"].append("on K %s: %r" % (sid, r))
k.close()
print(json.dumps(out))
sys.exit(1 if out["failures"] else 0)
