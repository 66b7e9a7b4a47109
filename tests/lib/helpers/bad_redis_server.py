#!/usr/bin/env python3
"""bad_redis_server.py ssh|http: two servers on 127.0.0.1 that are not Redis: port 6390
answers with text that is not RESP, port 6391 never answers. Prints `listening` once
6390 listens.
  ssh   answers every read with an SSH banner, keeps each connection until the peer
        closes it (redis_bridge_faults: an agent that retries against it)
  http  answers the first read with an HTTP 400 page; closes each connection after 10 s,
        answered or not (redis_emit: the CLI against it)"""
import socket, sys, threading

MODE = sys.argv[1]


def serve_ssh(port, answer):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(64)
    while True:
        c, _ = s.accept()
        def talk(c=c):
            try:
                while True:
                    d = c.recv(4096)
                    if not d:
                        break
                    if answer:
                        c.sendall(b"SSH-2.0-OpenSSH_9.2 not redis\r\n")
            except OSError:
                pass
        threading.Thread(target=talk, daemon=True).start()


def serve_http(port, answer):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(16)
    while True:
        c, _ = s.accept()
        if answer:
            try:
                c.recv(4096); c.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n<html>nope</html>\r\n")
            except OSError:
                pass
        threading.Timer(10, c.close).start()


serve = {"ssh": serve_ssh, "http": serve_http}[MODE]
threading.Thread(target=serve, args=(6390, True), daemon=True).start()
print("listening", flush=True)
serve(6391, False)
