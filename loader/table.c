// SPDX-License-Identifier: MIT
/* Build a port's Maglev table from the live slots and weights, and swap it in (table.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "maglev.h"
#include "pinned.h"
#include "table.h"

int loader_table_sync(int slots_fd, int tables_fd, int state_fd, const __u32 *weights, __u32 *moved)
{
	__u32 w[SIOSTEER_MAX_SLOTS], slot, zero = 0, next;
	struct siosteer_state st;
	struct siosteer_table *t;
	__u32 *old_entry = NULL, i;
	__u64 cookie;
	int err;

	*moved = 0;
	for (slot = 0; slot < SIOSTEER_MAX_SLOTS; slot++) {
		bool live = siosteer_sockarray_cookie(slots_fd, slot, &cookie) == 0;

		w[slot] = live ? (weights ? weights[slot] : 1) : 0;
	}
	if (bpf_map_lookup_elem(state_fd, &zero, &st))
		return -errno;
	t = malloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	next = st.active & 1;
	if (bpf_map_lookup_elem(tables_fd, &next, t)) {
		err = -errno;
		goto out;
	}
	if (st.generation && t->generation == st.generation && !memcmp(t->weight, w, sizeof(w))) {
		err = (int)st.generation;
		goto out;
	}

	old_entry = malloc(sizeof(t->entry));
	if (!old_entry) {
		err = -ENOMEM;
		goto out;
	}
	memcpy(old_entry, t->entry, sizeof(t->entry));
	memset(t, 0, sizeof(*t));
	memcpy(t->weight, w, sizeof(w));
	for (slot = 0; slot < SIOSTEER_MAX_SLOTS; slot++)
		if (w[slot])
			t->live[t->nlive++] = slot;
	for (slot = t->nlive; slot < SIOSTEER_MAX_SLOTS; slot++)
		t->live[slot] = SIOSTEER_NO_SLOT;
	if (maglev_build(t->entry, SIOSTEER_MAGLEV_SIZE, w, SIOSTEER_MAX_SLOTS) < 0) {
		err = -ENOMEM;
		goto out;
	}
	t->generation = st.generation + 1;
	/* Fill the inactive table, then flip: a program run sees one whole table. */
	next = (st.active & 1) ^ 1;
	if (bpf_map_update_elem(tables_fd, &next, t, BPF_ANY)) {
		err = -errno;
		goto out;
	}
	st.active = next;
	st.generation = t->generation;
	if (bpf_map_update_elem(state_fd, &zero, &st, BPF_ANY)) {
		err = -errno;
		goto out;
	}
	/* The first table moves nobody: nothing was steered before it. */
	for (i = 0; st.generation > 1 && i < SIOSTEER_MAGLEV_SIZE; i++)
		*moved += old_entry[i] != t->entry[i];
	err = (int)st.generation;
out:
	free(old_entry);
	free(t);
	return err;
}
