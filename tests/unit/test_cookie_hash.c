// SPDX-License-Identifier: MIT
/*
 * The cookie layout and hash shared by bpf/cookie.bpf.c and the tests (bpf/cookie_hash.h):
 * SipHash-2-4 against the reference vectors, encode/decode of every option bit, the MSS
 * tables' rounding, time steps and expiry, and that a changed bit, key, flow or time
 * never passes. The in-kernel side is checked end to end by tests/ns/sid_cookie_flood.sh
 * (its "valid" packets are made here and must be accepted there).
 */
#include <stdlib.h>

#include "cookie_hash.h"
#include "unit_check.h"

/* The SipHash paper's key 00 01 .. 0f, message 00 01 02 .. (len bytes), little endian. */
static __u64 sip_ref(__u32 words)
{
	__u64 key[2] = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
	struct sip_state s;
	__u32 i;

	sip_init(&s, key);
	for (i = 0; i < words; i++) {
		__u64 m = 0;
		int b;

		for (b = 7; b >= 0; b--)
			m = m << 8 | (__u64)(i * 8 + b);
		sip_word(&s, m);
	}
	return sip_final(&s, words);
}

static void test_siphash(void)
{
	/* vectors_sip64[0], [8], [16] of the reference implementation, read little-endian. */
	check(sip_ref(0) == 0x726fdb47dd0e0e31ULL, "siphash len 0", "%016llx",
	      (unsigned long long)sip_ref(0));
	check(sip_ref(1) == 0x93f5f5799a932462ULL, "siphash len 8", "%016llx",
	      (unsigned long long)sip_ref(1));
	check(sip_ref(2) == 0x3f2acc7f57c29bdbULL, "siphash len 16", "%016llx",
	      (unsigned long long)sip_ref(2));
}

static void test_opts_roundtrip(void)
{
	struct cookie_opts o, back;
	__u32 m, ws, bits, ok = 1;

	for (m = 0; m < COOKIE_MSS_ENTRIES; m++)
		for (ws = 0; ws < 16; ws++)
			for (bits = 0; bits < 8; bits++) {
				o = (struct cookie_opts){ m, ws, bits & 1, bits >> 1 & 1,
							  bits >> 2 & 1 };
				cookie_opts_of(cookie_opt_bits(&o), &back);
				ok &= !memcmp(&o, &back, sizeof(o));
			}
	check(ok, "option bits round trip", "an option did not survive encode/decode");
}

static void test_mss(void)
{
	int v6;
	__u32 i;

	for (v6 = 0; v6 < 2; v6++) {
		for (i = 1; i < COOKIE_MSS_ENTRIES; i++)
			check(cookie_mss_of(v6, i) > cookie_mss_of(v6, i - 1), "mss table rises",
			      "v6=%d entry %u", v6, i);
		check(cookie_mss_of(v6, cookie_mss_index(v6, 1460)) == (v6 ? 1440 : 1460),
		      "mss 1460", "v6=%d", v6);
		check(cookie_mss_index(v6, 0) == 0, "no mss option: the floor", "v6=%d", v6);
		check(cookie_mss_of(v6, cookie_mss_index(v6, 1350)) <= 1350, "mss rounds down",
		      "v6=%d", v6);
		check(cookie_mss_of(v6, cookie_mss_index(v6, 65495)) ==
			      cookie_mss_of(v6, COOKIE_MSS_ENTRIES - 1),
		      "loopback mss: the top entry", "v6=%d", v6);
	}
	check(cookie_mss_of(0, 0) == 536 && cookie_mss_of(1, 0) == 1220, "mss floors",
	      "the kfunc refuses less than 536 / 1220");
}

static void flow(struct cookie_flow *f, int v6)
{
	memset(f, 0, sizeof(*f));
	f->saddr[0] = htonl(0xc6130102);
	f->daddr[0] = htonl(0xc6120001);
	if (v6)
		f->saddr[3] = f->daddr[3] = 7;
	f->sport = htons(40000);
	f->dport = htons(3000);
	f->client_isn = 0x12345678;
	f->ipv6 = v6;
}

static void test_cookie(void)
{
	__u64 key[2] = { 0x1111, 0x2222 }, other[2] = { 0x1111, 0x2223 }, t = 1000;
	struct cookie_opts o = { 6, 7, 1, 1, 0 };
	struct cookie_flow f, g;
	__u32 c, tsb, bit, age, caught = 0;
	int v6;

	for (v6 = 0; v6 < 2; v6++) {
		flow(&f, v6);
		c = cookie_make(key, &f, t, &o, &tsb);
		check(cookie_matches(key, &f, t, c, tsb), "genuine cookie", "v6=%d", v6);
		check(!cookie_matches(key, &f, t, c, tsb ^ 1), "TSecr bits checked", "v6=%d", v6);
		check(!cookie_matches(other, &f, t, c, tsb), "other key", "v6=%d", v6);
		check(!cookie_matches(key, &f, t + 4, c, tsb), "other time", "v6=%d", v6);
		g = f;
		g.sport++;
		check(!cookie_matches(key, &g, t, c, tsb), "other port", "v6=%d", v6);
		g = f;
		g.client_isn++;
		check(!cookie_matches(key, &g, t, c, tsb), "other ISN", "v6=%d", v6);
		for (bit = 0; bit < 32; bit++)
			caught += !cookie_matches(key, &f, t, c ^ (1u << bit), tsb);
		check(caught == 32 * (__u32)(v6 + 1), "every flipped bit caught", "%u of 32",
		      caught - 32 * (__u32)v6);
		/* Decoding the time: made at t, seen up to 3 steps later. */
		for (age = 0; age < 4; age++) {
			__u32 got;

			check(cookie_time_of(t + age, cookie_time_bits(c), &got) == t && got == age,
			      "time of a cookie", "age %u", age);
		}
	}
	o.ts = 0;
	flow(&f, 0);
	c = cookie_make(key, &f, t, &o, &tsb);
	check(cookie_matches(key, &f, t, c, 0x55), "without timestamps the TSecr is ignored",
	      "cookie %08x", c);
}

int main(void)
{
	test_siphash();
	test_opts_roundtrip();
	test_mss();
	test_cookie();
	printf("test_cookie_hash: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
