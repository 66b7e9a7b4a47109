#!/usr/bin/env python3
"""sid_eio3_run.py LABEL TRANSPORTS N PIDS CLIENTS_JSON STATUS0 STATUS1 SESSIONS0 SESSIONS1
SECONDS NSTAT0 NSTAT1: one run of EIO=3 sessions under --key sid: all OK on one pid,
balanced, learned per worker, clean sid counters, every handshake a SYN cookie one.
Prints RESULT, ERROR lines and exit 1 if anything is off. (sid_eio3)"""
import json, sys
nst = [dict((kv.split("=")[0], int(kv.split("=")[1])) for kv in x.split(",") if kv) for x in sys.argv[11:13]]
nd = {k: nst[1].get(k, 0) - nst[0].get(k, 0) for k in nst[1]}
label, tr, n, pids = sys.argv[1], sys.argv[2], int(sys.argv[3]), sorted(int(p) for p in sys.argv[4].split(","))
c = json.loads(sys.argv[5])
b, a = json.loads(sys.argv[6])[0], json.loads(sys.argv[7])[0]
# Connections made from a cookie: siosteer's own (--cookies bpf: the cookie program's
# `accepted`) or the kernel's (--cookies sysctl: TcpExtSyncookiesSent).
if "cookie" in a:
    made = a["cookie"]["accepted"] - b["cookie"]["accepted"]
else:
    made = nd.get("TcpExtSyncookiesSent", 0)
no_cookie = nd.get("TcpPassiveOpens", 0) - made
s0, s1 = json.loads(sys.argv[8]), json.loads(sys.argv[9])
errs = []
if c["ok"] != n or c["failed"]:
    errs.append(f"ok {c['ok']}/{n}, failures {c['failures']} failed_addrs {c.get('failed_addrs')}")
if c["mixed_pid"]:
    errs.append(f"{c['mixed_pid']} sessions saw two pids")
if c["addr_mismatch"]:
    errs.append(f"addr_mismatch {c['addr_mismatch']}")
if tr == "default" and c["upgraded"] != n:
    errs.append(f"upgraded {c['upgraded']}/{n}")
per = {int(k): v for k, v in c["per_pid"].items()}
if sorted(per) != pids:
    errs.append(f"workers used {sorted(per)}, workers {pids}")
share = n / len(pids)
dev = max(abs(per.get(p, 0) - share) for p in pids) / share * 100
if dev > 5:
    errs.append(f"least-loaded balance off by {dev:.1f}% of an even share")
spread = None
if isinstance(c.get("addr_pid"), dict):  # newer sio-clients.js: per-address pids
    spread = sum(1 for v in c["addr_pid"].values() if isinstance(v, list))
    if spread < len(c["addr_pid"]) // 2:
        errs.append(f"only {spread}/{len(c['addr_pid'])} addresses met several workers: placement looks address-keyed")
d = lambda grp, k: a[grp][k] - b[grp][k]
sid = {k: d("sid", k) for k in ("handshake", "sid_hit", "sid_unknown", "sid_bad", "not_http", "conn_record_fail")}
for k in ("sid_unknown", "sid_bad", "not_http", "conn_record_fail"):
    if sid[k]:
        errs.append(f"{k} +{sid[k]}")
if sid["handshake"] != n:
    errs.append(f"handshake +{sid['handshake']}, expected +{n} (one per session)")
if sid["sid_hit"] < n:
    errs.append(f"sid_hit +{sid['sid_hit']}, expected >= {n} (every session opens a connection with its sid)")
for k in ("fallback", "no_live_slot", "select_error"):
    if d("counters", k):
        errs.append(f"{k} +{d('counters', k)}")
learned = d("learner", "learned")
new = s1["total"] - s0["total"]
if learned != n or new != n:
    errs.append(f"learned +{learned}, sessions +{new}; expected +{n} each")
slot_pid = {int(k): v["pid"] for k, v in s1["per_slot"].items()}
per_slot_new = {slot_pid[int(k)]: v["sessions"] - s0["per_slot"].get(k, {"sessions": 0})["sessions"]
                for k, v in s1["per_slot"].items()}
if {p: per_slot_new.get(p, 0) for p in pids} != {p: per.get(p, 0) for p in pids}:
    errs.append(f"learned per worker {per_slot_new} != OK sessions per worker {per}")
print(f"RESULT {label}: {c['ok']}/{n} ok, mixed {c['mixed_pid']}, upgraded {c['upgraded']}, "
      f"per worker {[per.get(p, 0) for p in pids]} (max dev {dev:.1f}%), addresses on >1 worker {spread}, "
      f"learned +{learned}, sessions +{new}, sid {sid}, runs +{d('counters', 'runs')} "
      f"first_data +{d('sid', 'first_data')}, server {nd}, handshakes without cookie {no_cookie}, {c['elapsed_s']}s")
if no_cookie:
    errs.append(f"{no_cookie} handshakes without a SYN cookie (a SYN met a TIME_WAIT socket?): "
                "the selector never saw those connections' first request")
for e in errs:
    print(f"ERROR {label}: {e}")
sys.exit(1 if errs else 0)
