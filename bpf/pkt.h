/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Packet parsing shared by the XDP gate, the tc learner and the TIME_WAIT program:
 * Ethernet, then IPv4 (any IHL)
 * or IPv6 (TCP as the first next header; extension headers are not followed and the
 * packet is left alone), then TCP. Bounds are checked against data_end at every step.
 */
#ifndef SIOSTEER_PKT_H
#define SIOSTEER_PKT_H

#define ETH_P_IP     0x0800
#define ETH_P_IPV6   0x86DD
#define IPPROTO_TCP_ 6

/* Not in vmlinux.h (they are macros in the uapi headers). */
#ifndef TC_ACT_OK
#define TC_ACT_UNSPEC (-1)
#define TC_ACT_OK     0
#define TC_ACT_SHOT   2
#endif

struct pkt_tcp {
	struct tcphdr *th;
	__u32 saddr[4], daddr[4]; /* IPv4 in [0], the rest zero */
	__u32 l4_off; /* offset of the TCP header from data */
	__u32 payload_off; /* offset of the TCP payload from data */
	__u32 payload_len;
	bool ipv6;
};

/* Returns 0 and fills p for a TCP packet, -1 for anything else. */
static __always_inline int pkt_parse_tcp(void *data, void *data_end, struct pkt_tcp *p)
{
	struct ethhdr *eth = data;
	struct tcphdr *th;
	__u32 l3_len, ihl, doff;

	if ((void *)(eth + 1) > data_end)
		return -1;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end || ip->protocol != IPPROTO_TCP_)
			return -1;
		/* Fragments other than the first carry no TCP header. */
		if (ip->frag_off & bpf_htons(0x1fff))
			return -1;
		ihl = ip->ihl * 4;
		if (ihl < sizeof(*ip))
			return -1;
		p->ipv6 = false;
		p->saddr[0] = ip->saddr;
		p->daddr[0] = ip->daddr;
		p->saddr[1] = p->saddr[2] = p->saddr[3] = 0;
		p->daddr[1] = p->daddr[2] = p->daddr[3] = 0;
		p->l4_off = sizeof(*eth) + ihl;
		l3_len = bpf_ntohs(ip->tot_len);
		if (l3_len < ihl)
			return -1;
		l3_len -= ihl;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end || ip6->nexthdr != IPPROTO_TCP_)
			return -1;
		p->ipv6 = true;
		__builtin_memcpy(p->saddr, &ip6->saddr, 16);
		__builtin_memcpy(p->daddr, &ip6->daddr, 16);
		p->l4_off = sizeof(*eth) + sizeof(*ip6);
		l3_len = bpf_ntohs(ip6->payload_len);
	} else {
		return -1;
	}
	if (p->l4_off > 128)
		return -1;
	th = data + p->l4_off;
	if ((void *)(th + 1) > data_end)
		return -1;
	doff = th->doff * 4;
	if (doff < sizeof(*th) || doff > l3_len)
		return -1;
	p->th = th;
	p->payload_off = p->l4_off + doff;
	p->payload_len = l3_len - doff;
	return 0;
}

/*
 * The socket-lookup tuple of a parsed packet, as bpf_skc_lookup_tcp wants it (t must be
 * zeroed by the caller: it is also a map key). Returns its length for the lookup.
 */
static __always_inline __u32 pkt_sock_tuple(const struct pkt_tcp *p, struct bpf_sock_tuple *t)
{
	if (p->ipv6) {
		__builtin_memcpy(t->ipv6.saddr, p->saddr, 16);
		__builtin_memcpy(t->ipv6.daddr, p->daddr, 16);
		t->ipv6.sport = p->th->source;
		t->ipv6.dport = p->th->dest;
		return sizeof(t->ipv6);
	}
	t->ipv4.saddr = p->saddr[0];
	t->ipv4.daddr = p->daddr[0];
	t->ipv4.sport = p->th->source;
	t->ipv4.dport = p->th->dest;
	return sizeof(t->ipv4);
}

/* The socket a parsed segment belongs to (established, TIME_WAIT, request or listener),
 * or NULL; ctx is an xdp_md or a __sk_buff. The caller releases it. */
static __always_inline struct bpf_sock *pkt_skc_lookup(void *ctx, const struct pkt_tcp *p)
{
	struct bpf_sock_tuple t = {};
	__u32 tlen = pkt_sock_tuple(p, &t);

	return bpf_skc_lookup_tcp(ctx, &t, tlen, BPF_F_CURRENT_NETNS, 0);
}

#endif
