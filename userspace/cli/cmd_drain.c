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

static const enum cli_opt_id drain_opts[] = {
	OPT_PORT, OPT_SLOT,     OPT_CLUSTER, OPT_NODE, OPT_REDIS, OPT_WAIT,
	OPT_JSON, OPT_PIN_ROOT, OPT_VERBOSE, OPT_HELP, OPT_END,
};

#define DRAIN_USAGE                                               \
	"siosteer drain   --port P [--slot N] [OPTIONS]\n"        \
	"       siosteer undrain --port P [--slot N] [OPTIONS]\n" \
	"       siosteer weight  --port P --slot N W [OPTIONS]\n" \
	"       (each also --cluster[=NAME] [--node ID|'*'] instead of the local port)"
#define DRAIN_ABOUT                                                                            \
	"drain: the slot (without --slot: every slot of the port) gets no new sessions; its\n" \
	"existing sessions stay (with --key sid their requests still reach it; with --key\n"   \
	"addr a client whose later connections hash elsewhere moves, WebSockets stay).\n"      \
	"undrain undoes it; weight gives slot N a share W (1..100, default 1) of new\n"        \
	"sessions in the Maglev table. Applied by the agent within 0.2 s; without an agent\n"  \
	"the table is rebuilt from the pins. --port is required locally; with --cluster it\n"  \
	"defaults to every port of the node. --json goes with --cluster: the agents'\n"        \
	"answers as JSON lines."
#define DRAIN_EXIT                                                                  \
	"  0  applied (with --cluster: every agent that was asked confirmed)\n"     \
	"  1  it failed, or not confirmed within --wait (the message says which)\n" \
	"  2  the command line is wrong\n"

const struct cli_cmd cli_cmd_drain = { .name = "drain",
				       .usage = DRAIN_USAGE,
				       .about = DRAIN_ABOUT,
				       .opts = drain_opts,
				       .exit_status = DRAIN_EXIT };
static const struct cli_cmd cmd_undrain = { .name = "undrain",
					    .usage = DRAIN_USAGE,
					    .about = DRAIN_ABOUT,
					    .opts = drain_opts,
					    .exit_status = DRAIN_EXIT };
static const struct cli_cmd cmd_weight = { .name = "weight",
					   .usage = DRAIN_USAGE,
					   .about = DRAIN_ABOUT,
					   .opts = drain_opts,
					   .exit_status = DRAIN_EXIT };

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
				  "%.1f s (%s)",
				  c->steer.port, what, m.agent_pid, c->wait, strerror(-gen));
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
		       "%.2f%% of client addresses moved\n",
		       c->steer.port, what, r ? "" : " (already so)", gen,
		       100.0 * moved / SIOSTEER_MAGLEV_SIZE);
	}
	if (all)
		log_warn("port %u: every live slot is drained: siosteer cannot refuse connections "
			 "that reach this host, so new sessions still go to all slots (take the "
			 "host out of your load balancer)",
			 c->steer.port);
	return 0;
}

int cmd_drain(int argc, char **argv)
{
	const struct cli_cmd *cmd;
	struct ctl_change ch = { 0 };
	struct cli c;
	int err;

	cli_defaults(&c);
	cmd = !strcmp(argv[0], "undrain") ? &cmd_undrain :
	      !strcmp(argv[0], "weight")  ? &cmd_weight :
					    &cli_cmd_drain;
	err = cli_parse(argc, argv, cmd, &c);
	if (err)
		return err > 0 ? 0 : 2;
	ch.op = (enum ctl_op)ctl_op_parse(argv[0]);
	ch.slot = c.slot;
	ch.ts_ns = clock_ns(CLOCK_REALTIME);
	ch.source = c.cluster_set ? SIOSTEER_CTL_CLUSTER : SIOSTEER_CTL_LOCAL;
	if (ch.op == CTL_WEIGHT) {
		char *end;
		long w;

		if (c.first_arg >= argc || c.slot < 0) {
			log_error(
				"weight: needs --slot N and a weight W (see 'siosteer weight --help')");
			return 2;
		}
		w = strtol(argv[c.first_arg], &end, 10);
		if (*end || w < 1 || w > SIOSTEER_WEIGHT_MAX) {
			log_error(
				"weight: '%s' is not a whole number from 1 to %d (drain a slot to "
				"give it no new sessions)",
				argv[c.first_arg], SIOSTEER_WEIGHT_MAX);
			return 2;
		}
		ch.weight = (unsigned)w;
		c.first_arg++;
	}
	if (cli_no_operands(argc, argv, cmd, &c))
		return 2;
	if (c.cluster_set)
		return cluster_control(&c, &ch);
	if (c.node || c.redis) {
		log_error("%s: --node and --redis go with --cluster", argv[0]);
		return 2;
	}
	if (!c.port_set) {
		log_error("%s: needs --port (or --cluster to act through Redis)", argv[0]);
		return 2;
	}
	return local_control(&c, &ch);
}
