// SPDX-License-Identifier: MIT
/* Whether a SYN that reuses a TIME_WAIT 4-tuple gets a cookie here (see tw_probe.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "tw_probe.h"

/* The child's exit status: the answer, or the step that failed. */
enum { PROBE_COOKIE = 10, PROBE_NO_COOKIE = 11, PROBE_FAILED = 12 };

/* TcpExt SyncookiesSent of this namespace, or -1. /proc/net/netstat has a line of names,
 * then a line of values, per group. */
static long cookies_sent(void)
{
	char names[4096], values[4096], *n, *v, *sn, *sv;
	FILE *f = fopen("/proc/net/netstat", "r");
	long r = -1;

	if (!f)
		return -1;
	while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
		if (strncmp(names, "TcpExt:", 7))
			continue;
		n = strtok_r(names, " \n", &sn);
		v = strtok_r(values, " \n", &sv);
		while (n && v) {
			if (!strcmp(n, "SyncookiesSent"))
				r = strtol(v, NULL, 10);
			n = strtok_r(NULL, " \n", &sn);
			v = strtok_r(NULL, " \n", &sv);
		}
	}
	fclose(f);
	return r;
}

static int lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	err = ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (!err)
		err = ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
	return err;
}

static int write_sysctl(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, v, strlen(v)) == (ssize_t)strlen(v);
	close(fd);
	return ok ? 0 : -1;
}

/* A client socket bound to 127.0.0.1:port (0: any), connected to srv. fd or -1. */
static int client(const struct sockaddr_in *srv, unsigned short port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    connect(fd, (const struct sockaddr *)srv, sizeof(*srv))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int probe_child(void)
{
	struct sockaddr_in srv = { .sin_family = AF_INET }, cli;
	socklen_t len = sizeof(srv);
	struct timespec settle = { 0, 20 * 1000 * 1000 };
	int l, c, a;
	long before;
	char b;

	alarm(5);
	if (unshare(CLONE_NEWNET) || lo_up() ||
	    write_sysctl("/proc/sys/net/ipv4/tcp_syncookies", "2"))
		return PROBE_FAILED;
	srv.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&srv, sizeof(srv)) || listen(l, 8) ||
	    getsockname(l, (struct sockaddr *)&srv, &len))
		return PROBE_FAILED;
	/* First connection: the server closes first, so its socket ends in TIME_WAIT. */
	c = client(&srv, 0);
	len = sizeof(cli);
	if (c < 0 || getsockname(c, (struct sockaddr *)&cli, &len))
		return PROBE_FAILED;
	a = accept(l, NULL, NULL);
	if (a < 0)
		return PROBE_FAILED;
	close(a);
	if (read(c, &b, 1) != 0) /* the server's FIN */
		return PROBE_FAILED;
	close(c);
	nanosleep(&settle, NULL);
	/* Second connection, same 4-tuple: its SYN meets the TIME_WAIT socket. */
	before = cookies_sent();
	c = client(&srv, ntohs(cli.sin_port));
	if (before < 0 || c < 0)
		return PROBE_FAILED;
	a = accept(l, NULL, NULL);
	if (a < 0)
		return PROBE_FAILED;
	return cookies_sent() > before ? PROBE_COOKIE : PROBE_NO_COOKIE;
}

int tw_probe_route_needed(void)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(probe_child());
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	if (!WIFEXITED(st))
		return -EINTR;
	switch (WEXITSTATUS(st)) {
	case PROBE_COOKIE:
		return 0;
	case PROBE_NO_COOKIE:
		return 1;
	default:
		return -EIO;
	}
}
