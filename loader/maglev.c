// SPDX-License-Identifier: MIT
/* Maglev table population: each slot walks its own permutation of the table. */
#include <stdlib.h>
#include <string.h>

#include "maglev.h"
#include "addr_hash.h"
#include "siosteer.h"

/* Per-slot permutation: offset and skip from two independent hashes of the slot number. */
struct perm {
	__u32 offset, skip, next;
};

int maglev_build(__u32 *entry, __u32 size, const __u32 *weights, __u32 nslots)
{
	struct perm *p;
	__u32 s, filled = 0;
	int used = 0;

	for (s = 0; s < size; s++)
		entry[s] = SIOSTEER_NO_SLOT;
	p = calloc(nslots ? nslots : 1, sizeof(*p));
	if (!p)
		return -1;
	for (s = 0; s < nslots; s++) {
		if (!weights[s])
			continue;
		p[s].offset = siosteer_mix32(s * 2654435761u + 0x51ed27u) % size;
		p[s].skip = siosteer_mix32(s * 40503u + 0x2545f491u) % (size - 1) + 1;
		used++;
	}
	/* Rounds: slot s claims `weights[s]` free entries per round, along its permutation. */
	while (used && filled < size) {
		for (s = 0; s < nslots && filled < size; s++) {
			__u32 turn;

			for (turn = 0; turn < weights[s] && filled < size; turn++) {
				__u32 c;

				do {
					c = (__u32)(((__u64)p[s].offset +
						     (__u64)p[s].next * p[s].skip) %
						    size);
					p[s].next++;
				} while (entry[c] != SIOSTEER_NO_SLOT);
				entry[c] = s;
				filled++;
			}
		}
	}
	free(p);
	return used;
}
