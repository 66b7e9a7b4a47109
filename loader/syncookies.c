// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>

#include "syncookies.h"

int sysctl_read_ints(const char *path, int *v, int n)
{
	FILE *f = fopen(path, "r");
	int got = 0;

	if (!f)
		return -errno;
	while (got < n && fscanf(f, "%d", &v[got]) == 1)
		got++;
	fclose(f);
	return got == n ? 0 : -EINVAL;
}

static int read_int(const char *path)
{
	int v, err = sysctl_read_ints(path, &v, 1);

	return err ? err : v;
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
