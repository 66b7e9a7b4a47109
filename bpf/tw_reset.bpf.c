// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * TIME_WAIT reset, tc ingress on the server-side interface.
 *
 * Deferred (sid) steering needs every SYN to the steered port answered with a cookie
 * (tcp_syncookies=2), so that the child socket, and the sk_reuseport choice, come from
 * the client's first data segment. A SYN that reuses the 4-tuple of a TIME_WAIT socket
 * gets none: tcp_timewait_state_process() returns TCP_TW_SYN with an ISN taken from the
 * TIME_WAIT socket, and tcp_conn_request() only makes cookies when that ISN is 0, so it
 * builds a request socket at SYN time and the choice is gone.
 *
 * Fix: before the stack sees such a SYN, remove the TIME_WAIT socket with an RST
 * ("assassination", RFC 1337; Linux kills the socket on an in-window RST unless
 * net.ipv4.tcp_rfc1337=1), then let the SYN through. Concretely, for a SYN whose lookup
 * finds a TIME_WAIT socket:
 *   1. rewrite the SYN in place into an RST: seq = the TIME_WAIT socket's rcv_nxt (the
 *      only sequence number it accepts an RST at), ACK off, every option a NOP (with a
 *      timestamp option PAWS would reject the RST; NOPs keep the lengths, so no IP
 *      header field changes), checksum patched by difference;
 *   2. mark it and clone it to this device's ingress;
 *   3. write the original bytes back, clone that (marked) too, drop the original.
 * Both clones go through netif_rx into this CPU's backlog in that order, so the RST is
 * processed (the TIME_WAIT socket goes) before the SYN, which then reaches the listener
 * and gets its cookie. Passing the original instead of a clone would not work: it is
 * processed right away, before the queued RST. The clones pass this hook again; the
 * mark lets them through untouched.
 *
 * Fail-safe: if the clones were lost, the client's retransmitted SYN (same ISN) meets the
 * same TIME_WAIT socket again; the tw_resets map remembers the ISN we reset per 4-tuple
 * and such a repeat is passed unchanged, so the worst case is the kernel's own
 * behaviour (a working connection without a cookie), never a connection that hangs.
 * IPv4 on the loopback device is passed for that reason up front: redirecting drops the
 * skb's route, and the input route lookup then rejects a local source address.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>

#include "tw_reset.h"
#include "pkt.h"

/* Macros in the uapi headers, absent from vmlinux.h. */
#define TCP_FLAG_RST_     0x04
#define TCP_CSUM_OFF      16 /* offsetof(struct tcphdr, check) */
#define TCP_WORDS_MAX     15 /* doff is 4 bits: at most 60 bytes of header */
#define TCPOPT_NOP_4      0x01010101u
#define LOOPBACK_IFINDEX_ 1 /* every namespace's lo */

/* Steered port, host byte order; set by the loader before load. */
const volatile __u16 port;
/* The loader clears this when tcp_rfc1337=1: the RST would not remove the socket. */
const volatile bool enabled = true;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct siosteer_tw_counters);
} tw_counters SEC(".maps");

/* 4-tuple (as the lookup took it) -> ISN of the SYN we last reset on it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SIOSTEER_TW_RESETS_MAX);
	__type(key, struct bpf_sock_tuple);
	__type(value, __u32);
} tw_resets SEC(".maps");

/*
 * rcv_nxt of a TIME_WAIT socket moved in 6.x from struct tcp_timewait_sock (tw_rcv_nxt)
 * into struct sock_common (skc_tw_rcv_nxt). Local flavors of both layouts, so the
 * object builds against any vmlinux.h and CO-RE picks the one the running kernel has.
 */
struct sock_common___new {
	__u32 skc_tw_rcv_nxt;
} __attribute__((preserve_access_index));
struct inet_timewait_sock___new {
	struct sock_common___new __tw_common;
} __attribute__((preserve_access_index));
struct tcp_timewait_sock___new {
	struct inet_timewait_sock___new tw_sk;
} __attribute__((preserve_access_index));
struct tcp_timewait_sock___old {
	__u32 tw_rcv_nxt;
} __attribute__((preserve_access_index));

static __always_inline int tw_rcv_nxt(struct tcp_timewait_sock *tw, __u32 *out)
{
	struct tcp_timewait_sock___new *n = (void *)tw;
	struct tcp_timewait_sock___old *o = (void *)tw;

	if (bpf_core_field_exists(n->tw_sk.__tw_common.skc_tw_rcv_nxt)) {
		*out = n->tw_sk.__tw_common.skc_tw_rcv_nxt;
		return 0;
	}
	if (bpf_core_field_exists(o->tw_rcv_nxt)) {
		*out = o->tw_rcv_nxt;
		return 0;
	}
	return -1;
}

/* Returns the TC verdict for a SYN that hit a TIME_WAIT socket (see the top comment). */
static __always_inline int reset_then_resend(struct __sk_buff *skb, struct siosteer_tw_counters *c,
					     __u32 l4_off, __u32 words, __u32 rcv_nxt)
{
	__u32 orig[TCP_WORDS_MAX] = {}, rst[TCP_WORDS_MAX];
	__u32 hlen = (words & 0xf) * 4, mark, i;
	__u8 *b = (__u8 *)rst;
	__s64 diff;

	if (hlen < 20 || bpf_skb_load_bytes(skb, l4_off, orig, hlen))
		goto pass;
	__builtin_memcpy(rst, orig, sizeof(rst));
	rst[1] = bpf_htonl(rcv_nxt); /* seq */
	rst[2] = 0; /* ack_seq: ACK is off */
	b[12] &= 0xf0; /* keep doff, clear reserved and AE */
	b[13] = TCP_FLAG_RST_; /* RST alone: no SYN, ACK, ECE, CWR */
	for (i = 5; i < TCP_WORDS_MAX; i++) /* options -> NOPs: no timestamp, no PAWS */
		if (i < words)
			rst[i] = TCPOPT_NOP_4;
	diff = bpf_csum_diff(orig, hlen, rst, hlen, 0);
	if (diff < 0)
		goto pass;
	/* Header bytes first, then the checksum by difference. The field keeps the value
	 * that is right for the skb's ip_summed: with CHECKSUM_PARTIAL (veth, loopback) it
	 * holds only the pseudo-header sum and is left alone; otherwise it is patched. The
	 * segment's sum does not change, so a CHECKSUM_COMPLETE skb->csum stays valid. */
	if (bpf_skb_store_bytes(skb, l4_off, rst, hlen, 0))
		goto pass;
	if (bpf_l4_csum_replace(skb, l4_off + TCP_CSUM_OFF, 0, diff, 0))
		goto restore_pass;

	mark = skb->mark;
	skb->mark = SIOSTEER_TW_MARK;
	if (bpf_clone_redirect(skb, skb->ifindex, BPF_F_INGRESS)) {
		skb->mark = mark;
		goto restore_pass;
	}
	c->rst_injected++;

	/* The original bytes, checksum included, exactly as they came. */
	if (bpf_skb_store_bytes(skb, l4_off, orig, hlen, 0))
		goto drop;
	if (bpf_clone_redirect(skb, skb->ifindex, BPF_F_INGRESS))
		goto drop;
	c->syn_reinjected++;
	return TC_ACT_SHOT;

restore_pass:
	/* Nothing was sent yet: put the SYN back and let it go as if we were absent. */
	if (bpf_skb_store_bytes(skb, l4_off, orig, hlen, 0))
		goto drop;
pass:
	c->errors++;
	return TC_ACT_OK;
drop:
	/* The RST went out (or the SYN is mangled): drop; the client retransmits the SYN
	 * in ~1 s and, with the TIME_WAIT socket gone, gets a cookie then. */
	c->errors++;
	c->dropped++;
	return TC_ACT_SHOT;
}

SEC("tc")
int siosteer_tw_reset(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	struct siosteer_tw_counters *c;
	struct bpf_sock_tuple t = {};
	struct tcp_timewait_sock *tw;
	struct bpf_sock *sk;
	struct pkt_tcp p;
	__u32 zero = 0, l4_off, tlen, words, isn, *last, rcv_nxt = 0;
	int state, got;

	c = bpf_map_lookup_elem(&tw_counters, &zero);
	if (!c)
		return TC_ACT_OK;
	c->packets++;
	if (skb->mark == SIOSTEER_TW_MARK) {
		c->marked++;
		return TC_ACT_OK;
	}
	if (pkt_parse_tcp(data, data_end, &p))
		goto not_syn;
	if (p.th->dest != bpf_htons(port) || !p.th->syn || p.th->ack || p.th->rst)
		goto not_syn;
	l4_off = p.l4_off;
	words = p.th->doff; /* >= 5: pkt_parse_tcp checked it */
	isn = p.th->seq;
	c->syns_seen++;
	tlen = pkt_sock_tuple(&p, &t);

	/* skc lookup: established/TIME_WAIT/request sockets first, then the listener. */
	sk = bpf_skc_lookup_tcp(skb, &t, tlen, BPF_F_CURRENT_NETNS, 0);
	if (!sk) {
		c->no_socket++;
		return TC_ACT_OK;
	}
	state = sk->state;
	if (state != BPF_TCP_TIME_WAIT) {
		bpf_sk_release(sk);
		if (state == BPF_TCP_LISTEN)
			c->listener++;
		else
			c->lookup_other_state++;
		return TC_ACT_OK;
	}
	c->tw_collisions++;
	/* Read before the release: the cast pointer lives only as long as the reference. */
	tw = bpf_skc_to_tcp_timewait_sock(sk);
	got = tw ? tw_rcv_nxt(tw, &rcv_nxt) : -1;
	bpf_sk_release(sk);
	if (!enabled) {
		c->disabled++;
		return TC_ACT_OK;
	}
	if (!p.ipv6 && skb->ingress_ifindex == LOOPBACK_IFINDEX_) {
		c->loopback4++;
		return TC_ACT_OK;
	}
	if (got) {
		c->errors++;
		return TC_ACT_OK;
	}
	last = bpf_map_lookup_elem(&tw_resets, &t);
	if (last && *last == isn) {
		c->repeat_syn++;
		return TC_ACT_OK;
	}
	/* Best effort: without the entry a repeat is simply reset once more. */
	bpf_map_update_elem(&tw_resets, &t, &isn, BPF_ANY);
	return reset_then_resend(skb, c, l4_off, words, rcv_nxt);

not_syn:
	c->not_syn++;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
