/* sioload — minimal HTTP/1.1 client side: request writer and incremental response parser. */
#ifndef SIOLOAD_HTTP_H
#define SIOLOAD_HTTP_H
#include <stdbool.h>
#include "buf.h"

#define HTTP_MAX_HEADER 16384 /* a response header larger than this is a protocol error */
#define HTTP_MAX_BODY (8u << 20)

struct http_resp {
	int state;          /* HR_* in http.c */
	int status;         /* 200, 400, 101, ... */
	bool chunked, conn_close, has_length;
	unsigned long long content_length, remaining; /* body bytes still expected (CL or chunk) */
	bool got;           /* some byte of this response arrived */
	char ws_accept[40]; /* Sec-WebSocket-Accept, if any */
	struct buf body;    /* decoded body */
};

enum { HTTP_MORE = 0, HTTP_DONE = 1, HTTP_BAD = -1 };

/* Prepare r for the next response; keeps r->body's memory. */
void http_resp_reset(struct http_resp *r);
/* Consume bytes of `in`; eof: the peer closed. For a 101 response parsing stops after the
 * header and the remaining bytes stay in `in`. Returns HTTP_DONE, HTTP_MORE or HTTP_BAD. */
int http_parse(struct http_resp *r, struct buf *in, bool eof, bool head_only);

/* Append a request. query is appended to path verbatim; body may be NULL. */
int http_request(struct buf *out, const char *method, const char *host, const char *path,
		 const char *query, size_t qlen, const char *body, size_t blen, bool close);
#endif
