// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pinned.h"

const char *siosteer_pin_root(const char *explicit_root)
{
	const char *env = getenv("SIOSTEER_PIN_ROOT");

	if (explicit_root && *explicit_root)
		return explicit_root;
	return env && *env ? env : SIOSTEER_PIN_ROOT_DEFAULT;
}

int siosteer_pin_path(char *buf, size_t len, const char *root, unsigned port, const char *obj)
{
	int n = obj ? snprintf(buf, len, "%s/%u/%s", root, port, obj)
		    : snprintf(buf, len, "%s/%u", root, port);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int get(const char *root, unsigned port, const char *name)
{
	char path[256];
	int fd;

	if (siosteer_pin_path(path, sizeof(path), root, port, name))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

int siosteer_pinned_open(const char *root, unsigned port, struct siosteer_pinned *p)
{
	struct {
		int *fd;
		const char *name;
	} want[] = {
		{ &p->slots_fd, SIOSTEER_MAP_SLOTS },	    { &p->tables_fd, SIOSTEER_MAP_TABLES },
		{ &p->state_fd, SIOSTEER_MAP_STATE },	    { &p->counters_fd, SIOSTEER_MAP_COUNTERS },
		{ &p->owners_fd, SIOSTEER_MAP_OWNERS },	    { &p->meta_fd, SIOSTEER_MAP_META },
	};
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		*want[i].fd = -1;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int fd = get(root, port, want[i].name);

		if (fd < 0) {
			siosteer_pinned_close(p);
			return fd;
		}
		*want[i].fd = fd;
	}
	return 0;
}

void siosteer_pinned_close(struct siosteer_pinned *p)
{
	int *fds[] = { &p->slots_fd, &p->tables_fd, &p->state_fd,
		       &p->counters_fd, &p->owners_fd, &p->meta_fd };
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

static int lookup0(int fd, void *val)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(fd, &zero, val) ? -errno : 0;
}

int siosteer_pinned_meta(const struct siosteer_pinned *p, struct siosteer_meta *m)
{
	return lookup0(p->meta_fd, m);
}

int siosteer_pinned_state(const struct siosteer_pinned *p, struct siosteer_state *st)
{
	return lookup0(p->state_fd, st);
}

int siosteer_pinned_owner(const struct siosteer_pinned *p, __u32 slot, struct siosteer_owner *o)
{
	return bpf_map_lookup_elem(p->owners_fd, &slot, o) ? -errno : 0;
}

int siosteer_sockarray_cookie(int slots_fd, __u32 slot, __u64 *cookie)
{
	/* A REUSEPORT_SOCKARRAY with 8-byte values answers lookups with the socket cookie. */
	return bpf_map_lookup_elem(slots_fd, &slot, cookie) ? -errno : 0;
}

int siosteer_pinned_counters(const struct siosteer_pinned *p, struct siosteer_counters *sum)
{
	int ncpu = libbpf_num_possible_cpus(), cpu, err = 0;
	struct siosteer_counters *per;
	__u32 zero = 0;
	size_t i, n = sizeof(*sum) / sizeof(__u64);

	if (ncpu < 0)
		return ncpu;
	per = calloc(ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(p->counters_fd, &zero, per)) {
		err = -errno;
		goto out;
	}
	for (cpu = 0; cpu < ncpu; cpu++) {
		const __u64 *src = (const __u64 *)&per[cpu];
		__u64 *dst = (__u64 *)sum;

		for (i = 0; i < n; i++)
			dst[i] += src[i];
	}
out:
	free(per);
	return err;
}
