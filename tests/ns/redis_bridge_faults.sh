#!/bin/bash
# The agent's Redis bridge against bad Redis, and the cluster CLI against bad input.
# In one namespace: a redis-server with requirepass, a server that answers garbage and one
# that never answers. Three agents (`siosteer run --key addr`, 2 workers each):
#   port 3000 --redis with a wrong password, port 3001 --redis to the garbage server,
#   port 3002 --redis to the silent server:
# each keeps steering (40 sessions OK), logs exactly one warning line about Redis in 6 s of
# retrying, shows the state in `siosteer status`, and stops cleanly (SIGTERM, exit 0, within
# 4 s even with Redis silent). A bad --redis URL or --cluster name stops `run` before
# anything is set up (exit 2, one line). The cluster CLI (status, sessions, drain) against
# the same servers: one line, exit != 0.
# Last line: PASS/FAIL redis_bridge_faults. Needs root.
# shellcheck source-path=SCRIPTDIR disable=SC2034
set -u
NAME=redis_bridge_faults
SST_TAG="rf"
# shellcheck source=../lib/netns.sh
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"
NODE_DIR=$SST_TESTS_DIR/node

SST_FAIL_SKIP='^(ready|stats) '

require root node siosteer redis-server redis-cli
netns_bpf_setup 8

cat >"$SST_TMP/redis.conf" <<EOF
port 6380
bind 127.0.0.1
save ""
appendonly no
dir $SST_TMP
logfile ""
requirepass s3cret
EOF
start_bg redis ns_srv redis-server "$SST_TMP/redis.conf"
# A server that answers every read with an SSH banner (6390), one that never answers (6391).
start_bg garbage ns_srv python3 "$SST_HELPERS/bad_redis_server.py" ssh
wait_for_line "$SST_TMP/garbage.log" '^listening' 5 || fail "garbage server did not start"
for ((i = 0; i < 50; i++)); do
	ns_srv redis-cli -p 6380 --no-auth-warning -a s3cret ping 2>/dev/null | grep -q PONG && break
	sleep 0.1
done

# Bad options stop `run` before anything is set up.
BAD=0
bad() { one_line_error "$@"; }
W=("$SST_NODE" "$NODE_DIR/sio-worker.js" --close)
bad "run: bad URL" "scheme 'http'" ns_srv "$SIOSTEER" run --port 3009 --workers 1 --redis http://127.0.0.1 -- "${W[@]}"
bad "run: bad cluster name" "--cluster 'a b'" ns_srv "$SIOSTEER" run --port 3009 --workers 1 --redis redis://127.0.0.1:6380 --cluster 'a b' -- "${W[@]}"
bad "run: --cluster without --redis" "need --redis" ns_srv "$SIOSTEER" run --port 3009 --workers 1 --cluster x -- "${W[@]}"
[[ -e $SIOSTEER_PIN_ROOT/3009 ]] && fail "a refused run left pins"

# Three agents whose Redis is wrong in three ways.
declare -A WHY=([3000]="refused the credentials" [3001]="does not speak the Redis protocol" [3002]="did not answer")
declare -A RURL=([3000]="redis://:wrong@127.0.0.1:6380" [3001]="redis://127.0.0.1:6390" [3002]="redis://127.0.0.1:6391")
declare -A APID
for port in 3000 3001 3002; do
	start_bg "agent$port" ns_srv "$SIOSTEER" run --port $port --workers 2 --redis "${RURL[$port]}" \
		--cluster f --node n$port -- "${W[@]}"
	APID[$port]=$SST_LAST_PID
done
for port in 3000 3001 3002; do
	wait_agent "agent$port" "${APID[$port]}" 2 || fail "$SST_WHY"
done
sleep 6
for port in 3000 3001 3002; do
	sio_clients "port$port" 60 --url "http://$SST_SRV_ADDR:$port" --sessions 40 --concurrency 10 \
		--transports polling --new-conn --acks 2 --local-addrs "$SST_CLI_ADDRS"
	out=$OUT
	((RC == 0)) || fail "sessions on port $port: $out"
	[[ $(jget "$out" 'a["ok"]') == 40 ]] || fail "port $port: $out"
	kill -0 "${APID[$port]}" || fail "agent $port died"
	n=$(grep -c 'redis: ' "$SST_TMP/agent$port.log")
	line=$(grep 'redis: ' "$SST_TMP/agent$port.log" | grep -v 'redis bridge:')
	echo "port $port: 40/40 sessions; log: $line"
	(($(grep -c 'redis: ' <<<"$line") == 1)) || fail "agent $port logged $(grep -c 'redis: ' <<<"$line") lines about Redis in 6 s"
	grep -q "${WHY[$port]}" <<<"$line" || fail "agent $port: log does not say '${WHY[$port]}'"
	st=$(agent_status $port) || fail "status $port"
	[[ $(jget "$st" 'a[0]["redis"]["state"]') == down ]] || fail "status $port: redis $(jget "$st" 'a[0]["redis"]')"
	fails=$(jget "$st" 'a[0]["bridge"]["failures"]')
	((fails >= 3)) || fail "port $port: only $fails attempts in 6 s"
	ns_srv "$SIOSTEER" status --port $port | grep -q "redis: down .*${WHY[$port]}" || fail "status text $port"
done
echo "status: $(ns_srv "$SIOSTEER" status --port 3002 | grep 'redis:')"

# The cluster CLI against the same servers.
bad "status --cluster: wrong password" "refused the credentials" ns_srv "$SIOSTEER" status --cluster f --redis redis://:nope@127.0.0.1:6380
bad "sessions --cluster: garbage" "does not speak the Redis protocol" ns_srv "$SIOSTEER" sessions --cluster f --redis redis://127.0.0.1:6390 --sid abc
bad "drain --cluster: silent" "did not answer" ns_srv "$SIOSTEER" drain --cluster f --redis redis://127.0.0.1:6391 --node n3000 --slot 0
bad "drain --cluster: no --node" "--node ID" ns_srv "$SIOSTEER" drain --cluster f --redis redis://:s3cret@127.0.0.1:6380 --slot 0
bad "sessions --cluster: bad sid" "not an engine.io session id" ns_srv "$SIOSTEER" sessions --cluster f --redis redis://:s3cret@127.0.0.1:6380 --sid 'a b'
bad "drain: slot out of range" "--slot" ns_srv "$SIOSTEER" drain --port 3000 --slot 64
ns_srv "$SIOSTEER" status --cluster f --redis redis://:s3cret@127.0.0.1:6380 >"$SST_TMP/empty.txt" ||
	fail "status --cluster of an empty cluster failed"
grep -q 'no node of cluster f' "$SST_TMP/empty.txt" || fail "empty cluster: $(cat "$SST_TMP/empty.txt")"

# Clean stops, even with Redis silent (the bridge's calls time out after 1 s).
for port in 3000 3001 3002; do
	t0=$(ms)
	kill -TERM "${APID[$port]}"
	wait_exit "${APID[$port]}" 4 || fail "agent $port still running 4 s after SIGTERM"
	((EXIT_RC == 0)) || fail "agent $port exited $EXIT_RC"
	echo "port $port: stopped in $(($(ms) - t0)) ms"
	[[ -e $SIOSTEER_PIN_ROOT/$port ]] && fail "pins of $port left"
done

echo "RESULT 3 agents with a wrong password, a garbage server, a silent server: 120/120 sessions," \
	"1 log line each, status 'down', clean stops; $BAD bad inputs gave one line and exit != 0"
echo "PASS $NAME"
