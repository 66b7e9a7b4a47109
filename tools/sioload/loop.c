/* sioload — one worker thread: an epoll loop that keeps up to `conc` sessions running,
 * scans for timeouts and retries, and (thread 0) prints a progress line every second. */
#include "sioload.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#define SCAN_NS 10000000ull      /* timeout/retry scan period: 10 ms */
#define TAIL_DRAIN_NS 1000000000ull /* after the last session, wait <= 1 s for drains */

static void progress(struct worker *w, uint64_t *next_at)
{
	struct shared *sh = w->sh;
	const struct opts *o = w->o;
	if (w->now < *next_at)
		return;
	static uint64_t last_done, last_t;
	uint64_t ok = atomic_load_explicit(&sh->ok, memory_order_relaxed);
	uint64_t bad = atomic_load_explicit(&sh->failed, memory_order_relaxed);
	uint64_t started = atomic_load_explicit(&sh->started, memory_order_relaxed);
	double el = (double)(w->now - sh->t0) / 1e9;
	double rate = last_t ? (double)(ok + bad - last_done) / ((double)(w->now - last_t) / 1e9) : 0;
	last_done = ok + bad;
	last_t = w->now;
	*next_at = w->now + 1000000000ull;
	if (el < 1.5) /* short runs stay quiet */
		return;
	fprintf(stderr, "sioload: %6.1fs  ok %llu  failed %llu  active %llu  left %llu  %.0f sessions/s\n",
		el, (unsigned long long)ok, (unsigned long long)bad,
		(unsigned long long)(started - ok - bad),
		(unsigned long long)(o->sessions - started), rate);
}

void *worker_run(void *arg)
{
	struct worker *w = arg;
	const struct opts *o = w->o;
	struct epoll_event evs[512];
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0) {
		perror("sioload: epoll_create1");
		exit(2);
	}
	w->drain.next = w->drain.prev = &w->drain;
	w->pool_idle.next = w->pool_idle.prev = &w->pool_idle;
	w->act = calloc(w->conc + 1, sizeof *w->act);
	if (!w->act) {
		fprintf(stderr, "sioload: out of memory\n");
		exit(2);
	}
	w->now = now_ns();
	uint64_t next_scan = w->now + SCAN_NS, next_progress = w->now + 1000000000ull;
	uint64_t tail_until = 0;
	bool cut = false;
	for (uint64_t iter = 0;; iter++) {
		w->now = now_ns();
		if (w->now >= w->deadline) {
			/* Hard bound: everything still running fails, the rest never starts. */
			while (w->nact)
				session_abort(w->act[w->nact - 1]);
			w->st.fail[R_NOT_STARTED] += w->end - w->next;
			w->st.failed += w->end - w->next;
			atomic_fetch_add_explicit(&w->sh->failed, w->end - w->next, memory_order_relaxed);
			w->next = w->end;
			w->t_done = w->now;
			cut = true;
			break;
		}
		while (w->active < w->conc && w->next < w->end)
			session_start(w, w->next++);
		if (!w->active && w->next >= w->end) {
			if (!w->t_done)
				w->t_done = w->now;
			if (!w->ndrain && !w->ndetached)
				break;
			if (!tail_until)
				tail_until = w->now + TAIL_DRAIN_NS;
			if (w->now >= tail_until)
				break;
		}
		if (o->pool)
			pool_dispatch(w);
		int n = epoll_wait(w->epfd, evs, (int)(sizeof evs / sizeof evs[0]), 10);
		if (n < 0 && errno != EINTR) {
			perror("sioload: epoll_wait");
			exit(2);
		}
		w->now = now_ns();
		for (int i = 0; i < n; i++)
			conn_event(evs[i].data.ptr, evs[i].events);
		conn_reap(w);
		if (w->now >= next_scan) {
			next_scan = w->now + SCAN_NS;
			/* backwards: a session that ends is swap-removed with the last one */
			for (size_t i = w->nact; i-- > 0;)
				if (i < w->nact)
					session_tick(w->act[i]);
			conn_drain_expire(w, false);
			conn_reap(w);
		}
		if (w->id == 0 && o->progress)
			progress(w, &next_progress);
	}
	(void)cut;
	conn_drain_expire(w, true);
	pool_close_idle(w);
	conn_reap(w);
	close(w->epfd);
	return NULL;
}
