#!/usr/bin/env bash
# tw_reset: does the tc TIME_WAIT reset program keep every SYN on the cookie path?
#
# Needs root, python3, and the binaries from tests/bpf/tw-reset.mk, found in ${BUILD:-build}:
#   make -f tests/bpf/tw-reset.mk        (or `make tw-reset` once the Makefile includes it)
#
# Layout (only namespaces this script creates; nothing in the root namespace changes):
#   ssttw<pid>s  veth0  198.18.0.1/24  2001:db8:18::1/64   tcp_syncookies=2
#   ssttw<pid>c  veth1  198.18.0.2/24  198.19.1.2/32  2001:db8:18::2/64  2001:db8:19:1::2/128
# A python server per port (SO_REUSEPORT) answers one line and closes first, so every
# connection leaves a TIME_WAIT socket on the server. The client makes short
# connections from ONE source address with its local port cycling over a small range,
# so after the first lap every SYN reuses the 4-tuple of a server TIME_WAIT socket.
#   A  IPv4, no program:  some SYNs get no cookie (SyncookiesSent < connections).
#   B  IPv4, program:     tw_collisions > 0 and every connection's child socket came
#                         from a cookie (SyncookiesSent == SyncookiesRecv == connections).
#   C  IPv6, program:     the same over IPv6.
#   H  IPv4 clients of a dual-stack [::] listener, program: as B.
#   D  IPv4, program, checksum offload off on both veths: checksums are really checked
#                         (veth otherwise passes CHECKSUM_PARTIAL, never verified), so a
#                         wrong RST checksum would show as InCsumErrors and lost cookies.
#   E  IPv6, the same as D.
#   F  tcp_rfc1337=1: the loader says so and loads the program disabled; collisions are
#                         counted and passed, and get no cookie, as without the program.
#   G  the program on lo (client in the server namespace): ::1 is reset as on veth;
#                         IPv4 on lo is passed (loopback4) without delaying anything.
# Last line: "PASS tw_reset" or "FAIL tw_reset: <why>"; exit 0/1.
set -u
cd "$(dirname "$0")/../.." || exit 1
NAME=tw_reset
# skip, require, and $SST_HELPERS: the server (answers one line, closes first) and the
# client (short connections, local port cycling) in Python. (Its `fail` is replaced below.)
. tests/lib/checks.sh
BUILD=${BUILD:-build}
OBJ=$BUILD/tw_reset.bpf.o
LOADER=$BUILD/tests/tw_reset_test
# Scaled by SIOSTEER_TEST_SCALE (tests/lib/checks.sh), the ports with the connections, so
# that as large a share of the SYNs meets a TIME_WAIT socket.
N=${TW_CONNS:-$(scaled 3000)}       # connections in A and B
NPORTS=${TW_PORTS:-$(scaled 200 10)} # client local ports they cycle over
N_SMALL=${TW_CONNS_SMALL:-$(scaled 600)}
P_SMALL=$(scaled 100 10) # ports of the smaller phases
N_F=$(scaled 300)        # connections in F and G
NS_S=ssttw$$s
NS_C=ssttw$$c
SRV4=198.18.0.1 CLI4=198.19.1.2 SRV6=2001:db8:18::1 CLI6=2001:db8:19:1::2
TMP=$(mktemp -d /tmp/ssttw$$.XXXXXX)
PIDS=()
NSS=()

fail() { echo "FAIL tw_reset: $*"; exit 1; }

cleanup() {
	local rc=$? p i
	trap - EXIT INT TERM
	# Loaders first (TERM: they print counters, detach and delete their clsact qdisc).
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		for ((i = 0; i < 30; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for p in "${NSS[@]}"; do
		for i in $(ip netns pids "$p" 2>/dev/null); do kill -KILL "$i" 2>/dev/null; done
		ip netns del "$p" 2>/dev/null
	done
	if [ -n "${TW_KEEP:-}" ]; then echo "logs kept in $TMP"; else rm -rf "$TMP"; fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

require root python3
[ -r "$OBJ" ] || fail "$OBJ missing (make $OBJ)"
[ -x "$LOADER" ] || fail "$LOADER missing (make $LOADER)"

# bg NAME NS CMD...: run CMD in NS in the background; `ip netns exec` execs CMD, so
# $! is CMD's own PID.
bg() {
	local name=$1 ns=$2
	shift 2
	ip netns exec "$ns" "$@" >"$TMP/$name.log" 2>&1 &
	PIDS+=($!)
	LAST_PID=$!
}

wait_line() { # FILE REGEX: up to 5 s (stretched)
	local i
	for ((i = 0; i < $(stretched 5) * 10; i++)); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# mib NAME: a counter of the server namespace, e.g. TcpExt:SyncookiesSent, Tcp:InCsumErrors.
mib() {
	ip netns exec "$NS_S" cat /proc/net/netstat /proc/net/snmp | awk -v want="$1" '
		!($1 in seen) { seen[$1] = 1; for (i = 2; i <= NF; i++) name[$1, i] = $i; next }
		{ for (i = 2; i <= NF; i++) if ($1 name[$1, i] == want) { print $i; exit } }'
}

tw_sockets() { ip netns exec "$NS_S" ss -Htan state time-wait | wc -l; }

# counter NAME LOGFILE: a field of the loader's last "counters" line.
counter() { grep '^counters' "$2" | tail -1 | grep -oE "(^| )$1=[0-9]+" | cut -d= -f2; }

# --- namespaces -------------------------------------------------------------------------
ip netns add "$NS_S" || fail "ip netns add"
NSS+=("$NS_S")
ip netns add "$NS_C" || fail "ip netns add"
NSS+=("$NS_C")
ip -n "$NS_S" link add veth0 type veth peer name veth1 netns "$NS_C" || fail "veth"
ip -n "$NS_S" link set lo up
ip -n "$NS_C" link set lo up
ip -n "$NS_S" addr add $SRV4/24 dev veth0
ip -n "$NS_S" addr add $SRV6/64 dev veth0 nodad
ip -n "$NS_C" addr add 198.18.0.2/24 dev veth1
ip -n "$NS_C" addr add $CLI4/32 dev veth1
ip -n "$NS_C" addr add 2001:db8:18::2/64 dev veth1 nodad
ip -n "$NS_C" addr add $CLI6/128 dev veth1 nodad
ip -n "$NS_S" link set veth0 up
ip -n "$NS_C" link set veth1 up
ip -n "$NS_S" route add 198.19.0.0/16 via 198.18.0.2 dev veth0 || fail "route"
ip -n "$NS_S" -6 route add 2001:db8:19::/48 via 2001:db8:18::2 dev veth0 || fail "route6"
ip netns exec "$NS_S" sysctl -qw net.ipv4.tcp_syncookies=2 || fail "tcp_syncookies=2"
[ "$(ip netns exec "$NS_S" cat /proc/sys/net/ipv4/tcp_rfc1337)" = 0 ] ||
	fail "tcp_rfc1337 is not 0 in a fresh namespace"
for ((i = 0; i < 50; i++)); do
	ip -n "$NS_C" -o link show veth1 | grep -q 'state UP' && break
	sleep 0.1
done

# run_phase TAG SRV CLI PORT BASE COUNT NPORTS PROG(0/1) [IFACE]: prints the figures and
# sets P_OK P_SLOW P_SENT P_RECV P_CSUM P_TW and, with PROG=1, the loader log in P_LOG.
# SRV is the server address, or BIND=ADDR when the server binds elsewhere (e.g. ::).
# The client runs in the client namespace, or in the server's when IFACE is lo.
run_phase() {
	local tag=$1 srv=${2#*=} bind=${2%%=*} cli=$3 port=$4 base=$5 count=$6 nports=$7 prog=$8
	local dev=${9:-veth0} s0 r0 c0 lpid cns=$NS_C
	bg "server$port" "$NS_S" python3 "$SST_HELPERS/tw_server.py" "$bind" "$port"
	wait_line "$TMP/server$port.log" '^ready' || fail "$tag: server did not start"
	P_LOG=
	if [ "$prog" = 1 ]; then
		P_LOG=$TMP/loader$port.log
		bg "loader$port" "$NS_S" "$LOADER" -o "$OBJ" -i "$dev" -p "$port"
		lpid=$LAST_PID
		wait_line "$P_LOG" '^ready' || { cat "$P_LOG"; fail "$tag: loader did not attach"; }
	fi
	s0=$(mib TcpExt:SyncookiesSent) r0=$(mib TcpExt:SyncookiesRecv) c0=$(mib Tcp:InCsumErrors)
	[ "$dev" = lo ] && cns=$NS_S
	ip netns exec "$cns" python3 "$SST_HELPERS/tw_client.py" "$srv" "$port" "$cli" "$base" "$nports" \
		"$count" >"$TMP/client$port.log" 2>&1
	P_SENT=$(($(mib TcpExt:SyncookiesSent) - s0))
	P_RECV=$(($(mib TcpExt:SyncookiesRecv) - r0))
	P_CSUM=$(($(mib Tcp:InCsumErrors) - c0))
	P_TW=$(tw_sockets)
	P_OK=$(grep -oE 'ok=[0-9]+' "$TMP/client$port.log" | cut -d= -f2)
	P_OK=${P_OK:-0}
	P_SLOW=$(grep -oE 'slow=[0-9]+' "$TMP/client$port.log" | cut -d= -f2)
	if [ "$prog" = 1 ]; then
		kill -TERM "$lpid"
		wait "$lpid" 2>/dev/null
		grep -q '^detached' "$P_LOG" || { cat "$P_LOG"; fail "$tag: loader did not detach"; }
	fi
	echo "$tag: $(cat "$TMP/client$port.log")"
	echo "$tag: SyncookiesSent=$P_SENT SyncookiesRecv=$P_RECV SYNs-without-cookie=$((count - P_SENT))" \
		"InCsumErrors=$P_CSUM server-TIME_WAIT-now=$P_TW"
	[ -n "$P_LOG" ] && echo "$tag: $(grep -E '^(verifier|counters)' "$P_LOG" | tr '\n' ' ')"
	return 0
}

# check_counts TAG: the counters' documented partitions (bpf/tw_reset.h) add up.
check_counts() {
	local tag=$1 f v
	declare -A k
	for f in packets marked not_syn syns_seen no_socket listener lookup_other_state \
		tw_collisions disabled loopback4 repeat_syn syn_reinjected errors; do
		v=$(counter "$f" "$P_LOG")
		[ -n "$v" ] || fail "$tag: counter $f missing"
		k[$f]=$v
	done
	[ $((k[marked] + k[not_syn] + k[syns_seen])) = "${k[packets]}" ] &&
		[ $((k[no_socket] + k[listener] + k[lookup_other_state] + k[tw_collisions])) = "${k[syns_seen]}" ] &&
		[ $((k[disabled] + k[loopback4] + k[repeat_syn] + k[syn_reinjected] + k[errors])) = "${k[tw_collisions]}" ] ||
		fail "$tag: counters do not add up"
}

# check_prog_phase TAG COUNT: the figures a phase with the program must show.
check_prog_phase() {
	local tag=$1 count=$2 coll rst syn err
	check_counts "$tag"
	coll=$(counter tw_collisions "$P_LOG") rst=$(counter rst_injected "$P_LOG")
	syn=$(counter syn_reinjected "$P_LOG") err=$(counter errors "$P_LOG")
	[ "$P_OK" = "$count" ] || fail "$tag: $P_OK of $count connections succeeded"
	[ "$(counter syns_seen "$P_LOG")" = "$count" ] ||
		fail "$tag: syns_seen=$(counter syns_seen "$P_LOG"), not $count: SYNs were retransmitted"
	[ "${coll:-0}" -gt 0 ] || fail "$tag: no TIME_WAIT collision seen (tw_collisions=${coll:-?})"
	[ "$rst" = "$coll" ] && [ "$syn" = "$coll" ] ||
		fail "$tag: tw_collisions=$coll rst_injected=$rst syn_reinjected=$syn differ"
	[ "$err" = 0 ] || fail "$tag: errors=$err"
	[ "$P_CSUM" = 0 ] || fail "$tag: InCsumErrors=$P_CSUM"
	# Each child socket was created by a cookie-validated ACK, and no SYN was answered
	# without a cookie (no retransmits on veth, so SYNs == connections).
	[ "$P_RECV" = "$count" ] || fail "$tag: SyncookiesRecv=$P_RECV, not $count"
	[ "$P_SENT" = "$count" ] || fail "$tag: SyncookiesSent=$P_SENT, not $count"
}

echo "connections: $N per IPv4 phase from $CLI4, local ports cycling over $NPORTS"

run_phase A-ipv4-without "$SRV4" "$CLI4" 8001 20000 "$N" "$NPORTS" 0
[ "$P_OK" = "$N" ] || fail "A: only $P_OK of $N connections succeeded without the program"
# The first lap over the ports meets no TIME_WAIT socket; after it, every SYN should. A
# kernel that answers those SYNs with cookies anyway (Debian 12's 6.1) does not need the
# program, and siosteer's probe leaves it off there (loader/tw_probe.h).
[ "$P_SENT" -lt "$N" ] || skip "Linux $(uname -r) answers a SYN that reuses a TIME_WAIT 4-tuple" \
	"with a cookie (A: SyncookiesSent=$P_SENT of $N without the program): the TIME_WAIT" \
	"route is not needed and siosteer leaves it off here"
A_MISSED=$((N - P_SENT))

run_phase B-ipv4-with "$SRV4" "$CLI4" 8002 30000 "$N" "$NPORTS" 1
check_prog_phase B "$N"
B_COLL=$(counter tw_collisions "$P_LOG")

run_phase C-ipv6-with "$SRV6" "$CLI6" 8003 40000 "$N_SMALL" "$P_SMALL" 1
check_prog_phase C "$N_SMALL"
C_COLL=$(counter tw_collisions "$P_LOG")

# H: a dual-stack listener ([::], as a siosteer group can be) and IPv4 clients: the IPv4
# TIME_WAIT sockets of v4-mapped connections are found and reset the same way.
run_phase H-ipv4-dual-stack "::=$SRV4" "$CLI4" 8009 54000 "$N_SMALL" "$P_SMALL" 1
check_prog_phase H "$N_SMALL"
H_COLL=$(counter tw_collisions "$P_LOG")

ip netns exec "$NS_S" "$LOADER" --csum-off veth0 || fail "D: cannot turn checksum offload off"
ip netns exec "$NS_C" "$LOADER" --csum-off veth1 || fail "D: cannot turn checksum offload off"
run_phase D-ipv4-csum-off "$SRV4" "$CLI4" 8004 50000 "$N_SMALL" "$P_SMALL" 1
check_prog_phase D "$N_SMALL"
D_COLL=$(counter tw_collisions "$P_LOG")
run_phase E-ipv6-csum-off "$SRV6" "$CLI6" 8005 50000 "$N_SMALL" "$P_SMALL" 1
check_prog_phase E "$N_SMALL"
E_COLL=$(counter tw_collisions "$P_LOG")

# F: with tcp_rfc1337=1 an RST cannot remove a TIME_WAIT socket; the loader must notice,
# load the program disabled, and the kernel's own behaviour (no cookie) must remain.
ip netns exec "$NS_S" sysctl -qw net.ipv4.tcp_rfc1337=1 || fail "F: tcp_rfc1337=1"
run_phase F-rfc1337 "$SRV4" "$CLI4" 8006 51000 "$N_F" "$P_SMALL" 1
grep -q '^tcp_rfc1337=1' "$P_LOG" || fail "F: loader did not report tcp_rfc1337=1"
F_DIS=$(counter disabled "$P_LOG")
[ "$P_OK" = "$N_F" ] || fail "F: $P_OK of $N_F connections succeeded"
[ "${F_DIS:-0}" -gt 0 ] && [ "$F_DIS" = "$(counter tw_collisions "$P_LOG")" ] &&
	[ "$(counter rst_injected "$P_LOG")" = 0 ] && [ "$((N_F - P_SENT))" = "$F_DIS" ] ||
	fail "F: disabled=$F_DIS collisions/RSTs/cookies do not match"
ip netns exec "$NS_S" sysctl -qw net.ipv4.tcp_rfc1337=0
check_counts F

# G: the program on lo, client and server in the server namespace. IPv6 (::1) is reset
# like on veth; IPv4 on lo is passed as loopback4 (a redirected clone loses its route
# and is dropped as a martian), and must neither hang nor slow a connection.
run_phase G-lo-ipv6 ::1 ::1 8007 52000 "$N_F" "$P_SMALL" 1 lo
check_prog_phase G-lo-ipv6 "$N_F"
G6_COLL=$(counter tw_collisions "$P_LOG")
run_phase G-lo-ipv4 127.0.0.1 127.0.0.1 8008 53000 "$N_F" "$P_SMALL" 1 lo
check_counts G-lo-ipv4
G4_LO=$(counter loopback4 "$P_LOG")
[ "$P_OK" = "$N_F" ] && [ "$P_SLOW" = 0 ] && [ "${G4_LO:-0}" -gt 0 ] &&
	[ "$G4_LO" = "$(counter tw_collisions "$P_LOG")" ] ||
	fail "G-lo-ipv4: ok=$P_OK slow=$P_SLOW loopback4=$G4_LO"

echo "summary: without the program $A_MISSED of $N SYNs got no cookie; with it" \
	"$B_COLL (IPv4) + $C_COLL (IPv6) + $H_COLL (IPv4 on [::]) + $D_COLL/$E_COLL (IPv4/IPv6, checksums verified)" \
	"TIME_WAIT collisions were reset, every SYN got a cookie, every connection succeeded;" \
	"with tcp_rfc1337=1 the loader disabled it ($F_DIS collisions passed as before);" \
	"on lo $G6_COLL IPv6 collisions reset, $G4_LO IPv4 ones passed"
echo "PASS tw_reset"
