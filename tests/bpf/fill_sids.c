// SPDX-License-Identifier: MIT
/*
 * Fill a port's pinned learned-sessions map (<pin-root>/<port>/sids) with synthetic
 * engine.io sids, then report what the map really holds. Used by tests/ns/sid_capacity.sh.
 *
 *   fill_sids --map PATH --count N [--slots K] [--seed S] [--batch B]
 *             [--check-last L] [--check-first F] [--blocks NB]
 *
 * Sid i (0 <= i < N) is 20 characters of [A-Za-z0-9_-], like engine.io's default ids
 * (base64url of 15 bytes): 16 pseudo-random characters from (seed, i), then i itself in
 * 4 base64url characters (engine.io also ends its ids with a per-process counter), so all
 * N <= 2^24 sids are distinct. Value: slot i % K (K live slots, default 4), learned_ns =
 * now (CLOCK_BOOTTIME, as the learner writes). Inserted in order 0..N-1, BPF_ANY, in
 * batches of B (BPF_MAP_UPDATE_BATCH; one update per element if the kernel refuses).
 * Lookups afterwards go through the syscall, which does not mark LRU entries as used, so
 * checking does not change what gets evicted.
 *
 * Prints ONE JSON line: inserted, fill_s, max_entries, entries (counted by iterating the
 * map), last_checked/last_present (the L most recently inserted), first_checked/
 * first_present (the F first inserted), present_by_block (the fraction of each of NB
 * equal blocks of insertion order still present), update_errors. Exit 0 unless the map
 * could not be opened or does not have the expected key/value layout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "siosteer.h"
#include "sid_parse.h"

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static __u64 splitmix64(__u64 x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static void make_sid(struct siosteer_sid *k, __u64 seed, __u32 i)
{
	__u64 r1 = splitmix64(seed ^ ((__u64)i << 20)), r2 = splitmix64(r1 ^ seed);
	int j;

	memset(k, 0, sizeof(*k));
	k->len = 20;
	for (j = 0; j < 10; j++)
		k->s[j] = b64url[(r1 >> (6 * j)) & 63];
	for (j = 0; j < 6; j++)
		k->s[10 + j] = b64url[(r2 >> (6 * j)) & 63];
	for (j = 0; j < 4; j++)
		k->s[16 + j] = b64url[(i >> (6 * (3 - j))) & 63];
}

static double now_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: fill_sids --map PATH --count N [--slots K] [--seed S] [--batch B]\n"
			"                 [--check-last L] [--check-first F] [--blocks NB]\n");
	exit(2);
}

/* Entries in the map: walk it with get_next_key (works for every hash map). */
static long count_entries(int fd)
{
	struct siosteer_sid key, next;
	void *prev = NULL;
	long n = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		n++;
	}
	return n;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "map", required_argument, NULL, 'm' },
		{ "count", required_argument, NULL, 'n' },
		{ "slots", required_argument, NULL, 'k' },
		{ "seed", required_argument, NULL, 's' },
		{ "batch", required_argument, NULL, 'b' },
		{ "check-last", required_argument, NULL, 'L' },
		{ "check-first", required_argument, NULL, 'F' },
		{ "blocks", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	long count = 0, slots = 4, batch = 4096, check_last = 0, check_first = 0, blocks = 11;
	__u64 seed = 0x5105733e;
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	struct siosteer_sid *keys;
	struct siosteer_sid_owner *vals, v;
	long i, j, errors = 0, last_present = 0, first_present = 0, entries, *blk_present,
		   *blk_size;
	int fd, opt, batch_ok = 1, batch_errno = 0;
	double t0, fill_s, now_boot;

	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'm':
			path = optarg;
			break;
		case 'n':
			count = strtol(optarg, NULL, 0);
			break;
		case 'k':
			slots = strtol(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'b':
			batch = strtol(optarg, NULL, 0);
			break;
		case 'L':
			check_last = strtol(optarg, NULL, 0);
			break;
		case 'F':
			check_first = strtol(optarg, NULL, 0);
			break;
		case 'B':
			blocks = strtol(optarg, NULL, 0);
			break;
		default:
			usage();
		}
	}
	if (!path || count <= 0 || count > (1L << 24) || slots < 1 || slots > SIOSTEER_MAX_SLOTS ||
	    batch < 1 || batch > 65536 || check_last < 0 || check_last > count || check_first < 0 ||
	    check_first > count || blocks < 1 || blocks > 100)
		usage();

	fd = bpf_obj_get(path);
	if (fd < 0) {
		fprintf(stderr, "fill_sids: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len)) {
		fprintf(stderr, "fill_sids: map info: %s\n", strerror(errno));
		return 1;
	}
	if (info.key_size != sizeof(struct siosteer_sid) ||
	    info.value_size != sizeof(struct siosteer_sid_owner)) {
		fprintf(stderr, "fill_sids: %s has key %u B / value %u B, want %zu / %zu\n", path,
			info.key_size, info.value_size, sizeof(struct siosteer_sid),
			sizeof(struct siosteer_sid_owner));
		return 1;
	}

	keys = calloc(batch, sizeof(*keys));
	vals = calloc(batch, sizeof(*vals));
	blk_present = calloc(blocks, sizeof(*blk_present));
	blk_size = calloc(blocks, sizeof(*blk_size));
	if (!keys || !vals || !blk_present || !blk_size)
		return 1;

	now_boot = now_s(CLOCK_BOOTTIME);
	t0 = now_s(CLOCK_MONOTONIC);
	for (i = 0; i < count; i += batch) {
		__u32 n = (__u32)(count - i < batch ? count - i : batch);
		DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, bo, .elem_flags = BPF_ANY);

		for (j = 0; j < n; j++) {
			make_sid(&keys[j], seed, (__u32)(i + j));
			vals[j].slot = (__u32)((i + j) % slots);
			vals[j].pad = 0;
			vals[j].learned_ns = (__u64)(now_boot * 1e9);
		}
		if (batch_ok) {
			__u32 done = n;

			if (!bpf_map_update_batch(fd, keys, vals, &done, &bo))
				continue;
			/* Refused outright (old kernel / map type): fall back for good. */
			batch_errno = errno;
			if (done == 0 &&
			    (errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP)) {
				batch_ok = 0;
			} else {
				errors++;
				j = done; /* retry the rest one by one */
				for (; j < n; j++)
					if (bpf_map_update_elem(fd, &keys[j], &vals[j], BPF_ANY))
						errors++;
				continue;
			}
		}
		for (j = 0; j < n; j++)
			if (bpf_map_update_elem(fd, &keys[j], &vals[j], BPF_ANY))
				errors++;
	}
	fill_s = now_s(CLOCK_MONOTONIC) - t0;

	entries = count_entries(fd);
	for (i = count - check_last; i < count; i++) {
		make_sid(&keys[0], seed, (__u32)i);
		last_present += !bpf_map_lookup_elem(fd, &keys[0], &v);
	}
	for (i = 0; i < check_first; i++) {
		make_sid(&keys[0], seed, (__u32)i);
		first_present += !bpf_map_lookup_elem(fd, &keys[0], &v);
	}
	for (i = 0; i < count; i++) {
		make_sid(&keys[0], seed, (__u32)i);
		blk_size[i * blocks / count]++;
		if (!bpf_map_lookup_elem(fd, &keys[0], &v))
			blk_present[i * blocks / count]++;
	}

	printf("{\"inserted\":%ld,\"fill_s\":%.3f,\"batch\":%s,\"batch_errno\":%d,"
	       "\"update_errors\":%ld,\"max_entries\":%u,\"entries\":%ld,"
	       "\"last_checked\":%ld,\"last_present\":%ld,\"first_checked\":%ld,"
	       "\"first_present\":%ld,\"present_by_block\":[",
	       count, fill_s, batch_ok ? "true" : "false", batch_errno, errors, info.max_entries,
	       entries, check_last, last_present, check_first, first_present);
	for (i = 0; i < blocks; i++)
		printf("%s%.4f", i ? "," : "",
		       blk_size[i] ? (double)blk_present[i] / blk_size[i] : 0.0);
	printf("]}\n");
	close(fd);
	return 0;
}
