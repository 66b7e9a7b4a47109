"""HTTP/1.1 over a kept-alive socket, as the pool clients (keepalive-repair.py,
keepalive-drained.py) need it: one request, and None when the connection is reset or
closed before any answer byte (the case a browser resends)."""
import socket

PATH = "/socket.io/?EIO=4&transport=polling"


def connect(host, port):
    return socket.create_connection((host, port), timeout=5)


def request(c, host, method, path, body=b""):
    """(status, body), None if reset or closed before any answer byte, ("cut", bytes) if
    cut inside the headers."""
    data = b""
    head = "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: keep-alive\r\n" % (method, path, host)
    if method == "POST":
        head += "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: %d\r\n" % len(body)
    try:
        c.sendall(head.encode() + b"\r\n" + body)
        while b"\r\n\r\n" not in data:
            d = c.recv(65536)
            if not d:
                return None if not data else ("cut", data)
            data += d
    except (ConnectionResetError, BrokenPipeError):
        return None if not data else ("cut", data)
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
