#!/usr/bin/env python3
"""tw_client.py SERVER PORT LOCAL_ADDR BASE_PORT NPORTS COUNT: (tw_reset)
COUNT short connections from one address, local port cycling over NPORTS ports.
Prints one line of figures."""
import collections, socket, sys, time
srv, port, local, base, nports, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], \
    int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
fam = socket.AF_INET6 if ':' in srv else socket.AF_INET
ok, slow, errs, t0 = 0, 0, collections.Counter(), time.monotonic()
for i in range(count):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.settimeout(5)
    t = time.monotonic()
    try:
        s.bind((local, base + i % nports))
        s.connect((srv, port))
        s.sendall(b"GET /tw HTTP/1.0\r\n\r\n")
        data = b""
        while True:
            d = s.recv(4096)
            if not d:
                break
            data += d
        if data.endswith(b"\r\n\r\nok\n"):
            ok += 1
        else:
            errs["short reply"] += 1
    except OSError as e:
        errs[type(e).__name__ + ":" + str(e.errno)] += 1
    finally:
        s.close()
    if time.monotonic() - t > 0.5:
        slow += 1   # a retransmitted SYN takes >= 1 s
print("connections=%d ok=%d failed=%d slow=%d elapsed=%.1fs errors=%s" %
      (count, ok, count - ok, slow, time.monotonic() - t0, dict(errs)), flush=True)
