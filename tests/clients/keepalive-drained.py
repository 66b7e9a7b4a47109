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
import socket
import sys

host, port, drained, other = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
PATH = "/socket.io/?EIO=4&transport=polling"


def request(c, method, path, body=b""):
    data = b""
    head = "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: keep-alive\r\n" % (method, path, host)
    if method == "POST":
        head += "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: %d\r\n" % len(body)
    try:
        c.sendall(head.encode() + b"\r\n" + body)
        while b"\r\n\r\n" not in data:
            d = c.recv(65536)
            if not d:
                return None
            data += d
    except (ConnectionResetError, BrokenPipeError):
        return None
    head, _, rest = data.partition(b"\r\n\r\n")
    n = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            n = int(v)
    while len(rest) < n:
        d = c.recv(65536)
        if not d:
            break
        rest += d
    return int(head.split(b" ", 2)[1]), rest[:n]


def conn():
    return socket.create_connection((host, port), timeout=5)


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
