#!/usr/bin/env python3
"""tcpinfo_get.py SERVER PORT SOURCE_ADDR [MSS]: GET /tcpinfo from pid-http-worker.py; prints
the last line of the answer (the server side's TCP options). SERVER and SOURCE_ADDR may be
IPv6. MSS: offer that MSS in the SYN (TCP_MAXSEG before connect). (sid_host_safety,
sid_cookies_bpf)"""
import os, socket, sys
server, port, src = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fam = socket.AF_INET6 if ":" in server else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
# 5 s, stretched in a slow guest (SIOSTEER_TEST_SCALE, tests/lib/checks.sh).
s.settimeout(5 / float(os.environ.get("SIOSTEER_TEST_SCALE") or 1))
if len(sys.argv) > 4:
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, int(sys.argv[4]))
s.bind((src, 0))
s.connect((server, port))
s.sendall(f"GET /tcpinfo HTTP/1.1\r\nHost: {server}\r\nConnection: close\r\n\r\n".encode())
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
print(data.decode().strip().splitlines()[-1])
