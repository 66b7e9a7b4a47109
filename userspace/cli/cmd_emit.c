// SPDX-License-Identifier: MIT
/*
 * siosteer emit / join / leave / disconnect: talk to Socket.IO clients from a shell,
 * through Redis, as @socket.io/redis-emitter does (see siosteer_emit.h for the wire
 * format). Every Socket.IO server using @socket.io/redis-adapter delivers it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "log.h"
#include "opts.h"
#include "siosteer_emit.h"
#include "redis_url.h"

static const enum cli_opt_id emit_opts[] = {
	OPT_EMIT_REDIS,  OPT_NSP,     OPT_TO,    OPT_EXCEPT,  OPT_VOLATILE, OPT_CLOSE,
	OPT_ADAPTER_KEY, OPT_TIMEOUT, OPT_QUIET, OPT_VERBOSE, OPT_HELP,     OPT_END,
};

#define EMIT_USAGE                                                                     \
	"siosteer emit [OPTIONS] EVENT [JSON]...\n"                                    \
	"       siosteer join [OPTIONS] ROOM...        matching sockets join ROOMs\n"  \
	"       siosteer leave [OPTIONS] ROOM...       matching sockets leave ROOMs\n" \
	"       siosteer disconnect [OPTIONS] [--close] matching sockets are disconnected"
#define EMIT_ABOUT                                                                            \
	"Reach the clients of every Socket.IO server that uses @socket.io/redis-adapter\n"    \
	"(v8; the format of @socket.io/redis-emitter v5). Each JSON argument is one value:\n" \
	"  siosteer emit --to room42 chat '{\"text\":\"hi\"}' 7\n"                            \
	"Options come before EVENT or ROOM. Prints how many Redis subscribers (Socket.IO\n"   \
	"servers) received the message."
#define EMIT_EXIT                                                              \
	"  0  sent (a warning says so when no Socket.IO server received it)\n" \
	"  1  Redis could not be reached or refused the command\n"             \
	"  2  the command line is wrong (bad JSON included)\n"
#define EMIT_CMD(n)                                                                     \
	{                                                                               \
		.name = n, .usage = EMIT_USAGE, .about = EMIT_ABOUT, .opts = emit_opts, \
		.exit_status = EMIT_EXIT, .stop_at_operand = true                       \
	}

const struct cli_cmd cli_cmd_emit = EMIT_CMD("emit");
static const struct cli_cmd emit_cmds[] = { EMIT_CMD("join"), EMIT_CMD("leave"),
					    EMIT_CMD("disconnect") };

static void describe_target(const struct siosteer_emit_target *t, char *buf, size_t len)
{
	size_t i, n;

	n = (size_t)snprintf(buf, len, "namespace %s", t->nsp ? t->nsp : "/");
	for (i = 0; i < t->nrooms && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : ", rooms ", t->rooms[i]);
	for (i = 0; i < t->nexcept && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : ", except ",
				      t->except[i]);
}

/* What each verb needs and allows; one line and non-zero if the command line is off. */
static int check_operands(const char *verb, int operands, const struct siosteer_emit_target *t,
			  bool close_conn)
{
	if (!strcmp(verb, "emit") && operands < 1) {
		log_error("emit: needs an EVENT name (see 'siosteer emit --help')");
		return -1;
	}
	if ((!strcmp(verb, "join") || !strcmp(verb, "leave")) && operands < 1) {
		log_error("%s: needs at least one ROOM (see 'siosteer %s --help')", verb, verb);
		return -1;
	}
	if (!strcmp(verb, "disconnect") && operands > 0) {
		log_error("disconnect: takes no operands, only --to/--except (see 'siosteer "
			  "disconnect --help')");
		return -1;
	}
	if (close_conn && strcmp(verb, "disconnect")) {
		log_error("%s: --close only applies to disconnect", verb);
		return -1;
	}
	if (t->volatile_msg && strcmp(verb, "emit")) {
		log_error("%s: --volatile only applies to emit", verb);
		return -1;
	}
	return 0;
}

int cmd_emit(int argc, char **argv)
{
	const char *verb = argv[0], *url, *key;
	const struct cli_cmd *cmd = &cli_cmd_emit;
	struct siosteer_emit_target t = { 0 };
	struct siosteer_emitter *e;
	bool quiet, close_conn;
	double timeout;
	char err[512], what[1024];
	struct cli c;
	size_t i;
	long n;
	int op;

	for (i = 0; i < sizeof(emit_cmds) / sizeof(emit_cmds[0]); i++)
		if (!strcmp(verb, emit_cmds[i].name))
			cmd = &emit_cmds[i];
	cli_defaults(&c);
	n = cli_parse(argc, argv, cmd, &c);
	if (n)
		return n > 0 ? 0 : 2;
	url = c.redis;
	key = c.adapter_key;
	quiet = c.quiet;
	close_conn = c.close_conn;
	timeout = c.timeout;
	t.nsp = c.nsp;
	t.rooms = c.to;
	t.nrooms = (size_t)c.nto;
	t.except = c.except;
	t.nexcept = (size_t)c.nexcept;
	t.volatile_msg = c.volatile_msg;
	op = c.first_arg;
	if (op < argc && !strcmp(argv[op], "--"))
		op++;
	if (check_operands(verb, argc - op, &t, close_conn))
		return 2;
	url = redis_default_url(url);
	/* A Redis that closes the connection under a write must give an error, not a signal. */
	signal(SIGPIPE, SIG_IGN);

	/* Check the arguments before connecting: bad JSON is the caller's mistake, not Redis'. */
	if (!strcmp(verb, "emit")) {
		char *ch, *msg;
		size_t len;

		if (siosteer_emit_encode(key, &t, argv[op], (const char *const *)argv + op + 1,
					 (size_t)(argc - op - 1), &ch, &msg, &len, err,
					 sizeof(err))) {
			log_error("%s", err);
			return 2;
		}
		free(ch);
		free(msg);
	}
	{
		struct redis_url u;

		if (redis_url_parse(url, &u, err, sizeof(err))) {
			log_error("%s", err);
			return 2;
		}
	}
	if (siosteer_emitter_open(url, key, timeout, &e, err, sizeof(err))) {
		log_error("%s", err);
		return 1;
	}
	describe_target(&t, what, sizeof(what));
	if (!strcmp(verb, "emit"))
		n = siosteer_emit(e, &t, argv[op], (const char *const *)argv + op + 1,
				  (size_t)(argc - op - 1));
	else if (!strcmp(verb, "join"))
		n = siosteer_sockets_join(e, &t, (const char *const *)argv + op,
					  (size_t)(argc - op));
	else if (!strcmp(verb, "leave"))
		n = siosteer_sockets_leave(e, &t, (const char *const *)argv + op,
					   (size_t)(argc - op));
	else
		n = siosteer_disconnect_sockets(e, &t, close_conn);
	if (n < 0) {
		log_error("%s", siosteer_emitter_error(e));
		siosteer_emitter_close(e);
		return 1;
	}
	siosteer_emitter_close(e);
	if (n == 0)
		log_warn("%s: no Socket.IO server received it (%s): none subscribed; check --nsp, "
			 "--adapter-key and the Redis database",
			 verb, what);
	else if (!quiet)
		printf("%s: %ld Socket.IO server%s received it (%s)\n", verb, n, n == 1 ? "" : "s",
		       what);
	return 0;
}
