#!/usr/bin/env bash
# perf-compare.sh — where the CPU of a polling session goes, setup against setup: the same
# 4 echo workers under `siosteer run --key addr`, `--key sid --cookies bpf` and `--key sid
# --cookies sysctl` (in namespaces of its own), a warm-up, then `perf record -a` (software
# clock: this machine has no hardware counters) while sioload runs N polling sessions, a new
# connection per request, from 64 addresses. Prints, per setup, the whole machine's samples
# per session split by where they fall (the workers' user space, the kernel's TCP and socket
# code, veth and XDP, BPF programs, SYN cookies, ...), then the kernel symbols whose share
# differs most between the setups. Samples per session are CPU time per session:
# samples / FREQ seconds.
#
# The machine drifts (memory reclaim, JIT, other jobs), so the setups run in R rounds,
# forward then backward (a b c, c b a, ...), and the samples of all rounds are summed.
#
#   tools/bench.d/perf-compare.sh [--sessions N] [--setups addr,sid-bpf,sid-sysctl] [--rounds R]
# Needs root and perf. Leaves nothing behind (tests/lib/netns.sh cleans up).
set -u
cd "$(dirname "$(readlink -f "$0")")/../.." || exit 1
N=3000 FREQ=1999 SETUPS=addr,sid-bpf,sid-sysctl ROUNDS=2
while [ $# -gt 0 ]; do
	case $1 in
	--sessions) N=${2:?}; shift ;;
	--setups) SETUPS=${2:?}; shift ;;
	--rounds) ROUNDS=${2:?}; shift ;;
	*) echo "usage: $0 [--sessions N] [--setups addr,sid-bpf,sid-sysctl] [--rounds R]" >&2; exit 2 ;;
	esac
	shift
done
command -v perf >/dev/null || { echo "perf-compare: no perf" >&2; exit 1; }
SST_TAG=pcmp
. tests/lib/netns.sh
netns_setup 64 || exit 1
mount_test_bpffs || exit 1
load() { # SESSIONS
	ns_cli build/sioload --url "http://$SST_SRV_ADDR:3000" --mode polling --new-conn -n "$1" -c 100 \
		--source-addrs "$SST_CLI_ADDRS" -q --json --deadline 120
}
ORDER=()
read -ra FWD <<<"${SETUPS//,/ }"
for ((r = 0; r < ROUNDS; r++)); do
	if ((r % 2 == 0)); then ORDER+=("${FWD[@]}"); else for ((i = ${#FWD[@]} - 1; i >= 0; i--)); do ORDER+=("${FWD[$i]}"); done; fi
done
run=0
for setup in "${ORDER[@]}"; do
	run=$((run + 1))
	case $setup in
	addr) args=(--key addr) ;;
	sid-bpf) args=(--key sid --place least-loaded --iface veth0 --cookies bpf) ;;
	sid-sysctl) args=(--key sid --place least-loaded --iface veth0 --cookies sysctl) ;;
	*) echo "perf-compare: unknown setup $setup" >&2; exit 2 ;;
	esac
	start_bg "steer-$setup" ns_srv "$SIOSTEER" run --port 3000 --workers 4 "${args[@]}" -- \
		"$SST_NODE" "$PWD/tools/echo-worker.js"
	pid=$SST_LAST_PID
	for _ in $(seq 200); do [ "$(grep -c '^ready' "$SST_TMP/steer-$setup.log")" -ge 4 ] && break; sleep 0.1; done
	load 3000 >/dev/null 2>&1
	load 3000 >/dev/null 2>&1
	perf record -q -a -F $FREQ -o "$SST_TMP/$setup.data" -- \
		ip netns exec "$SST_NS_CLI" build/sioload --url "http://$SST_SRV_ADDR:3000" --mode polling \
		--new-conn -n "$N" -c 100 --source-addrs "$SST_CLI_ADDRS" -q --json --deadline 120 \
		>"$SST_TMP/$setup.$run.json" 2>/dev/null
	perf script -i "$SST_TMP/$setup.data" -F comm,ip,sym,dso 2>/dev/null >>"$SST_TMP/$setup.txt"
	kill -TERM "$pid"
	stop_pid "$pid" 10
done
python3 - "$SST_TMP" "$FREQ" "$((N * ROUNDS))" ${SETUPS//,/ } <<'PY'
import collections, glob, json, re, sys
tmp, freq, n, setups = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
OTHER_JOBS = ("qemu", "cc1", "clang", "ld", "make")
# Kernel samples by what the symbol is part of (first match wins).
KCATS = [
    ("kernel: BPF programs", r"^bpf_prog_|^cls_bpf|^bpf_|^__bpf|^sk_reuseport|^reuseport"),
    ("kernel: SYN cookies", r"cookie"),
    ("kernel: veth / XDP", r"veth|xdp|skb_pp_cow|page_pool"),
    ("kernel: memory", r"page|folio|vma|damon|slab|kmem|kmalloc|kfree|alloc|free|fault|mm_|memcg|lru|rmap|pte|pmd|tlb|zap"),
    ("kernel: TCP/IP, sockets", r"tcp|inet|^ip_|^__ip|ipv6|^ip6|^sk_|^__sk|sock|skb|^net|^__net|^dev_|^__dev|csum|fib|neigh|^nf_|napi|backlog|^eth|softirq"),
    ("kernel: syscalls, epoll, scheduler", r"^__x64|^x64|^do_|^__do|syscall|^entry|^ep_|epoll|sched|^pick_|enqueue|dequeue|^update_|wake|task|switch|^fput|^__fput|fdget|futex|hrtimer|rcu|irq"),
]
def cat(comm, sym, dso):
    if "kernel.kallsyms" in dso or dso.startswith("[bpf") or sym.startswith("bpf_prog_"):
        for name, rx in KCATS:
            if re.search(rx, sym):
                return name
        return "kernel: other"
    if comm.startswith("sioload"):
        return "user: sioload (client)"
    return f"user: {comm}"
res = {}
for s in setups:
    counts, syms = collections.Counter(), collections.Counter()
    for line in open(f"{tmp}/{s}.txt", errors="replace"):
        # "comm  ip sym (dso)"; a symbol may contain spaces, the dso is the last (...).
        m = re.match(r"\s*(\S+)\s+[0-9a-f]+\s+(.*)\s+\(([^()]*)\)\s*$", line)
        if not m:
            continue
        comm, sym, dso = m.group(1), re.sub(r"\+0x[0-9a-f]+$", "", m.group(2)), m.group(3)
        if comm == "swapper" or sym in ("pv_native_safe_halt", "default_idle", "cpu_idle_poll"):
            continue
        if comm.startswith(OTHER_JOBS):  # another job on a shared machine, not this load
            continue
        c = cat(comm, sym, dso)
        counts[c] += 1
        if c.startswith("kernel"):
            syms[sym] += 1
    ok = sum(json.load(open(f)).get("ok", 0) for f in glob.glob(f"{tmp}/{s}.*.json"))
    res[s] = (counts, syms, ok)
us = lambda v: v / freq / n * 1e6
print(f"perf-compare: {n} polling sessions per setup (new connection per request, 64 addresses), "
      f"whole machine, perf -F {freq}; us of CPU per session (samples / {freq} Hz / sessions)")
cats = sorted({c for r in res.values() for c in r[0]}, key=lambda c: -sum(r[0][c] for r in res.values()))
print(f"{'':36}" + "".join(f"{s:>12}" for s in setups))
for c in cats:
    if max(us(res[s][0][c]) for s in setups) >= 1:
        print(f"{c[:36]:36}" + "".join(f"{us(res[s][0][c]):12.1f}" for s in setups))
tot = {s: sum(res[s][0].values()) for s in setups}
print(f"{'total (busy, all CPUs)':36}" + "".join(f"{us(tot[s]):12.1f}" for s in setups))
print(f"{'  ratio to ' + setups[0]:36}" + "".join(f"{tot[s] / tot[setups[0]]:12.3f}" for s in setups))
print(f"{'sessions ok':36}" + "".join(f"{res[s][2]:>12}" for s in setups))
print("\nkernel symbols whose cost per session differs most from the first setup (us per session):")
base = setups[0]
allsyms = set()
for s in setups:
    allsyms |= set(res[s][1])
diff = sorted(allsyms, key=lambda y: -max(abs(res[s][1][y] - res[base][1][y]) for s in setups))
for y in diff[:25]:
    print(f"  {y[:46]:46}" + "".join(f"{us(res[s][1][y]):10.1f}" for s in setups))
PY
