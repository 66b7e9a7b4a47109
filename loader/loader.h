/* SPDX-License-Identifier: MIT */
/*
 * siosteer loader API: owns the BPF objects of one steered port, pins them under
 * <pin_root>/<port>/, adopts what is already pinned, and manages slots and tables.
 *
 * Functions return 0 (or a count) on success and a negative errno on failure, libbpf
 * style; the message is already logged where the cause is known.
 */
#ifndef SIOSTEER_LOADER_H
#define SIOSTEER_LOADER_H

#include <stdbool.h>
#include <sys/types.h>

#include "siosteer.h"

struct siosteer_opts {
	const char *pin_root; /* NULL: $SIOSTEER_PIN_ROOT or SIOSTEER_PIN_ROOT_DEFAULT */
	__u16 port;
	enum siosteer_key key;
	__u32 prefix4; /* 0..32 */
	__u32 prefix6; /* 0..128 */
	enum siosteer_mode mode;
	const char *ifname; /* NULL for none; required with SIOSTEER_KEY_SID */
	/* sid mode */
	enum siosteer_place place;
	enum siosteer_gate_kind gate; /* XDP (default) or tc; --cookies sysctl only */
	enum siosteer_cookies cookies; /* auto (default), bpf or sysctl */
	__u32 sessions_max; /* capacity of the learned-sid map, 0: default */
};

struct siosteer;

/* The name of an enum siosteer_cookies value ("sysctl", ...). */
const char *siosteer_cookies_name(__u32 cookies);
/* One line naming the routes of siosteer_meta.cookies and .routes, e.g. "cookies sysctl,
 * TIME_WAIT route on, migration available (unused), socket storage on". snprintf's
 * return. */
int siosteer_routes_text(__u32 cookies, __u32 routes, char *buf, size_t len);

/* Load (or adopt) the objects for o->port and pin them. */
int siosteer_open(const struct siosteer_opts *o, struct siosteer **out);
/* True if open() found pinned state from an earlier agent and adopted it. */
bool siosteer_adopted(const struct siosteer *s);
/* sid mode: the SYN cookie route chosen at open (bpf or sysctl; never auto). */
enum siosteer_cookies siosteer_cookies_mode(const struct siosteer *s);
const char *siosteer_pin_dir(const struct siosteer *s);

/*
 * sid mode: set tcp_syncookies=2 in this netns (the old value is recorded in the pins),
 * attach the gate (XDP via libxdp, native then generic, or tc) and the tc egress learner
 * to the interface. Adopted attachments are replaced. No-op in address mode.
 */
int siosteer_attach_iface(struct siosteer *s);

/* Undo what a dead agent left on an interface (gate, learner, tcp_syncookies), from its
 * pinned meta record. For `detach` when no agent runs. */
void siosteer_undo_iface(const struct siosteer_meta *m);

/* Whether the kernel has what --cookies bpf needs (kfunc bpf_sk_assign_tcp_reqsk). */
bool siosteer_cookie_kfunc_available(void);
/* --cookies bpf: rotate the cookie secret when it is due; call it now and then. 1 if it
 * turned, 0 if not due (or not the bpf route), -errno. */
int siosteer_cookie_tick(struct siosteer *s);

/* sid mode: forget every learned session of `slot` (its worker is gone). Returns count. */
int siosteer_forget_slot_sessions(struct siosteer *s, __u32 slot);

/* Attach the selector to the reuseport group that sock_fd belongs to. */
int siosteer_attach_group(struct siosteer *s, int sock_fd);
/* Detach whatever program the group of sock_fd has (the kernel hashes again). */
int siosteer_detach_group(int sock_fd);

/* Put a listening socket into a slot and record who owns it. */
int siosteer_slot_set(struct siosteer *s, __u32 slot, int sock_fd, pid_t pid);
/* Record a new owner pid for a slot whose socket stays (a restarted `run` worker).
 * comm names the worker (NULL: read /proc/<pid>/comm, wrong right after fork). */
int siosteer_slot_owner(struct siosteer *s, __u32 slot, pid_t pid, bool restarted,
			const char *comm);
int siosteer_slot_clear(struct siosteer *s, __u32 slot);
/* Cookie of the socket in a slot; -ENOENT if the slot is empty. */
int siosteer_slot_cookie(const struct siosteer *s, __u32 slot, __u64 *cookie);

/*
 * Make the active table match the live slots and weights (weights may be NULL: all 1).
 * Builds and swaps in a new table only if something changed. Returns the generation
 * in use afterwards; *moved is how many of the SIOSTEER_MAGLEV_SIZE buckets (equal shares
 * of client addresses) now name another slot, 0 when nothing was swapped.
 */
int siosteer_table_sync(struct siosteer *s, const __u32 *weights, __u32 *moved);

/* Remove every pin of a port (no agent needed). Returns 0 or -errno. */
int siosteer_unpin(const char *pin_root, unsigned port);

/* Stop: unpin everything (clean stop), or leave pins in place (keep == true). */
void siosteer_close(struct siosteer *s, bool keep);

#endif
