#!/usr/bin/env bash
# Browsers keep HTTP/1.1 connections alive and share ONE pool (6 per host) across all
# sessions and tabs, so a request of session B often travels on a kept-alive connection
# that siosteer placed on session A's worker. This test models that: 4 real socket.io@4
# workers WITH keep-alive (sio-worker.js without --close) under `siosteer run --key sid
# --place least-loaded`, one client address, and sioload --pool 6 (every session of a
# sioload thread shares 6 keep-alive connections, most recently used first, and resends a
# request whose reused connection is reset before any response byte, like Chromium).
# Polling, then upgrade (polling handshake + WebSocket). Every session must succeed with all
# acks from one pid, and each worker must hold 25% +- 5% of the sessions. Without a repair
# (reset a reused connection carrying another worker's sid, so the browser resends) the
# sessions fail with session_id_unknown. With it, a handshake that travels on a reused
# connection creates its session on that connection's worker (no placement happens), so
# the balance check shows whether least-loaded placement survives a browser's pool.
# RESULT lines: ok, failures by reason, shares, pool figures (resends) and siosteer's repair
# counters (`status --json` keys containing "repair"; n/a if there is none).
set -u
NAME=sid_keepalive_pool
SST_TAG=kap
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"
SESSIONS=${SESSIONS:-2000}
POOL=${POOL:-6}
PORT=3000
require root node siosteer sioload
SST_FAIL_SKIP='^(ready|stats) '

netns_bpf_setup 1
ONE=${SST_CLI_ADDRS%%,*}
start_agent siosteer ns_srv "$SIOSTEER" run --port $PORT --workers 4 --key sid --iface veth0 \
	--place least-loaded -- "$SST_NODE" "$SST_TESTS_DIR/node/sio-worker.js"

# repair counters of `siosteer status --json`: every key (at any depth) containing "repair"
repair() {
	local st
	st=$(agent_status $PORT 2>/dev/null) || { echo "n/a (status failed)"; return; }
	python3 "$SST_CHECKS/repair_counters.py" "$st"
}

bad=""
run_mode() { # label mode concurrency threads
	local label=$1 mode=$2 conc=$3 threads=$4 out rc summary t0 t1
	t0=$(date +%s%N)
	out=$(ns_cli timeout 110 "$SIOLOAD" --url "http://$SST_SRV_ADDR:$PORT" --mode "$mode" \
		--pool "$POOL" -n "$SESSIONS" -c "$conc" --threads "$threads" -m 3 --source-addrs "$ONE" \
		--timeout 10 --deadline 100 --json --quiet --show-errors 3 2>"$SST_TMP/sioload-$label.err")
	rc=$?
	t1=$(date +%s%N)
	[ -n "$out" ] || fail "$label: no result from sioload (rc $rc): $(head -c 600 "$SST_TMP/sioload-$label.err")"
	summary=$(python3 "$SST_CHECKS/sioload_pool_run.py" "$out" "$SESSIONS")
	echo "RESULT $label: ${summary#* } ($(((t1 - t0) / 1000000)) ms); repair: $(repair)"
	if [ "${summary%% *}" != OK ]; then
		grep -m3 'failed:' "$SST_TMP/sioload-$label.err" | cut -c1-300
		bad="$bad $label(${summary%% *})"
	fi
}

# Polling holds a long-poll GET per session: keep the sessions per pool <= POOL/2.
run_mode polling polling 6 2
run_mode upgrade upgrade 8 2

status=$(agent_status $PORT) || fail "status"
counters=$(python3 "$SST_CHECKS/status_counters.py" "$status" sid_hit sid_unknown handshake)
echo "RESULT counters: $counters; repair: $(repair)"
[ -z "$bad" ] || fail "BAD:failed = sessions failed, BAD:balance = a worker outside 25% +- 5%:$bad"
echo "PASS $NAME"
