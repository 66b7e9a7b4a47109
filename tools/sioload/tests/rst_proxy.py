#!/usr/bin/env python3
"""TCP proxy for the sioload self-test: models a box that resets a REUSED keep-alive
connection when a request arrives on it (what siosteer's repair program does to a request
of a session owned by another worker).

Each client connection gets its own upstream connection (so keep-alive is kept 1:1). The
proxy parses the client's HTTP/1.1 requests (Content-Length bodies; after a WebSocket
upgrade request it only copies bytes). Every EVERY-th request that arrives as the 2nd, 3rd,
... request of its connection is NOT forwarded: both the client and the upstream connection
are reset (SO_LINGER 0 close), so the client sees ECONNRESET before any response byte.

  rst_proxy.py --upstream 127.0.0.1:PORT [--every N] [--listen 127.0.0.1]
stdout: `ready port=P` once listening; on SIGTERM/SIGINT `stats connections=C requests=R
reused=U resets=K` and exit 0.
"""
import argparse
import signal
import socket
import struct
import sys
import threading

LINGER0 = struct.pack("ii", 1, 0)
lock = threading.Lock()
stats = {"connections": 0, "requests": 0, "reused": 0, "resets": 0}


def reset(sock):
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


def pump_down(up, cli):
    """upstream -> client, raw."""
    try:
        while True:
            d = up.recv(65536)
            if not d:
                break
            cli.sendall(d)
        cli.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def handle(cli, upstream, every):
    try:
        up = socket.create_connection(upstream, timeout=5)
        up.settimeout(None)
    except OSError:
        reset(cli)
        return
    for s in (cli, up):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    down = threading.Thread(target=pump_down, args=(up, cli), daemon=True)
    down.start()
    buf = b""
    nreq = 0
    body_left = 0
    raw = False
    try:
        while True:
            d = cli.recv(65536)
            if not d:
                up.shutdown(socket.SHUT_WR)
                break
            if raw:
                up.sendall(d)
                continue
            buf += d
            out = b""
            while buf:
                if body_left:
                    n = min(body_left, len(buf))
                    out += buf[:n]
                    buf = buf[n:]
                    body_left -= n
                    continue
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    break
                head = buf[: end + 4]
                nreq += 1
                lower = head.lower()
                cl = 0
                for line in lower.split(b"\r\n")[1:]:
                    if line.startswith(b"content-length:"):
                        cl = int(line.split(b":", 1)[1].strip() or b"0")
                with lock:
                    stats["requests"] += 1
                    kill = False
                    if nreq >= 2:
                        stats["reused"] += 1
                        kill = stats["reused"] % every == 0
                    if kill:
                        stats["resets"] += 1
                if kill:
                    # Nothing of this request reaches the server; both sides get a RST.
                    if out:
                        up.sendall(out)
                    reset(cli)
                    try:
                        up.shutdown(socket.SHUT_RDWR)  # wakes pump_down
                    except OSError:
                        pass
                    reset(up)
                    return
                out += head
                buf = buf[end + 4:]
                body_left = cl
                if b"\r\nupgrade:" in lower:
                    raw = True
                    out += buf
                    buf = b""
            if out:
                up.sendall(out)
    except OSError:
        pass
    down.join(timeout=30)
    for s in (cli, up):
        try:
            s.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--listen", default="127.0.0.1")
    ap.add_argument("--every", type=int, default=4)
    a = ap.parse_args()
    host, port = a.upstream.rsplit(":", 1)
    upstream = (host, int(port))
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.listen, 0))
    ls.listen(1024)

    def bye(*_):
        with lock:
            print("stats " + " ".join(f"{k}={v}" for k, v in stats.items()), flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, bye)
    signal.signal(signal.SIGINT, bye)
    print(f"ready port={ls.getsockname()[1]}", flush=True)
    while True:
        cli, _ = ls.accept()
        with lock:
            stats["connections"] += 1
        threading.Thread(target=handle, args=(cli, upstream, max(1, a.every)), daemon=True).start()


if __name__ == "__main__":
    main()
