/* SPDX-License-Identifier: MIT */
/*
 * siosteer's own SYN cookies (--cookies bpf, bpf/cookie.bpf.c): the shapes user space
 * shares with the tc ingress program.
 *
 * Why: deferred (sid) steering needs the child socket to be made by the client's first
 * data segment, so that the sk_reuseport program can read the request. The sysctl route
 * gets that by switching the whole network namespace to tcp_syncookies=2; every other
 * listener then answers with cookies too. With Linux >= 6.9 a tc program can answer the
 * steered port's SYNs itself and hand the kernel a request socket when the data segment
 * comes (kfunc bpf_sk_assign_tcp_reqsk); nothing else on the host changes.
 */
#ifndef SIOSTEER_COOKIE_H
#define SIOSTEER_COOKIE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SIOSTEER_MAP_COOKIE_KEYS     "cookie_keys"
#define SIOSTEER_MAP_COOKIE_COUNTERS "cookie_counters"
#define SIOSTEER_PIN_PROG_COOKIE     "cookie"

/* The kfunc the bpf route needs; `auto` looks for it in the kernel's BTF. */
#define SIOSTEER_COOKIE_KFUNC "bpf_sk_assign_tcp_reqsk"

/*
 * The secret. Two siphash keys: the program issues with key[current] and accepts
 * key[current] and key[current ^ 1], so a rotation (user space writes the new key into
 * the other entry, then flips current) never invalidates a cookie in flight. One array
 * element, written whole by user space; a reader that races a rotation can at worst
 * reject one data segment, which the client retransmits.
 */
struct siosteer_cookie_keys {
	__u64 key[2][2];
	__u32 current; /* 0 or 1 */
	__u32 generation; /* rotations so far; 0: no key yet */
	__u64 rotated_ns; /* CLOCK_MONOTONIC of the last rotation */
};

/* How often the agent rotates the key; must exceed the cookie lifetime (below). */
#define SIOSTEER_COOKIE_ROTATE_S 600

/*
 * Per-CPU counters (one entry; user space sums). Every packet is counted in exactly one
 * of: not_port, syns, acks_checked, passed. Every syns in one of: issued, syn_tw,
 * syn_passed. Every acks_checked in one of: accepted, bare_acks, rejected_bad,
 * rejected_expired, rejected_options, assign_failed.
 */
struct siosteer_cookie_counters {
	__u64 packets; /* every packet the program saw */
	__u64 not_port; /* not TCP to the steered port (or not parseable): passed */
	__u64 syns; /* SYNs to the steered port */
	__u64 issued; /* ...answered with a SYN-ACK carrying our cookie */
	__u64 syn_tw; /* ...that met a TIME_WAIT socket: left to the TIME_WAIT route */
	__u64 syn_passed; /* ...no listener, odd headers, or a helper failed: to the stack */
	__u64 passed; /* segments of existing connections, RSTs: passed */
	__u64 acks_checked; /* segments whose lookup found only the listener */
	__u64 accepted; /* ...valid cookie: request socket assigned, the selector places it */
	__u64 bare_acks; /* ...the bare handshake ACK: dropped (the data segment follows) */
	__u64 rejected_bad; /* ...the hash matches under neither key (forged, flipped bits) */
	__u64 rejected_expired; /* ...a genuine cookie older than its lifetime */
	__u64 rejected_options; /* ...options contradict the cookie (timestamps) */
	__u64 assign_failed; /* ...the kernel refused the request socket */
};

#endif
