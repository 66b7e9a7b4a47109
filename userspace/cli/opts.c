// SPDX-License-Identifier: MIT
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>

#include "opts.h"
#include "json_out.h"
#include "bridge.h"
#include "log.h"
#include "redis_url.h"

void cli_defaults(struct cli *c)
{
	memset(c, 0, sizeof(*c));
	c->steer.key = SIOSTEER_KEY_ADDR;
	c->steer.prefix4 = 32;
	c->steer.prefix6 = 128;
	c->workers = 0;
	c->bind_addr = "::";
	c->interval = 0.5;
	c->stop_timeout = 5;
	c->steer.gate = SIOSTEER_GATE_XDP;
	c->slot = -1;
	c->wait = 2.0;
	c->seconds = 5.0;
	c->timeout = 2.0;
}

int cli_check_bridge(struct cli *c)
{
	struct redis_url u;
	char err[512];

	if (!c->redis) {
		if (c->cluster_set || c->node || c->sid_ttl) {
			log_error("--cluster, --node and --sid-ttl need --redis URL");
			return -1;
		}
		return 0;
	}
	if (redis_url_parse(c->redis, &u, err, sizeof(err))) {
		log_error("%s", err);
		return -1;
	}
	if (!c->cluster)
		c->cluster = "default";
	if (!c->node)
		c->node = bridge_default_node();
	if (bridge_check_name("--cluster", c->cluster) || bridge_check_name("--node", c->node))
		return -1;
	return 0;
}

static int cookies_from_env(struct cli *c);

int cli_check_steer(struct cli *c)
{
	if (c->steer.key == SIOSTEER_KEY_SID) {
		if (cookies_from_env(c))
			return -1;
		if (!c->steer.ifname) {
			log_error("--key sid needs the ingress interface (--iface for run)");
			return -1;
		}
		/* The default: a browser's pool or a NAT puts many sessions behind one
		 * address, and the address key would give them all to one worker. */
		if (!c->place_set)
			c->steer.place = SIOSTEER_PLACE_LEAST;
		return cli_ifindex(c->steer.ifname) < 0 ? -1 : 0;
	}
	if (c->place_set || c->steer.sessions_max || c->cookies_set) {
		log_error("--place, --cookies and --sessions-max only apply to --key sid");
		return -1;
	}
	if (c->steer.ifname)
		return cli_ifindex(c->steer.ifname) < 0 ? -1 : 0;
	return 0;
}

enum cli_type {
	CLI_FLAG, /* bool at off */
	CLI_INT, /* an integer in [min, max], stored in a field of `size` bytes */
	CLI_SECONDS, /* a double in [min, max] */
	CLI_STRING, /* const char * at off */
	CLI_ENUM, /* one of `names`, stored as an int */
	CLI_LIST, /* appended to the array at off, count at aux (repeatable) */
	CLI_CLUSTER, /* --cluster[=NAME]: the name is optional */
	CLI_VERBOSE,
	CLI_HELP,
};

struct cli_enum {
	const char *name;
	int value;
};

struct cli_opt {
	const char *name;
	char short_name;
	enum cli_type type;
	size_t off, size;
	size_t aux; /* CLI_LIST: the count; others: a bool set when given, or 0 */
	double min, max;
	const struct cli_enum *names; /* CLI_ENUM, {NULL} terminated */
	const char *arg; /* what the value is, for --help ("P", "URL"); NULL: none */
	const char *help; /* "\n" starts a continuation line */
};

#define FIELD(f) offsetof(struct cli, f), sizeof(((struct cli *)0)->f)
#define SET(f)   offsetof(struct cli, f)
#define NO_SET   0 /* offset 0 is steer.pin_root, never a "set" flag */

static const struct cli_enum key_names[] = { { "addr", SIOSTEER_KEY_ADDR },
					     { "sid", SIOSTEER_KEY_SID },
					     { NULL, 0 } };
static const struct cli_enum place_names[] = { { "least-loaded", SIOSTEER_PLACE_LEAST },
					       { "random", SIOSTEER_PLACE_RANDOM },
					       { "addr", SIOSTEER_PLACE_ADDR },
					       { NULL, 0 } };
static const struct cli_enum gate_names[] = { { "xdp", SIOSTEER_GATE_XDP },
					      { "tc", SIOSTEER_GATE_TC },
					      { NULL, 0 } };

static const struct cli_enum cookie_names[] = { { "auto", SIOSTEER_COOKIES_AUTO },
						{ "bpf", SIOSTEER_COOKIES_BPF },
						{ "sysctl", SIOSTEER_COOKIES_SYSCTL },
						{ NULL, 0 } };

/* --cookies not given: $SIOSTEER_COOKIES, else auto. */
static int cookies_from_env(struct cli *c)
{
	const char *e = getenv("SIOSTEER_COOKIES");
	const struct cli_enum *n;

	if (c->cookies_set || !e || !*e)
		return 0;
	for (n = cookie_names; n->name; n++) {
		if (!strcmp(e, n->name)) {
			c->steer.cookies = n->value;
			return 0;
		}
	}
	log_error("SIOSTEER_COOKIES='%s': expected auto, bpf or sysctl", e);
	return -1;
}

static const struct cli_opt opts[OPT_COUNT] = {
	[OPT_PORT] = { "port", 0, CLI_INT, FIELD(steer.port), SET(port_set), 1, 65535, NULL, "P",
		       "the TCP port" },
	[OPT_WORKERS] = { "workers", 0, CLI_INT, FIELD(workers), NO_SET, 1, SIOSTEER_MAX_SLOTS,
			  NULL, "N", "number of workers and slots, 1..64 (required)" },
	[OPT_KEY] = { "key", 0, CLI_ENUM, FIELD(steer.key), NO_SET, 0, 0, key_names, NULL,
		      "steer by client address (default), or by engine.io session id\n"
		      "read from each connection's first request (needs --iface)" },
	[OPT_PREFIX4] = { "prefix4", 0, CLI_INT, FIELD(steer.prefix4), NO_SET, 0, 32, NULL, "B",
			  "IPv4 prefix length of the address key (default 32)" },
	[OPT_PREFIX6] = { "prefix6", 0, CLI_INT, FIELD(steer.prefix6), NO_SET, 0, 128, NULL, "B",
			  "IPv6 prefix length of the address key (default 128)" },
	[OPT_PLACE] = { "place", 0, CLI_ENUM, FIELD(steer.place), SET(place_set), 0, 0, place_names,
			NULL,
			"sid mode: where a request without sid (a new session, a page)\n"
			"goes: least-loaded (default), random, or addr (the address key)" },
	[OPT_GATE] = { "gate", 0, CLI_ENUM, FIELD(steer.gate), SET(gate_set), 0, 0, gate_names,
		       NULL,
		       "sid mode, --cookies sysctl: how bare handshake ACKs are held\n"
		       "back (default xdp)" },
	[OPT_COOKIES] = { "cookies", 0, CLI_ENUM, FIELD(steer.cookies), SET(cookies_set), 0, 0,
			  cookie_names, NULL,
			  "sid mode: who answers the port's SYNs with cookies. bpf: siosteer\n"
			  "itself, this port only (Linux >= 6.9); sysctl: the kernel, with\n"
			  "tcp_syncookies=2 for the whole network namespace; auto: bpf where\n"
			  "the kernel has it (default $SIOSTEER_COOKIES, else auto)" },
	[OPT_SESSIONS_MAX] = { "sessions-max", 0, CLI_INT, FIELD(steer.sessions_max), NO_SET, 1024,
			       1L << 26, NULL, "N",
			       "sid mode: learned sessions kept, oldest evicted\n"
			       "(default 1048576)" },
	[OPT_IFACE] = { "iface", 0, CLI_STRING, FIELD(steer.ifname), NO_SET, 0, 0, NULL, "IFACE",
			"the ingress interface (required with --key sid)" },
	[OPT_BIND] = { "bind", 0, CLI_STRING, FIELD(bind_addr), NO_SET, 0, 0, NULL, "ADDR",
		       "address to listen on (default :: = IPv6 and IPv4)" },
	[OPT_STOP_TIMEOUT] = { "stop-timeout", 0, CLI_INT, FIELD(stop_timeout), NO_SET, 0, 3600,
			       NULL, "S",
			       "seconds between SIGTERM and SIGKILL on stop (default 5)" },
	[OPT_INTERVAL] = { "interval", 0, CLI_SECONDS, FIELD(interval), NO_SET, 0.05, 60, NULL, "S",
			   "seconds between scans for new or dead workers (default 0.5)" },
	[OPT_REDIS] = { "redis", 0, CLI_STRING, FIELD(redis), NO_SET, 0, 0, NULL, "URL",
			"Redis: redis://[user:pass@]host[:port][/db] or unix:///path\n"
			"(run, attach: join a cluster; elsewhere with --cluster; default\n"
			"$SIOSTEER_REDIS, else redis://127.0.0.1:6379)" },
	[OPT_CLUSTER] = { "cluster", 0, CLI_CLUSTER, FIELD(cluster), SET(cluster_set), 0, 0, NULL,
			  "[=NAME]", "the whole cluster NAME, from Redis (default: default)" },
	[OPT_CLUSTER_ARG] = { "cluster", 0, CLI_STRING, FIELD(cluster), SET(cluster_set), 0, 0,
			      NULL, "NAME", "cluster name in Redis (default: default)" },
	[OPT_NODE] = { "node", 0, CLI_STRING, FIELD(node), NO_SET, 0, 0, NULL, "ID",
		       "this node's name in the cluster (default: the host name);\n"
		       "drain/undrain/weight: the node to act on, or '*'" },
	[OPT_SID_TTL] = { "sid-ttl", 0, CLI_SECONDS, FIELD(sid_ttl), NO_SET, 3, 86400, NULL, "S",
			  "seconds a published session lives unless renewed (default 60)" },
	[OPT_SLOT] = { "slot", 0, CLI_INT, FIELD(slot), NO_SET, 0, SIOSTEER_MAX_SLOTS - 1, NULL,
		       "N", "the slot (default: every slot of the port)" },
	[OPT_WAIT] = { "wait", 0, CLI_SECONDS, FIELD(wait), NO_SET, 0, 60, NULL, "S",
		       "seconds to wait for the agents to confirm (default 2)" },
	[OPT_SID] = { "sid", 0, CLI_STRING, FIELD(sid), NO_SET, 0, 0, NULL, "SID",
		      "only this session" },
	[OPT_LIMIT] = { "limit", 0, CLI_INT, FIELD(limit), NO_SET, 0, 1L << 30, NULL, "N",
			"print at most N sessions (default 50; 0: only the totals)" },
	[OPT_SECONDS] = { "seconds", 0, CLI_SECONDS, FIELD(seconds), NO_SET, 0.001, 86400, NULL,
			  "S", "length of the measuring window (default 5)" },
	[OPT_JSON] = { "json", 0, CLI_FLAG, FIELD(json), NO_SET, 0, 0, NULL, NULL,
		       "print JSON (an error too: {\"error\": \"...\"} on stdout)" },
	[OPT_NSP] = { "nsp", 0, CLI_STRING, FIELD(nsp), NO_SET, 0, 0, NULL, "NSP",
		      "namespace (default /)" },
	[OPT_TO] = { "to", 0, CLI_LIST, FIELD(to), offsetof(struct cli, nto), 0, CLI_MAX_ROOMS,
		     NULL, "ROOM",
		     "only sockets in ROOM (repeatable: any of them; a socket id is a\n"
		     "room; --in is the same); default every socket of the namespace" },
	[OPT_EXCEPT] = { "except", 0, CLI_LIST, FIELD(except), offsetof(struct cli, nexcept), 0,
			 CLI_MAX_ROOMS, NULL, "ROOM", "not the sockets in ROOM (repeatable)" },
	[OPT_VOLATILE] = { "volatile", 0, CLI_FLAG, FIELD(volatile_msg), NO_SET, 0, 0, NULL, NULL,
			   "emit: the message may be dropped for clients that are not ready" },
	[OPT_CLOSE] = { "close", 0, CLI_FLAG, FIELD(close_conn), NO_SET, 0, 0, NULL, NULL,
			"disconnect: also close the underlying connection" },
	[OPT_ADAPTER_KEY] = { "adapter-key", 0, CLI_STRING, FIELD(adapter_key), NO_SET, 0, 0, NULL,
			      "KEY", "the adapter's `key` option (default socket.io)" },
	[OPT_TIMEOUT] = { "timeout", 0, CLI_SECONDS, FIELD(timeout), NO_SET, 0.05, 600, NULL, "S",
			  "seconds to wait for Redis (default 2)" },
	[OPT_QUIET] = { "quiet", 'q', CLI_FLAG, FIELD(quiet), NO_SET, 0, 0, NULL, NULL,
			"print nothing on success" },
	[OPT_EMIT_REDIS] = { "redis", 0, CLI_STRING, FIELD(redis), NO_SET, 0, 0, NULL, "URL",
			     "redis://[[user]:password@]host[:port][/db] or unix:///path\n"
			     "(default $SIOSTEER_REDIS, else redis://127.0.0.1:6379)" },
	[OPT_PIN_ROOT] = { "pin-root", 0, CLI_STRING, FIELD(steer.pin_root), NO_SET, 0, 0, NULL,
			   "DIR",
			   "bpffs directory for pins (default $SIOSTEER_PIN_ROOT or\n"
			   "/sys/fs/bpf/siosteer)" },
	[OPT_VERBOSE] = { "verbose", 'v', CLI_VERBOSE, 0, 0, NO_SET, 0, 0, NULL, NULL,
			  "debug logging (libbpf's and libxdp's messages too)" },
	[OPT_HELP] = { "help", 'h', CLI_HELP, 0, 0, NO_SET, 0, 0, NULL, NULL, "this text" },
};

const char *cli_enum_name(enum cli_opt_id id, int value)
{
	const struct cli_enum *e;

	if (id <= OPT_END || id >= OPT_COUNT || !opts[id].names)
		return "?";
	for (e = opts[id].names; e->name; e++)
		if (e->value == value)
			return e->name;
	return "?";
}

/* "--key addr|sid", "--port P", "--json": how an option is written in --help. */
static int opt_form(const struct cli_opt *o, char *buf, size_t len)
{
	const struct cli_enum *e;
	int n;

	if (o->short_name)
		n = snprintf(buf, len, "-%c, --%s", o->short_name, o->name);
	else
		n = snprintf(buf, len, "--%s", o->name);
	if (o->type == CLI_ENUM) {
		for (e = o->names; e->name && n < (int)len; e++)
			n += snprintf(buf + n, len - (size_t)n, "%c%s", e == o->names ? ' ' : '|',
				      e->name);
	} else if (o->arg && n < (int)len) {
		n += snprintf(buf + n, len - (size_t)n, "%s%s", o->arg[0] == '[' ? "" : " ",
			      o->arg);
	}
	return n;
}

void cli_usage(const struct cli_cmd *cmd, FILE *f)
{
	const enum cli_opt_id *id;
	const char *h, *nl;
	char form[64];
	int n;

	fprintf(f, "Usage: %s\n\n%s\n\nOptions:\n", cmd->usage, cmd->about);
	for (id = cmd->opts; *id != OPT_END; id++) {
		/* Help text from column 22, its continuation lines aligned under it. */
		n = 2 + opt_form(&opts[*id], form, sizeof(form));
		fprintf(f, "  %s", form);
		for (h = opts[*id].help; h; h = nl ? nl + 1 : NULL) {
			nl = strchr(h, '\n');
			if (n >= 21) {
				fputc('\n', f);
				n = 0;
			}
			fprintf(f, "%*s%.*s\n", 22 - n, "", nl ? (int)(nl - h) : (int)strlen(h), h);
			n = 0;
		}
	}
	fprintf(f, "\nExit status:\n%s",
		cmd->exit_status ? cmd->exit_status :
				   "  0  done\n  1  it failed (the message says why)\n"
				   "  2  the command line is wrong\n");
}

static void say(const struct cli_cmd *cmd, const char *fmt, const char *a)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, a);
	log_error("%s: %s (see 'siosteer %s --help')", cmd->name, msg, cmd->name);
}

/* Store a parsed value; -1 after one line if it is out of range or unknown. */
static int set_value(const struct cli_cmd *cmd, const struct cli_opt *o, const char *arg,
		     struct cli *c)
{
	char *base = (char *)c, *end;
	const struct cli_enum *e;
	double d;
	long v;
	int *count;

	switch (o->type) {
	case CLI_FLAG:
		*(bool *)(base + o->off) = true;
		break;
	case CLI_INT:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v < (long)o->min || v > (long)o->max) {
			log_error("%s: --%s: '%s' is not a whole number from %ld to %ld", cmd->name,
				  o->name, arg, (long)o->min, (long)o->max);
			return -1;
		}
		if (o->size == sizeof(__u16))
			*(__u16 *)(base + o->off) = (__u16)v;
		else
			*(int *)(base + o->off) = (int)v; /* int and __u32 fields alike */
		break;
	case CLI_SECONDS:
		errno = 0;
		d = strtod(arg, &end);
		if (errno || end == arg || *end || !isfinite(d) || d < o->min || d > o->max) {
			log_error("%s: --%s: '%s' is not a number of seconds from %g to %g",
				  cmd->name, o->name, arg, o->min, o->max);
			return -1;
		}
		*(double *)(base + o->off) = d;
		break;
	case CLI_STRING:
		*(const char **)(base + o->off) = arg;
		break;
	case CLI_ENUM:
		for (e = o->names; e->name; e++)
			if (!strcmp(e->name, arg))
				break;
		if (!e->name) {
			char forms[64];

			opt_form(o, forms, sizeof(forms));
			log_error("%s: --%s: '%s' is not one of %s", cmd->name, o->name, arg,
				  strchr(forms, ' ') + 1);
			return -1;
		}
		*(int *)(base + o->off) = e->value;
		break;
	case CLI_LIST:
		count = (int *)(base + o->aux);
		if (*count >= (int)o->max) {
			log_error("%s: at most %d values for --%s", cmd->name, (int)o->max,
				  o->name);
			return -1;
		}
		((const char **)(base + o->off))[(*count)++] = arg;
		break;
	case CLI_CLUSTER:
		c->cluster = arg && *arg ? arg : getenv("SIOSTEER_CLUSTER");
		if (!c->cluster || !*c->cluster)
			c->cluster = "default";
		break;
	case CLI_VERBOSE:
	case CLI_HELP:
		break;
	}
	if (o->aux && o->type != CLI_LIST)
		*(bool *)(base + o->aux) = true;
	return 0;
}

int cli_parse(int argc, char **argv, const struct cli_cmd *cmd, struct cli *c)
{
	struct option lo[OPT_COUNT + 2];
	const enum cli_opt_id *id;
	char shorts[16] = "+:"; /* '+': options end at the first operand, where asked;
				 * ':': a missing value is reported as such */
	int n = 0, ns = 2, o, idx;

	if (!cmd->stop_at_operand)
		memmove(shorts, shorts + 1, sizeof(shorts) - 1), ns = 1;
	for (id = cmd->opts; *id != OPT_END; id++) {
		const struct cli_opt *op = &opts[*id];

		lo[n++] = (struct option){ op->name,
					   op->type == CLI_CLUSTER ? optional_argument :
					   (op->type == CLI_FLAG || op->type == CLI_VERBOSE ||
					    op->type == CLI_HELP) ?
								     no_argument :
								     required_argument,
					   NULL, *id };
		if (*id == OPT_TO)
			lo[n++] = (struct option){ "in", required_argument, NULL, OPT_TO };
		if (op->short_name && ns < (int)sizeof(shorts) - 1)
			shorts[ns++] = op->short_name;
	}
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
	shorts[ns] = '\0';

	/* Under --json even a command-line error is JSON: look for it before parsing. */
	for (id = cmd->opts; *id != OPT_END; id++)
		if (*id == OPT_JSON)
			for (o = 1; o < argc && strcmp(argv[o], "--"); o++)
				if (!strcmp(argv[o], "--json"))
					json_out_errors();

	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, shorts, lo, &idx)) != -1) {
		const struct cli_opt *op = NULL;

		if (o == ':') {
			say(cmd, "option '%s' needs a value", argv[optind - 1]);
			return -1;
		}
		if (o == '?') {
			if (optopt && optopt < 256)
				log_error("%s: unknown option '-%c' (see 'siosteer %s --help')",
					  cmd->name, optopt, cmd->name);
			else
				say(cmd, "unknown option '%s'", argv[optind - 1]);
			return -1;
		}
		if (o > OPT_END && o < OPT_COUNT) {
			op = &opts[o];
		} else {
			for (id = cmd->opts; *id != OPT_END; id++)
				if (opts[*id].short_name == o)
					op = &opts[*id];
		}
		if (!op)
			continue;
		if (op->type == CLI_HELP) {
			cli_usage(cmd, stdout);
			return 1;
		}
		if (op->type == CLI_VERBOSE) {
			log_set_level(LOG_DEBUG);
			continue;
		}
		if (op->type == CLI_CLUSTER && !optarg && optind < argc && argv[optind][0] != '-' &&
		    strspn(argv[optind], "0123456789") != strlen(argv[optind]) &&
		    !cmd->stop_at_operand)
			optarg = argv[optind++]; /* `--cluster NAME` too */
		if (set_value(cmd, op, optarg, c))
			return -1;
	}
	c->first_arg = optind;
	return 0;
}

int cli_no_operands(int argc, char **argv, const struct cli_cmd *cmd, const struct cli *c)
{
	if (c->first_arg < argc) {
		say(cmd, "unexpected argument '%s'", argv[c->first_arg]);
		return -1;
	}
	return 0;
}

int cli_ifindex(const char *ifname)
{
	unsigned idx;

	if (strlen(ifname) >= IF_NAMESIZE) {
		log_error("interface name '%s' is too long", ifname);
		return -1;
	}
	idx = if_nametoindex(ifname);
	if (!idx) {
		log_error("no interface named '%s' in this network namespace", ifname);
		return -1;
	}
	return (int)idx;
}

void cli_note_cookies(struct cli *c, enum siosteer_cookies taken)
{
	c->steer.cookies = taken;
	if (c->gate_set && taken == SIOSTEER_COOKIES_BPF)
		log_warn("--gate has no effect on the bpf cookie route: its program holds bare "
			 "handshake ACKs back itself (--cookies sysctl uses the gate)");
}

const char *cli_describe_key(const struct cli *c)
{
	static char buf[160];

	if (c->steer.key == SIOSTEER_KEY_SID)
		snprintf(buf, sizeof(buf),
			 "key sid on %s, new sessions by %s, fallback /%u IPv4 /%u IPv6, %s",
			 c->steer.ifname, cli_enum_name(OPT_PLACE, c->steer.place),
			 c->steer.prefix4, c->steer.prefix6,
			 c->steer.cookies == SIOSTEER_COOKIES_BPF ? "bpf cookies" :
			 c->steer.gate == SIOSTEER_GATE_TC        ? "sysctl cookies, tc gate" :
								    "sysctl cookies, XDP gate");
	else
		snprintf(buf, sizeof(buf), "key addr, /%u IPv4, /%u IPv6", c->steer.prefix4,
			 c->steer.prefix6);
	return buf;
}
