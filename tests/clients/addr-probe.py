#!/usr/bin/env python3
"""Issue R HTTP requests from each of several source addresses and report
which pid (from pid-http-worker.py's `pid=<pid>` body) answered each.

usage: addr-probe.py --url http://198.18.0.1:3000/ --local-addrs LIST
                     [--requests R] [--timeout S] [--deadline S] [--expect-consistent]

LIST: comma list, file (one per line) or octet ranges like 198.19.1-64.2.
Each request is a new TCP connection (http.client, one request per
connection) bound to its source address. Addresses are probed in
parallel, requests of one address in sequence.

Prints ONE JSON line: {addrs, requests, errors, per_addr:{addr:[pids]},
distinct_pids, per_addr_consistent, elapsed_s}. Exit 0 iff no request
failed and, with --expect-consistent, every address always got one pid.
"""
import argparse
import http.client
import json
import os
import re
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor


def expand(item):
    if "-" not in item or not re.fullmatch(r"[0-9.\-]+", item):
        return [item]
    out = [""]
    for k, part in enumerate(item.split(".")):
        m = re.fullmatch(r"(\d+)-(\d+)", part)
        vals = range(int(m[1]), int(m[2]) + 1) if m else [part]
        out = [f"{p}.{v}" if k else f"{v}" for p in out for v in vals]
    return out


def parse_addrs(spec):
    text = open(spec).read() if os.path.isfile(spec) else spec
    items = [re.sub(r"#.*", "", s).strip() for s in re.split(r"[\s,]+", text)]
    return [a for s in items if s for a in expand(s)]


def probe(url, addr, n, timeout, stop_at):
    u = urllib.parse.urlsplit(url)
    pids, errors = [], []
    for _ in range(n):
        if time.monotonic() > stop_at:
            errors.append("deadline")
            break
        try:
            c = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout,
                                           source_address=(addr, 0))
            c.request("GET", u.path or "/", headers={"Connection": "close"})
            body = c.getresponse().read().decode(errors="replace")
            c.close()
            m = re.search(r"pid=(\d+)", body)
            if m:
                pids.append(int(m[1]))
            else:
                errors.append("no pid in body")
        except Exception as e:  # report, don't stop the other addresses
            errors.append(type(e).__name__)
    return addr, pids, errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--local-addrs", required=True)
    ap.add_argument("--requests", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=5)
    ap.add_argument("--deadline", type=float, default=60)
    ap.add_argument("--expect-consistent", action="store_true")
    a = ap.parse_args()
    addrs = parse_addrs(a.local_addrs)
    if not addrs:
        ap.error("--local-addrs gave no address")
    t0 = time.monotonic()
    stop_at = t0 + a.deadline
    with ThreadPoolExecutor(max_workers=min(32, len(addrs))) as ex:
        res = list(ex.map(lambda ad: probe(a.url, ad, a.requests, a.timeout, stop_at), addrs))
    per_addr = {ad: pids for ad, pids, _ in res}
    errs = {}
    for _, _, e in res:
        for x in e:
            errs[x] = errs.get(x, 0) + 1
    out = {
        "addrs": len(addrs),
        "requests": sum(len(p) for p in per_addr.values()),
        "errors": errs,
        "per_addr": per_addr,
        "distinct_pids": len({p for ps in per_addr.values() for p in ps}),
        "per_addr_consistent": all(len(set(p)) == 1 for p in per_addr.values()),
        "elapsed_s": round(time.monotonic() - t0, 3),
    }
    print(json.dumps(out), flush=True)
    ok = not errs and (out["per_addr_consistent"] or not a.expect_consistent)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
