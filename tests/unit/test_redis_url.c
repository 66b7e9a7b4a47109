// SPDX-License-Identifier: MIT
/*
 * The Redis URL parser (userspace/emit/redis_url.c), as documented in redis_url.h:
 *
 *   redis://[[USER][:PASSWORD]@]HOST[:PORT][/DB]     (HOST may be [IPv6]; PORT 6379, DB 0)
 *   unix://[[USER][:PASSWORD]@]/PATH[?db=N]
 *
 * Every accepted form with every field of the result, and every rejected one with its
 * one-line message; then redis_url_where() (never the password) and redis_default_url().
 * No Redis is contacted. Ends with "redis_url: N passed, N failed"; exit 1 if any failed.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis_url.h"

static int passed, failed;

/* An accepted URL and the fields it must give. */
struct ok_case {
	const char *url;
	bool unix_socket;
	const char *host; /* or the unix path */
	int port;
	long db;
	const char *user;
	const char *pass;
	bool has_pass;
	const char *where; /* redis_url_where() */
};

#define LONG63  "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh"
#define LONG255 LONG63 LONG63 LONG63 LONG63 "hhh"
#define PATH107 "/" LONG63 "ppppppppppppppppppppppppppppppppppppppppppp"

static const struct ok_case oks[] = {
	/* redis:// */
	{ "redis://localhost", 0, "localhost", 6379, 0, "", "", 0, "localhost:6379" },
	{ "redis://127.0.0.1", 0, "127.0.0.1", 6379, 0, "", "", 0, "127.0.0.1:6379" },
	{ "redis://127.0.0.1:6380", 0, "127.0.0.1", 6380, 0, "", "", 0, "127.0.0.1:6380" },
	{ "redis://h:1", 0, "h", 1, 0, "", "", 0, "h:1" },
	{ "redis://h:65535", 0, "h", 65535, 0, "", "", 0, "h:65535" },
	{ "redis://h:06380", 0, "h", 6380, 0, "", "", 0, "h:6380" },
	{ "redis://h/3", 0, "h", 6379, 3, "", "", 0, "h:6379/3" },
	{ "redis://h:7000/15", 0, "h", 7000, 15, "", "", 0, "h:7000/15" },
	{ "redis://h/0", 0, "h", 6379, 0, "", "", 0, "h:6379" },
	{ "redis://h/", 0, "h", 6379, 0, "", "", 0, "h:6379" },
	{ "redis://h/1073741824", 0, "h", 6379, 1073741824, "", "", 0, "h:6379/1073741824" },
	{ "redis://my-host_1.example.com", 0, "my-host_1.example.com", 6379, 0, "", "", 0,
	  "my-host_1.example.com:6379" },
	{ "redis://" LONG255, 0, LONG255, 6379, 0, "", "", 0, LONG255 ":6379" },
	/* credentials: password only, user and password, '@' in the password (the last
     * '@' ends them), percent-encoding, empty user information */
	{ "redis://:s3cret@h", 0, "h", 6379, 0, "", "s3cret", 1, "h:6379" },
	{ "redis://bob:s3cret@h:6380/2", 0, "h", 6380, 2, "bob", "s3cret", 1, "h:6380/2" },
	{ "redis://:p@ss@h", 0, "h", 6379, 0, "", "p@ss", 1, "h:6379" },
	{ "redis://u%3Ax:p%40%2F%3a%25@h", 0, "h", 6379, 0, "u:x", "p@/:%", 1, "h:6379" },
	{ "redis://@h", 0, "h", 6379, 0, "", "", 0, "h:6379" },
	/* IPv6 */
	{ "redis://[::1]", 0, "::1", 6379, 0, "", "", 0, "[::1]:6379" },
	{ "redis://[::1]:6390/4", 0, "::1", 6390, 4, "", "", 0, "[::1]:6390/4" },
	{ "redis://:pw@[fe80::1]:7000", 0, "fe80::1", 7000, 0, "", "pw", 1, "[fe80::1]:7000" },
	/* unix:// */
	{ "unix:///run/redis/redis.sock", 1, "/run/redis/redis.sock", 6379, 0, "", "", 0,
	  "unix:/run/redis/redis.sock" },
	{ "unix:///tmp/r.sock?db=3", 1, "/tmp/r.sock", 6379, 3, "", "", 0,
	  "unix:/tmp/r.sock (db set)" },
	{ "unix:///tmp/r.sock?db=0", 1, "/tmp/r.sock", 6379, 0, "", "", 0, "unix:/tmp/r.sock" },
	{ "unix:///tmp/r.sock?db=2&", 1, "/tmp/r.sock", 6379, 2, "", "", 0,
	  "unix:/tmp/r.sock (db set)" },
	{ "unix:///tmp/r.sock?", 1, "/tmp/r.sock", 6379, 0, "", "", 0, "unix:/tmp/r.sock" },
	{ "unix://:pw@/tmp/r.sock", 1, "/tmp/r.sock", 6379, 0, "", "pw", 1, "unix:/tmp/r.sock" },
	{ "unix://alice:pw@/tmp/r.sock?db=1", 1, "/tmp/r.sock", 6379, 1, "alice", "pw", 1,
	  "unix:/tmp/r.sock (db set)" },
	{ "unix:///tmp/a%20b.sock", 1, "/tmp/a b.sock", 6379, 0, "", "", 0, "unix:/tmp/a b.sock" },
	{ "unix://" PATH107, 1, PATH107, 6379, 0, "", "", 0, "unix:" PATH107 },
};

/* A rejected URL and a piece of its message. */
struct bad_case {
	const char *url;
	const char *msg;
};

static const struct bad_case bads[] = {
	{ NULL, "empty redis URL" },
	{ "", "empty redis URL (redis://[user:password@]host:port/db or unix:///path)" },
	{ "localhost:6379", "redis URL 'localhost:6379' has no scheme" },
	{ "http://127.0.0.1:6379", "redis URL 'http://127.0.0.1:6379': scheme 'http' is not "
				   "redis:// or unix://" },
	{ "REDIS://h", "scheme 'REDIS' is not redis:// or unix://" },
	{ "rediss://h:6380", "TLS (rediss://) is not supported" },
	{ "redis:/h", "has no scheme" },
	{ "redis://", "no host (redis://host:port)" },
	{ "redis://:6379", "no host" },
	{ "redis://:pw@", "no host" },
	{ "redis://h:0", "port '0' is not a number from 1 to 65535" },
	{ "redis://h:65536", "port '65536' is not a number from 1 to 65535" },
	{ "redis://h:abc", "port 'abc' is not a number from 1 to 65535" },
	{ "redis://h:", "port '' is not a number" },
	{ "redis://h:-1", "port '-1' is not a number" },
	{ "redis://h:+80", "port '+80' is not a number" },
	{ "redis://h: 80", "port ' 80' is not a number" },
	{ "redis://h:6379x", "port '6379x' is not a number" },
	{ "redis://h:1:2", "port '1:2' is not a number" },
	{ "redis://h:99999999999999999999999", "port '99999999999999999999999'" },
	{ "redis://h/abc", "database 'abc' is not a number" },
	{ "redis://h/-1", "database '-1' is not a number" },
	{ "redis://h/1073741825", "database '1073741825' is not a number" },
	{ "redis://h/0/extra", "database '0/extra' is not a number" },
	{ "redis://h/1?x=1", "database '1?x=1' is not a number" },
	{ "redis://h?db=1", "unexpected '?' (redis://host:port/db)" },
	{ "redis://h#frag", "unexpected '#'" },
	{ "redis://h h", "'h h' is not a host name or address" },
	{ "redis://h%41", "'h%41' is not a host name or address" },
	{ "redis://" LONG255 "h", "host name too long" },
	{ "redis://[::1", "'[' without ']' around an IPv6 address" },
	{ "redis://[]:6379", "bad IPv6 address" },
	{ "redis://[" LONG255 "h]", "bad IPv6 address" },
	{ "redis://[::1]6379", "expected ':port' after ']'" },
	{ "redis://[::1]:", "port '' is not a number" },
	{ "redis://[::1]:0", "port '0' is not a number" },
	{ "redis://bob@h", "user 'bob' without a password (write user:password@ or :password@)" },
	{ "redis://b%zzb:pw@h", "bad user name (percent-encode special characters)" },
	{ "redis://b%0:pw@h", "bad user name" },
	{ "redis://b%00b:pw@h", "bad user name" },
	{ "redis://:p%4@h", "redis URL: bad password (percent-encode special characters)" },
	{ "redis://:p%g0@h", "bad password" },
	{ "redis://:%00@h", "bad password" },
	{ "unix://", "no socket path (unix:///path/to/redis.sock)" },
	{ "unix://relative", "no socket path" },
	{ "unix://host/tmp/r.sock", "expected unix:///path (an absolute path after 'unix://')" },
	{ "unix:///", "bad or too long socket path" },
	{ "unix://" PATH107 "p", "bad or too long socket path" },
	{ "unix:///tmp/a%zz", "bad or too long socket path" },
	{ "unix:///tmp/a%00", "bad or too long socket path" },
	{ "unix:///tmp/r.sock?db=x", "db 'x' is not a number" },
	{ "unix:///tmp/r.sock?db=-1", "db '-1' is not a number" },
	{ "unix:///tmp/r.sock?db=1073741825", "db '1073741825' is not a number" },
	{ "unix:///tmp/r.sock?db=", "unknown parameter 'db=' (only db=N)" },
	{ "unix:///tmp/r.sock?timeout=1", "unknown parameter 'timeout=1' (only db=N)" },
	{ "unix:///tmp/r.sock?db=1&x", "unknown parameter 'x'" },
	{ "unix://bob@/tmp/r.sock", "user 'bob' without a password" },
};

static void check_ok(const struct ok_case *c)
{
	struct redis_url u;
	char err[512] = "", where[400];
	const char *h;
	int rc = redis_url_parse(c->url, &u, err, sizeof(err));

	if (rc) {
		failed++;
		printf("FAIL '%s': refused: %s\n", c->url, err);
		return;
	}
	h = c->unix_socket ? u.path : u.host;
	redis_url_where(&u, where, sizeof(where));
	if (u.unix_socket != c->unix_socket || strcmp(h, c->host) || u.port != c->port ||
	    u.db != c->db || strcmp(u.user, c->user) || strcmp(u.pass, c->pass) ||
	    u.has_pass != c->has_pass || strcmp(where, c->where) || (u.unix_socket && u.host[0]) ||
	    (!u.unix_socket && u.path[0])) {
		failed++;
		printf("FAIL '%s': got unix=%d host='%s' path='%s' port=%d db=%ld user='%s' "
		       "pass='%s' has_pass=%d where='%s'\n",
		       c->url, u.unix_socket, u.host, u.path, u.port, u.db, u.user, u.pass,
		       u.has_pass, where);
		printf("     want unix=%d %s='%s' port=%d db=%ld user='%s' pass='%s' has_pass=%d "
		       "where='%s'\n",
		       c->unix_socket, c->unix_socket ? "path" : "host", c->host, c->port, c->db,
		       c->user, c->pass, c->has_pass, c->where);
		return;
	}
	/* where never shows the password */
	if (c->pass[0] && strstr(where, c->pass)) {
		failed++;
		printf("FAIL '%s': redis_url_where shows the password: %s\n", c->url, where);
		return;
	}
	passed++;
}

static void check_bad(const struct bad_case *c)
{
	struct redis_url u;
	char err[512] = "";
	int rc = redis_url_parse(c->url, &u, err, sizeof(err));

	if (rc != -1 || !strstr(err, c->msg) || strchr(err, '\n')) {
		failed++;
		printf("FAIL '%s': rc %d, message '%s'; want -1 and '%s'\n",
		       c->url ? c->url : "(null)", rc, err, c->msg);
		return;
	}
	passed++;
}

static void check_str(const char *what, const char *got, const char *want)
{
	if (!strcmp(got, want)) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL %s: got '%s', want '%s'\n", what, got, want);
}

int main(void)
{
	struct redis_url u;
	char small[8];
	size_t i;

	for (i = 0; i < sizeof(oks) / sizeof(oks[0]); i++)
		check_ok(&oks[i]);
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++)
		check_bad(&bads[i]);

	/* A message is cut to the caller's buffer, never overflows it. */
	memset(small, 'x', sizeof(small));
	if (redis_url_parse("http://h", &u, small, sizeof(small)) == -1 &&
	    strlen(small) == sizeof(small) - 1)
		passed++;
	else
		failed++, printf("FAIL short error buffer: '%.8s'\n", small);

	/* redis_default_url: the given URL, else $SIOSTEER_REDIS, else the default. */
	unsetenv("SIOSTEER_REDIS");
	check_str("default URL", redis_default_url(NULL), "redis://127.0.0.1:6379");
	check_str("default URL, empty given", redis_default_url(""), "redis://127.0.0.1:6379");
	setenv("SIOSTEER_REDIS", "unix:///tmp/x.sock", 1);
	check_str("$SIOSTEER_REDIS", redis_default_url(NULL), "unix:///tmp/x.sock");
	check_str("given beats $SIOSTEER_REDIS", redis_default_url("redis://h"), "redis://h");
	setenv("SIOSTEER_REDIS", "", 1);
	check_str("empty $SIOSTEER_REDIS", redis_default_url(NULL), "redis://127.0.0.1:6379");

	printf("redis_url: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
