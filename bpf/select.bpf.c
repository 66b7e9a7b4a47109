// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * sk_reuseport selector: picks the worker socket for a new connection.
 *
 * Key: the client address masked to a prefix, hashed into the Maglev table that the
 * loader computed over the live slots. A slot whose worker died (its socket left the
 * sockarray) makes the select fail with -ENOENT; we then try the table's live slots in
 * an order derived from the same hash, so the fallback is deterministic per address.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "siosteer.h"
#include "addr_hash.h"
#include "maps.h"

#define ETH_P_IP   0x0800
#define ETH_P_IPV6 0x86DD

/* Set by the loader before load: masks in network byte order. */
const volatile __u32 mask4 = 0xffffffff;
const volatile __u32 mask6[4] = { 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff };

static __always_inline int client_addr_hash(struct sk_reuseport_md *md, __u32 *hash,
					    struct siosteer_counters *c)
{
	__u32 w[4];
	int i;

	if (md->eth_protocol == bpf_htons(ETH_P_IP)) {
		if (bpf_skb_load_bytes_relative(md, offsetof(struct iphdr, saddr), w, 4,
						BPF_HDR_START_NET))
			return -1;
		w[0] &= mask4;
		*hash = siosteer_addr_hash(w, 1);
		c->ipv4++;
		return 0;
	}
	if (md->eth_protocol == bpf_htons(ETH_P_IPV6)) {
		if (bpf_skb_load_bytes_relative(md, offsetof(struct ipv6hdr, saddr), w, 16,
						BPF_HDR_START_NET))
			return -1;
		for (i = 0; i < 4; i++)
			w[i] &= mask6[i];
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

/* Select `slot`; count it. Returns 0 on success, the helper's error otherwise. */
static __always_inline long try_slot(struct sk_reuseport_md *md, __u32 slot,
				     struct siosteer_counters *c)
{
	long err;

	if (slot >= SIOSTEER_MAX_SLOTS)
		return -1;
	err = bpf_sk_select_reuseport(md, &slots, &slot, 0);
	if (!err)
		c->selected[slot]++;
	return err;
}

SEC("sk_reuseport")
int siosteer_select(struct sk_reuseport_md *md)
{
	struct siosteer_counters *c;
	struct siosteer_state *st;
	struct siosteer_table *t;
	__u32 zero = 0, hash, nlive, i, start, slot;
	long err;

	c = bpf_map_lookup_elem(&counters, &zero);
	if (!c)
		return SK_PASS;
	c->runs++;
	if (client_addr_hash(md, &hash, c)) {
		c->bad_packet++;
		hash = md->hash;	/* still place it deterministically per flow */
	}
	st = bpf_map_lookup_elem(&state, &zero);
	if (!st)
		return SK_PASS;
	i = st->active & 1;
	t = bpf_map_lookup_elem(&tables, &i);
	if (!t)
		return SK_PASS;

	slot = t->entry[bucket_of(hash)];
	err = try_slot(md, slot, c);
	if (!err)
		return SK_PASS;
	if (err != -2 /* -ENOENT: the slot's socket is gone */ && slot != SIOSTEER_NO_SLOT)
		c->select_error++;

	/* Fallback: walk the live list from a hash-chosen start; bounded for the verifier. */
	nlive = t->nlive;
	if (nlive > SIOSTEER_MAX_SLOTS)
		nlive = SIOSTEER_MAX_SLOTS;
	if (nlive) {
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
			if (!try_slot(md, t->live[idx], c)) {
				c->fallback++;
				return SK_PASS;
			}
		}
	}
	c->no_live_slot++;
	return SK_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
