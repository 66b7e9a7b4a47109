/* SPDX-License-Identifier: MIT */
/*
 * Worker processes of `siosteer run`: one per slot, started with the slot's listening
 * socket as fd 3 the way systemd socket activation does it, restarted in the same slot
 * when they exit (with back-off when they keep crashing).
 */
#ifndef SIOSTEER_SUPERVISOR_H
#define SIOSTEER_SUPERVISOR_H

#include <stdbool.h>
#include <sys/types.h>

struct worker {
	int slot;
	int sock_fd; /* listening socket, held by siosteer so the slot never empties */
	pid_t pid; /* 0 while waiting for a restart */
	double started; /* monotonic seconds */
	double restart_at; /* monotonic seconds, when pid == 0 */
	double backoff; /* seconds to wait before the next quick restart */
	unsigned restarts;
};

/* Start w's command. Returns the pid or -errno. */
pid_t worker_spawn(struct worker *w, char *const *cmd, unsigned port);
/* Note that w exited with wait status `status`; schedules its restart. */
void worker_exited(struct worker *w, int status);
/* SIGTERM every worker, then SIGKILL those still alive after `timeout` seconds. */
void workers_stop(struct worker *w, int n, int timeout);

#endif
