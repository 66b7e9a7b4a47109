/* SPDX-License-Identifier: MIT */
#ifndef SIOSTEER_BPFFS_H
#define SIOSTEER_BPFFS_H

/*
 * Make sure `dir` exists on a bpf filesystem. When it lies under /sys/fs/bpf and that is
 * not mounted (common inside `ip netns exec`, which remounts /sys), mount bpffs there.
 */
int siosteer_bpffs_prepare(const char *dir);

#endif
