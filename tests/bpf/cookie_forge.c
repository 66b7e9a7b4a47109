// SPDX-License-Identifier: MIT
/*
 * cookie_forge: raw-socket packets against siosteer's own SYN cookies (--cookies bpf),
 * for tests/ns/sid_cookie_flood.sh. IPv4 only; run it in the test's client namespace.
 *
 *   cookie_forge flood DST PORT COUNT RATE
 *       COUNT SYNs (Linux-like options) from random sources in 198.51.100.0/24 and random
 *       ports, RATE per second at most (0: as fast as it goes). The SYN-ACKs go to
 *       addresses nobody has and are dropped by the client namespace.
 *   cookie_forge acks DST PORT SRC COUNT KIND [K0 K1]
 *       COUNT handshake-completing ACKs carrying an HTTP request, from SRC with random
 *       ports and ISNs. KIND: random (random ACK number and timestamps), wrong-key (a
 *       cookie made with a random secret), expired (the right secret K0 K1, made two or
 *       three time steps ago), flip (the right cookie with one random bit flipped),
 *       valid (the right cookie, made now: each one must create a connection).
 * Prints one line: what it sent. Exit 0 if every packet was sent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "cookie_hash.h"

struct pkt {
	__u8 b[128];
	__u32 len;
};

static __u64 rnd64(void)
{
	__u64 v = 0;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = ((__u64)rand() << 32) ^ (__u64)rand();
	return v;
}

static __u16 fold(__u32 s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

static __u32 sum16(const __u8 *p, __u32 n, __u32 s)
{
	__u32 i;

	for (i = 0; i + 1 < n; i += 2)
		s += (__u32)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (__u32)p[n - 1] << 8;
	return s;
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(__u8 *p, __u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* IPv4 + TCP with options opt (a multiple of 4 bytes) and payload; checksums filled. */
static void build(struct pkt *k, __u32 src, __u32 dst, __u16 sport, __u16 dport, __u32 seq,
		  __u32 ack, __u8 flags, const __u8 *opt, __u32 optlen, const char *payload)
{
	__u32 plen = payload ? (__u32)strlen(payload) : 0, tlen = 20 + optlen + plen, s;
	__u8 *ip = k->b, *t = k->b + 20;

	memset(k->b, 0, sizeof(k->b));
	k->len = 20 + tlen;
	ip[0] = 0x45;
	put16(ip + 2, (__u16)k->len);
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	put16(ip + 10, (__u16)~fold(sum16(ip, 20, 0)));
	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = (__u8)((20 + optlen) / 4) << 4;
	t[13] = flags;
	put16(t + 14, 64240);
	memcpy(t + 20, opt, optlen);
	if (plen)
		memcpy(t + 20 + optlen, payload, plen);
	s = sum16(ip + 12, 8, 0) + IPPROTO_TCP + tlen;
	put16(t + 16, (__u16)~fold(sum16(t, tlen, s)));
}

static int send_pkt(int fd, const struct pkt *k, __u32 dst)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = dst };

	return sendto(fd, k->b, k->len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)k->len ?
		       0 :
		       -1;
}

static void pace(__u64 i, double rate, const struct timespec *t0)
{
	struct timespec now, d;
	double due, el;

	if (rate <= 0 || i % 256)
		return;
	due = (double)i / rate;
	clock_gettime(CLOCK_MONOTONIC, &now);
	el = (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
	if (due > el) {
		d.tv_sec = (time_t)(due - el);
		d.tv_nsec = (long)((due - el - (double)d.tv_sec) * 1e9);
		nanosleep(&d, NULL);
	}
}

static int flood(int fd, __u32 dst, __u16 port, __u64 count, double rate)
{
	/* MSS 1460, SACK permitted, timestamps, NOP, window scale 7: what Linux sends. */
	__u8 opt[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 7 };
	struct timespec t0;
	struct pkt k;
	__u64 i, sent = 0;
	__u32 src;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < count; i++) {
		__u64 r = rnd64();

		src = htonl(0xc6336400u | (__u32)(1 + r % 254)); /* 198.51.100.1-254 */
		put32(opt + 8, (__u32)(r >> 16));
		build(&k, src, dst, (__u16)(1024 + (r >> 8) % 64000), port, (__u32)(r >> 32), 0,
		      0x02, opt, sizeof(opt), NULL);
		if (!send_pkt(fd, &k, dst))
			sent++;
		pace(i + 1, rate, &t0);
	}
	printf("flood: %llu of %llu SYNs sent\n", (unsigned long long)sent,
	       (unsigned long long)count);
	return sent == count ? 0 : 1;
}

static __u64 time_step(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec) >> COOKIE_TIME_SHIFT;
}

static int acks(int fd, __u32 dst, __u16 port, __u32 src, __u64 count, const char *kind,
		const __u64 *key)
{
	const char *req = "GET /forged HTTP/1.1\r\nHost: forged\r\n\r\n";
	__u8 opt[12] = { 1, 1, 8, 10 };
	struct cookie_opts o = { .mss_index = 6, .wscale = 7, .ts = 1, .sack = 1 };
	struct cookie_flow f = { 0 };
	__u64 i, sent = 0, bad_key[2];
	__u32 cookie, ts_bits, tsecr;
	struct pkt k;

	for (i = 0; i < count; i++) {
		__u64 r = rnd64(), t = time_step();

		f.saddr[0] = src;
		f.daddr[0] = dst;
		f.sport = htons((__u16)(1024 + r % 64000));
		f.dport = htons(port);
		f.client_isn = (__u32)(r >> 16);
		if (!strcmp(kind, "random")) {
			cookie = (__u32)rnd64();
			tsecr = (__u32)rnd64();
		} else {
			const __u64 *k_ = key;

			if (!strcmp(kind, "wrong-key")) {
				bad_key[0] = rnd64();
				bad_key[1] = rnd64();
				k_ = bad_key;
			} else if (!strcmp(kind, "expired")) {
				t -= 2 + (i & 1);
			}
			cookie = cookie_make(k_, &f, t, &o, &ts_bits);
			tsecr = ((__u32)rnd64() & ~0xffu) | ts_bits;
			if (!strcmp(kind, "flip")) {
				__u32 bit = (__u32)(r % 40);

				if (bit < 32)
					cookie ^= 1u << bit;
				else
					tsecr ^= 1u << (bit - 32);
			}
		}
		put32(opt + 4, (__u32)rnd64()); /* TSval */
		put32(opt + 8, tsecr);
		build(&k, src, dst, ntohs(f.sport), port, f.client_isn + 1, cookie + 1, 0x18, opt,
		      sizeof(opt), req);
		if (!send_pkt(fd, &k, dst))
			sent++;
	}
	printf("acks: %llu of %llu %s ACKs sent\n", (unsigned long long)sent,
	       (unsigned long long)count, kind);
	return sent == count ? 0 : 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: cookie_forge flood DST PORT COUNT RATE\n"
			"       cookie_forge acks DST PORT SRC COUNT "
			"random|wrong-key|expired|flip|valid [K0 K1]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct in_addr dst, src;
	__u64 key[2] = { 0, 0 };
	int fd;

	if (argc < 6 || !inet_pton(AF_INET, argv[2], &dst))
		return usage();
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0) {
		fprintf(stderr, "cookie_forge: raw socket: %s\n", strerror(errno));
		return 1;
	}
	if (!strcmp(argv[1], "flood"))
		return flood(fd, dst.s_addr, (__u16)atoi(argv[3]), strtoull(argv[4], NULL, 10),
			     atof(argv[5]));
	if (strcmp(argv[1], "acks") || argc < 7 || !inet_pton(AF_INET, argv[4], &src))
		return usage();
	if (argc >= 9) {
		key[0] = strtoull(argv[7], NULL, 0);
		key[1] = strtoull(argv[8], NULL, 0);
	} else if (strcmp(argv[6], "random") && strcmp(argv[6], "wrong-key")) {
		fprintf(stderr, "cookie_forge: %s needs the key (K0 K1)\n", argv[6]);
		return 2;
	}
	return acks(fd, dst.s_addr, (__u16)atoi(argv[3]), src.s_addr, strtoull(argv[5], NULL, 10),
		    argv[6], key);
}
