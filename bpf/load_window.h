/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Copy up to `window` bytes of a packet into a scratch buffer with bpf_skb_load_bytes
 * (sk_reuseport and tc contexts both take it), in one helper call: one call of N bytes
 * costs about what one 32-byte call does, and this runs on every first request.
 * Returns the number of valid bytes (0 if the load failed); bytes past it are stale and
 * must not be read.
 */
#ifndef SIOSTEER_LOAD_WINDOW_H
#define SIOSTEER_LOAD_WINDOW_H

/*
 * n if it is in [1, max], else 0, computed so that every verifier bounds the result away
 * from 0: a helper's length must be at least 1. Newer kernels learn `n >= 1` from a
 * `n != 0` branch; 6.1's verifier does not (docs/ARCHITECTURE.md, 'Give the verifier a
 * bounded length'). So check n - 1 against max - 1 (n = 0 wraps past it) and add the 1
 * back: the verifier sees [0, max - 1] + 1. The empty asms keep clang from folding this
 * back into a test of n, or from adding the 1 before the test in another register.
 */
static __always_inline __u64 sio_len_in_1_max(__u64 n, __u32 max)
{
	__u64 m = n - 1;

	asm volatile("" : "+r"(m));
	if (m >= max)
		return 0;
	asm volatile("" : "+r"(m));
	return m + 1;
}

#define DEFINE_LOAD_WINDOW(name, window)                                                      \
	static __always_inline __u32 name(const void *ctx, __u32 off, __u8 *buf, __u32 avail) \
	{                                                                                     \
		__u64 n = sio_len_in_1_max(avail < (window) ? avail : (window), (window));    \
                                                                                              \
		if (n == 0 || bpf_skb_load_bytes(ctx, off, buf, n))                           \
			return 0;                                                             \
		return (__u32)n;                                                              \
	}

#endif
