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
 * A helper's length must be in [1, window], and every verifier must see that. Newer
 * kernels learn `n >= 1` from a `n != 0` branch; 6.1's verifier does not
 * (docs/ARCHITECTURE.md, 'Give the verifier a bounded length'). So the length minus one is
 * checked against window - 1 (a length of 0 wraps past it) and the 1 is added back after
 * the check: the verifier sees [0, window - 1] + 1. Both steps go through sio_len_opaque,
 * which keeps clang from folding them back into a test of n, from adding the 1 before the
 * check, and from testing the sum for overflow: 6.12's verifier loses the sum's unsigned
 * bounds in such a comparison of two linked registers ('R4 invalid zero-sized read').
 */
static __always_inline __u64 sio_len_opaque(__u64 v)
{
	asm volatile("" : "+r"(v));
	return v;
}

#define DEFINE_LOAD_WINDOW(name, window)                                                      \
	static __always_inline __u32 name(const void *ctx, __u32 off, __u8 *buf, __u32 avail) \
	{                                                                                     \
		__u64 m = sio_len_opaque((__u64)(avail < (window) ? avail : (window)) - 1);   \
                                                                                              \
		if (m >= (window))                                                            \
			return 0;                                                             \
		m = sio_len_opaque(m) + 1;                                                    \
		if (bpf_skb_load_bytes(ctx, off, buf, m))                                     \
			return 0;                                                             \
		return (__u32)m;                                                              \
	}

#endif
