/* SPDX-License-Identifier: MIT */
/*
 * TIME_WAIT reset (tc ingress, bpf/tw_reset.bpf.c): counters and constants shared with
 * user space.
 *
 * Why: with tcp_syncookies=2 every SYN should get a cookie so that the child socket is
 * created by the client's first data segment (deferred, sid-keyed steering). A SYN that
 * reuses the 4-tuple of a server-side TIME_WAIT socket gets no cookie (tcp_conn_request
 * takes its ISN from the TIME_WAIT socket and builds a request socket at SYN time). The
 * program removes that TIME_WAIT socket with an RST just before the SYN reaches the stack.
 */
#ifndef SIOSTEER_TW_RESET_H
#define SIOSTEER_TW_RESET_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SIOSTEER_MAP_TW_COUNTERS "tw_counters"
#define SIOSTEER_MAP_TW_RESETS   "tw_resets" /* LRU: 4-tuple -> ISN of the SYN last reset */
#define SIOSTEER_PIN_PROG_TW     "tw_reset"

/*
 * skb->mark of the two clones (the RST and the re-injected SYN). They come back through
 * the same tc ingress hook; the mark lets them pass untouched. Picked so as not to
 * collide with usual fwmark values ("STWR"); a host that marks packets on this
 * interface's ingress itself must keep clear of it.
 */
#define SIOSTEER_TW_MARK 0x53545752u

/* Entries of the tw_resets LRU map; a retransmitted SYN is only recognised within it. */
#ifndef SIOSTEER_TW_RESETS_MAX
#define SIOSTEER_TW_RESETS_MAX 16384
#endif

/*
 * Per-CPU (one entry), user space sums the CPUs. Every packet is counted in exactly one
 * of: marked, not_syn, syns_seen. Every syns_seen in exactly one of: no_socket, listener,
 * lookup_other_state, tw_collisions. Every tw_collisions in exactly one of: disabled,
 * loopback4, repeat_syn, syn_reinjected, errors.
 */
struct siosteer_tw_counters {
	__u64 packets; /* every packet the program saw */
	__u64 marked; /* our own clones coming back: passed untouched */
	__u64 not_syn; /* not a SYN (without ACK) to the steered port: passed */
	__u64 syns_seen; /* SYNs (ACK clear) to the steered port */
	__u64 no_socket; /* ...lookup found no socket at all: passed */
	__u64 listener; /* ...lookup found the listener (the normal case): passed */
	__u64 lookup_other_state; /* ...another state (established, NEW_SYN_RECV): passed */
	__u64 tw_collisions; /* ...a TIME_WAIT socket on the 4-tuple */
	__u64 disabled; /* collisions passed because enabled == false (tcp_rfc1337=1) */
	__u64 loopback4; /* IPv4 on the loopback device: passed (clones would be lost) */
	__u64 repeat_syn; /* a retransmitted SYN we had already reset once met the TIME_WAIT
				   * socket again: the clones were lost; passed unchanged */
	__u64 rst_injected; /* RST clones sent to the device's ingress */
	__u64 syn_reinjected; /* SYN clones sent after the RST; the original was dropped */
	__u64 errors; /* a helper failed; the SYN was passed unchanged or dropped */
	__u64 dropped; /* ...of which the SYN was dropped (the client retransmits it) */
};

#endif
