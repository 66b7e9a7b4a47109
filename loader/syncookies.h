/* SPDX-License-Identifier: MIT */
/*
 * net.ipv4.tcp_syncookies of the current network namespace. sid steering needs 2 (a
 * cookie for every SYN, so the connection is created by the first request); the old
 * value is recorded in the pinned meta map and put back on detach, or by the next agent
 * after a crash.
 */
#ifndef SIOSTEER_SYNCOOKIES_H
#define SIOSTEER_SYNCOOKIES_H

int syncookies_get(void); /* value, or -errno */
int syncookies_set(int value); /* 0 or -errno */
int tcp_rfc1337_get(void); /* value, or -errno */
/* The first n integers of a /proc/sys file into v: 0, or -errno (-EINVAL: fewer). */
int sysctl_read_ints(const char *path, int *v, int n);

#endif
