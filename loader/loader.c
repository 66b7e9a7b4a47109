// SPDX-License-Identifier: MIT
/* Load or adopt a port's BPF objects, pin them, and manage slots and tables. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader.h"
#include "internal.h"
#include "loader_cookie.h"
#include "bpffs.h"
#include "pinned.h"
#include "table.h"
#include "select.skel.h"
#include "log.h"
#include "verifier.h"

#ifndef SO_DETACH_REUSEPORT_BPF
#define SO_DETACH_REUSEPORT_BPF 68
#endif

static void prefix_masks(const struct siosteer_opts *o, __u32 *m4, __u32 m6[4])
{
	int i, bits;

	*m4 = o->prefix4 ? htonl(~0u << (32 - o->prefix4)) : 0;
	for (i = 0; i < 4; i++) {
		bits = (int)o->prefix6 - 32 * i;
		bits = bits < 0 ? 0 : bits > 32 ? 32 : bits;
		m6[i] = bits ? htonl(~0u << (32 - bits)) : 0;
	}
}

/* An earlier agent's record, if any: refuse to share a port with a live agent. */
static int check_previous(struct siosteer *s, struct siosteer_meta *old)
{
	struct siosteer_pinned p;
	int err;

	err = siosteer_pinned_open(s->root, s->o.port, &p);
	if (err == -ENOENT)
		return 0;
	if (err) {
		log_error("read pinned state in %s: %s", s->pin_dir, strerror(-err));
		return err;
	}
	err = siosteer_pinned_meta(&p, old);
	siosteer_pinned_close(&p);
	if (err)
		return err;
	if (old->agent_pid && old->agent_pid != (__u32)getpid() &&
	    (kill((pid_t)old->agent_pid, 0) == 0 || errno == EPERM)) {
		log_error("port %u is already steered by siosteer pid %u (pins in %s)", s->o.port,
			  old->agent_pid, s->pin_dir);
		return -EBUSY;
	}
	s->adopted = true;
	if (old->key != s->o.key || old->prefix4 != s->o.prefix4 || old->prefix6 != s->o.prefix6)
		log_warn("adopting port %u with a different key or prefix than before: "
			 "clients will move between workers",
			 s->o.port);
	return 0;
}

static int write_meta(struct siosteer *s, const struct siosteer_meta *old)
{
	struct siosteer_meta m = { 0 };
	__u32 zero = 0;

	m.port = s->o.port;
	m.key = s->o.key;
	m.prefix4 = s->o.prefix4;
	m.prefix6 = s->o.prefix6;
	m.agent_pid = getpid();
	m.mode = s->o.mode;
	m.saved_syncookies = s->adopted ? old->saved_syncookies : -1;
	m.clsact_ours = s->adopted ? old->clsact_ours : 0;
	m.place = s->o.place;
	m.gate = s->o.key == SIOSTEER_KEY_SID && s->o.cookies != SIOSTEER_COOKIES_BPF ?
			 s->o.gate :
			 SIOSTEER_GATE_NONE;
	m.cookies = s->o.key == SIOSTEER_KEY_SID ? s->o.cookies : 0;
	m.routes = s->routes;
	if (s->o.ifname) {
		snprintf(m.ifname, sizeof(m.ifname), "%s", s->o.ifname);
		m.ifindex = if_nametoindex(s->o.ifname);
	}
	return bpf_map_update_elem(s->meta_fd, &zero, &m, BPF_ANY) ? -errno : 0;
}

static int init_tables(struct siosteer *s)
{
	struct siosteer_state st = { 0 };
	struct siosteer_table *t;
	__u32 i, zero = 0;
	int err = 0;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (i = 0; i < SIOSTEER_MAGLEV_SIZE; i++)
		t->entry[i] = SIOSTEER_NO_SLOT;
	for (i = 0; i < 2 && !err; i++)
		err = bpf_map_update_elem(s->tables_fd, &i, t, BPF_ANY) ? -errno : 0;
	if (!err)
		err = bpf_map_update_elem(s->state_fd, &zero, &st, BPF_ANY) ? -errno : 0;
	free(t);
	return err;
}

int siosteer_open(const struct siosteer_opts *o, struct siosteer **out)
{
	struct siosteer_meta old = { 0 };
	struct siosteer *s;
	__u32 m4, m6[4];
	int err;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->o = *o;
	s->root = siosteer_pin_root(o->pin_root);
	err = siosteer_pin_path(s->pin_dir, sizeof(s->pin_dir), s->root, o->port, NULL);
	if (err)
		goto fail;
	err = siosteer_bpffs_prepare(s->pin_dir);
	if (err)
		goto fail;
	err = check_previous(s, &old);
	if (err)
		goto fail;

	s->skel = select_bpf__open();
	if (!s->skel) {
		err = -errno;
		log_error("open BPF selector: %s", strerror(-err));
		goto fail;
	}
	prefix_masks(o, &m4, m6);
	s->skel->rodata->mask4 = m4;
	memcpy((void *)s->skel->rodata->mask6, m6, sizeof(m6));
	s->skel->rodata->key_mode = o->key;
	s->skel->rodata->place = o->place;
	bpf_map__set_max_entries(s->skel->maps.sids,
				 o->sessions_max ? o->sessions_max : SIOSTEER_SIDS_DEFAULT);
	/* Same pin path for every map: libbpf reuses what is pinned, creates the rest. */
	err = loader_pin_maps(s, s->skel->obj, loader_shared_maps, loader_n_shared_maps);
	if (err)
		goto fail;
	err = loader_load_skeleton("BPF selector", s->skel->skeleton);
	if (err)
		goto fail;
	s->loaded = true;
	s->slots_fd = bpf_map__fd(s->skel->maps.slots);
	s->tables_fd = bpf_map__fd(s->skel->maps.tables);
	s->state_fd = bpf_map__fd(s->skel->maps.state);
	s->owners_fd = bpf_map__fd(s->skel->maps.owners);
	s->meta_fd = bpf_map__fd(s->skel->maps.meta);
	s->sids_fd = bpf_map__fd(s->skel->maps.sids);
	s->conn_slot_fd = bpf_map__fd(s->skel->maps.conn_slot);
	err = loader_pin_prog(s, s->skel->progs.siosteer_select, SIOSTEER_PIN_PROG_SELECT);
	if (err)
		goto fail;
	/* The cookie route first: the TIME_WAIT route depends on it. */
	if (o->key == SIOSTEER_KEY_SID && (err = loader_cookie_resolve(s)))
		goto fail;
	loader_routes_choose(s);
	if (o->key == SIOSTEER_KEY_SID && (err = loader_sid_open(s)))
		goto fail;
	if (!s->adopted && (err = init_tables(s)))
		goto fail;
	err = write_meta(s, &old);
	if (err)
		goto fail;
	*out = s;
	return 0;
fail:
	siosteer_close(s, s->adopted);
	return err;
}

bool siosteer_adopted(const struct siosteer *s)
{
	return s->adopted;
}

enum siosteer_cookies siosteer_cookies_mode(const struct siosteer *s)
{
	return s->o.cookies;
}

const char *siosteer_pin_dir(const struct siosteer *s)
{
	return s->pin_dir;
}

int siosteer_attach_group(struct siosteer *s, int sock_fd)
{
	int prog = bpf_program__fd(s->skel->progs.siosteer_select);

	if (setsockopt(sock_fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &prog, sizeof(prog)))
		return -errno;
	return 0;
}

int siosteer_detach_group(int sock_fd)
{
	int one = 1;

	if (setsockopt(sock_fd, SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, &one, sizeof(one)) &&
	    errno != ENOENT)
		return -errno;
	return 0;
}

/* CLOCK_REALTIME in ns: when a slot's owner took it (siosteer_owner.since_ns). */
static __u64 realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static void read_comm(pid_t pid, char comm[16])
{
	char path[64];
	FILE *f;

	memset(comm, 0, 16);
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(comm, 16, f))
		comm[strcspn(comm, "\n")] = '\0';
	fclose(f);
}

int siosteer_slot_set(struct siosteer *s, __u32 slot, int sock_fd, pid_t pid)
{
	struct siosteer_owner ow = { 0 };
	__u64 fd = (__u64)sock_fd;
	struct siosteer_sk_slot sks = { .slot = slot };
	int sock = sock_fd;

	if (slot >= SIOSTEER_MAX_SLOTS)
		return -ERANGE;
	/* Storage first: a connection accepted as soon as the socket is in the group must
	 * already inherit its slot. */
	if (bpf_map_update_elem(s->conn_slot_fd, &sock, &sks, BPF_ANY)) {
		int err = -errno;

		log_error("set the socket storage of the listener in slot %u: %s", slot,
			  strerror(-err));
		return err;
	}
	if (bpf_map_update_elem(s->slots_fd, &slot, &fd, BPF_ANY))
		return -errno;
	siosteer_slot_cookie(s, slot, &ow.cookie);
	ow.pid = pid;
	ow.since_ns = realtime_ns();
	read_comm(pid, ow.comm);
	return bpf_map_update_elem(s->owners_fd, &slot, &ow, BPF_ANY) ? -errno : 0;
}

int siosteer_slot_owner(struct siosteer *s, __u32 slot, pid_t pid, bool restarted, const char *comm)
{
	struct siosteer_owner ow = { 0 };

	if (bpf_map_lookup_elem(s->owners_fd, &slot, &ow))
		return -errno;
	ow.pid = pid;
	ow.restarts += restarted;
	ow.since_ns = realtime_ns();
	if (comm)
		snprintf(ow.comm, sizeof(ow.comm), "%s", comm);
	else
		read_comm(pid, ow.comm);
	return bpf_map_update_elem(s->owners_fd, &slot, &ow, BPF_ANY) ? -errno : 0;
}

int siosteer_slot_clear(struct siosteer *s, __u32 slot)
{
	struct siosteer_owner ow = { 0 };

	if (bpf_map_delete_elem(s->slots_fd, &slot) && errno != ENOENT)
		return -errno;
	return bpf_map_update_elem(s->owners_fd, &slot, &ow, BPF_ANY) ? -errno : 0;
}

int siosteer_slot_cookie(const struct siosteer *s, __u32 slot, __u64 *cookie)
{
	return siosteer_sockarray_cookie(s->slots_fd, slot, cookie);
}

int siosteer_table_sync(struct siosteer *s, const __u32 *weights, __u32 *moved)
{
	return loader_table_sync(s->slots_fd, s->tables_fd, s->state_fd, weights, moved);
}

int siosteer_unpin(const char *pin_root, unsigned port)
{
	const char *root = siosteer_pin_root(pin_root);
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int err = 0;

	if (siosteer_pin_path(dir, sizeof(dir), root, port, NULL))
		return -ENAMETOOLONG;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path) ||
		    unlink(path))
			err = -errno;
	}
	closedir(d);
	if (rmdir(dir) && !err)
		err = -errno;
	siosteer_bpffs_remove_libxdp_dir(root);
	rmdir(root); /* only succeeds when no other port is steered */
	return err;
}

void siosteer_close(struct siosteer *s, bool keep)
{
	if (!s)
		return;
	loader_sid_close(s, keep);
	if (!s->loaded) {
		/* Nothing of ours is pinned (e.g. another agent owns the port): touch nothing
		 * but the directory we may have created, if it is still empty. */
		if (!s->adopted)
			rmdir(s->pin_dir);
	} else if (!keep) {
		siosteer_unpin(s->root, s->o.port);
	} else {
		struct siosteer_meta m;
		__u32 zero = 0;

		/* Leave the state for a later agent, but say that no agent owns it now. */
		if (!bpf_map_lookup_elem(s->meta_fd, &zero, &m)) {
			m.agent_pid = 0;
			bpf_map_update_elem(s->meta_fd, &zero, &m, BPF_ANY);
		}
	}
	select_bpf__destroy(s->skel);
	free(s);
}
