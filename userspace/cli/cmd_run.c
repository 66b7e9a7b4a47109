// SPDX-License-Identifier: MIT
/*
 * siosteer run: own the listening sockets, steer them, supervise one worker per slot.
 *
 * siosteer keeps every slot's socket open itself, so a worker that dies leaves its slot
 * full: new connections for it wait in the socket's backlog until the restarted worker
 * accepts them, and no other worker's clients move.
 */
#include <errno.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include "clock.h"
#include "commands.h"
#include "bridge.h"
#include "control_apply.h"
#include "caps.h"
#include "listen_sockets.h"
#include "log.h"
#include "opts.h"
#include "supervisor.h"
#include "pinned.h"

static const enum cli_opt_id run_opts[] = {
	OPT_PORT,    OPT_WORKERS,      OPT_KEY,     OPT_PREFIX4,      OPT_PREFIX6,
	OPT_PLACE,   OPT_GATE,         OPT_COOKIES, OPT_SESSIONS_MAX, OPT_IFACE,
	OPT_BIND,    OPT_STOP_TIMEOUT, OPT_REDIS,   OPT_CLUSTER_ARG,  OPT_NODE,
	OPT_SID_TTL, OPT_PIN_ROOT,     OPT_VERBOSE, OPT_HELP,         OPT_END,
};

const struct cli_cmd cli_cmd_run = {
	.name = "run",
	.usage = "siosteer run --port P --workers N [OPTIONS] -- CMD [ARGS...]",
	.about = "Create N SO_REUSEPORT listening sockets on port P, put each in a slot of the\n"
		 "steering program, and start CMD once per slot with its socket as fd 3\n"
		 "(LISTEN_FDS=1, LISTEN_PID, SIOSTEER_SLOT and NODE_APP_INSTANCE set), like\n"
		 "systemd socket activation. A worker that exits is restarted in its slot.\n"
		 "SIGTERM or SIGINT stops the workers and removes everything siosteer set up.",
	.opts = run_opts,
	.exit_status = "  0  stopped by SIGTERM/SIGINT, workers stopped, everything undone\n"
		       "  1  it could not start (the message says why)\n"
		       "  2  the command line is wrong\n",
	.stop_at_operand = true,
};

static int signal_fd(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, old);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void start(struct siosteer *s, struct worker *w, char **cmd, unsigned port)
{
	bool restarted = w->restarts > 0;
	pid_t pid = worker_spawn(w, cmd, port);

	if (pid < 0) {
		log_error("slot %d: fork: %s", w->slot, strerror(-pid));
		w->restart_at = mono_s() + 1;
		return;
	}
	if (restarted) {
		int n = siosteer_forget_slot_sessions(s, (__u32)w->slot);

		if (n)
			log_info("slot %d: dropped %d learned sessions of the previous worker",
				 w->slot, n);
	}
	/* /proc/<pid>/comm still says "siosteer" until the child has exec'd. */
	siosteer_slot_owner(s, (__u32)w->slot, pid, restarted, basename(cmd[0]));
	log_info("slot %d: started worker pid %d%s", w->slot, pid, restarted ? " (restart)" : "");
}

/* Reap exited workers; returns nothing, schedules restarts. */
static void reap(struct worker *w, int n)
{
	int status, i;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < n; i++) {
			if (w[i].pid == pid) {
				worker_exited(&w[i], status);
				w[i].restarts++;
				break;
			}
		}
	}
}

/* Drain and weights: rebuild the table when the control map asks for other weights. */
static void apply_control(struct siosteer *s, struct ctl_applier *ctl)
{
	int before = ctl->gen, gen;
	__u32 moved;

	gen = ctl_applier_sync(ctl, s, false, &moved);
	if (gen < 0)
		log_error("rebuild steering table: %s", strerror(-gen));
	else if (gen != before)
		log_info("table generation %d: %.2f%% of client addresses moved", gen,
			 100.0 * moved / SIOSTEER_MAGLEV_SIZE);
}

static int supervise(struct siosteer *s, struct worker *w, int n, char **cmd, unsigned port,
		     int sfd, struct ctl_applier *ctl)
{
	for (;;) {
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };
		struct signalfd_siginfo si;
		double next = -1, t = mono_s();
		int i, timeout_ms;

		for (i = 0; i < n; i++) {
			if (w[i].pid)
				continue;
			if (w[i].restart_at <= t)
				start(s, &w[i], cmd, port);
			else if (next < 0 || w[i].restart_at < next)
				next = w[i].restart_at;
		}
		timeout_ms = next < 0 ? -1 : (int)((next - t) * 1000) + 1;
		if (ctl->fd >= 0 && (timeout_ms < 0 || timeout_ms > CTL_POLL_MS))
			timeout_ms = CTL_POLL_MS;
		if (poll(&pfd, 1, timeout_ms) < 0 && errno != EINTR)
			return -errno;
		apply_control(s, ctl);
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGCHLD) {
				reap(w, n);
				continue;
			}
			log_info("received %s: stopping %d workers", strsignal((int)si.ssi_signo),
				 n);
			return 0;
		}
	}
}

int cmd_run(int argc, char **argv)
{
	struct worker w[SIOSTEER_MAX_SLOTS] = { 0 };
	int fds[SIOSTEER_MAX_SLOTS], i, err, gen, sfd = -1, rc = 1;
	struct siosteer *s = NULL;
	struct bridge *br = NULL;
	struct ctl_applier ctl = { .fd = -1 };
	sigset_t oldmask;
	__u32 moved;
	struct cli c;

	cli_defaults(&c);
	err = cli_parse(argc, argv, &cli_cmd_run, &c);
	if (err)
		return err > 0 ? 0 : 2;
	i = c.first_arg;
	if (i < argc && !strcmp(argv[i - 1], "--"))
		c.cmd = argv + i;
	else if (i < argc && !strcmp(argv[i], "--"))
		c.cmd = argv + i + 1;
	if (!c.port_set || !c.workers || !c.cmd || !c.cmd[0]) {
		log_error("run: needs --port, --workers and a worker command after '--' "
			  "(see 'siosteer run --help')");
		return 2;
	}
	if (cli_check_steer(&c) || cli_check_bridge(&c))
		return 2;
	if (caps_require(CAPS_RUN) || preflight_kernel())
		return 1;
	c.steer.mode = SIOSTEER_MODE_RUN;

	if (listen_sockets(c.bind_addr, c.steer.port, c.workers, fds))
		return 1;
	if (siosteer_open(&c.steer, &s))
		goto out_close;
	for (i = 0; i < c.workers; i++) {
		w[i].slot = i;
		w[i].sock_fd = fds[i];
		err = siosteer_slot_set(s, (__u32)i, fds[i], 0);
		if (err) {
			log_error("slot %d: add socket to sockarray: %s", i, strerror(-err));
			goto out_close;
		}
	}
	ctl_applier_open(&ctl, siosteer_pin_root(c.steer.pin_root), c.steer.port);
	gen = ctl_applier_sync(&ctl, s, true, &moved);
	if (gen < 0) {
		log_error("build steering table: %s", strerror(-gen));
		goto out_close;
	}
	if (siosteer_attach_iface(s))
		goto out_close;
	err = siosteer_attach_group(s, fds[0]);
	if (err) {
		log_error("attach sk_reuseport program to port %u: %s", c.steer.port,
			  strerror(-err));
		goto out_close;
	}
	cli_note_cookies(&c, siosteer_cookies_mode(s));
	log_info("steering port %u (%s) over %d slots, table generation %d, pins in %s",
		 c.steer.port, cli_describe_key(&c), c.workers, gen, siosteer_pin_dir(s));

	sfd = signal_fd(&oldmask);
	if (sfd < 0) {
		log_error("signalfd: %m");
		goto out_close;
	}
	if (c.redis) {
		struct bridge_opts bo = { .url = c.redis,
					  .cluster = c.cluster,
					  .node = c.node,
					  .pin_root = siosteer_pin_root(c.steer.pin_root),
					  .port = c.steer.port,
					  .sid_ttl = c.sid_ttl };

		if (bridge_start(&bo, &br))
			goto out_close;
	}
	rc = supervise(s, w, c.workers, c.cmd, c.steer.port, sfd, &ctl) ? 1 : 0;
	bridge_stop(br);
	br = NULL;
	workers_stop(w, c.workers, c.stop_timeout);
	siosteer_detach_group(fds[0]);
out_close:
	bridge_stop(br);
	ctl_applier_close(&ctl);
	for (i = 0; i < c.workers; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	siosteer_close(s, false);
	if (sfd >= 0)
		close(sfd);
	if (!rc)
		log_info("stopped; nothing left pinned or attached");
	return rc;
}
