/* sioload — statistics: log-linear histograms (HDR-like) and a small pid hash table. */
#include "stats.h"
#include <string.h>

const char *const reason_names[R_COUNT] = {
	"session_id_unknown", "connect_error", "pid_changed", "timeout",
	"upgrade_failed",     "http_error",    "protocol_error", "not_started",
};

static unsigned bucket_of(uint64_t v)
{
	if (v < 128)
		return (unsigned)v;
	int msb = 63 - __builtin_clzll(v); /* >= 7 */
	int shift = msb - 6;               /* keep the top 7 bits: 64..127 */
	unsigned idx = 128 + (unsigned)(shift - 1) * HIST_SUB + (unsigned)((v >> shift) - HIST_SUB);
	return idx < HIST_BUCKETS ? idx : HIST_BUCKETS - 1;
}

static uint64_t bucket_mid(unsigned idx)
{
	if (idx < 128)
		return idx;
	unsigned k = idx - 128;
	int shift = (int)(k / HIST_SUB) + 1;
	uint64_t lo = (uint64_t)(k % HIST_SUB + HIST_SUB) << shift;
	return lo + ((1ULL << shift) >> 1);
}

void hist_add(struct hist *h, uint64_t v)
{
	h->b[bucket_of(v)]++;
	if (!h->n || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->n++;
	h->sum += v;
}

void hist_merge(struct hist *into, const struct hist *from)
{
	if (!from->n)
		return;
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		into->b[i] += from->b[i];
	if (!into->n || from->min < into->min)
		into->min = from->min;
	if (from->max > into->max)
		into->max = from->max;
	into->n += from->n;
	into->sum += from->sum;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
	if (!h->n)
		return 0;
	uint64_t rank = (uint64_t)(q * (double)h->n + 0.5);
	if (rank < 1)
		rank = 1;
	if (rank > h->n)
		rank = h->n;
	uint64_t c = 0;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		c += h->b[i];
		if (c >= rank) {
			uint64_t v = bucket_mid(i);
			if (v > h->max)
				v = h->max;
			if (v < h->min)
				v = h->min;
			return v;
		}
	}
	return h->max;
}

void pidmap_add(struct pidmap *m, long long pid, uint64_t n)
{
	unsigned h = (unsigned)((uint64_t)pid * 0x9E3779B97F4A7C15ULL >> 52) & (PIDMAP_SIZE - 1);
	for (unsigned i = 0; i < PIDMAP_SIZE; i++, h = (h + 1) & (PIDMAP_SIZE - 1)) {
		if (m->n[h] && m->pid[h] == pid) {
			m->n[h] += n;
			return;
		}
		if (!m->n[h]) {
			if (m->used >= PIDMAP_SIZE * 3 / 4)
				break;
			m->pid[h] = pid;
			m->n[h] = n;
			m->used++;
			return;
		}
	}
	m->overflow += n;
}

void pidmap_merge(struct pidmap *into, const struct pidmap *from)
{
	for (unsigned i = 0; i < PIDMAP_SIZE; i++)
		if (from->n[i])
			pidmap_add(into, from->pid[i], from->n[i]);
	into->overflow += from->overflow;
}

void stats_merge(struct stats *into, const struct stats *from)
{
	into->started += from->started;
	into->ok += from->ok;
	into->failed += from->failed;
	for (int i = 0; i < R_COUNT; i++)
		into->fail[i] += from->fail[i];
	into->acks += from->acks;
	into->connects += from->connects;
	into->http_requests += from->http_requests;
	into->ws_upgrades += from->ws_upgrades;
	into->port_retries += from->port_retries;
	into->keepalive_retries += from->keepalive_retries;
	into->pings += from->pings;
	into->pool_connections += from->pool_connections;
	into->pool_reused += from->pool_reused;
	into->pool_waits += from->pool_waits;
	into->resends += from->resends;
	into->cut_by_deadline += from->cut_by_deadline;
	into->bytes_out += from->bytes_out;
	into->bytes_in += from->bytes_in;
	hist_merge(&into->ack_rtt, &from->ack_rtt);
	hist_merge(&into->session_time, &from->session_time);
	hist_merge(&into->connect_time, &from->connect_time);
	pidmap_merge(&into->pids, &from->pids);
}
