/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Copy up to `window` bytes of a packet into a scratch buffer with bpf_skb_load_bytes
 * (sk_reuseport and tc contexts both take it), in one helper call: one call of N bytes
 * costs about what one 32-byte call does, and this runs on every first request.
 * The verifier wants the length in [1, window]; the empty asm keeps clang from folding
 * the clamp into a form whose bounds the verifier cannot follow.
 * Returns the number of valid bytes (0 if the load failed); bytes past it are stale and
 * must not be read.
 */
#ifndef SIOSTEER_LOAD_WINDOW_H
#define SIOSTEER_LOAD_WINDOW_H

#define DEFINE_LOAD_WINDOW(name, window)                                                      \
	static __always_inline __u32 name(const void *ctx, __u32 off, __u8 *buf, __u32 avail) \
	{                                                                                     \
		__u64 n = avail < (window) ? avail : (window);                                \
                                                                                              \
		asm volatile("" : "+r"(n));                                                   \
		if (n == 0 || n > (window))                                                   \
			return 0;                                                             \
		if (bpf_skb_load_bytes(ctx, off, buf, (__u32)n))                              \
			return 0;                                                             \
		return (__u32)n;                                                              \
	}

#endif
