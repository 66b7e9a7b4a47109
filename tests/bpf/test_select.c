// SPDX-License-Identifier: MIT
/*
 * The selector alone (bpf/select.bpf.c, address key), in the manner of the kernel's
 * selftest prog_tests/select_reuseport.c: load build/select.bpf.o with libbpf in a network
 * namespace of this process's own (lo up), put NLISTEN SO_REUSEPORT listeners on
 * 127.0.0.1:PORT into the `slots` map, write a Maglev table (loader/maglev.c) into
 * `tables` and flip `state` to it, attach with SO_ATTACH_REUSEPORT_EBPF, and connect from
 * many source addresses 127.0.0.x. Checks:
 *  - every address lands, every time, on the listener its table bucket names
 *    (entry[siosteer_addr_hash(addr) % SIOSTEER_MAGLEV_SIZE]);
 *  - with one listener closed (the kernel empties its slot; the table still names it),
 *    its addresses go to the live slot the fallback order names (table.live from
 *    mix32(hash) % nlive on), counted in counters.fallback; the others do not move;
 *  - counters.selected[] per slot, runs, ipv4, and no select_error / bad_packet;
 *  - a table with no live slot: counters.no_live_slot, and the kernel still places it.
 *
 *   build/tests/test_select [path/to/select.bpf.o]   (default: ../select.bpf.o beside
 *                                                     this binary's directory)
 * Needs root. Ends with "select: N passed, N failed"; exit 1 if any failed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "unit_check.h"
#include "siosteer.h"
#include "addr_hash.h"
#include "maglev.h"

#define M       SIOSTEER_MAGLEV_SIZE
#define NLISTEN 5
#define PORT    7462
#define NADDR   60 /* 127.0.0.10 .. 127.0.0.69 */
#define ROUNDS  3 /* connections per address and phase */

static int slots_fd, tables_fd, state_fd, counters_fd, epfd;
static int lfd[NLISTEN];
static struct siosteer_table table;

static struct siosteer_counters counters(void)
{
	int ncpu = libbpf_num_possible_cpus(), cpu;
	struct siosteer_counters sum = { 0 }, *per = calloc(ncpu, sizeof(*per));
	__u32 zero = 0;
	size_t i;

	if (!bpf_map_lookup_elem(counters_fd, &zero, per))
		for (cpu = 0; cpu < ncpu; cpu++)
			for (i = 0; i < sizeof(sum) / 8; i++)
				((__u64 *)&sum)[i] += ((__u64 *)&per[cpu])[i];
	free(per);
	return sum;
}

static __u32 addr_of(int i)
{
	return htonl(0x7f000000u | (__u32)(10 + i)); /* 127.0.0.10 + i */
}

static __u32 hash_of(__u32 addr_be)
{
	return siosteer_addr_hash(&addr_be, 1);
}

/* Connect from `addr`; the slot whose listener got it (accepted and closed), or -1. */
static int connect_from(__u32 addr)
{
	struct sockaddr_in src = { .sin_family = AF_INET, .sin_addr.s_addr = addr };
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	struct epoll_event ev;
	int c = socket(AF_INET, SOCK_STREAM, 0), n, slot = -1;

	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (c < 0 || bind(c, (struct sockaddr *)&src, sizeof(src)) ||
	    connect(c, (struct sockaddr *)&dst, sizeof(dst))) {
		printf("  connect from %s: %s\n", inet_ntoa(src.sin_addr), strerror(errno));
		if (c >= 0)
			close(c);
		return -1;
	}
	n = epoll_wait(epfd, &ev, 1, 1000);
	if (n == 1) {
		int a = accept(lfd[ev.data.u32], NULL, NULL);

		if (a >= 0) {
			slot = (int)ev.data.u32;
			close(a);
		}
	}
	close(c);
	return slot;
}

/* The slot the selector must pick for `hash` when `gone` has no socket (-1: none gone),
 * and whether that is a fallback. */
static int expected_slot(__u32 hash, int gone, bool *fallback)
{
	__u32 slot = table.entry[hash % M], start, i;

	*fallback = false;
	if ((int)slot != gone)
		return (int)slot;
	start = siosteer_mix32(hash) % table.nlive;
	for (i = 0; i < table.nlive; i++) {
		slot = table.live[(start + i) % table.nlive];
		if ((int)slot != gone) {
			*fallback = true;
			return (int)slot;
		}
	}
	return -1;
}

/* ROUNDS connections from every address; check each lands where expected. */
static void phase(const char *name, int gone, __u64 *want_selected, __u64 *want_fallback,
		  int *moved)
{
	int i, r, wrong = 0;

	*moved = 0;
	for (i = 0; i < NADDR; i++) {
		__u32 a = addr_of(i), h = hash_of(a);
		bool fb;
		int want = expected_slot(h, gone, &fb);

		for (r = 0; r < ROUNDS; r++) {
			int got = connect_from(a);

			if (got != want) {
				struct in_addr ia = { a };

				if (wrong++ < 10)
					printf("  %s: %s (bucket %u) went to slot %d, table says "
					       "%d%s\n",
					       name, inet_ntoa(ia), h % M, got, want,
					       fb ? " (fallback)" : "");
				continue;
			}
			want_selected[want]++;
			*want_fallback += fb;
		}
		*moved += fb;
	}
	check(!wrong, name, "%d of %d connections on another slot than the table's", wrong,
	      NADDR * ROUNDS);
}

static void check_counters(const char *name, const __u64 *want_selected, __u64 want_fallback,
			   __u64 want_runs, __u64 want_no_live)
{
	struct siosteer_counters c = counters();
	int i, bad = 0;

	for (i = 0; i < SIOSTEER_MAX_SLOTS; i++) {
		if (c.selected[i] != want_selected[i]) {
			printf("  %s: selected[%d] = %llu, want %llu\n", name, i,
			       (unsigned long long)c.selected[i],
			       (unsigned long long)want_selected[i]);
			bad++;
		}
	}
	check(!bad, name, "%d slots with a wrong selected[] count", bad);
	check(c.fallback == want_fallback, name, "fallback %llu, want %llu",
	      (unsigned long long)c.fallback, (unsigned long long)want_fallback);
	check(c.runs == want_runs && c.ipv4 == want_runs, name, "runs %llu ipv4 %llu, want %llu",
	      (unsigned long long)c.runs, (unsigned long long)c.ipv4,
	      (unsigned long long)want_runs);
	check(c.no_live_slot == want_no_live && !c.select_error && !c.bad_packet && !c.ipv6, name,
	      "no_live_slot %llu (want %llu) select_error %llu bad_packet %llu ipv6 %llu",
	      (unsigned long long)c.no_live_slot, (unsigned long long)want_no_live,
	      (unsigned long long)c.select_error, (unsigned long long)c.bad_packet,
	      (unsigned long long)c.ipv6);
}

static int write_table(__u32 idx, __u32 generation)
{
	struct siosteer_state st = { .active = idx, .generation = generation };
	__u32 zero = 0;

	table.generation = generation;
	if (bpf_map_update_elem(tables_fd, &idx, &table, BPF_ANY) ||
	    bpf_map_update_elem(state_fd, &zero, &st, BPF_ANY))
		return -errno;
	return 0;
}

static void run(const char *obj_path)
{
	__u64 want_sel[SIOSTEER_MAX_SLOTS] = { 0 }, want_fb = 0, runs;
	__u32 w[SIOSTEER_MAX_SLOTS] = { 0 }, i;
	int per_slot[NLISTEN] = { 0 }, gone, moved, prog_fd, err;
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct epoll_event ev;

	obj = bpf_object__open_file(obj_path, NULL);
	if (!obj) {
		check(false, "open", "%s: %s", obj_path, strerror(errno));
		return;
	}
	/* The sid maps are not used in address mode: keep them small. */
	bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, SIOSTEER_MAP_SIDS), 1024);
	err = bpf_object__load(obj);
	if (err) {
		check(false, "load", "%s: %s", obj_path, strerror(-err));
		bpf_object__close(obj);
		return;
	}
	prog = bpf_object__find_program_by_name(obj, "siosteer_select");
	prog_fd = prog ? bpf_program__fd(prog) : -1;
	slots_fd = bpf_object__find_map_fd_by_name(obj, SIOSTEER_MAP_SLOTS);
	tables_fd = bpf_object__find_map_fd_by_name(obj, SIOSTEER_MAP_TABLES);
	state_fd = bpf_object__find_map_fd_by_name(obj, SIOSTEER_MAP_STATE);
	counters_fd = bpf_object__find_map_fd_by_name(obj, SIOSTEER_MAP_COUNTERS);
	if (prog_fd < 0 || slots_fd < 0 || tables_fd < 0 || state_fd < 0 || counters_fd < 0) {
		check(false, "maps", "program or map missing in %s", obj_path);
		goto out;
	}

	epfd = epoll_create1(0);
	for (i = 0; i < NLISTEN; i++) {
		__u64 fd;

		lfd[i] = reuseport_listener(PORT, 64);
		fd = (__u64)lfd[i];
		ev = (struct epoll_event){ .events = EPOLLIN, .data.u32 = i };
		if (lfd[i] < 0 || bpf_map_update_elem(slots_fd, &i, &fd, BPF_ANY) ||
		    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd[i], &ev)) {
			check(false, "listener", "slot %u: %s", i, strerror(errno));
			goto out;
		}
		w[i] = 1;
	}

	/* The table, as siosteer_table_sync builds it: live slots in slot order. */
	memcpy(table.weight, w, sizeof(w));
	for (i = 0; i < SIOSTEER_MAX_SLOTS; i++)
		table.live[i] = SIOSTEER_NO_SLOT;
	for (i = 0; i < NLISTEN; i++)
		table.live[table.nlive++] = i;
	maglev_build(table.entry, M, w, SIOSTEER_MAX_SLOTS);
	/* Table 1, so that the selector must follow state.active. */
	err = write_table(1, 1);
	if (!err &&
	    setsockopt(lfd[0], SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &prog_fd, sizeof(prog_fd)))
		err = -errno;
	if (err) {
		check(false, "table/attach", "%s", strerror(-err));
		goto out;
	}

	/* Every slot must own some of the addresses, else the test proves little. */
	for (i = 0; i < NADDR; i++)
		per_slot[table.entry[hash_of(addr_of((int)i)) % M]]++;
	for (i = 0; i < NLISTEN; i++)
		check(per_slot[i] > 0, "address spread", "no test address maps to slot %u", i);

	/* All listeners up: the table's slot, every time. */
	phase("all live", -1, want_sel, &want_fb, &moved);
	runs = NADDR * ROUNDS;
	check_counters("all live: counters", want_sel, want_fb, runs, 0);

	/* Close the listener with the most addresses: they fall back; nobody else moves. */
	gone = 0;
	for (i = 1; i < NLISTEN; i++)
		if (per_slot[i] > per_slot[gone])
			gone = (int)i;
	epoll_ctl(epfd, EPOLL_CTL_DEL, lfd[gone], NULL);
	close(lfd[gone]);
	lfd[gone] = -1;
	{
		__u64 cookie;
		__u32 k = (__u32)gone;

		check(bpf_map_lookup_elem(slots_fd, &k, &cookie) && errno == ENOENT,
		      "closed listener leaves its slot", "slot %d still has a socket", gone);
	}
	phase("one listener closed", gone, want_sel, &want_fb, &moved);
	runs += NADDR * ROUNDS;
	check(moved == per_slot[gone] && want_fb == (__u64)moved * ROUNDS,
	      "only the closed slot's addresses move", "%d moved, slot %d had %d", moved, gone,
	      per_slot[gone]);
	check_counters("one listener closed: counters", want_sel, want_fb, runs, 0);
	printf("select: %d listeners, %d addresses x %d connections; slot %d closed: %d of its "
	       "addresses fell back\n",
	       NLISTEN, NADDR, ROUNDS, gone, moved);

	/* A table with no live slot (nothing to select): counted, and the kernel hashes. */
	memset(&table, 0, sizeof(table));
	for (i = 0; i < M; i++)
		table.entry[i] = SIOSTEER_NO_SLOT;
	for (i = 0; i < SIOSTEER_MAX_SLOTS; i++)
		table.live[i] = SIOSTEER_NO_SLOT;
	err = write_table(0, 2);
	check(!err && connect_from(addr_of(0)) >= 0, "empty table", "no listener got it (%d)", err);
	runs++;
	check_counters("empty table: counters", want_sel, want_fb, runs, 1);
out:
	for (i = 0; i < NLISTEN; i++)
		if (lfd[i] >= 0)
			close(lfd[i]);
	bpf_object__close(obj);
}

int main(int argc, char **argv)
{
	char path[PATH_MAX], exe[PATH_MAX];
	ssize_t n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1) {
		snprintf(path, sizeof(path), "%s", argv[1]);
	} else {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		exe[n > 0 ? n : 0] = '\0';
		snprintf(path, sizeof(path), "%s/../select.bpf.o", dirname(exe));
	}
	if (unshare(CLONE_NEWNET) || lo_up())
		check(false, "network namespace", "%s (needs root)", strerror(errno));
	else
		run(path);
	printf("select: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
