// SPDX-License-Identifier: MIT
/*
 * siosteer cost: how long each of a port's BPF programs runs, measured by the kernel while
 * real traffic flows. Run-time statistics are switched on with BPF_ENABLE_STATS
 * (BPF_STATS_RUN_TIME), which keeps them on only while the returned file descriptor is
 * open: kernel.bpf_stats_enabled is never written, and statistics stop when this command
 * exits, however it exits. The counters (run_cnt, run_time_ns in bpf_prog_info) are read
 * at the start and at the end of the window; the difference is what ran in between.
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "commands.h"
#include "caps.h"
#include "log.h"
#include "opts.h"
#include "json_out.h"
#include "gate.h"
#include "cookie.h"
#include "tw_reset.h"
#include "repair.h"
#include "pinned.h"

static const enum cli_opt_id cost_opts[] = {
	OPT_PORT, OPT_SECONDS, OPT_IFACE, OPT_JSON, OPT_PIN_ROOT, OPT_VERBOSE, OPT_HELP, OPT_END,
};

const struct cli_cmd cli_cmd_cost = {
	.name = "cost",
	.usage = "siosteer cost --port P [--seconds S] [--iface IFACE] [--json] [--pin-root DIR]",
	.about =
		"Nanoseconds per run of each siosteer BPF program of port P (select, gate,\n"
		"learn, tw_reset, repair, cookie: whichever are pinned), measured by the kernel over S\n"
		"seconds (fractions allowed) while traffic flows. Run-time statistics are\n"
		"enabled with BPF_ENABLE_STATS for the window only (a file descriptor held by\n"
		"this command; kernel.bpf_stats_enabled is not changed). SIGINT or SIGTERM ends\n"
		"the window early; the figures are still printed. --iface IFACE also reports the\n"
		"XDP program attached to IFACE (with libxdp's dispatcher, the dispatcher: an EXT\n"
		"program under it has no statistics of its own). Needs CAP_SYS_ADMIN\n"
		"(BPF_ENABLE_STATS) and CAP_BPF.",
	.opts = cost_opts,
	.exit_status = "  0  measured and printed\n"
		       "  1  port P is not steered, or statistics could not be enabled\n"
		       "  2  the command line is wrong\n",
};

struct prog_sample {
	const char *label; /* pin name, or "xdp@IFACE" */
	int fd;
	__u32 id, type;
	char name[BPF_OBJ_NAME_LEN];
	__u64 cnt0, ns0, cnt1, ns1;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int prog_read(struct prog_sample *p, __u64 *cnt, __u64 *ns)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(p->fd, &info, &len))
		return -errno;
	p->id = info.id;
	p->type = info.type;
	memcpy(p->name, info.name, sizeof(p->name));
	p->name[sizeof(p->name) - 1] = 0;
	*cnt = info.run_cnt;
	*ns = info.run_time_ns;
	return 0;
}

static const char *type_str(__u32 type)
{
	const char *s = libbpf_bpf_prog_type_str((enum bpf_prog_type)type);

	return s ? s : "?";
}

/* Sleep until `until` (monotonic seconds) or a signal. */
static void wait_window(double until)
{
	while (!stop_requested) {
		double left = until - mono_s();
		struct timespec ts;

		if (left <= 0)
			break;
		if (left > 0.2)
			left = 0.2; /* re-check the flag: a signal may land before nanosleep */
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
}

/* The figures of the window: a table, or one JSON object. */
static void print_costs(const struct prog_sample *progs, int n, unsigned long port, double elapsed,
			bool json)
{
	json_t *arr = NULL;
	int i;

	if (json) {
		arr = json_array();
	} else {
		printf("port %lu: BPF run time over %.2f s (BPF_ENABLE_STATS)\n", port, elapsed);
		printf("%-10s %-16s %-13s %7s %12s %9s %10s\n", "program", "name", "type", "id",
		       "runs", "ns/run", "runs/s");
	}
	for (i = 0; i < n; i++) {
		__u64 runs = progs[i].cnt1 - progs[i].cnt0;
		__u64 ns = progs[i].ns1 - progs[i].ns0;
		char per[32] = "-";

		if (arr) {
			json_array_append_new(
				arr,
				json_pack("{s:s, s:s, s:i, s:s, s:o, s:o, s:o}", "prog",
					  progs[i].label, "name", progs[i].name, "id",
					  (int)progs[i].id, "type", type_str(progs[i].type), "runs",
					  json_u64(runs), "run_time_ns", json_u64(ns), "ns_per_run",
					  runs ? json_real((double)ns / (double)runs) :
						 json_null()));
			continue;
		}
		if (runs)
			snprintf(per, sizeof(per), "%.1f", (double)ns / (double)runs);
		printf("%-10s %-16s %-13s %7u %12llu %9s %10.0f\n", progs[i].label, progs[i].name,
		       type_str(progs[i].type), progs[i].id, (unsigned long long)runs, per,
		       elapsed > 0 ? runs / elapsed : 0.0);
		if (!runs && progs[i].type == BPF_PROG_TYPE_EXT)
			printf("%-10s (an EXT program under libxdp's dispatcher: the kernel "
			       "counts its runs in the dispatcher; use --iface)\n",
			       "");
	}
	if (arr)
		json_out(json_pack("{s:i, s:f, s:o}", "port", (int)port, "seconds", elapsed,
				   "programs", arr));
}

static const char *const pins[] = { SIOSTEER_PIN_PROG_SELECT, SIOSTEER_PIN_PROG_GATE,
				    SIOSTEER_PIN_PROG_LEARN,  SIOSTEER_PIN_PROG_TW,
				    SIOSTEER_PIN_PROG_REPAIR, SIOSTEER_PIN_PROG_COOKIE };
#define N_PINS ((int)(sizeof(pins) / sizeof(pins[0])))

/* The port's pinned programs, and IFACE's XDP program if asked. Returns how many, or -1. */
static int open_programs(const char *root, unsigned long port, const char *iface,
			 struct prog_sample *progs)
{
	char path[512];
	int n = 0, i;

	for (i = 0; i < N_PINS; i++) {
		if (siosteer_pin_path(path, sizeof(path), root, (unsigned)port, pins[i]))
			continue;
		progs[n].fd = bpf_obj_get(path);
		if (progs[n].fd < 0)
			continue; /* not pinned: e.g. no gate/learn/tw_reset with --key addr */
		progs[n].label = pins[i];
		n++;
	}
	if (!n) {
		log_error("port %lu has no pinned siosteer program in %s/%lu", port, root, port);
		return -1;
	}
	if (iface) {
		unsigned ifindex = if_nametoindex(iface);
		__u32 id = 0;
		int fd;

		if (!ifindex) {
			log_error("no interface named '%s'", iface);
			for (i = 0; i < n; i++)
				close(progs[i].fd);
			return -1;
		}
		if (bpf_xdp_query_id((int)ifindex, 0, &id) || !id) {
			log_warn("no XDP program attached to %s", iface);
		} else if ((fd = bpf_prog_get_fd_by_id(id)) < 0) {
			log_warn("XDP program %u on %s: %s", id, iface, strerror(errno));
		} else {
			static char label[IF_NAMESIZE + 8];

			snprintf(label, sizeof(label), "xdp@%s", iface);
			progs[n].label = label;
			progs[n].fd = fd;
			n++;
		}
	}
	return n;
}

int cmd_cost(int argc, char **argv)
{
	struct prog_sample progs[N_PINS + 1]; /* and the XDP program of --iface */
	const char *pin_root = NULL, *iface = NULL, *root;
	unsigned long port = 0;
	double seconds = 5.0, t0, t1, elapsed;
	bool json = false;
	int n = 0, i, stats_fd, rc = 0;
	struct sigaction sa;
	struct cli c;

	cli_defaults(&c);
	rc = cli_parse(argc, argv, &cli_cmd_cost, &c);
	if (rc)
		return rc > 0 ? 0 : 2;
	rc = 0;
	if (cli_no_operands(argc, argv, &cli_cmd_cost, &c))
		return 2;
	if (!c.port_set) {
		log_error("cost: needs --port (see 'siosteer cost --help')");
		return 2;
	}
	port = c.steer.port;
	seconds = c.seconds;
	iface = c.steer.ifname;
	json = c.json;
	pin_root = c.steer.pin_root;
	if (caps_require(CAPS_READ))
		return 1;
	root = siosteer_pin_root(pin_root);
	n = open_programs(root, port, iface, progs);
	if (n < 0)
		return 1;

	/* Catch the signals before statistics are on, so the window always closes cleanly. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		rc = errno;
		log_error("BPF_ENABLE_STATS: %s%s", strerror(rc),
			  rc == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		rc = 1;
		goto out;
	}
	for (i = 0; i < n; i++)
		if (prog_read(&progs[i], &progs[i].cnt0, &progs[i].ns0))
			progs[i].cnt0 = progs[i].ns0 = 0;
	t0 = mono_s();
	wait_window(t0 + seconds);
	for (i = 0; i < n; i++)
		if (prog_read(&progs[i], &progs[i].cnt1, &progs[i].ns1)) {
			progs[i].cnt1 = progs[i].cnt0;
			progs[i].ns1 = progs[i].ns0;
		}
	t1 = mono_s();
	close(stats_fd); /* statistics off again (unless someone else holds them on) */
	elapsed = t1 - t0;

	print_costs(progs, n, port, elapsed, json);
out:
	for (i = 0; i < n; i++)
		close(progs[i].fd);
	return rc;
}
