/* SPDX-License-Identifier: MIT */
/*
 * sid mode: notice when requests without a sid keep coming and the learner learns no
 * session (status: `handshake 300`, `learned 0`). Every session then falls back to the
 * address key, which nobody would guess from the logs. The agent looks at the pinned
 * counters about once a second, from its loop, and warns once per such episode:
 *   - requests without a sid: the selector's `handshake` plus the repair program's
 *     `new_session` (the same requests on kept-alive connections);
 *   - sessions learned: the learner's `learned`.
 * An episode: at least LW_MIN_REQUESTS such requests over at least LW_WINDOW_S seconds
 * with `learned` standing still. It ends (one line says so) when `learned` moves again.
 */
#ifndef SIOSTEER_LEARN_WATCH_H
#define SIOSTEER_LEARN_WATCH_H

#include <stdbool.h>
#include <linux/types.h>

#define LW_MIN_REQUESTS 50
#define LW_WINDOW_S     10.0

struct learn_watch {
	const char *root;
	unsigned port;
	int state; /* 0: not looked yet, 1: sid mode, watching, -1: off */
	char ifname[16];
	double next; /* when to read the counters next */
	bool started;
	__u64 req0, learned0; /* at the start of the episode (the last time learned moved) */
	double first_req; /* when requests came with learned standing still; 0: none yet */
	bool warned;
};

/* Nothing is read yet: the first tick looks whether the port is in sid mode. */
void learn_watch_init(struct learn_watch *w, const char *root, unsigned port);
/* Call often (every loop turn): reads the counters at most once a second. */
void learn_watch_tick(struct learn_watch *w);

#endif
