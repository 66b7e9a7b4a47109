// SPDX-License-Identifier: MIT
/*
 * siosteer emit / join / leave / disconnect: talk to Socket.IO clients from a shell,
 * through Redis, as @socket.io/redis-emitter does (see siosteer_emit.h for the wire
 * format). Every Socket.IO server using @socket.io/redis-adapter delivers it.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "log.h"
#include "siosteer_emit.h"
#include "redis_url.h"

#define MAX_ROOMS 256

static const char emit_usage[] =
	"Usage: siosteer emit [OPTIONS] EVENT [JSON]...\n"
	"       siosteer join [OPTIONS] ROOM...        matching sockets join ROOMs\n"
	"       siosteer leave [OPTIONS] ROOM...       matching sockets leave ROOMs\n"
	"       siosteer disconnect [OPTIONS] [--close] matching sockets are disconnected\n"
	"\n"
	"Reach the clients of every Socket.IO server that uses @socket.io/redis-adapter\n"
	"(v8; the format of @socket.io/redis-emitter v5). Each JSON argument is one value:\n"
	"  siosteer emit --to room42 chat '{\"text\":\"hi\"}' 7\n"
	"Options come before EVENT or ROOM:\n"
	"  --redis URL        redis://[[user]:password@]host[:port][/db] or unix:///path\n"
	"                     (default $SIOSTEER_REDIS, else redis://127.0.0.1:6379)\n"
	"  --nsp NSP          namespace (default /)\n"
	"  --to ROOM          only sockets in ROOM (repeatable: any of them; a socket id is a\n"
	"                     room); default every socket of the namespace\n"
	"  --except ROOM      not the sockets in ROOM (repeatable)\n"
	"  --volatile         emit: the message may be dropped for clients that are not ready\n"
	"  --close            disconnect: also close the underlying connection\n"
	"  --adapter-key KEY  the adapter's `key` option (default socket.io)\n"
	"  --timeout S        seconds to wait for Redis (default 2)\n"
	"  -q, --quiet        print nothing on success\n"
	"Prints how many Redis subscribers (Socket.IO servers) received the message.\n";

enum { E_REDIS = 300, E_NSP, E_TO, E_EXCEPT, E_VOLATILE, E_CLOSE, E_KEY, E_TIMEOUT, E_QUIET,
       E_HELP };

static const struct option longopts[] = {
	{ "redis", required_argument, NULL, E_REDIS },
	{ "nsp", required_argument, NULL, E_NSP },
	{ "to", required_argument, NULL, E_TO },
	{ "in", required_argument, NULL, E_TO },
	{ "except", required_argument, NULL, E_EXCEPT },
	{ "volatile", no_argument, NULL, E_VOLATILE },
	{ "close", no_argument, NULL, E_CLOSE },
	{ "adapter-key", required_argument, NULL, E_KEY },
	{ "timeout", required_argument, NULL, E_TIMEOUT },
	{ "quiet", no_argument, NULL, E_QUIET },
	{ "help", no_argument, NULL, E_HELP },
	{ NULL, 0, NULL, 0 },
};

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

int cmd_emit(int argc, char **argv)
{
	const char *verb = argv[0], *url = NULL, *key = NULL;
	const char *to[MAX_ROOMS], *except[MAX_ROOMS];
	struct siosteer_emit_target t = { .rooms = to, .except = except };
	struct siosteer_emitter *e;
	bool quiet = false, close_conn = false;
	double timeout = 2.0;
	char err[512], what[1024];
	long n;
	int o;

	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+hq", longopts, NULL)) != -1) {
		switch (o) {
		case E_REDIS:
			url = optarg;
			break;
		case E_NSP:
			t.nsp = optarg;
			break;
		case E_TO:
		case E_EXCEPT:
			if ((o == E_TO ? t.nrooms : t.nexcept) >= MAX_ROOMS) {
				log_error("at most %d rooms for --to and --except each", MAX_ROOMS);
				return 2;
			}
			if (o == E_TO)
				to[t.nrooms++] = optarg;
			else
				except[t.nexcept++] = optarg;
			break;
		case E_VOLATILE:
			t.volatile_msg = true;
			break;
		case E_CLOSE:
			close_conn = true;
			break;
		case E_KEY:
			key = optarg;
			break;
		case E_TIMEOUT: {
			char *end;

			timeout = strtod(optarg, &end);
			if (*end || !(timeout >= 0.05 && timeout <= 600)) {
				log_error("--timeout: '%s' is not a number of seconds from 0.05 to 600",
					  optarg);
				return 2;
			}
			break;
		}
		case 'q':
		case E_QUIET:
			quiet = true;
			break;
		case 'h':
		case E_HELP:
			fputs(emit_usage, stdout);
			return 0;
		case ':':
			log_error("option %s needs a value (see 'siosteer %s --help')", argv[optind - 1],
				  verb);
			return 2;
		default:
			log_error("unknown option '%s' (see 'siosteer %s --help')", argv[optind - 1],
				  verb);
			return 2;
		}
	}
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (!strcmp(verb, "emit") && optind >= argc) {
		log_error("emit needs an EVENT name (see 'siosteer emit --help')");
		return 2;
	}
	if ((!strcmp(verb, "join") || !strcmp(verb, "leave")) && optind >= argc) {
		log_error("%s needs at least one ROOM (see 'siosteer %s --help')", verb, verb);
		return 2;
	}
	if (!strcmp(verb, "disconnect") && optind < argc) {
		log_error("unexpected argument '%s' (disconnect takes --to/--except)", argv[optind]);
		return 2;
	}
	if (close_conn && strcmp(verb, "disconnect")) {
		log_error("--close only applies to disconnect");
		return 2;
	}
	if (t.volatile_msg && strcmp(verb, "emit")) {
		log_error("--volatile only applies to emit");
		return 2;
	}
	url = redis_default_url(url);
	/* A Redis that closes the connection under a write must give an error, not a signal. */
	signal(SIGPIPE, SIG_IGN);

	/* Check the arguments before connecting: bad JSON is the caller's mistake, not Redis'. */
	if (!strcmp(verb, "emit")) {
		char *ch, *msg;
		size_t len;

		if (siosteer_emit_encode(key, &t, argv[optind], (const char *const *)argv + optind + 1,
					 (size_t)(argc - optind - 1), &ch, &msg, &len, err,
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
		n = siosteer_emit(e, &t, argv[optind], (const char *const *)argv + optind + 1,
				  (size_t)(argc - optind - 1));
	else if (!strcmp(verb, "join"))
		n = siosteer_sockets_join(e, &t, (const char *const *)argv + optind,
					  (size_t)(argc - optind));
	else if (!strcmp(verb, "leave"))
		n = siosteer_sockets_leave(e, &t, (const char *const *)argv + optind,
					   (size_t)(argc - optind));
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
			 "--adapter-key and the Redis database", verb, what);
	else if (!quiet)
		printf("%s: %ld Socket.IO server%s received it (%s)\n", verb, n, n == 1 ? "" : "s",
		       what);
	return 0;
}
