// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The gate: with tcp_syncookies=2 a listener keeps no state for a handshake, and the
 * child socket is created by the first ACK that arrives. A bare ACK would create it
 * before the request exists, so the selector could not see the sid. The gate drops bare
 * ACKs for the steered port whose lookup finds only the listener (no connection yet);
 * the client's next segment, which carries the request, then completes the handshake.
 * Everything else passes untouched. The same logic runs at XDP and at tc ingress.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "gate.h"
#include "pkt.h"

/* Steered port, host byte order; set by the loader. */
const volatile __u16 port;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct siosteer_gate_counters);
} gate_counters SEC(".maps");

enum verdict { GATE_PASS, GATE_DROP };

/* ctx is an xdp_md or a __sk_buff; bpf_skc_lookup_tcp takes either. */
static __always_inline enum verdict gate(void *ctx, void *data, void *data_end)
{
	struct siosteer_gate_counters *c;
	struct bpf_sock *sk;
	struct pkt_tcp p;
	__u32 zero = 0;
	int state;

	c = bpf_map_lookup_elem(&gate_counters, &zero);
	if (!c)
		return GATE_PASS;
	c->packets++;
	if (pkt_parse_tcp(data, data_end, &p)) {
		c->not_tcp++;
		return GATE_PASS;
	}
	if (p.th->dest != bpf_htons(port))
		return GATE_PASS;
	c->steered_port++;
	if (!p.th->ack || p.th->syn || p.th->rst || p.th->fin || p.payload_len)
		return GATE_PASS;
	c->pure_acks++;
	sk = pkt_skc_lookup(ctx, &p);
	if (!sk) {
		c->no_socket++;
		return GATE_PASS;
	}
	state = sk->state;
	bpf_sk_release(sk);
	if (state != BPF_TCP_LISTEN) {
		c->established++;
		return GATE_PASS;
	}
	c->dropped++;
	return GATE_DROP;
}

SEC("xdp")
int siosteer_gate_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;

	return gate(ctx, data, data_end) == GATE_DROP ? XDP_DROP : XDP_PASS;
}

SEC("tc")
int siosteer_gate_tc(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;

	/* UNSPEC, not OK: OK would end the tc chain, and the TIME_WAIT program (and anyone
	 * else's filter) after the gate would never see the packet. */
	return gate(skb, data, data_end) == GATE_DROP ? TC_ACT_SHOT : TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
