/* SPDX-License-Identifier: MIT */
/* Counters of the handshake-ACK gate (XDP or tc ingress), shared with user space. */
#ifndef SIOSTEER_GATE_H
#define SIOSTEER_GATE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SIOSTEER_MAP_GATE_COUNTERS "gate_counters"
#define SIOSTEER_PIN_PROG_GATE     "gate"

struct siosteer_gate_counters {
	__u64 packets; /* every packet the gate saw */
	__u64 steered_port; /* TCP segments to the steered port */
	__u64 pure_acks; /* ...that were bare ACKs (candidates) */
	__u64 dropped; /* bare ACKs completing a handshake with a listener: dropped */
	__u64 established; /* bare ACKs of an existing connection: passed */
	__u64 no_socket; /* bare ACKs with no socket at all: passed (the stack answers) */
	__u64 not_tcp; /* not TCP over IPv4/IPv6, or unparseable: passed */
};

#endif
