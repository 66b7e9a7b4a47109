/* sioload unit tests: SHA-1/base64, WebSocket accept and framing, HTTP response parsing
 * (fed byte by byte), engine.io / Socket.IO packets, histogram quantiles.
 * Built by tools/sioload/sioload.mk as $(BUILD)/sioload-unit; run by selftest.sh. */
#include "eio.h"
#include "http.h"
#include "sha1.h"
#include "stats.h"
#include "ws.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures, checks;
#define CHECK(c)                                                                     \
	do {                                                                         \
		checks++;                                                            \
		if (!(c)) {                                                          \
			failures++;                                                  \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
		}                                                                    \
	} while (0)

static void hex(const uint8_t *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_sha1(void)
{
	static const struct { const char *in; const char *out; } v[] = {
		{"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
	};
	uint8_t d[20];
	char h[41];
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		sha1(v[i].in, strlen(v[i].in), d);
		hex(d, 20, h);
		CHECK(!strcmp(h, v[i].out));
	}
	char *a = malloc(1000000);
	memset(a, 'a', 1000000);
	sha1(a, 1000000, d);
	hex(d, 20, h);
	CHECK(!strcmp(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"));
	free(a);
	char b[16];
	base64_encode((const uint8_t *)"f", 1, b);
	CHECK(!strcmp(b, "Zg=="));
	base64_encode((const uint8_t *)"fo", 2, b);
	CHECK(!strcmp(b, "Zm8="));
	base64_encode((const uint8_t *)"foob", 4, b);
	CHECK(!strcmp(b, "Zm9vYg=="));
	base64_encode((const uint8_t *)"foobar", 6, b);
	CHECK(!strcmp(b, "Zm9vYmFy"));
	/* RFC 6455 section 1.3 example */
	char acc[29];
	ws_accept_for("dGhlIHNhbXBsZSBub25jZQ==", acc);
	CHECK(!strcmp(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
	char key[25];
	ws_make_key(1, 2, key);
	CHECK(strlen(key) == 24 && key[22] == '=' && key[23] == '=');
}

/* Feed `resp` one byte at a time; returns the final state. */
static int feed(struct http_resp *r, struct buf *in, const char *resp, size_t n, bool eof_at_end)
{
	http_resp_reset(r);
	buf_reset(in);
	int rc = HTTP_MORE;
	for (size_t i = 0; i < n && rc == HTTP_MORE; i++) {
		buf_add(in, resp + i, 1);
		rc = http_parse(r, in, false, false);
	}
	if (rc == HTTP_MORE && eof_at_end)
		rc = http_parse(r, in, true, false);
	return rc;
}

static bool body_is(struct http_resp *r, const char *s)
{
	return buf_avail(&r->body) == strlen(s) && !memcmp(buf_data(&r->body), s, strlen(s));
}

static void test_http(void)
{
	struct http_resp r = {0};
	struct buf in = {0};
	const char *cl = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ncontent-length: 12\r\n"
			 "Connection: keep-alive\r\n\r\n0{\"sid\":\"a\"}";
	CHECK(feed(&r, &in, cl, strlen(cl), false) == HTTP_DONE);
	CHECK(r.status == 200 && !r.conn_close && body_is(&r, "0{\"sid\":\"a\"}"));
	const char *ch = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
			 "4\r\n40{}\r\n3;ext=1\r\n\x1e" "42\r\n0\r\nX-Trailer: 1\r\n\r\n";
	CHECK(feed(&r, &in, ch, strlen(ch), false) == HTTP_DONE);
	CHECK(r.status == 200 && r.conn_close && body_is(&r, "40{}\x1e" "42"));
	CHECK(buf_avail(&in) == 0);
	const char *eof = "HTTP/1.0 400 Bad Request\r\n\r\n{\"code\":1,\"message\":\"Session ID unknown\"}";
	CHECK(feed(&r, &in, eof, strlen(eof), false) == HTTP_MORE);
	CHECK(feed(&r, &in, eof, strlen(eof), true) == HTTP_DONE);
	CHECK(r.status == 400 && r.conn_close);
	long long code;
	CHECK(!json_get_int(buf_data(&r.body), buf_avail(&r.body), "code", &code) && code == 1);
	const char *up = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
			 "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x02" "40";
	http_resp_reset(&r);
	buf_reset(&in);
	buf_add(&in, up, strlen(up));
	CHECK(http_parse(&r, &in, false, false) == HTTP_DONE);
	CHECK(r.status == 101 && !strcmp(r.ws_accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
	CHECK(buf_avail(&in) == 4); /* the frame stays for the WebSocket parser */
	struct ws_frame f;
	CHECK(ws_parse(buf_data(&in), buf_avail(&in), &f) == 1 && f.fin && f.opcode == WS_TEXT &&
	      f.len == 2 && !memcmp(f.payload, "40", 2));
	const char *cont = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	CHECK(feed(&r, &in, cont, strlen(cont), false) == HTTP_DONE && r.status == 200 && body_is(&r, "ok"));
	const char *bad = "HTTP/1.1 2x0 OK\r\n\r\n";
	CHECK(feed(&r, &in, bad, strlen(bad), false) == HTTP_BAD);
	const char *short_cl = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok";
	CHECK(feed(&r, &in, short_cl, strlen(short_cl), true) == HTTP_BAD);
	struct buf out = {0};
	CHECK(!http_request(&out, "POST", "h:1", "/socket.io/", "?EIO=4", 6, "40", 2, true));
	buf_add(&out, "", 1);
	CHECK(!strcmp(buf_data(&out), "POST /socket.io/?EIO=4 HTTP/1.1\r\nHost: h:1\r\nConnection: close\r\n"
				      "Accept: */*\r\nContent-Type: text/plain;charset=UTF-8\r\n"
				      "Content-Length: 2\r\n\r\n40"));
	buf_free(&out);
	buf_free(&in);
	buf_free(&r.body);
}

static void test_eio(void)
{
	const char pay[] = "2\x1e" "43/chat,12[{\"pid\":4321,\"x\":1}]\x1e" "6\x1e" "40{\"sid\":\"Ab-_9\"}";
	const char *p = pay, *e = pay + sizeof pay - 1, *pkt;
	size_t n;
	const char *want[] = {"2", "43/chat,12[{\"pid\":4321,\"x\":1}]", "6", "40{\"sid\":\"Ab-_9\"}"};
	int k = 0;
	while (eio_next(&p, e, &pkt, &n) && k < 8) {
		CHECK(k < 4 && n == strlen(want[k]) && !memcmp(pkt, want[k], n));
		k++;
	}
	CHECK(k == 4);
	struct sio_pkt s;
	const char *a = want[1] + 1;
	CHECK(!sio_parse(a, strlen(a), &s));
	CHECK(s.type == SIO_ACK && sio_nsp_is(&s, "/chat") && s.id == 12);
	long long pid;
	CHECK(!json_get_int(s.data, s.dlen, "pid", &pid) && pid == 4321);
	CHECK(json_get_int(s.data, s.dlen, "pi", &pid) == -1);
	const char *c = want[3] + 1;
	CHECK(!sio_parse(c, strlen(c), &s) && s.type == SIO_CONNECT && sio_nsp_is(&s, "/") && s.id == -1);
	char sid[64];
	CHECK(!json_get_str(s.data, s.dlen, "sid", sid, sizeof sid) && !strcmp(sid, "Ab-_9"));
	const char open[] = "{\"sid\" : \"lv_VI97HAXpY6yYWAAAC\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000}";
	CHECK(!json_get_str(open, sizeof open - 1, "sid", sid, sizeof sid) &&
	      !strcmp(sid, "lv_VI97HAXpY6yYWAAAC"));
	CHECK(sio_parse("51-[\"x\",{\"_placeholder\":true,\"num\":0}]", 38, &s) == 0 && s.type == SIO_BINARY_EVENT);
	CHECK(sio_parse("9", 1, &s) == -1);
	struct buf b = {0};
	sio_emit(&b, "/", 7, "whoami", NULL, 0);
	buf_add(&b, "\x1e", 1);
	sio_emit(&b, "/chat", 8, "echo", "abc", 3);
	buf_add(&b, "\x1e", 1);
	sio_connect(&b, "/chat");
	buf_add(&b, "", 1);
	CHECK(!strcmp(buf_data(&b), "427[\"whoami\"]\x1e" "42/chat,8[\"echo\",\"abc\"]\x1e" "40/chat,"));
	buf_free(&b);
}

static void test_ws(void)
{
	static char payload[70000];
	for (size_t i = 0; i < sizeof payload; i++)
		payload[i] = (char)('a' + i % 26);
	size_t lens[] = {0, 1, 125, 126, 65535, 65536, 69999};
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		struct buf b = {0};
		CHECK(!ws_frame(&b, WS_TEXT, payload, lens[i], 0xdeadbeef));
		CHECK(((uint8_t)b.p[1] & 0x80) != 0); /* client frames are masked */
		struct ws_frame f;
		CHECK(ws_parse(b.p, b.len - 1, &f) == (lens[i] ? 0 : 1) || lens[i] == 0);
		CHECK(ws_parse(b.p, b.len, &f) == 1);
		CHECK(f.fin && f.opcode == WS_TEXT && f.len == lens[i] && f.total == b.len &&
		      !memcmp(f.payload, payload, lens[i]));
		buf_free(&b);
	}
	char bad[] = "\xc1\x00"; /* RSV1 set */
	struct ws_frame f;
	CHECK(ws_parse(bad, 2, &f) == -1);
	char ping[] = "\x89\x7e\x00\x80"; /* control frame longer than 125 */
	CHECK(ws_parse(ping, 4, &f) == -1);
}

static void test_hist(void)
{
	static struct hist h;
	for (uint64_t v = 1; v <= 100000; v++)
		hist_add(&h, v);
	uint64_t p50 = hist_quantile(&h, 0.5), p99 = hist_quantile(&h, 0.99);
	CHECK(p50 > 49000 && p50 < 51000);
	CHECK(p99 > 97500 && p99 < 100500);
	CHECK(hist_quantile(&h, 1.0) <= 100000 && h.max == 100000 && h.min == 1);
	static struct hist g;
	hist_add(&g, 7);
	CHECK(hist_quantile(&g, 0.5) == 7 && hist_quantile(&g, 0.999) == 7);
	hist_add(&g, (uint64_t)1 << 62);
	CHECK(hist_quantile(&g, 1.0) == (uint64_t)1 << 62);
	static struct pidmap m, m2;
	pidmap_add(&m, 10, 3);
	pidmap_add(&m, 11, 1);
	pidmap_add(&m2, 10, 2);
	pidmap_merge(&m, &m2);
	uint64_t n10 = 0;
	for (unsigned i = 0; i < PIDMAP_SIZE; i++)
		if (m.n[i] && m.pid[i] == 10)
			n10 = m.n[i];
	CHECK(n10 == 5 && m.used == 2);
}

int main(void)
{
	test_sha1();
	test_http();
	test_eio();
	test_ws();
	test_hist();
	printf("sioload-unit: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
