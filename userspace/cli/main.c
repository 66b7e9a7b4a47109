// SPDX-License-Identifier: MIT
/* siosteer: sticky Socket.IO sessions steered inside the kernel. Command dispatch. */
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "commands.h"
#include "log.h"

#ifndef SIOSTEER_VERSION
#define SIOSTEER_VERSION "0.1.0"
#endif

static const char usage[] =
	"Usage: siosteer COMMAND [OPTIONS]\n"
	"\n"
	"Keeps every connection of a Socket.IO (engine.io) session on the worker that owns it,\n"
	"with an sk_reuseport BPF program in the kernel and no proxy in between.\n"
	"\n"
	"Commands:\n"
	"  run     --port P --workers N [...] -- CMD [ARGS...]\n"
	"          create N SO_REUSEPORT sockets, steer them, start CMD once per socket (fd 3)\n"
	"  attach  IFACE --port P [...]   steer workers that bind P with SO_REUSEPORT themselves\n"
	"  detach  IFACE --port P         undo attach: detach the program, remove the pins\n"
	"  status  [--port P] [--json]    slots, owners, counters, table generation (from pins)\n"
	"  sessions --port P [--json]     sessions learned by sid steering, per-slot totals\n"
	"  cost    --port P [--seconds S] ns per run of the port's BPF programs (BPF stats)\n"
	"  emit    [--to ROOM]... EVENT [JSON]...  send to Socket.IO clients through Redis\n"
	"          (and join, leave, disconnect ROOM...: act on sockets; see 'emit --help')\n"
	"  drain|undrain --port P [--slot N]   no new sessions for a slot (or back)\n"
	"  weight  --port P --slot N W    share of new sessions; all three take --cluster\n"
	"          (run/attach --redis URL: cluster membership, session directory, control)\n"
	"\n"
	"Run 'siosteer COMMAND --help' for a command's options; man 8 siosteer for all.\n";

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char msg[512];
	va_list copy;

	/* libbpf's warnings explain load failures (verifier log); its debug output is for -v. */
	if (level == LIBBPF_DEBUG && log_get_level() < LOG_DEBUG)
		return 0;
	/* The clsact qdisc often exists already (an earlier agent, other tools): libbpf
	 * relays the kernel's EEXIST message, which is expected and says nothing wrong. */
	va_copy(copy, ap);
	vsnprintf(msg, sizeof(msg), fmt, copy);
	va_end(copy);
	if (log_get_level() < LOG_DEBUG && strstr(msg, "Exclusivity flag on"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "run", cmd_run },         { "attach", cmd_attach },     { "detach", cmd_detach },
		{ "status", cmd_status },   { "sessions", cmd_sessions }, { "cost", cmd_cost },
		{ "emit", cmd_emit },       { "join", cmd_emit },         { "leave", cmd_emit },
		{ "disconnect", cmd_emit }, { "drain", cmd_drain },       { "undrain", cmd_drain },
		{ "weight", cmd_drain },
	};
	size_t i;

	libbpf_set_print(libbpf_log);
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("siosteer %s\n", SIOSTEER_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	log_error("unknown command '%s' (see 'siosteer --help')", argv[1]);
	return 2;
}
