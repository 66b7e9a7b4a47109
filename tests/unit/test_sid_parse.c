// SPDX-License-Identifier: MIT
/*
 * Table-driven test of the sid parsers in bpf/sid_parse.h (the same code the BPF
 * programs run): real engine.io EIO=3/EIO=4 requests and replies, and malformed input.
 * Each case is also run with every shorter valid length, to check that a parser never
 * trusts bytes past `len` (the scratch buffer behind them is filled with garbage).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "sid_parse.h"

enum kind { REQ, RESP };

struct tcase {
	const char *name;
	enum kind kind;
	const char *in;
	size_t len;		/* 0: strlen(in) */
	int want;
	const char *sid;	/* with SID_FOUND */
};

#define SID20 "lv_VI97HAXpY6yYWAAAC"
#define EIO4_OPEN "0{\"sid\":\"" SID20 "\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000," \
		  "\"pingTimeout\":20000,\"maxPayload\":1000000}"
#define HDRS "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\n" \
	     "Content-Length: 118\r\ncache-control: no-store\r\n" \
	     "Date: Sat, 21 Nov 2026 18:00:00 GMT\r\nConnection: close\r\n\r\n"

static const struct tcase cases[] = {
	/* requests: the sid of engine.io's polling and websocket requests */
	{ "eio4 poll GET", REQ, "GET /socket.io/?EIO=4&transport=polling&t=PabcD1e&sid=" SID20 " HTTP/1.1\r\nHost: x\r\n\r\n", 0, SID_FOUND, SID20 },
	{ "eio4 poll POST", REQ, "POST /socket.io/?EIO=4&transport=polling&t=PabcD1e&sid=" SID20 " HTTP/1.1\r\nContent-Type: text/plain\r\n\r\n40", 0, SID_FOUND, SID20 },
	{ "eio4 websocket", REQ, "GET /socket.io/?EIO=4&transport=websocket&sid=" SID20 " HTTP/1.1\r\nUpgrade: websocket\r\n\r\n", 0, SID_FOUND, SID20 },
	{ "eio3 poll", REQ, "GET /socket.io/?EIO=3&transport=polling&t=NAbc123&sid=" SID20 " HTTP/1.1\r\n\r\n", 0, SID_FOUND, SID20 },
	{ "sid first", REQ, "GET /socket.io/?sid=" SID20 "&EIO=4&transport=polling HTTP/1.1\r\n", 0, SID_FOUND, SID20 },
	{ "sid before fragment", REQ, "GET /socket.io/?EIO=4&sid=abc#frag HTTP/1.1\r\n", 0, SID_FOUND, "abc" },
	{ "uuid sid", REQ, "GET /s/?EIO=4&sid=0f8fad5b-d9cb-469f-a165-70867728950e HTTP/1.1\r\n", 0, SID_FOUND, "0f8fad5b-d9cb-469f-a165-70867728950e" },
	{ "custom path", REQ, "GET /chat/engine/?EIO=4&transport=polling&sid=Zz_-09 HTTP/1.1\r\n", 0, SID_FOUND, "Zz_-09" },
	{ "sid at 48", REQ, "GET /?sid=abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV HTTP/1.1\r\n", 0, SID_FOUND, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV" },
	/* requests without a sid: a new session's handshake */
	{ "handshake", REQ, "GET /socket.io/?EIO=4&transport=polling&t=PabcD1e HTTP/1.1\r\nHost: x\r\n\r\n", 0, SID_ABSENT, NULL },
	{ "ws handshake", REQ, "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n", 0, SID_ABSENT, NULL },
	{ "no query", REQ, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 0, SID_ABSENT, NULL },
	{ "xsid is not sid", REQ, "GET /socket.io/?EIO=4&xsid=abc HTTP/1.1\r\n", 0, SID_ABSENT, NULL },
	{ "sidx is not sid", REQ, "GET /socket.io/?EIO=4&sidx=abc HTTP/1.1\r\n", 0, SID_ABSENT, NULL },
	{ "sid in path", REQ, "GET /sid=abc/?EIO=4 HTTP/1.1\r\n", 0, SID_ABSENT, NULL },
	{ "sid in header only", REQ, "GET /socket.io/?EIO=4 HTTP/1.1\r\nX-Foo: a?sid=abc\r\n", 0, SID_ABSENT, NULL },
	{ "sid after fragment", REQ, "GET /?EIO=4#&sid=abc HTTP/1.1\r\n", 0, SID_ABSENT, NULL },
	/* malformed: fall back to the address key */
	{ "empty sid", REQ, "GET /?EIO=4&sid=&t=1 HTTP/1.1\r\n", 0, SID_BAD, NULL },
	{ "sid 49 chars", REQ, "GET /?sid=abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW HTTP/1.1\r\n", 0, SID_BAD, NULL },
	{ "percent in sid", REQ, "GET /?sid=ab%2Fcd HTTP/1.1\r\n", 0, SID_BAD, NULL },
	{ "slash in sid", REQ, "GET /?sid=ab/cd HTTP/1.1\r\n", 0, SID_BAD, NULL },
	{ "nul in sid", REQ, "GET /?sid=ab\0cd HTTP/1.1\r\n", 27, SID_BAD, NULL },
	{ "sid at very end", REQ, "GET /socket.io/?EIO=4&sid=" SID20, 0, TRUNCATED, NULL },
	{ "sid= at very end", REQ, "GET /socket.io/?EIO=4&sid=", 0, TRUNCATED, NULL },
	{ "truncated request line", REQ, "GET /socket.io/?EIO=4&tra", 0, SID_ABSENT, NULL },
	{ "1 byte", REQ, "G", 0, NOT_HTTP, NULL },
	{ "4 bytes", REQ, "GET ", 0, NOT_HTTP, NULL },
	{ "empty", REQ, "", 0, NOT_HTTP, NULL },
	{ "lowercase method", REQ, "get /?sid=abc HTTP/1.1\r\n", 0, NOT_HTTP, NULL },
	{ "PUT", REQ, "PUT /?sid=abc HTTP/1.1\r\n", 0, NOT_HTTP, NULL },
	{ "TLS ClientHello", REQ, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11, NOT_HTTP, NULL },
	{ "binary", REQ, "\x00\xff\x10\x20GET /?sid=abc", 17, NOT_HTTP, NULL },
	{ "sid past window", REQ, NULL, 0, SID_ABSENT, NULL },	/* built in main(): 8 KiB query */
	/* replies: the engine.io open packet */
	{ "eio4 open", RESP, HDRS EIO4_OPEN, 0, SID_FOUND, SID20 },
	{ "eio3 open", RESP, HDRS "96:0{\"sid\":\"" SID20 "\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,\"pingTimeout\":5000}2:40", 0, SID_FOUND, SID20 },
	{ "cors headers", RESP, "HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: https://example.com\r\nAccess-Control-Allow-Credentials: true\r\nSet-Cookie: io=" SID20 "; Path=/; HttpOnly; SameSite=Lax\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Length: 118\r\n\r\n" EIO4_OPEN, 0, SID_FOUND, SID20 },
	{ "ws open frame", RESP, "\x81\x76" EIO4_OPEN, 0, SID_FOUND, SID20 },
	{ "ws 101 + frame", RESP, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x76" EIO4_OPEN, 0, SID_FOUND, SID20 },
	{ "ws 126-length frame", RESP, "\x81\x7e\x00\x80" EIO4_OPEN, sizeof("\x81\x7e\x00\x80" EIO4_OPEN) - 1, SID_FOUND, SID20 },
	{ "socket.io connect is not open", RESP, HDRS "40{\"sid\":\"abcdefghij0123456789\"}", 0, SID_ABSENT, NULL },
	{ "ws connect frame", RESP, "\x81\x1f" "40{\"sid\":\"abcdefghij0123456789\"}", 0, SID_ABSENT, NULL },
	{ "ok body", RESP, HDRS "ok", 0, SID_ABSENT, NULL },
	{ "session unknown", RESP, "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n{\"code\":1,\"message\":\"Session ID unknown\"}", 0, SID_ABSENT, NULL },
	{ "headers only", RESP, "HTTP/1.1 200 OK\r\nContent-Length: 118\r\n", 0, SID_ABSENT, NULL },
	{ "open cut in sid", RESP, HDRS "0{\"sid\":\"lv_VI97", 0, TRUNCATED, NULL },
	{ "open cut in pattern", RESP, HDRS "0{\"si", 0, SID_ABSENT, NULL },
	{ "bad sid chars", RESP, HDRS "0{\"sid\":\"ab cd\"}", 0, SID_BAD, NULL },
	{ "empty sid", RESP, HDRS "0{\"sid\":\"\"}", 0, SID_BAD, NULL },
	{ "masked frame", RESP, "\x81\xf6" EIO4_OPEN, 0, SID_ABSENT, NULL },
	{ "not http", RESP, "garbage garbage garbage", 0, NOT_HTTP, NULL },
	{ "open past window", RESP, NULL, 0, SID_ABSENT, NULL },	/* built in main() */
};

static int passed, failed;
static char big[16384];

static int run(enum kind k, const char *in, size_t len, struct siosteer_sid *sid)
{
	static union {
		struct sio_req_buf req;
		struct sio_resp_buf resp;
		char raw[SIOSTEER_RESP_WINDOW > SIOSTEER_REQ_WINDOW ? SIOSTEER_RESP_WINDOW
								    : SIOSTEER_REQ_WINDOW];
	} w;
	size_t win = k == REQ ? SIOSTEER_REQ_WINDOW : SIOSTEER_RESP_WINDOW;

	/* Bytes past len are stale garbage, as in the BPF scratch buffer. */
	memset(&w, '&', sizeof(w));
	memcpy(w.raw, in, len < win ? len : win);
	memset(sid, 0, sizeof(*sid));
	return k == REQ ? sio_parse_request(&w.req, (__u32)(len < win ? len : win), sid)
			: sio_parse_open(&w.resp, (__u32)(len < win ? len : win), sid);
}

static void check(const struct tcase *t)
{
	struct siosteer_sid sid;
	size_t len = t->len ? t->len : strlen(t->in), l;
	int r = run(t->kind, t->in, len, &sid);

	if (r != t->want || (r == SID_FOUND && (sid.len != strlen(t->sid) ||
						 memcmp(sid.s, t->sid, sid.len)))) {
		printf("FAIL %s: got %d (sid '%.*s'), want %d (sid '%s')\n", t->name, r, sid.len,
		       sid.s, t->want, t->sid ? t->sid : "");
		failed++;
		return;
	}
	passed++;
	/* Every prefix: a sid found in a prefix is the whole sid, never a cut one. */
	for (l = 0; l < len; l++) {
		r = run(t->kind, t->in, l, &sid);
		if (r == SID_FOUND && (t->want != SID_FOUND || sid.len != strlen(t->sid) ||
				       memcmp(sid.s, t->sid, sid.len))) {
			printf("FAIL %s: prefix of %zu bytes gave sid '%.*s'\n", t->name, l,
			       sid.len, sid.s);
			failed++;
			return;
		}
	}
}

int main(void)
{
	struct tcase t;
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = cases[i];
		if (!t.in && t.kind == REQ) {
			/* 8 KiB query; sid= beyond the scanned window. */
			n = (size_t)snprintf(big, sizeof(big), "GET /socket.io/?EIO=4&pad=");
			memset(big + n, 'x', 8192);
			n += 8192;
			n += (size_t)snprintf(big + n, sizeof(big) - n, "&sid=" SID20 " HTTP/1.1\r\n");
			t.in = big;
			t.len = n;
		} else if (!t.in) {
			n = (size_t)snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nX-Pad: ");
			memset(big + n, 'y', 2000);
			n += 2000;
			n += (size_t)snprintf(big + n, sizeof(big) - n, "\r\n\r\n" EIO4_OPEN);
			t.in = big;
			t.len = n;
		}
		check(&t);
	}
	printf("sid_parse: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
