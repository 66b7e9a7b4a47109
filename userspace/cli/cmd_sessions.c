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
#include "json_out.h"
#include "sid_parse.h"
#include "pinned.h"

static const enum cli_opt_id sessions_opts[] = {
	OPT_PORT,    OPT_SID,   OPT_LIMIT,   OPT_JSON, OPT_PIN_ROOT,
	OPT_CLUSTER, OPT_REDIS, OPT_VERBOSE, OPT_HELP, OPT_END,
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
	.exit_status = "  0  listed (with --sid: found)\n"
		       "  1  --sid SID is not learned, port P is not steered by sid, or the pins\n"
		       "     cannot be read\n"
		       "  2  the command line is wrong\n",
};

/* --sid SID: where one session is. */
static int one_sid(const struct cli *c, int fd, const struct siosteer_owner *owners)
{
	double now = clock_s(CLOCK_BOOTTIME);
	struct siosteer_sid_owner v;
	struct siosteer_sid key = { 0 };
	size_t len = strlen(c->sid);
	__u32 pid;

	if (!len || len > SIOSTEER_SID_MAX) {
		log_error("sessions: --sid '%s' is not an engine.io session id", c->sid);
		return 2;
	}
	key.len = (__u8)len;
	memcpy(key.s, c->sid, len);
	if (bpf_map_lookup_elem(fd, &key, &v)) {
		if (c->json)
			json_out(json_pack("{s:i, s:s, s:b}", "port", (int)c->steer.port, "sid",
					   c->sid, "found", 0));
		else
			printf("sid %s: not learned on port %u\n", c->sid, c->steer.port);
		return 1;
	}
	pid = v.slot < SIOSTEER_MAX_SLOTS ? owners[v.slot].pid : 0;
	if (c->json)
		json_out(json_pack("{s:i, s:s, s:b, s:i, s:i, s:f}", "port", (int)c->steer.port,
				   "sid", c->sid, "found", 1, "slot", (int)v.slot, "pid", (int)pid,
				   "age_s", now - v.learned_ns / 1e9));
	else
		printf("sid %s: port %u slot %u pid %u, learned %.1f s ago\n", c->sid,
		       c->steer.port, v.slot, pid, now - v.learned_ns / 1e9);
	return 0;
}

/* Every learned session (up to --limit), then the totals per slot. */
static int list_sessions(const struct cli *c, int fd, const struct siosteer_owner *owners)
{
	__u64 per_slot[SIOSTEER_MAX_SLOTS] = { 0 }, total = 0;
	double now = clock_s(CLOCK_BOOTTIME);
	struct siosteer_sid_owner v;
	struct siosteer_sid key, next;
	json_t *rows = NULL, *slots;
	void *prev = NULL;
	int printed = 0, slot;
	char sid[SIOSTEER_SID_MAX + 1];

	if (c->json)
		rows = json_array();
	else if (c->limit)
		printf("%-*s  %-4s  %-7s  %s\n", SIOSTEER_SID_MAX > 24 ? 24 : SIOSTEER_SID_MAX,
		       "sid", "slot", "pid", "age");
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v) || v.slot >= SIOSTEER_MAX_SLOTS)
			continue;
		per_slot[v.slot]++;
		total++;
		if (printed >= c->limit)
			continue;
		printed++;
		snprintf(sid, sizeof(sid), "%.*s", key.len, key.s);
		if (rows)
			json_array_append_new(rows,
					      json_pack("{s:s, s:i, s:i, s:f}", "sid", sid, "slot",
							(int)v.slot, "pid", (int)owners[v.slot].pid,
							"age_s", now - v.learned_ns / 1e9));
		else
			printf("%-24s  %-4u  %-7u  %.1fs\n", sid, v.slot, owners[v.slot].pid,
			       now - v.learned_ns / 1e9);
	}
	if (rows) {
		slots = json_object();
		for (slot = 0; slot < SIOSTEER_MAX_SLOTS; slot++) {
			char k[8];

			if (!per_slot[slot] && !owners[slot].pid)
				continue;
			snprintf(k, sizeof(k), "%d", slot);
			json_object_set_new(slots, k,
					    json_pack("{s:i, s:o}", "pid", (int)owners[slot].pid,
						      "sessions", json_u64(per_slot[slot])));
		}
		json_out(json_pack("{s:i, s:o, s:o, s:o}", "port", (int)c->steer.port, "sessions",
				   rows, "total", json_u64(total), "per_slot", slots));
		return 0;
	}
	if (printed < (int)total && c->limit)
		printf("... %llu more\n", (unsigned long long)(total - printed));
	printf("%llu learned sessions", (unsigned long long)total);
	for (slot = 0; slot < SIOSTEER_MAX_SLOTS; slot++)
		if (per_slot[slot] || owners[slot].pid)
			printf("%s slot %d (pid %u): %llu", slot ? "," : ":", slot,
			       owners[slot].pid, (unsigned long long)per_slot[slot]);
	printf("\n");
	return 0;
}

int cmd_sessions(int argc, char **argv)
{
	struct siosteer_owner owners[SIOSTEER_MAX_SLOTS];
	struct siosteer_pinned p;
	struct cli c;
	const char *root;
	int err, fd, slot;
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
		log_error("sessions: --redis goes with --cluster");
		return 2;
	}
	if (!c.port_set) {
		log_error("sessions: needs --port (see 'siosteer sessions --help')");
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
	err = c.sid ? one_sid(&c, fd, owners) : list_sessions(&c, fd, owners);
	close(fd);
	return err;
}
