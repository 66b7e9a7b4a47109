// SPDX-License-Identifier: MIT
/* Requests without a sid but no session learned: warn once per episode (learn_watch.h). */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "learn_watch.h"
#include "log.h"
#include "pinned.h"
#include "repair.h"

void learn_watch_init(struct learn_watch *w, const char *root, unsigned port)
{
	memset(w, 0, sizeof(*w));
	w->root = root;
	w->port = port;
}

/* Whether the port steers by sid (and on which interface), from its pinned meta. */
static int sid_mode(struct learn_watch *w)
{
	struct siosteer_pinned p;
	struct siosteer_meta m;
	int err = siosteer_pinned_open(w->root, w->port, &p);

	if (err)
		return 0; /* not pinned yet: look again later */
	err = siosteer_pinned_meta(&p, &m);
	siosteer_pinned_close(&p);
	if (err)
		return 0;
	snprintf(w->ifname, sizeof(w->ifname), "%.15s", m.ifname);
	return m.key == SIOSTEER_KEY_SID ? 1 : -1;
}

/* Requests without a sid and sessions learned so far. */
static int read_counts(struct learn_watch *w, __u64 *req, __u64 *learned)
{
	struct siosteer_repair_counters rc = { 0 };
	struct siosteer_learn_counters lc;
	struct siosteer_counters c;
	struct siosteer_pinned p;
	int err = siosteer_pinned_open(w->root, w->port, &p);

	if (err)
		return err;
	err = siosteer_pinned_counters(&p, &c);
	siosteer_pinned_close(&p);
	if (!err)
		err = siosteer_pinned_sum(w->root, w->port, SIOSTEER_MAP_LEARN_COUNTERS, &lc,
					  sizeof(lc));
	if (err)
		return err;
	/* Older pins may have no repair program: its requests are then 0. */
	siosteer_pinned_sum(w->root, w->port, SIOSTEER_MAP_REPAIR_COUNTERS, &rc, sizeof(rc));
	*req = c.handshake + rc.new_session;
	*learned = lc.learned;
	return 0;
}

static void warn_unlearned(const struct learn_watch *w, __u64 n, double secs)
{
	log_warn("port %u: %llu requests without a sid in %.0f s, and no session learned: "
		 "sessions do not stick to a worker (they use the address key). If these are "
		 "Socket.IO handshakes, the workers' answers are not engine.io handshake "
		 "answers the learner recognises (compressed, TLS, another protocol), or they "
		 "leave by another interface than %s, or the learner is not attached there "
		 "(tc filter show dev %s egress)",
		 w->port, (unsigned long long)n, secs, w->ifname, w->ifname);
}

void learn_watch_tick(struct learn_watch *w)
{
	double t = mono_s();
	__u64 req, learned;

	if (w->state < 0 || t < w->next)
		return;
	w->next = t + 1.0;
	if (!w->state && !(w->state = sid_mode(w)))
		return;
	if (w->state < 0 || read_counts(w, &req, &learned))
		return;
	if (!w->started || learned != w->learned0 || req < w->req0) {
		if (w->warned)
			log_info("port %u: the learner learns sessions again (%llu so far)",
				 w->port, (unsigned long long)learned);
		w->started = true;
		w->warned = false;
		w->req0 = req;
		w->learned0 = learned;
		w->first_req = 0;
		return;
	}
	if (req == w->req0 || w->warned)
		return;
	if (!w->first_req)
		w->first_req = t;
	if (req - w->req0 >= LW_MIN_REQUESTS && t - w->first_req >= LW_WINDOW_S) {
		warn_unlearned(w, req - w->req0, t - w->first_req);
		w->warned = true;
	}
}
