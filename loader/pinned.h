/* SPDX-License-Identifier: MIT */
/*
 * Read-only access to a port's pinned maps, with no program loaded and no agent running:
 * what `status` uses, and what the loader uses to adopt earlier state.
 */
#ifndef SIOSTEER_PINNED_H
#define SIOSTEER_PINNED_H

#include <stdbool.h>
#include "siosteer.h"

struct siosteer_pinned {
	int slots_fd, tables_fd, state_fd, counters_fd, owners_fd, meta_fd;
};

/* The pin root in effect: explicit, else $SIOSTEER_PIN_ROOT, else the default. */
const char *siosteer_pin_root(const char *explicit_root);
/* "<root>/<port>" into buf. */
int siosteer_pin_path(char *buf, size_t len, const char *root, unsigned port, const char *obj);

int siosteer_pinned_open(const char *root, unsigned port, struct siosteer_pinned *p);
/* The one line every command prints when a port has no pins (err from the open). */
void siosteer_say_not_steered(const char *root, unsigned port, int err);
void siosteer_pinned_close(struct siosteer_pinned *p);

int siosteer_pinned_meta(const struct siosteer_pinned *p, struct siosteer_meta *m);
int siosteer_pinned_state(const struct siosteer_pinned *p, struct siosteer_state *st);
int siosteer_pinned_owner(const struct siosteer_pinned *p, __u32 slot, struct siosteer_owner *o);
/* Sum the per-CPU counters. */
int siosteer_pinned_counters(const struct siosteer_pinned *p, struct siosteer_counters *sum);
/* Sum a pinned per-CPU array map of __u64 counters (<pin dir>/<name>) into sum (size
 * bytes). -ENOENT when the map is not pinned (e.g. no sid steering). */
int siosteer_pinned_sum(const char *root, unsigned port, const char *name, void *sum, size_t size);
/* Socket cookie in a slot, -ENOENT when empty. */
int siosteer_sockarray_cookie(int slots_fd, __u32 slot, __u64 *cookie);

#endif
