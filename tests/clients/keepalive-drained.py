#!/usr/bin/env python3
"""Kept-alive connections and a drained worker. Usage:
  keepalive-drained.py HOST PORT DRAINED_SID OTHER_SID

DRAINED_SID's worker has been drained (no new sessions; its sessions stay). Checks, with
the requests a browser's pool would send:
  1. a request of DRAINED_SID on a kept-alive connection of another worker is reset and
     its resend reaches the drained worker (not answered 400 by the wrong one);
  2. a handshake on a kept-alive connection of the drained worker is reset, and its
     resend opens the session elsewhere.
Prints one JSON line: the outcomes and the new session's sid.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from raw_http import PATH, connect as _connect, request as _request  # noqa: E402

host, port, drained, other = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]


def conn():
    return _connect(host, port)


def request(c, method, path, body=b""):
    return _request(c, host, method, path, body)


out = {"foreign_request": None, "handshake_on_drained": None, "new_sid": None}
# 1. A connection of the other worker (placed by OTHER_SID's request), then DRAINED_SID on it.
k = conn()
r = request(k, "POST", "%s&sid=%s" % (PATH, other), b"3")
assert r == (200, b"ok"), r
r = request(k, "POST", "%s&sid=%s" % (PATH, drained), b"3")
if r is None:
    k.close()
    k = conn()
    r = request(k, "POST", "%s&sid=%s" % (PATH, drained), b"3")
    out["foreign_request"] = "reset, resent: %s" % ("ok" if r == (200, b"ok") else r)
else:
    out["foreign_request"] = "answered on the foreign connection: %r" % (r,)
# 2. k now belongs to the drained worker: a handshake on it must not stay there.
r = request(k, "GET", PATH)
if r is None:
    k.close()
    k = conn()
    r = request(k, "GET", PATH)
    out["handshake_on_drained"] = "reset, resent"
else:
    out["handshake_on_drained"] = "kept on the drained worker"
if r and r[0] == 200 and r[1].startswith(b'0{"sid":"'):
    out["new_sid"] = json.loads(r[1][1:])["sid"]
k.close()
print(json.dumps(out))
ok = out["foreign_request"] == "reset, resent: ok" and out["handshake_on_drained"] == "reset, resent" \
    and out["new_sid"]
sys.exit(0 if ok else 1)
