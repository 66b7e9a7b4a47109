/* SPDX-License-Identifier: MIT */
/*
 * The Redis bridge's state and the functions its files share (bridge.h is the public API).
 * One thread owns a struct bridge; nothing here is called from another thread.
 *
 *   bridge.c            names and keys, the thread (tick, loop), start and stop
 *   bridge_conn.c       connections: connect, subscribe, pipelined writes, failures
 *   bridge_directory.c  the session directory (scan of the learned sids, queue)
 *   bridge_members.c    membership and load: the local view and the node record
 *   bridge_control.c    cluster control messages and catching up after a reconnect
 */
#ifndef SIOSTEER_BRIDGE_INTERNAL_H
#define SIOSTEER_BRIDGE_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <hiredis/hiredis.h>

#include "bridge.h"
#include "control_apply.h"
#include "pinned.h"
#include "redis_url.h"
#include "sid_parse.h"

#define IO_TIMEOUT_S 1.0
#define PIPE_CHUNK   1000
#define SCAN_CHUNK   4096

struct dir_item {
	char sid[SIOSTEER_SID_MAX];
	__u8 len;
	__u32 slot, pid;
	__u64 learned_ms;
};

struct slot_view {
	struct siosteer_owner owner;
	bool live;
	__u64 sessions; /* learned sids of this slot in the map */
	double conn_rate, new_rate;
};

struct bridge {
	char url[1024], cluster[BRIDGE_NAME_MAX + 1], node[BRIDGE_NAME_MAX + 1];
	char root[PATH_MAX];
	unsigned port;
	double sid_ttl;
	struct redis_url u;
	char where[300];

	pthread_t th;
	bool started;
	int wake_fd;
	atomic_bool stop;

	redisContext *cmd, *sub;
	int pending; /* pipelined commands whose replies are unread */
	double next_try, backoff, down_since;

	struct siosteer_pinned p;
	bool pinned;
	int sids_fd, load_fd, ctl_fd, stats_fd;
	struct siosteer_meta meta;
	struct siosteer_state state;

	/* directory */
	__u64 prev_scan_ns; /* CLOCK_BOOTTIME when the previous scan started */
	unsigned tick;
	bool resync;
	struct dir_item *q;
	size_t qhead, qlen;
	struct siosteer_sid *scan_keys;
	struct siosteer_sid_owner *scan_vals;
	double boot_to_unix_ms; /* add to learned_ns/1e6 */

	/* load */
	struct slot_view slot[SIOSTEER_MAX_SLOTS];
	struct siosteer_slot_ctl ctl[SIOSTEER_CONTROL_ENTRIES];
	__u32 table_w[SIOSTEER_MAX_SLOTS];
	bool all_drained;
	__u64 prev_selected[SIOSTEER_MAX_SLOTS], prev_learned[SIOSTEER_MAX_SLOTS];
	double prev_t;
	double started_ms;

	struct siosteer_bridge_stats st;
	char k_nodes[160], k_node[256], k_ctl[160], k_ack[160], k_ctlstate[160], k_sid[160];
	char member[160];
};

static inline bool br_up(const struct bridge *b)
{
	return b->cmd != NULL;
}

/* bridge.c */
__u64 br_now_unix_ms(void);

/* bridge_conn.c: state, failures, pipelined writes, connecting */
void br_stats_flush(struct bridge *b);
void br_set_state(struct bridge *b, __u32 state);
void br_drop_conns(struct bridge *b);
void br_failed(struct bridge *b, const char *why);
void br_io_failure(struct bridge *b, const void *reply, const char *what);
int br_pipe_drain(struct bridge *b);
void br_pipe_add(struct bridge *b, const char *fmt, ...);
void br_try_connect(struct bridge *b);

/* bridge_directory.c */
void br_flush_queue(struct bridge *b);
void br_scan_sids(struct bridge *b);

/* bridge_members.c */
int br_open_pins(struct bridge *b);
void br_read_local(struct bridge *b);
void br_heartbeat(struct bridge *b);
void br_withdraw(struct bridge *b);

/* bridge_control.c */
void br_catch_up(struct bridge *b);
void br_read_sub(struct bridge *b);

#endif
