/* SPDX-License-Identifier: MIT */
/* The loader's handle, shared by its source files only. */
#ifndef SIOSTEER_LOADER_INTERNAL_H
#define SIOSTEER_LOADER_INTERNAL_H

#include <limits.h>
#include "loader.h"

struct select_bpf;
struct learn_bpf;
struct gate_bpf;
struct tw_reset_bpf;
struct repair_bpf;
struct cookie_bpf;
struct xdp_program;

struct siosteer {
	struct select_bpf *skel;
	struct learn_bpf *learn;
	struct gate_bpf *gate;
	struct tw_reset_bpf *tw; /* TIME_WAIT collisions (tc ingress) */
	struct repair_bpf *repair; /* kept-alive connections of another worker (tc ingress) */
	struct cookie_bpf *cookie; /* --cookies bpf: our SYN cookies (tc ingress) */
	__u64 cookie_rotate_ns; /* its secret's rotation period */
	__u64 cookie_due_ns; /* CLOCK_MONOTONIC when the next rotation may be due */
	struct xdp_program *xdp; /* the gate, when attached with libxdp */
	struct siosteer_opts o;
	const char *root;
	char pin_dir[PATH_MAX];
	bool adopted;
	bool loaded; /* our objects are loaded and pinned: close() may remove them */
	bool iface_attached;
	int ifindex;
	int slots_fd, tables_fd, state_fd, owners_fd, meta_fd, sids_fd, conn_slot_fd;
	__u32 routes; /* SIOSTEER_ROUTE_* (routes.c) */
};

/* pins.c: the maps every object of a port shares by pinning (maps.h, sid_maps.h). */
extern const char *const loader_shared_maps[];
extern const int loader_n_shared_maps;

/* Set the pin path of each named map of obj to <pin_dir>/<name>. */
int loader_pin_maps(struct siosteer *s, struct bpf_object *obj, const char *const *names, int n);
/* Pin prog at <pin_dir>/<name>, replacing an earlier agent's pin. */
int loader_pin_prog(struct siosteer *s, struct bpf_program *prog, const char *name);

/* routes.c: choose this kernel's routes into s->routes (the cookie route is s->o.cookies,
 * resolved before), log them in one line. */
void loader_routes_choose(struct siosteer *s);

/* sid mode pieces (loader_sid.c), used by loader.c only. */
int loader_sid_open(struct siosteer *s);
void loader_sid_close(struct siosteer *s, bool keep);

#endif
