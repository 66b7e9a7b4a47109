// SPDX-License-Identifier: MIT
/*
 * siosteer status: what is steered, read from the pinned maps only, so it works while an
 * agent runs, after it was killed, and from any shell (bpftool shows the same maps).
 */
#include <dirent.h>
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
#include "caps.h"
#include "log.h"
#include "opts.h"
#include "json_out.h"
#include "loader.h"
#include "pinned.h"
#include "control.h"
#include "gate.h"
#include "cookie.h"
#include "tw_reset.h"
#include "repair.h"

static const enum cli_opt_id status_opts[] = {
	OPT_PORT, OPT_JSON, OPT_PIN_ROOT, OPT_CLUSTER, OPT_REDIS, OPT_VERBOSE, OPT_HELP, OPT_END,
};

const struct cli_cmd cli_cmd_status = {
	.name = "status",
	.usage = "siosteer status [--port P] [--json] [--pin-root DIR]\n"
		 "       siosteer status --cluster[=NAME] [--redis URL] [--json]",
	.about = "Show each steered port (or only P): mode, key, agent, table generation, every\n"
		 "slot with its worker pid, command, restarts, weight or drain and connections\n"
		 "placed, the counters of every BPF program and the Redis bridge. Reads the\n"
		 "pinned maps, so no agent needs to run. --json prints an array with one object\n"
		 "per port (with --port too). With --cluster: every live node of the cluster,\n"
		 "from Redis.",
	.opts = status_opts,
	.exit_status = "  0  shown (also when no port is steered)\n"
		       "  1  port P is not steered, or the pins cannot be read\n"
		       "  2  the command line is wrong\n",
};

struct port_view {
	struct siosteer_meta meta;
	struct siosteer_state state;
	struct siosteer_counters cnt;
	struct siosteer_owner owner[SIOSTEER_MAX_SLOTS];
	char command[SIOSTEER_MAX_SLOTS][40]; /* what runs in each slot (live_command) */
	bool live[SIOSTEER_MAX_SLOTS];
	__u64 cookie[SIOSTEER_MAX_SLOTS];
	bool agent_alive;
	bool has_sid; /* sid mode: gate or cookie, and learner counters were read */
	struct siosteer_gate_counters gate; /* --cookies sysctl */
	struct siosteer_cookie_counters cookies; /* --cookies bpf */
	struct siosteer_learn_counters learn;
	struct siosteer_tw_counters tw;
	struct siosteer_repair_counters repair;
	const char *pin_root;
	__u32 buckets[SIOSTEER_MAX_SLOTS]; /* the slot's Maglev buckets */
	bool has_ctl; /* drain / weights (control map) */
	struct siosteer_slot_ctl ctl[SIOSTEER_CONTROL_ENTRIES];
	bool has_bridge; /* the agent's Redis bridge */
	struct siosteer_bridge_stats bridge;
};

/* Named counters, for printing text and JSON from one list. */
struct field {
	const char *name;
	__u64 v;
};
/* clang-format breaks the stringizing # apart */
/* clang-format off */
#define F(st, f) { #f, (st).f }
/* clang-format on */

/* One group of counters: a text line, or an object of `parent` (JSON). */
static void print_fields(const char *title, const struct field *f, int n, json_t *parent)
{
	json_t *o;
	int i;

	if (parent) {
		o = json_object();
		for (i = 0; i < n; i++)
			json_object_set_new(o, f[i].name, json_u64(f[i].v));
		json_object_set_new(parent, title, o);
		return;
	}
	printf("  %s:", title);
	for (i = 0; i < n; i++)
		printf("%s %s %llu", i ? "," : "", f[i].name, (unsigned long long)f[i].v);
	printf("\n");
}

/* Every counter group of a port; text and JSON print the same list. */
static void print_counters(const struct port_view *v, json_t *json)
{
	const struct siosteer_counters *c = &v->cnt;
	const struct field sel[] = {
		F(*c, runs),         F(*c, ipv4),       F(*c, ipv6),         F(*c, fallback),
		F(*c, no_live_slot), F(*c, bad_packet), F(*c, select_error),
	};
	const struct field sid[] = {
		F(*c, first_data), F(*c, sid_hit),  F(*c, sid_unknown),      F(*c, sid_bad),
		F(*c, handshake),  F(*c, not_http), F(*c, conn_record_fail),
	};
	const struct field gate[] = {
		F(v->gate, packets), F(v->gate, steered_port), F(v->gate, pure_acks),
		F(v->gate, dropped), F(v->gate, established),  F(v->gate, no_socket),
		F(v->gate, not_tcp),
	};
	const struct field cookie[] = {
		F(v->cookies, syns),
		F(v->cookies, issued),
		F(v->cookies, syn_tw),
		F(v->cookies, syn_passed),
		F(v->cookies, acks_checked),
		F(v->cookies, accepted),
		F(v->cookies, bare_acks),
		F(v->cookies, rejected_bad),
		F(v->cookies, rejected_expired),
		F(v->cookies, rejected_options),
		F(v->cookies, assign_failed),
		F(v->cookies, passed),
	};
	const struct field tw[] = {
		F(v->tw, syns_seen),      F(v->tw, tw_collisions), F(v->tw, rst_injected),
		F(v->tw, syn_reinjected), F(v->tw, disabled),      F(v->tw, errors),
		F(v->tw, dropped),
	};
	const struct field learn[] = {
		F(v->learn, packets),    F(v->learn, scanned),         F(v->learn, learned),
		F(v->learn, stale_conn), F(v->learn, not_new_session), F(v->learn, already_known),
		F(v->learn, bad_sid),    F(v->learn, not_tcp),         F(v->learn, no_storage),
		F(v->learn, body_next),  F(v->learn, learned_later),
	};
	const struct field repair[] = {
		F(v->repair, requests),      F(v->repair, first_request), F(v->repair, no_socket),
		F(v->repair, no_storage),    F(v->repair, new_session),   F(v->repair, rebalanced),
		F(v->repair, other_request), F(v->repair, sid_unknown),   F(v->repair, same_slot),
		F(v->repair, owner_gone),    F(v->repair, repaired),      F(v->repair, errors),
	};

	print_fields("counters", sel, sizeof(sel) / sizeof(sel[0]), json);
	if (!v->has_sid)
		return;
	print_fields("sid", sid, sizeof(sid) / sizeof(sid[0]), json);
	if (v->meta.cookies == SIOSTEER_COOKIES_BPF)
		print_fields("cookie", cookie, sizeof(cookie) / sizeof(cookie[0]), json);
	else
		print_fields("gate", gate, sizeof(gate) / sizeof(gate[0]), json);
	print_fields("learner", learn, sizeof(learn) / sizeof(learn[0]), json);
	print_fields("tw", tw, sizeof(tw) / sizeof(tw[0]), json);
	print_fields("repair", repair, sizeof(repair) / sizeof(repair[0]), json);
}

static const char *mode_name(__u32 m)
{
	return m == SIOSTEER_MODE_RUN ? "run" : m == SIOSTEER_MODE_ATTACH ? "attach" : "?";
}

/* Who answers the port's SYNs (sid mode); "-" in address mode. */
static const char *cookies_name(const struct siosteer_meta *m)
{
	return m->key == SIOSTEER_KEY_SID ? siosteer_cookies_name(m->cookies) : "-";
}

static const char *key_name(__u32 k)
{
	return k == SIOSTEER_KEY_SID ? "sid" : "addr";
}

/* Append s to the string in out (len bytes), cut to fit. */
static void append(char *out, size_t len, const char *s)
{
	size_t n = strlen(out), m = strlen(s);

	if (n + 1 >= len)
		return;
	if (m > len - 1 - n)
		m = len - 1 - n;
	memcpy(out + n, s, m);
	out[n + m] = '\0';
}

/*
 * What runs in the slot, from /proc/PID/cmdline: the program's name, and for an
 * interpreter (node, python3, ...) the script's name after it ("node sio-worker.js"),
 * instead of the kernel's 15-character comm ("pid-http-worker" for
 * pid-http-worker.py). Falls back to the recorded comm.
 */
static void live_command(const struct siosteer_owner *o, char *out, size_t len)
{
	static const char *const interpreters[] = { "node", "nodejs", "python", "python3", "ruby",
						    "perl", "php",    "bun",    "deno",    "java" };
	char path[64], args[512], *a0, *a1 = NULL, *b0;
	size_t n = 0, i;
	FILE *f;

	snprintf(out, len, "%s", o->comm[0] ? o->comm : "-");
	if (!o->pid)
		return;
	snprintf(path, sizeof(path), "/proc/%u/cmdline", o->pid);
	f = fopen(path, "r");
	if (!f)
		return;
	n = fread(args, 1, sizeof(args) - 1, f);
	fclose(f);
	if (!n)
		return;
	args[n] = '\0';
	a0 = args;
	if (strlen(a0) + 1 < n)
		a1 = a0 + strlen(a0) + 1;
	b0 = strrchr(a0, '/') ? strrchr(a0, '/') + 1 : a0;
	for (i = 0; a1 && *a1 != '-' && i < sizeof(interpreters) / sizeof(interpreters[0]); i++) {
		if (!strncmp(b0, interpreters[i], strlen(interpreters[i]))) {
			/* Cut to fit (the table shows 24 columns). */
			out[0] = '\0';
			append(out, len, b0);
			append(out, len, " ");
			append(out, len, strrchr(a1, '/') ? strrchr(a1, '/') + 1 : a1);
			return;
		}
	}
	out[0] = '\0';
	append(out, len, b0);
}

static int read_port(const char *root, unsigned port, struct port_view *v)
{
	struct siosteer_pinned p;
	__u32 slot;
	int err;

	memset(v, 0, sizeof(*v));
	v->pin_root = root;
	err = siosteer_pinned_open(root, port, &p);
	if (err)
		return err;
	err = siosteer_pinned_meta(&p, &v->meta);
	if (!err)
		err = siosteer_pinned_state(&p, &v->state);
	if (!err)
		err = siosteer_pinned_counters(&p, &v->cnt);
	if (!err)
		siosteer_pinned_table_shares(&p, v->buckets);
	for (slot = 0; !err && slot < SIOSTEER_MAX_SLOTS; slot++) {
		siosteer_pinned_owner(&p, slot, &v->owner[slot]);
		live_command(&v->owner[slot], v->command[slot], sizeof(v->command[slot]));
		v->live[slot] = !siosteer_sockarray_cookie(p.slots_fd, slot, &v->cookie[slot]);
	}
	siosteer_pinned_close(&p);
	v->has_sid =
		!err && v->meta.key == SIOSTEER_KEY_SID &&
		(v->meta.cookies == SIOSTEER_COOKIES_BPF ?
			 !siosteer_pinned_sum(root, port, SIOSTEER_MAP_COOKIE_COUNTERS, &v->cookies,
					      sizeof(v->cookies)) :
			 !siosteer_pinned_sum(root, port, SIOSTEER_MAP_GATE_COUNTERS, &v->gate,
					      sizeof(v->gate))) &&
		!siosteer_pinned_sum(root, port, SIOSTEER_MAP_LEARN_COUNTERS, &v->learn,
				     sizeof(v->learn)) &&
		!siosteer_pinned_sum(root, port, SIOSTEER_MAP_TW_COUNTERS, &v->tw, sizeof(v->tw)) &&
		!siosteer_pinned_sum(root, port, SIOSTEER_MAP_REPAIR_COUNTERS, &v->repair,
				     sizeof(v->repair));
	v->agent_alive =
		v->meta.agent_pid && (kill((pid_t)v->meta.agent_pid, 0) == 0 || errno == EPERM);
	if (!err) {
		int fd = siosteer_control_open(root, port, false);

		if (fd >= 0) {
			v->has_ctl = !siosteer_control_read(fd, v->ctl);
			close(fd);
		}
		fd = siosteer_bridge_stats_open(root, port, false);
		if (fd >= 0) {
			v->has_bridge = !siosteer_bridge_stats_read(fd, &v->bridge) &&
					v->bridge.state != SIOSTEER_BRIDGE_OFF;
			close(fd);
		}
	}
	return err;
}

static const char *bridge_state(const struct port_view *v)
{
	static const char *const names[] = { "off", "connecting", "up", "down", "stopped" };
	__u32 st = v->bridge.state < 5 ? v->bridge.state : 0;

	/* A bridge whose agent is gone says nothing any more. */
	if (!v->agent_alive || v->bridge.agent_pid != v->meta.agent_pid)
		return "stopped";
	return names[st];
}

static double ago_s(__u64 ns)
{
	return ns ? ((double)clock_ns(CLOCK_REALTIME) - (double)ns) / 1e9 : 0;
}

static __u32 slot_weight(const struct port_view *v, int slot)
{
	return v->has_ctl && v->ctl[slot].weight ? v->ctl[slot].weight : 1;
}

static bool slot_drained(const struct port_view *v, int slot)
{
	return v->has_ctl && (v->ctl[slot].drained || v->ctl[SIOSTEER_CONTROL_PORT].drained);
}

static void print_text(const struct port_view *v)
{
	const struct siosteer_meta *m = &v->meta;
	const struct siosteer_counters *c = &v->cnt;
	int slot, nlive = 0;
	char routes[160];

	for (slot = 0; slot < SIOSTEER_MAX_SLOTS; slot++)
		nlive += v->live[slot];
	printf("port %u: mode %s, key %s (/%u IPv4, /%u IPv6)%s%s\n", m->port, mode_name(m->mode),
	       key_name(m->key), m->prefix4, m->prefix6, m->ifname[0] ? ", interface " : "",
	       m->ifname);
	if (m->key == SIOSTEER_KEY_SID)
		printf("  cookies: %s (%s)\n", cookies_name(m),
		       m->cookies == SIOSTEER_COOKIES_BPF ?
			       "siosteer answers this port's SYNs; tcp_syncookies untouched" :
			       "the kernel answers SYNs, tcp_syncookies=2 in this namespace");
	if (v->agent_alive)
		printf("  agent: pid %u, running\n", m->agent_pid);
	else
		printf("  agent: not running (steering continues from the pinned state)\n");
	printf("  table: generation %u, %d live slots, pins in %s/%u\n", v->state.generation, nlive,
	       v->pin_root, m->port);
	siosteer_routes_text(m->cookies, m->routes, routes, sizeof(routes));
	printf("  routes: %s\n", routes);
	if (v->has_ctl && v->ctl[SIOSTEER_CONTROL_PORT].drained)
		printf("  drained: the whole port takes no new sessions where another slot can\n");
	printf("  %-4s  %-7s  %-24s  %-8s  %-10s  %-9s  %-6s  %-6s  %s\n", "slot", "pid", "command",
	       "restarts", "selected", "socket", "weight", "share", "placement");
	for (slot = 0; slot < SIOSTEER_MAX_SLOTS; slot++) {
		const struct siosteer_owner *o = &v->owner[slot];

		if (!v->live[slot] && !o->pid && !c->selected[slot])
			continue;
		printf("  %-4d  %-7u  %-24.24s  %-8u  %-10llu  %-9s  %-6u  %5.1f%%  %s\n", slot,
		       o->pid, v->command[slot], o->restarts, (unsigned long long)c->selected[slot],
		       v->live[slot] ? "listening" : "gone", slot_weight(v, slot),
		       100.0 * v->buckets[slot] / SIOSTEER_MAGLEV_SIZE,
		       slot_drained(v, slot) ? "drained" : "open");
	}
	print_counters(v, NULL);
	if (v->has_bridge) {
		const struct siosteer_bridge_stats *b = &v->bridge;

		printf("  redis: %s for %.0f s, node %s of cluster %s, %s%s%s\n", bridge_state(v),
		       ago_s(b->since_ns), b->node, b->cluster, b->where,
		       b->last_error[0] && b->state != SIOSTEER_BRIDGE_UP ? ": " : "",
		       b->last_error[0] && b->state != SIOSTEER_BRIDGE_UP ? b->last_error : "");
		printf("  bridge: sessions %llu, published %llu, renewed %llu, queue %llu/%llu, "
		       "dropped %llu, heartbeats %llu, controls %llu, connects %llu, failures %llu, "
		       "resyncs %llu\n",
		       (unsigned long long)b->sessions, (unsigned long long)b->published,
		       (unsigned long long)b->renewed, (unsigned long long)b->queued,
		       (unsigned long long)b->queue_max, (unsigned long long)b->dropped,
		       (unsigned long long)b->heartbeats, (unsigned long long)b->controls,
		       (unsigned long long)b->connects, (unsigned long long)b->failures,
		       (unsigned long long)b->resyncs);
	}
}

static json_t *port_json(const struct port_view *v)
{
	const struct siosteer_meta *m = &v->meta;
	const struct siosteer_counters *c = &v->cnt;
	json_t *o, *slots = json_array();
	int slot;

	o = json_pack("{s:i, s:s, s:s, s:i, s:i, s:s, s:s, s:i, s:b, s:i}", "port", (int)m->port,
		      "mode", mode_name(m->mode), "key", key_name(m->key), "prefix4",
		      (int)m->prefix4, "prefix6", (int)m->prefix6, "interface", m->ifname,
		      "cookies", cookies_name(m), "agent_pid", (int)m->agent_pid, "agent_running",
		      v->agent_alive, "generation", (int)v->state.generation);
	for (slot = 0; slot < SIOSTEER_MAX_SLOTS; slot++) {
		const struct siosteer_owner *o2 = &v->owner[slot];

		if (!v->live[slot] && !o2->pid && !c->selected[slot])
			continue;
		json_array_append_new(
			slots,
			json_pack("{s:i, s:i, s:s, s:i, s:b, s:o, s:o, s:i, s:b, s:f}", "slot",
				  slot, "pid", (int)o2->pid, "command", v->command[slot],
				  "restarts", (int)o2->restarts, "listening", v->live[slot],
				  "cookie", json_u64(v->cookie[slot]), "selected",
				  json_u64(c->selected[slot]), "weight", (int)slot_weight(v, slot),
				  "drained", slot_drained(v, slot), "table_share",
				  (double)v->buckets[slot] / SIOSTEER_MAGLEV_SIZE));
	}
	/* The kernel-dependent routes the agent chose (loader/routes.c). */
	json_object_set_new(o, "routes",
			    json_pack("{s:s, s:b, s:b, s:b, s:b}", "cookies",
				      siosteer_cookies_name(m->cookies), "time_wait",
				      !!(m->routes & SIOSTEER_ROUTE_TW), "time_wait_probed",
				      !!(m->routes & SIOSTEER_ROUTE_TW_PROBED), "migration",
				      !!(m->routes & SIOSTEER_ROUTE_MIGRATE), "socket_storage",
				      !!(m->routes & SIOSTEER_ROUTE_SK_STORAGE)));
	json_object_set_new(o, "slots", slots);
	json_object_set_new(o, "drained",
			    json_boolean(v->has_ctl && v->ctl[SIOSTEER_CONTROL_PORT].drained));
	print_counters(v, o);
	if (v->has_bridge) {
		const struct siosteer_bridge_stats *b = &v->bridge;
		const struct field bf[] = {
			F(*b, sessions),  F(*b, published), F(*b, renewed),    F(*b, queued),
			F(*b, queue_max), F(*b, dropped),   F(*b, heartbeats), F(*b, controls),
			F(*b, connects),  F(*b, failures),  F(*b, resyncs),
		};

		print_fields("bridge", bf, sizeof(bf) / sizeof(bf[0]), o);
		json_object_set_new(o, "redis",
				    json_pack("{s:s, s:f, s:s, s:s, s:s, s:s}", "state",
					      bridge_state(v), "for_s", ago_s(b->since_ns), "node",
					      b->node, "cluster", b->cluster, "where", b->where,
					      "last_error", b->last_error));
	}
	return o;
}

/* One port: its text, or its object appended to `all` (JSON). */
static int show(const char *root, unsigned port, json_t *all, bool *first)
{
	struct port_view *v = malloc(sizeof(*v));
	int err;

	if (!v)
		return -ENOMEM;
	err = read_port(root, port, v);
	if (!err) {
		if (all) {
			json_array_append_new(all, port_json(v));
		} else {
			printf("%s", *first ? "" : "\n");
			print_text(v);
		}
		*first = false;
	}
	free(v);
	return err;
}

int cmd_status(int argc, char **argv)
{
	json_t *all;
	const char *root;
	bool first = true;
	struct dirent *e;
	struct cli c;
	int err, n = 0;
	DIR *d;

	cli_defaults(&c);
	err = cli_parse(argc, argv, &cli_cmd_status, &c);
	if (err)
		return err > 0 ? 0 : 2;
	if (cli_no_operands(argc, argv, &cli_cmd_status, &c))
		return 2;
	if (c.cluster_set)
		return cluster_status(&c);
	if (c.redis) {
		log_error("--redis goes with --cluster");
		return 2;
	}
	if (caps_require(CAPS_READ))
		return 1;
	root = siosteer_pin_root(c.steer.pin_root);
	/* --json: an array of ports, with --port too, so readers need one shape. */
	all = c.json ? json_array() : NULL;
	if (c.port_set) {
		err = show(root, c.steer.port, all, &first);
		if (err) {
			json_decref(all);
			siosteer_say_not_steered(root, c.steer.port, err);
			return 1;
		}
		json_out(all);
		return 0;
	}
	d = opendir(root);
	while (d && (e = readdir(d))) {
		char *end;
		unsigned long port = strtoul(e->d_name, &end, 10);

		if (*end || !port || port > 65535)
			continue;
		if (!show(root, (unsigned)port, all, &first))
			n++;
	}
	if (d)
		closedir(d);
	if (all)
		json_out(all);
	else if (!n)
		printf("no steered ports (pins in %s)\n", root);
	return 0;
}
