/* SPDX-License-Identifier: MIT */
/*
 * Per-port control state (drain, weights) and the Redis bridge's status, kept in two
 * user-space BPF array maps pinned beside the port's other maps:
 *
 *   <pin dir>/control   SIOSTEER_CONTROL_ENTRIES x struct siosteer_slot_ctl: one per slot,
 *                       then one for the whole port ("drain the node")
 *   <pin dir>/bridge    1 x struct siosteer_bridge_stats, written by the agent's bridge
 *
 * No BPF program reads them: the agent turns `control` into table weights (through
 * siosteer_table_sync), the CLI writes it (`siosteer drain|undrain|weight`, locally or via
 * the Redis bridge), and both survive an agent restart like the rest of the pins. They
 * carry BTF, so `bpftool map dump pinned <dir>/control` prints fields by name.
 */
#ifndef SIOSTEER_CONTROL_H
#define SIOSTEER_CONTROL_H

#include <stdbool.h>
#include "siosteer.h"

struct siosteer_pinned;

#define SIOSTEER_MAP_CONTROL "control"
#define SIOSTEER_MAP_BRIDGE  "bridge"
/* Index of the whole-port entry in the control map. */
#define SIOSTEER_CONTROL_PORT    SIOSTEER_MAX_SLOTS
#define SIOSTEER_CONTROL_ENTRIES (SIOSTEER_MAX_SLOTS + 1)
#define SIOSTEER_WEIGHT_MAX      100

enum siosteer_ctl_source {
	SIOSTEER_CTL_NONE = 0,
	SIOSTEER_CTL_LOCAL = 1, /* siosteer drain|undrain|weight on this host */
	SIOSTEER_CTL_CLUSTER = 2, /* the same with --cluster, through Redis */
};

struct siosteer_slot_ctl {
	__u32 weight; /* Maglev weight 1..SIOSTEER_WEIGHT_MAX; 0 means 1 */
	__u32 drained; /* 1: no new sessions (weight 0 in the table); known sids stay */
	__u64 changed_ns; /* CLOCK_REALTIME of the last change, 0: never changed */
	__u32 source; /* enum siosteer_ctl_source of the last change */
	__u32 pad;
};

enum siosteer_bridge_state {
	SIOSTEER_BRIDGE_OFF = 0, /* no --redis */
	SIOSTEER_BRIDGE_CONNECTING = 1, /* never connected yet */
	SIOSTEER_BRIDGE_UP = 2,
	SIOSTEER_BRIDGE_DOWN = 3, /* lost or refused; retrying with back-off */
	SIOSTEER_BRIDGE_STOPPED = 4,
};

struct siosteer_bridge_stats {
	__u32 state; /* enum siosteer_bridge_state */
	__u32 agent_pid;
	__u64 since_ns; /* CLOCK_REALTIME of the last state change */
	__u64 updated_ns; /* CLOCK_REALTIME of this record */
	__u64 connects; /* successful (re)connections */
	__u64 failures; /* failed attempts and lost connections */
	__u64 queued; /* directory updates waiting for Redis now */
	__u64 queue_max;
	__u64 dropped; /* updates lost because the queue was full (Redis down or slow);
				 * the resync after a reconnect republishes what still lives */
	__u64 published; /* directory entries written (new sessions and resyncs) */
	__u64 renewed; /* directory TTL renewals */
	__u64 heartbeats;
	__u64 controls; /* cluster control messages applied */
	__u64 resyncs;
	__u64 sessions; /* learned sessions seen by the last scan */
	char cluster[64];
	char node[64];
	char where[96]; /* Redis host:port or socket, never the password */
	char last_error[160];
};

/* Open the pinned control map of a port; create (and pin) it if `create` and absent.
 * Returns an fd or -errno (-ENOENT: absent, port not steered or older agent). */
int siosteer_control_open(const char *root, unsigned port, bool create);
/* Read all SIOSTEER_CONTROL_ENTRIES entries. */
int siosteer_control_read(int fd, struct siosteer_slot_ctl *ctl);
int siosteer_control_write(int fd, __u32 idx, const struct siosteer_slot_ctl *c);
/*
 * The table weights the control state asks for, given which slots are live: a live
 * slot gets its weight (default 1), or 0 if it or the whole port is drained. If that
 * leaves no live slot with a weight, every live slot keeps its weight instead (a node
 * cannot refuse the connections that reach it; an empty table would let the kernel hash
 * them) and false is returned.
 */
bool siosteer_control_weights(const struct siosteer_slot_ctl *ctl, const bool *live,
			      __u32 *weights);

int siosteer_bridge_stats_open(const char *root, unsigned port, bool create);
int siosteer_bridge_stats_read(int fd, struct siosteer_bridge_stats *b);
int siosteer_bridge_stats_write(int fd, const struct siosteer_bridge_stats *b);

/* Rebuild a port's table from its pins, for when no agent runs (an agent owns the table
 * while it runs). Same semantics as siosteer_table_sync. */
int siosteer_pinned_table_sync(const struct siosteer_pinned *p, const __u32 *weights, __u32 *moved);
/* The weights the active table was built with (0: slot not in the table) and its
 * generation. */
int siosteer_pinned_table_weights(const struct siosteer_pinned *p, __u32 *weights,
				  __u32 *generation);

/* How many of the active table's SIOSTEER_MAGLEV_SIZE buckets name each slot (its share
 * of client addresses, and of new sessions placed by address). */
int siosteer_pinned_table_shares(const struct siosteer_pinned *p, __u32 *buckets);

#endif
