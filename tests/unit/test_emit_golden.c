// SPDX-License-Identifier: MIT
/*
 * The C emit library (include/siosteer_emit.h) against the bytes @socket.io/redis-emitter@5
 * publishes for the same calls: the cases tests/ns/redis_emit.sh sends to real Socket.IO
 * servers (room, broadcast, except, namespace, socket id, join, leave, disconnect, and its
 * 14 byte-identity calls: unicode, every msgpack size class, JS key order, volatile,
 * rooms/except), plus serverSideEmit and binary arguments. The golden channels and bytes
 * are in emit_golden.h, generated once from the Node emitter by gen_emit_golden.js.
 *
 * Part A, no Redis: siosteer_emit_encode() (the encoder's public seam) for every emit
 * case, its errors, and the adapter key. Part B: join, leave, disconnect, serverSideEmit
 * and siosteer_emit_packed() have no encode-only entry point (their JSON and packing are
 * static in userspace/emit/emit.c, right before publish()), so every case goes through
 * the real API to a redis-server of our own on a unix socket in a temporary directory
 * (no TCP port), where a hiredis PSUBSCRIBE * reads the channel and bytes back.
 * Part B is skipped, and says so, if redis-server is not installed.
 *
 * Ends with "emit_golden: N passed, N failed"; exit status 1 if any failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <hiredis/hiredis.h>

#include "unit_check.h"
#include "siosteer_emit.h"

enum op { OP_EMIT, OP_PACKED, OP_JOIN, OP_LEAVE, OP_DISCONNECT, OP_SSE };

struct golden {
	const char *name;
	enum op op;
	const char *nsp;
	const char *to[4];
	size_t nto;
	const char *except[4];
	size_t nexcept;
	int vol, close;
	const char *event;
	const char *args[32];
	size_t nargs;
	int sizes; /* arguments built by sizes_args() */
	const char *rooms[4]; /* join, leave */
	size_t nrooms;
	size_t npacked; /* OP_PACKED: msgpack objects in packed */
	const char *packed; /* hex, as golden */
	const char *channel;
	const char *hex; /* what the Node emitter published; runs as (HH*N) */
};

#include "emit_golden.h"

#define NGOLDEN (sizeof(goldens) / sizeof(goldens[0]))

/* Hex with (HH*N) runs -> bytes (malloc'ed). */
static unsigned char *unhex(const char *h, size_t *len)
{
	size_t cap = 64, n = 0;
	unsigned char *b = malloc(cap);

	while (*h) {
		unsigned v, rep = 1;
		int used;

		if (*h == '(') {
			if (sscanf(h, "(%2x*%u)%n", &v, &rep, &used) != 2) {
				fprintf(stderr, "bad golden hex at '%.10s'\n", h);
				exit(2);
			}
		} else if (sscanf(h, "%2x%n", &v, &used) != 1 || used != 2) {
			fprintf(stderr, "bad golden hex at '%.10s'\n", h);
			exit(2);
		}
		h += used;
		while (n + rep > cap)
			cap *= 2;
		b = realloc(b, cap);
		memset(b + n, (int)v, rep);
		n += rep;
	}
	*len = n;
	return b;
}

/* "wire 6 sizes": strings of 31, 32, 255, 256 and 70000 bytes, arrays of 15 and 16,
 * a map of 20 (what redis_emit.sh's Python builds). */
static size_t sizes_args(char **a)
{
	static const size_t slen[] = { 31, 32, 255, 256, 70000 };
	size_t i, n = 0;
	char *p;

	for (i = 0; i < 5; i++) {
		a[n] = p = malloc(slen[i] + 3);
		p[0] = '"';
		memset(p + 1, 's', slen[i]);
		strcpy(p + 1 + slen[i], "\"");
		n++;
	}
	for (size_t len = 15; len <= 16; len++) {
		a[n] = p = malloc(256);
		strcpy(p, "[");
		for (i = 0; i < len; i++)
			sprintf(p + strlen(p), "%s%zu", i ? "," : "", i);
		strcat(p, "]");
		n++;
	}
	a[n] = p = malloc(512);
	strcpy(p, "{");
	for (i = 0; i < 20; i++)
		sprintf(p + strlen(p), "%s\"k%zu\":%zu", i ? "," : "", i, i);
	strcat(p, "}");
	return ++n;
}

struct call_args {
	const char *v[32];
	char *own[32];
	size_t n, nown;
};

static void get_args(const struct golden *g, struct call_args *ca)
{
	memset(ca, 0, sizeof(*ca));
	if (g->sizes) {
		ca->nown = ca->n = sizes_args(ca->own);
		memcpy(ca->v, ca->own, ca->n * sizeof(char *));
	} else {
		memcpy(ca->v, g->args, sizeof(g->args));
		ca->n = g->nargs;
	}
}

static void put_args(struct call_args *ca)
{
	for (size_t i = 0; i < ca->nown; i++)
		free(ca->own[i]);
}

static void target_of(const struct golden *g, struct siosteer_emit_target *t)
{
	memset(t, 0, sizeof(*t));
	t->nsp = g->nsp;
	t->rooms = g->to;
	t->nrooms = g->nto;
	t->except = g->except;
	t->nexcept = g->nexcept;
	t->volatile_msg = g->vol;
}

/* Compare what was published with the golden message of case g. */
static void compare(const char *part, const struct golden *g, const char *channel, const void *msg,
		    size_t len)
{
	char what[160];
	size_t glen, i;
	unsigned char *want = unhex(g->hex, &glen);
	const unsigned char *m = msg;

	snprintf(what, sizeof(what), "%s '%s'", part, g->name);
	if (strcmp(channel, g->channel)) {
		check(false, what, "channel '%s', the Node emitter's '%s'", channel, g->channel);
	} else if (len != glen || memcmp(msg, want, len)) {
		for (i = 0; i < len && i < glen && m[i] == want[i]; i++)
			;
		printf("  %s: %zu bytes, the Node emitter's %zu; first difference at byte %zu:\n"
		       "  got ",
		       what, len, glen, i);
		for (size_t j = i; j < len && j < i + 16; j++)
			printf("%02x", m[j]);
		printf("\n  want ");
		for (size_t j = i; j < glen && j < i + 16; j++)
			printf("%02x", want[j]);
		printf("\n");
		check(false, what, "bytes differ from @socket.io/redis-emitter");
	} else {
		check(true, what, " ");
	}
	free(want);
}

/* ---- part A: siosteer_emit_encode, no Redis ----------------------------------------- */

static void part_a(void)
{
	size_t i;

	for (i = 0; i < NGOLDEN; i++) {
		const struct golden *g = &goldens[i];
		struct siosteer_emit_target t;
		struct call_args ca;
		char *ch = NULL, *msg = NULL, err[256] = "";
		size_t len = 0;

		if (g->op != OP_EMIT)
			continue;
		target_of(g, &t);
		get_args(g, &ca);
		if (siosteer_emit_encode(NULL, &t, g->event, ca.v, ca.n, &ch, &msg, &len, err,
					 sizeof(err)))
			check(false, g->name, "siosteer_emit_encode failed: %s", err);
		else
			compare("encode", g, ch, msg, len);
		free(ch);
		free(msg);
		put_args(&ca);
	}
}

/* siosteer_emit_encode must refuse with a message containing `want`. */
static void refuse(const char *what, const char *key, const struct siosteer_emit_target *t,
		   const char *event, const char *const *args, size_t nargs, const char *want)
{
	char *ch = NULL, *msg = NULL, err[256] = "";
	size_t len = 0;
	int rc =
		siosteer_emit_encode(key, t, event, args, nargs, &ch, &msg, &len, err, sizeof(err));

	check(rc == -1 && strstr(err, want), what, "rc %d err '%s', want -1 and '%s'", rc, err,
	      want);
	if (!rc) {
		free(ch);
		free(msg);
	}
}

static void part_a_errors_and_keys(void)
{
	static const char *const reserved[] = {
		"connect",       "connect_error", "disconnect",
		"disconnecting", "newListener",   "removeListener"
	};
	const char *bad_json[] = { "1", "{\"a\":" };
	const char *bare[] = { "hello" };
	const char *one[] = { "1" };
	const char *rooms[] = { "r" };
	struct siosteer_emit_target t = { .rooms = rooms, .nrooms = 1 };
	char longnsp[1100], *ch = NULL, *msg = NULL, err[256];
	size_t len, i;

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		char what[64], want[64];

		snprintf(what, sizeof(what), "reserved event %s", reserved[i]);
		snprintf(want, sizeof(want), "\"%s\" is a reserved event name", reserved[i]);
		refuse(what, NULL, NULL, reserved[i], NULL, 0, want);
	}
	refuse("no event name", NULL, NULL, "", NULL, 0, "no event name");
	refuse("NULL event name", NULL, NULL, NULL, NULL, 0, "no event name");
	refuse("invalid JSON (argument 2)", NULL, NULL, "ev", bad_json, 2,
	       "argument 2 is not JSON");
	refuse("bare word", NULL, NULL, "ev", bare, 1, "a string needs quotes");
	memset(longnsp, 'n', sizeof(longnsp) - 1);
	longnsp[sizeof(longnsp) - 1] = '\0';
	t.nsp = longnsp;
	refuse("namespace too long", NULL, &t, "ev", one, 1, "namespace too long");

	/* The adapter key: NULL and "" give "socket.io", another key replaces it. */
	t.nsp = NULL;
	if (!siosteer_emit_encode("", &t, "ev", one, 1, &ch, &msg, &len, err, sizeof(err)))
		check(!strcmp(ch, "socket.io#/#r#"), "empty key", "channel '%s'", ch);
	else
		check(false, "empty key", "%s", err);
	free(ch);
	free(msg);
	ch = msg = NULL;
	t.nsp = "admin";
	if (!siosteer_emit_encode("myapp", &t, "ev", one, 1, &ch, &msg, &len, err, sizeof(err)))
		check(!strcmp(ch, "myapp#/admin#r#"), "key myapp, nsp without '/'", "channel '%s'",
		      ch);
	else
		check(false, "key myapp", "%s", err);
	free(ch);
	free(msg);
}

/* ---- part B: the whole API through a redis-server on a unix socket ------------------- */

static pid_t redis_pid = -1;
static char tmpdir[64];

static void stop_redis(void)
{
	char path[128];

	if (redis_pid > 0) {
		kill(redis_pid, SIGTERM);
		waitpid(redis_pid, NULL, 0);
		redis_pid = -1;
	}
	if (tmpdir[0]) {
		const char *files[] = { "redis.conf", "redis.sock", "redis.log" };

		for (size_t i = 0; i < 3; i++) {
			snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
			unlink(path);
		}
		rmdir(tmpdir);
	}
}

/* A redis-server listening on tmpdir/redis.sock only (port 0: no TCP). NULL if none. */
static redisContext *start_redis(char *sock, size_t socklen)
{
	char conf[128], log[128];
	redisContext *c = NULL;
	FILE *f;
	int i;

	if (system("command -v redis-server >/dev/null 2>&1"))
		return NULL;
	strcpy(tmpdir, "/tmp/siosteer-emit-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		tmpdir[0] = '\0';
		return NULL;
	}
	snprintf(conf, sizeof(conf), "%s/redis.conf", tmpdir);
	snprintf(log, sizeof(log), "%s/redis.log", tmpdir);
	snprintf(sock, socklen, "%s/redis.sock", tmpdir);
	f = fopen(conf, "w");
	if (!f)
		return NULL;
	fprintf(f,
		"port 0\nunixsocket %s\nunixsocketperm 700\nsave \"\"\nappendonly no\n"
		"daemonize no\ndir %s\nlogfile %s\n",
		sock, tmpdir, log);
	fclose(f);
	redis_pid = fork();
	if (redis_pid == 0) {
		execlp("redis-server", "redis-server", conf, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {
		struct timeval tv = { 1, 0 };

		usleep(50000);
		c = redisConnectUnixWithTimeout(sock, tv);
		if (c && !c->err)
			return c;
		redisFree(c);
		c = NULL;
	}
	return NULL;
}

/* The next message the PSUBSCRIBE * context receives. */
static bool next_message(redisContext *sub, char **channel, char **msg, size_t *len)
{
	redisReply *r;

	if (redisGetReply(sub, (void **)&r) != REDIS_OK || !r)
		return false;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 4 ||
	    strcmp(r->element[0]->str, "pmessage")) {
		freeReplyObject(r);
		return false;
	}
	*channel = strdup(r->element[2]->str);
	*len = r->element[3]->len;
	*msg = malloc(*len ? *len : 1);
	memcpy(*msg, r->element[3]->str, *len);
	freeReplyObject(r);
	return true;
}

static long call_api(struct siosteer_emitter *e, const struct golden *g)
{
	struct siosteer_emit_target t;
	struct call_args ca;
	long n = -1;

	target_of(g, &t);
	get_args(g, &ca);
	switch (g->op) {
	case OP_EMIT:
		n = siosteer_emit(e, &t, g->event, ca.v, ca.n);
		break;
	case OP_PACKED: {
		size_t plen;
		unsigned char *p = unhex(g->packed, &plen);

		n = siosteer_emit_packed(e, &t, g->event, p, plen, g->npacked);
		free(p);
		break;
	}
	case OP_JOIN:
		n = siosteer_sockets_join(e, &t, g->rooms, g->nrooms);
		break;
	case OP_LEAVE:
		n = siosteer_sockets_leave(e, &t, g->rooms, g->nrooms);
		break;
	case OP_DISCONNECT:
		n = siosteer_disconnect_sockets(e, &t, g->close);
		break;
	case OP_SSE:
		n = siosteer_server_side_emit(e, g->nsp, g->event, ca.v, ca.n);
		break;
	}
	put_args(&ca);
	return n;
}

static void part_b(void)
{
	struct siosteer_emitter *e = NULL;
	char sock[128], url[160], err[512];
	redisContext *sub = start_redis(sock, sizeof(sock));
	redisReply *r;
	size_t i;

	if (!sub) {
		printf("SKIP part B (join, leave, disconnect, serverSideEmit, binary): "
		       "no redis-server (make deps)\n");
		stop_redis();
		return;
	}
	r = redisCommand(sub, "PSUBSCRIBE *");
	if (r)
		freeReplyObject(r);
	snprintf(url, sizeof(url), "unix://%s", sock);
	if (siosteer_emitter_open(url, NULL, 5.0, &e, err, sizeof(err))) {
		check(false, "siosteer_emitter_open", "%s: %s", url, err);
		redisFree(sub);
		stop_redis();
		return;
	}
	for (i = 0; i < NGOLDEN; i++) {
		const struct golden *g = &goldens[i];
		char *ch = NULL, *msg = NULL, what[128];
		size_t len = 0;
		long n = call_api(e, g);

		snprintf(what, sizeof(what), "redis '%s'", g->name);
		if (n != 1) {
			check(false, what, "returned %ld (want 1 subscriber): %s", n,
			      siosteer_emitter_error(e));
			continue;
		}
		if (!next_message(sub, &ch, &msg, &len)) {
			check(false, what, "nothing received: %s", sub->errstr);
			break;
		}
		compare("redis", g, ch, msg, len);
		free(ch);
		free(msg);
	}
	/* Refusals of the API itself (no message published). */
	{
		const char *none[1] = { 0 };
		struct siosteer_emit_target t = { 0 };
		unsigned char half[] = { 0x92, 0x01 }; /* an array of 2 with one element */
		unsigned char extra[] = { 0x01, 0x02 };

		check(siosteer_sockets_join(e, &t, none, 0) == -1 &&
			      strstr(siosteer_emitter_error(e), "no room to join"),
		      "join without rooms", "error '%s'", siosteer_emitter_error(e));
		check(siosteer_sockets_leave(e, &t, none, 0) == -1 &&
			      strstr(siosteer_emitter_error(e), "no room to leave"),
		      "leave without rooms", "error '%s'", siosteer_emitter_error(e));
		check(siosteer_emit_packed(e, &t, "ev", half, sizeof(half), 1) == -1 &&
			      strstr(siosteer_emitter_error(e), "object 1 is not whole msgpack"),
		      "packed: cut object", "error '%s'", siosteer_emitter_error(e));
		check(siosteer_emit_packed(e, &t, "ev", extra, sizeof(extra), 1) == -1 &&
			      strstr(siosteer_emitter_error(e), "1 bytes after 1 objects"),
		      "packed: trailing bytes", "error '%s'", siosteer_emitter_error(e));
		check(siosteer_server_side_emit(e, NULL, "", none, 0) == -1 &&
			      strstr(siosteer_emitter_error(e), "no event name"),
		      "serverSideEmit without event", "error '%s'", siosteer_emitter_error(e));
	}
	siosteer_emitter_close(e);
	redisFree(sub);
	stop_redis();
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	part_a();
	part_a_errors_and_keys();
	part_b();
	printf("emit_golden: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
