/* SPDX-License-Identifier: MIT */
#ifndef SIOSTEER_MAGLEV_H
#define SIOSTEER_MAGLEV_H

#include <linux/types.h>

/*
 * Fill entry[0..size) with slot numbers (Maglev consistent hashing, Eisenbud et al.,
 * NSDI 2016). weights[s] is slot s's share (0: not in the table). size must be prime.
 * The result depends only on (size, weights), so every host and every restart builds
 * the same table from the same live slots. Returns the number of slots used; with no
 * slot of non-zero weight every entry is SIOSTEER_NO_SLOT and 0 is returned.
 */
int maglev_build(__u32 *entry, __u32 size, const __u32 *weights, __u32 nslots);

#endif
