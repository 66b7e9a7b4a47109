#!/usr/bin/env python3
"""sid_capacity.py FILL SESSIONS MEMORY CLIENTS RC STATUS0 STATUS1 SESSIONS_AFTER T0 T1 MAX COUNT
LAST FIRST N: the sids map filled past its capacity keeps the newest, evicts the
oldest, and real sessions still work. Prints the figures and RESULT, ERROR lines and
exit 1 if anything is off. (sid_capacity)"""
import json, sys
f, s, m, c = (json.loads(x) for x in sys.argv[1:5])
rc = int(sys.argv[5])
b, a = json.loads(sys.argv[6])[0], json.loads(sys.argv[7])[0]
after = json.loads(sys.argv[8])
wall = float(sys.argv[10]) - float(sys.argv[9])
MAX, COUNT, LAST, FIRST, N = (int(x) for x in sys.argv[11:16])
errs = []
if f["max_entries"] != MAX:
    errs.append(f"map max_entries {f['max_entries']}, asked for {MAX}")
if f["update_errors"]:
    errs.append(f"{f['update_errors']} update errors during the fill")
if not (0.99 * MAX <= f["entries"] <= MAX):
    errs.append(f"map holds {f['entries']} entries, expected {0.99 * MAX:.0f}..{MAX}")
if f["last_present"] != LAST:
    errs.append(f"only {f['last_present']}/{LAST} of the most recent sids present")
evicted = FIRST - f["first_present"]
if evicted < 0.95 * FIRST:
    errs.append(f"only {evicted}/{FIRST} of the oldest sids evicted")
if s["total"] != f["entries"]:
    errs.append(f"siosteer sessions counts {s['total']}, the map walk {f['entries']}")
if after["total"] > MAX:
    errs.append(f"{after['total']} sessions after the real ones, above {MAX}")
if rc or c["ok"] != N or c["mixed_pid"]:
    errs.append(f"real sessions with the map full: ok {c['ok']}/{N}, mixed {c['mixed_pid']}, failures {c['failures']}")
d = lambda g, k: a[g][k] - b[g][k]
learned, hit, unk = d("learner", "learned"), d("sid", "sid_hit"), d("sid", "sid_unknown")
if learned != N:
    errs.append(f"learner learned +{learned} for {N} sessions")
if hit < N or unk:
    errs.append(f"sid_hit +{hit} (expected >= {N}), sid_unknown +{unk} (expected 0)")
mib = lambda x: x / (1 << 20)
print(f"fill: {COUNT} sids in {f['fill_s']:.2f} s ({COUNT / f['fill_s'] / 1e6:.2f} M/s, batch={f['batch']}), "
      f"wall {wall:.2f} s with the checks; map {f['entries']}/{f['max_entries']} entries; "
      f"last {LAST}: {f['last_present']} present; first {FIRST}: {evicted} evicted "
      f"({f['first_present']} survive); present by {COUNT // 22}-block: {f['present_by_block'][:4]}...")
print(f"memory: sids {mib(m['sids_bytes']):.1f} MiB ({m['sids_bytes'] / m['sids_max_entries']:.0f} B/entry), "
      f"all {m['maps']} maps {mib(m['all_bytes']):.1f} MiB; largest {m['largest']}")
print(f"RESULT fill {COUNT} in {f['fill_s']:.2f}s; map {f['entries']}/{MAX}; newest {f['last_present']}/{LAST} kept; "
      f"oldest {evicted}/{FIRST} evicted; sids {mib(m['sids_bytes']):.0f} MiB, all maps {mib(m['all_bytes']):.0f} MiB; "
      f"{c['ok']}/{N} sessions ok when full (learned +{learned}, sid_hit +{hit})")
for e in errs:
    print("ERROR " + e)
sys.exit(1 if errs else 0)
