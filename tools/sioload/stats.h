/* sioload — counters, log-linear latency histograms and per-worker-pid tallies. */
#ifndef SIOLOAD_STATS_H
#define SIOLOAD_STATS_H
#include <stdint.h>

/* Failure reasons, in report order. */
enum reason {
	R_SESSION_ID_UNKNOWN,
	R_CONNECT_ERROR,
	R_PID_CHANGED,
	R_TIMEOUT,
	R_UPGRADE_FAILED,
	R_HTTP_ERROR,
	R_PROTOCOL_ERROR,
	R_NOT_STARTED, /* the --deadline came before the session could start */
	R_COUNT
};
extern const char *const reason_names[R_COUNT];

/* Values (µs) below 128 exact; above, 64 sub-buckets per power of two (< 1.6 % error). */
#define HIST_SUB 64
#define HIST_BUCKETS (128 + 57 * HIST_SUB)
struct hist {
	uint64_t n, sum, max, min;
	uint64_t b[HIST_BUCKETS];
};
void hist_add(struct hist *h, uint64_t v);
void hist_merge(struct hist *into, const struct hist *from);
/* q in [0,1]; returns a representative value of the bucket holding the q-quantile. */
uint64_t hist_quantile(const struct hist *h, double q);

#define PIDMAP_SIZE 4096 /* distinct worker pids tracked (power of two) */
struct pidmap {
	unsigned used;
	long long pid[PIDMAP_SIZE];
	uint64_t n[PIDMAP_SIZE];
	uint64_t overflow; /* sessions whose pid did not fit */
};
void pidmap_add(struct pidmap *m, long long pid, uint64_t n);
void pidmap_merge(struct pidmap *into, const struct pidmap *from);

struct stats {
	uint64_t started, ok, failed;
	uint64_t fail[R_COUNT];
	uint64_t acks;              /* acknowledgements received */
	uint64_t connects;          /* TCP connections opened */
	uint64_t http_requests;     /* HTTP requests sent (upgrade requests included) */
	uint64_t ws_upgrades;       /* 101 Switching Protocols received */
	uint64_t port_retries;      /* connect() EADDRNOTAVAIL: local ports exhausted, retried */
	uint64_t keepalive_retries; /* request resent after a reused connection closed */
	uint64_t pings;             /* engine.io pings answered */
	uint64_t pool_connections;  /* --pool: pooled connections opened */
	uint64_t pool_reused;       /* --pool: requests sent on a reused pooled connection */
	uint64_t pool_waits;        /* --pool: requests that queued for a pooled connection */
	uint64_t resends;           /* --pool: requests resent after a reused connection died */
	uint64_t cut_by_deadline;   /* sessions counted as timeout because --deadline hit */
	uint64_t bytes_out, bytes_in;
	struct hist ack_rtt;        /* µs, emit sent -> ack received */
	struct hist session_time;   /* µs, start -> last ack (OK sessions) */
	struct hist connect_time;   /* µs, start -> Socket.IO CONNECT answered */
	struct pidmap pids;         /* OK sessions per worker pid */
};
void stats_merge(struct stats *into, const struct stats *from);
#endif
