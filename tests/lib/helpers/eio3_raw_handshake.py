#!/usr/bin/env python3
"""eio3_raw_handshake.py SERVER PORT SOURCE_ADDR: one raw EIO=3 polling handshake; prints the
HTTP status and the start of the body. (sid_eio3)"""
import http.client, sys
c = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=5, source_address=(sys.argv[3], 0))
c.request("GET", "/socket.io/?EIO=3&transport=polling&t=raw")
r = c.getresponse()
print(r.status, r.read(120).decode("latin-1"))
