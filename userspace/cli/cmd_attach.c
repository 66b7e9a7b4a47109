// SPDX-License-Identifier: MIT
/*
 * siosteer attach / detach: steer workers started by someone else (pm2, systemd,
 * containers) that bind the port with SO_REUSEPORT themselves.
 *
 * The agent takes a copy of each worker's listening socket (pidfd_getfd), puts it in a
 * slot, attaches the program to their reuseport group, and closes its copy again: the
 * sockarray does not keep a socket open, so a worker that dies empties its slot at once
 * and the program falls back to a live slot until the agent rebuilds the table. The data
 * path never waits for the agent; killing the agent leaves steering as it was.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include "clock.h"
#include "commands.h"
#include "bridge.h"
#include "control_apply.h"
#include "caps.h"
#include "listeners.h"
#include "log.h"
#include "opts.h"
#include "pinned.h"

#define MAX_LISTENERS (SIOSTEER_MAX_SLOTS * 2)

static const enum cli_opt_id attach_opts[] = {
	OPT_IFACE, OPT_PORT,    OPT_KEY,          OPT_PREFIX4,  OPT_PREFIX6, OPT_PLACE,
	OPT_GATE,  OPT_COOKIES, OPT_SESSIONS_MAX, OPT_INTERVAL, OPT_REDIS,   OPT_CLUSTER_ARG,
	OPT_NODE,  OPT_SID_TTL, OPT_PIN_ROOT,     OPT_VERBOSE,  OPT_HELP,    OPT_END,
};

const struct cli_cmd cli_cmd_attach = {
	.name = "attach",
	.usage = "siosteer attach --iface IFACE --port P [OPTIONS]\n"
		 "       siosteer attach IFACE --port P [OPTIONS]",
	.about = "Steer the workers that listen on port P with SO_REUSEPORT (started by pm2,\n"
		 "systemd, containers, in any language): take their sockets into slots, attach\n"
		 "the steering program to their reuseport group, and keep watching: a new worker\n"
		 "gets a slot, a dead worker's slot is freed and the table rebuilt. Stops (and\n"
		 "undoes everything) on SIGTERM/SIGINT or 'siosteer detach'. Adopts state pinned\n"
		 "by an earlier agent. IFACE is the ingress interface (validated and recorded;\n"
		 "used by sid steering); it may also be given as the first operand.",
	.opts = attach_opts,
	.exit_status = "  0  stopped by SIGTERM/SIGINT or 'siosteer detach', everything undone\n"
		       "  1  it could not start (the message says why)\n"
		       "  2  the command line is wrong\n",
};

static const enum cli_opt_id detach_opts[] = {
	OPT_IFACE, OPT_PORT, OPT_PIN_ROOT, OPT_VERBOSE, OPT_HELP, OPT_END,
};

const struct cli_cmd cli_cmd_detach = {
	.name = "detach",
	.usage = "siosteer detach --iface IFACE --port P [--pin-root DIR]\n"
		 "       siosteer detach IFACE --port P [--pin-root DIR]",
	.about = "Undo 'siosteer attach': stop the agent if it runs, detach the program from the\n"
		 "workers' reuseport group (the kernel hashes connections again) and remove the\n"
		 "pins.",
	.opts = detach_opts,
};

/* The reuseport group we steer: the family and bound address of the first listener. */
struct group {
	bool set;
	int family;
	__u32 addr[4];
};

struct agent {
	struct siosteer *s;
	struct cli c;
	struct group g;
	__u64 warned[MAX_LISTENERS]; /* cookies we already complained about */
	int nwarned;
	__u32 moved; /* buckets moved by the last scan */
	struct ctl_applier ctl; /* drain and weights */
};

/* IFACE: --iface, or the first operand (before or after the options). */
static int parse_iface_cmd(int argc, char **argv, const struct cli_cmd *cmd, struct cli *c)
{
	const char *iface = NULL;
	int err;

	if (argc > 1 && argv[1][0] != '-') {
		iface = argv[1];
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	err = cli_parse(argc, argv, cmd, c);
	if (err)
		return err;
	if (!iface && c->first_arg < argc)
		iface = argv[c->first_arg++];
	if (cli_no_operands(argc, argv, cmd, c))
		return -1;
	if (iface && c->steer.ifname && strcmp(iface, c->steer.ifname)) {
		log_error("%s: two interfaces, '%s' and '%s'", cmd->name, iface, c->steer.ifname);
		return -1;
	}
	if (iface)
		c->steer.ifname = iface;
	if (!c->steer.ifname || !c->port_set) {
		log_error("%s: needs --iface IFACE and --port P (see 'siosteer %s --help')",
			  cmd->name, cmd->name);
		return -1;
	}
	return cli_check_steer(c);
}

static bool same_group(struct group *g, const struct listener *l)
{
	if (!g->set) {
		g->set = true;
		g->family = l->family;
		memcpy(g->addr, l->addr, sizeof(g->addr));
		return true;
	}
	return g->family == l->family && !memcmp(g->addr, l->addr, sizeof(g->addr));
}

static bool warned_once(struct agent *a, __u64 cookie)
{
	int i;

	for (i = 0; i < a->nwarned; i++)
		if (a->warned[i] == cookie)
			return true;
	if (a->nwarned < MAX_LISTENERS)
		a->warned[a->nwarned++] = cookie;
	return false;
}

static int slot_of_cookie(struct agent *a, __u64 cookie, int *free_slot)
{
	__u64 c;
	__u32 slot;

	*free_slot = -1;
	for (slot = 0; slot < SIOSTEER_MAX_SLOTS; slot++) {
		if (siosteer_slot_cookie(a->s, slot, &c)) {
			if (*free_slot < 0)
				*free_slot = (int)slot;
			continue;
		}
		if (c == cookie)
			return (int)slot;
	}
	return -1;
}

/*
 * Put a newly seen listener into a free slot. Returns 1 if a slot was filled, 0 if the
 * listener was skipped, -errno on failure. `strict`: a socket without SO_REUSEPORT is an
 * error (at start) rather than a warning (while watching).
 */
static int adopt_listener(struct agent *a, struct listener *l, bool strict)
{
	char who[64];
	int fd, slot, free_slot, err;

	slot = slot_of_cookie(a, l->cookie, &free_slot);
	if (slot >= 0)
		return 0;
	if (!l->pid) {
		listeners_find_owners(l, 1);
		if (!l->pid)
			return 0; /* closing, or held by a process we cannot see */
	}
	describe_pid(l->pid, who, sizeof(who));
	fd = listener_take(l);
	if (fd < 0) {
		if (!warned_once(a, l->cookie))
			log_warn("take listening socket from %s: %s", who, strerror(-fd));
		return strict ? fd : 0;
	}
	err = 0;
	if (!socket_has_reuseport(fd)) {
		if (strict)
			log_error("port %u is held by %s without SO_REUSEPORT; siosteer can only "
				  "steer workers that set it",
				  a->c.steer.port, who);
		else if (!warned_once(a, l->cookie))
			log_warn("%s listens on port %u without SO_REUSEPORT; not steered", who,
				 a->c.steer.port);
		err = strict ? -EINVAL : 0;
		goto out;
	}
	if (!same_group(&a->g, l)) {
		if (!warned_once(a, l->cookie))
			log_warn("%s listens on another address or family than the other workers; "
				 "siosteer steers one reuseport group per port",
				 who);
		goto out;
	}
	if (free_slot < 0) {
		if (!warned_once(a, l->cookie))
			log_warn("no free slot for %s (at most %d workers)", who,
				 SIOSTEER_MAX_SLOTS);
		goto out;
	}
	err = siosteer_slot_set(a->s, (__u32)free_slot, fd, l->pid);
	if (!err)
		err = siosteer_attach_group(a->s, fd);
	if (err) {
		log_error("slot %d: steer socket of %s: %s", free_slot, who, strerror(-err));
		siosteer_slot_clear(a->s, (__u32)free_slot);
		goto out;
	}
	log_info("slot %d: worker %s", free_slot, who);
	err = 1;
out:
	close(fd);
	return err;
}

/* Slots whose socket is gone (worker exited) lose their owner record. */
static int forget_dead(struct agent *a, struct siosteer_pinned *view)
{
	struct siosteer_owner ow;
	__u64 cookie;
	__u32 slot;
	int n = 0;

	for (slot = 0; slot < SIOSTEER_MAX_SLOTS; slot++) {
		if (siosteer_pinned_owner(view, slot, &ow) || !ow.pid)
			continue;
		if (!siosteer_slot_cookie(a->s, slot, &cookie))
			continue;
		log_info("slot %u: worker pid %u (%s) is gone; slot freed, %d learned sessions "
			 "dropped",
			 slot, ow.pid, ow.comm, siosteer_forget_slot_sessions(a->s, slot));
		siosteer_slot_clear(a->s, slot);
		n++;
	}
	return n;
}

/* One pass: new listeners into slots, dead ones out, table rebuilt if anything changed. */
static int scan(struct agent *a, struct siosteer_pinned *view, bool strict)
{
	struct listener l[MAX_LISTENERS];
	int n, i, changed, gen;
	__u32 moved;

	n = listeners_find(a->c.steer.port, l, MAX_LISTENERS);
	if (n < 0) {
		log_error("list listeners of port %u (sock_diag): %s", a->c.steer.port,
			  strerror(-n));
		return n;
	}
	changed = forget_dead(a, view);
	for (i = 0; i < n; i++) {
		int r = adopt_listener(a, &l[i], strict);

		if (r < 0 && strict)
			return r;
		changed += r > 0;
	}
	gen = ctl_applier_sync(&a->ctl, a->s, true, &moved);
	a->moved = moved;
	if (gen < 0) {
		log_error("rebuild steering table: %s", strerror(-gen));
		return gen;
	}
	if (moved)
		log_info("table generation %d: %.2f%% of client addresses moved", gen,
			 100.0 * moved / SIOSTEER_MAGLEV_SIZE);
	else if (changed)
		log_debug("table generation %d unchanged", gen);
	return gen;
}

/* Detach the program from the group of any current listener of the port. */
static void detach_group(unsigned port)
{
	struct listener l[MAX_LISTENERS];
	int n = listeners_find((__u16)port, l, MAX_LISTENERS), i, fd;

	if (n <= 0)
		return;
	listeners_find_owners(l, n);
	for (i = 0; i < n; i++) {
		if (!l[i].pid || (fd = listener_take(&l[i])) < 0)
			continue;
		siosteer_detach_group(fd);
		close(fd);
	}
}

static int watch(struct agent *a, struct siosteer_pinned *view)
{
	sigset_t set;
	int sfd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		return -errno;
	double next_scan = mono_s() + a->c.interval;

	for (;;) {
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };
		struct signalfd_siginfo si;
		double t = mono_s();
		int timeout_ms = t < next_scan ? (int)((next_scan - t) * 1000) + 1 : 0;

		/* Drain and weight changes are looked at more often than the socket scan. */
		if (a->ctl.fd >= 0 && timeout_ms > CTL_POLL_MS)
			timeout_ms = CTL_POLL_MS;
		if (poll(&pfd, 1, timeout_ms) > 0 && read(sfd, &si, sizeof(si)) == sizeof(si) &&
		    si.ssi_signo != SIGHUP) {
			log_info("received %s: detaching", strsignal((int)si.ssi_signo));
			close(sfd);
			return 0;
		}
		if (mono_s() >= next_scan) {
			scan(a, view, false);
			next_scan = mono_s() + a->c.interval;
		} else {
			__u32 moved;
			int before = a->ctl.gen,
			    gen = ctl_applier_sync(&a->ctl, a->s, false, &moved);

			if (gen > 0 && gen != before && moved)
				log_info("table generation %d: %.2f%% of client addresses moved",
					 gen, 100.0 * moved / SIOSTEER_MAGLEV_SIZE);
		}
	}
}

int cmd_attach(int argc, char **argv)
{
	struct siosteer_pinned view = { -1, -1, -1, -1, -1, -1 };
	struct agent a = { 0 };
	struct bridge *br = NULL;
	bool steady = false;
	int err, gen, rc = 1;

	cli_defaults(&a.c);
	a.ctl.fd = -1;
	err = parse_iface_cmd(argc, argv, &cli_cmd_attach, &a.c);
	if (err)
		return err > 0 ? 0 : 2;
	if (cli_check_bridge(&a.c))
		return 2;
	if (caps_require(CAPS_ATTACH) || preflight_kernel())
		return 1;
	a.c.steer.mode = SIOSTEER_MODE_ATTACH;

	/* Refuse bad sockets before anything is loaded or pinned. */
	{
		struct listener l[MAX_LISTENERS];
		int n = listeners_find(a.c.steer.port, l, MAX_LISTENERS), i, fd;
		char who[64];

		listeners_find_owners(l, n > 0 ? n : 0);
		for (i = 0; i < n; i++) {
			if (!l[i].pid || (fd = listener_take(&l[i])) < 0)
				continue;
			if (!socket_has_reuseport(fd)) {
				log_error(
					"port %u is held by %s without SO_REUSEPORT; siosteer can "
					"only steer workers that set it",
					a.c.steer.port, describe_pid(l[i].pid, who, sizeof(who)));
				close(fd);
				return 1;
			}
			close(fd);
		}
		if (n == 0)
			log_info("no worker listens on port %u yet; waiting for them",
				 a.c.steer.port);
	}
	if (siosteer_open(&a.c.steer, &a.s))
		return 1;
	if (siosteer_pinned_open(siosteer_pin_root(a.c.steer.pin_root), a.c.steer.port, &view))
		goto out;
	ctl_applier_open(&a.ctl, siosteer_pin_root(a.c.steer.pin_root), a.c.steer.port);
	gen = scan(&a, &view, true);
	if (gen < 0 || siosteer_attach_iface(a.s))
		goto out;
	if (siosteer_adopted(a.s))
		log_info("adopted pinned state of port %u: table generation %d, %u client address "
			 "buckets moved",
			 a.c.steer.port, gen, a.moved);
	cli_note_cookies(&a.c, siosteer_cookies_mode(a.s));
	log_info("steering port %u (%s), table generation %d, pins in %s", a.c.steer.port,
		 cli_describe_key(&a.c), gen, siosteer_pin_dir(a.s));
	if (a.c.redis) {
		struct bridge_opts bo = { .url = a.c.redis,
					  .cluster = a.c.cluster,
					  .node = a.c.node,
					  .pin_root = siosteer_pin_root(a.c.steer.pin_root),
					  .port = a.c.steer.port,
					  .sid_ttl = a.c.sid_ttl };

		if (bridge_start(&bo, &br))
			goto out;
	}
	rc = watch(&a, &view) ? 1 : 0;
	bridge_stop(br);
	br = NULL;
	detach_group(a.c.steer.port);
	steady = true;
out:
	bridge_stop(br);
	ctl_applier_close(&a.ctl);
	siosteer_pinned_close(&view);
	/* A start that fails after adopting an earlier agent's pins leaves them as they were:
	 * steering goes on as before. Otherwise (a clean stop, or our own state) remove all. */
	siosteer_close(a.s, !steady && a.s && siosteer_adopted(a.s));
	if (!rc)
		log_info("detached from port %u; nothing left pinned or attached", a.c.steer.port);
	return rc;
}

int cmd_detach(int argc, char **argv)
{
	const char *root;
	struct siosteer_pinned p;
	struct siosteer_meta m;
	struct cli c;
	int err, i;

	cli_defaults(&c);
	err = parse_iface_cmd(argc, argv, &cli_cmd_detach, &c);
	if (err)
		return err > 0 ? 0 : 2;
	if (caps_require(CAPS_ATTACH))
		return 1;
	root = siosteer_pin_root(c.steer.pin_root);
	err = siosteer_pinned_open(root, c.steer.port, &p);
	if (err) {
		siosteer_say_not_steered(root, c.steer.port, err);
		return 1;
	}
	err = siosteer_pinned_meta(&p, &m);
	siosteer_pinned_close(&p);
	if (err) {
		log_error("read pinned state of port %u: %s", c.steer.port, strerror(-err));
		return 1;
	}
	if (m.agent_pid && kill((pid_t)m.agent_pid, SIGTERM) == 0) {
		/* The agent undoes everything itself; wait for its pins to go (bounded). */
		for (i = 0; i < 100 && kill((pid_t)m.agent_pid, 0) == 0; i++)
			usleep(50000);
		if (kill((pid_t)m.agent_pid, 0) == 0) {
			log_error("agent pid %u did not stop within 5 s", m.agent_pid);
			return 1;
		}
	} else {
		/* No agent: undo its interface attachments and sysctl from the record. */
		siosteer_undo_iface(&m);
	}
	detach_group(c.steer.port);
	err = siosteer_unpin(root, c.steer.port);
	if (err && err != -ENOENT) {
		log_error("remove pins of port %u: %s", c.steer.port, strerror(-err));
		return 1;
	}
	log_info("detached port %u", c.steer.port);
	return 0;
}
