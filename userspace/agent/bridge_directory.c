// SPDX-License-Identifier: MIT
/*
 * The session directory: every learned sid of the port in Redis (published when
 * learned, renewed a bucket at a time, all of it on a resync), held in a queue while Redis
 * is away. See bridge.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>

#include "bridge_internal.h"
#include "clock.h"

static void put_sid(struct bridge *b, const char *sid, unsigned len, __u32 slot, __u32 pid,
		    __u64 learned_ms)
{
	char key[256], val[320];
	int kl, vl;

	kl = snprintf(key, sizeof(key), "%s%.*s", b->k_sid, (int)len, sid);
	vl = snprintf(val, sizeof(val),
		      "{\"node\":\"%s\",\"port\":%u,\"slot\":%u,\"pid\":%u,\"learned\":%llu}",
		      b->node, b->port, slot, pid, (unsigned long long)learned_ms);
	br_pipe_add(b, "SET %b %b PX %lld", key, (size_t)kl, val, (size_t)vl,
		    (long long)(b->sid_ttl * 1000));
}

static void enqueue(struct bridge *b, const struct dir_item *it)
{
	if (b->qlen >= BRIDGE_QUEUE_MAX) {
		b->st.dropped++;
		return;
	}
	b->q[(b->qhead + b->qlen) % BRIDGE_QUEUE_MAX] = *it;
	b->qlen++;
}

/* Newest sessions first after a reconnect: those are the ones people look up. */
void br_flush_queue(struct bridge *b)
{
	while (b->qlen && br_up(b)) {
		const struct dir_item *it = &b->q[b->qhead];

		put_sid(b, it->sid, it->len, it->slot, it->pid, it->learned_ms);
		b->st.published++;
		b->qhead = (b->qhead + 1) % BRIDGE_QUEUE_MAX;
		b->qlen--;
	}
}

static unsigned sid_bucket(const struct siosteer_sid *s, unsigned n)
{
	__u32 h = 2166136261u;
	unsigned i;

	for (i = 0; i < s->len && i < SIOSTEER_SID_MAX; i++)
		h = (h ^ (unsigned char)s->s[i]) * 16777619u;
	return h % n;
}

/*
 * One entry of the scan: count it, and publish it if it is new (learned since the previous
 * scan began), due for renewal (its bucket's turn) or resyncing. A session learned on
 * another CPU just before the previous scan may have been inserted after that scan passed
 * its place, so entries up to `margin_ns` older than that are written again (idempotent).
 */
static void scan_entry(struct bridge *b, const struct siosteer_sid *k,
		       const struct siosteer_sid_owner *v, __u64 new_ns, __u64 margin_ns,
		       unsigned bucket, unsigned nbuckets)
{
	struct dir_item it;
	bool fresh, recent;

	if (v->slot >= SIOSTEER_MAX_SLOTS || !k->len || k->len > SIOSTEER_SID_MAX)
		return;
	b->slot[v->slot].sessions++;
	b->st.sessions++;
	if (!b->slot[v->slot].owner.pid)
		return; /* nobody owns the slot now: nothing true to publish */
	fresh = v->learned_ns >= new_ns;
	recent = v->learned_ns >= margin_ns;
	if (!recent && !b->resync && sid_bucket(k, nbuckets) != bucket)
		return;
	memcpy(it.sid, k->s, k->len);
	it.len = k->len;
	it.slot = v->slot;
	it.pid = b->slot[v->slot].owner.pid;
	it.learned_ms = (__u64)((double)v->learned_ns / 1e6 + b->boot_to_unix_ms);
	if (br_up(b)) {
		put_sid(b, it.sid, it.len, it.slot, it.pid, it.learned_ms);
		if (fresh || b->resync)
			b->st.published++;
		else
			b->st.renewed++;
	} else if (fresh && b->st.connects) {
		/* Redis went away: hold the newest sessions for the reconnect (before the
		 * first connection there is nothing to hold: its resync publishes all). */
		enqueue(b, &it);
	}
}

/* Walk the learned sids (batch lookups; one by one where batches are unsupported). */
void br_scan_sids(struct bridge *b)
{
	unsigned nbuckets = (unsigned)(b->sid_ttl / 3 / BRIDGE_HEARTBEAT_S);
	__u64 start_ns = (__u64)(clock_s(CLOCK_BOOTTIME) * 1e9), batch_in = 0, batch_out = 0;
	__u64 new_ns = b->prev_scan_ns;
	__u64 margin_ns = new_ns > 2000000000ull ? new_ns - 2000000000ull : 0;
	unsigned bucket, i;
	bool first = true;
	__u32 slot;

	if (nbuckets < 1)
		nbuckets = 1;
	bucket = b->tick % nbuckets;
	b->st.sessions = 0;
	for (slot = 0; slot < SIOSTEER_MAX_SLOTS; slot++)
		b->slot[slot].sessions = 0;
	if (b->sids_fd < 0)
		return;
	for (;;) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		__u32 count = SCAN_CHUNK;
		int err = bpf_map_lookup_batch(b->sids_fd, first ? NULL : &batch_in, &batch_out,
					       b->scan_keys, b->scan_vals, &count, &opts);
		int e = errno;

		for (i = 0; i < count && (!err || e == ENOENT); i++)
			scan_entry(b, &b->scan_keys[i], &b->scan_vals[i], new_ns, margin_ns, bucket,
				   nbuckets);
		if (err && e == ENOENT)
			break;
		if (err) {
			/* No batch support (or a bucket larger than the chunk): walk keys. */
			struct siosteer_sid key, next;
			struct siosteer_sid_owner v;
			void *prev = NULL;

			b->st.sessions = 0;
			for (slot = 0; slot < SIOSTEER_MAX_SLOTS; slot++)
				b->slot[slot].sessions = 0;
			while (!bpf_map_get_next_key(b->sids_fd, prev, &next)) {
				key = next;
				prev = &key;
				if (!bpf_map_lookup_elem(b->sids_fd, &key, &v))
					scan_entry(b, &key, &v, new_ns, margin_ns, bucket,
						   nbuckets);
			}
			break;
		}
		batch_in = batch_out;
		first = false;
	}
	b->prev_scan_ns = start_ns;
}
