/* SPDX-License-Identifier: MIT */
/*
 * Redis URLs and connections, shared by `siosteer emit`, the agent's Redis bridge and the
 * C emit API (libsiosteer_emit.a). Plain C over hiredis; no logging: errors come back as
 * one line of text in a caller's buffer.
 *
 *   redis://[[USER][:PASSWORD]@]HOST[:PORT][/DB]     (HOST may be [IPv6]; PORT 6379, DB 0)
 *   unix://[[USER][:PASSWORD]@]/PATH[?db=N]          (e.g. unix:///run/redis/redis.sock)
 *
 * USER and PASSWORD may be percent-encoded. A USER (Redis 6 ACL) is sent as
 * `AUTH USER PASSWORD`, a PASSWORD alone as `AUTH PASSWORD`.
 */
#ifndef SIOSTEER_REDIS_URL_H
#define SIOSTEER_REDIS_URL_H

#include <stdbool.h>
#include <stddef.h>

struct redis_url {
	bool unix_socket;
	char host[256]; /* TCP: host name or address (IPv6 without brackets) */
	int port; /* TCP */
	char path[108]; /* unix socket path */
	char user[128]; /* empty: none */
	char pass[256]; /* empty: no AUTH */
	bool has_pass;
	long db;
};

/* Parse `url`. 0, or -1 with one line in err ("redis URL 'x': port 'y' is not 1..65535"). */
int redis_url_parse(const char *url, struct redis_url *u, char *err, size_t errlen);
/* "127.0.0.1:6379", "[::1]:6379/2" or "unix:/run/redis.sock" (never the password). */
const char *redis_url_where(const struct redis_url *u, char *buf, size_t len);

/* The URL to use: `given`, else $SIOSTEER_REDIS, else redis://127.0.0.1:6379. */
const char *redis_default_url(const char *given);

struct redisContext;
/*
 * Connect (timeout_s for the connection and for every reply), AUTH, SELECT, and check with
 * PING that the peer speaks Redis. Returns the context or NULL with one line in err, e.g.
 * "Redis at 127.0.0.1:6379 refused the password (WRONGPASS ...)".
 */
struct redisContext *redis_url_connect(const struct redis_url *u, double timeout_s, char *err,
				       size_t errlen);
/* Close a connection with a reset: writes still queued on a broken connection must never
 * reach Redis later (say, after a link comes back). NULL is fine. */
void redis_abort(struct redisContext *c);
/* One line for a failed command: the context's I/O or protocol error, or the reply's
 * error text. `what` names the command ("PUBLISH"). reply may be NULL. */
void redis_describe_failure(const struct redisContext *c, const struct redis_url *u,
			    const void *reply, const char *what, char *err, size_t errlen);

#endif
