// SPDX-License-Identifier: MIT
/*
 * Maglev properties siosteer relies on (docs/ARCHITECTURE.md, 'The mechanism'; the
 * table size is argued in bpf/siosteer.h), for N = 2..64 slots:
 *  - balance: max/min entries per slot <= 1.02;
 *  - disruption: removing one of N slots moves <= 1/N + 1% of the entries (and so of
 *    hashed addresses), and nothing moves between surviving slots beyond that;
 *  - determinism: the same live slots give the same table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siosteer.h"
#include "maglev.h"

#define M SIOSTEER_MAGLEV_SIZE

static int passed, failed;

static void check(int ok, const char *what, int n, double got, double limit)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL %s: N=%d got %.4f limit %.4f\n", what, n, got, limit);
}

int main(void)
{
	static __u32 a[M], b[M], c[M];
	__u32 w[SIOSTEER_MAX_SLOTS];
	double worst_ratio = 0, worst_excess = 1;
	int n;

	for (n = 2; n <= SIOSTEER_MAX_SLOTS; n++) {
		__u32 cnt[SIOSTEER_MAX_SLOTS] = { 0 }, min = M, max = 0, moved = 0;
		int i, gone;

		for (i = 0; i < SIOSTEER_MAX_SLOTS; i++)
			w[i] = i < n;
		maglev_build(a, M, w, SIOSTEER_MAX_SLOTS);
		maglev_build(c, M, w, SIOSTEER_MAX_SLOTS);
		check(!memcmp(a, c, sizeof(a)), "deterministic", n, 0, 0);
		for (i = 0; i < M; i++)
			cnt[a[i]]++;
		for (i = 0; i < n; i++) {
			min = cnt[i] < min ? cnt[i] : min;
			max = cnt[i] > max ? cnt[i] : max;
		}
		check(min && (double)max / min <= 1.02, "balance max/min", n, (double)max / min,
		      1.02);
		if ((double)max / min > worst_ratio)
			worst_ratio = (double)max / min;

		/* Remove each slot in turn (cheap enough: 64 x 64 tables of 6421). */
		for (gone = 0; gone < n; gone++) {
			double frac, limit = 1.0 / n + 0.01;

			w[gone] = 0;
			maglev_build(b, M, w, SIOSTEER_MAX_SLOTS);
			w[gone] = 1;
			moved = 0;
			for (i = 0; i < M; i++)
				moved += a[i] != b[i];
			frac = (double)moved / M;
			check(frac <= limit, "disruption", n, frac, limit);
			if (frac - 1.0 / n > worst_excess - 1)
				worst_excess = 1 + frac - 1.0 / n;
		}
	}
	printf("maglev: size %d, worst max/min %.4f, worst moved beyond 1/N %.2f%%\n", M,
	       worst_ratio, (worst_excess - 1) * 100);
	printf("maglev: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
