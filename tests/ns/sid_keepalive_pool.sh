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
SIOLOAD=$(dirname "$SIOSTEER")/sioload
SESSIONS=${SESSIONS:-2000}
POOL=${POOL:-6}
PORT=3000
[ -x "$SIOLOAD" ] || fail "missing $SIOLOAD (run make)"
SST_FAIL_SKIP='^(ready|stats) '

netns_setup 1 || fail "netns_setup"
mount_test_bpffs || fail "bpffs"
ONE=${SST_CLI_ADDRS%%,*}
start_bg siosteer ns_srv "$SIOSTEER" run --port $PORT --workers 4 --key sid --iface veth0 \
	--place least-loaded -- "$SST_NODE" "$SST_TESTS_DIR/node/sio-worker.js"
wait_for_line "$SST_TMP/siosteer.log" 'steering port' 15 || fail "siosteer did not start"
for _ in $(seq 100); do [ "$(grep -c '^ready' "$SST_TMP/siosteer.log")" -ge 4 ] && break; sleep 0.1; done
[ "$(grep -c '^ready' "$SST_TMP/siosteer.log")" -ge 4 ] || fail "workers not ready"

# repair counters of `siosteer status --json`: every key (at any depth) containing "repair"
repair() {
	local st
	st=$(ns_srv "$SIOSTEER" status --port $PORT --json 2>/dev/null) || { echo "n/a (status failed)"; return; }
	python3 -c '
import json, sys
found = []
def walk(v, path):
    if isinstance(v, dict):
        for k, x in v.items():
            p = f"{path}.{k}" if path else k
            if "repair" in k.lower() and not isinstance(x, (dict, list)):
                found.append(f"{p}={x}")
            walk(x, p)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk(x, path)
walk(json.loads(sys.argv[1]), "")
print(" ".join(found) if found else "n/a")
' "$st"
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
	summary=$(python3 - "$out" "$SESSIONS" <<'PY'
import json, sys
r, n = json.loads(sys.argv[1]), int(sys.argv[2])
per = r["per_pid"]; tot = sum(per.values()) or 1
shares = sorted(100.0 * v / tot for v in per.values())
dev = max((abs(s - 25) for s in shares), default=100.0)
fails = {k: v for k, v in r["fail"].items() if v}
p = r.get("pool", {})
why = [w for w, bad in (("failed", r["ok"] != n or r["failed"]), ("balance", len(per) != 4 or dev > 5.0)) if bad]
print(("BAD:" + "+".join(why) if why else "OK") + f" {r['ok']}/{n} ok, failed {r['failed']} {fails or ''}, "
      f"{len(per)} pids, shares % {' '.join(f'{s:.1f}' for s in shares)} (max deviation "
      f"{dev:.1f} points), {r['sessions_per_s']} sessions/s; pool {p.get('size')}: "
      f"{p.get('connections')} connections, {p.get('reused_requests')} requests on reused ones, "
      f"{p.get('waits')} waited, resends {p.get('resends')}")
PY
	)
	echo "RESULT $label: ${summary#* } ($(((t1 - t0) / 1000000)) ms); repair: $(repair)"
	if [ "${summary%% *}" != OK ]; then
		grep -m3 'failed:' "$SST_TMP/sioload-$label.err" | cut -c1-300
		bad="$bad $label(${summary%% *})"
	fi
}

# Polling holds a long-poll GET per session: keep the sessions per pool <= POOL/2.
run_mode polling polling 6 2
run_mode upgrade upgrade 8 2

status=$(ns_srv "$SIOSTEER" status --port $PORT --json) || fail "status"
counters=$(python3 -c '
import json, sys
s = json.loads(sys.argv[1])[0]
c = {**s["counters"], **s.get("sid", {})}
print(" ".join(f"{k}={c.get(k, 0)}" for k in ["sid_hit", "sid_unknown", "handshake"]))
' "$status")
echo "RESULT counters: $counters; repair: $(repair)"
[ -z "$bad" ] || fail "BAD:failed = sessions failed, BAD:balance = a worker outside 25% +- 5%:$bad"
echo "PASS $NAME"
