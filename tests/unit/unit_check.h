/* SPDX-License-Identifier: MIT */
/*
 * What the C tests share: counting checks (a test ends with "NAME: N passed, N failed"
 * from passed/failed), and, for those that run in a network namespace of their own,
 * bringing its loopback up and opening an SO_REUSEPORT listener on 127.0.0.1.
 * Header-only: each test is one .c file.
 */
#ifndef SIOSTEER_UNIT_CHECK_H
#define SIOSTEER_UNIT_CHECK_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

static int passed, failed;

/* Count one check; print "FAIL what: details" when it fails. */
static void check(bool ok, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), unused));
static void check(bool ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL %s: ", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* A fresh network namespace starts with lo down. 0 or -1. */
static __attribute__((unused)) int lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err;

	strcpy(ifr.ifr_name, "lo");
	err = ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (!err)
		err = ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
	return err;
}

/* An SO_REUSEPORT listener on 127.0.0.1:port, or -1. */
static __attribute__((unused)) int reuseport_listener(unsigned short port, int backlog)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, backlog))
		return -1;
	return fd;
}

#endif
