#!/usr/bin/env bash
# A worker route that echoes user input must not be able to move a session: replies that
# look like an engine.io open packet teach siosteer a sid only on a connection that asked
# for a new session, and never re-home a sid it already knows; a record an earlier
# connection left on the same 4-tuple teaches nothing (stale_conn).
set -u
NAME=sid_learn_guard
SST_TAG=lg
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"
PORT=3000

require root node siosteer
netns_bpf_setup 4
start_agent siosteer ns_srv "$SIOSTEER" run --port $PORT --workers 4 --key sid --iface veth0 \
	--place least-loaded -- "$SST_NODE" "$SST_TESTS_DIR/node/sio-worker.js" --close --echo

# Victims: real sessions, so the sids map has entries.
sio_clients_out victims 60 --url "http://$SST_SRV_ADDR:$PORT" --sessions 40 --concurrency 8 \
	--transports polling --local-addrs "$SST_CLI_ADDRS" --deadline 50 >"$SST_TMP/victims.json" || fail "victim sessions failed: $(cat "$SST_TMP/victims.json")"
before=$(agent_sessions $PORT 100) || fail "sessions"

# Attack every learned sid from every client address, with and without a sid= of its own,
# 3 times each: the echo reply carries '0{"sid":"<victim>"' on a connection placed by
# least-loaded (often another worker than the victim's).
ns_cli python3 "$SST_HELPERS/echo_open_attack.py" "$SST_SRV_ADDR" $PORT "$before" "$SST_CLI_ADDRS" || fail "attack client"

# A record left on a 4-tuple by an earlier connection must not teach a sid to the next
# connection on it: a request without sid (recorded as a handshake, answered without an
# open packet), then, from the same address and port, a request with a sid whose echo
# reply carries an open packet with a sid nobody has. The learner must see that the
# record's sequence number is not this connection's (stale_conn) and learn nothing.
ns_cli python3 "$SST_HELPERS/stale_tuple_open.py" "$SST_SRV_ADDR" $PORT "$SST_CLI_ADDRS" "$before" >"$SST_TMP/stale.txt" || fail "stale-record client"
after=$(agent_sessions $PORT 100) || fail "sessions"
status=$(agent_status $PORT) || fail "status"
python3 "$SST_CHECKS/learn_guard.py" "$before" "$after" "$status" "$(cat "$SST_TMP/stale.txt")" || fail "a session moved"
echo "PASS $NAME"
