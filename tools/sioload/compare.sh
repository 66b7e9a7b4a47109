#!/usr/bin/env bash
# shellcheck disable=SC2016  # node -e scripts are single-quoted on purpose
# Compare sioload with socket.io-client@4 (tools/sioload/sio-client-bench.js) against ONE
# real socket.io@4 echo-worker on 127.0.0.1: same sessions, concurrency and acks, a fresh
# (warmed-up) worker per run. Reports sessions/s, ack round trip, the client's CPU per
# session (getrusage / process.cpuUsage) and the worker's CPU per session (/proc/PID/stat),
# which shows who limited the rate.
#
#   tools/sioload/compare.sh [SESSIONS [CONCURRENCY [ACKS]]]    (defaults 2000 50 3)
#   PIN=0: do not pin the worker to CPU 0 and the client to CPU 1 (taskset).
#   MODES="polling-new polling upgrade websocket" (the default) selects the rows.
set -u
cd "$(dirname "$0")/../.." || exit 1
K=${1:-2000} C=${2:-50} M=${3:-3}
BUILD=${BUILD:-build}
SIOLOAD=${SIOLOAD:-$BUILD/sioload}
NODE=${NODE:-node}
PIN=${PIN:-1}
MODES=${MODES:-polling-new polling upgrade websocket}
command -v taskset >/dev/null || PIN=0
tmp=$(mktemp -d /tmp/sioload-compare.XXXXXX)
wpid=

stop_worker() {
	[ -n "$wpid" ] || return 0
	kill "$wpid" 2>/dev/null
	for _ in $(seq 1 30); do kill -0 "$wpid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$wpid" 2>/dev/null
	wait "$wpid" 2>/dev/null
	wpid=
}
trap 'stop_worker; rm -rf "$tmp"' EXIT
make --no-print-directory -f tools/sioload/sioload.mk BUILD="$BUILD" >/dev/null || exit 1

on_cpu() { # on_cpu N cmd...
	if [ "$PIN" = 1 ]; then taskset -c "$1" "${@:2}"; else "${@:2}"; fi
}

start_worker() {
	# a simple command in the background: $! is the worker itself (taskset execs node)
	if [ "$PIN" = 1 ]; then
		taskset -c 0 "$NODE" tools/echo-worker.js --port 0 --host 127.0.0.1 >"$tmp/w.out" 2>&1 &
	else
		"$NODE" tools/echo-worker.js --port 0 --host 127.0.0.1 >"$tmp/w.out" 2>&1 &
	fi
	wpid=$!
	port=
	for _ in $(seq 1 100); do
		port=$(sed -n "s/^ready pid=$wpid port=\([0-9]*\)\$/\1/p" "$tmp/w.out")
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || { echo "compare: echo-worker did not start" >&2; exit 1; }
	# warm-up (JIT), so that both clients meet a worker in the same state
	"$SIOLOAD" --url "http://127.0.0.1:$port" --mode polling -n 300 -c 10 -q >/dev/null 2>&1
	"$SIOLOAD" --url "http://127.0.0.1:$port" --mode websocket -n 300 -c 10 -q >/dev/null 2>&1
	sleep 0.5
}

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
busy() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; } # all CPUs, ticks
hz=$(getconf CLK_TCK)

# run LABEL CMD... ; "@URL@" in CMD becomes the worker's URL
run() {
	local label=$1 args=() a
	shift
	start_worker
	for a in "$@"; do args+=("${a//@URL@/http://127.0.0.1:$port}"); done
	local t0 t1 b0 b1 rc
	t0=$(ticks "$wpid")
	b0=$(busy)
	on_cpu 1 timeout 300 "${args[@]}" >"$tmp/r.json" 2>"$tmp/r.err"
	rc=$?
	t1=$(ticks "$wpid")
	b1=$(busy)
	stop_worker
	"$NODE" -e '
		const [label, rc, wt, hz, file, busy] = process.argv.slice(1);
		let r;
		try { r = JSON.parse(require("fs").readFileSync(file, "utf8").trim().split("\n").pop()); }
		catch (e) { console.log(`${label.padEnd(34)} no result (exit ${rc})`); process.exit(0); }
		const wcpu = (wt / hz) * 1e6 / r.sessions;
		// CPU used by anything else on the machine during the run, in % of one core
		const other = Math.max(0, busy / hz - wt / hz - r.cpu.user_s - r.cpu.sys_s) / r.elapsed_s * 100;
		const pad = (v, n) => String(v).padStart(n);
		console.log(`${label.padEnd(34)}${pad(r.ok + "/" + r.sessions, 10)}${pad(r.sessions_per_s.toFixed(1), 9)}` +
			`${pad(r.ack_rtt_us.p50, 9)}${pad(r.ack_rtt_us.p99, 9)}${pad(r.cpu.us_per_session.toFixed(0), 9)}` +
			`${pad(wcpu.toFixed(0), 9)}${pad(other.toFixed(0), 7)}`);
	' "$label" "$rc" "$((t1 - t0))" "$hz" "$tmp/r.json" "$((b1 - b0))"
}

echo "K=$K sessions, C=$C concurrent, M=$M acks; one echo-worker on 127.0.0.1 (node $("$NODE" --version))$([ "$PIN" = 1 ] && echo '; worker pinned to CPU 0, client to CPU 1')"
printf '%-34s%10s%9s%9s%9s%9s%9s%7s\n' client ok sess/s 'p50 µs' 'p99 µs' 'cli µs' 'wrk µs' 'other'
common=(--sessions "$K" --concurrency "$C" --acks "$M" --json --deadline 250 --timeout 30)
for m in $MODES; do
	case $m in
	polling-new) label="polling, new conn per request"; mode=polling; tr=polling; extra=(--new-conn) ;;
	polling) label="polling, keep-alive"; mode=polling; tr=polling; extra=() ;;
	upgrade) label="upgrade (default transports)"; mode=upgrade; tr=default; extra=() ;;
	websocket) label="websocket only"; mode=websocket; tr=websocket; extra=() ;;
	*) echo "compare: unknown mode $m" >&2; exit 2 ;;
	esac
	run "sioload $label" "$SIOLOAD" --url @URL@ --mode $mode "${extra[@]}" "${common[@]}" --quiet
	run "socket.io-client $label" "$NODE" tools/sioload/sio-client-bench.js --url @URL@ \
		--transports $tr "${extra[@]}" "${common[@]}"
done
echo "cli µs: the client's CPU time (user+sys) per session; wrk µs: the worker's CPU time per session;"
echo "other: CPU used by everything else during the run, % of one core (high = the figures are disturbed)"
