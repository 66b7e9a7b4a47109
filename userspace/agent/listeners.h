/* SPDX-License-Identifier: MIT */
/*
 * Finding the listening sockets of a port and the processes that hold them, for workers
 * started by someone else (pm2, systemd, containers): sock_diag lists the sockets of this
 * network namespace, /proc maps socket inodes to (pid, fd), pidfd_getfd takes a copy.
 */
#ifndef SIOSTEER_LISTENERS_H
#define SIOSTEER_LISTENERS_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>

struct listener {
	int family; /* AF_INET or AF_INET6 */
	__u32 addr[4]; /* bound address, network order (IPv4 in addr[0]) */
	__u32 inode;
	__u64 cookie;
	pid_t pid; /* a process holding it (lowest pid), 0 if none found */
	int fd; /* its fd number in that process */
};

/* TCP listeners on `port` in this netns. Returns the count (<= max) or -errno. */
int listeners_find(__u16 port, struct listener *out, int max);
/* Fill pid/fd of each listener by scanning /proc (only for those with pid == 0). */
void listeners_find_owners(struct listener *l, int n);
/* Take a duplicate of the socket from its owner. Returns an fd or -errno. */
int listener_take(const struct listener *l);
/* True if the socket has SO_REUSEPORT set. */
bool socket_has_reuseport(int fd);
/* "pid 123 (node)" for messages. */
const char *describe_pid(pid_t pid, char *buf, size_t len);

#endif
