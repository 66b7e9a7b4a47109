/* sioload — URL and source address parsing. */
#include "addr.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_SRC (1u << 20)

int parse_url(struct opts *o, const char *url)
{
	if (strncmp(url, "http://", 7)) {
		fprintf(stderr, "sioload: --url must start with http:// (no TLS support): %s\n", url);
		return -1;
	}
	snprintf(o->url, sizeof o->url, "%s", url);
	const char *p = url + 7, *slash = strchr(p, '/');
	size_t al = slash ? (size_t)(slash - p) : strlen(p);
	if (!al || al >= sizeof o->host) {
		fprintf(stderr, "sioload: bad host in --url %s\n", url);
		return -1;
	}
	memcpy(o->host, p, al);
	o->host[al] = 0;
	char host[300], port[8] = "80";
	if (o->host[0] == '[') {
		const char *rb = strchr(o->host, ']');
		if (!rb || (rb[1] && rb[1] != ':')) {
			fprintf(stderr, "sioload: bad IPv6 literal in --url %s\n", url);
			return -1;
		}
		snprintf(host, sizeof host, "%.*s", (int)(rb - o->host - 1), o->host + 1);
		if (rb[1] == ':')
			snprintf(port, sizeof port, "%s", rb + 2);
	} else {
		const char *colon = strrchr(o->host, ':');
		snprintf(host, sizeof host, "%.*s", colon ? (int)(colon - o->host) : (int)al, o->host);
		if (colon)
			snprintf(port, sizeof port, "%s", colon + 1);
	}
	char *e;
	long pn = strtol(port, &e, 10);
	if (*e || pn <= 0 || pn > 65535) {
		fprintf(stderr, "sioload: bad port in --url %s\n", url);
		return -1;
	}
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *res;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		fprintf(stderr, "sioload: cannot resolve %s: %s\n", host, gai_strerror(rc));
		return -1;
	}
	memcpy(&o->dst, res->ai_addr, res->ai_addrlen);
	o->dstlen = res->ai_addrlen;
	freeaddrinfo(res);
	/* engine.io path: default /socket.io/, always with a trailing slash */
	const char *path = slash && strcmp(slash, "/") ? slash : "/socket.io/";
	size_t pl = strcspn(path, "?#");
	if (pl + 2 > sizeof o->path) {
		fprintf(stderr, "sioload: path too long in --url\n");
		return -1;
	}
	memcpy(o->path, path, pl);
	if (o->path[pl - 1] != '/')
		o->path[pl++] = '/';
	o->path[pl] = 0;
	return 0;
}

static int add_src(struct opts *o, size_t *cap, const struct sockaddr_storage *ss)
{
	if (o->nsrc >= MAX_SRC) {
		fprintf(stderr, "sioload: more than %u source addresses\n", MAX_SRC);
		return -1;
	}
	if (o->nsrc == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		void *p = realloc(o->src, nc * sizeof *o->src);
		if (!p)
			return -1;
		o->src = p;
		*cap = nc;
	}
	o->src[o->nsrc++] = *ss;
	return 0;
}

/* One item: an IPv6 literal, or IPv4 where any octet may be "a-b". */
static int add_item(struct opts *o, size_t *cap, const char *item)
{
	struct sockaddr_storage ss = {0};
	int fam = o->dst.ss_family;
	char tmp[64];
	snprintf(tmp, sizeof tmp, "%s", item);
	if (tmp[0] == '[') { /* [v6] */
		memmove(tmp, tmp + 1, strlen(tmp));
		char *rb = strchr(tmp, ']');
		if (rb)
			*rb = 0;
	}
	if (strchr(tmp, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		if (fam != AF_INET6 || inet_pton(AF_INET6, tmp, &s6->sin6_addr) != 1)
			goto bad;
		s6->sin6_family = AF_INET6;
		return add_src(o, cap, &ss);
	}
	if (fam != AF_INET)
		goto bad;
	unsigned lo[4], hi[4];
	char *p = tmp;
	for (int i = 0; i < 4; i++) {
		char *e;
		if (!isdigit((unsigned char)*p))
			goto bad;
		lo[i] = hi[i] = (unsigned)strtoul(p, &e, 10);
		if (*e == '-') {
			p = e + 1;
			if (!isdigit((unsigned char)*p))
				goto bad;
			hi[i] = (unsigned)strtoul(p, &e, 10);
		}
		if (lo[i] > 255 || hi[i] > 255 || hi[i] < lo[i])
			goto bad;
		if (i < 3 && *e != '.')
			goto bad;
		if (i == 3 && *e)
			goto bad;
		p = e + 1;
	}
	uint64_t count = 1;
	for (int i = 0; i < 4; i++)
		count *= hi[i] - lo[i] + 1;
	if (count > MAX_SRC)
		goto bad;
	for (unsigned a = lo[0]; a <= hi[0]; a++)
		for (unsigned b = lo[1]; b <= hi[1]; b++)
			for (unsigned c = lo[2]; c <= hi[2]; c++)
				for (unsigned d = lo[3]; d <= hi[3]; d++) {
					struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
					s4->sin_family = AF_INET;
					s4->sin_addr.s_addr = htonl(a << 24 | b << 16 | c << 8 | d);
					if (add_src(o, cap, &ss))
						return -1;
				}
	return 0;
bad:
	fprintf(stderr, "sioload: bad source address '%s' (must be %s)\n", item,
		fam == AF_INET6 ? "IPv6 like the --url target" : "IPv4 like the --url target");
	return -1;
}

int parse_source_addrs(struct opts *o, const char *spec)
{
	char *text = NULL;
	struct stat st;
	if (!stat(spec, &st) && S_ISREG(st.st_mode)) {
		FILE *f = fopen(spec, "r");
		if (!f || st.st_size > (64 << 20)) {
			fprintf(stderr, "sioload: cannot read %s\n", spec);
			if (f)
				fclose(f);
			return -1;
		}
		text = calloc(1, (size_t)st.st_size + 1);
		size_t n = text ? fread(text, 1, (size_t)st.st_size, f) : 0;
		fclose(f);
		if (!text)
			return -1;
		text[n] = 0;
		/* strip comments */
		for (char *c = strchr(text, '#'); c; c = strchr(c, '#'))
			while (*c && *c != '\n')
				*c++ = ' ';
	} else {
		text = strdup(spec);
		if (!text)
			return -1;
	}
	size_t cap = 0;
	int rc = 0;
	for (char *save = NULL, *tok = strtok_r(text, ", \t\r\n", &save); tok;
	     tok = strtok_r(NULL, ", \t\r\n", &save))
		if ((rc = add_item(o, &cap, tok)))
			break;
	free(text);
	if (!rc && !o->nsrc) {
		fprintf(stderr, "sioload: --source-addrs is empty\n");
		rc = -1;
	}
	return rc;
}
