#!/bin/bash
# What sid mode with --cookies sysctl does to the rest of the host (here: the server
# namespace), and that it undoes it (--cookies bpf: sid_cookies_bpf.sh). README "sid
# steering": tcp_syncookies=2 applies to every listener of the
# namespace while siosteer runs and is restored by stop/detach (or after a crash); the
# gate drops only bare handshake ACKs of the steered port; with TCP timestamps window
# scaling and SACK survive cookies.
#  (b) another listener (python http.server, port 4000) in the same namespace while sid
#      mode runs on port 3000: 16 parallel downloads of a 1 MiB random file from 8
#      client addresses, every body's sha256 right; the gate counts nothing for 4000.
#  (w) pid-http-worker.py /tcpinfo on 3000 (steered) and on 4001 (a plain listener):
#      the server side of each connection has timestamps, SACK and window scaling
#      (both scale factors > 0) although both handshakes were SYN cookies.
#  (c) bulk over STEERED connections: pid-http-worker.py /bulk under `siosteer run
#      --key sid --cookies sysctl`, 5 x 10 MiB in parallel from 5 addresses, body pattern checked:
#      TcpRetransSegs +0 in the server namespace, and the gate dropped exactly one
#      packet per connection (its handshake ACK), none of the ~thousands of data ACKs.
#      The same transfer from port 4000 is measured as a control. Server, workers and
#      clients are pinned to CPU 0 (taskset): veth reorders packets queued from two
#      CPUs, and Linux then retransmits spuriously (SACK reordering, DSACK undo) with
#      no siosteer at all (measured here: 3 of 20 rounds with --key addr, no gate);
#      on one CPU 0 of 40 rounds retransmitted, so any retransmission is a finding.
#  (a) tcp_syncookies: set to 1 in the namespace, 2 while `run` steers, 1 again after
#      SIGTERM; then 0 -> `attach` (2) -> `detach` -> 0; then 0 -> `attach` -> the agent
#      is SIGKILLed (steering and the sysctl stay) -> `detach` -> 0. After every stop:
#      no XDP program and no siosteer tc filter on veth0, no pins left. Last, 0 ->
#      `attach` -> SIGKILL -> a new `attach` adopts (README: killing the agent leaves
#      steering as it is; a new agent adopts the pinned state) and steers (2) -> SIGTERM
#      -> 0, nothing left. (A clsact qdisc that siosteer created and left empty is
#      reported as a NOTE.)
# Every check runs; the last line lists all that failed. Last line: PASS/FAIL
# sid_host_safety. Needs root.
# shellcheck source-path=SCRIPTDIR disable=SC2034
set -u
NAME=sid_host_safety
SST_TAG=hss
# shellcheck source=../lib/netns.sh
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"
RAW=$SST_TESTS_DIR/ns/sid_raw_client.py
WORKER=$SST_TESTS_DIR/workers/pid-http-worker.py
PORT=3000
OTHER=4000
OTHER2=4001
ERRS=()
NOTES=()

# err MESSAGE: record a failed check and keep going; the end fails with all of them.
err() { ERRS+=("$*"); echo "ERROR $*"; }
require root siosteer

netns_bpf_setup 16
A=() && IFS=, read -ra A <<<"$SST_CLI_ADDRS"
addrs() { local IFS=,; echo "${A[*]:$1:$2}"; } # addrs FROM COUNT

cookies() { ns_srv sysctl -n net.ipv4.tcp_syncookies; }
# nst NAME...: those server-namespace counters, in the order asked (nstat prints its own).
nst() { ns_srv nstat -asz "$@" | awk -v want="$*" 'NR>1{v[$1]=$2} END{n=split(want,w," "); for(i=1;i<=n;i++) printf "%s ", v[w[i]]+0}'; }
jq_() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d=d[0] if isinstance(d,list) else d; print(eval(sys.argv[2]))' "$@"; }
# leftovers LABEL: nothing of siosteer may remain on veth0 or in the pins.
leftovers() {
	local label=$1 x
	x=$(ip -n "$SST_NS_SRV" -d link show veth0 | grep -o 'prog/xdp.*')
	[[ -z $x ]] || err "$label: XDP program still attached to veth0: $x"
	for dir in ingress egress; do
		x=$(tc -n "$SST_NS_SRV" filter show dev veth0 "$dir" 2>/dev/null | grep -o 'siosteer[a-z_]*' | sort -u | paste -sd, -)
		[[ -z $x ]] || err "$label: tc $dir filter still on veth0: $x"
	done
	[[ ! -e $SIOSTEER_PIN_ROOT/$PORT ]] || err "$label: pins left in $SIOSTEER_PIN_ROOT/$PORT: $(find "$SIOSTEER_PIN_ROOT/$PORT" -mindepth 1 -printf '%f ')"
	x=$(tc -n "$SST_NS_SRV" qdisc show dev veth0 | grep -o 'clsact')
	[[ -z $x ]] || NOTES+=("$label: an empty clsact qdisc stays on veth0")
}

# ---- start: the namespace has tcp_syncookies=1, another server on 4000 -------------
ns_srv sysctl -qw net.ipv4.tcp_syncookies=1 || fail "set tcp_syncookies"
C_BEFORE=$(cookies)
WWW=$SST_TMP/www
mkdir -p "$WWW"
head -c $((1 << 20)) /dev/urandom >"$WWW/blob1m"
head -c $((10 << 20)) /dev/urandom >"$WWW/blob10m"
SHA1M=$(sha256sum "$WWW/blob1m" | cut -d' ' -f1)
SHA10M=$(sha256sum "$WWW/blob10m" | cut -d' ' -f1)
PIN=()
if command -v taskset >/dev/null; then PIN=(taskset -c 0); else NOTES+=("taskset missing: not pinned to one CPU"); fi
start_bg www ns_srv "${PIN[@]}" python3 -m http.server $OTHER --bind "$SST_SRV_ADDR" --directory "$WWW"
start_bg plain ns_srv python3 "$WORKER" --port $OTHER2 --host 0.0.0.0
wait_for_line "$SST_TMP/plain.log" '^ready pid=' 10 || fail "plain worker on $OTHER2 not ready"
for _ in $(seq 50); do ns_srv ss -Hltn "( sport = :$OTHER )" | grep -q LISTEN && break; sleep 0.1; done

start_agent siosteer ns_srv "${PIN[@]}" "$SIOSTEER" run --port $PORT --workers 4 --key sid --cookies sysctl --iface veth0 \
	-- python3 "$WORKER"
RUN_PID=$AGENT_PID
C_RUN=$(cookies)
[[ $C_RUN == 2 ]] || err "(a) tcp_syncookies is $C_RUN while sid mode runs, expected 2"

# ---- (b) the other listener, under cookies -----------------------------------------
st0=$(agent_status $PORT)
read -r sc0 rq0 <<<"$(nst TcpExtSyncookiesSent TcpExtTCPReqQFullDoCookies)"
# 16 addresses, one request each, all at once.
out=$(ns_cli timeout 60 python3 "$RAW" fetch --server "$SST_SRV_ADDR" --port $OTHER --path /blob1m \
	--addrs "$SST_CLI_ADDRS" --bytes $((1 << 20)) --sha256 "$SHA1M" --sport-base 21000)
rc=$?
st1=$(agent_status $PORT)
read -r sc1 rq1 <<<"$(nst TcpExtSyncookiesSent TcpExtTCPReqQFullDoCookies)"
echo "(b) port $OTHER 1 MiB x16: $out"
[[ $rc == 0 ]] || err "(b) port $OTHER downloads: $out"
B_OK=$(jq_ "$out" 'd["ok"]' 2>/dev/null || echo 0)
B_COOKIES=$((sc1 - sc0))
echo "(b) SYN cookies sent +$B_COOKIES for 16 connections to $OTHER; TcpExtTCPReqQFullDoCookies +$((rq1 - rq0))" \
	"(the kernel's SYN-flood counter counts every cookie while tcp_syncookies=2)"
((B_COOKIES >= 16)) || err "(b) only $B_COOKIES SYN cookies for 16 connections to $OTHER: were they under tcp_syncookies=2?"
gdelta() { echo $(($(jq_ "$st1" "d['gate']['$1']") - $(jq_ "$st0" "d['gate']['$1']"))); }
B_GSEG=$(gdelta steered_port) B_GDROP=$(gdelta dropped)
((B_GSEG == 0 && B_GDROP == 0)) || err "(b) the gate counted port-$OTHER traffic: steered_port +$B_GSEG, dropped +$B_GDROP"

# ---- (w) wscale, SACK and timestamps survive cookies, steered or not ---------------
# pid-http-worker.py /tcpinfo reports its side of the connection (TCP_INFO); one runs
# under siosteer on 3000 (gate, selector), one plainly on $OTHER2 (cookies only).
WS=""
for p in $PORT $OTHER2; do
	o=$(ns_cli timeout 10 python3 "$SST_HELPERS/tcpinfo_get.py" "$SST_SRV_ADDR" "$p" "${A[15]}")
	WS+="$p: $o; "
	if ! [[ $o =~ ts=1\ sack=1\ wscale=1\ snd_wscale=([0-9]+)\ rcv_wscale=([0-9]+) ]] ||
		((BASH_REMATCH[1] == 0 || BASH_REMATCH[2] == 0)); then
		err "(w) port $p: the server side lacks ts/sack/wscale under SYN cookies: '$o'"
	fi
done
echo "(w) server-side TCP options: $WS"

# ---- (c) bulk over steered connections -----------------------------------------------
NBULK=5 # one after the other, each from its own address
BULK=$((10 << 20))
st0=$(agent_status $PORT)
read -r r0 tlp0 to0 <<<"$(nst TcpRetransSegs TcpExtTCPLossProbes TcpExtTCPTimeouts)"
ns_srv nstat -asz >"$SST_TMP/nstat-c0.txt"
read -r cr0 <<<"$(ns_cli nstat -asz TcpRetransSegs | awk 'NR>1{print $2}')"
out=$(ns_cli "${PIN[@]}" timeout 60 python3 "$RAW" fetch --server "$SST_SRV_ADDR" --port $PORT \
	--path "/bulk?bytes=$BULK" --addrs "$(addrs 0 $NBULK)" --bytes $BULK --pattern --sequential --sport-base 22000)
rc=$?
st1=$(agent_status $PORT)
read -r r1 tlp1 to1 <<<"$(nst TcpRetransSegs TcpExtTCPLossProbes TcpExtTCPTimeouts)"
ns_srv nstat -asz >"$SST_TMP/nstat-c1.txt"
read -r cr1 <<<"$(ns_cli nstat -asz TcpRetransSegs | awk 'NR>1{print $2}')"
echo "(c) port $PORT (steered) $NBULK x 10 MiB: $out"
[[ $rc == 0 ]] || err "(c) steered bulk downloads failed: $out"
C_MIBS=$(jq_ "$out" 'd["mib_per_s"]' 2>/dev/null)
C_RETR=$((r1 - r0)) C_TLP=$((tlp1 - tlp0)) C_RTO=$((to1 - to0)) C_CRETR=$((cr1 - cr0))
C_DROP=$(gdelta dropped) C_EST=$(gdelta established) C_ACKS=$(gdelta pure_acks) C_SEGS=$(gdelta steered_port)
C_HS=$(($(jq_ "$st1" "d['sid']['handshake']") - $(jq_ "$st0" "d['sid']['handshake']")))
echo "(c) server TcpRetransSegs +$C_RETR (loss probes +$C_TLP, RTOs +$C_RTO), client TcpRetransSegs +$C_CRETR;" \
	"gate: segments +$C_SEGS, bare ACKs +$C_ACKS, passed as established +$C_EST, dropped +$C_DROP; handshakes +$C_HS"
((C_RETR == 0)) || err "(c) $C_RETR retransmissions by the server during the steered bulk transfer" \
	"(server counters that moved: $(awk 'NR==FNR{a[$1]=$2;next} FNR>1 && $2!=a[$1] && $1~/Retrans|Timeout|Loss|Probe|Syn|Drop|Reset|Rst/{printf "%s +%d ", $1, $2-a[$1]}' "$SST_TMP/nstat-c0.txt" "$SST_TMP/nstat-c1.txt"))"
((C_DROP == NBULK)) || err "(c) gate dropped $C_DROP packets for $NBULK connections (expected one handshake ACK each)"
((C_HS == NBULK)) || err "(c) $C_HS first requests seen for $NBULK connections"
((C_EST > 100)) || err "(c) only $C_EST data ACKs passed the gate: did the gate see the transfer?"
# Control: the same from the unsteered listener.
read -r r0 tlp0 <<<"$(nst TcpRetransSegs TcpExtTCPLossProbes)"
ctl=$(ns_cli "${PIN[@]}" timeout 60 python3 "$RAW" fetch --server "$SST_SRV_ADDR" --port $OTHER --path /blob10m \
	--addrs "$(addrs 5 $NBULK)" --bytes $BULK --sha256 "$SHA10M" --sequential --sport-base 23000)
read -r r1 tlp1 <<<"$(nst TcpRetransSegs TcpExtTCPLossProbes)"
echo "(c) control, port $OTHER $NBULK x 10 MiB: $ctl; server TcpRetransSegs +$((r1 - r0)) (loss probes +$((tlp1 - tlp0)))"

# ---- (a) run: SIGTERM restores -------------------------------------------------------
kill -TERM "$RUN_PID"
if wait_exit "$RUN_PID" 10; then
	RUN_RC=$EXIT_RC
else
	err "(a) siosteer run did not stop within 10 s of SIGTERM"
	stop_pid "$RUN_PID" 1
	RUN_RC=127 # stop_pid reaped it
fi
((RUN_RC == 0)) || err "(a) siosteer run exited $RUN_RC on SIGTERM"
C_STOP=$(cookies)
[[ $C_STOP == "$C_BEFORE" ]] || err "(a) after run stopped tcp_syncookies is $C_STOP, was $C_BEFORE"
leftovers "(a) run+SIGTERM"

# ---- (a) attach + detach, from tcp_syncookies=0 ----------------------------------------
ns_srv sysctl -qw net.ipv4.tcp_syncookies=0
start_workers w 2 ns_srv python3 "$WORKER" --port $PORT --host 0.0.0.0
attach_round() { # LABEL -> sets AG (agent pid), C_ATT
	start_bg "agent-$1" ns_srv "$SIOSTEER" attach veth0 --port $PORT --key sid --cookies sysctl
	AG=$SST_LAST_PID
	wait_agent "agent-$1" "$AG" 0 || { err "($1) attach did not start: $SST_WHY"; return 1; }
	C_ATT=$(cookies)
	[[ $C_ATT == 2 ]] || err "($1) tcp_syncookies is $C_ATT while attach steers, expected 2"
	local o
	o=$(ns_cli timeout 30 python3 "$SST_TESTS_DIR/clients/addr-probe.py" --url "http://$SST_SRV_ADDR:$PORT/" \
		--local-addrs "$(addrs 0 8)" --requests 2 --deadline 20) || err "($1) requests under attach failed: $o"
}
attach_round attach-detach
C_ATT1=$C_ATT
out=$(ns_srv "$SIOSTEER" detach veth0 --port $PORT 2>&1) || err "(a) detach failed: $out"
wait_exit "$AG" 5 || err "(a) attach agent still runs after detach"
C_DET=$(cookies)
[[ $C_DET == 0 ]] || err "(a) after detach tcp_syncookies is $C_DET, expected the recorded 0"
leftovers "(a) attach+detach"

# ---- (a) attach, agent SIGKILLed, detach ------------------------------------------------
attach_round attach-kill
kill -KILL "$AG"
wait "$AG" 2>/dev/null
C_KILLED=$(cookies)
[[ $C_KILLED == 2 ]] || err "(a) tcp_syncookies is $C_KILLED after the agent was killed (steering continues), expected 2"
out=$(ns_srv "$SIOSTEER" detach veth0 --port $PORT 2>&1) || err "(a) detach after kill failed: $out"
echo "(a) detach after SIGKILL: $(grep -v '^lib' <<<"$out" | paste -sd'|')"
C_DET2=$(cookies)
[[ $C_DET2 == 0 ]] || err "(a) after the killed agent's detach tcp_syncookies is $C_DET2, expected 0"
leftovers "(a) attach+SIGKILL+detach"

# ---- (a) attach, agent SIGKILLed, a new agent adopts, SIGTERM ----------------------------
# (Whatever the last round left on veth0 is removed first, so this round stands alone.)
ip -n "$SST_NS_SRV" link set dev veth0 xdp off 2>/dev/null
ns_srv sysctl -qw net.ipv4.tcp_syncookies=0
attach_round attach-kill-adopt
kill -KILL "$AG"
wait "$AG" 2>/dev/null
start_bg agent-adopter ns_srv "$SIOSTEER" attach veth0 --port $PORT --key sid --cookies sysctl
AG2=$SST_LAST_PID
C_ADOPT="?"
if wait_agent agent-adopter "$AG2" 0 && sleep 0.5 && kill -0 "$AG2" 2>/dev/null; then
	C_ADOPT=$(cookies)
	[[ $C_ADOPT == 2 ]] || err "(a) tcp_syncookies is $C_ADOPT under the adopting agent, expected 2"
	o=$(ns_cli timeout 30 python3 "$SST_TESTS_DIR/clients/addr-probe.py" --url "http://$SST_SRV_ADDR:$PORT/" \
		--local-addrs "$(addrs 0 8)" --requests 2 --deadline 20) || err "(a) requests under the adopting agent failed: $o"
	kill -TERM "$AG2"
	wait_exit "$AG2" 10
else
	err "(a) a new attach agent after a SIGKILLed one did not start/keep running:" \
		"$(grep -v '^lib' "$SST_TMP/agent-adopter.log" | grep -iE 'error|busy|fail' | head -3 | paste -sd'|')"
	stop_pid "$AG2" 3
	ns_srv "$SIOSTEER" detach veth0 --port $PORT >/dev/null 2>&1
fi
C_ADOPT_END=$(cookies)
[[ $C_ADOPT_END == 0 ]] || err "(a) after the adopting agent stopped tcp_syncookies is $C_ADOPT_END, expected 0"
leftovers "(a) attach+SIGKILL+adopt+SIGTERM"
for p in "${SST_WORKERS[@]}"; do stop_pid "$p" 3; done

# The other listener still serves after all of it.
out=$(ns_cli timeout 30 python3 "$RAW" fetch --server "$SST_SRV_ADDR" --port $OTHER --path /blob1m \
	--addrs "$(addrs 0 4)" --bytes $((1 << 20)) --sha256 "$SHA1M" --sport-base 24000) ||
	err "(b) port $OTHER after the stops: $out"

for n in "${NOTES[@]}"; do echo "NOTE $n"; done
echo "RESULT syncookies ${C_BEFORE}->${C_RUN}->${C_STOP} (run), 0->${C_ATT1:-?}->${C_DET} (attach/detach)," \
	"0->2->${C_KILLED}->${C_DET2} (attach/kill/detach), 0->2->kill->${C_ADOPT}->${C_ADOPT_END} (adopt);" \
	"port $OTHER ${B_OK}/16 ok under cookies;" \
	"steered bulk $((NBULK * 10)) MiB at ${C_MIBS} MiB/s: retrans +${C_RETR}, gate dropped ${C_DROP}/${NBULK} conns," \
	"${C_EST} data ACKs passed"
if ((${#ERRS[@]})); then
	fail "$(printf '%s; ' "${ERRS[@]}")"
fi
echo "PASS $NAME"
