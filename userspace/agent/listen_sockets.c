// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "listen_sockets.h"
#include "listeners.h"
#include "log.h"

static int port_is_free(unsigned port)
{
	struct listener l[8];
	char who[64];
	int n = listeners_find((__u16)port, l, 8);

	if (n <= 0)
		return 0;
	listeners_find_owners(l, n);
	if (l[0].pid)
		describe_pid(l[0].pid, who, sizeof(who));
	else
		snprintf(who, sizeof(who), "a process siosteer cannot see");
	log_error("port %u is already listened on by %s; for workers that bind the port "
		  "themselves use 'siosteer attach'",
		  port, who);
	return -EADDRINUSE;
}

int listen_sockets(const char *addr, unsigned port, int n, int *fds)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in6 *a6 = (void *)&ss;
	struct sockaddr_in *a4 = (void *)&ss;
	int i, one = 1, zero = 0, family, err;
	socklen_t len;

	if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		family = AF_INET6;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		len = sizeof(*a6);
	} else if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		family = AF_INET;
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		len = sizeof(*a4);
	} else {
		log_error("--bind: '%s' is not an IPv4 or IPv6 address", addr);
		return -EINVAL;
	}
	err = port_is_free(port);
	if (err)
		return err;
	for (i = 0; i < n; i++)
		fds[i] = -1;
	for (i = 0; i < n; i++) {
		fds[i] = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fds[i] < 0)
			goto fail;
		if (setsockopt(fds[i], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
		    setsockopt(fds[i], SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)))
			goto fail;
		if (family == AF_INET6 &&
		    setsockopt(fds[i], IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)))
			goto fail;
		if (bind(fds[i], (struct sockaddr *)&ss, len) || listen(fds[i], SOMAXCONN))
			goto fail;
	}
	return 0;
fail:
	err = -errno;
	log_error("listen on [%s]:%u: %s", addr, port, strerror(errno));
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return err;
}
