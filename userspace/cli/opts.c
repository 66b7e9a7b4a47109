// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>

#include "opts.h"
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

int cli_check_steer(struct cli *c)
{
	if (c->steer.key == SIOSTEER_KEY_SID) {
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
	if (c->place_set || c->steer.sessions_max) {
		log_error("--place and --sessions-max only apply to --key sid");
		return -1;
	}
	if (c->steer.ifname)
		return cli_ifindex(c->steer.ifname) < 0 ? -1 : 0;
	return 0;
}

static int parse_uint(const char *opt, const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		log_error("%s: '%s' is not a whole number from %ld to %ld", opt, s, min, max);
		return -1;
	}
	*out = v;
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

int cli_parse(int argc, char **argv, const struct option *longopts, const char *usage,
	      struct cli *c)
{
	long v;
	int o;

	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+hv", longopts, NULL)) != -1) {
		switch (o) {
		case OPT_PORT:
			if (parse_uint("--port", optarg, 1, 65535, &v))
				return -1;
			c->steer.port = (__u16)v;
			c->port_set = true;
			break;
		case OPT_KEY:
			if (!strcmp(optarg, "addr")) {
				c->steer.key = SIOSTEER_KEY_ADDR;
			} else if (!strcmp(optarg, "sid")) {
				c->steer.key = SIOSTEER_KEY_SID;
			} else {
				log_error("--key: '%s' is not a key (addr or sid)", optarg);
				return -1;
			}
			break;
		case OPT_PREFIX4:
			if (parse_uint("--prefix4", optarg, 0, 32, &v))
				return -1;
			c->steer.prefix4 = (__u32)v;
			break;
		case OPT_PREFIX6:
			if (parse_uint("--prefix6", optarg, 0, 128, &v))
				return -1;
			c->steer.prefix6 = (__u32)v;
			break;
		case OPT_PIN_ROOT:
			c->steer.pin_root = optarg;
			break;
		case OPT_IFACE:
			c->steer.ifname = optarg;
			break;
		case OPT_WORKERS:
			if (parse_uint("--workers", optarg, 1, SIOSTEER_MAX_SLOTS, &v))
				return -1;
			c->workers = (int)v;
			break;
		case OPT_BIND:
			c->bind_addr = optarg;
			break;
		case OPT_INTERVAL: {
			char *end;

			c->interval = strtod(optarg, &end);
			if (*end || c->interval < 0.05 || c->interval > 60) {
				log_error("--interval: '%s' is not a number of seconds from 0.05 to 60",
					  optarg);
				return -1;
			}
			break;
		}
		case OPT_STOP_TIMEOUT:
			if (parse_uint("--stop-timeout", optarg, 0, 3600, &v))
				return -1;
			c->stop_timeout = (int)v;
			break;
		case OPT_PLACE:
			if (!strcmp(optarg, "addr")) {
				c->steer.place = SIOSTEER_PLACE_ADDR;
			} else if (!strcmp(optarg, "least-loaded")) {
				c->steer.place = SIOSTEER_PLACE_LEAST;
			} else if (!strcmp(optarg, "random")) {
				c->steer.place = SIOSTEER_PLACE_RANDOM;
			} else {
				log_error("--place: '%s' is not a policy (addr, least-loaded or "
					  "random)", optarg);
				return -1;
			}
			c->place_set = true;
			break;
		case OPT_GATE:
			if (!strcmp(optarg, "xdp")) {
				c->steer.gate = SIOSTEER_GATE_XDP;
			} else if (!strcmp(optarg, "tc")) {
				c->steer.gate = SIOSTEER_GATE_TC;
			} else {
				log_error("--gate: '%s' is not a gate (xdp or tc)", optarg);
				return -1;
			}
			break;
		case OPT_SESSIONS_MAX:
			if (parse_uint("--sessions-max", optarg, 1024, 1L << 26, &v))
				return -1;
			c->steer.sessions_max = (__u32)v;
			break;
		case OPT_LIMIT:
			if (parse_uint("--limit", optarg, 0, 1L << 30, &v))
				return -1;
			c->limit = (int)v;
			break;
		case OPT_JSON:
			c->json = true;
			break;
		case OPT_REDIS:
			c->redis = optarg;
			break;
		case OPT_CLUSTER:
			/* --cluster[=NAME]; also `--cluster NAME` where the name is optional. */
			if (!optarg && optind < argc && argv[optind][0] != '-' &&
			    strspn(argv[optind], "0123456789") != strlen(argv[optind]))
				optarg = argv[optind++];
			c->cluster = optarg ? optarg : getenv("SIOSTEER_CLUSTER");
			if (!c->cluster || !*c->cluster)
				c->cluster = "default";
			c->cluster_set = true;
			break;
		case OPT_NODE:
			c->node = optarg;
			break;
		case OPT_SID_TTL: {
			char *end;

			c->sid_ttl = strtod(optarg, &end);
			if (*end || !(c->sid_ttl >= 3 && c->sid_ttl <= 86400)) {
				log_error("--sid-ttl: '%s' is not a number of seconds from 3 to 86400",
					  optarg);
				return -1;
			}
			break;
		}
		case OPT_SLOT:
			if (parse_uint("--slot", optarg, 0, SIOSTEER_MAX_SLOTS - 1, &v))
				return -1;
			c->slot = (int)v;
			break;
		case OPT_SID:
			c->sid = optarg;
			break;
		case OPT_WAIT: {
			char *end;

			c->wait = strtod(optarg, &end);
			if (*end || !(c->wait >= 0 && c->wait <= 60)) {
				log_error("--wait: '%s' is not a number of seconds from 0 to 60", optarg);
				return -1;
			}
			break;
		}
		case 'v':
		case OPT_VERBOSE:
			log_set_level(LOG_DEBUG);
			break;
		case 'h':
		case OPT_HELP:
			fputs(usage, stdout);
			return 1;
		case ':':
			log_error("option %s needs a value (see --help)", argv[optind - 1]);
			return -1;
		default:
			log_error("unknown option '%s' (see --help)", argv[optind - 1]);
			return -1;
		}
	}
	return 0;
}

const char *cli_describe_key(const struct cli *c)
{
	static const char *const place[] = { "addr", "least-loaded", "random" };
	static char buf[160];

	if (c->steer.key == SIOSTEER_KEY_SID)
		snprintf(buf, sizeof(buf),
			 "key sid on %s, new sessions by %s, fallback /%u IPv4 /%u IPv6, %s gate",
			 c->steer.ifname, place[c->steer.place % 3], c->steer.prefix4,
			 c->steer.prefix6, c->steer.gate == SIOSTEER_GATE_TC ? "tc" : "XDP");
	else
		snprintf(buf, sizeof(buf), "key addr, /%u IPv4, /%u IPv6", c->steer.prefix4,
			 c->steer.prefix6);
	return buf;
}
