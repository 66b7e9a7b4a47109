# shellcheck shell=bash disable=SC2034
# (SC2034: WORKER_PIDS, SST_WORKERS, OUT, RC, EXIT_RC... are for the sourcing test.)
# siosteer, its workers and the Socket.IO clients in the test namespaces (sourced by
# tests/lib/netns.sh, after checks.sh):
#   start_agent siosteer ns_srv "$SIOSTEER" run --port 3000 --workers 4 --key sid -- ...
#   start_workers sio 4 ns_srv "$SST_NODE" "$SST_TESTS_DIR/node/sio-worker.js" --port 3000
#   sio_clients polling 120 --url "http://$SST_SRV_ADDR:3000" --sessions 500 ...
#   st=$(agent_status 3000)

# wait_agent NAME PID WORKERS: wait until $SST_TMP/NAME.log says "steering port", then
# until it holds WORKERS `ready pid=` lines (the workers of `siosteer run`; 0 for
# attach), 20 s at most each (stretched by SIOSTEER_TEST_SCALE). Returns 1, with why in $SST_WHY, if the time runs out or
# the agent (PID) exits first.
wait_agent() {
	local name=$1 pid=$2 n=$3 log=$SST_TMP/$1.log i t
	SST_WHY=""
	t=$(($(stretched 20) * 10))
	for ((i = 0; i < t; i++)); do
		grep -q 'steering port' "$log" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || { SST_WHY="$name exited before it steered: $(tail -n 1 "$log")"; return 1; }
		sleep 0.1
	done
	((i < t)) || { SST_WHY="$name did not say 'steering port' in $((t / 10)) s"; return 1; }
	for ((i = 0; i < t; i++)); do
		(($(grep -c '^ready pid=' "$log") >= n)) && return 0
		kill -0 "$pid" 2>/dev/null || { SST_WHY="$name exited before its workers were ready"; return 1; }
		sleep 0.1
	done
	SST_WHY="$name: $(grep -c '^ready pid=' "$log") of $n workers ready after $((t / 10)) s"
	return 1
}

# start_agent NAME CMD...: start_bg NAME CMD, a siosteer agent (`siosteer run|attach ...`,
# through ns_srv or `ip netns exec NS`), then wait_agent for it and for the --workers N
# of its command line (0 if none); fail if it does not come up. Its PID is in
# $AGENT_PID (and $SST_LAST_PID).
start_agent() {
	local name=$1 n=0 a prev=""
	shift
	for a in "$@"; do
		[[ $prev == --workers ]] && n=$a
		prev=$a
	done
	start_bg "$name" "$@" || fail "$name: could not start"
	AGENT_PID=$SST_LAST_PID
	wait_agent "$name" "$AGENT_PID" "$n" || fail "$SST_WHY"
}

# ready_pids LOG...: the pids of every `ready pid=` line of these logs, sorted, comma list.
ready_pids() {
	sed -n 's/^ready pid=\([0-9]*\).*/\1/p' "$@" | sort | paste -sd, -
}

# start_workers NAME COUNT CMD...: COUNT processes of CMD (workers that bind the port
# themselves, e.g. `ns_srv node sio-worker.js --port 3000`), logs NAME1..NAMEcount, each
# waited for (20 s) until it prints `ready pid=`. Their PIDs in start order in the array
# SST_WORKERS, the sorted comma list of them in $WORKER_PIDS.
start_workers() {
	local name=$1 count=$2 i logs=()
	shift 2
	SST_WORKERS=()
	for ((i = 1; i <= count; i++)); do
		start_bg "$name$i" "$@" || fail "$name$i: could not start"
		SST_WORKERS+=("$SST_LAST_PID")
		logs+=("$SST_TMP/$name$i.log")
	done
	for ((i = 1; i <= count; i++)); do
		wait_for_line "$SST_TMP/$name$i.log" '^ready pid=' 20 || fail "$name$i not ready"
	done
	WORKER_PIDS=$(ready_pids "${logs[@]}")
}

# agent_status PORT [OPTION...]: `siosteer status --port PORT --json` in the server namespace.
agent_status() {
	local port=$1
	shift
	ns_srv "$SIOSTEER" status --port "$port" --json "$@"
}

# status_pids STATUS_JSON: the pids of the listening slots (first port of `status --json`),
# sorted, comma list: compare with $WORKER_PIDS.
status_pids() { jget "$1" '",".join(sorted(str(s["pid"]) for s in a[0]["slots"] if s["listening"]))'; }

# agent_sessions PORT [LIMIT]: `siosteer sessions --port PORT --json --limit LIMIT` (default
# 0: all) in the server namespace.
agent_sessions() { ns_srv "$SIOSTEER" sessions --port "$1" --json --limit "${2:-0}"; }

# sio_clients_out LABEL TIMEOUT ARG...: tests/node/sio-clients.js ARG... in the client
# namespace under `timeout TIMEOUT`, its stderr in $SST_TMP/clients-LABEL.log ('/' in
# LABEL becomes '-'); prints its JSON, returns its exit status. For $(...). TIMEOUT,
# --deadline and the per-step --timeout (default 10 s) are stretched by
# SIOSTEER_TEST_SCALE; --sessions is the caller's to scale.
sio_clients_out() {
	local label=${1//\//-} t a args=() prev="" step=""
	t=$(stretched "$2")
	shift 2
	for a in "$@"; do
		[[ $prev == --deadline ]] && a=$(stretched "$a")
		[[ $prev == --timeout ]] && a=$(stretched "$a") step=1
		args+=("$a")
		prev=$a
	done
	[[ -n $step ]] || args+=(--timeout "$(stretched 10)")
	ns_cli timeout "$t" "$SST_NODE" "$SST_TESTS_DIR/node/sio-clients.js" "${args[@]}" \
		2>"$SST_TMP/clients-$label.log"
}

# sio_clients LABEL TIMEOUT ARG...: sio_clients_out, with its JSON in $OUT and its exit
# status in $RC.
sio_clients() {
	OUT=$(sio_clients_out "$@")
	RC=$?
}

# clients_brief JSON: a sio-clients result without its per-address maps (or JSON as it
# is, if it is not JSON), for a log line.
clients_brief() {
	jget "$1" '{k: v for k, v in a.items() if k not in ("addr_pid", "failed_addrs")}' 2>/dev/null || echo "$1"
}

# addr_steered LABEL N PIDS: the run in $OUT/$RC (sio_clients) passes check_clients for N
# sessions on the workers PIDS, and sio-clients exited 0; prints it first. Fails with
# LABEL otherwise.
addr_steered() {
	local label=$1 why
	echo "$label: $(clients_brief "$OUT")"
	[[ -n $OUT ]] || fail "$label: no JSON from sio-clients (rc=$RC)"
	why=$(check_clients "$OUT" "$2" "$3") || fail "$label: $why"
	((RC == 0)) || fail "$label: sio-clients rc=$RC"
}
