// SPDX-License-Identifier: MIT
/*
 * gate-bench: BPF_PROG_TEST_RUN micro-benchmark of siosteer's handshake-ACK gate
 * (bpf/gate.bpf.c), XDP and tc variants, on crafted packets:
 *
 *   other-port   bare ACK to another TCP port    (what most traffic costs: header checks)
 *   ack-listen   bare ACK to the steered port, a listener there and no connection
 *                (the gate's full path: socket lookup, then DROP)
 *   ack-nosock   bare ACK to the steered port, no socket at all (lookup, PASS)
 *   data         ACK+PSH with a 120-byte request to the steered port (PASS, no lookup)
 *   udp          a UDP datagram (not TCP: PASS)
 *   ack-listen6  the ack-listen case over IPv6
 *
 * plus `empty`: a two-instruction XDP program (return XDP_PASS) on the other-port packet,
 * the cost of the test-run loop itself, to subtract by eye.
 *
 * Each packet runs --repeat times (default 1,000,000) in the kernel; the kernel reports the
 * mean time per run, which is printed as ns/packet together with the verdict (checked
 * against the expected one). With --stats, BPF run-time statistics are on during the test
 * runs (BPF_ENABLE_STATS, held by this process only) and the kernel's own ns/run figure
 * (what `siosteer cost` reports for live traffic) is printed next to it: the difference
 * is what the statistics themselves add (two clock reads per run). The program's socket lookup runs in the caller's network
 * namespace (XDP test runs use its loopback device): ack-listen opens a listening socket on
 * 127.0.0.1 / ::1 port --port there for the duration, so run it in a namespace of its own
 * (tools/bench does) or on a free port.
 *
 *   gate-bench [--port P] [--repeat N] [--json]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "gate.skel.h"

/* Verdicts as BPF_PROG_TEST_RUN returns them (uapi enum xdp_action and TC_ACT_*). The tc
 * gate passes with TC_ACT_UNSPEC (-1) so the next tc program (tw_reset) runs. */
#define TC_PASS ((__u32)TC_ACT_UNSPEC)

struct pkt {
	const char *name;
	unsigned char buf[256];
	__u32 len;
	bool drop; /* expected verdict */
};

static void eth(unsigned char *b, __u16 proto)
{
	struct ethhdr *e = (struct ethhdr *)b;

	memset(e->h_dest, 0x02, ETH_ALEN);
	memset(e->h_source, 0x04, ETH_ALEN);
	e->h_proto = htons(proto);
}

/* IPv4 TCP (or UDP) from 127.0.0.1:40000 to 127.0.0.1:dport. */
static void mk4(struct pkt *p, const char *name, int proto, __u16 dport, bool ack, bool psh,
		__u32 payload, bool drop)
{
	struct iphdr *ip = (struct iphdr *)(p->buf + ETH_HLEN);
	unsigned char *l4 = (unsigned char *)(ip + 1);
	__u32 l4len = proto == IPPROTO_TCP ? sizeof(struct tcphdr) : sizeof(struct udphdr);

	memset(p, 0, sizeof(*p));
	p->name = name;
	p->drop = drop;
	eth(p->buf, ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = (__u8)proto;
	ip->saddr = htonl(INADDR_LOOPBACK);
	ip->daddr = htonl(INADDR_LOOPBACK);
	ip->tot_len = htons((__u16)(sizeof(*ip) + l4len + payload));
	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = (struct tcphdr *)l4;

		th->source = htons(40000);
		th->dest = htons(dport);
		th->seq = htonl(1000);
		th->ack_seq = htonl(2000);
		th->doff = 5;
		th->ack = ack;
		th->psh = psh;
		th->window = htons(512);
	} else {
		struct udphdr *uh = (struct udphdr *)l4;

		uh->source = htons(40000);
		uh->dest = htons(dport);
		uh->len = htons((__u16)(sizeof(*uh) + payload));
	}
	memset(l4 + l4len, 'a', payload);
	p->len = ETH_HLEN + sizeof(*ip) + l4len + payload;
}

/* IPv6 bare ACK from ::1 port 40000 to ::1 port dport. */
static void mk6(struct pkt *p, const char *name, __u16 dport, bool drop)
{
	struct ipv6hdr *ip6 = (struct ipv6hdr *)(p->buf + ETH_HLEN);
	struct tcphdr *th = (struct tcphdr *)(ip6 + 1);

	memset(p, 0, sizeof(*p));
	p->name = name;
	p->drop = drop;
	eth(p->buf, ETH_P_IPV6);
	ip6->version = 6;
	ip6->nexthdr = IPPROTO_TCP;
	ip6->hop_limit = 64;
	ip6->payload_len = htons(sizeof(*th));
	ip6->saddr.s6_addr[15] = 1;
	ip6->daddr.s6_addr[15] = 1;
	th->source = htons(40000);
	th->dest = htons(dport);
	th->seq = htonl(1000);
	th->ack_seq = htonl(2000);
	th->doff = 5;
	th->ack = 1;
	th->window = htons(512);
	p->len = ETH_HLEN + sizeof(*ip6) + sizeof(*th);
}

static int listener(int family, __u16 port)
{
	int fd = socket(family, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(port),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if ((family == AF_INET ? bind(fd, (struct sockaddr *)&a4, sizeof(a4)) :
				 bind(fd, (struct sockaddr *)&a6, sizeof(a6))) ||
	    listen(fd, 16)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int stats_fd = -1;

/* run_cnt, run_time_ns of a program (0 when statistics are off). */
static void prog_stats(int fd, __u64 *cnt, __u64 *ns)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	*cnt = *ns = 0;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
		*cnt = info.run_cnt;
		*ns = info.run_time_ns;
	}
}

static int run(int prog_fd, const struct pkt *p, __u32 repeat, __u32 *retval, __u32 *ns,
	       double *stats_ns)
{
	__u64 c0, n0, c1, n1;
	unsigned char out[256];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->buf, .data_size_in = p->len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = repeat);
	int err;

	prog_stats(prog_fd, &c0, &n0);
	err = bpf_prog_test_run_opts(prog_fd, &o);
	if (err)
		return -errno;
	prog_stats(prog_fd, &c1, &n1);
	*retval = o.retval;
	*ns = o.duration;
	*stats_ns = c1 > c0 ? (double)(n1 - n0) / (double)(c1 - c0) : -1;
	return 0;
}

/* r0 = XDP_PASS; exit: the floor of a test run. */
static int empty_xdp(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "bench_empty", "GPL", insns, 2, NULL);
}

static const char usage[] =
	"usage: gate-bench [--port P] [--repeat N] [--stats] [--json]\n"
	"BPF_PROG_TEST_RUN of siosteer's gate (XDP and tc) on crafted packets; prints ns/packet.\n"
	"Opens a listener on 127.0.0.1 and ::1 port P (default 3999) in the current network\n"
	"namespace while it runs. --stats: also the kernel's run-time statistics (BPF_ENABLE_STATS\n"
	"while it runs), the ns/run figure `siosteer cost` gives for live traffic. Needs root.\n";

int main(int argc, char **argv)
{
	static const struct option lo[] = { { "port", required_argument, NULL, 'p' },
					    { "repeat", required_argument, NULL, 'r' },
					    { "json", no_argument, NULL, 'j' },
					    { "stats", no_argument, NULL, 's' },
					    { "help", no_argument, NULL, 'h' },
					    { NULL, 0, NULL, 0 } };
	unsigned long port = 3999, repeat = 1000000;
	struct pkt pkts[6];
	struct gate_bpf *skel;
	bool json = false, ok = true, first = true, stats = false;
	int opt, l4 = -1, l6 = -1, i, v, n = 0, efd;
	__u32 eret = 0, ens = 0;
	double estats = -1;

	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'p':
			port = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			repeat = strtoul(optarg, NULL, 10);
			break;
		case 'j':
			json = true;
			break;
		case 's':
			stats = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (port < 1 || port > 65534 || repeat < 1 || repeat > 100000000) {
		fputs(usage, stderr);
		return 2;
	}
	libbpf_set_print(NULL);
	skel = gate_bpf__open();
	if (!skel) {
		fprintf(stderr, "gate-bench: open gate object: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->port = (__u16)port;
	if (gate_bpf__load(skel)) {
		fprintf(stderr, "gate-bench: load gate: %s (root? BTF?)\n", strerror(errno));
		gate_bpf__destroy(skel);
		return 1;
	}
	l4 = listener(AF_INET, (__u16)port);
	l6 = listener(AF_INET6, (__u16)port);
	if (l4 < 0)
		fprintf(stderr,
			"gate-bench: no listener on 127.0.0.1:%lu (%s): ack-listen will "
			"not take the drop path\n",
			port, strerror(errno));

	mk4(&pkts[n++], "other-port", IPPROTO_TCP, (__u16)(port + 1), true, false, 0, false);
	mk4(&pkts[n++], "ack-listen", IPPROTO_TCP, (__u16)port, true, false, 0, l4 >= 0);
	/* Same port, but the lookup misses: another destination address (127.0.0.2). */
	mk4(&pkts[n], "ack-nosock", IPPROTO_TCP, (__u16)port, true, false, 0, false);
	((struct iphdr *)(pkts[n++].buf + ETH_HLEN))->daddr = htonl(0x7f000002);
	mk4(&pkts[n++], "data", IPPROTO_TCP, (__u16)port, true, true, 120, false);
	mk4(&pkts[n++], "udp", IPPROTO_UDP, (__u16)port, false, false, 32, false);
	mk6(&pkts[n++], "ack-listen6", (__u16)port, l6 >= 0);

	if (stats) {
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (stats_fd < 0)
			fprintf(stderr, "gate-bench: BPF_ENABLE_STATS: %s\n", strerror(errno));
	}
	efd = empty_xdp();
	if (efd < 0 || run(efd, &pkts[0], (__u32)repeat, &eret, &ens, &estats))
		ens = 0;
	if (efd >= 0)
		close(efd);
	if (json) {
		printf("{\"port\":%lu,\"repeat\":%lu,\"empty_xdp_ns\":%u,", port, repeat, ens);
		if (estats >= 0)
			printf("\"empty_xdp_stats_ns\":%.1f,", estats);
		printf("\"results\":[");
	} else {
		printf("gate-bench: BPF_PROG_TEST_RUN, %lu runs per packet, steered port %lu\n"
		       "(an empty XDP program costs %u ns per run here: the test loop itself",
		       repeat, port, ens);
		if (estats >= 0)
			printf("; BPF stats say %.1f ns/run for it", estats);
		printf(")\n%-12s %-5s %10s %10s %-8s %s\n", "packet", "hook", "ns/packet",
		       estats >= 0 ? "stats ns" : "", "verdict", "");
	}
	for (v = 0; v < 2; v++) {
		bool xdp = v == 0;
		int fd = bpf_program__fd(xdp ? skel->progs.siosteer_gate_xdp :
					       skel->progs.siosteer_gate_tc);

		for (i = 0; i < n; i++) {
			__u32 ret = 0, ns = 0;
			double sns = -1;
			bool dropped, good;
			int err = run(fd, &pkts[i], (__u32)repeat, &ret, &ns, &sns);
			char sbuf[32] = "";

			if (err) {
				fprintf(stderr, "gate-bench: test run %s/%s: %s\n", pkts[i].name,
					xdp ? "xdp" : "tc", strerror(-err));
				ok = false;
				continue;
			}
			dropped = xdp ? ret == XDP_DROP : ret == TC_ACT_SHOT;
			good = dropped == pkts[i].drop &&
			       (dropped || ret == (xdp ? (__u32)XDP_PASS : TC_PASS));
			ok &= good;
			if (sns >= 0)
				snprintf(sbuf, sizeof(sbuf), json ? ",\"stats_ns\":%.1f" : "%.1f",
					 sns);
			if (json)
				printf("%s{\"packet\":\"%s\",\"hook\":\"%s\",\"ns_per_packet\":%u%s,"
				       "\"verdict\":\"%s\",\"expected\":%s}",
				       first ? "" : ",", pkts[i].name, xdp ? "xdp" : "tc", ns, sbuf,
				       dropped ? "drop" : "pass", good ? "true" : "false");
			else
				printf("%-12s %-5s %10u %10s %-8s %s\n", pkts[i].name,
				       xdp ? "xdp" : "tc", ns, sbuf, dropped ? "drop" : "pass",
				       good ? "" : "(UNEXPECTED verdict)");
			first = false;
		}
	}
	if (json)
		printf("],\"ok\":%s}\n", ok ? "true" : "false");
	if (stats_fd >= 0)
		close(stats_fd);
	if (l4 >= 0)
		close(l4);
	if (l6 >= 0)
		close(l6);
	gate_bpf__destroy(skel);
	return ok ? 0 : 1;
}
