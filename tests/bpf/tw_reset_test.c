// SPDX-License-Identifier: MIT
/*
 * Stand-alone loader for bpf/tw_reset.bpf.c, used by tests/bpf/tw_reset.sh.
 *
 * Build: `make -f tests/bpf/tw-reset.mk` (or, with the fragment included by the main
 * Makefile, `make tw-reset`); by hand:
 *   make build/vmlinux.h
 *   clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -Ibuild -Ibpf \
 *       -c bpf/tw_reset.bpf.c -o build/tw_reset.bpf.o
 *   gcc -O2 -g -Wall -Ibpf -o build/tests/tw_reset_test tests/bpf/tw_reset_test.c \
 *       -lbpf -lelf -lz
 *
 * Usage (run it inside the namespace that owns the interface):
 *   tw_reset_test [-o OBJ] -i IFNAME -p PORT [-n]
 *       load OBJ (default build/tw_reset.bpf.o) with `port` set, attach it to IFNAME's
 *       tc ingress, print "attached ..." and "ready", then wait. SIGUSR1 prints the
 *       counters; SIGTERM/SIGINT print them, detach, delete the clsact qdisc if this
 *       program created it, and exit 0. -n loads it with enabled=false (count only).
 *       If net.ipv4.tcp_rfc1337=1 in the namespace it says so and loads it disabled.
 *   tw_reset_test --csum-off IFNAME
 *       turn TX and RX checksum offload off on IFNAME (SIOCETHTOOL), so that TCP
 *       checksums are really computed by the sender and verified by the receiver.
 * Counters are printed as one line: "counters name=value ..." (names from the map's BTF).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "tw_reset.h"

static char vlog[1 << 20];

static int csum_off(const char *ifname)
{
	static const __u32 cmds[] = { ETHTOOL_STXCSUM, ETHTOOL_SRXCSUM };
	struct ethtool_value ev;
	struct ifreq ifr;
	int fd, i, rc = 0;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return perror("socket"), 1;
	for (i = 0; i < 2; i++) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
		ev.cmd = cmds[i];
		ev.data = 0;
		ifr.ifr_data = (void *)&ev;
		if (ioctl(fd, SIOCETHTOOL, &ifr) < 0) {
			fprintf(stderr, "%s: %s checksum offload off: %s\n", ifname,
				i ? "rx" : "tx", strerror(errno));
			rc = 1;
		}
	}
	close(fd);
	return rc;
}

/* Write a `const volatile` global before load: find its offset in the .rodata DATASEC. */
static int set_rodata(struct bpf_object *obj, const char *var, const void *val, size_t len)
{
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec, *v;
	struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map, *ro = NULL;
	const void *cur = NULL;
	char buf[256];
	size_t sz = 0;
	int id, i;

	bpf_object__for_each_map(map, obj)
	{
		const char *n = bpf_map__name(map);

		if (strlen(n) >= 7 && !strcmp(n + strlen(n) - 7, ".rodata")) {
			ro = map;
			cur = bpf_map__initial_value(map, &sz);
			break;
		}
	}
	id = btf ? btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC) : -1;
	if (!cur || id < 0 || sz > sizeof(buf))
		return -1;
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vs++) {
		v = btf__type_by_id(btf, vs->type);
		if (strcmp(btf__name_by_offset(btf, v->name_off), var))
			continue;
		if (vs->size != len || vs->offset + len > sz)
			return -1;
		memcpy(buf, cur, sz);
		memcpy(buf + vs->offset, val, len);
		return bpf_map__set_initial_value(ro, buf, sz);
	}
	return -1;
}

/* Sum the per-CPU counters and print them by the field names in the map's BTF. */
static void print_counters(struct bpf_object *obj, struct bpf_map *map)
{
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_member *m;
	const struct btf_type *t;
	int ncpu = libbpf_num_possible_cpus(), i, j;
	size_t vsz = bpf_map__value_size(map);
	__u32 zero = 0;
	char *vals;

	vals = calloc(ncpu > 0 ? ncpu : 1, vsz);
	if (ncpu <= 0 || !vals ||
	    bpf_map__lookup_elem(map, &zero, sizeof(zero), vals, ncpu * vsz, 0)) {
		printf("counters unavailable\n");
		free(vals);
		return;
	}
	t = btf__type_by_id(btf, bpf_map__btf_value_type_id(map));
	printf("counters");
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		unsigned long long sum = 0;
		size_t off = m->offset / 8;

		for (j = 0; j < ncpu; j++)
			sum += *(__u64 *)(vals + j * vsz + off);
		printf(" %s=%llu", btf__name_by_offset(btf, m->name_off), sum);
	}
	printf("\n");
	fflush(stdout);
	free(vals);
}

static int read_sysctl(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void usage(void)
{
	fprintf(stderr, "usage: tw_reset_test [-o OBJ] -i IFNAME -p PORT [-n]\n"
			"       tw_reset_test --csum-off IFNAME\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "csum-off", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	const char *objpath = "build/tw_reset.bpf.o", *ifname = NULL;
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tco);
	struct bpf_prog_info info = {};
	__u32 info_len = sizeof(info);
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct bpf_map *map;
	bool enabled = true, created = false;
	int opt, port = -1, ifindex, err, sig, rc = 0;
	sigset_t set;
	__u16 port16;
	char *p;

	while ((opt = getopt_long(argc, argv, "o:i:p:n", lopts, NULL)) != -1) {
		switch (opt) {
		case 'C':
			return csum_off(optarg);
		case 'o':
			objpath = optarg;
			break;
		case 'i':
			ifname = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'n':
			enabled = false;
			break;
		default:
			usage();
		}
	}
	if (!ifname || port <= 0 || port > 65535)
		usage();
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		fprintf(stderr, "%s: no such interface in this namespace\n", ifname);
		return 1;
	}
	if (read_sysctl("/proc/sys/net/ipv4/tcp_rfc1337") == 1) {
		printf("tcp_rfc1337=1: an RST does not remove TIME_WAIT sockets here; "
		       "loading disabled (collisions are only counted)\n");
		enabled = false;
	}

	/* Block the signals before anything can be attached: sigwait collects them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);

	obj = bpf_object__open_file(objpath, NULL);
	if (!obj) {
		fprintf(stderr, "%s: open failed: %s\n", objpath, strerror(errno));
		return 1;
	}
	port16 = port;
	if (set_rodata(obj, "port", &port16, sizeof(port16)) ||
	    set_rodata(obj, "enabled", &enabled, sizeof(enabled))) {
		fprintf(stderr, "%s: cannot set rodata (port/enabled)\n", objpath);
		rc = 1;
		goto out_close;
	}
	prog = bpf_object__find_program_by_name(obj, "siosteer_tw_reset");
	map = bpf_object__find_map_by_name(obj, SIOSTEER_MAP_TW_COUNTERS);
	if (!prog || !map) {
		fprintf(stderr, "%s: program or map missing\n", objpath);
		rc = 1;
		goto out_close;
	}
	/* BPF_LOG_STATS: the verifier's "processed N insns" line, nothing else. */
	bpf_program__set_log_buf(prog, vlog, sizeof(vlog));
	bpf_program__set_log_level(prog, 4);
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "load failed: %s\n%s\n", strerror(-err), vlog);
		rc = 1;
		goto out_close;
	}
	p = strstr(vlog, "processed ");
	if (p)
		printf("verifier: %.*s\n", (int)strcspn(p, "\n"), p);

	hook.ifindex = ifindex;
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		fprintf(stderr, "%s: clsact qdisc: %s\n", ifname, strerror(-err));
		rc = 1;
		goto out_close;
	}
	created = !err;
	tco.prog_fd = bpf_program__fd(prog);
	err = bpf_tc_attach(&hook, &tco);
	if (err) {
		fprintf(stderr, "%s: tc attach: %s\n", ifname, strerror(-err));
		rc = 1;
		goto out_hook;
	}
	bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &info_len);
	printf("attached %s ifindex=%d port=%d enabled=%d prog_id=%u verified_insns=%u "
	       "handle=%u priority=%u\nready\n",
	       ifname, ifindex, port, enabled, info.id, info.verified_insns, tco.handle,
	       tco.priority);
	fflush(stdout);

	for (;;) {
		if (sigwait(&set, &sig))
			break;
		print_counters(obj, map);
		if (sig != SIGUSR1)
			break;
	}

	{
		LIBBPF_OPTS(bpf_tc_opts, d, .handle = tco.handle, .priority = tco.priority);

		err = bpf_tc_detach(&hook, &d);
		if (err) {
			fprintf(stderr, "%s: tc detach: %s\n", ifname, strerror(-err));
			rc = 1;
		}
	}
out_hook:
	if (created) {
		/* INGRESS|EGRESS deletes the clsact qdisc we made; INGRESS alone would
		 * flush every ingress filter, other programs' too. */
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		err = bpf_tc_hook_destroy(&hook);
		if (err && err != -ENOENT) {
			fprintf(stderr, "%s: clsact delete: %s\n", ifname, strerror(-err));
			rc = 1;
		}
	}
	printf("detached\n");
out_close:
	bpf_object__close(obj);
	return rc;
}
