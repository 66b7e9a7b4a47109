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
#   tools/bench.d/perf-compare.sh [--sessions N] [--setups addr,sid-bpf,sid-sysctl]
# Needs root and perf. Leaves nothing behind (tests/lib/netns.sh cleans up).
set -u
cd "$(dirname "$(readlink -f "$0")")/../.." || exit 1
N=3000 FREQ=1999 SETUPS=addr,sid-bpf,sid-sysctl
while [ $# -gt 0 ]; do
	case $1 in
	--sessions) N=${2:?}; shift ;;
	--setups) SETUPS=${2:?}; shift ;;
	*) echo "usage: $0 [--sessions N] [--setups addr,sid-bpf,sid-sysctl]" >&2; exit 2 ;;
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
for setup in ${SETUPS//,/ }; do
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
		>"$SST_TMP/$setup.json" 2>/dev/null
	perf script -i "$SST_TMP/$setup.data" -F comm,ip,sym 2>/dev/null >"$SST_TMP/$setup.txt"
	kill -TERM "$pid"
	stop_pid "$pid" 10
done
python3 - "$SST_TMP" "$FREQ" "$N" ${SETUPS//,/ } <<'PY'
import collections, json, re, sys
tmp, freq, n, setups = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
# Where a sample falls, by its symbol (first match wins) or, for user space, its command.
CATS = [
    ("BPF programs", r"^bpf_prog_|^siosteer_"),
    ("SYN cookies (kernel)", r"cookie"),
    ("veth / XDP", r"veth|xdp|page_pool|napi"),
    ("TCP", r"^tcp_|^__tcp|^inet_|^__inet|^ip_|^__ip|^ipv6|^ip6|^sk_|^__sk|^sock_|^__sock|^skb|^__skb|^kfree_skb|^reqsk|^csum|^__dev|^dev_|^net|^__net|^process_backlog|^__napi"),
    ("syscalls / epoll / sched", r"^__x64|^do_|^__do|^syscall|^entry_|^ep_|^__schedule|^schedule|^pick_|^enqueue|^dequeue|^update_|^try_to_wake|^finish_task|^__switch|^switch_|^fput|^__fput|^fdget"),
]
def cat(comm, sym):
    if sym.startswith("[unknown]") or not sym:
        return f"user: {comm}"
    for name, rx in CATS:
        if re.search(rx, sym):
            return name
    return "kernel: other"
res = {}
for s in setups:
    counts, syms = collections.Counter(), collections.Counter()
    for line in open(f"{tmp}/{s}.txt", errors="replace"):
        parts = line.split()
        if len(parts) < 2:
            continue
        comm, sym = parts[0], (parts[2] if len(parts) > 2 else "")
        sym = re.sub(r"\+0x[0-9a-f]+$", "", sym)
        if comm in ("swapper",) or sym in ("pv_native_safe_halt", "default_idle", "cpu_idle_poll"):
            continue
        c = cat(comm, sym)
        if c.startswith("user: ") and comm.startswith("sioload"):
            c = "user: sioload (client)"
        counts[c] += 1
        if not c.startswith("user"):
            syms[sym] += 1
    load = json.load(open(f"{tmp}/{s}.json"))
    res[s] = (counts, syms, load)
print(f"perf-compare: {n} polling sessions (new connection per request, 64 addresses), "
      f"whole machine, perf -F {freq}; us per session (samples / {freq} Hz / sessions)")
cats = sorted({c for r in res.values() for c in r[0]}, key=lambda c: -sum(r[0][c] for r in res.values()))
print(f"{'':34}" + "".join(f"{s:>14}" for s in setups))
for c in cats:
    print(f"{c[:34]:34}" + "".join(f"{res[s][0][c] / freq / n * 1e6:14.1f}" for s in setups))
tot = {s: sum(res[s][0].values()) for s in setups}
print(f"{'total (busy, all CPUs)':34}" + "".join(f"{tot[s] / freq / n * 1e6:14.1f}" for s in setups))
print(f"{'sessions ok':34}" + "".join(f"{res[s][2].get('ok', 0):>14}" for s in setups))
print("\nkernel symbols whose cost per session differs most from the first setup (us per session):")
base = setups[0]
allsyms = set()
for s in setups:
    allsyms |= set(res[s][1])
diff = sorted(allsyms, key=lambda y: -max(abs(res[s][1][y] - res[base][1][y]) for s in setups))
for y in diff[:25]:
    print(f"  {y[:44]:44}" + "".join(f"{res[s][1][y] / freq / n * 1e6:10.1f}" for s in setups))
PY
