#!/usr/bin/env python3
"""sid_hostile.py RAW_JSON STATUS_BEFORE STATUS_AFTER SECONDS: the hostile cases of
sid_raw_client.py were all answered by the address's worker and moved the counters by
exactly what they should. Prints RESULT, ERROR lines and exit 1 if anything is off.
(sid_hostile)"""
import json, sys
r = json.loads(sys.argv[1])
b, a = json.loads(sys.argv[2])[0], json.loads(sys.argv[3])[0]
errs = []
res = r["results"]
# 1. Every address's plain requests met one worker; every case was answered by it.
for addr, pid in r["addr_pid"].items():
    if not isinstance(pid, int):
        errs.append(f"{addr}: plain requests met pids {pid}")
outcomes, wrong = {}, []
for x in res:
    outcomes[x["outcome"]] = outcomes.get(x["outcome"], 0) + 1
    want = r["addr_pid"].get(x["addr"])
    if x["outcome"] != "ok":
        wrong.append(f'{x["addr"]} {x["case"]}: {x["outcome"]}')
    elif x["pid"] != want:
        wrong.append(f'{x["addr"]} {x["case"]}: pid {x["pid"]} != {want}')
if wrong:
    errs.append(f"{len(wrong)} of {len(res)} cases wrong: " + "; ".join(wrong[:8]))
own = sum(1 for v in r["own_sid"].values() if v)
if own != len(r["addr_pid"]):
    errs.append(f"only {own}/{len(r['addr_pid'])} addresses got an engine.io sid from the worker")
# 2. Counters moved by exactly what the cases must cause.
d = lambda grp, k: a[grp][k] - b[grp][k]
cats = r["by_cat"]
got = {k: d("sid", k) for k in ("handshake", "sid_hit", "sid_unknown", "sid_bad", "not_http")}
for k, v in got.items():
    if v != cats.get(k, 0):
        errs.append(f"counter {k} +{v}, expected +{cats.get(k, 0)}")
if d("sid", "first_data") != len(res):
    errs.append(f"first_data +{d('sid', 'first_data')}, expected +{len(res)} (one first request per connection)")
for k in ("fallback", "no_live_slot", "select_error", "bad_packet"):
    if d("counters", k):
        errs.append(f"counter {k} +{d('counters', k)}")
if d("sid", "conn_record_fail"):
    errs.append(f"conn_record_fail +{d('sid', 'conn_record_fail')}")
# Only a connection that asked for a new session (its request had no sid) may teach a
# sid. The fake handshake also answers `sid=` with an empty value (like engine.io,
# which takes it for a new session), but the selector calls that malformed: not learned.
learned = d("learner", "learned")
opens = sum(1 for x in res if x["open"] and x["cat"] == "handshake")
others = sum(1 for x in res if x["open"] and x["cat"] != "handshake")
if learned != opens:
    errs.append(f"learner learned +{learned}, expected +{opens} (one per open packet on a handshake connection)")
if "not_new_session" in a["learner"] and d("learner", "not_new_session") != others:
    errs.append(f"learner not_new_session +{d('learner', 'not_new_session')}, expected +{others} "
                "(open packets on connections whose request carried a sid)")
# The bare handshake ACK is dropped by the gate (--cookies sysctl) or the cookie program.
gate = d("cookie", "bare_acks") if "cookie" in a else d("gate", "dropped")
if gate != len(res):
    errs.append(f"bare handshake ACKs dropped +{gate}, expected +{len(res)} (one per connection)")
ms = sorted(x["ms"] for x in res)
print(f"cases {len(res)} from {len(r['addr_pid'])} addresses in {sys.argv[4]}s: outcomes {outcomes}; "
      f"by category {cats}; counters +{got}; gate dropped +{gate}; learned +{learned} of {opens + others} "
      f"open packets (not_new_session +{d('learner', 'not_new_session') if 'not_new_session' in a['learner'] else '?'}); "
      f"per-case ms median {ms[len(ms)//2]}, max {ms[-1]}")
print("addr->pid", r["addr_pid"])
print("RESULT " + ("ok" if not errs else "BAD") +
      f" {len(res) - len([1 for x in res if x['outcome'] != 'ok' or x['pid'] != r['addr_pid'].get(x['addr'])])}/{len(res)} "
      f"cases on the address's worker; hit {got['sid_hit']} unknown {got['sid_unknown']} bad {got['sid_bad']} "
      f"not_http {got['not_http']} handshake {got['handshake']}")
for e in errs:
    print("ERROR " + e)
sys.exit(1 if errs else 0)
