#!/usr/bin/env python3
"""sid_python_run.py LABEL TRANSPORTS N PIDS KEY CLIENTS_JSON STATUS0 STATUS1 SESSIONS0 SESSIONS1
SECONDS: one run of sessions against python-socketio workers: all OK on one pid, all
workers used, (key sid) every session learned on its worker. Prints RESULT, ERROR
lines and exit 1 if anything is off. (sid_python)"""
import json, sys
label, tr, n, pids, key = sys.argv[1], sys.argv[2], int(sys.argv[3]), sorted(int(p) for p in sys.argv[4].split(",")), sys.argv[5]
c = json.loads(sys.argv[6])
b, a = json.loads(sys.argv[7])[0], json.loads(sys.argv[8])[0]
s0, s1 = json.loads(sys.argv[9]), json.loads(sys.argv[10])
errs = []
if c["ok"] != n or c["failed"]:
    errs.append(f"ok {c['ok']}/{n}, failures {c['failures']}")
if c["mixed_pid"]:
    errs.append(f"mixed_pid {c['mixed_pid']} (sessions whose acks came from two pids)")
if c["addr_mismatch"]:
    errs.append(f"addr_mismatch {c['addr_mismatch']}")
if tr == "default" and c["upgraded"] != n:
    errs.append(f"upgraded {c['upgraded']}/{n}")
per = {int(k): v for k, v in c["per_pid"].items()}
if set(per) - set(pids):
    errs.append(f"pids {sorted(per)} not all workers {pids}")
if (key == "sid" or c["addrs"] > 1) and sorted(per) != pids and c["ok"] == n:
    errs.append(f"workers used {sorted(per)}, want all of {pids}")
d = lambda grp, k: a.get(grp, {}).get(k, 0) - b.get(grp, {}).get(k, 0)
learned = new = None
sid = {}
if key == "sid":
    sid = {k: d("sid", k) for k in ("handshake", "sid_hit", "sid_unknown", "sid_bad", "not_http")}
    # Every learner counter the binary has (body_next / learned_later: answers whose
    # body came in a later segment than the headers), shown when it moved.
    lrn = {k: d("learner", k) for k in a.get("learner", {})}
    lrn = {k: v for k, v in lrn.items() if v or k == "learned"}
    rep = {k: d("repair", k) for k in a.get("repair", {})}
    rep = {k: v for k, v in rep.items() if v}
    learned, new = lrn["learned"], s1["total"] - s0["total"]
    if learned != n or new != n:
        errs.append(f"learned +{learned}, sessions +{new}; expected +{n} each (one per session)")
    slot_pid = {int(k): v["pid"] for k, v in s1["per_slot"].items()}
    per_slot_new = {slot_pid[int(k)]: v["sessions"] - s0.get("per_slot", {}).get(k, {"sessions": 0})["sessions"]
                    for k, v in s1["per_slot"].items()}
    if learned == n and {p: per_slot_new.get(p, 0) for p in pids} != {p: per.get(p, 0) for p in pids}:
        errs.append(f"learned per worker {per_slot_new} != OK sessions per worker {per}")
    if sid["sid_unknown"]:
        errs.append(f"sid_unknown +{sid['sid_unknown']} (requests whose sid the selector did not know)")
fails = ", ".join(f"{k}: {v}" for k, v in sorted(c["failures"].items(), key=lambda kv: -kv[1])[:3])
line = (f"RESULT {label}: {c['ok']}/{n} ok, mixed_pid {c['mixed_pid']}, upgraded {c['upgraded']}, "
        f"per worker {[per.get(p, 0) for p in pids]}")
if key == "sid":
    line += (f", learned +{learned}, sessions +{new}, learner {lrn}, "
             f"handshake +{sid['handshake']} sid_hit +{sid['sid_hit']} sid_unknown +{sid['sid_unknown']}"
             + (f", repair {rep}" if rep else ""))
line += f", {c['elapsed_s']}s"
if fails:
    line += f"; failures {fails}"
print(line)
for e in errs:
    print(f"ERROR {label}: {e}")
sys.exit(1 if errs else 0)
