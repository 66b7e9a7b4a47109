/* SPDX-License-Identifier: MIT */
/*
 * Hash of a (masked) client address, shared by the selector and user space so that tools
 * and tests can compute which table bucket an address falls into.
 */
#ifndef SIOSTEER_ADDR_HASH_H
#define SIOSTEER_ADDR_HASH_H

/* BPF code gets the kernel's types from vmlinux.h; user space from the uapi headers. */
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* murmur3's finaliser: cheap, and every input bit affects every output bit. */
static inline __u32 siosteer_mix32(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/*
 * Hash of an address given as 1 (IPv4) or 4 (IPv6) 32-bit words in network order.
 * IPv4 and IPv4-mapped IPv6 clients must hash alike, so callers pass IPv4 as one word.
 */
static inline __u32 siosteer_addr_hash(const __u32 *w, int nwords)
{
	__u32 h = 0x9e3779b9u ^ (__u32)nwords;
	int i;

	for (i = 0; i < 4; i++) {
		if (i >= nwords)
			break;
		h = siosteer_mix32(h ^ w[i]) + 0x7f4a7c15u;
	}
	return siosteer_mix32(h);
}

#endif
