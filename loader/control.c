// SPDX-License-Identifier: MIT
/* The control and bridge maps of a port (see control.h). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "control.h"
#include "pinned.h"
#include "table.h"

/* A field of a map value, for its BTF. */
struct field {
	const char *name;
	int kind; /* 4, 8: __u32/__u64; > 8: char[kind] */
	size_t off;
};

#define MAX_FIELDS 32

/* Create an array map whose value type is described by `f` (so bpftool prints names). */
static int create_map(const char *name, const char *type_name, size_t value_size, __u32 entries,
		      const struct field *f, int nf)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	int u32, u64, chr, st, i, fd, err, arr[MAX_FIELDS] = { 0 };
	struct btf *btf = btf__new_empty();

	if (!btf)
		return -ENOMEM;
	u32 = btf__add_int(btf, "__u32", 4, 0);
	u64 = btf__add_int(btf, "__u64", 8, 0);
	chr = btf__add_int(btf, "char", 1, BTF_INT_CHAR);
	/* A struct's members must follow it directly: add the array types first. */
	for (i = 0; i < nf && i < MAX_FIELDS; i++)
		if (f[i].kind > 8)
			arr[i] = btf__add_array(btf, u32, chr, (__u32)f[i].kind);
	st = btf__add_struct(btf, type_name, (__u32)value_size);
	for (i = 0; st > 0 && i < nf && i < MAX_FIELDS; i++) {
		int t = f[i].kind == 4 ? u32 : f[i].kind == 8 ? u64 : arr[i];

		if (btf__add_field(btf, f[i].name, t, (__u32)(f[i].off * 8), 0))
			st = -EINVAL;
	}
	err = st < 0 ? st : btf__load_into_kernel(btf);
	if (!err) {
		opts.btf_fd = btf__fd(btf);
		opts.btf_key_type_id = (__u32)u32;
		opts.btf_value_type_id = (__u32)st;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, 4, (__u32)value_size, entries, &opts);
	if (fd < 0 && !err) {
		/* The kernel refused the BTF: the map works without it. */
		LIBBPF_OPTS(bpf_map_create_opts, plain);

		fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, 4, (__u32)value_size, entries,
				    &plain);
	}
	if (fd < 0)
		fd = -errno;
	btf__free(btf);
	return fd;
}

static int open_or_create(const char *root, unsigned port, const char *obj, bool create,
			  const char *map_name, const char *type_name, size_t value_size,
			  __u32 entries, const struct field *f, int nf)
{
	char path[512], dir[512];
	int fd, err;

	if (siosteer_pin_path(path, sizeof(path), root, port, obj) ||
	    siosteer_pin_path(dir, sizeof(dir), root, port, NULL))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd >= 0 || !create || errno != ENOENT)
		return fd >= 0 ? fd : -errno;
	if (access(dir, F_OK))
		return -ENOENT; /* the port is not steered: never create its directory */
	fd = create_map(map_name, type_name, value_size, entries, f, nf);
	if (fd < 0)
		return fd;
	if (bpf_obj_pin(fd, path)) {
		err = -errno;
		close(fd);
		if (err != -EEXIST)
			return err;
		/* Someone else created it at the same moment: use theirs. */
		fd = bpf_obj_get(path);
		return fd >= 0 ? fd : -errno;
	}
	return fd;
}

/* clang-format breaks the stringizing # apart */
/* clang-format off */
#define CF(f, k) { #f, k, offsetof(struct siosteer_slot_ctl, f) }
/* clang-format on */
static const struct field ctl_fields[] = {
	CF(weight, 4), CF(drained, 4), CF(changed_ns, 8), CF(source, 4), CF(pad, 4),
};
/* clang-format breaks the stringizing # apart */
/* clang-format off */
#define BF(f, k) { #f, k, offsetof(struct siosteer_bridge_stats, f) }
/* clang-format on */
static const struct field bridge_fields[] = {
	BF(state, 4),    BF(agent_pid, 4),  BF(since_ns, 8),  BF(updated_ns, 8),   BF(connects, 8),
	BF(failures, 8), BF(queued, 8),     BF(queue_max, 8), BF(dropped, 8),      BF(published, 8),
	BF(renewed, 8),  BF(heartbeats, 8), BF(controls, 8),  BF(resyncs, 8),      BF(sessions, 8),
	BF(cluster, 64), BF(node, 64),      BF(where, 96),    BF(last_error, 160),
};

int siosteer_control_open(const char *root, unsigned port, bool create)
{
	return open_or_create(root, port, SIOSTEER_MAP_CONTROL, create, "siosteer_ctl",
			      "siosteer_slot_ctl", sizeof(struct siosteer_slot_ctl),
			      SIOSTEER_CONTROL_ENTRIES, ctl_fields,
			      (int)(sizeof(ctl_fields) / sizeof(ctl_fields[0])));
}

int siosteer_control_read(int fd, struct siosteer_slot_ctl *ctl)
{
	__u32 keys[SIOSTEER_CONTROL_ENTRIES], count = SIOSTEER_CONTROL_ENTRIES, out = 0, i;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	if (!bpf_map_lookup_batch(fd, NULL, &out, keys, ctl, &count, &opts) ||
	    (errno == ENOENT && count == SIOSTEER_CONTROL_ENTRIES))
		return 0;
	/* Kernels without batch ops for arrays: one lookup per entry. */
	for (i = 0; i < SIOSTEER_CONTROL_ENTRIES; i++)
		if (bpf_map_lookup_elem(fd, &i, &ctl[i]))
			return -errno;
	return 0;
}

int siosteer_control_write(int fd, __u32 idx, const struct siosteer_slot_ctl *c)
{
	if (idx >= SIOSTEER_CONTROL_ENTRIES)
		return -ERANGE;
	return bpf_map_update_elem(fd, &idx, c, BPF_ANY) ? -errno : 0;
}

bool siosteer_control_weights(const struct siosteer_slot_ctl *ctl, const bool *live, __u32 *weights)
{
	bool port_drained = ctl[SIOSTEER_CONTROL_PORT].drained, any = false;
	__u32 slot;

	for (slot = 0; slot < SIOSTEER_MAX_SLOTS; slot++) {
		__u32 w = ctl[slot].weight ? ctl[slot].weight : 1;

		if (w > SIOSTEER_WEIGHT_MAX)
			w = SIOSTEER_WEIGHT_MAX;
		weights[slot] = live[slot] && !port_drained && !ctl[slot].drained ? w : 0;
		any |= weights[slot] != 0;
	}
	if (any)
		return true;
	for (slot = 0; slot < SIOSTEER_MAX_SLOTS; slot++) {
		__u32 w = ctl[slot].weight ? ctl[slot].weight : 1;

		weights[slot] =
			live[slot] ? (w > SIOSTEER_WEIGHT_MAX ? SIOSTEER_WEIGHT_MAX : w) : 0;
	}
	return false;
}

int siosteer_bridge_stats_open(const char *root, unsigned port, bool create)
{
	return open_or_create(root, port, SIOSTEER_MAP_BRIDGE, create, "siosteer_bridge",
			      "siosteer_bridge_stats", sizeof(struct siosteer_bridge_stats), 1,
			      bridge_fields,
			      (int)(sizeof(bridge_fields) / sizeof(bridge_fields[0])));
}

int siosteer_bridge_stats_read(int fd, struct siosteer_bridge_stats *b)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(fd, &zero, b) ? -errno : 0;
}

int siosteer_bridge_stats_write(int fd, const struct siosteer_bridge_stats *b)
{
	__u32 zero = 0;

	return bpf_map_update_elem(fd, &zero, b, BPF_ANY) ? -errno : 0;
}

int siosteer_pinned_table_sync(const struct siosteer_pinned *p, const __u32 *weights, __u32 *moved)
{
	return loader_table_sync(p->slots_fd, p->tables_fd, p->state_fd, weights, moved);
}

/* A copy of the table the selector uses now (malloc'd: ~256 KiB), or NULL with *err set. */
static struct siosteer_table *active_table(const struct siosteer_pinned *p, int *err)
{
	struct siosteer_state st;
	struct siosteer_table *t;
	__u32 zero = 0, idx;

	if (bpf_map_lookup_elem(p->state_fd, &zero, &st)) {
		*err = -errno;
		return NULL;
	}
	t = malloc(sizeof(*t));
	if (!t) {
		*err = -ENOMEM;
		return NULL;
	}
	idx = st.active & 1;
	if (bpf_map_lookup_elem(p->tables_fd, &idx, t)) {
		*err = -errno;
		free(t);
		return NULL;
	}
	return t;
}

int siosteer_pinned_table_weights(const struct siosteer_pinned *p, __u32 *weights,
				  __u32 *generation)
{
	int err = 0;
	struct siosteer_table *t = active_table(p, &err);

	if (!t)
		return err;
	memcpy(weights, t->weight, sizeof(t->weight));
	*generation = t->generation;
	free(t);
	return 0;
}

int siosteer_pinned_table_shares(const struct siosteer_pinned *p, __u32 *buckets)
{
	int err = 0;
	struct siosteer_table *t;
	__u32 i;

	memset(buckets, 0, SIOSTEER_MAX_SLOTS * sizeof(*buckets));
	t = active_table(p, &err);
	if (!t)
		return err;
	for (i = 0; i < SIOSTEER_MAGLEV_SIZE; i++)
		if (t->entry[i] < SIOSTEER_MAX_SLOTS)
			buckets[t->entry[i]]++;
	free(t);
	return 0;
}
