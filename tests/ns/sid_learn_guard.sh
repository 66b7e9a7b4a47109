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

netns_setup 4 || fail "netns_setup"
mount_test_bpffs || fail "bpffs"
start_bg siosteer ns_srv "$SIOSTEER" run --port $PORT --workers 4 --key sid --iface veth0 \
	--place least-loaded -- "$SST_NODE" "$SST_TESTS_DIR/node/sio-worker.js" --close --echo
wait_for_line "$SST_TMP/siosteer.log" 'steering port' 15 || fail "siosteer did not start"
for _ in $(seq 100); do [ "$(grep -c '^ready' "$SST_TMP/siosteer.log")" -ge 4 ] && break; sleep 0.1; done

# Victims: real sessions, so the sids map has entries.
ns_cli timeout 60 "$SST_NODE" "$SST_TESTS_DIR/node/sio-clients.js" --url "http://$SST_SRV_ADDR:$PORT" \
	--sessions 40 --concurrency 8 --transports polling --local-addrs "$SST_CLI_ADDRS" \
	--deadline 50 >"$SST_TMP/victims.json" || fail "victim sessions failed: $(cat "$SST_TMP/victims.json")"
before=$(ns_srv "$SIOSTEER" sessions --port $PORT --json --limit 100) || fail "sessions"

# Attack every learned sid from every client address, with and without a sid= of its own,
# 3 times each: the echo reply carries '0{"sid":"<victim>"' on a connection placed by
# least-loaded (often another worker than the victim's).
ns_cli python3 - "$SST_SRV_ADDR" $PORT "$before" "$SST_CLI_ADDRS" <<'PY' || fail "attack client"
import json, socket, sys, urllib.parse
host, port, before, addrs = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4].split(",")
sent = 0
for s in before["sessions"]:
    body = '0{"sid":"%s","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000}' % s["sid"]
    for rnd in range(3):
        for own in ("", "&sid=" + s["sid"]):
            src = addrs[(sent) % len(addrs)]
            c = socket.create_connection((host, port), timeout=5, source_address=(src, 0))
            q = urllib.parse.quote(body)
            c.sendall(("GET /echo?x=%s%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % (q, own)).encode())
            data = b""
            while True:
                d = c.recv(65536)
                if not d: break
                data += d
            c.close()
            assert body.encode() in data, data[:200]
            sent += 1
print("attacks", sent)
PY

# A record left on a 4-tuple by an earlier connection must not teach a sid to the next
# connection on it: a request without sid (recorded as a handshake, answered without an
# open packet), then, from the same address and port, a request with a sid whose echo
# reply carries an open packet with a sid nobody has. The learner must see that the
# record's sequence number is not this connection's (stale_conn) and learn nothing.
ns_cli python3 - "$SST_SRV_ADDR" $PORT "$SST_CLI_ADDRS" "$before" >"$SST_TMP/stale.txt" <<'PY' || fail "stale-record client"
import json, os, socket, sys, time, urllib.parse
host, port, addrs, before = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(","), json.loads(sys.argv[4])
victim = before["sessions"][0]["sid"]
def get(src, sport, path):
    for _ in range(50):
        c = socket.socket()
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            c.bind((src, sport))
            c.settimeout(5)
            c.connect((host, port))
            break
        except OSError:
            c.close()
            time.sleep(0.1)
    else:
        raise SystemExit(f"cannot reuse {src}:{sport}")
    c.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
    with c, c.makefile("rb") as f:
        return f.read()  # the worker closes after its answer
fresh = []
for k in range(5):
    src, sport = addrs[k % len(addrs)], 41000 + k
    get(src, sport, "/echo?x=plain")
    sid = "stale" + os.urandom(6).hex()
    body = '0{"sid":"%s","upgrades":[],"pingInterval":25000,"pingTimeout":20000}' % sid
    data = get(src, sport, "/echo?x=%s&sid=%s" % (urllib.parse.quote(body), victim))
    assert body.encode() in data, data[:200]
    fresh.append(sid)
print(" ".join(fresh))
PY
after=$(ns_srv "$SIOSTEER" sessions --port $PORT --json --limit 100) || fail "sessions"
status=$(ns_srv "$SIOSTEER" status --port $PORT --json) || fail "status"
python3 - "$before" "$after" "$status" "$(cat "$SST_TMP/stale.txt")" <<'PY' || fail "a session moved"
import json, sys
b, a, st = (json.loads(x) for x in sys.argv[1:4])
stale_sids = sys.argv[4].split()
bm = {s["sid"]: s["slot"] for s in b["sessions"]}
am = {s["sid"]: s["slot"] for s in a["sessions"]}
moved = [sid for sid in bm if am.get(sid) != bm[sid]]
l = st[0]["learner"]
print(f"RESULT {len(bm)} learned sessions attacked {6 * len(bm)} times through an echo route: "
      f"{len(moved)} moved; learner already_known {l['already_known']}, "
      f"not_new_session {l['not_new_session']}, learned {l['learned']}; "
      f"{len(stale_sids)} open packets on a reused 4-tuple: stale_conn {l['stale_conn']}, "
      f"learned from them {len(set(stale_sids) & set(am))}")
sys.exit(1 if moved or l["already_known"] == 0 or l["not_new_session"] == 0
         or l["stale_conn"] < len(stale_sids) or set(stale_sids) & set(am) else 0)
PY
echo "PASS $NAME"
