#!/usr/bin/env python3
"""A non-Node siosteer worker: answers every HTTP request with `pid=<pid>\\n`.

Proves the worker contract is language-neutral. Listening socket:
  - socket activation (LISTEN_FDS=1 and LISTEN_PID=<our pid>): fd 3, as
    handed over by `siosteer run`;
  - otherwise --port P [--host H]: binds itself with SO_REUSEPORT, so
    several copies share the port.
Threaded; every response carries `Connection: close` (HTTP/1.0 semantics),
so each request is a new TCP connection and a new steering decision.
Prints `ready pid=<pid> slot=<slot>` once listening; exits 0 on SIGTERM.

usage: pid-http-worker.py [--port P] [--host H]
"""
import argparse
import os
import signal
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PID = os.getpid()
SLOT = os.environ.get("SIOSTEER_SLOT", "")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection

    def _answer(self, with_body=True):
        body = f"pid={PID}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        if SLOT:
            self.send_header("X-Siosteer-Slot", SLOT)
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def do_GET(self):
        self._answer()

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(min(n, 1 << 20))
        self._answer()

    def do_HEAD(self):
        self._answer(with_body=False)

    def log_message(self, fmt, *args):  # quiet: tests read stdout
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024


def main():
    ap = argparse.ArgumentParser(description="pid-answering HTTP worker")
    ap.add_argument("--port", type=int)
    ap.add_argument("--host", default="0.0.0.0")
    a = ap.parse_args()

    activated = os.environ.get("LISTEN_FDS") == "1" and os.environ.get("LISTEN_PID") == str(PID)
    if activated:
        sock = socket.socket(fileno=3)  # family/type taken from the fd
        for k in ("LISTEN_FDS", "LISTEN_PID"):
            os.environ.pop(k, None)
    elif a.port is not None:
        fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
        sock = socket.socket(fam, socket.SOCK_STREAM)
        # SO_REUSEPORT must be set before bind on every member of the group.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((a.host, a.port))
        sock.listen(1024)
    else:
        ap.error("need --port or socket activation (LISTEN_FDS=1, LISTEN_PID=pid)")

    srv = Server(sock.getsockname()[:2], Handler, bind_and_activate=False)
    srv.socket.close()  # replace the unbound socket made by the constructor
    srv.socket = sock
    srv.address_family = sock.family

    # serve_forever in a thread so SIGTERM can call shutdown() from main.
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    t.start()
    print(f"ready pid={PID} slot={SLOT}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    srv.shutdown()
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
