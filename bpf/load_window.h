/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Copy up to `window` bytes of a packet into a scratch buffer with bpf_skb_load_bytes
 * (sk_reuseport and tc contexts both take it). The verifier wants a bounded, non-zero
 * length, so we load fixed 32-byte chunks while they fit, then one masked tail.
 * Returns the number of valid bytes; bytes past it are stale and must not be read.
 */
#ifndef SIOSTEER_LOAD_WINDOW_H
#define SIOSTEER_LOAD_WINDOW_H

#define LOAD_CHUNK 32

#define DEFINE_LOAD_WINDOW(name, window)                                                    \
	static __always_inline __u32 name(const void *ctx, __u32 off, __u8 *buf, __u32 avail) \
	{                                                                                   \
		__u32 n = 0, i, rem;                                                        \
                                                                                            \
		_Static_assert((window) % LOAD_CHUNK == 0, "window is whole chunks");       \
		if (avail > (window))                                                       \
			avail = (window);                                                   \
		for (i = 0; i < (window) / LOAD_CHUNK; i++) {                               \
			if (n + LOAD_CHUNK > avail)                                         \
				break;                                                      \
			if (bpf_skb_load_bytes(ctx, off + n, buf + n, LOAD_CHUNK))          \
				return n;                                                   \
			n += LOAD_CHUNK;                                                    \
		}                                                                           \
		if (n > (window) - LOAD_CHUNK)                                              \
			return n;                                                           \
		rem = (avail - n) & (LOAD_CHUNK - 1);                                       \
		if (rem == 0)                                                               \
			return n;                                                           \
		if (bpf_skb_load_bytes(ctx, off + n, buf + n, rem))                         \
			return n;                                                           \
		return n + rem;                                                             \
	}

#endif
