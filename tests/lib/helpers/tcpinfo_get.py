#!/usr/bin/env python3
"""tcpinfo_get.py SERVER PORT SOURCE_ADDR: GET /tcpinfo from pid-http-worker.py; prints the last
line of the answer (the server side's TCP options). (sid_host_safety)"""
import http.client, sys
c = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=5, source_address=(sys.argv[3], 0))
c.request("GET", "/tcpinfo")
print(c.getresponse().read().decode().splitlines()[-1])
