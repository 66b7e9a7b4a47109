// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "pinned.h"
#include "log.h"

const char *siosteer_pin_root(const char *explicit_root)
{
	const char *env = getenv("SIOSTEER_PIN_ROOT");

	if (explicit_root && *explicit_root)
		return explicit_root;
	return env && *env ? env : SIOSTEER_PIN_ROOT_DEFAULT;
}

int siosteer_pin_path(char *buf, size_t len, const char *root, unsigned port, const char *obj)
{
	int n = obj ? snprintf(buf, len, "%s/%u/%s", root, port, obj) :
		      snprintf(buf, len, "%s/%u", root, port);

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
		{ &p->slots_fd, SIOSTEER_MAP_SLOTS },   { &p->tables_fd, SIOSTEER_MAP_TABLES },
		{ &p->state_fd, SIOSTEER_MAP_STATE },   { &p->counters_fd, SIOSTEER_MAP_COUNTERS },
		{ &p->owners_fd, SIOSTEER_MAP_OWNERS }, { &p->meta_fd, SIOSTEER_MAP_META },
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

void siosteer_say_not_steered(const char *root, unsigned port, int err)
{
	log_error("port %u is not steered (no pins in %s/%u): %s", port, root, port,
		  strerror(-err));
}

void siosteer_pinned_close(struct siosteer_pinned *p)
{
	int *fds[] = { &p->slots_fd,    &p->tables_fd, &p->state_fd,
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

static int sum_percpu(int fd, void *sum, size_t size)
{
	int ncpu = libbpf_num_possible_cpus(), cpu, err = 0;
	size_t i, n = size / sizeof(__u64), stride = (size + 7) & ~(size_t)7;
	__u32 zero = 0;
	char *per;

	if (ncpu < 0)
		return ncpu;
	per = calloc(ncpu, stride);
	if (!per)
		return -ENOMEM;
	memset(sum, 0, size);
	if (bpf_map_lookup_elem(fd, &zero, per)) {
		err = -errno;
		goto out;
	}
	for (cpu = 0; cpu < ncpu; cpu++) {
		const __u64 *src = (const __u64 *)(per + cpu * stride);

		for (i = 0; i < n; i++)
			((__u64 *)sum)[i] += src[i];
	}
out:
	free(per);
	return err;
}

int siosteer_pinned_sum(const char *root, unsigned port, const char *name, void *sum, size_t size)
{
	int fd = get(root, port, name), err;

	if (fd < 0)
		return fd;
	err = sum_percpu(fd, sum, size);
	close(fd);
	return err;
}

int siosteer_pinned_counters(const struct siosteer_pinned *p, struct siosteer_counters *sum)
{
	return sum_percpu(p->counters_fd, sum, sizeof(*sum));
}
