// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>

#include "opts.h"
#include "log.h"

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
				log_error("--key sid: sid steering is not built yet; use --key addr");
				return -1;
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
		case OPT_JSON:
			c->json = true;
			break;
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
