/* SPDX-License-Identifier: MIT */
/*
 * The command line, declared once: every option siosteer knows is one row of a table
 * (name, type, where the value goes, range or names, help), and every command is a
 * struct cli_cmd naming the rows it accepts. One parser reads argv against it, and the
 * same rows print --help (Usage, Options, Exit status) and turn enum values into names.
 */
#ifndef SIOSTEER_OPTS_H
#define SIOSTEER_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "loader.h"

#define CLI_MAX_ROOMS 256

/* Everything any command can be told; each command reads the fields of its options. */
struct cli {
	struct siosteer_opts steer; /* port, key, prefixes, pin root, interface */
	int workers; /* run */
	const char *bind_addr; /* run */
	double interval; /* attach: seconds between socket scans */
	int stop_timeout; /* run: seconds between SIGTERM and SIGKILL */
	bool json;
	int limit; /* sessions: rows to print */
	bool port_set;
	bool place_set;
	bool cookies_set;
	bool gate_set;
	char **cmd; /* run: worker command after -- */
	/* Redis bridge (run, attach) and cluster-wide commands */
	const char *redis; /* --redis URL */
	const char *cluster; /* --cluster NAME (default "default") */
	bool cluster_set;
	const char *node; /* --node ID (default: the host name) */
	double sid_ttl; /* --sid-ttl S */
	int slot; /* --slot N, -1 when not given */
	const char *sid; /* sessions --sid */
	double wait; /* drain/undrain/weight: seconds to wait for it to apply */
	double seconds; /* cost: the measuring window */
	/* emit, join, leave, disconnect */
	const char *nsp;
	const char *to[CLI_MAX_ROOMS];
	int nto;
	const char *except[CLI_MAX_ROOMS];
	int nexcept;
	bool volatile_msg;
	bool close_conn;
	const char *adapter_key;
	double timeout;
	bool quiet;
	/* what was parsed: argv[first_arg..argc) are the operands */
	int first_arg;
};

/* Option ids: a command lists the ones it accepts. */
enum cli_opt_id {
	OPT_END = 0,
	OPT_PORT,
	OPT_WORKERS,
	OPT_KEY,
	OPT_PREFIX4,
	OPT_PREFIX6,
	OPT_PLACE,
	OPT_GATE,
	OPT_COOKIES,
	OPT_SESSIONS_MAX,
	OPT_IFACE,
	OPT_BIND,
	OPT_STOP_TIMEOUT,
	OPT_INTERVAL,
	OPT_REDIS,
	OPT_CLUSTER,
	OPT_CLUSTER_ARG,
	OPT_NODE,
	OPT_SID_TTL,
	OPT_SLOT,
	OPT_WAIT,
	OPT_SID,
	OPT_LIMIT,
	OPT_SECONDS,
	OPT_JSON,
	OPT_NSP,
	OPT_TO,
	OPT_EXCEPT,
	OPT_VOLATILE,
	OPT_CLOSE,
	OPT_ADAPTER_KEY,
	OPT_TIMEOUT,
	OPT_QUIET,
	OPT_EMIT_REDIS,
	OPT_PIN_ROOT,
	OPT_VERBOSE,
	OPT_HELP,
	OPT_COUNT
};

/* A command: what --help prints around the generated Options, and what it accepts. */
struct cli_cmd {
	const char *name; /* as typed: "status" */
	const char *usage; /* the Usage lines, without "Usage: " on the first */
	const char *about; /* what it does: a paragraph (or several) */
	const enum cli_opt_id *opts; /* OPT_END-terminated */
	const char *exit_status; /* NULL: 0 done, 1 failed, 2 usage */
	bool stop_at_operand; /* options end at the first operand (run's CMD, emit's EVENT) */
};

/* Exit statuses every command shares. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_USAGE = 2 };

/*
 * Parse argv (argv[0] is the command's name) with the command's options. Returns 0 when
 * the command should run (operands from c->first_arg), 1 after printing --help (exit 0),
 * -1 after one line naming the problem (exit 2).
 */
int cli_parse(int argc, char **argv, const struct cli_cmd *cmd, struct cli *c);
/* The command's --help text, generated from its rows, on f. */
void cli_usage(const struct cli_cmd *cmd, FILE *f);
/* No operands allowed: one line and -1 if there are some. */
int cli_no_operands(int argc, char **argv, const struct cli_cmd *cmd, const struct cli *c);
void cli_defaults(struct cli *c);
/* Check combinations after parsing (e.g. --key sid needs an interface). 0 or -1. */
int cli_check_steer(struct cli *c);
/* "key sid on eth0, ..." for log lines. */
const char *cli_describe_key(const struct cli *c);
/* run/attach: check --redis/--cluster/--node/--sid-ttl together; fills the defaults. */
int cli_check_bridge(struct cli *c);
/* Validate an interface name and return its index, or print one line and return -1. */
int cli_ifindex(const char *ifname);
/* After siosteer_open: record the cookie route it took in c (for cli_describe_key) and
 * warn about a --gate that route does not use. */
void cli_note_cookies(struct cli *c, enum siosteer_cookies taken);

/* The name of an enum value of an option (--key, --place, --gate), "?" if none. */
const char *cli_enum_name(enum cli_opt_id id, int value);

/* Every command's table entry (in their cmd_*.c files), for main and the tests. */
extern const struct cli_cmd cli_cmd_run, cli_cmd_attach, cli_cmd_detach, cli_cmd_status,
	cli_cmd_sessions, cli_cmd_cost, cli_cmd_emit, cli_cmd_drain;

#endif
