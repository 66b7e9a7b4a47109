/* SPDX-License-Identifier: MIT */
/* Options shared by the commands that steer a port (run, attach) and those that read it. */
#ifndef SIOSTEER_OPTS_H
#define SIOSTEER_OPTS_H

#include <getopt.h>
#include <stdbool.h>

#include "loader.h"

struct cli {
	struct siosteer_opts steer;	/* port, key, prefixes, pin root, interface */
	int workers;			/* run */
	const char *bind_addr;		/* run */
	double interval;		/* attach: seconds between socket scans */
	int stop_timeout;		/* run: seconds between SIGTERM and SIGKILL */
	bool json;
	int limit;			/* sessions: rows to print */
	bool port_set;
	bool place_set;
	char **cmd;			/* run: worker command after -- */
	/* Redis bridge (run, attach) and cluster-wide commands */
	const char *redis;		/* --redis URL */
	const char *cluster;		/* --cluster NAME (default "default") */
	bool cluster_set;
	const char *node;		/* --node ID (default: the host name) */
	double sid_ttl;			/* --sid-ttl S */
	int slot;			/* --slot N, -1 when not given */
	const char *sid;		/* sessions --sid */
	double wait;			/* drain/undrain/weight: seconds to wait for it to apply */
};

/* Long options every command accepts; IDs above 255 so they never clash with letters. */
enum {
	OPT_PORT = 256, OPT_KEY, OPT_PREFIX4, OPT_PREFIX6, OPT_PIN_ROOT, OPT_IFACE,
	OPT_WORKERS, OPT_BIND, OPT_INTERVAL, OPT_JSON, OPT_STOP_TIMEOUT, OPT_HELP, OPT_VERBOSE,
	OPT_PLACE, OPT_GATE, OPT_SESSIONS_MAX, OPT_LIMIT,
	OPT_REDIS, OPT_CLUSTER, OPT_NODE, OPT_SID_TTL, OPT_SLOT, OPT_SID, OPT_WAIT,
};

/* Options that choose how a port is steered, shared by run and attach (help and table). */
#define CLI_STEER_HELP                                                                      \
	"  --key addr|sid    steer by client address (default), or by engine.io session id\n"  \
	"                    read from each connection's first request (needs the interface)\n" \
	"  --prefix4 B       IPv4 prefix length of the address key (default 32)\n"              \
	"  --prefix6 B       IPv6 prefix length of the address key (default 128)\n"             \
	"  --place POLICY    sid mode: where a request without sid (a new session, a page)\n"  \
	"                    goes: least-loaded (default), random, or addr (the address key)\n" \
	"  --gate xdp|tc     sid mode: how bare handshake ACKs are held back (default xdp)\n"   \
	"  --sessions-max N  sid mode: learned sessions kept, oldest evicted (default 1048576)\n"
/* The Redis bridge of run and attach. */
#define CLI_BRIDGE_HELP                                                                     \
	"  --redis URL       join a cluster through Redis: publish learned sessions, slots\n"  \
	"                    and load, obey drain/weight commands (redis://[user:pass@]host\n" \
	"                    [:port][/db] or unix:///path); steering never waits for it\n"    \
	"  --cluster NAME    cluster name in Redis (default: default)\n"                       \
	"  --node ID         this node's name in the cluster (default: the host name)\n"       \
	"  --sid-ttl S       seconds a published session lives unless renewed (default 60)\n"
#define CLI_BRIDGE_OPTIONS                                                                  \
	{ "redis", required_argument, NULL, OPT_REDIS },                                    \
	{ "cluster", required_argument, NULL, OPT_CLUSTER },                                \
	{ "node", required_argument, NULL, OPT_NODE },                                      \
	{ "sid-ttl", required_argument, NULL, OPT_SID_TTL }
#define CLI_COMMON_HELP                                                                     \
	"  --pin-root DIR    bpffs directory for pins (default $SIOSTEER_PIN_ROOT or\n"         \
	"                    /sys/fs/bpf/siosteer)\n"                                           \
	"  -v, --verbose     debug logging\n"                                                  \
	"  -h, --help        this text\n"
#define CLI_STEER_OPTIONS                                                                   \
	{ "port", required_argument, NULL, OPT_PORT },                                      \
	{ "key", required_argument, NULL, OPT_KEY },                                        \
	{ "prefix4", required_argument, NULL, OPT_PREFIX4 },                                \
	{ "prefix6", required_argument, NULL, OPT_PREFIX6 },                                \
	{ "place", required_argument, NULL, OPT_PLACE },                                    \
	{ "gate", required_argument, NULL, OPT_GATE },                                      \
	{ "sessions-max", required_argument, NULL, OPT_SESSIONS_MAX },                      \
	{ "pin-root", required_argument, NULL, OPT_PIN_ROOT },                              \
	{ "verbose", no_argument, NULL, OPT_VERBOSE },                                      \
	{ "help", no_argument, NULL, OPT_HELP }

/*
 * Parse argv with the given long options (getopt_long). Unknown options and bad values
 * print one line and return -1; --help prints `usage` and returns 1.
 */
int cli_parse(int argc, char **argv, const struct option *longopts, const char *usage,
	      struct cli *c);
void cli_defaults(struct cli *c);
/* Check combinations after parsing (e.g. --key sid needs an interface). 0 or -1. */
int cli_check_steer(struct cli *c);
/* "key sid on eth0, ..." for log lines. */
const char *cli_describe_key(const struct cli *c);
/* run/attach: check --redis/--cluster/--node/--sid-ttl together; fills the defaults. */
int cli_check_bridge(struct cli *c);
/* Validate an interface name and return its index, or print one line and return -1. */
int cli_ifindex(const char *ifname);

#endif
