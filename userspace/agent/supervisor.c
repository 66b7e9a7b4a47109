// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "clock.h"
#include "supervisor.h"
#include "log.h"

/* A worker that ran this long was healthy: its next restart is immediate again. */
#define HEALTHY_RUN_S 10.0
#define BACKOFF_MIN_S 0.1
#define BACKOFF_MAX_S 10.0

static void child_exec(struct worker *w, char *const *cmd, unsigned port)
{
	char buf[32];
	sigset_t none;

	/* The parent blocks signals for its signalfd; the worker must start with none. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (w->sock_fd == 3) {
		fcntl(3, F_SETFD, 0);
	} else if (dup2(w->sock_fd, 3) != 3) {
		fprintf(stderr, "siosteer: error: slot %d: dup2: %s\n", w->slot, strerror(errno));
		_exit(126);
	}
	syscall(SYS_close_range, 4, ~0u, 0);
	snprintf(buf, sizeof(buf), "%d", getpid());
	setenv("LISTEN_PID", buf, 1);
	setenv("LISTEN_FDS", "1", 1);
	setenv("LISTEN_FDNAMES", "siosteer", 1);
	snprintf(buf, sizeof(buf), "%d", w->slot);
	setenv("SIOSTEER_SLOT", buf, 1);
	setenv("NODE_APP_INSTANCE", buf, 1);
	snprintf(buf, sizeof(buf), "%u", port);
	setenv("SIOSTEER_PORT", buf, 1);
	execvp(cmd[0], cmd);
	fprintf(stderr, "siosteer: error: slot %d: cannot run '%s': %s\n", w->slot, cmd[0],
		strerror(errno));
	_exit(127);
}

pid_t worker_spawn(struct worker *w, char *const *cmd, unsigned port)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		child_exec(w, cmd, port);
	w->pid = pid;
	w->started = mono_s();
	return pid;
}

void worker_exited(struct worker *w, int status)
{
	double ran = mono_s() - w->started;
	char how[64];

	if (WIFSIGNALED(status))
		snprintf(how, sizeof(how), "was killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(status));
	if (ran >= HEALTHY_RUN_S || w->backoff == 0) {
		w->backoff = ran >= HEALTHY_RUN_S ? 0 : BACKOFF_MIN_S;
		w->restart_at = mono_s();
	} else {
		w->restart_at = mono_s() + w->backoff;
		w->backoff = w->backoff * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : w->backoff * 2;
	}
	log_info("slot %d: worker pid %d %s after %.1fs; restarting %s", w->slot, w->pid, how, ran,
		 w->restart_at <= mono_s() ? "now" : "after back-off");
	w->pid = 0;
}

void workers_stop(struct worker *w, int n, int timeout)
{
	double deadline = mono_s() + timeout;
	int i, alive;

	for (i = 0; i < n; i++)
		if (w[i].pid > 0)
			kill(w[i].pid, SIGTERM);
	do {
		alive = 0;
		for (i = 0; i < n; i++) {
			if (w[i].pid <= 0)
				continue;
			pid_t r = waitpid(w[i].pid, NULL, WNOHANG);

			if (r == w[i].pid || (r < 0 && errno == ECHILD))
				w[i].pid = 0;
			else
				alive++;
		}
		if (alive)
			usleep(20000);
	} while (alive && mono_s() < deadline);
	for (i = 0; i < n; i++) {
		if (w[i].pid <= 0)
			continue;
		log_warn("slot %d: worker pid %d ignored SIGTERM for %ds; sending SIGKILL",
			 w[i].slot, w[i].pid, timeout);
		kill(w[i].pid, SIGKILL);
		waitpid(w[i].pid, NULL, 0);
		w[i].pid = 0;
	}
}
