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

Every answer names the worker, errors included: an `X-Pid: <pid>` header and
a body starting with `pid=<pid>`. Any bytes get an answer: a request that is
not HTTP (TLS, binary, a truncated or empty request line) gets 400 once the
client ends its side (or sends a newline); the worker then reads what is
left before closing, so the client sees the answer, not a reset. Idle
connections are dropped after 30 s.

  GET /bulk?bytes=N   200 with N bytes of body (bytes(range(256)) repeated),
                      Content-Length N; N up to 1 GiB. For transfer tests.
  GET /tcpinfo        200, body `pid=<pid>` then one line of this connection's
                      server-side TCP_INFO: `ts=0|1 sack=0|1 wscale=0|1
                      snd_wscale=N rcv_wscale=N total_retrans=N snd_mss=N`
                      (what the handshake negotiated, e.g. under SYN cookies).

--eio-open: a GET /socket.io/?...transport=polling... WITHOUT sid= is answered
like an engine.io handshake, so siosteer's learner records a sid without a
Node worker: body `0{"sid":"<20 chars>",...}` (EIO=3 in the query:
length-prefixed, `NN:0{"sid":...`), headers and body in ONE segment as
engine.io sends them; the pid is in the X-Pid header. Every other request
(sid= included) gets the usual `pid=<pid>` answer. An empty `sid=` counts as
none, as engine.io takes it (a new session).

usage: pid-http-worker.py [--port P] [--host H] [--eio-open]
"""
import argparse
import json
import os
import secrets
import signal
import socket
import struct
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PID = os.getpid()
SLOT = os.environ.get("SIOSTEER_SLOT", "")
BULK_CHUNK = bytes(range(256)) * 4096  # 1 MiB; body of /bulk is this, repeated
BULK_MAX = 1 << 30
EIO_OPEN = False  # --eio-open


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection
    # Answer with a status line and headers even when the request line could not be
    # parsed (the base class would fall back to header-less HTTP/0.9 answers).
    default_request_version = "HTTP/1.0"
    error_message_format = f"pid={PID}\nerror %(code)d: %(message)s\n"
    error_content_type = "text/plain; charset=utf-8"
    timeout = 30  # a client that never finishes its request can't hold a thread forever

    def send_response(self, code, message=None):
        self._answered = True
        super().send_response(code, message)
        self.send_header("X-Pid", str(PID))

    def send_error(self, code, message=None, explain=None):
        self._error = True
        super().send_error(code, message, explain)

    def parse_request(self):
        ok = super().parse_request()
        if not ok and not getattr(self, "_answered", False):
            # Whitespace-only request line: the base class closes without a word.
            self.send_error(400, "Empty request line")
        return ok

    def handle_one_request(self):
        self._answered = self._error = False
        super().handle_one_request()
        if self._error:
            self._drain()

    def _drain(self):
        """Read what the client still sends (up to 1 MiB, 2 s) so that closing the
        socket does not turn unread bytes into a reset that could eat our answer."""
        try:
            self.wfile.flush()
            self.connection.settimeout(2)
            left = 1 << 20
            while left > 0:
                b = self.connection.recv(65536)
                if not b:
                    break
                left -= len(b)
        except OSError:
            pass

    def _bulk(self, with_body=True):
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        try:
            n = int(q.get("bytes", ["0"])[0])
        except ValueError:
            n = -1
        if not 0 <= n <= BULK_MAX:
            self.send_error(400, f"bytes must be 0..{BULK_MAX}")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(n))
        self.send_header("Connection", "close")
        if SLOT:
            self.send_header("X-Siosteer-Slot", SLOT)
        self.end_headers()
        if not with_body:
            return
        view = memoryview(BULK_CHUNK)
        while n > 0:
            k = min(n, len(BULK_CHUNK))
            self.wfile.write(view[:k])
            n -= k

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

    def _eio_open(self):
        """Fake engine.io handshake; True if this request was one and got answered."""
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        if not (EIO_OPEN and u.path.startswith("/socket.io") and "sid" not in q
                and q.get("transport", [""])[0] == "polling"):
            return False
        pkt = "0" + json.dumps({"sid": secrets.token_urlsafe(15), "upgrades": [],
                                "pingInterval": 25000, "pingTimeout": 20000,
                                "maxPayload": 1000000}, separators=(",", ":"))
        if q.get("EIO", ["4"])[0] == "3":
            pkt = f"{len(pkt)}:{pkt}"
        body = pkt.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        if SLOT:
            self.send_header("X-Siosteer-Slot", SLOT)
        # end_headers() would flush the headers on their own: one write instead.
        self._headers_buffer.append(b"\r\n" + body)
        self.flush_headers()
        return True

    def _tcpinfo(self):
        ti = self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
        opts, ws = ti[5], ti[6]
        (total_retrans,) = struct.unpack_from("I", ti, 100)
        (snd_mss,) = struct.unpack_from("I", ti, 16)
        line = (f"ts={opts & 1} sack={(opts >> 1) & 1} wscale={(opts >> 2) & 1} "
                f"snd_wscale={ws & 15} rcv_wscale={ws >> 4} total_retrans={total_retrans} "
                f"snd_mss={snd_mss}")
        body = f"pid={PID}\n{line}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/tcpinfo"):
            self._tcpinfo()
            return
        if self.path.startswith("/bulk"):
            self._bulk()
            return
        if self._eio_open():
            return
        self._answer()

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(min(n, 1 << 20))
        self._answer()

    def do_HEAD(self):
        if self.path.startswith("/bulk"):
            self._bulk(with_body=False)
            return
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
    ap.add_argument("--eio-open", action="store_true",
                    help="answer engine.io polling handshakes (no sid=) with an open packet")
    a = ap.parse_args()
    global EIO_OPEN
    EIO_OPEN = a.eio_open

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
