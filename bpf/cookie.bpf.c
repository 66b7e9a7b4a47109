// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * siosteer's own SYN cookies for the steered port (tc ingress; --cookies bpf).
 *
 * Deferred (sid) steering needs the child socket made by the client's first data
 * segment, so the sk_reuseport selector can read the request. Instead of switching the
 * whole namespace to tcp_syncookies=2, this program handles the steered port's
 * handshakes itself and leaves every other listener alone:
 *   - a SYN whose lookup finds a listener of the port is answered here: the skb is
 *     rewritten into the SYN-ACK (our cookie as the ISN, the options the client offered)
 *     and sent back out of the interface with bpf_redirect. No request socket exists.
 *   - the bare handshake ACK is dropped: let through, the kernel's own cookie check
 *     would fail and answer with an RST.
 *   - the first data segment (or a FIN) proves the cookie; bpf_sk_assign_tcp_reqsk()
 *     then gives the kernel a request socket built from what the cookie encodes. The
 *     lookup that follows runs the sk_reuseport selector on this very segment, so the
 *     worker is chosen exactly as on the sysctl route.
 * A SYN that meets a TIME_WAIT socket is passed on to the TIME_WAIT program after this
 * one (it resets the socket and re-injects the SYN, which then comes back here).
 * Segments of existing connections pass untouched. Layout and hash: cookie_hash.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>

#include "cookie.h"
#include "cookie_hash.h"
#include "pkt.h"

/* Set by the loader before load. */
const volatile __u16 port; /* host order */
const volatile __u16 adv_mss4 = 1460; /* our MSS: the interface MTU - 40 */
const volatile __u16 adv_mss6 = 1440; /* MTU - 60 */
const volatile __u8 rcv_wscale = 7; /* our window shift, computed as the kernel does */
/* What this namespace's sysctls allow; the kfunc refuses attributes they disable. */
const volatile bool allow_ws = true, allow_sack = true, allow_ts = true, allow_ecn = true;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct siosteer_cookie_keys);
} cookie_keys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct siosteer_cookie_counters);
} cookie_counters SEC(".maps");

/*
 * The kfunc's attribute block (struct bpf_tcp_req_attrs, Linux >= 6.9), spelled out so
 * the object builds against an older vmlinux.h; the kfunc takes it as sized memory.
 */
struct bpf_tcp_req_attrs___own {
	__u32 rcv_tsval;
	__u32 rcv_tsecr;
	__u16 mss;
	__u8 rcv_wscale;
	__u8 snd_wscale;
	__u8 ecn_ok;
	__u8 wscale_ok;
	__u8 sack_ok;
	__u8 tstamp_ok;
	__u8 usec_ts_ok;
	__u8 reserved[3];
};

extern int bpf_sk_assign_tcp_reqsk(struct __sk_buff *skb, struct sock *sk,
				   struct bpf_tcp_req_attrs *attrs, int attrs__sz) __ksym;
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

/* uapi macros vmlinux.h lacks. */
#define TCPOPT_NOP_       1
#define TCPOPT_MSS_       2
#define TCPOPT_WINDOW_    3
#define TCPOPT_SACK_PERM_ 4
#define TCPOPT_TIMESTAMP_ 8
#define CHECKSUM_PARTIAL_ 3
#define IP_DF_            0x4000
#define REPLY_TTL         64
#define SYNACK_WINDOW     64240 /* unscaled, as Linux's own SYN-ACKs: 44 x 1460 */
#define OPT_BYTES_MAX     40

/* What a segment's options say (only what a cookie needs). */
struct tcp_opts {
	__u16 mss;
	__u8 ws;
	bool has_mss, has_ws, sack, ts;
	__u32 tsval, tsecr;
};

/* The walk over the option bytes: 64 bytes, indexes masked with 63, so every read is
 * provably inside whatever i is. */
#define OPT_BUF 64
struct opt_walk {
	__u8 b[OPT_BUF];
	__u32 len, i;
	struct tcp_opts *o;
};
#define B(i) w->b[(i) & (OPT_BUF - 1)]

static __always_inline __u32 be32_at(const struct opt_walk *w, __u32 i)
{
	return (__u32)B(i) << 24 | (__u32)B(i + 1) << 16 | (__u32)B(i + 2) << 8 | B(i + 3);
}

/* One option per call of bpf_loop (the verifier checks one step, not forty); 1 ends. */
static long opt_step(__u32 n, struct opt_walk *w)
{
	struct tcp_opts *o = w->o;
	__u32 i = w->i, kind, olen;

	if (i + 1 >= w->len)
		return 1;
	kind = B(i);
	if (kind == 0) /* end of options */
		return 1;
	if (kind == TCPOPT_NOP_) {
		w->i = i + 1;
		return 0;
	}
	olen = B(i + 1);
	if (olen < 2 || i + olen > w->len)
		return 1;
	if (kind == TCPOPT_MSS_ && olen == 4) {
		o->mss = (__u16)B(i + 2) << 8 | B(i + 3);
		o->has_mss = true;
	} else if (kind == TCPOPT_WINDOW_ && olen == 3) {
		o->ws = B(i + 2);
		o->has_ws = true;
	} else if (kind == TCPOPT_SACK_PERM_ && olen == 2) {
		o->sack = true;
	} else if (kind == TCPOPT_TIMESTAMP_ && olen == 10) {
		o->tsval = be32_at(w, i + 2);
		o->tsecr = be32_at(w, i + 6);
		o->ts = true;
	}
	w->i = i + olen;
	return 0;
}

static __always_inline void parse_opts(struct __sk_buff *skb, const struct pkt_tcp *p,
				       struct tcp_opts *o)
{
	struct opt_walk w = { .o = o };
	__u32 len = p->th->doff * 4 - sizeof(struct tcphdr);

	if (len < 1 || len > OPT_BYTES_MAX)
		return;
	if (bpf_skb_load_bytes(skb, p->l4_off + sizeof(struct tcphdr), w.b, len))
		return;
	w.len = len;
	bpf_loop(OPT_BYTES_MAX, opt_step, &w, 0);
}

static __always_inline void flow_of(const struct pkt_tcp *p, struct cookie_flow *f, __u32 isn)
{
	__builtin_memcpy(f->saddr, p->saddr, 16);
	__builtin_memcpy(f->daddr, p->daddr, 16);
	f->sport = p->th->source;
	f->dport = p->th->dest;
	f->client_isn = isn;
	f->ipv6 = p->ipv6;
}

static __always_inline __u64 now_t(void)
{
	return bpf_ktime_get_ns() >> COOKIE_TIME_SHIFT;
}

/* Ones' complement sum of 32-bit words, folded to 16 bits (not inverted). */
static __always_inline __u16 csum_fold_(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* Sum of the pseudo header (addresses in network order, as read from memory). */
static __always_inline __u64 pseudo_sum(const __u32 *saddr, const __u32 *daddr, bool v6,
					__u16 tcp_len)
{
	__u64 s = (__u64)bpf_htons(tcp_len) + bpf_htons(IPPROTO_TCP_);
	int i;

	for (i = 0; i < 4; i++)
		if (v6 || i == 0)
			s += (__u64)saddr[i] + daddr[i];
	return s;
}

/*
 * The TCP checksum field for the reply. An skb the sender left CHECKSUM_PARTIAL (veth,
 * loopback) keeps that state through the redirect: its check field must hold only the
 * pseudo-header sum, the rest is added by whoever completes it. Otherwise the full sum.
 */
static __always_inline __u16 tcp_check(struct __sk_buff *skb, __u64 pseudo, void *tcp, __u32 len)
{
	struct sk_buff *k = bpf_cast_to_kern_ctx(skb);
	__s64 body;

	if (BPF_CORE_READ_BITFIELD(k, ip_summed) == CHECKSUM_PARTIAL_)
		return csum_fold_(pseudo);
	body = bpf_csum_diff(0, 0, tcp, len, 0);
	if (body < 0)
		return 0;
	return ~csum_fold_(pseudo + (__u64)body) & 0xffff;
}

/* The 20 bytes of options of our SYN-ACK (fixed size keeps doff and lengths constant). */
static __always_inline void write_synack_opts(__u32 *w, const struct cookie_opts *o, bool v6,
					      const struct tcp_opts *in, __u32 tsval)
{
	__u32 nop4 = bpf_htonl(0x01010101);

	w[0] = bpf_htonl(TCPOPT_MSS_ << 24 | 4 << 16 | (v6 ? adv_mss6 : adv_mss4));
	w[1] = o->wscale != COOKIE_WSCALE_NONE ?
		       bpf_htonl(TCPOPT_NOP_ << 24 | TCPOPT_WINDOW_ << 16 | 3 << 8 | rcv_wscale) :
		       nop4;
	if (o->ts) {
		w[2] = bpf_htonl((o->sack ? TCPOPT_SACK_PERM_ << 24 | 2 << 16 :
					    TCPOPT_NOP_ << 24 | TCPOPT_NOP_ << 16) |
				 TCPOPT_TIMESTAMP_ << 8 | 10);
		w[3] = bpf_htonl(tsval);
		w[4] = bpf_htonl(in->tsval);
	} else {
		w[2] = o->sack ? bpf_htonl(TCPOPT_NOP_ << 24 | TCPOPT_NOP_ << 16 |
					   TCPOPT_SACK_PERM_ << 8 | 2) :
				 nop4;
		w[3] = nop4;
		w[4] = nop4;
	}
}

static __always_inline void fill_tcp(struct tcphdr *t, const struct tcphdr *syn, __u32 cookie,
				     bool ecn)
{
	__builtin_memset(t, 0, sizeof(*t));
	t->source = syn->dest;
	t->dest = syn->source;
	t->seq = bpf_htonl(cookie);
	t->ack_seq = bpf_htonl(bpf_ntohl(syn->seq) + 1);
	t->doff = 10;
	t->syn = 1;
	t->ack = 1;
	t->ece = ecn;
	t->window = bpf_htons(SYNACK_WINDOW);
}

/* IPv4 reply: 2 bytes of padding keep the IP header 4-byte aligned on the stack. */
struct reply4 {
	__u8 pad[2];
	struct ethhdr eth;
	struct iphdr ip;
	struct tcphdr tcp;
	__u32 opt[5];
};

struct reply6 {
	__u8 pad[2];
	struct ethhdr eth;
	struct ipv6hdr ip;
	struct tcphdr tcp;
	__u32 opt[5];
};

#define REPLY4_LEN (sizeof(struct reply4) - 2)
#define REPLY6_LEN (sizeof(struct reply6) - 2)
#define TCP_LEN    (sizeof(struct tcphdr) + 20)

static __always_inline int send_reply(struct __sk_buff *skb, void *frame, __u32 len)
{
	if (bpf_skb_change_tail(skb, len, 0))
		return -1;
	if (bpf_skb_store_bytes(skb, 0, frame, len, 0))
		return -1;
	return 0;
}

static __always_inline int reply4(struct __sk_buff *skb, const struct pkt_tcp *p,
				  const struct ethhdr *eth, const struct cookie_opts *o,
				  const struct tcp_opts *in, __u32 cookie, __u32 tsval)
{
	struct reply4 r;
	__s64 s;

	__builtin_memcpy(r.eth.h_dest, eth->h_source, 6);
	__builtin_memcpy(r.eth.h_source, eth->h_dest, 6);
	r.eth.h_proto = bpf_htons(ETH_P_IP);
	__builtin_memset(&r.ip, 0, sizeof(r.ip));
	r.ip.version = 4;
	r.ip.ihl = 5;
	r.ip.tot_len = bpf_htons(sizeof(r.ip) + TCP_LEN);
	r.ip.frag_off = bpf_htons(IP_DF_);
	r.ip.ttl = REPLY_TTL;
	r.ip.protocol = IPPROTO_TCP_;
	r.ip.saddr = p->daddr[0];
	r.ip.daddr = p->saddr[0];
	s = bpf_csum_diff(0, 0, (void *)&r.ip, sizeof(r.ip), 0);
	if (s < 0)
		return -1;
	r.ip.check = ~csum_fold_((__u64)s) & 0xffff;
	fill_tcp(&r.tcp, p->th, cookie, o->ecn);
	write_synack_opts(r.opt, o, false, in, tsval);
	r.tcp.check =
		tcp_check(skb, pseudo_sum(p->daddr, p->saddr, false, TCP_LEN), &r.tcp, TCP_LEN);
	return send_reply(skb, &r.eth, REPLY4_LEN);
}

static __always_inline int reply6(struct __sk_buff *skb, const struct pkt_tcp *p,
				  const struct ethhdr *eth, const struct cookie_opts *o,
				  const struct tcp_opts *in, __u32 cookie, __u32 tsval)
{
	struct reply6 r;

	__builtin_memcpy(r.eth.h_dest, eth->h_source, 6);
	__builtin_memcpy(r.eth.h_source, eth->h_dest, 6);
	r.eth.h_proto = bpf_htons(ETH_P_IPV6);
	__builtin_memset(&r.ip, 0, sizeof(r.ip));
	r.ip.version = 6;
	r.ip.payload_len = bpf_htons(TCP_LEN);
	r.ip.nexthdr = IPPROTO_TCP_;
	r.ip.hop_limit = REPLY_TTL;
	__builtin_memcpy(&r.ip.saddr, p->daddr, 16);
	__builtin_memcpy(&r.ip.daddr, p->saddr, 16);
	fill_tcp(&r.tcp, p->th, cookie, o->ecn);
	write_synack_opts(r.opt, o, true, in, tsval);
	r.tcp.check =
		tcp_check(skb, pseudo_sum(p->daddr, p->saddr, true, TCP_LEN), &r.tcp, TCP_LEN);
	return send_reply(skb, &r.eth, REPLY6_LEN);
}

/* The segment's socket (pkt_skc_lookup); *state gets its state, -1 for none. */
static __always_inline struct bpf_sock *lookup(struct __sk_buff *skb, const struct pkt_tcp *p,
					       int *state)
{
	struct bpf_sock *sk = pkt_skc_lookup(skb, p);

	*state = sk ? (int)sk->state : -1;
	return sk;
}

static __always_inline int handle_syn(struct __sk_buff *skb, const struct pkt_tcp *p,
				      struct siosteer_cookie_counters *c)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	const struct siosteer_cookie_keys *k;
	struct ethhdr *eth = data;
	struct tcp_opts in = {};
	struct cookie_opts o = {};
	struct cookie_flow f;
	struct bpf_sock *sk;
	__u32 zero = 0, cookie, ts_bits, cur;
	int state;

	c->syns++;
	/* Only plain headers are rewritten: no IPv4 options, no IPv6 extension headers. */
	if (p->l4_off != (p->ipv6 ? 14 + 40 : 14 + 20) || (void *)(eth + 1) > data_end)
		goto pass;
	sk = lookup(skb, p, &state);
	if (sk)
		bpf_sk_release(sk);
	if (state == BPF_TCP_TIME_WAIT) {
		c->syn_tw++;
		return TC_ACT_UNSPEC;
	}
	if (state != BPF_TCP_LISTEN)
		goto pass;
	k = bpf_map_lookup_elem(&cookie_keys, &zero);
	if (!k || !k->generation)
		goto pass;
	parse_opts(skb, p, &in);
	o.mss_index = cookie_mss_index(p->ipv6, in.has_mss ? in.mss : 0);
	o.wscale = in.has_ws && allow_ws ? (in.ws > 14 ? 14 : in.ws) : COOKIE_WSCALE_NONE;
	o.sack = in.sack && allow_sack;
	o.ts = in.ts && allow_ts;
	o.ecn = allow_ecn && p->th->ece && p->th->cwr;
	flow_of(p, &f, bpf_ntohl(p->th->seq));
	cur = k->current & 1;
	cookie = cookie_make(k->key[cur], &f, now_t(), &o, &ts_bits);
	/* The TSval's high bits are free: random, as the kernel's are not predictable. */
	ts_bits |= bpf_get_prandom_u32() & ~0xffu;
	if ((p->ipv6 ? reply6(skb, p, eth, &o, &in, cookie, ts_bits) :
		       reply4(skb, p, eth, &o, &in, cookie, ts_bits))) {
		/* The skb may be half rewritten: drop it; the client retransmits the SYN. */
		c->syn_passed++;
		return TC_ACT_SHOT;
	}
	c->issued++;
	return bpf_redirect(skb->ifindex, 0);
pass:
	c->syn_passed++;
	return TC_ACT_UNSPEC;
}

/* A genuine cookie's attributes for the kernel's request socket. */
static __always_inline void attrs_of(struct bpf_tcp_req_attrs___own *a, const struct cookie_opts *o,
				     const struct tcp_opts *in, bool v6)
{
	__builtin_memset(a, 0, sizeof(*a));
	a->mss = cookie_mss_of(v6, o->mss_index);
	if (o->wscale != COOKIE_WSCALE_NONE) {
		a->wscale_ok = 1;
		a->snd_wscale = o->wscale;
		a->rcv_wscale = rcv_wscale;
	}
	a->sack_ok = o->sack;
	a->ecn_ok = o->ecn;
	if (o->ts) {
		a->tstamp_ok = 1;
		a->rcv_tsval = in->tsval;
		a->rcv_tsecr = in->tsecr;
	}
}

/* Check a segment's cookie: 0 if genuine and fresh, else the counter to bump. */
static __always_inline __u64 *check_cookie(const struct pkt_tcp *p, const struct tcp_opts *in,
					   struct cookie_opts *o,
					   struct siosteer_cookie_counters *c)
{
	const struct siosteer_cookie_keys *k;
	struct cookie_flow f;
	__u32 zero = 0, cookie = bpf_ntohl(p->th->ack_seq) - 1, age, cur;
	__u64 t;

	cookie_opts_of(cookie, o);
	if (o->ts != in->ts)
		return &c->rejected_options;
	k = bpf_map_lookup_elem(&cookie_keys, &zero);
	if (!k || !k->generation)
		return &c->rejected_bad;
	flow_of(p, &f, bpf_ntohl(p->th->seq) - 1);
	t = cookie_time_of(now_t(), cookie_time_bits(cookie), &age);
	cur = k->current & 1;
	if (!cookie_matches(k->key[cur], &f, t, cookie, in->tsecr) &&
	    !cookie_matches(k->key[cur ^ 1], &f, t, cookie, in->tsecr))
		return &c->rejected_bad;
	if (age > COOKIE_MAX_AGE)
		return &c->rejected_expired;
	return 0;
}

static __always_inline int handle_ack(struct __sk_buff *skb, const struct pkt_tcp *p,
				      struct siosteer_cookie_counters *c)
{
	struct bpf_tcp_req_attrs___own attrs;
	struct tcp_opts in = {};
	struct cookie_opts o;
	struct tcp_sock *tp;
	struct bpf_sock *sk;
	__u64 *why;
	int state, err;

	sk = lookup(skb, p, &state);
	if (!sk) {
		c->passed++;
		return TC_ACT_UNSPEC;
	}
	if (state != BPF_TCP_LISTEN) {
		bpf_sk_release(sk);
		c->passed++;
		return TC_ACT_UNSPEC;
	}
	c->acks_checked++;
	if (!p->payload_len && !p->th->fin) {
		bpf_sk_release(sk);
		c->bare_acks++;
		return TC_ACT_SHOT;
	}
	parse_opts(skb, p, &in);
	why = check_cookie(p, &in, &o, c);
	if (why) {
		bpf_sk_release(sk);
		(*why)++;
		return TC_ACT_SHOT;
	}
	attrs_of(&attrs, &o, &in, p->ipv6);
	/* Also makes the object's BTF carry struct sock whole (not a forward declaration),
	 * which libbpf needs to match the kfunc's prototype with the kernel's. */
	tp = bpf_core_type_size(struct sock) ? bpf_skc_to_tcp_sock(sk) : NULL;
	err = tp ? bpf_sk_assign_tcp_reqsk(skb, (struct sock *)tp, (void *)&attrs, sizeof(attrs)) :
		   -1;
	bpf_sk_release(sk);
	if (err) {
		c->assign_failed++;
		return TC_ACT_SHOT;
	}
	c->accepted++;
	return TC_ACT_OK;
}

SEC("tc")
int siosteer_cookie(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	struct siosteer_cookie_counters *c;
	struct pkt_tcp p;
	__u32 zero = 0;

	c = bpf_map_lookup_elem(&cookie_counters, &zero);
	if (!c)
		return TC_ACT_UNSPEC;
	c->packets++;
	if (pkt_parse_tcp(data, data_end, &p) || p.th->dest != bpf_htons(port)) {
		c->not_port++;
		return TC_ACT_UNSPEC;
	}
	if (p.th->rst || (p.th->syn && p.th->ack)) {
		c->passed++;
		return TC_ACT_UNSPEC;
	}
	if (p.th->syn)
		return handle_syn(skb, &p, c);
	if (!p.th->ack) {
		c->passed++;
		return TC_ACT_UNSPEC;
	}
	return handle_ack(skb, &p, c);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
