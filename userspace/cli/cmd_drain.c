// SPDX-License-Identifier: MIT
/*
 * siosteer drain / undrain / weight: take a slot (or a whole port) out of the placement of
 * new sessions, put it back, or change its share. Locally through the pinned control map
 * (the agent applies it within CTL_POLL_MS; with no agent running the table is rebuilt
 * from the pins directly), or on any node of a cluster with --cluster (through Redis).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "commands.h"
#include "cluster.h"
#include "control_apply.h"
#include "caps.h"
#include "log.h"
#include "opts.h"
#include "pinned.h"

static const char usage[] =
	"Usage: siosteer drain   --port P [--slot N] [OPTIONS]\n"
	"       siosteer undrain --port P [--slot N] [OPTIONS]\n"
	"       siosteer weight  --port P --slot N W [OPTIONS]\n"
	"\n"
	"drain: the slot (without --slot: every slot of the port) gets no new sessions; its\n"
	"existing sessions stay (with --key sid their requests still reach it; with --key\n"
	"addr a client whose later connections hash elsewhere moves, WebSockets stay).\n"
	"undrain undoes it; weight gives slot N a share W (1..100, default 1) of new\n"
	"sessions in the Maglev table. Applied by the agent within 0.2 s; without an agent\n"
	"the table is rebuilt from the pins.\n"
	"\n"
	"Options:\n"
	"  --port P          the steered port (locally required; with --cluster: default all)\n"
	"  --slot N          the slot (default: the whole port)\n"
	"  --cluster[=NAME]  send it through Redis to --node of cluster NAME (default default)\n"
	"  --node ID|'*'     with --cluster: the node, or every node\n"
	"  --redis URL       with --cluster (default $SIOSTEER_REDIS, else redis://127.0.0.1:6379)\n"
	"  --wait S          seconds to wait for agents to confirm (default 2)\n"
	"  --json            with --cluster: print the agents' answers as JSON lines\n"
	"  --pin-root DIR    bpffs directory for pins (local)\n";

static const struct option longopts[] = {
	{ "port", required_argument, NULL, OPT_PORT },
	{ "slot", required_argument, NULL, OPT_SLOT },
	{ "cluster", optional_argument, NULL, OPT_CLUSTER },
	{ "node", required_argument, NULL, OPT_NODE },
	{ "redis", required_argument, NULL, OPT_REDIS },
	{ "wait", required_argument, NULL, OPT_WAIT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "pin-root", required_argument, NULL, OPT_PIN_ROOT },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int local_control(const struct cli *c, const struct ctl_change *ch)
{
	const char *root = siosteer_pin_root(c->steer.pin_root);
	struct siosteer_pinned p;
	struct siosteer_meta m;
	char what[64];
	bool agent, all = false;
	int fd, r, gen;
	__u32 moved = 0;

	if (caps_require(CAPS_READ))
		return 1;
	r = siosteer_pinned_open(root, c->steer.port, &p);
	if (r) {
		siosteer_say_not_steered(root, c->steer.port, r);
		return 1;
	}
	r = siosteer_pinned_meta(&p, &m);
	siosteer_pinned_close(&p);
	if (r) {
		log_error("read pinned state of port %u: %s", c->steer.port, strerror(-r));
		return 1;
	}
	agent = m.agent_pid && (kill((pid_t)m.agent_pid, 0) == 0 || errno == EPERM);
	fd = siosteer_control_open(root, c->steer.port, true);
	if (fd < 0) {
		log_error("port %u: control map: %s", c->steer.port, strerror(-fd));
		return 1;
	}
	r = ctl_apply_change(fd, ch);
	close(fd);
	if (r < 0) {
		log_error("port %u: write control map: %s", c->steer.port, strerror(-r));
		return 1;
	}
	ctl_describe(ch, what, sizeof(what));
	if (agent) {
		gen = ctl_wait_applied(root, c->steer.port, c->wait > 0 ? c->wait : 2.0, &all);
		if (gen < 0) {
			log_error("port %u: %s recorded, but agent pid %u did not apply it within "
				  "%.1f s (%s)", c->steer.port, what, m.agent_pid, c->wait,
				  strerror(-gen));
			return 1;
		}
		printf("port %u: %s%s; agent pid %u applied it: table generation %d\n",
		       c->steer.port, what, r ? "" : " (already so)", m.agent_pid, gen);
	} else {
		gen = ctl_apply_without_agent(root, c->steer.port, &all, &moved);
		if (gen < 0) {
			log_error("port %u: rebuild the table from the pins: %s", c->steer.port,
				  strerror(-gen));
			return 1;
		}
		printf("port %u: %s%s; no agent runs: table rebuilt from the pins, generation %d, "
		       "%.2f%% of client addresses moved\n", c->steer.port, what,
		       r ? "" : " (already so)", gen, 100.0 * moved / SIOSTEER_MAGLEV_SIZE);
	}
	if (all)
		log_warn("port %u: every live slot is drained: siosteer cannot refuse connections "
			 "that reach this host, so new sessions still go to all slots (take the "
			 "host out of your load balancer)", c->steer.port);
	return 0;
}

int cmd_drain(int argc, char **argv)
{
	struct ctl_change ch = { 0 };
	struct cli c;
	int err;

	cli_defaults(&c);
	err = cli_parse(argc, argv, longopts, usage, &c);
	if (err)
		return err > 0 ? 0 : 2;
	ch.op = (enum ctl_op)ctl_op_parse(argv[0]);
	ch.slot = c.slot;
	ch.ts_ns = clock_ns(CLOCK_REALTIME);
	ch.source = c.cluster_set ? SIOSTEER_CTL_CLUSTER : SIOSTEER_CTL_LOCAL;
	if (ch.op == CTL_WEIGHT) {
		char *end;
		long w;

		if (optind >= argc || c.slot < 0) {
			log_error("weight needs --slot N and a weight W (see 'siosteer weight --help')");
			return 2;
		}
		w = strtol(argv[optind], &end, 10);
		if (*end || w < 1 || w > SIOSTEER_WEIGHT_MAX) {
			log_error("weight: '%s' is not a whole number from 1 to %d (drain a slot to "
				  "give it no new sessions)", argv[optind], SIOSTEER_WEIGHT_MAX);
			return 2;
		}
		ch.weight = (unsigned)w;
		optind++;
	}
	if (optind < argc) {
		log_error("unexpected argument '%s' (see 'siosteer %s --help')", argv[optind],
			  argv[0]);
		return 2;
	}
	if (c.cluster_set)
		return cluster_control(&c, &ch);
	if (c.node || c.redis) {
		log_error("--node and --redis go with --cluster");
		return 2;
	}
	if (!c.port_set) {
		log_error("%s needs --port (or --cluster to act through Redis)", argv[0]);
		return 2;
	}
	return local_control(&c, &ch);
}
