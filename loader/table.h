/* SPDX-License-Identifier: MIT */
/*
 * The table builder behind siosteer_table_sync (an agent's handle) and
 * siosteer_pinned_table_sync (the pins, no agent): it needs only the port's slots,
 * tables and state maps. Same semantics as siosteer_table_sync (loader.h).
 */
#ifndef SIOSTEER_LOADER_TABLE_H
#define SIOSTEER_LOADER_TABLE_H

#include "siosteer.h"

int loader_table_sync(int slots_fd, int tables_fd, int state_fd, const __u32 *weights,
		      __u32 *moved);

#endif
