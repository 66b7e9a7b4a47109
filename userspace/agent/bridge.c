// SPDX-License-Identifier: MIT
/*
 * The agent's Redis bridge (see bridge.h): a thread with blocking hiredis calls, all with
 * a 1 s timeout, and a poll() on the control subscription. Why a thread and not hiredis'
 * async API in the agent's loop: the directory scan walks a BPF map of up to millions of
 * sessions and a resync writes them all, which would stall the loop that restarts
 * workers and applies drains; in its own thread the worst a dead or garbage-speaking
 * Redis can do is make the bridge wait a second. The handoff is the kernel's: the thread
 * reads the pinned maps and writes the pinned control map; the agent's loop reads that
 * map every CTL_POLL_MS and is the only writer of the steering table.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "bridge_internal.h"
#include "clock.h"
#include "log.h"

__u64 br_now_unix_ms(void)
{
	return (__u64)(clock_s(CLOCK_REALTIME) * 1000);
}

int bridge_check_name(const char *what, const char *name)
{
	size_t i, n = name ? strlen(name) : 0;
	bool digits = true;

	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			break;
		digits &= c >= '0' && c <= '9';
	}
	if (!n || n > BRIDGE_NAME_MAX || i < n || digits) {
		log_error("%s '%s': use 1 to %d of A-Z a-z 0-9 . _ - (not only digits)", what,
			  name ? name : "", BRIDGE_NAME_MAX);
		return -1;
	}
	return 0;
}

const char *bridge_default_node(void)
{
	static char host[BRIDGE_NAME_MAX + 1];
	size_t i;

	if (gethostname(host, sizeof(host)) || !host[0])
		snprintf(host, sizeof(host), "node");
	host[sizeof(host) - 1] = '\0';
	for (i = 0; host[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
			    host[i]))
			host[i] = '-';
	return host;
}

int bridge_key(char *buf, size_t len, const char *cluster, const char *kind, const char *name)
{
	int n = name ? snprintf(buf, len, "siosteer:%s:%s:%s", cluster, kind, name) :
		       snprintf(buf, len, "siosteer:%s:%s", cluster, kind);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static void tick(struct bridge *b)
{
	double t0 = mono_s();
	__u64 published0 = b->st.published;
	bool resync;

	if (br_open_pins(b))
		return;
	br_read_local(b);
	resync = b->resync && br_up(b);
	if (resync)
		br_flush_queue(b);
	b->resync = resync;
	br_scan_sids(b);
	if (br_up(b)) {
		br_flush_queue(b);
		br_heartbeat(b);
		br_pipe_drain(b);
	}
	if (resync && br_up(b)) {
		b->resync = false;
		b->st.resyncs++;
		log_info("redis: resynced membership and %llu session%s in %.2f s",
			 (unsigned long long)(b->st.published - published0),
			 b->st.published - published0 == 1 ? "" : "s", mono_s() - t0);
	} else if (!br_up(b)) {
		b->resync = false; /* whatever was written is lost with the connection */
	}
	b->tick++;
	br_stats_flush(b);
}

static void *bridge_main(void *arg)
{
	struct bridge *b = arg;
	double next_tick = mono_s();

	while (!atomic_load(&b->stop)) {
		struct pollfd pfd[2] = { { .fd = b->wake_fd, .events = POLLIN },
					 { .fd = -1, .events = POLLIN } };
		double now = mono_s(), until;
		int timeout_ms;

		if (!br_up(b) && now >= b->next_try) {
			br_try_connect(b);
			if (br_up(b))
				next_tick = mono_s(); /* publish at once: membership, resync */
		}
		if (mono_s() >= next_tick) {
			tick(b);
			next_tick += BRIDGE_HEARTBEAT_S;
			if (next_tick < mono_s())
				next_tick = mono_s() + BRIDGE_HEARTBEAT_S;
		}
		now = mono_s();
		until = next_tick;
		if (!br_up(b) && b->next_try < until)
			until = b->next_try;
		timeout_ms = until > now ? (int)((until - now) * 1000) + 1 : 0;
		if (b->sub)
			pfd[1].fd = b->sub->fd;
		if (poll(pfd, 2, timeout_ms) > 0) {
			if (pfd[1].revents && b->sub)
				br_read_sub(b);
		}
	}
	br_withdraw(b);
	br_drop_conns(b);
	br_set_state(b, SIOSTEER_BRIDGE_STOPPED);
	return NULL;
}

int bridge_start(const struct bridge_opts *o, struct bridge **out)
{
	sigset_t all, old;
	struct bridge *b;
	char err[300];
	int rc;

	*out = NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->wake_fd = b->sids_fd = b->load_fd = b->ctl_fd = b->stats_fd = -1;
	if (redis_url_parse(o->url, &b->u, err, sizeof(err))) {
		log_error("%s", err);
		free(b);
		return -EINVAL;
	}
	snprintf(b->url, sizeof(b->url), "%s", o->url);
	snprintf(b->cluster, sizeof(b->cluster), "%s", o->cluster);
	snprintf(b->node, sizeof(b->node), "%s", o->node);
	snprintf(b->root, sizeof(b->root), "%s", o->pin_root);
	b->port = o->port;
	b->sid_ttl = o->sid_ttl > 0 ? o->sid_ttl : BRIDGE_SID_TTL_S;
	redis_url_where(&b->u, b->where, sizeof(b->where));
	b->backoff = BRIDGE_BACKOFF_MIN_S;
	b->started_ms = (double)br_now_unix_ms();
	snprintf(b->member, sizeof(b->member), "%s:%u", b->node, b->port);
	bridge_key(b->k_nodes, sizeof(b->k_nodes), b->cluster, "nodes", NULL);
	bridge_key(b->k_node, sizeof(b->k_node), b->cluster, "node", b->member);
	bridge_key(b->k_ctl, sizeof(b->k_ctl), b->cluster, "ctl", NULL);
	bridge_key(b->k_ack, sizeof(b->k_ack), b->cluster, "ctl-ack", NULL);
	bridge_key(b->k_ctlstate, sizeof(b->k_ctlstate), b->cluster, "ctl-state", NULL);
	bridge_key(b->k_sid, sizeof(b->k_sid), b->cluster, "sid", "");
	b->q = calloc(BRIDGE_QUEUE_MAX, sizeof(*b->q));
	b->scan_keys = calloc(SCAN_CHUNK, sizeof(*b->scan_keys));
	b->scan_vals = calloc(SCAN_CHUNK, sizeof(*b->scan_vals));
	b->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!b->q || !b->scan_keys || !b->scan_vals || b->wake_fd < 0) {
		rc = -ENOMEM;
		goto fail;
	}
	b->stats_fd = siosteer_bridge_stats_open(b->root, b->port, true);
	b->st.agent_pid = (__u32)getpid();
	b->st.queue_max = BRIDGE_QUEUE_MAX;
	snprintf(b->st.cluster, sizeof(b->st.cluster), "%s", b->cluster);
	snprintf(b->st.node, sizeof(b->st.node), "%s", b->node);
	snprintf(b->st.where, sizeof(b->st.where), "%.95s", b->where);
	br_set_state(b, SIOSTEER_BRIDGE_CONNECTING);
	/* The thread takes no signals (SIGPIPE from a dead Redis socket included): the
	 * agent's signalfd gets them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = -pthread_create(&b->th, NULL, bridge_main, b);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		goto fail;
	b->started = true;
	log_info("redis bridge: node %s of cluster %s, Redis at %s, session TTL %.0f s", b->node,
		 b->cluster, b->where, b->sid_ttl);
	*out = b;
	return 0;
fail:
	log_error("start the Redis bridge: %s", strerror(-rc));
	bridge_stop(b);
	return rc;
}

void bridge_stop(struct bridge *b)
{
	__u64 one = 1;

	if (!b)
		return;
	if (b->started) {
		atomic_store(&b->stop, true);
		if (write(b->wake_fd, &one, sizeof(one)) < 0)
			log_debug("wake bridge: %m");
		pthread_join(b->th, NULL);
	}
	br_drop_conns(b);
	if (b->pinned)
		siosteer_pinned_close(&b->p);
	if (b->sids_fd >= 0)
		close(b->sids_fd);
	if (b->load_fd >= 0)
		close(b->load_fd);
	if (b->ctl_fd >= 0)
		close(b->ctl_fd);
	if (b->stats_fd >= 0)
		close(b->stats_fd);
	if (b->wake_fd >= 0)
		close(b->wake_fd);
	free(b->q);
	free(b->scan_keys);
	free(b->scan_vals);
	free(b);
}
