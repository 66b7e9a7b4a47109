// SPDX-License-Identifier: MIT
/* Redis URL parsing and connection set-up (see redis_url.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <hiredis/hiredis.h>

#include "redis_url.h"

#define FAIL(...)                                   \
	do {                                        \
		snprintf(err, errlen, __VA_ARGS__); \
		return -1;                          \
	} while (0)

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode src[0..n) into dst (size len). -1 if malformed or too long. */
static int pct_decode(const char *src, size_t n, char *dst, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)src[i];

		if (c == '%') {
			int h, l;

			if (i + 2 >= n)
				return -1;
			h = hexval(src[i + 1]);
			l = hexval(src[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = h * 16 + l;
			i += 2;
		}
		if (c == 0 || o + 1 >= len)
			return -1;
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return 0;
}

static int parse_long(const char *s, size_t n, long min, long max, long *out)
{
	char buf[24], *end;
	long v;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!isdigit((unsigned char)buf[0]))
		return -1;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* [USER][:PASSWORD] before '@'. */
static int parse_userinfo(const char *url, const char *s, size_t n, struct redis_url *u, char *err,
			  size_t errlen)
{
	const char *colon = memchr(s, ':', n);
	size_t ulen = colon ? (size_t)(colon - s) : n;

	if (pct_decode(s, ulen, u->user, sizeof(u->user)))
		FAIL("redis URL '%s': bad user name (percent-encode special characters)", url);
	if (colon) {
		if (pct_decode(colon + 1, n - ulen - 1, u->pass, sizeof(u->pass)))
			FAIL("redis URL: bad password (percent-encode special characters)");
		/* ":@" is no AUTH at all (redis_url.h); "user:@" is an ACL user's empty one. */
		u->has_pass = u->pass[0] || u->user[0];
	} else if (ulen) {
		FAIL("redis URL '%s': user '%s' without a password (write user:password@ or "
		     ":password@)",
		     url, u->user);
	}
	return 0;
}

/* unix query: db=N (the only one). */
static int parse_query(const char *url, const char *q, struct redis_url *u, char *err,
		       size_t errlen)
{
	while (*q) {
		size_t n = strcspn(q, "&");

		if (n > 3 && !strncmp(q, "db=", 3)) {
			if (parse_long(q + 3, n - 3, 0, 1L << 30, &u->db))
				FAIL("redis URL '%s': db '%.*s' is not a number", url, (int)n - 3,
				     q + 3);
		} else {
			FAIL("redis URL '%s': unknown parameter '%.*s' (only db=N)", url, (int)n,
			     q);
		}
		q += n + (q[n] == '&');
	}
	return 0;
}

/* The URL as error messages show it: a password becomes "***". */
static void redact(const char *url, char *out, size_t len)
{
	const char *auth = strstr(url, "://"), *end, *at, *colon;

	snprintf(out, len, "%s", url);
	if (!auth)
		return;
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	at = NULL;
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (colon)
		snprintf(out, len, "%.*s***%s", (int)(colon + 1 - url), url, at);
}

/* unix://[[user]:password@]/path[?db=N], after the scheme check. */
static int parse_unix(const char *url, const char *shown, struct redis_url *u, char *err,
		      size_t errlen)
{
	const char *rest = url + 7, *auth_end, *at, *q;
	char path[sizeof(u->path) * 3];
	size_t hlen;

	u->unix_socket = true;
	auth_end = strchr(rest, '/');
	if (!auth_end)
		FAIL("redis URL '%s': no socket path (unix:///path/to/redis.sock)", shown);
	at = memchr(rest, '@', (size_t)(auth_end - rest));
	if (at && parse_userinfo(shown, rest, (size_t)(at - rest), u, err, errlen))
		return -1;
	if (!at && auth_end != rest)
		FAIL("redis URL '%s': expected unix:///path (an absolute path after "
		     "'unix://')",
		     shown);
	q = strchr(auth_end, '?');
	hlen = q ? (size_t)(q - auth_end) : strlen(auth_end);
	if (hlen >= sizeof(path) || pct_decode(auth_end, hlen, u->path, sizeof(u->path)) ||
	    hlen < 2)
		FAIL("redis URL '%s': bad or too long socket path", shown);
	return q ? parse_query(shown, q + 1, u, err, errlen) : 0;
}

int redis_url_parse(const char *url, struct redis_url *u, char *err, size_t errlen)
{
	const char *rest, *at, *auth_end, *hp, *hp_end, *port_s = NULL;
	char shown[600];
	size_t hlen;
	long v;

	memset(u, 0, sizeof(*u));
	redact(url ? url : "", shown, sizeof(shown));
	u->port = 6379;
	if (!url || !*url)
		FAIL("empty redis URL (redis://[user:password@]host:port/db or unix:///path)");
	if (!strncmp(url, "rediss://", 9))
		FAIL("redis URL '%s': TLS (rediss://) is not supported; use redis:// or unix://",
		     shown);
	if (!strncmp(url, "unix://", 7))
		return parse_unix(url, shown, u, err, errlen);
	if (strncmp(url, "redis://", 8)) {
		const char *sep = strstr(url, "://");

		if (sep)
			FAIL("redis URL '%s': scheme '%.*s' is not redis:// or unix://", shown,
			     (int)(sep - url), url);
		FAIL("redis URL '%s' has no scheme: write redis://host:port or unix:///path",
		     shown);
	}
	rest = url + 8;
	auth_end = rest + strcspn(rest, "/?#");
	if (*auth_end == '?' || *auth_end == '#')
		FAIL("redis URL '%s': unexpected '%c' (redis://host:port/db)", shown, *auth_end);
	at = NULL;
	for (hp = rest; hp < auth_end; hp++)
		if (*hp == '@')
			at = hp; /* the last '@': passwords may contain one */
	if (at && parse_userinfo(shown, rest, (size_t)(at - rest), u, err, errlen))
		return -1;
	hp = at ? at + 1 : rest;
	hp_end = auth_end;
	if (*hp == '[') {
		const char *rb = memchr(hp, ']', (size_t)(hp_end - hp));

		if (!rb)
			FAIL("redis URL '%s': '[' without ']' around an IPv6 address", shown);
		hlen = (size_t)(rb - hp - 1);
		if (!hlen || hlen >= sizeof(u->host))
			FAIL("redis URL '%s': bad IPv6 address", shown);
		memcpy(u->host, hp + 1, hlen);
		if (rb + 1 < hp_end) {
			if (rb[1] != ':')
				FAIL("redis URL '%s': expected ':port' after ']'", shown);
			port_s = rb + 2;
		}
	} else {
		const char *colon = memchr(hp, ':', (size_t)(hp_end - hp));

		hlen = (size_t)((colon ? colon : hp_end) - hp);
		if (hlen >= sizeof(u->host))
			FAIL("redis URL '%s': host name too long", shown);
		memcpy(u->host, hp, hlen);
		if (colon)
			port_s = colon + 1;
		for (size_t i = 0; i < hlen; i++)
			if (!isalnum((unsigned char)u->host[i]) && !strchr(".-_", u->host[i]))
				FAIL("redis URL '%s': '%s' is not a host name or address", shown,
				     u->host);
	}
	if (!u->host[0])
		FAIL("redis URL '%s': no host (redis://host:port)", shown);
	if (port_s) {
		if (parse_long(port_s, (size_t)(hp_end - port_s), 1, 65535, &v))
			FAIL("redis URL '%s': port '%.*s' is not a number from 1 to 65535", shown,
			     (int)(hp_end - port_s), port_s);
		u->port = (int)v;
	}
	if (*auth_end == '/' && auth_end[1]) {
		if (parse_long(auth_end + 1, strlen(auth_end + 1), 0, 1L << 30, &u->db))
			FAIL("redis URL '%s': database '%s' is not a number", shown, auth_end + 1);
	}
	return 0;
}

const char *redis_url_where(const struct redis_url *u, char *buf, size_t len)
{
	if (u->unix_socket)
		snprintf(buf, len, "unix:%s%s", u->path, u->db ? " (db set)" : "");
	else if (strchr(u->host, ':'))
		snprintf(buf, len, "[%s]:%d", u->host, u->port);
	else
		snprintf(buf, len, "%s:%d", u->host, u->port);
	if (u->db && !u->unix_socket) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "/%ld", u->db);
	}
	return buf;
}

void redis_describe_failure(const struct redisContext *c, const struct redis_url *u,
			    const void *reply_, const char *what, char *err, size_t errlen)
{
	const redisReply *r = reply_;
	char where[300];

	redis_url_where(u, where, sizeof(where));
	if (r && r->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "Redis at %s: %s: %s", where, what, r->str);
		return;
	}
	if (r) {
		snprintf(err, errlen, "Redis at %s: %s: unexpected reply type %d", where, what,
			 r->type);
		return;
	}
	switch (c ? c->err : REDIS_ERR_OTHER) {
	case REDIS_ERR_PROTOCOL:
		snprintf(err, errlen,
			 "%s at %s does not speak the Redis protocol (%s); is it a Redis server?",
			 "the server", where, c->errstr);
		break;
	case REDIS_ERR_EOF:
		snprintf(err, errlen, "Redis at %s closed the connection (%s)", where, what);
		break;
	case REDIS_ERR_IO:
		if (!strcmp(c->errstr, strerror(EAGAIN)) ||
		    !strcmp(c->errstr, strerror(EWOULDBLOCK)))
			snprintf(err, errlen, "Redis at %s did not answer %s in time", where, what);
		else
			snprintf(err, errlen, "Redis at %s: %s: %s", where, what, c->errstr);
		break;
	default:
		snprintf(err, errlen, "Redis at %s: %s: %s", where, what, c ? c->errstr : "failed");
	}
}

void redis_abort(struct redisContext *c)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	if (!c)
		return;
	if (c->fd >= 0)
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	redisFree(c);
}

static struct timeval tv_of(double s)
{
	struct timeval tv;

	tv.tv_sec = (time_t)s;
	tv.tv_usec = (suseconds_t)((s - (double)tv.tv_sec) * 1e6);
	return tv;
}

/* Run one command; 0 if it did not fail, else -1 with err set. */
static int checked(redisContext *c, const struct redis_url *u, redisReply *r, const char *what,
		   char *err, size_t errlen)
{
	int rc = 0;

	if (!r || r->type == REDIS_REPLY_ERROR) {
		char where[300];

		redis_url_where(u, where, sizeof(where));
		if (r && (!strncmp(r->str, "WRONGPASS", 9) ||
			  !strncmp(r->str, "ERR invalid password", 20) ||
			  !strncmp(r->str, "ERR AUTH", 8) ||
			  !strncmp(r->str, "ERR Client sent AUTH", 20)))
			snprintf(err, errlen, "Redis at %s refused the credentials in the URL (%s)",
				 where, r->str);
		else if (r && !strncmp(r->str, "NOAUTH", 6))
			snprintf(err, errlen,
				 "Redis at %s needs a password (%s): give it in the URL, "
				 "redis://:PASSWORD@host:port",
				 where, r->str);
		else
			redis_describe_failure(c, u, r, what, err, errlen);
		rc = -1;
	}
	if (r)
		freeReplyObject(r);
	return rc;
}

struct redisContext *redis_url_connect(const struct redis_url *u, double timeout_s, char *err,
				       size_t errlen)
{
	struct timeval tv = tv_of(timeout_s > 0 ? timeout_s : 2.0);
	char where[300];
	redisContext *c;
	redisReply *r;

	redis_url_where(u, where, sizeof(where));
	c = u->unix_socket ? redisConnectUnixWithTimeout(u->path, tv) :
			     redisConnectWithTimeout(u->host, u->port, tv);
	if (!c) {
		snprintf(err, errlen, "cannot connect to Redis at %s: out of memory", where);
		return NULL;
	}
	if (c->err) {
		snprintf(err, errlen, "cannot connect to Redis at %s: %s", where, c->errstr);
		redisFree(c);
		return NULL;
	}
	if (redisSetTimeout(c, tv) != REDIS_OK) {
		snprintf(err, errlen, "Redis at %s: set socket timeout: %s", where, c->errstr);
		redisFree(c);
		return NULL;
	}
	if (!u->unix_socket)
		redisEnableKeepAlive(c);
	if (u->has_pass) {
		if (u->user[0])
			r = redisCommand(c, "AUTH %s %s", u->user, u->pass);
		else
			r = redisCommand(c, "AUTH %s", u->pass);
		if (checked(c, u, r, "AUTH", err, errlen))
			goto fail;
	}
	if (u->db) {
		char what[40];

		snprintf(what, sizeof(what), "SELECT %ld", u->db);
		r = redisCommand(c, "SELECT %ld", u->db);
		if (checked(c, u, r, what, err, errlen))
			goto fail;
	}
	r = redisCommand(c, "PING");
	if (r && r->type != REDIS_REPLY_STATUS && r->type != REDIS_REPLY_ERROR) {
		snprintf(err, errlen,
			 "Redis at %s answered PING with something else than PONG; "
			 "is it a Redis server?",
			 where);
		freeReplyObject(r);
		goto fail;
	}
	if (checked(c, u, r, "PING", err, errlen)) {
		if (c->err == REDIS_ERR_EOF || c->err == REDIS_ERR_IO) {
			size_t n = strlen(err);

			snprintf(err + n, errlen - n, "; is it a Redis server?");
		}
		goto fail;
	}
	return c;
fail:
	redisFree(c);
	return NULL;
}

const char *redis_default_url(const char *given)
{
	const char *env = getenv("SIOSTEER_REDIS");

	if (given && *given)
		return given;
	return env && *env ? env : "redis://127.0.0.1:6379";
}
