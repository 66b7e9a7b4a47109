/* SPDX-License-Identifier: MIT */
/*
 * Drain and weights: the pinned control map (loader/control.h) is the one place where
 * they live. `siosteer drain|undrain|weight` writes it (directly, or through Redis and
 * an agent's bridge thread); the agent's own loop reads it and feeds the weights to
 * siosteer_table_sync. Nothing else changes the table, so there is one writer of it.
 */
#ifndef SIOSTEER_CONTROL_APPLY_H
#define SIOSTEER_CONTROL_APPLY_H

#include <stdbool.h>
#include "loader.h"
#include "control.h"
#include "learn_watch.h"

/* How often the agent looks at the control map (well inside the 1 s promise). */
#define CTL_POLL_MS 200

/* What siosteer_control_weights gave, told apart by why no slot has a weight. */
enum ctl_weights_state {
	CTL_WEIGHTS_OK = 0,
	CTL_ALL_DRAINED, /* live slots, every one drained: they keep their weights */
	CTL_NONE_LIVE, /* no slot holds a socket: nothing to steer to */
};

/* siosteer_control_weights, and which case it is. */
enum ctl_weights_state ctl_weights(const struct siosteer_slot_ctl *ctl, const bool *live,
				   __u32 *weights);

struct ctl_applier {
	int fd; /* the control map, -1 if it could not be created */
	unsigned port;
	bool have;
	enum ctl_weights_state state; /* of the last read; each change to a state
					 * other than OK is logged once */
	struct siosteer_slot_ctl cur[SIOSTEER_CONTROL_ENTRIES];
	__u32 w[SIOSTEER_MAX_SLOTS];
	__u32 applied[SIOSTEER_MAX_SLOTS]; /* weights of the last sync */
	bool applied_set;
	int gen;
	/* The agent's loops call ctl_applier_sync every CTL_POLL_MS: it also runs this
	 * periodic check (sid mode: requests without a sid but no session learned). */
	struct learn_watch learn;
};

/* Open (create) the port's control map; failure only means no drain/weights (logged). */
void ctl_applier_open(struct ctl_applier *a, const char *root, unsigned port);
void ctl_applier_close(struct ctl_applier *a);
/* The weights siosteer_table_sync should use now (NULL: no control map, all 1). Logs
 * each change of the control state once. */
const __u32 *ctl_applier_weights(struct ctl_applier *a, struct siosteer *s);

enum ctl_op { CTL_DRAIN = 1, CTL_UNDRAIN, CTL_WEIGHT };

struct ctl_change {
	enum ctl_op op;
	int slot; /* -1: the whole port (node) */
	unsigned weight; /* CTL_WEIGHT: 1..SIOSTEER_WEIGHT_MAX */
	__u64 ts_ns; /* CLOCK_REALTIME when it was asked for */
	enum siosteer_ctl_source source;
	bool only_if_newer; /* skip if the entry changed at or after ts_ns (catch-up) */
};

/* Make the table match the control state and the live slots (siosteer_table_sync), and
 * run the agent's periodic checks (learn_watch_tick).
 * Without `force` the table is only rebuilt when the weights changed (cheap to call every
 * CTL_POLL_MS). Returns the generation or -errno; *moved as siosteer_table_sync. */
int ctl_applier_sync(struct ctl_applier *a, struct siosteer *s, bool force, __u32 *moved);

/* Write a change into the control map. 1: changed, 0: nothing to do (already so, or an
 * older command than the entry's last change), -errno. */
int ctl_apply_change(int fd, const struct ctl_change *c);
/* "slot 2 drained", "port drained", "slot 1 weight 3" */
const char *ctl_describe(const struct ctl_change *c, char *buf, size_t len);
const char *ctl_op_name(enum ctl_op op);
int ctl_op_parse(const char *s);

/*
 * Wait up to timeout_s until the port's active table has the weights its control state
 * asks for. Returns the table generation, or -ETIMEDOUT / -errno. *all_drained: there
 * are live slots and every one is drained, so the weights were kept (see
 * siosteer_control_weights); false when no slot is live.
 */
int ctl_wait_applied(const char *root, unsigned port, double timeout_s, bool *all_drained);
/* With no agent running: rebuild the table from the pins. Generation or -errno. */
int ctl_apply_without_agent(const char *root, unsigned port, bool *all_drained, __u32 *moved);

#endif
