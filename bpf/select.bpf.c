// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * sk_reuseport selector: picks the worker socket for a new connection.
 *
 * Key 1 (address): the client address masked to a prefix, hashed into the Maglev table
 * that the loader computed over the live slots.
 * Key 2 (sid): with tcp_syncookies=2 and the gate, the run that creates the connection
 * sees the client's first request; its engine.io sid names the owning slot, learned by
 * the tc learner. A request without sid (a new session) is placed by the --place policy;
 * an unknown or malformed sid, or a payload that is not HTTP, falls back to key 1.
 *
 * A handshake (a request without sid) is recorded as connection -> slot, with the
 * worker's first sequence number, for the learner; nothing else is (a map write per
 * connection was most of this program's cost: BENCHMARKS.md, 'the sk_reuseport program'),
 * and the learner checks the sequence number, so a record of an earlier connection on the
 * same 4-tuple cannot mislead it. Every run that can select still selects
 * (docs/ARCHITECTURE.md, 'Every run selects'). A slot whose worker died makes the select
 * fail with -ENOENT; we then walk the table's live slots in an order derived from the
 * address hash.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "siosteer.h"
#include "addr_hash.h"
#include "maps.h"
#include "sid_maps.h"
#include "req_scratch.h"

#define ETH_P_IP   0x0800
#define ETH_P_IPV6 0x86DD
#define ENOENT     2

/* Set by the loader before load. Masks are in network byte order. */
const volatile __u32 mask4 = 0xffffffff;
const volatile __u32 mask6[4] = { 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff };
const volatile __u32 key_mode = SIOSTEER_KEY_ADDR;
const volatile __u32 place = SIOSTEER_PLACE_ADDR;

/* The connection's addresses (from the IP header) and its address-key hash. */
static __always_inline int read_conn(struct sk_reuseport_md *md, struct siosteer_conn *k,
				     __u32 *hash, struct siosteer_counters *c)
{
	__u32 w[4];
	int i;

	if (md->eth_protocol == bpf_htons(ETH_P_IP)) {
		if (bpf_skb_load_bytes_relative(md, offsetof(struct iphdr, saddr), k->client, 8,
						BPF_HDR_START_NET))
			return -1;
		/* saddr and daddr are adjacent: move daddr into place. */
		k->server[0] = k->client[1];
		k->client[1] = 0;
		w[0] = k->client[0] & mask4;
		*hash = siosteer_addr_hash(w, 1);
		c->ipv4++;
		return 0;
	}
	if (md->eth_protocol == bpf_htons(ETH_P_IPV6)) {
		if (bpf_skb_load_bytes_relative(md, offsetof(struct ipv6hdr, saddr), k->client, 16,
						BPF_HDR_START_NET) ||
		    bpf_skb_load_bytes_relative(md, offsetof(struct ipv6hdr, daddr), k->server, 16,
						BPF_HDR_START_NET))
			return -1;
		for (i = 0; i < 4; i++)
			w[i] = k->client[i] & mask6[i];
		*hash = siosteer_addr_hash(w, 4);
		c->ipv6++;
		return 0;
	}
	return -1;
}

/*
 * Table bucket of a hash. Clang lowers `% M` to div/mul/sub, which leaves the verifier
 * with no bound; the empty asm hides the value so the explicit check survives, and a
 * 64-bit value keeps clang from checking one zero-extended copy and indexing with another.
 */
static __always_inline __u64 bucket_of(__u32 hash)
{
	__u64 b = hash % SIOSTEER_MAGLEV_SIZE;

	asm volatile("" : "+r"(b));
	if (b >= SIOSTEER_MAGLEV_SIZE)
		b = 0;
	return b;
}

/* Select `slot`. Returns 0 on success, the helper's error otherwise. */
static __always_inline long try_slot(struct sk_reuseport_md *md, __u32 slot)
{
	__u32 key = slot; /* the helper gets its own copy: its stack slot loses bounds */

	if (slot >= SIOSTEER_MAX_SLOTS)
		return -ENOENT;
	return bpf_sk_select_reuseport(md, &slots, &key, 0);
}

/* Key 1, with the deterministic fallback. Returns the slot, or SIOSTEER_NO_SLOT. */
static __always_inline __u32 select_by_addr(struct sk_reuseport_md *md, struct siosteer_table *t,
					    __u32 hash, struct siosteer_counters *c)
{
	__u32 slot = t->entry[bucket_of(hash)], nlive, start, i;
	long err;

	err = try_slot(md, slot);
	if (!err)
		return slot;
	if (err != -ENOENT)
		c->select_error++;
	nlive = t->nlive;
	if (nlive > SIOSTEER_MAX_SLOTS)
		nlive = SIOSTEER_MAX_SLOTS;
	if (!nlive)
		return SIOSTEER_NO_SLOT;
	start = siosteer_mix32(hash) % nlive;
	for (i = 0; i < SIOSTEER_MAX_SLOTS; i++) {
		__u32 idx;

		if (i >= nlive)
			break;
		idx = start + i;
		if (idx >= nlive)
			idx -= nlive;
		if (idx >= SIOSTEER_MAX_SLOTS)
			break;
		slot = t->live[idx];
		if (!try_slot(md, slot)) {
			c->fallback++;
			return slot;
		}
	}
	return SIOSTEER_NO_SLOT;
}

/* --place least-loaded / random over the table's live slots; NO_SLOT if none takes it. */
static __always_inline __u32 select_new_session(struct sk_reuseport_md *md,
						struct siosteer_table *t, __u32 hash,
						struct siosteer_counters *c)
{
	__u32 nlive = t->nlive, i, best = SIOSTEER_NO_SLOT, slot;
	__u64 best_load = ~0ull;
	struct siosteer_slot_load *l;

	if (place == SIOSTEER_PLACE_ADDR || !nlive)
		return select_by_addr(md, t, hash, c);
	if (nlive > SIOSTEER_MAX_SLOTS)
		nlive = SIOSTEER_MAX_SLOTS;
	if (place == SIOSTEER_PLACE_RANDOM) {
		i = bpf_get_prandom_u32() % nlive;
		if (i < SIOSTEER_MAX_SLOTS)
			best = t->live[i];
	} else {
		for (i = 0; i < SIOSTEER_MAX_SLOTS; i++) {
			if (i >= nlive)
				break;
			slot = t->live[i];
			l = bpf_map_lookup_elem(&load, &slot);
			if (l && l->placed < best_load) {
				best_load = l->placed;
				best = slot;
			}
		}
	}
	if (best == SIOSTEER_NO_SLOT || try_slot(md, best))
		return select_by_addr(md, t, hash, c);
	l = bpf_map_lookup_elem(&load, &best);
	if (l)
		__sync_fetch_and_add(&l->placed, 1);
	return best;
}

/* Key 2: returns the slot chosen from the first request, or NO_SLOT to use key 1.
 * *new_session says the request had no sid: only such connections may teach a sid. */
static __always_inline __u32 select_by_sid(struct sk_reuseport_md *md, struct siosteer_table *t,
					   const struct tcphdr *th, __u32 hash,
					   struct siosteer_counters *c, __u32 *new_session)
{
	struct siosteer_sid_owner *owner;
	struct siosteer_sid sid = {};
	struct scratch *s;
	__u32 zero = 0, doff, n;
	int r;

	doff = th->doff * 4;
	if (md->len <= doff)
		return SIOSTEER_NO_SLOT; /* SYN or bare ACK: no request yet */
	c->first_data++;
	s = bpf_map_lookup_elem(&req_scratch, &zero);
	if (!s)
		return SIOSTEER_NO_SLOT;
	n = load_request(md, doff, s->req.b, md->len - doff);
	r = parse_request(s, n, &sid);
	if (r == SID_ABSENT) {
		c->handshake++;
		*new_session = 1;
		return select_new_session(md, t, hash, c);
	}
	if (r == NOT_HTTP) {
		c->not_http++;
		return SIOSTEER_NO_SLOT;
	}
	if (r != SID_FOUND) {
		c->sid_bad++;
		return SIOSTEER_NO_SLOT;
	}
	owner = bpf_map_lookup_elem(&sids, &sid);
	if (owner && !try_slot(md, owner->slot)) {
		c->sid_hit++;
		return owner->slot;
	}
	c->sid_unknown++;
	return SIOSTEER_NO_SLOT;
}

SEC("sk_reuseport")
int siosteer_select(struct sk_reuseport_md *md)
{
	struct siosteer_conn_owner owner = {};
	struct siosteer_conn conn = {};
	struct siosteer_counters *c;
	struct tcphdr th = {};
	struct siosteer_state *st;
	struct siosteer_table *t;
	__u32 zero = 0, hash, i, slot = SIOSTEER_NO_SLOT, new_session = 0;

	c = bpf_map_lookup_elem(&counters, &zero);
	if (!c)
		return SK_PASS;
	c->runs++;
	if (read_conn(md, &conn, &hash, c)) {
		c->bad_packet++;
		hash = md->hash; /* still place it deterministically per flow */
	}
	st = bpf_map_lookup_elem(&state, &zero);
	if (!st)
		return SK_PASS;
	i = st->active & 1;
	t = bpf_map_lookup_elem(&tables, &i);
	if (!t)
		return SK_PASS;

	/* sid mode reads the TCP header once: its ports key the record, its doff finds
	 * the request. */
	if (key_mode == SIOSTEER_KEY_SID && !bpf_skb_load_bytes(md, 0, &th, sizeof(th)))
		slot = select_by_sid(md, t, &th, hash, c, &new_session);
	if (slot == SIOSTEER_NO_SLOT)
		slot = select_by_addr(md, t, hash, c);
	if (slot == SIOSTEER_NO_SLOT) {
		c->no_live_slot++;
		return SK_PASS;
	}
	/* selected counts connections: in sid mode the SYN's run is not one (a cookie is
	 * sent and the choice forgotten; the run on the first request places it). */
	if (key_mode != SIOSTEER_KEY_SID || !th.syn) {
		__u64 i = slot;

		asm volatile("" : "+r"(i)); /* check and index the same register */
		if (i < SIOSTEER_MAX_SLOTS)
			c->selected[i]++;
	}
	if (new_session) {
		conn.client_port = th.source;
		conn.server_port = th.dest;
		owner.slot = slot;
		owner.server_seq = bpf_ntohl(th.ack_seq);
		if (bpf_map_update_elem(&conns, &conn, &owner, BPF_ANY))
			c->conn_record_fail++;
	}
	return SK_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
