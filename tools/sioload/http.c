/* sioload — HTTP/1.1 request writer and incremental response parser (Content-Length,
 * chunked, read-until-close, 101 Switching Protocols). */
#include "http.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { HR_HEAD, HR_BODY_CL, HR_CHUNK_SIZE, HR_CHUNK_DATA, HR_CHUNK_CRLF, HR_TRAILER, HR_BODY_EOF,
       HR_DONE };

void http_resp_reset(struct http_resp *r)
{
	struct buf body = r->body;
	memset(r, 0, sizeof *r);
	buf_reset(&body);
	r->body = body;
}

/* Case-insensitive "does header value v (n bytes) contain token t". */
static bool has_token(const char *v, size_t n, const char *t)
{
	size_t tl = strlen(t);
	for (size_t i = 0; i + tl <= n; i++)
		if (!strncasecmp(v + i, t, tl))
			return true;
	return false;
}

static int parse_head(struct http_resp *r, const char *p, size_t n)
{
	/* Status line: HTTP/1.x SP 3DIGIT ... */
	if (n < 12 || memcmp(p, "HTTP/1.", 7) || p[8] != ' ' || !isdigit((unsigned char)p[9]) ||
	    !isdigit((unsigned char)p[10]) || !isdigit((unsigned char)p[11]))
		return -1;
	r->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	r->conn_close = p[7] == '0'; /* HTTP/1.0 defaults to close */
	const char *end = p + n, *line = memchr(p, '\n', n);
	if (!line)
		return -1;
	for (line++; line < end;) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol)
			eol = end;
		const char *le = eol;
		if (le > line && le[-1] == '\r')
			le--;
		const char *colon = memchr(line, ':', (size_t)(le - line));
		if (colon) {
			size_t kl = (size_t)(colon - line);
			const char *v = colon + 1;
			while (v < le && (*v == ' ' || *v == '\t'))
				v++;
			size_t vl = (size_t)(le - v);
			if (kl == 14 && !strncasecmp(line, "content-length", 14)) {
				char *e;
				char tmp[24];
				if (vl == 0 || vl >= sizeof tmp)
					return -1;
				memcpy(tmp, v, vl);
				tmp[vl] = 0;
				r->content_length = strtoull(tmp, &e, 10);
				if (*e && *e != ' ')
					return -1;
				r->has_length = true;
			} else if (kl == 17 && !strncasecmp(line, "transfer-encoding", 17)) {
				r->chunked = has_token(v, vl, "chunked");
			} else if (kl == 10 && !strncasecmp(line, "connection", 10)) {
				if (has_token(v, vl, "close"))
					r->conn_close = true;
				else if (has_token(v, vl, "keep-alive"))
					r->conn_close = false;
			} else if (kl == 20 && !strncasecmp(line, "sec-websocket-accept", 20)) {
				if (vl >= sizeof r->ws_accept)
					return -1;
				memcpy(r->ws_accept, v, vl);
				r->ws_accept[vl] = 0;
			}
		}
		line = eol + 1;
	}
	return 0;
}

int http_parse(struct http_resp *r, struct buf *in, bool eof, bool head_only)
{
	for (;;) {
		char *p = buf_data(in);
		size_t n = buf_avail(in);
		switch (r->state) {
		case HR_HEAD: {
			if (n)
				r->got = 1;
			char *e = NULL;
			for (size_t i = 3; i < n; i++)
				if (p[i] == '\n' && p[i - 1] == '\r' && p[i - 2] == '\n' && p[i - 3] == '\r') {
					e = p + i + 1;
					break;
				}
			if (!e) {
				if (n > HTTP_MAX_HEADER || (eof))
					return HTTP_BAD;
				return HTTP_MORE;
			}
			size_t hl = (size_t)(e - p);
			if (parse_head(r, p, hl))
				return HTTP_BAD;
			buf_consume(in, hl);
			if (r->status / 100 == 1 && r->status != 101) { /* 100 Continue: skip */
				http_resp_reset(r);
				r->got = 1;
				continue;
			}
			if (r->status == 101 || r->status == 204 || r->status == 304 || head_only) {
				r->state = HR_DONE;
				return HTTP_DONE;
			}
			if (r->chunked)
				r->state = HR_CHUNK_SIZE;
			else if (r->has_length) {
				if (r->content_length > HTTP_MAX_BODY)
					return HTTP_BAD;
				r->remaining = r->content_length;
				r->state = HR_BODY_CL;
			} else {
				r->conn_close = true;
				r->state = HR_BODY_EOF;
			}
			continue;
		}
		case HR_BODY_CL: {
			size_t take = n < r->remaining ? n : (size_t)r->remaining;
			if (take && buf_add(&r->body, p, take))
				return HTTP_BAD;
			buf_consume(in, take);
			r->remaining -= take;
			if (!r->remaining) {
				r->state = HR_DONE;
				return HTTP_DONE;
			}
			return eof ? HTTP_BAD : HTTP_MORE;
		}
		case HR_BODY_EOF:
			if (n && buf_add(&r->body, p, n))
				return HTTP_BAD;
			buf_consume(in, n);
			if (r->body.len > HTTP_MAX_BODY)
				return HTTP_BAD;
			if (eof) {
				r->state = HR_DONE;
				return HTTP_DONE;
			}
			return HTTP_MORE;
		case HR_CHUNK_SIZE:
		case HR_CHUNK_CRLF:
		case HR_TRAILER: {
			char *nl = memchr(p, '\n', n);
			if (!nl) {
				if (n > 1024 || eof)
					return HTTP_BAD;
				return HTTP_MORE;
			}
			size_t ll = (size_t)(nl - p) + 1;
			if (r->state == HR_CHUNK_CRLF) {
				if (ll > 2)
					return HTTP_BAD;
				r->state = HR_CHUNK_SIZE;
			} else if (r->state == HR_TRAILER) {
				if (ll <= 2) {
					buf_consume(in, ll);
					r->state = HR_DONE;
					return HTTP_DONE;
				}
			} else {
				char *e;
				unsigned long long sz = strtoull(p, &e, 16);
				if (e == p || (*e != '\r' && *e != ';' && *e != '\n' && *e != ' '))
					return HTTP_BAD;
				if (sz > HTTP_MAX_BODY || r->body.len + sz > HTTP_MAX_BODY)
					return HTTP_BAD;
				r->remaining = sz;
				r->state = sz ? HR_CHUNK_DATA : HR_TRAILER;
			}
			buf_consume(in, ll);
			continue;
		}
		case HR_CHUNK_DATA: {
			size_t take = n < r->remaining ? n : (size_t)r->remaining;
			if (take && buf_add(&r->body, p, take))
				return HTTP_BAD;
			buf_consume(in, take);
			r->remaining -= take;
			if (r->remaining)
				return eof ? HTTP_BAD : HTTP_MORE;
			r->state = HR_CHUNK_CRLF;
			continue;
		}
		default:
			return HTTP_DONE;
		}
	}
}

int http_request(struct buf *out, const char *method, const char *host, const char *path,
		 const char *query, size_t qlen, const char *body, size_t blen, bool close)
{
	int rc = 0;
	rc |= buf_adds(out, method);
	rc |= buf_add(out, " ", 1);
	rc |= buf_adds(out, path);
	rc |= buf_add(out, query, qlen);
	rc |= buf_adds(out, " HTTP/1.1\r\nHost: ");
	rc |= buf_adds(out, host);
	rc |= buf_adds(out, close ? "\r\nConnection: close\r\nAccept: */*\r\n"
				  : "\r\nConnection: keep-alive\r\nAccept: */*\r\n");
	if (body) {
		rc |= buf_adds(out, "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ");
		rc |= buf_addu(out, blen);
		rc |= buf_adds(out, "\r\n\r\n");
		rc |= buf_add(out, body, blen);
	} else {
		rc |= buf_adds(out, "\r\n");
	}
	return rc ? -1 : 0;
}
