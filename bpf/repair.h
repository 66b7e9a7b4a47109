/* SPDX-License-Identifier: MIT */
/*
 * Kept-alive connection repair (tc ingress, bpf/repair.bpf.c): counters and names shared
 * with user space.
 *
 * Why: browsers keep HTTP/1.1 connections alive and share one pool per origin between
 * every session and tab, so a request of session B often travels on a connection that
 * was placed on session A's worker. That worker does not know B and answers 400. The
 * program resets such a connection both ways before the request reaches the worker;
 * browsers resend a request whose reused connection fails before any response byte, and
 * the resent request, on another connection, is steered by its sid.
 */
#ifndef SIOSTEER_REPAIR_H
#define SIOSTEER_REPAIR_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SIOSTEER_MAP_REPAIR_COUNTERS "repair_counters"
#define SIOSTEER_PIN_PROG_REPAIR     "repair"

/*
 * Per-CPU, summed by user space. Every `requests` is counted in exactly one of:
 * first_request, no_socket, no_storage, new_session, rebalanced, other_request,
 * sid_unknown, same_slot, owner_gone, repaired, errors.
 */
struct siosteer_repair_counters {
	__u64 requests; /* segments to the port that begin with "GET /" or "POST /" */
	__u64 first_request; /* ...that will create their connection (only the listener
				 * matches): the selector places them */
	__u64 no_socket; /* ...of no connection, or of one not fully open: passed */
	__u64 no_storage; /* ...on a connection accepted before siosteer took its
				 * listener: passed */
	__u64 new_session; /* ...without sid (a handshake, the page, an asset) left on
				 * their connection: their reply may teach a sid */
	__u64 rebalanced; /* ...an engine.io handshake on a connection of a worker that
				 * has more sessions than --place least-loaded allows
				 * (SIOSTEER_PLACE_SLACK): reset, so the resend is placed */
	__u64 other_request; /* ...with a malformed or cut sid: passed */
	__u64 sid_unknown; /* ...whose sid is not learned: passed */
	__u64 same_slot; /* ...whose sid belongs to the connection's own worker */
	__u64 owner_gone; /* ...whose sid's worker has no live socket: passed (the worker
				 * that has the connection answers) */
	__u64 repaired; /* ...whose sid belongs to another live worker: the connection
				 * was reset both ways and the request dropped */
	__u64 errors; /* a helper failed while resetting: passed or dropped */
};

#endif
