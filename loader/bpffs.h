/* SPDX-License-Identifier: MIT */
#ifndef SIOSTEER_BPFFS_H
#define SIOSTEER_BPFFS_H

/*
 * Make sure `dir` exists on a bpf filesystem. When it lies under /sys/fs/bpf and that is
 * not mounted (common inside `ip netns exec`, which remounts /sys), mount bpffs there.
 */
int siosteer_bpffs_prepare(const char *dir);

/*
 * After the last pin of a port is gone: remove the `xdp` directory libxdp made in the pin
 * root (siosteer points LIBXDP_BPFFS there when the root is not the default), if it is
 * empty and no libxdp user holds its lock. libxdp keeps dispatcher pins there: a
 * directory that has any, or that is not ours (the default root's libxdp directory is
 * /sys/fs/bpf/xdp, shared), is left alone.
 */
void siosteer_bpffs_remove_libxdp_dir(const char *root);

#endif
