// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/tcp.h>

#include "listeners.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#define TCP_LISTEN_STATE 10

static int dump_family(int nl, int family, __u16 port, struct listener *out, int n, int max)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg = { 0 };
	char buf[16384];

	msg.nlh.nlmsg_len = sizeof(msg);
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	msg.req.sdiag_family = family;
	msg.req.sdiag_protocol = IPPROTO_TCP;
	msg.req.idiag_states = 1u << TCP_LISTEN_STATE;
	if (send(nl, &msg, sizeof(msg), 0) < 0)
		return -errno;
	for (;;) {
		ssize_t len = recv(nl, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (len < 0)
			return -errno;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			struct inet_diag_msg *d = NLMSG_DATA(h);

			if (h->nlmsg_type == NLMSG_DONE)
				return n;
			if (h->nlmsg_type == NLMSG_ERROR)
				return -EPROTO;
			if (ntohs(d->id.idiag_sport) != port || n >= max)
				continue;
			memset(&out[n], 0, sizeof(out[n]));
			out[n].family = d->idiag_family;
			memcpy(out[n].addr, d->id.idiag_src, sizeof(out[n].addr));
			out[n].inode = d->idiag_inode;
			out[n].cookie = (__u64)d->id.idiag_cookie[0] | (__u64)d->id.idiag_cookie[1]
									       << 32;
			n++;
		}
	}
}

int listeners_find(__u16 port, struct listener *out, int max)
{
	int nl, n;

	nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl < 0)
		return -errno;
	n = dump_family(nl, AF_INET, port, out, 0, max);
	if (n >= 0)
		n = dump_family(nl, AF_INET6, port, out, n, max);
	close(nl);
	return n;
}

/* Compare "socket:[inode]" links of every process's fds with the listeners we look for. */
void listeners_find_owners(struct listener *l, int n)
{
	DIR *proc = opendir("/proc");
	struct dirent *p;
	int i, missing = 0;

	for (i = 0; i < n; i++)
		missing += l[i].pid == 0;
	if (!proc || !missing) {
		if (proc)
			closedir(proc);
		return;
	}
	while ((p = readdir(proc))) {
		char path[600], link[64];
		struct dirent *f;
		DIR *fds;
		pid_t pid;

		if (!isdigit((unsigned char)p->d_name[0]))
			continue;
		pid = atoi(p->d_name);
		if (pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((f = readdir(fds))) {
			unsigned long ino;
			ssize_t len;

			if (!isdigit((unsigned char)f->d_name[0]))
				continue;
			snprintf(path, sizeof(path), "/proc/%s/fd/%s", p->d_name, f->d_name);
			len = readlink(path, link, sizeof(link) - 1);
			if (len <= 0)
				continue;
			link[len] = '\0';
			if (sscanf(link, "socket:[%lu]", &ino) != 1)
				continue;
			for (i = 0; i < n; i++) {
				/* Lowest pid wins: the parent of forked workers that share a socket. */
				if (l[i].inode == ino && (!l[i].pid || pid < l[i].pid)) {
					l[i].pid = pid;
					l[i].fd = atoi(f->d_name);
				}
			}
		}
		closedir(fds);
	}
	closedir(proc);
}

int listener_take(const struct listener *l)
{
	int pidfd, fd;

	pidfd = (int)syscall(SYS_pidfd_open, l->pid, 0);
	if (pidfd < 0)
		return -errno;
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, l->fd, 0);
	if (fd < 0)
		fd = -errno;
	close(pidfd);
	return fd;
}

bool socket_has_reuseport(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);

	return !getsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &v, &len) && v;
}

const char *describe_pid(pid_t pid, char *buf, size_t len)
{
	char path[64], comm[32] = "?";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "r");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	snprintf(buf, len, "pid %d (%s)", pid, comm);
	return buf;
}
