#!/bin/bash
# --cookies bpf: siosteer answers the steered port's SYNs itself and leaves the rest of the
# namespace as it was (README "SYN cookies: bpf or sysctl").
#  (k) with tcp_syncookies=1 in the server namespace: 1 before, while `run` steers, and
#      after; the start says "cookies: bpf"; status shows cookies "bpf"; the secret's pin
#      (cookie_keys) has mode 0600. --gate with the bpf route: a warning that it does
#      nothing.
#  (o) another listener (pid-http-worker.py on 4001) gets ordinary SYN-ACKs: 16
#      connections move TcpExtSyncookiesSent by 0; its connections and the steered
#      port's show the same ts/sack/wscale/scale factors (TCP_INFO on the server side).
#  (m) the client's MSS offer: 1460, 1452, 1400, 1300 (entries of the cookie's MSS
#      table) give the steered connection the plain listener's snd_mss; 1350 and 1420
#      (between entries) the entry below (1300, 1400), less 12 bytes of timestamps.
#  (n) a client with timestamps, SACK and window scaling off (client namespace sysctls)
#      gets none of them on either port; then on again.
#  (s) checksums: transmit checksum offload off on both veths, so every packet carries
#      a full checksum the receiver verifies: 16 steered requests ok, client
#      TcpInCsumErrors +0.
#  (6) IPv6: 8 requests to the steered port over IPv6, all answered; cookies issued and
#      accepted grow by at least 8.
#  (b) 5 x 10 MiB (scaled) over steered connections from 5 addresses: the cookie program
#      accepted 5 and dropped 5 bare handshake ACKs, server retransmissions +0.
#  (x) `attach --cookies bpf`, agent SIGKILLed: steering goes on, tcp_syncookies 1;
#      a new `attach` adopts and keeps the same secret (cookie_keys); SIGTERM: nothing
#      left on veth0 or in the pins, tcp_syncookies 1.
#  (e) tcp_syncookies=0: `attach --cookies bpf` refuses with one line naming the sysctl;
#      `--cookies auto` says it falls back to sysctl.
# Every check runs; the last line lists all that failed. Needs root.
# shellcheck source-path=SCRIPTDIR disable=SC2034
set -u
NAME=sid_cookies_bpf
SST_TAG=scb
# shellcheck source=../lib/netns.sh
. "$(dirname "$(readlink -f "$0")")/../lib/netns.sh"
RAW=$SST_TESTS_DIR/ns/sid_raw_client.py
WORKER=$SST_TESTS_DIR/workers/pid-http-worker.py
TCPINFO=$SST_HELPERS/tcpinfo_get.py
PORT=3000
PLAIN=4001
ERRS=()

err() { ERRS+=("$*"); echo "ERROR $*"; }
require root siosteer
ns_probe_kfunc() { bpftool btf dump file /sys/kernel/btf/vmlinux format raw 2>/dev/null | grep -q "FUNC 'bpf_sk_assign_tcp_reqsk'"; }
ns_probe_kfunc || skip "the kernel has no bpf_sk_assign_tcp_reqsk (Linux >= 6.9): --cookies bpf cannot run here"

netns_bpf_setup 16
A=() && IFS=, read -ra A <<<"$SST_CLI_ADDRS"
A6=() && IFS=, read -ra A6 <<<"$SST_CLI_ADDRS6"
addrs() { local IFS=,; echo "${A[*]:$1:$2}"; }
cookies() { ns_srv sysctl -n net.ipv4.tcp_syncookies; }
nst() { ns_srv nstat -asz "$@" | awk -v want="$*" 'NR>1{v[$1]=$2} END{n=split(want,w," "); for(i=1;i<=n;i++) printf "%s ", v[w[i]]+0}'; }
cst() { python3 "$SST_CHECKS/status_counters.py" "$(agent_status $PORT)" "$@"; }
# cval NAME: one cookie counter of the running agent.
cval() { cst "cookie_$1" | sed 's/.*=//'; }
# opts PORT SRC [MSS]: the server side's ts/sack/wscale line (total_retrans cut off).
opts() { ns_cli timeout "$(stretched 10)" python3 "$TCPINFO" "$SST_SRV_ADDR" "$1" "$2" ${3:+"$3"} | sed 's/ total_retrans=[0-9]*//'; }
leftovers() {
	local label=$1 x
	for dir in ingress egress; do
		x=$(tc -n "$SST_NS_SRV" filter show dev veth0 "$dir" 2>/dev/null | grep -o 'siosteer[a-z_]*' | sort -u | paste -sd, -)
		[[ -z $x ]] || err "$label: tc $dir filter still on veth0: $x"
	done
	[[ ! -e $SIOSTEER_PIN_ROOT/$PORT ]] || err "$label: pins left: $(find "$SIOSTEER_PIN_ROOT/$PORT" -mindepth 1 -printf '%f ')"
}

ns_srv sysctl -qw net.ipv4.tcp_syncookies=1 || fail "set tcp_syncookies"
K_BEFORE=$(cookies)
start_bg plain ns_srv python3 "$WORKER" --port $PLAIN --host ::
wait_for_line "$SST_TMP/plain.log" '^ready pid=' 10 || fail "plain worker on $PLAIN not ready"

# ---- (k) run --cookies bpf -----------------------------------------------------------
PIN=()
command -v taskset >/dev/null && PIN=(taskset -c 0)
start_agent siosteer ns_srv "${PIN[@]}" "$SIOSTEER" run --port $PORT --workers 4 --key sid --iface veth0 \
	--cookies bpf --gate tc -- python3 "$WORKER"
RUN_PID=$AGENT_PID
grep -q -- '--gate has no effect on the bpf cookie route' "$SST_TMP/siosteer.log" || err "(k) no warning that --gate does nothing here"
K_RUN=$(cookies)
[[ $K_RUN == 1 ]] || err "(k) tcp_syncookies is $K_RUN while --cookies bpf steers, expected 1"
grep -q 'cookies: bpf' "$SST_TMP/siosteer.log" || err "(k) the agent did not say 'cookies: bpf': $(grep -i cookies "$SST_TMP/siosteer.log" | head -2)"
MODE=$(agent_status $PORT | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["cookies"])')
[[ $MODE == bpf ]] || err "(k) status says cookies '$MODE', expected bpf"
ns_srv "$SIOSTEER" status --port $PORT | grep -q '^  cookies: bpf' || err "(k) status text has no 'cookies: bpf' line"
K_MODE=$(stat -c %a "$SIOSTEER_PIN_ROOT/$PORT/cookie_keys" 2>&1)
[[ $K_MODE == 600 ]] || err "(k) the secret's pin cookie_keys has mode '$K_MODE', expected 600"

# ---- (o) the other listener ---------------------------------------------------------
read -r sc0 <<<"$(nst TcpExtSyncookiesSent)"
issued0=$(cval issued)
for i in $(seq 0 15); do
	o=$(opts $PLAIN "${A[$i]}") || err "(o) request $i to $PLAIN failed"
done
read -r sc1 <<<"$(nst TcpExtSyncookiesSent)"
O_SC=$((sc1 - sc0))
((O_SC == 0)) || err "(o) 16 connections to $PLAIN moved TcpExtSyncookiesSent by $O_SC: the kernel used cookies"
((issued0 == $(cval issued))) || err "(o) the cookie program answered SYNs to port $PLAIN"
O_STEER=$(opts $PORT "${A[0]}") O_PLAIN=$(opts $PLAIN "${A[0]}")
echo "(o) steered: $O_STEER | plain: $O_PLAIN; TcpExtSyncookiesSent +$O_SC for 16 connections to $PLAIN"
[[ -n $O_STEER && $O_STEER == "$O_PLAIN" ]] || err "(o) options differ: steered '$O_STEER', plain '$O_PLAIN'"
[[ $O_STEER == *"ts=1 sack=1 wscale=1"* ]] || err "(o) steered connection lacks ts/sack/wscale: $O_STEER"

# ---- (m) MSS offers -------------------------------------------------------------------
M_OUT=""
for mss in 1460 1452 1400 1300 1350 1420; do
	s=$(opts $PORT "${A[1]}" $mss | sed -n 's/.*snd_mss=\([0-9]*\).*/\1/p')
	p=$(opts $PLAIN "${A[1]}" $mss | sed -n 's/.*snd_mss=\([0-9]*\).*/\1/p')
	M_OUT+="$mss: steered $s plain $p; "
	want=$p
	((mss == 1350)) && want=$((1300 - 12))
	((mss == 1420)) && want=$((1400 - 12))
	[[ -n $s && $s == "$want" ]] || err "(m) MSS offer $mss: steered snd_mss '$s', expected $want (plain $p)"
done
echo "(m) $M_OUT"

# ---- (n) a client without timestamps, SACK, window scaling ------------------------------
for k in tcp_timestamps tcp_sack tcp_window_scaling; do ns_cli sysctl -qw net.ipv4.$k=0; done
N_STEER=$(opts $PORT "${A[2]}") N_PLAIN=$(opts $PLAIN "${A[2]}")
for k in tcp_timestamps tcp_sack tcp_window_scaling; do ns_cli sysctl -qw net.ipv4.$k=1; done
echo "(n) no options offered: steered: $N_STEER | plain: $N_PLAIN"
[[ $N_STEER == *"ts=0 sack=0 wscale=0"* && ${N_STEER% snd_mss*} == "${N_PLAIN% snd_mss*}" ]] ||
	err "(n) without client options: steered '$N_STEER', plain '$N_PLAIN'"

# ---- (s) full checksums ----------------------------------------------------------------
if command -v ethtool >/dev/null; then
	ns_cli ethtool -K veth1 tx off >/dev/null 2>&1
	ns_srv ethtool -K veth0 tx off >/dev/null 2>&1
	read -r ce0 <<<"$(ns_cli nstat -asz TcpInCsumErrors | awk 'NR>1{print $2}')"
	S_OK=0
	for i in $(seq 0 15); do
		# An answer is a TCP_INFO line (opts ends in sed, so its exit status says nothing).
		[[ $(opts $PORT "${A[$i]}") == ts=* ]] && S_OK=$((S_OK + 1))
	done
	read -r ce1 <<<"$(ns_cli nstat -asz TcpInCsumErrors | awk 'NR>1{print $2}')"
	ns_cli ethtool -K veth1 tx on >/dev/null 2>&1
	ns_srv ethtool -K veth0 tx on >/dev/null 2>&1
	S_CE=$((${ce1:-0} - ${ce0:-0}))
	echo "(s) checksum offload off: $S_OK/16 steered requests ok, client TcpInCsumErrors +$S_CE"
	((S_OK == 16 && S_CE == 0)) || err "(s) with full checksums: $S_OK/16 ok, TcpInCsumErrors +$S_CE"
else
	err "(s) ethtool missing (make deps installs it)"
fi

# ---- (6) IPv6 ---------------------------------------------------------------------------
i0=$(cval issued) a0=$(cval accepted)
V6_OK=0
for i in $(seq 0 7); do
	ns_cli timeout "$(stretched 10)" python3 "$TCPINFO" "$SST_SRV_ADDR6" $PORT "${A6[$i]}" >/dev/null && V6_OK=$((V6_OK + 1))
done
V6_I=$(($(cval issued) - i0)) V6_A=$(($(cval accepted) - a0))
echo "(6) IPv6: $V6_OK/8 answered; cookies issued +$V6_I, accepted +$V6_A"
((V6_OK == 8 && V6_I >= 8 && V6_A >= 8)) || err "(6) IPv6: $V6_OK/8 ok, issued +$V6_I, accepted +$V6_A"

# ---- (b) bulk over steered connections ----------------------------------------------------
NBULK=5 BULK=$(($(scaled 10 1) << 20))
a0=$(cval accepted) b0=$(cval bare_acks)
read -r r0 <<<"$(nst TcpRetransSegs)"
# One CPU for server and client: veth reorders packets queued from two CPUs and Linux
# then retransmits spuriously with no siosteer at all (see sid_host_safety.sh).
out=$(ns_cli "${PIN[@]}" timeout "$(stretched 60)" python3 "$RAW" fetch --server "$SST_SRV_ADDR" --port $PORT \
	--path "/bulk?bytes=$BULK" --addrs "$(addrs 3 $NBULK)" --bytes $BULK --pattern --sequential --sport-base 22000 \
	--timeout "$(stretched 20)") ||
	err "(b) steered bulk downloads failed: $out"
read -r r1 <<<"$(nst TcpRetransSegs)"
B_A=$(($(cval accepted) - a0)) B_B=$(($(cval bare_acks) - b0)) B_R=$((r1 - r0))
echo "(b) $NBULK x $((BULK >> 20)) MiB steered: cookies accepted +$B_A, bare ACKs dropped +$B_B, server TcpRetransSegs +$B_R"
((B_A == NBULK && B_B == NBULK)) || err "(b) expected $NBULK accepted and $NBULK bare ACKs, got $B_A and $B_B"
((B_R == 0)) || err "(b) $B_R retransmissions by the server"

kill -TERM "$RUN_PID"
wait_exit "$RUN_PID" 10 || { err "(k) run did not stop on SIGTERM"; stop_pid "$RUN_PID" 1; }
K_AFTER=$(cookies)
[[ $K_AFTER == 1 ]] || err "(k) tcp_syncookies is $K_AFTER after run stopped, expected 1"
leftovers "(k) run+SIGTERM"

# ---- (x) attach, SIGKILL, adopt ------------------------------------------------------------
start_workers w 2 ns_srv python3 "$WORKER" --port $PORT --host 0.0.0.0
keys() { ns_srv bpftool -j map dump pinned "$SIOSTEER_PIN_ROOT/$PORT/cookie_keys" 2>/dev/null |
	python3 -c 'import json,sys; v=json.load(sys.stdin)[0]["formatted"]["value"]; print(v["key"], v["generation"])'; }
probe() { ns_cli timeout "$(stretched 30)" python3 "$SST_TESTS_DIR/clients/addr-probe.py" --url "http://$SST_SRV_ADDR:$PORT/" \
	--local-addrs "$(addrs 0 8)" --requests 2 --deadline "$(stretched 20)" >/dev/null; }
start_agent agent1 ns_srv "$SIOSTEER" attach --iface veth0 --port $PORT --key sid --cookies bpf
AG=$AGENT_PID
KEYS1=$(keys)
kill -KILL "$AG"
wait "$AG" 2>/dev/null
X_KILLED=$(cookies)
probe || err "(x) requests failed after the agent was SIGKILLed (steering should go on)"
[[ $X_KILLED == 1 ]] || err "(x) tcp_syncookies $X_KILLED after SIGKILL"
start_agent agent2 ns_srv "$SIOSTEER" attach --iface veth0 --port $PORT --key sid --cookies bpf
AG2=$AGENT_PID
KEYS2=$(keys)
[[ -n $KEYS1 && $KEYS1 == "$KEYS2" ]] || err "(x) the adopting agent changed the secret: '$KEYS1' -> '$KEYS2'"
probe || err "(x) requests failed under the adopting agent"
kill -TERM "$AG2"
wait_exit "$AG2" 10 || err "(x) adopting agent did not stop"
X_END=$(cookies)
[[ $X_END == 1 ]] || err "(x) tcp_syncookies $X_END after the adopting agent stopped"
leftovers "(x) attach+SIGKILL+adopt+SIGTERM"
echo "(x) SIGKILL: tcp_syncookies $X_KILLED, requests ok; adopted secret kept (generation ${KEYS1##* }); after SIGTERM $X_END"

# ---- (e) tcp_syncookies=0 -------------------------------------------------------------------
ns_srv sysctl -qw net.ipv4.tcp_syncookies=0
out=$(ns_srv timeout "$(stretched 20)" "$SIOSTEER" attach --iface veth0 --port $PORT --key sid --cookies bpf 2>&1)
rc=$?
echo "(e) --cookies bpf with tcp_syncookies=0: rc $rc: $out"
((rc != 0)) && grep -q 'tcp_syncookies' <<<"$out" || err "(e) --cookies bpf with tcp_syncookies=0 did not refuse clearly (rc $rc)"
start_agent agent3 ns_srv "$SIOSTEER" attach --iface veth0 --port $PORT --key sid --cookies auto
grep -q 'cookies: sysctl (auto' "$SST_TMP/agent3.log" || err "(e) auto with tcp_syncookies=0 did not choose sysctl: $(grep -i cookies "$SST_TMP/agent3.log")"
kill -TERM "$AGENT_PID"
wait_exit "$AGENT_PID" 10
E_END=$(cookies)
[[ $E_END == 0 ]] || err "(e) tcp_syncookies $E_END after the sysctl agent stopped, expected 0"
ns_srv sysctl -qw net.ipv4.tcp_syncookies=1
for p in "${SST_WORKERS[@]}"; do stop_pid "$p" 3; done

echo "RESULT tcp_syncookies $K_BEFORE->$K_RUN->$K_AFTER (run), secret pin mode $K_MODE, kill $X_KILLED, adopt end $X_END;" \
	"plain port SyncookiesSent +$O_SC; options '$O_STEER'; MSS $M_OUT" \
	"csum $S_OK/16 errors +$S_CE; IPv6 $V6_OK/8; bulk accepted $B_A bare $B_B retrans $B_R"
if ((${#ERRS[@]})); then
	fail "$(printf '%s; ' "${ERRS[@]}")"
fi
echo "PASS $NAME"
