#!/usr/bin/python3
"""A python-socketio server as a siosteer worker (Debian's python3-socketio 5.7 /
python3-engineio 4.3: Engine.IO protocol 4, what socket.io-client@4 speaks; EIO=3
clients get HTTP 400). Three HTTP servers, chosen with --server:

  uvicorn-h11        socketio.AsyncServer(async_mode='asgi') + socketio.ASGIApp, run by
  uvicorn-httptools  uvicorn (Debian 0.17) with fd=3 and http='h11' / 'httptools';
                     WebSocket by wsproto. This is the `uvicorn --fd 3` code path the
                     README recommends, unchanged: uvicorn wraps fd 3 as an AF_UNIX socket
                     object, so asyncio does not set TCP_NODELAY on accepted connections
                     (Nagle stays on), as it would for any `uvicorn --fd` user.
  aiohttp            async_mode='aiohttp', aiohttp AppRunner + SockSite on a socket made
                     from fd 3 (socket.socket(fileno=3): family and protocol from the fd,
                     so asyncio does set TCP_NODELAY).

Listening socket: socket activation (LISTEN_FDS=1, LISTEN_PID=<our pid>): fd 3, as
`siosteer run` hands it over; or --port P [--host H] binds with SO_REUSEPORT (for trying
it by hand). CORS: cors_allowed_origins='*'. Logging: warnings only, no access log.

Events (the contract tests/node/sio-clients.js relies on, as tests/node/sio-worker.js):
  whoami (ack) -> {pid, slot, addrs, server}: addrs = client addresses of every HTTP
                  request / WebSocket upgrade that carried this session's engine.io sid
                  (plus the handshake's), so the client can prove its bound source
                  address reached both transports.
  echo (ack)   -> its argument
stdout: `ready pid=<pid> slot=<slot> server=<server>` once listening.
Exits 0 on SIGTERM/SIGINT (bounded: 2 s).

usage: pysio-worker.py --server uvicorn-h11|uvicorn-httptools|aiohttp [--port P [--host H]]
"""
import argparse
import asyncio
import logging
import os
import signal
import socket
import sys
from urllib.parse import parse_qs

import socketio

PID = os.getpid()
SLOT = os.environ.get("SIOSTEER_SLOT", "")
SERVERS = ("uvicorn-h11", "uvicorn-httptools", "aiohttp")


def plain(a):
    a = str(a or "")
    return a[7:] if a.startswith("::ffff:") else a


def make_sio(async_mode):
    sio = socketio.AsyncServer(async_mode=async_mode, cors_allowed_origins="*",
                               logger=False, engineio_logger=False)
    eio = sio.eio
    sid_addrs = {}  # engine.io sid -> set of client addresses seen with it

    def note(sid, addr):
        # Only sids this process owns; dropped when the session goes.
        if sid and addr and sid in eio.sockets:
            sid_addrs.setdefault(sid, set()).add(plain(addr))

    # Both ASGIApp and aiohttp's route call sio.eio.handle_request when the request
    # arrives, so an instance attribute sees every engine.io request first.
    orig = eio.handle_request
    if async_mode == "asgi":
        async def handle_request(scope, receive, send):
            q = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            client = scope.get("client") or (None,)
            note(q.get("sid", [None])[0], client[0])
            return await orig(scope, receive, send)
    else:
        async def handle_request(request):
            note(request.query.get("sid"), request.remote)
            return await orig(request)
    eio.handle_request = handle_request

    def remote_of(environ):
        if "asgi.scope" in environ:
            return (environ["asgi.scope"].get("client") or (None,))[0]
        if "aiohttp.request" in environ:
            return environ["aiohttp.request"].remote
        return None

    @sio.event
    async def connect(sid, environ, auth=None):
        esid = sio.manager.eio_sid_from_sid(sid, "/")
        a = remote_of(environ)
        if esid and a:
            sid_addrs.setdefault(esid, set()).add(plain(a))

    @sio.event
    async def disconnect(sid):
        sid_addrs.pop(sio.manager.eio_sid_from_sid(sid, "/"), None)

    @sio.event
    async def whoami(sid, *args):
        esid = sio.manager.eio_sid_from_sid(sid, "/")
        return {"pid": PID, "slot": SLOT or None, "addrs": sorted(sid_addrs.get(esid, ())),
                "server": SERVER}

    @sio.event
    async def echo(sid, arg=None):
        return arg

    return sio


def listening_socket(a):
    if os.environ.get("LISTEN_FDS") == "1" and os.environ.get("LISTEN_PID") == str(PID):
        for k in ("LISTEN_FDS", "LISTEN_PID"):
            os.environ.pop(k, None)
        return 3
    if a.port is None:
        sys.exit("pysio-worker: need --port or socket activation (LISTEN_FDS=1, LISTEN_PID=pid)")
    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind((a.host, a.port))
    s.listen(1024)
    os.set_inheritable(s.fileno(), True)
    s = s.detach()
    return s


async def wait_stop():
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def run_uvicorn(fd, http):
    import uvicorn
    sio = make_sio("asgi")
    app = socketio.ASGIApp(sio)
    config = uvicorn.Config(app, fd=fd, http=http, ws="wsproto", lifespan="off",
                            log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # ours below: bounded exit
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            sys.exit("pysio-worker: uvicorn exited before listening")
        await asyncio.sleep(0.02)
    print(f"ready pid={PID} slot={SLOT} server={SERVER}", flush=True)
    await wait_stop()
    server.should_exit = True
    try:
        await asyncio.wait_for(asyncio.shield(task), 2)
    except (asyncio.TimeoutError, Exception):
        pass


async def run_aiohttp(fd):
    from aiohttp import web
    sio = make_sio("aiohttp")
    app = web.Application()
    sio.attach(app)
    sock = socket.socket(fileno=fd)  # family, type and protocol from the fd
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.SockSite(runner, sock, shutdown_timeout=1.0)
    await site.start()
    print(f"ready pid={PID} slot={SLOT} server={SERVER}", flush=True)
    await wait_stop()
    try:
        await asyncio.wait_for(runner.cleanup(), 2)
    except (asyncio.TimeoutError, Exception):
        pass


def main():
    global SERVER
    ap = argparse.ArgumentParser(description="python-socketio siosteer worker")
    ap.add_argument("--server", choices=SERVERS, required=True)
    ap.add_argument("--port", type=int)
    ap.add_argument("--host", default="0.0.0.0")
    a = ap.parse_args()
    SERVER = a.server
    logging.basicConfig(level=logging.WARNING)
    for n in ("socketio", "engineio", "aiohttp.access", "uvicorn.access"):
        logging.getLogger(n).setLevel(logging.ERROR)
    fd = listening_socket(a)
    if a.server == "aiohttp":
        asyncio.run(run_aiohttp(fd))
    else:
        asyncio.run(run_uvicorn(fd, a.server.split("-", 1)[1]))
    return 0


SERVER = ""
if __name__ == "__main__":
    sys.exit(main())
