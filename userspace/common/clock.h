/* SPDX-License-Identifier: MIT */
/* Clock readings in the units the commands work in (one copy instead of one per file). */
#ifndef SIOSTEER_CLOCK_H
#define SIOSTEER_CLOCK_H

#include <time.h>
#include <linux/types.h>

/* Seconds on clock id (CLOCK_MONOTONIC for deadlines and rates, CLOCK_BOOTTIME to age
 * what BPF stamped with bpf_ktime_get_boot_ns, CLOCK_REALTIME for wall time). */
static inline double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Nanoseconds on clock id, exact (map fields such as since_ns). */
static inline __u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

static inline double mono_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

#endif
