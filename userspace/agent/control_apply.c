// SPDX-License-Identifier: MIT
/* Drain and weights through the pinned control map (see control_apply.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "control_apply.h"
#include "log.h"
#include "pinned.h"

static const char *const op_names[] = {
	[CTL_DRAIN] = "drain", [CTL_UNDRAIN] = "undrain", [CTL_WEIGHT] = "weight"
};

const char *ctl_op_name(enum ctl_op op)
{
	return op >= CTL_DRAIN && op <= CTL_WEIGHT ? op_names[op] : "?";
}

int ctl_op_parse(const char *s)
{
	int i;

	for (i = CTL_DRAIN; i <= CTL_WEIGHT; i++)
		if (!strcmp(s, op_names[i]))
			return i;
	return -1;
}

void ctl_applier_open(struct ctl_applier *a, const char *root, unsigned port)
{
	memset(a, 0, sizeof(*a));
	a->port = port;
	learn_watch_init(&a->learn, root, port);
	a->fd = siosteer_control_open(root, port, true);
	if (a->fd < 0)
		log_warn("port %u: no control map (%s): drain and weights are unavailable", port,
			 strerror(-a->fd));
}

void ctl_applier_close(struct ctl_applier *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
}

static const char *source_name(__u32 s)
{
	return s == SIOSTEER_CTL_CLUSTER ? "cluster" : s == SIOSTEER_CTL_LOCAL ? "local" : "";
}

/* One line per entry whose state changed. */
static void log_changes(struct ctl_applier *a, const struct siosteer_slot_ctl *n)
{
	int i;

	for (i = 0; i < SIOSTEER_CONTROL_ENTRIES; i++) {
		const struct siosteer_slot_ctl *o = &a->cur[i];
		char who[32];

		if (i == SIOSTEER_CONTROL_PORT)
			snprintf(who, sizeof(who), "port %u", a->port);
		else
			snprintf(who, sizeof(who), "slot %d", i);
		if (a->have && o->drained == n[i].drained && o->weight == n[i].weight)
			continue;
		if (!a->have && !n[i].drained && n[i].weight <= 1)
			continue;
		if (!a->have || o->drained != n[i].drained)
			log_info("%s: %s (%s command)", who,
				 n[i].drained ? "drained: no new sessions" : "undrained",
				 source_name(n[i].source));
		if ((!a->have && n[i].weight > 1) || (a->have && o->weight != n[i].weight))
			log_info("%s: weight %u (%s command)", who, n[i].weight ? n[i].weight : 1,
				 source_name(n[i].source));
	}
}

enum ctl_weights_state ctl_weights(const struct siosteer_slot_ctl *ctl, const bool *live,
				   __u32 *weights)
{
	__u32 slot;

	if (siosteer_control_weights(ctl, live, weights))
		return CTL_WEIGHTS_OK;
	for (slot = 0; slot < SIOSTEER_MAX_SLOTS; slot++)
		if (live[slot])
			return CTL_ALL_DRAINED;
	return CTL_NONE_LIVE;
}

/* Once per change of state: why the table is not what the control state asks for. */
static void log_state(struct ctl_applier *a, enum ctl_weights_state st)
{
	if (st == a->state)
		return;
	if (st == CTL_ALL_DRAINED)
		log_warn("port %u: every live slot is drained; siosteer cannot refuse the "
			 "connections that reach this node, so new sessions still go to all of "
			 "them (take the node out of your load balancer)",
			 a->port);
	else if (st == CTL_NONE_LIVE)
		log_warn("port %u: no slot is live (every worker is gone): nothing to steer "
			 "to until a worker listens again",
			 a->port);
	else if (a->state == CTL_NONE_LIVE)
		log_info("port %u: a slot is live again: steering resumed", a->port);
	a->state = st;
}

const __u32 *ctl_applier_weights(struct ctl_applier *a, struct siosteer *s)
{
	struct siosteer_slot_ctl n[SIOSTEER_CONTROL_ENTRIES];
	bool live[SIOSTEER_MAX_SLOTS];
	__u64 cookie;
	__u32 slot;

	if (a->fd < 0)
		return NULL;
	if (siosteer_control_read(a->fd, n)) {
		if (!a->have)
			return NULL;
		memcpy(n, a->cur, sizeof(n)); /* keep the last state we read */
	}
	log_changes(a, n);
	memcpy(a->cur, n, sizeof(n));
	a->have = true;
	for (slot = 0; slot < SIOSTEER_MAX_SLOTS; slot++)
		live[slot] = siosteer_slot_cookie(s, slot, &cookie) == 0;
	log_state(a, ctl_weights(n, live, a->w));
	return a->w;
}

int ctl_applier_sync(struct ctl_applier *a, struct siosteer *s, bool force, __u32 *moved)
{
	const __u32 *w = ctl_applier_weights(a, s);
	int gen;

	learn_watch_tick(&a->learn);
	siosteer_cookie_tick(s);
	*moved = 0;
	if (!force && w && a->applied_set && a->gen > 0 && !memcmp(w, a->applied, sizeof(a->w)))
		return a->gen;
	gen = siosteer_table_sync(s, w, moved);
	if (gen < 0)
		return gen;
	if (w) {
		memcpy(a->applied, w, sizeof(a->applied));
		a->applied_set = true;
	}
	a->gen = gen;
	return gen;
}

int ctl_apply_change(int fd, const struct ctl_change *c)
{
	struct siosteer_slot_ctl all[SIOSTEER_CONTROL_ENTRIES], e;
	__u32 idx = c->slot < 0 ? SIOSTEER_CONTROL_PORT : (__u32)c->slot;
	int err;

	if (idx >= SIOSTEER_CONTROL_ENTRIES || (c->op == CTL_WEIGHT && c->slot < 0))
		return -ERANGE;
	err = siosteer_control_read(fd, all);
	if (err)
		return err;
	e = all[idx];
	/* Catching up: a command older than the entry's last change is history. */
	if (c->only_if_newer && e.changed_ns >= c->ts_ns)
		return 0;
	switch (c->op) {
	case CTL_DRAIN:
		if (e.drained)
			return 0;
		e.drained = 1;
		break;
	case CTL_UNDRAIN:
		if (!e.drained)
			return 0;
		e.drained = 0;
		break;
	case CTL_WEIGHT:
		if ((e.weight ? e.weight : 1) == c->weight)
			return 0;
		e.weight = c->weight;
		break;
	default:
		return -EINVAL;
	}
	e.changed_ns = c->ts_ns;
	e.source = c->source;
	err = siosteer_control_write(fd, idx, &e);
	return err ? err : 1;
}

const char *ctl_describe(const struct ctl_change *c, char *buf, size_t len)
{
	char who[24];

	if (c->slot < 0)
		snprintf(who, sizeof(who), "port");
	else
		snprintf(who, sizeof(who), "slot %d", c->slot);
	if (c->op == CTL_WEIGHT)
		snprintf(buf, len, "%s weight %u", who, c->weight);
	else
		snprintf(buf, len, "%s %s", who, c->op == CTL_DRAIN ? "drained" : "undrained");
	return buf;
}

/* What the control state asks for, from the pins: expected weights. */
static int expected(const struct siosteer_pinned *p, int ctl_fd, __u32 *w, bool *all_drained)
{
	struct siosteer_slot_ctl ctl[SIOSTEER_CONTROL_ENTRIES];
	bool live[SIOSTEER_MAX_SLOTS];
	__u64 cookie;
	__u32 slot;
	int err = siosteer_control_read(ctl_fd, ctl);

	if (err)
		return err;
	for (slot = 0; slot < SIOSTEER_MAX_SLOTS; slot++)
		live[slot] = siosteer_sockarray_cookie(p->slots_fd, slot, &cookie) == 0;
	*all_drained = ctl_weights(ctl, live, w) == CTL_ALL_DRAINED;
	return 0;
}

/* The port's pins and its control map (fd), both open, or -errno with neither. */
static int open_pins_and_control(const char *root, unsigned port, struct siosteer_pinned *p)
{
	int err = siosteer_pinned_open(root, port, p), fd;

	if (err)
		return err;
	fd = siosteer_control_open(root, port, false);
	if (fd < 0)
		siosteer_pinned_close(p);
	return fd;
}

int ctl_wait_applied(const char *root, unsigned port, double timeout_s, bool *all_drained)
{
	__u32 want[SIOSTEER_MAX_SLOTS], have[SIOSTEER_MAX_SLOTS], gen = 0;
	double deadline = mono_s() + timeout_s;
	struct siosteer_pinned p;
	int fd, err;

	fd = open_pins_and_control(root, port, &p);
	if (fd < 0)
		return fd;
	for (;;) {
		err = expected(&p, fd, want, all_drained);
		if (!err)
			err = siosteer_pinned_table_weights(&p, have, &gen);
		if (err)
			break;
		if (!memcmp(want, have, sizeof(want))) {
			err = (int)gen;
			break;
		}
		if (mono_s() >= deadline) {
			err = -ETIMEDOUT;
			break;
		}
		usleep(20000);
	}
	close(fd);
	siosteer_pinned_close(&p);
	return err;
}

int ctl_apply_without_agent(const char *root, unsigned port, bool *all_drained, __u32 *moved)
{
	__u32 w[SIOSTEER_MAX_SLOTS];
	struct siosteer_pinned p;
	int fd, err;

	fd = open_pins_and_control(root, port, &p);
	if (fd < 0)
		return fd;
	err = expected(&p, fd, w, all_drained);
	if (!err)
		err = siosteer_pinned_table_sync(&p, w, moved);
	close(fd);
	siosteer_pinned_close(&p);
	return err;
}
