// SPDX-License-Identifier: MIT
/*
 * siosteer sessions: the learned engine.io sessions of a port (sid, slot, worker pid, age)
 * and per-slot totals, read from the pinned sids map. No agent needs to run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "clock.h"
#include "commands.h"
#include "cluster.h"
#include "caps.h"
#include "log.h"
#include "opts.h"
#include "sid_parse.h"
#include "pinned.h"

static const enum cli_opt_id sessions_opts[] = {
	OPT_PORT, OPT_SID, OPT_LIMIT, OPT_JSON, OPT_PIN_ROOT, OPT_CLUSTER, OPT_REDIS, OPT_VERBOSE,
	OPT_HELP, OPT_END,
};

const struct cli_cmd cli_cmd_sessions = {
	.name = "sessions",
	.usage = "siosteer sessions --port P [--sid SID] [--json] [--limit N] [--pin-root DIR]\n"
		 "       siosteer sessions --cluster[=NAME] [--sid SID] [--redis URL] [--json]",
	.about = "List the sessions sid steering has learned: sid, slot, worker pid and age, then\n"
		 "how many sessions each slot holds. Reads the pinned maps, so no agent needs to\n"
		 "run. With --cluster: from the cluster's session directory in Redis, which node,\n"
		 "port, slot and worker hold SID (or each node's totals), from any host.",
	.opts = sessions_opts,
	.exit_status = "  0  listed (with --sid: also when the sid is not learned; the output says)\n"
		       "  1  port P is not steered by sid, or the pins cannot be read\n"
		       "  2  the command line is wrong\n",
};

int cmd_sessions(int argc, char **argv)
{
	__u64 per_slot[SIOSTEER_MAX_SLOTS] = { 0 }, total = 0;
	struct siosteer_owner owners[SIOSTEER_MAX_SLOTS];
	struct siosteer_sid key, next;
	struct siosteer_sid_owner v;
	struct siosteer_pinned p;
	struct cli c;
	const char *root;
	void *prev = NULL;
	double now = clock_s(CLOCK_BOOTTIME);
	int err, fd, printed = 0, slot, first = 1;
	char path[512];

	cli_defaults(&c);
	c.limit = 50;
	err = cli_parse(argc, argv, &cli_cmd_sessions, &c);
	if (err)
		return err > 0 ? 0 : 2;
	if (cli_no_operands(argc, argv, &cli_cmd_sessions, &c))
		return 2;
	if (c.cluster_set)
		return cluster_sessions(&c);
	if (c.redis) {
		log_error("--redis goes with --cluster");
		return 2;
	}
	if (!c.port_set) {
		log_error("sessions needs --port (see --help)");
		return 2;
	}
	if (caps_require(CAPS_READ))
		return 1;
	root = siosteer_pin_root(c.steer.pin_root);
	err = siosteer_pinned_open(root, c.steer.port, &p);
	if (err) {
		siosteer_say_not_steered(root, c.steer.port, err);
		return 1;
	}
	siosteer_pin_path(path, sizeof(path), root, c.steer.port, SIOSTEER_MAP_SIDS);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		log_error("port %u does not steer by sid (no %s)", c.steer.port, path);
		siosteer_pinned_close(&p);
		return 1;
	}
	for (slot = 0; slot < SIOSTEER_MAX_SLOTS; slot++)
		if (siosteer_pinned_owner(&p, (__u32)slot, &owners[slot]))
			memset(&owners[slot], 0, sizeof(owners[slot]));
	siosteer_pinned_close(&p);

	if (c.sid) {
		size_t len = strlen(c.sid);

		memset(&key, 0, sizeof(key));
		if (!len || len > SIOSTEER_SID_MAX) {
			log_error("--sid '%s' is not an engine.io session id", c.sid);
			close(fd);
			return 2;
		}
		key.len = (__u8)len;
		memcpy(key.s, c.sid, len);
		err = bpf_map_lookup_elem(fd, &key, &v) ? -errno : 0;
		close(fd);
		if (err) {
			if (c.json)
				printf("{\"port\":%u,\"sid\":\"%s\",\"found\":false}\n", c.steer.port,
				       c.sid);
			else
				printf("sid %s: not learned on port %u\n", c.sid, c.steer.port);
			return 1;
		}
		if (c.json)
			printf("{\"port\":%u,\"sid\":\"%s\",\"found\":true,\"slot\":%u,\"pid\":%u,"
			       "\"age_s\":%.1f}\n", c.steer.port, c.sid, v.slot,
			       v.slot < SIOSTEER_MAX_SLOTS ? owners[v.slot].pid : 0,
			       now - v.learned_ns / 1e9);
		else
			printf("sid %s: port %u slot %u pid %u, learned %.1f s ago\n", c.sid,
			       c.steer.port, v.slot,
			       v.slot < SIOSTEER_MAX_SLOTS ? owners[v.slot].pid : 0,
			       now - v.learned_ns / 1e9);
		return 0;
	}
	if (c.json)
		printf("{\"port\":%u,\"sessions\":[", c.steer.port);
	else if (c.limit)
		printf("%-*s  %-4s  %-7s  %s\n", SIOSTEER_SID_MAX > 24 ? 24 : SIOSTEER_SID_MAX,
		       "sid", "slot", "pid", "age");
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v) || v.slot >= SIOSTEER_MAX_SLOTS)
			continue;
		per_slot[v.slot]++;
		total++;
		if (printed >= c.limit)
			continue;
		printed++;
		if (c.json)
			printf("%s{\"sid\":\"%.*s\",\"slot\":%u,\"pid\":%u,\"age_s\":%.1f}",
			       first ? "" : ",", key.len, key.s, v.slot, owners[v.slot].pid,
			       now - v.learned_ns / 1e9);
		else
			printf("%-24.*s  %-4u  %-7u  %.1fs\n", key.len, key.s, v.slot,
			       owners[v.slot].pid, now - v.learned_ns / 1e9);
		first = 0;
	}
	close(fd);
	if (c.json) {
		printf("],\"total\":%llu,\"per_slot\":{", (unsigned long long)total);
		for (first = 1, slot = 0; slot < SIOSTEER_MAX_SLOTS; slot++) {
			if (!per_slot[slot] && !owners[slot].pid)
				continue;
			printf("%s\"%d\":{\"pid\":%u,\"sessions\":%llu}", first ? "" : ",", slot,
			       owners[slot].pid, (unsigned long long)per_slot[slot]);
			first = 0;
		}
		printf("}}\n");
		return 0;
	}
	if (printed < (int)total && c.limit)
		printf("... %llu more\n", (unsigned long long)(total - printed));
	printf("%llu learned sessions", (unsigned long long)total);
	for (slot = 0; slot < SIOSTEER_MAX_SLOTS; slot++)
		if (per_slot[slot] || owners[slot].pid)
			printf("%s slot %d (pid %u): %llu", slot ? "," : ":", slot, owners[slot].pid,
			       (unsigned long long)per_slot[slot]);
	printf("\n");
	return 0;
}
