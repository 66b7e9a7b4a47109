// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>

#include "syncookies.h"

static int read_int(const char *path)
{
	FILE *f = fopen(path, "r");
	int v, n;

	if (!f)
		return -errno;
	n = fscanf(f, "%d", &v);
	fclose(f);
	return n == 1 ? v : -EINVAL;
}

int syncookies_get(void)
{
	return read_int("/proc/sys/net/ipv4/tcp_syncookies");
}

int tcp_rfc1337_get(void)
{
	return read_int("/proc/sys/net/ipv4/tcp_rfc1337");
}

int syncookies_set(int value)
{
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_syncookies", "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fprintf(f, "%d\n", value) < 0)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}
