/* sioload — shared types: options, per-thread worker, connection, session. */
#ifndef SIOLOAD_H
#define SIOLOAD_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include "buf.h"
#include "http.h"
#include "stats.h"

enum mode { MODE_POLLING, MODE_UPGRADE, MODE_WEBSOCKET };
extern const char *const mode_names[3];

struct opts {
	enum mode mode;
	bool new_conn;
	bool fast_upgrade; /* no pending poll during the WebSocket probe */
	uint64_t sessions, concurrency, acks;
	struct sockaddr_storage dst;
	socklen_t dstlen;
	char url[600];
	char host[300];  /* Host header */
	char path[512];  /* engine.io path, ends with '/' */
	char nsp[256];   /* Socket.IO namespace, "/" by default */
	struct sockaddr_storage *src; /* source addresses, round-robin per session */
	size_t nsrc;
	double deadline_s, timeout_s;
	int threads;
	size_t echo_bytes;
	bool json, quiet, progress;
	int show_errors;
	unsigned pool;        /* --pool N: per-thread shared keep-alive pool of N connections; 0: off */
	unsigned max_resends; /* --pool: resends of one request after reused connections died */
};

/* Progress counters shared by all threads (relaxed atomics). */
struct shared {
	atomic_ullong started, ok, failed;
	atomic_int errors_shown;
	uint64_t t0; /* CLOCK_MONOTONIC ns at start */
};

struct session;
struct worker;

/* --pool: a polling request waiting for a pooled connection (FIFO per thread). */
struct pwait {
	struct session *s;
	int slot;
	bool queued;
	struct pwait *next, *prev;
};

struct conn {
	int fd;                 /* -1 once closed */
	struct session *s;      /* owner; NULL while draining or free */
	struct worker *w;
	bool connecting, eof, ws, busy, close_after, in_drain;
	bool pooled;            /* --pool: counts against the thread's pool */
	bool pool_idle;         /* in the pool's idle list (linked through next/prev) */
	bool detached;          /* pooled, carrying a fire-and-forget request of an ended session */
	unsigned nreq;          /* requests sent on this connection */
	uint64_t drain_until;
	struct buf in, out;
	struct http_resp resp;
	struct buf msg;         /* WebSocket fragment reassembly */
	struct conn *next, *prev;
};

struct worker {
	int id, epfd;
	const struct opts *o;
	struct shared *sh;
	uint64_t first, end, next; /* session indexes [first, end); next to start */
	uint64_t conc, active;
	uint64_t deadline, now;    /* ns, CLOCK_MONOTONIC */
	uint64_t t_done;           /* when its last session ended */
	uint64_t rng;
	struct session *free_sessions;
	struct session **act;      /* active sessions, for timeout scans */
	size_t nact;
	struct conn *free_conns, *zombies;
	struct conn drain;         /* list head of draining connections */
	size_t ndrain;
	struct conn pool_idle;     /* --pool: list head of idle pooled connections, MRU first */
	size_t pool_nidle, pool_count, ndetached;
	struct pwait *pq_head, *pq_tail; /* requests waiting for a pooled connection */
	char *echo_str;
	unsigned tok;              /* t= cache-buster counter */
	struct stats st;
};

static inline uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t rng_next(struct worker *w)
{
	uint64_t x = w->rng; /* xorshift64* */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	w->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* conn.c */
struct conn *conn_open(struct worker *w, struct session *s, const struct sockaddr_storage *src,
		       int *err);
int conn_flush(struct conn *c);                /* 0, or -1 with errno */
void conn_event(struct conn *c, uint32_t events);
void conn_retire(struct conn *c, bool graceful); /* detach from its session */
void conn_reap(struct worker *w);              /* after an epoll batch */
void conn_drain_expire(struct worker *w, bool all);
struct conn *pool_take_idle(struct worker *w);  /* MRU idle pooled connection or NULL */
void pool_release(struct conn *c);             /* a pooled connection is idle again */
void pool_close_idle(struct worker *w);

/* session.c */
void session_start(struct worker *w, uint64_t idx);
void session_io(struct session *s, struct conn *c, int err); /* data/eof or socket error */
void session_tick(struct session *s);    /* timeouts and retries */
void session_abort(struct session *s);   /* the --deadline hit */
void sessions_free(struct worker *w);
void pool_dispatch(struct worker *w);    /* hand free pool capacity to waiting requests */

/* loop.c */
void *worker_run(void *arg);
#endif
