/* SPDX-License-Identifier: MIT */
/*
 * The Redis bridge of an agent (`run`/`attach` with --redis): one thread that publishes
 * the port's learned sessions (session directory), its slots and load (membership), and
 * applies drain/weight commands from the cluster's control channel.
 *
 * Steering never waits for it: the thread only reads the pinned maps and writes the
 * pinned control map, which the agent's own loop turns into table weights
 * (control_apply.h). Redis being absent, slow, lost or garbage only changes the
 * bridge's state (logged once per change, shown by `siosteer status`).
 *
 * Redis layout (C = cluster, N = node, P = port):
 *   siosteer:C:sid:<sid>        STRING {"node","port","slot","pid","learned"}  TTL --sid-ttl
 *   siosteer:C:node:N:P         STRING membership record (JSON, see README)    TTL 5 s
 *   siosteer:C:nodes            ZSET "N:P" -> unix ms of its last heartbeat
 *   siosteer:C:ctl              channel: control messages (JSON)
 *   siosteer:C:ctl-ack          channel: what each agent applied
 *   siosteer:C:ctl-state        HASH: the last cluster command per target, re-read on
 *                               (re)connect so a node that missed a message catches up
 */
#ifndef SIOSTEER_BRIDGE_H
#define SIOSTEER_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>

#define BRIDGE_HEARTBEAT_S   1.0 /* membership record and directory scan period */
#define BRIDGE_NODE_TTL_MS   5000 /* a node silent this long disappears */
#define BRIDGE_SID_TTL_S     60.0 /* default directory TTL; renewed every third of it */
#define BRIDGE_QUEUE_MAX     65536 /* directory updates held while Redis is away */
#define BRIDGE_BACKOFF_MIN_S 0.1
#define BRIDGE_BACKOFF_MAX_S \
	2.0 /* retry at least this often: a returning Redis is
					 * repopulated within ~2 s plus the resync */
#define BRIDGE_NAME_MAX 63

struct bridge_opts {
	const char *url; /* redis://... or unix://... */
	const char *cluster;
	const char *node;
	const char *pin_root; /* resolved */
	unsigned port;
	double sid_ttl; /* seconds; 0: BRIDGE_SID_TTL_S */
};

struct bridge;

/* Start the thread. Fails only on bad options or no memory, never because of Redis. */
int bridge_start(const struct bridge_opts *o, struct bridge **out);
/* Stop it (bounded: Redis calls time out after 1 s); withdraws the node record if it can. */
void bridge_stop(struct bridge *b);

/* Cluster and node names: 1..63 of [A-Za-z0-9._-], not all digits. 0 or -1 (logged). */
int bridge_check_name(const char *what, const char *name);
/* This host's name as a node id (invalid characters become '-'). */
const char *bridge_default_node(void);

/* Key and channel names. */
int bridge_key(char *buf, size_t len, const char *cluster, const char *kind, const char *name);

#endif
