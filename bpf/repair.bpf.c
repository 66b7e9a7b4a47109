// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Repair of kept-alive connections, tc ingress on the server-side interface.
 *
 * The selector places a connection once, by its first request. A browser then sends the
 * requests of every session of the origin over its pool of kept-alive connections, so a
 * request whose sid belongs to worker B may arrive on a connection of worker A. For each
 * segment to the steered port that begins with "GET /" or "POST /" on an established
 * connection this program parses the sid and compares the sid's worker (the sids map)
 * with the connection's (its socket storage, inherited from the listener):
 *   - no sid: a new session (or a page, an asset) on this connection; its reply may teach
 *     the learner a sid (storage learn = WANT_OPEN). With --place least-loaded an engine.io
 *     handshake (EIO= in its query) stays only if the connection's worker is within
 *     SIOSTEER_PLACE_SLACK sessions of the least loaded one; else the connection is reset
 *     as below and the resend is placed afresh (a client's pool reuses its most recently
 *     used connection, which would otherwise give one worker every session);
 *   - the sid of this worker, or one nobody knows: passed (learn = NO);
 *   - the sid of another worker whose socket is live: the connection is reset both ways
 *     before the worker reads the request. An RST goes back out to the client (addresses,
 *     ports swapped, seq = the ACK number the client sent, which is its rcv_nxt) and the
 *     segment itself becomes an RST into the stack (seq unchanged: the server socket's
 *     rcv_nxt). Browsers resend a request whose reused connection fails before any
 *     response byte (Chromium: HttpNetworkTransaction::ShouldResendRequest, POST bodies
 *     included); the resent request comes on another connection, where it is steered by
 *     its sid, or checked again.
 * WebSocket frames, request bodies and anything else cost a parse of the TCP header and
 * an 8-byte compare. The first request of a connection created by a SYN cookie matches
 * only the listener here: the selector handles it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "siosteer.h"
#include "maps.h"
#include "sid_maps.h"
#include "repair.h"
#include "pkt.h"
#include "req_scratch.h"

#define TCP_FLAG_RST_ 0x04
#define TCP_CSUM_OFF  16 /* offsetof(struct tcphdr, check) */
#define TCP_WORDS_MAX 15 /* doff is 4 bits: at most 60 bytes of header */
#define TCPOPT_NOP_4  0x01010101u

/* Set by the loader: the steered port (host byte order) and the --place policy. */
const volatile __u16 port;
const volatile __u32 place = SIOSTEER_PLACE_LEAST;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct siosteer_repair_counters);
} repair_counters SEC(".maps");

__noinline int is_eio(struct scratch *s, __u32 n)
{
	if (!s)
		return 0;
	return sio_request_is_eio(&s->req, n);
}

/* "GET /" or "POST /" at the start of the payload: the only segments worth a lookup. */
static __always_inline bool starts_request(struct __sk_buff *skb, __u32 off)
{
	__u64 w = 0;

	if (bpf_skb_load_bytes(skb, off, &w, 6))
		return false;
	/* Little-endian packing: first byte lowest. */
	return (w & 0xffffffffffull) == 0x2f20544547ull /* "GET /" */ ||
	       (w & 0xffffffffffffull) == 0x2f2054534f50ull /* "POST /" */;
}

/* The active table: its live list is the set of slots whose workers take sessions. */
static __always_inline struct siosteer_table *active_table(void)
{
	struct siosteer_state *st;
	__u32 zero = 0, i;

	st = bpf_map_lookup_elem(&state, &zero);
	if (!st)
		return 0;
	i = st->active & 1;
	return bpf_map_lookup_elem(&tables, &i);
}

/*
 * Does slot hold a listening socket? The owners record carries the socket's cookie from
 * siosteer_slot_set until the slot is cleared (its worker gone). Not the table's live
 * list: a drained slot is left out of that, and its sessions must still reach it.
 */
__noinline int slot_present(__u32 slot)
{
	struct siosteer_owner *o = bpf_map_lookup_elem(&owners, &slot);

	return o && o->cookie != 0;
}

/*
 * Global functions (here and below): each is verified once, on its own; inlined, their
 * loops over the live slots multiplied with the caller's paths past the verifier's limit.
 *
 * --place least-loaded for a handshake on a kept-alive connection of `slot`: keep it there
 * (and count it as placed, as the selector counts its own) unless the slot was given more
 * than SIOSTEER_PLACE_SLACK sessions over the least loaded live slot, or is not live
 * (drained).
 */
__noinline int keep_handshake(__u32 slot)
{
	struct siosteer_table *t = active_table();
	struct siosteer_slot_load *l, *own;
	__u64 min = ~0ull;
	__u32 i, s, nlive;

	own = bpf_map_lookup_elem(&load, &slot);
	if (!t || !own || !t->nlive || slot >= SIOSTEER_MAX_SLOTS)
		return true;
	/* A slot out of the live list (weight 0: drained) takes no new session, pooled
	 * connection or not. */
	if (!t->weight[slot])
		return false;
	nlive = t->nlive;
	for (i = 0; i < SIOSTEER_MAX_SLOTS; i++) {
		if (i >= nlive)
			break;
		s = t->live[i];
		l = bpf_map_lookup_elem(&load, &s);
		if (l && l->placed < min)
			min = l->placed;
	}
	if (min == ~0ull || own->placed > min + SIOSTEER_PLACE_SLACK)
		return false;
	__sync_fetch_and_add(&own->placed, 1);
	return true;
}

/*
 * Turn the segment into an RST: seq as given, ACK off, options NOPs (no timestamp, so
 * PAWS has nothing to say), ports swapped if asked. hdr holds the current header bytes
 * and is updated. The checksum is patched by difference, as tw_reset.bpf.c explains.
 */
static __always_inline int make_rst(struct __sk_buff *skb, __u32 l4_off, __u32 *hdr, __u32 words,
				    __u32 seq, bool swap_ports)
{
	__u32 rst[TCP_WORDS_MAX], hlen = (words & 0xf) * 4, i;
	__u8 *b = (__u8 *)rst;
	__s64 diff;

	if (hlen < 20)
		return -1;
	__builtin_memcpy(rst, hdr, sizeof(rst));
	if (swap_ports)
		rst[0] = (hdr[0] >> 16) | (hdr[0] << 16);
	rst[1] = seq; /* network order already */
	rst[2] = 0;
	b[12] &= 0xf0;
	b[13] = TCP_FLAG_RST_;
	for (i = 5; i < TCP_WORDS_MAX; i++)
		if (i < words)
			rst[i] = TCPOPT_NOP_4;
	diff = bpf_csum_diff(hdr, hlen, rst, hlen, 0);
	if (diff < 0)
		return -1;
	if (bpf_skb_store_bytes(skb, l4_off, rst, hlen, 0))
		return -1;
	if (bpf_l4_csum_replace(skb, l4_off + TCP_CSUM_OFF, 0, diff, 0))
		return -1;
	__builtin_memcpy(hdr, rst, sizeof(rst));
	return 0;
}

/* Swap the Ethernet and IP source and destination (the sums do not change). */
static __always_inline int swap_addrs(struct __sk_buff *skb, const struct pkt_tcp *p)
{
	__u8 mac[12], sw[12];
	__u32 a[8], s[8];
	__u32 l3 = sizeof(struct ethhdr);

	if (bpf_skb_load_bytes(skb, 0, mac, 12))
		return -1;
	__builtin_memcpy(sw, mac + 6, 6);
	__builtin_memcpy(sw + 6, mac, 6);
	if (bpf_skb_store_bytes(skb, 0, sw, 12, 0))
		return -1;
	if (p->ipv6) {
		if (bpf_skb_load_bytes(skb, l3 + 8, a, 32))
			return -1;
		__builtin_memcpy(s, a + 4, 16);
		__builtin_memcpy(s + 4, a, 16);
		return bpf_skb_store_bytes(skb, l3 + 8, s, 32, 0) ? -1 : 0;
	}
	if (bpf_skb_load_bytes(skb, l3 + 12, a, 8))
		return -1;
	s[0] = a[1];
	s[1] = a[0];
	return bpf_skb_store_bytes(skb, l3 + 12, s, 8, 0) ? -1 : 0;
}

/*
 * Reset the connection both ways: an RST clone out to the client, then the segment
 * itself, as an RST with its own sequence number, into the stack.
 */
static __always_inline int reset_both(struct __sk_buff *skb, const struct pkt_tcp *p,
				      struct siosteer_repair_counters *c, bool repair)
{
	__u32 hdr[TCP_WORDS_MAX] = {}, words = p->th->doff, hlen = (words & 0xf) * 4;
	__u32 l4_off = p->l4_off, seq = p->th->seq, ack = p->th->ack_seq;

	if (hlen < 20 || bpf_skb_load_bytes(skb, l4_off, hdr, hlen))
		goto pass;
	/* To the client: from the server's side, seq = what the client acknowledged. */
	if (swap_addrs(skb, p))
		goto drop;
	if (make_rst(skb, l4_off, hdr, words, ack, true))
		goto drop;
	if (bpf_clone_redirect(skb, skb->ifindex, 0))
		goto drop;
	/* To the server socket: back to the client's addresses, seq = the segment's own. */
	if (swap_addrs(skb, p))
		goto drop;
	if (make_rst(skb, l4_off, hdr, words, seq, true))
		goto drop;
	if (repair)
		c->repaired++;
	return TC_ACT_OK;
pass:
	c->errors++;
	return TC_ACT_UNSPEC;
drop:
	/* Half-rewritten: drop it. The client retransmits the request on the same
	 * connection, which is checked again. */
	c->errors++;
	return TC_ACT_SHOT;
}

SEC("tc")
int siosteer_repair(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	struct siosteer_repair_counters *c;
	struct siosteer_sid_owner *owner;
	struct siosteer_sid sid = {};
	struct bpf_sock_tuple t = {};
	struct siosteer_sk_slot *st;
	struct bpf_sock *sk, *fsk;
	struct pkt_tcp p;
	struct scratch *s;
	__u32 zero = 0, tlen, n, slot;
	int r, state;

	c = bpf_map_lookup_elem(&repair_counters, &zero);
	s = bpf_map_lookup_elem(&req_scratch, &zero);
	if (!c || !s)
		return TC_ACT_UNSPEC;
	if (pkt_parse_tcp(data, data_end, &p))
		return TC_ACT_UNSPEC;
	if (p.th->dest != bpf_htons(port) || !p.payload_len || p.th->syn || p.th->rst)
		return TC_ACT_UNSPEC;
	if (!starts_request(skb, p.payload_off))
		return TC_ACT_UNSPEC;
	c->requests++;

	tlen = pkt_sock_tuple(&p, &t);
	sk = bpf_skc_lookup_tcp(skb, &t, tlen, BPF_F_CURRENT_NETNS, 0);
	if (!sk) {
		c->no_socket++;
		return TC_ACT_UNSPEC;
	}
	state = sk->state;
	if (state == BPF_TCP_LISTEN) {
		bpf_sk_release(sk);
		c->first_request++;
		return TC_ACT_UNSPEC;
	}
	fsk = bpf_sk_fullsock(sk);
	if (!fsk) {
		bpf_sk_release(sk);
		c->no_socket++;
		return TC_ACT_UNSPEC;
	}
	st = bpf_sk_storage_get(&conn_slot, fsk, 0, 0);
	bpf_sk_release(sk);
	if (!st) {
		c->no_storage++;
		return TC_ACT_UNSPEC;
	}
	slot = st->slot;
	n = load_request(skb, p.payload_off, s->req.b, p.payload_len);
	r = parse_request(s, n, &sid);
	if (r == SID_ABSENT) {
		/* A handshake travels on whichever pooled connection the client picks, so
		 * least-loaded placement is enforced here too: without it a browser's or a
		 * pooled client's sessions pile up on one worker. */
		if (place == SIOSTEER_PLACE_LEAST && is_eio(s, n) && !keep_handshake(slot)) {
			c->rebalanced++;
			return reset_both(skb, &p, c, false);
		}
		st->learn = SIOSTEER_LEARN_WANT_OPEN;
		st->body_next = 0;
		c->new_session++;
		return TC_ACT_UNSPEC;
	}
	st->learn = SIOSTEER_LEARN_NO;
	st->body_next = 0;
	if (r != SID_FOUND) {
		c->other_request++;
		return TC_ACT_UNSPEC;
	}
	owner = bpf_map_lookup_elem(&sids, &sid);
	if (!owner) {
		c->sid_unknown++;
		return TC_ACT_UNSPEC;
	}
	if (owner->slot == slot) {
		c->same_slot++;
		return TC_ACT_UNSPEC;
	}
	if (!slot_present(owner->slot)) {
		c->owner_gone++;
		return TC_ACT_UNSPEC;
	}
	return reset_both(skb, &p, c, true);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
