#!/usr/bin/env bash
# bpf-profile.sh — where the time of siosteer's BPF programs goes, by perf sampling (no BPF
# statistics, so nothing is added to the programs' own cost).
#
# In namespaces of its own: `siosteer run --key sid --place least-loaded` (or --key addr)
# with 4 echo workers, a warm-up, then `perf record -a -g` while sioload runs N polling
# sessions (a new connection per request) from 64 addresses. For each siosteer program it
# prints the samples under it, ns per run (samples / frequency / runs from the counters),
# and which functions the time is spent in (the program itself, or what it called).
#
#   tools/bench.d/bpf-profile.sh [--key sid|addr] [--sessions N] [--mode polling|upgrade]
#                                [--sessions-max N]   (sid mode: the sids map's capacity)
# Needs root and perf. Leaves nothing behind (tests/lib/netns.sh cleans up).
set -u
cd "$(dirname "$(readlink -f "$0")")/../.." || exit 1
KEY=sid N=4000 MODE=polling FREQ=4999 SMAX=
while [ $# -gt 0 ]; do
	case $1 in
	--key) KEY=${2:?}; shift ;;
	--sessions) N=${2:?}; shift ;;
	--mode) MODE=${2:?}; shift ;;
	--sessions-max) SMAX=${2:?}; shift ;;
	*) echo "usage: $0 [--key sid|addr] [--sessions N] [--mode polling|upgrade] [--sessions-max N]" >&2
	   exit 2 ;;
	esac
	shift
done
command -v perf >/dev/null || { echo "bpf-profile: no perf" >&2; exit 1; }
SST_TAG=prof
. tests/lib/netns.sh
netns_setup 64 || exit 1
mount_test_bpffs || exit 1
args=(--key addr)
[ "$KEY" = sid ] && args=(--key sid --place least-loaded --iface veth0 ${SMAX:+--sessions-max "$SMAX"})
start_bg steer ns_srv "$SIOSTEER" run --port 3000 --workers 4 "${args[@]}" -- \
	"$SST_NODE" "$PWD/tools/echo-worker.js"
for _ in $(seq 150); do [ "$(grep -c '^ready' "$SST_TMP/steer.log")" -ge 4 ] && break; sleep 0.1; done
load() { # SESSIONS
	ns_cli build/sioload --url "http://$SST_SRV_ADDR:3000" --mode "$MODE" --new-conn -n "$1" -c 100 \
		--source-addrs "$SST_CLI_ADDRS" -q --json --deadline 120
}
load 3000 >/dev/null 2>&1
load 3000 >/dev/null 2>&1
before=$(ns_srv "$SIOSTEER" status --port 3000 --json)
perf record -q -a -g -F $FREQ -o "$SST_TMP/perf.data" -- \
	ip netns exec "$SST_NS_CLI" build/sioload --url "http://$SST_SRV_ADDR:3000" --mode "$MODE" \
	--new-conn -n "$N" -c 100 --source-addrs "$SST_CLI_ADDRS" -q --json --deadline 120 \
	>"$SST_TMP/load.json" 2>/dev/null
after=$(ns_srv "$SIOSTEER" status --port 3000 --json)
perf script -i "$SST_TMP/perf.data" -F ip,sym 2>/dev/null >"$SST_TMP/perf.txt"
python3 - "$SST_TMP/perf.txt" "$before" "$after" "$SST_TMP/load.json" "$FREQ" <<'PY'
import collections, json, re, sys
txt, before, after, load, freq = sys.argv[1], json.loads(sys.argv[2])[0], json.loads(sys.argv[3])[0], \
    json.load(open(sys.argv[4])), int(sys.argv[5])
def d(path):
    a, b = before, after
    for k in path:
        a, b = a.get(k, {}), b.get(k, {})
    return (b or 0) - (a or 0)
# runs of each program during the profiled run, from siosteer's own counters
runs = {"siosteer_select": d(["counters", "runs"]),
        "siosteer_gate_xdp": d(["gate", "packets"]),
        "siosteer_learn": d(["learner", "packets"]),
        # tc ingress sees what the XDP gate let through
        "siosteer_tw_reset": d(["gate", "packets"]) - d(["gate", "dropped"])}
stacks, cur = [], []
for line in open(txt):
    if not line.strip():
        if cur:
            stacks.append(cur)
        cur = []
        continue
    m = re.match(r"\s+[0-9a-f]+\s+(\S+)", line)
    if m:
        cur.append(re.sub(r"\+0x[0-9a-f]+$", "", m.group(1)))
if cur:
    stacks.append(cur)
print(f"{load['ok']}/{load['sessions']} sessions ok, {load['sessions_per_s']:.0f}/s; "
      f"{len(stacks)} samples at {freq} Hz on all CPUs")
for prog, n in runs.items():
    hit, callee = 0, collections.Counter()
    for st in stacks:
        for i, s in enumerate(st):
            if re.fullmatch(r"bpf_prog_[0-9a-f]+_" + prog[:15] + r"\w*", s):
                hit += 1
                c = st[i - 1] if i > 0 else "(its own code)"
                callee[re.sub(r"^bpf_prog_[0-9a-f]+_", "", c) if c.startswith("bpf_prog_") else c] += 1
                break
    if not hit:
        continue
    ns = 1e9 * hit / freq / n if n else float("nan")
    print(f"\n{prog}: {hit} samples, {n} runs counted -> about {ns:.0f} ns per run")
    for c, k in callee.most_common(8):
        print(f"  {100 * k / hit:5.1f}%  {c}")
PY
