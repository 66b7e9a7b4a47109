/* SPDX-License-Identifier: MIT */
/*
 * The cookie's layout and hash, one copy for the BPF program (bpf/cookie.bpf.c) and user
 * space (the tests that forge and age cookies, tests/unit/test_cookie_hash.c).
 *
 * Our initial sequence number (the cookie), most significant bit first:
 *
 *   | hash: 20 bits | time: 2 | MSS index: 3 | TS: 1 | SACK: 1 | ECN: 1 | wscale: 4 |
 *
 * wscale 15 means "no window scaling" (the largest legal shift is 14). When the client
 * offers timestamps, the low 8 bits of our TSval carry 8 more bits of the same hash, so a
 * timestamp-capable client's cookie is checked on 28 bits (the kernel's own cookies check
 * about 24). The hash is SipHash-2-4 under a secret key over the addresses, the ports,
 * the client's ISN, the full time counter and the option bits, so none of the encoded
 * fields can be changed without the key.
 *
 * Time: t = CLOCK_MONOTONIC >> 36 (one step every 68.7 s). The cookie keeps t's low two
 * bits; one is accepted while (now - t) <= 1, i.e. for 68.7 to 137 s, then it is expired.
 */
#ifndef SIOSTEER_COOKIE_HASH_H
#define SIOSTEER_COOKIE_HASH_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#ifndef SIOSTEER_INLINE
#define SIOSTEER_INLINE static inline __attribute__((always_inline))
#endif

#define COOKIE_WSCALE_NONE 15
#define COOKIE_TIME_SHIFT  36
#define COOKIE_MAX_AGE     1 /* in time steps */
#define COOKIE_HASH_BITS   20
#define COOKIE_TS_BITS     8 /* more hash bits in the TSval when timestamps are on */

/* MSS tables (what the client said it can receive, rounded down to an entry). Index 0
 * is also used below the first entry and without an MSS option: the floors the kernel
 * accepts for a request socket (536, and IPv6's 1280 - 60). */
#define COOKIE_MSS_ENTRIES 8
SIOSTEER_INLINE __u16 cookie_mss_of(int ipv6, __u32 index)
{
	/* A switch, not a table: BPF keeps no function-local static data. */
	switch (index & (COOKIE_MSS_ENTRIES - 1)) {
	case 0:
		return ipv6 ? 1220 : 536;
	case 1:
		return ipv6 ? 1280 : 1300;
	case 2:
		return ipv6 ? 1340 : 1360;
	case 3:
		return ipv6 ? 1380 : 1400;
	case 4:
		return ipv6 ? 1420 : 1440;
	case 5:
		return ipv6 ? 1432 : 1452; /* PPPoE */
	case 6:
		return ipv6 ? 1440 : 1460; /* Ethernet */
	default:
		return ipv6 ? 8940 : 8960; /* jumbo frames */
	}
}

/* The largest entry not above mss (0 if mss is below them all). */
SIOSTEER_INLINE __u32 cookie_mss_index(int ipv6, __u32 mss)
{
	__u32 i;

	for (i = COOKIE_MSS_ENTRIES - 1; i > 0; i--)
		if (mss >= cookie_mss_of(ipv6, i))
			break;
	return i;
}

/* What the cookie encodes besides the hash. */
struct cookie_opts {
	__u32 mss_index;
	__u32 wscale; /* the client's shift, COOKIE_WSCALE_NONE: none */
	__u32 ts, sack, ecn; /* 0 or 1 */
};

SIOSTEER_INLINE __u32 cookie_opt_bits(const struct cookie_opts *o)
{
	return (o->mss_index & 7) << 7 | (o->ts & 1) << 6 | (o->sack & 1) << 5 | (o->ecn & 1) << 4 |
	       (o->wscale & 15);
}

SIOSTEER_INLINE void cookie_opts_of(__u32 cookie, struct cookie_opts *o)
{
	o->mss_index = cookie >> 7 & 7;
	o->ts = cookie >> 6 & 1;
	o->sack = cookie >> 5 & 1;
	o->ecn = cookie >> 4 & 1;
	o->wscale = cookie & 15;
}

SIOSTEER_INLINE __u32 cookie_time_bits(__u32 cookie)
{
	return cookie >> 10 & 3;
}

/* --- SipHash-2-4 over whole 64-bit words (written from the paper's description). --- */
SIOSTEER_INLINE __u64 sip_rotl(__u64 x, int b)
{
	return x << b | x >> (64 - b);
}

struct sip_state {
	__u64 v0, v1, v2, v3;
};

SIOSTEER_INLINE void sip_round(struct sip_state *s)
{
	s->v0 += s->v1;
	s->v1 = sip_rotl(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = sip_rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = sip_rotl(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = sip_rotl(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = sip_rotl(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = sip_rotl(s->v2, 32);
}

SIOSTEER_INLINE void sip_init(struct sip_state *s, const __u64 *key)
{
	s->v0 = key[0] ^ 0x736f6d6570736575ULL;
	s->v1 = key[1] ^ 0x646f72616e646f6dULL;
	s->v2 = key[0] ^ 0x6c7967656e657261ULL;
	s->v3 = key[1] ^ 0x7465646279746573ULL;
}

SIOSTEER_INLINE void sip_word(struct sip_state *s, __u64 m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

SIOSTEER_INLINE __u64 sip_final(struct sip_state *s, __u32 words)
{
	__u64 b = (__u64)(words * 8) << 56;

	s->v3 ^= b;
	sip_round(s);
	sip_round(s);
	s->v0 ^= b;
	s->v2 ^= 0xff;
	sip_round(s);
	sip_round(s);
	sip_round(s);
	sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/*
 * The connection a cookie belongs to, as the server sees it: addresses and ports in
 * network order (IPv4 in word 0, the rest zero), the client's ISN in host order.
 */
struct cookie_flow {
	__u32 saddr[4], daddr[4];
	__u16 sport, dport;
	__u32 client_isn;
	int ipv6;
};

/* The 64-bit hash for time counter t and option bits. */
SIOSTEER_INLINE __u64 cookie_hash(const __u64 *key, const struct cookie_flow *f, __u64 t,
				  __u32 opt_bits)
{
	struct sip_state s;

	sip_init(&s, key);
	sip_word(&s, (__u64)f->saddr[0] << 32 | f->daddr[0]);
	sip_word(&s, (__u64)f->saddr[1] << 32 | f->daddr[1]);
	sip_word(&s, (__u64)f->saddr[2] << 32 | f->daddr[2]);
	sip_word(&s, (__u64)f->saddr[3] << 32 | f->daddr[3]);
	sip_word(&s, (__u64)f->sport << 48 | (__u64)f->dport << 32 | f->client_isn);
	sip_word(&s, t << 16 | (__u64)(f->ipv6 ? 1 : 0) << 12 | opt_bits);
	return sip_final(&s, 6);
}

/* The cookie (our ISN) and the 8 bits that go into the TSval's low byte. */
SIOSTEER_INLINE __u32 cookie_make(const __u64 *key, const struct cookie_flow *f, __u64 t,
				  const struct cookie_opts *o, __u32 *ts_bits)
{
	__u32 opt = cookie_opt_bits(o);
	__u64 h = cookie_hash(key, f, t, opt);

	*ts_bits = (__u32)(h >> COOKIE_HASH_BITS) & 0xff;
	return (__u32)(h & ((1u << COOKIE_HASH_BITS) - 1)) << 12 | (__u32)(t & 3) << 10 | opt;
}

/*
 * Whether cookie (with the TSecr's low byte when o->ts) is genuine under key for a time
 * counter t whose low bits it carries.
 */
SIOSTEER_INLINE int cookie_matches(const __u64 *key, const struct cookie_flow *f, __u64 t,
				   __u32 cookie, __u32 tsecr_bits)
{
	struct cookie_opts o;
	__u32 ts_bits;

	cookie_opts_of(cookie, &o);
	if (cookie_make(key, f, t, &o, &ts_bits) != cookie)
		return 0;
	return !o.ts || ts_bits == (tsecr_bits & 0xff);
}

/* The time counter a cookie carrying time bits tb was made at, seen at now; *age set. */
SIOSTEER_INLINE __u64 cookie_time_of(__u64 now, __u32 tb, __u32 *age)
{
	*age = (__u32)(now - tb) & 3;
	return now - *age;
}

#endif
