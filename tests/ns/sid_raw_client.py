#!/usr/bin/env python3
"""Raw TCP clients for the sid steering tests (tests/ns/sid_*.sh). Stdlib only.

Every connection binds its source address and, where a test needs it, a source
port of its own (--sport-base): no 4-tuple is used twice in a run, so no SYN
ever meets a server TIME_WAIT socket of an earlier connection.

  sid_raw_client.py hostile --server4 A --server6 A6 --port P --addrs LIST
                            [--sport-base N] [--timeout S]
      Per client address (in parallel; cases of one address in sequence):
      first plain requests, i.e. a polling handshake (GET /socket.io/?EIO=4&
      transport=polling, no sid) and `GET /`, which give the address's worker
      pid and (with pid-http-worker.py --eio-open) its own sid; then hostile
      first requests: unknown, over-long, malformed, empty and cut-off sids,
      non-HTTP payloads, truncated request lines, 1-byte segments, sid= beyond
      the selector's scan window, and the address's own sid. Each case has the
      selector outcome it must produce (cat: handshake, sid_hit, sid_unknown,
      sid_bad, not_http). Prints ONE JSON line: results [{addr, case, cat,
      outcome, pid, status, open (the answer was an engine.io open packet), ms}], by_cat {cat: n}, addr_pid {addr: pid of the
      plain requests, or a list if they disagreed}, own_sid {addr: sid}.
      outcome: ok (an answer naming a pid), reset, timeout, closed (EOF with no
      answer), nopid (an answer without pid), error:<text>.

  sid_raw_client.py fetch --server A --port P --path PATH --addrs LIST
                          [--bytes N] [--sha256 HEX | --pattern] [--sequential]
                          [--timeout S]
      One GET per address, all in parallel (or one after the other), HTTP/1.1
      with Connection: close.
      Checks status 200, Content-Length == N, and the body: its sha256, or
      (--pattern) pid-http-worker.py's /bulk pattern bytes(range(256))*.
      Prints ONE JSON line: {requests, ok, bad: {why: n}, bytes, pids:{addr:
      pid}, elapsed_s, mib_per_s}.
"""
import argparse
import hashlib
import json
import random
import re
import socket
import string
import sys
import threading
import time
import uuid

PAT = bytes(range(256)) * 4096  # pid-http-worker.py /bulk body, 1 MiB period


def addr_list(spec):
    return [a for a in re.split(r"[\s,]+", spec) if a]


def family(a):
    return socket.AF_INET6 if ":" in a else socket.AF_INET


class Ports:
    """Source ports handed out once each, per run."""

    def __init__(self, base):
        self.next, self.lock = base, threading.Lock()

    def take(self):
        if not self.next:
            return 0
        with self.lock:
            p = self.next
            self.next += 1
            return p


def exchange(src, dst, port, segments, gap, timeout, sport=0, nodelay=False):
    """Connect from src, send segments (gap seconds apart), end our side, read the
    answer until EOF. Returns (outcome, raw answer bytes)."""
    s = socket.socket(family(src), socket.SOCK_STREAM)
    s.settimeout(timeout)
    out = b""
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((src, sport))
        if nodelay:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.connect((dst, port))
        for i, seg in enumerate(segments):
            if i and gap:
                time.sleep(gap)
            s.sendall(seg)
        s.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            b = s.recv(65536)
            if not b:
                break
            out += b
        else:
            return "timeout", out
        return ("ok" if out else "closed"), out
    except ConnectionResetError:
        return "reset", out
    except socket.timeout:
        return "timeout", out
    except OSError as e:
        return f"error:{e.strerror or e}", out
    finally:
        s.close()


def answer_pid(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    m = re.search(rb"^X-Pid: *(\d+)", head, re.M | re.I) or re.search(rb"pid=(\d+)", body)
    st = re.match(rb"HTTP/1\.[01] (\d{3})", raw)
    return (int(m.group(1)) if m else None), (int(st.group(1)) if st else None), body


def rand_sid(n, rng):
    return "".join(rng.choice(string.ascii_letters + string.digits + "-_") for _ in range(n))


def hostile_cases(own, rng):
    """(name, category, segments, gap, nodelay). own: this address's learned sid or None."""
    EIO = b"GET /socket.io/?EIO=4&transport=polling"
    END = b" HTTP/1.1\r\nHost: sid.test\r\n\r\n"

    def req(q):
        return [EIO + q + END]

    c = []
    for k in range(3):
        c.append((f"random20-{k}", "sid_unknown", req(b"&sid=" + rand_sid(20, rng).encode()), 0, False))
    c.append(("random48", "sid_unknown", req(b"&sid=" + rand_sid(48, rng).encode()), 0, False))
    c.append(("uuid36", "sid_unknown", req(b"&sid=" + str(uuid.UUID(int=rng.getrandbits(128))).encode()), 0, False))
    c.append(("sid-first-param", "sid_unknown", [b"GET /socket.io/?sid=" + rand_sid(20, rng).encode() + b"&EIO=4" + END], 0, False))
    c.append(("post-random20", "sid_unknown",
              [b"POST /socket.io/?EIO=4&transport=polling&sid=" + rand_sid(20, rng).encode() +
               b" HTTP/1.1\r\nHost: sid.test\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n1:40\n"], 0, False))
    c.append(("random49", "sid_bad", req(b"&sid=" + rand_sid(49, rng).encode()), 0, False))
    c.append(("random200", "sid_bad", req(b"&sid=" + rand_sid(200, rng).encode()), 0, False))
    for tag, bad in (("dot", b"abc.defghijklmnopqrst"), ("pct", b"abc%2Bdefghijklmnopq"),
                     ("slash", b"abc/defghijklmnopqrs"), ("quote", b'abc"defghijklmnopqrs'),
                     ("nul", b"abc\x00defghijklmnopqrs"), ("utf8", "abcdéfghijklmnopqrs".encode()),
                     ("plus", b"abc+defghijklmnopqrs"), ("tab", b"abc\tdefghijklmnopqrs")):
        c.append((f"badchar-{tag}", "sid_bad", req(b"&sid=" + bad), 0, False))
    c.append(("empty-sid-amp", "sid_bad", req(b"&sid=&t=1"), 0, False))
    c.append(("empty-sid-space", "sid_bad", req(b"&sid="), 0, False))
    c.append(("empty-sid-hash", "sid_bad", req(b"&sid=#frag"), 0, False))
    # sid= ends the first segment; the rest follows 50 ms later.
    c.append(("sid=-at-segment-end", "sid_bad",
              [EIO + b"&sid=", rand_sid(20, rng).encode() + END], 0.05, True))
    c.append(("sid-cut-by-segment", "sid_bad",
              [EIO + b"&sid=" + rand_sid(10, rng).encode(), rand_sid(10, rng).encode() + END], 0.05, True))
    c.append(("truncated-line-sid", "sid_bad", [EIO + b"&sid=" + rand_sid(20, rng).encode()], 0, False))
    c.append(("truncated-line-nosid", "handshake", [EIO], 0, False))
    c.append(("truncated-GET-slash", "handshake", [b"GET /"], 0, False))
    c.append(("truncated-GE", "not_http", [b"GE"], 0, False))
    # Not HTTP at all.
    hello = (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(rng.getrandbits(8) for _ in range(32)) +
             b"\x20" + bytes(rng.getrandbits(8) for _ in range(32)) + b"\x00\x3e\x13\x02\x13\x03\x13\x01" +
             bytes(rng.getrandbits(8) for _ in range(400)))
    c.append(("tls-clienthello", "not_http", [hello], 0, False))
    c.append(("binary-random", "not_http", [b"\x00" + bytes(rng.getrandbits(8) for _ in range(299))], 0, False))
    c.append(("binary-with-sid", "not_http", [b"\xff\xfe?sid=" + rand_sid(20, rng).encode() + b"&\r\n"], 0, False))
    c.append(("http2-preface", "not_http", [b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"], 0, False))
    c.append(("head-with-sid", "not_http", [b"HEAD /socket.io/?EIO=4&sid=" + rand_sid(20, rng).encode() + END], 0, False))
    c.append(("options-with-sid", "not_http", [b"OPTIONS /socket.io/?EIO=4&sid=" + rand_sid(20, rng).encode() + END], 0, False))
    c.append(("lowercase-get", "not_http", [b"get /socket.io/?EIO=4&sid=" + rand_sid(20, rng).encode() + END], 0, False))
    c.append(("whitespace-only", "not_http", [b"\r\n\r\n"], 0, False))
    # No sid where the selector looks.
    c.append(("sid-in-header", "handshake", [EIO + b" HTTP/1.1\r\nHost: sid.test\r\nCookie: sid=" +
                                               rand_sid(20, rng).encode() + b"\r\n\r\n"], 0, False))
    c.append(("xsid-param", "handshake", req(b"&xsid=" + rand_sid(20, rng).encode()), 0, False))
    c.append(("long-path-before-query", "handshake",
              [b"GET /" + b"p" * 700 + b"?EIO=4&sid=" + rand_sid(20, rng).encode() + END], 0, False))
    # 8 KiB query: sid= far beyond the 512-byte scan window.
    tail_sid = own.encode() if own else rand_sid(20, rng).encode()
    c.append(("8k-query-sid-beyond-window", "handshake",
              req(b"&pad=" + b"x" * 8192 + b"&sid=" + tail_sid), 0, False))
    if own:
        o = own.encode()
        c.append(("own-sid", "sid_hit", req(b"&sid=" + o), 0, False))
        c.append(("own-sid-post", "sid_hit",
                  [b"POST /socket.io/?EIO=4&transport=polling&sid=" + o +
                   b" HTTP/1.1\r\nHost: sid.test\r\nContent-Length: 5\r\n\r\n1:40\n"], 0, False))
        c.append(("own-sid-websocket", "sid_hit",
                  [b"GET /socket.io/?EIO=4&transport=websocket&sid=" + o + b" HTTP/1.1\r\nHost: sid.test\r\n"
                   b"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                   b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"], 0, False))
        flip = ("A" if own[-1] != "A" else "B")
        c.append(("own-sid-last-char-changed", "sid_unknown", req(b"&sid=" + o[:-1] + flip.encode()), 0, False))
        c.append(("own-sid-plus-char", "sid_unknown", req(b"&sid=" + o + b"x"), 0, False))
        c.append(("own-sid-minus-char", "sid_unknown", req(b"&sid=" + o[:-1]), 0, False))
        # The request in 1-byte segments: the first segment ("G") is all the selector sees.
        full = EIO + b"&sid=" + o + END
        c.append(("own-sid-1-byte-segments", "not_http", [full[i:i + 1] for i in range(len(full))], 0.004, True))
        c.append(("own-sid-3-byte-first-segment", "not_http", [full[:3], full[3:]], 0.05, True))
        c.append(("own-sid-cut-in-segment", "sid_bad", [full[:len(EIO) + 5 + 12], full[len(EIO) + 5 + 12:]], 0.05, True))
    return c


def cmd_hostile(a):
    addrs = addr_list(a.addrs)
    ports = Ports(a.sport_base)
    results, addr_pid, own_sid, lock = [], {}, {}, threading.Lock()

    def one(addr, name, cat, segs, gap, nodelay):
        dst = a.server6 if ":" in addr else a.server4
        t0 = time.monotonic()
        outcome, raw = exchange(addr, dst, a.port, segs, gap, a.timeout, ports.take(), nodelay)
        pid, status, body = answer_pid(raw)
        if outcome == "ok" and pid is None:
            outcome = "nopid"
        r = {"addr": addr, "case": name, "cat": cat, "outcome": outcome, "pid": pid, "status": status,
             "open": bool(re.match(rb'\d*:?0\{"sid":"', body)),
             "ms": round((time.monotonic() - t0) * 1000, 1)}
        return r, body

    def per_addr(addr, seed):
        rng = random.Random(seed)
        mine, pids, sid = [], set(), None
        for name, q in (("plain-handshake", b"GET /socket.io/?EIO=4&transport=polling&t=plain HTTP/1.1\r\nHost: sid.test\r\n\r\n"),
                        ("plain-root", b"GET / HTTP/1.1\r\nHost: sid.test\r\n\r\n")):
            r, body = one(addr, name, "handshake", [q], 0, False)
            mine.append(r)
            if r["pid"] is not None:
                pids.add(r["pid"])
            m = re.search(rb'0\{"sid":"([A-Za-z0-9_-]+)"', body)
            if m and sid is None:
                sid = m.group(1).decode()
        for name, cat, segs, gap, nodelay in hostile_cases(sid, rng):
            r, _ = one(addr, name, cat, segs, gap, nodelay)
            mine.append(r)
        with lock:
            results.extend(mine)
            addr_pid[addr] = (next(iter(pids)) if len(pids) == 1 else sorted(pids))
            own_sid[addr] = sid

    th = [threading.Thread(target=per_addr, args=(ad, i * 7919 + 1)) for i, ad in enumerate(addrs)]
    for t in th:
        t.start()
    for t in th:
        t.join()
    by_cat = {}
    for r in results:
        by_cat[r["cat"]] = by_cat.get(r["cat"], 0) + 1
    print(json.dumps({"results": results, "by_cat": by_cat, "addr_pid": addr_pid, "own_sid": own_sid}))
    return 0


def cmd_fetch(a):
    addrs = addr_list(a.addrs)
    ports = Ports(a.sport_base)
    out = {"requests": len(addrs), "ok": 0, "bad": {}, "bytes": 0, "pids": {}}
    lock = threading.Lock()

    def get(addr):
        why, n, pid = None, 0, None
        s = socket.socket(family(addr), socket.SOCK_STREAM)
        s.settimeout(a.timeout)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((addr, ports.take()))
            s.connect((a.server, a.port))
            s.sendall(f"GET {a.path} HTTP/1.1\r\nHost: sid.test\r\nConnection: close\r\n\r\n".encode())
            f = s.makefile("rb", buffering=1 << 20)
            status = f.readline()
            head = {}
            while True:
                line = f.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                k, _, v = line.decode("latin-1").partition(":")
                head[k.strip().lower()] = v.strip()
            pid = int(head["x-pid"]) if head.get("x-pid", "").isdigit() else None
            if not status.startswith(b"HTTP/1.") or b" 200 " not in status:
                why = f"status {status[:40]!r}"
            clen = int(head.get("content-length", "-1"))
            if not why and a.bytes is not None and clen != a.bytes:
                why = f"content-length {clen}"
            h, off, mism = hashlib.sha256(), 0, False
            while not why:
                b = f.read(1 << 20)
                if not b:
                    break
                if a.pattern:
                    p0 = off % len(PAT)
                    exp = (PAT[p0:] + PAT)[:len(b)] if p0 + len(b) > len(PAT) else PAT[p0:p0 + len(b)]
                    mism = mism or b != exp
                else:
                    h.update(b)
                off += len(b)
            n = off
            if not why and a.bytes is not None and n != a.bytes:
                why = f"short body {n}"
            if not why and a.pattern and mism:
                why = "body differs from pattern"
            if not why and a.sha256 and h.hexdigest() != a.sha256:
                why = "sha256 differs"
        except ConnectionResetError:
            why = "reset"
        except socket.timeout:
            why = "timeout"
        except OSError as e:
            why = f"error {e}"
        finally:
            s.close()
        with lock:
            out["bytes"] += n
            out["pids"][addr] = pid
            if why:
                out["bad"][why] = out["bad"].get(why, 0) + 1
            else:
                out["ok"] += 1

    t0 = time.monotonic()
    if a.sequential:
        for ad in addrs:
            get(ad)
    else:
        th = [threading.Thread(target=get, args=(ad,)) for ad in addrs]
        for t in th:
            t.start()
        for t in th:
            t.join()
    el = time.monotonic() - t0
    out["elapsed_s"] = round(el, 3)
    out["mib_per_s"] = round(out["bytes"] / (1 << 20) / el, 1) if el > 0 else None
    print(json.dumps(out))
    return 0 if out["ok"] == out["requests"] else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("hostile")
    h.add_argument("--server4", required=True)
    h.add_argument("--server6", default="")
    h.add_argument("--port", type=int, required=True)
    h.add_argument("--addrs", required=True)
    h.add_argument("--sport-base", type=int, default=0)
    h.add_argument("--timeout", type=float, default=5)
    f = sub.add_parser("fetch")
    f.add_argument("--server", required=True)
    f.add_argument("--port", type=int, required=True)
    f.add_argument("--path", required=True)
    f.add_argument("--addrs", required=True)
    f.add_argument("--bytes", type=int)
    f.add_argument("--sha256")
    f.add_argument("--pattern", action="store_true")
    f.add_argument("--sequential", action="store_true")
    f.add_argument("--sport-base", type=int, default=0)
    f.add_argument("--timeout", type=float, default=20)
    a = ap.parse_args()
    return {"hostile": cmd_hostile, "fetch": cmd_fetch}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
