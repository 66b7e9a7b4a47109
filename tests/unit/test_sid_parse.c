// SPDX-License-Identifier: MIT
/*
 * Unit test of the engine.io sid parsers in bpf/sid_parse.h (the code the BPF selector
 * and learner run): a table of real socket.io@4.8 / socket.io-client@4.8 / @2.5 traffic
 * (EIO=4 and EIO=3, polling and WebSocket, captured on loopback through a logging TCP
 * proxy) and of made-up and malformed input. For every case it checks:
 *  - the result and sid of sio_parse_request (requests) or of sio_parse_open and
 *    sio_parse_ws_open (replies);
 *  - the output struct: all zero unless SID_FOUND, else zero past the sid (a BPF map key);
 *  - stale bytes: the same result when the bytes past `len` in a window-sized buffer are
 *    garbage (docs/ARCHITECTURE.md, 'Scan only the current packet'); the input itself is
 *    a heap copy of exactly `len` bytes, so a sanitizer build catches any read past it;
 *  - every prefix of an input that carries a sid: cut before the sid starts it gives
 *    NOT_HTTP or SID_ABSENT, cut inside it TRUNCATED, with its delimiter the same sid;
 *    and no prefix of any input gives another sid.
 * Prints a line per failure and ends with "sid_parse: N passed, N failed".
 *
 *   gcc -O2 -g -Wall -Wextra -std=gnu11 -Ibpf -o build/tests/test_sid_parse
 * tests/unit/test_sid_parse.c (add -fsanitize=address,undefined to check the reads)
 *
 * tests/bpf/test_sid_parse_bpf.c runs the same table in the kernel: it includes this
 * file with SID_CASES_ONLY defined (the table and sid_case_input(), no main()).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sid_parse.h"

enum sid_kind { REQ, RESP };

struct sid_case {
	const char *name;
	enum sid_kind kind;
	const char *in;
	size_t len;
	int want; /* REQ: sio_parse_request; RESP: sio_parse_open */
	int want_ws; /* RESP: sio_parse_ws_open */
	const char *sid; /* the sid wherever SID_FOUND is expected */
	int gen; /* != 0: input built by sid_case_input() */
};

#define IN(x) x, sizeof(x) - 1

/* clang-format off */
/* ---- real traffic: socket.io@4.8.4 server (allowEIO3, cors credentials, cookie) ---- */

/* seg_000_C, 151 bytes */
#define CAP_000 \
	"GET /socket.io/?EIO=4&transport=polling&t=stcpqjoe HTTP/1.1\r\n" \
	"User-Agent: node-XMLHttpRequest\r\n" \
	"Accept: */*\r\n" \
	"Host: 127.0.0.1:41727\r\n" \
	"Connection: close\r\n" \
	"\r\n"

/* seg_002_C, 238 bytes */
#define CAP_002 \
	"POST /socket.io/?EIO=4&transport=polling&t=stcqb3xs&sid=g4F1B6xlO8_ZLG6-AAAA HTTP/1.1\r\n" \
	"User-Agent: node-XMLHttpRequest\r\n" \
	"Accept: */*\r\n" \
	"Content-type: text/plain;charset=UTF-8\r\n" \
	"Host: 127.0.0.1:41727\r\n" \
	"Content-Length: 2\r\n" \
	"Connection: close\r\n" \
	"\r\n" \
	"40"

/* seg_003_C, 285 bytes */
#define CAP_003 \
	"GET /socket.io/?EIO=4&transport=websocket&sid=g4F1B6xlO8_ZLG6-AAAA HTTP/1.1\r\n" \
	"Sec-WebSocket-Version: 13\r\n" \
	"Sec-WebSocket-Key: MTKXh14XCKH/QS0G9I13LA==\r\n" \
	"Connection: Upgrade\r\n" \
	"Upgrade: websocket\r\n" \
	"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" \
	"Host: 127.0.0.1:41727\r\n" \
	"\r\n"

/* seg_005_C, 176 bytes */
#define CAP_005 \
	"GET /socket.io/?EIO=4&transport=polling&t=stcqd7pn&sid=g4F1B6xlO8_ZLG6-AAAA HTTP/1.1\r\n" \
	"User-Agent: node-XMLHttpRequest\r\n" \
	"Accept: */*\r\n" \
	"Host: 127.0.0.1:41727\r\n" \
	"Connection: close\r\n" \
	"\r\n"

/* seg_008_C, 12 bytes */
#define CAP_008 \
	"\201\206\307\322\254R\365\242\336=\245\267"

/* seg_018_C, 260 bytes */
#define CAP_018 \
	"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n" \
	"Sec-WebSocket-Version: 13\r\n" \
	"Sec-WebSocket-Key: zS0tuPBQR6b8CtJXEXU2zw==\r\n" \
	"Connection: Upgrade\r\n" \
	"Upgrade: websocket\r\n" \
	"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" \
	"Host: 127.0.0.1:41727\r\n" \
	"\r\n"

/* seg_044_C, 156 bytes */
#define CAP_044 \
	"GET /socket.io/?EIO=3&transport=polling&t=Q7_ah4-&b64=1 HTTP/1.1\r\n" \
	"User-Agent: node-XMLHttpRequest\r\n" \
	"Accept: */*\r\n" \
	"Host: 127.0.0.1:41727\r\n" \
	"Connection: close\r\n" \
	"\r\n"

/* seg_046_C, 285 bytes */
#define CAP_046 \
	"GET /socket.io/?EIO=3&transport=websocket&sid=ZguyRpmKBQgpPGImAAAD HTTP/1.1\r\n" \
	"Sec-WebSocket-Version: 13\r\n" \
	"Sec-WebSocket-Key: SLVU0rKNIA/k1K0rQiQIRQ==\r\n" \
	"Connection: Upgrade\r\n" \
	"Upgrade: websocket\r\n" \
	"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" \
	"Host: 127.0.0.1:41727\r\n" \
	"\r\n"

/* seg_047_C, 181 bytes */
#define CAP_047 \
	"GET /socket.io/?EIO=3&transport=polling&t=Q7_ah54&b64=1&sid=ZguyRpmKBQgpPGImAAAD HTTP/1.1\r\n" \
	"User-Agent: node-XMLHttpRequest\r\n" \
	"Accept: */*\r\n" \
	"Host: 127.0.0.1:41727\r\n" \
	"Connection: close\r\n" \
	"\r\n"

/* seg_052_C, 273 bytes */
#define CAP_052 \
	"POST /socket.io/?EIO=3&transport=polling&t=Q7_ah5C&b64=1&sid=ZguyRpmKBQgpPGImAAAD HTTP/1.1\r\n" \
	"User-Agent: node-XMLHttpRequest\r\n" \
	"Accept: */*\r\n" \
	"Content-Type: text/plain;charset=UTF-8\r\n" \
	"Host: 127.0.0.1:41727\r\n" \
	"Content-Length: 31\r\n" \
	"Connection: close\r\n" \
	"\r\n" \
	"28:420[\"hi\",\"hello v2-default\"]"

/* seg_072_C, 183 bytes */
#define CAP_072 \
	"GET /socket.io/?EIO=3&transport=polling&t=Q7_ahOO.0&b64=1&sid=bOy13HFqf8HkODXMAAAF HTTP/1.1\r\n" \
	"User-Agent: node-XMLHttpRequest\r\n" \
	"Accept: */*\r\n" \
	"Host: 127.0.0.1:41727\r\n" \
	"Connection: close\r\n" \
	"\r\n"

/* seg_001_S, 421 bytes */
#define CAP_001 \
	"HTTP/1.1 200 OK\r\n" \
	"Access-Control-Allow-Origin: *\r\n" \
	"Access-Control-Allow-Credentials: true\r\n" \
	"Content-Type: text/plain; charset=UTF-8\r\n" \
	"Content-Length: 118\r\n" \
	"cache-control: no-store\r\n" \
	"Set-Cookie: io=g4F1B6xlO8_ZLG6-AAAA; Path=/; HttpOnly; SameSite=Lax\r\n" \
	"Date: Sat, 21 Nov 2026 19:26:04 GMT\r\n" \
	"Connection: close\r\n" \
	"\r\n" \
	"0{\"sid\":\"g4F1B6xlO8_ZLG6-AAAA\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}"

/* seg_004_S, 218 bytes */
#define CAP_004 \
	"HTTP/1.1 200 OK\r\n" \
	"Access-Control-Allow-Origin: *\r\n" \
	"Access-Control-Allow-Credentials: true\r\n" \
	"Content-Type: text/html\r\n" \
	"Content-Length: 2\r\n" \
	"cache-control: no-store\r\n" \
	"Date: Sat, 21 Nov 2026 19:26:04 GMT\r\n" \
	"Connection: close\r\n" \
	"\r\n" \
	"ok"

/* seg_006_S, 201 bytes */
#define CAP_006 \
	"HTTP/1.1 101 Switching Protocols\r\n" \
	"Upgrade: websocket\r\n" \
	"Connection: Upgrade\r\n" \
	"Sec-WebSocket-Accept: V8UidpQnkofzE2CPuYwVChpHOw4=\r\n" \
	"Access-Control-Allow-Origin: *\r\n" \
	"Access-Control-Allow-Credentials: true\r\n" \
	"\r\n"

/* seg_007_S, 265 bytes */
#define CAP_007 \
	"HTTP/1.1 200 OK\r\n" \
	"Access-Control-Allow-Origin: *\r\n" \
	"Access-Control-Allow-Credentials: true\r\n" \
	"Content-Type: text/plain; charset=UTF-8\r\n" \
	"Content-Length: 32\r\n" \
	"cache-control: no-store\r\n" \
	"Date: Sat, 21 Nov 2026 19:26:04 GMT\r\n" \
	"Connection: close\r\n" \
	"\r\n" \
	"40{\"sid\":\"Gn3ZHtSjGjEyvIGtAAAA\"}"

/* seg_009_S, 8 bytes */
#define CAP_009 \
	"\201\0063probe"

/* seg_017_S, 2 bytes */
#define CAP_017 \
	"\210\000"

/* seg_019_S, 310 bytes */
#define CAP_019 \
	"HTTP/1.1 101 Switching Protocols\r\n" \
	"Upgrade: websocket\r\n" \
	"Connection: Upgrade\r\n" \
	"Sec-WebSocket-Accept: pWEBocF0m7hrWlajNUFn0YxyKTU=\r\n" \
	"Access-Control-Allow-Origin: *\r\n" \
	"Access-Control-Allow-Credentials: true\r\n" \
	"\r\n" \
	"\201k0{\"sid\":\"abni3rPC4acfuWmPAAAB\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}"

/* seg_021_S, 34 bytes */
#define CAP_021 \
	"\201 40{\"sid\":\"Sgho4T935ErCnRMAAAAB\"}"

/* seg_023_S, 40 bytes */
#define CAP_023 \
	"\201\03342[\"yo\",\"hello v4-ws-only\"]\201\011430[\"ok\"]"

/* seg_042_S, 233 bytes */
#define CAP_042 \
	"HTTP/1.1 200 OK\r\n" \
	"Access-Control-Allow-Origin: *\r\n" \
	"Access-Control-Allow-Credentials: true\r\n" \
	"Content-Type: text/plain; charset=UTF-8\r\n" \
	"Content-Length: 1\r\n" \
	"cache-control: no-store\r\n" \
	"Date: Sat, 21 Nov 2026 19:26:05 GMT\r\n" \
	"Connection: close\r\n" \
	"\r\n" \
	"6"

/* seg_045_S, 425 bytes */
#define CAP_045 \
	"HTTP/1.1 200 OK\r\n" \
	"Access-Control-Allow-Origin: *\r\n" \
	"Access-Control-Allow-Credentials: true\r\n" \
	"Content-Type: text/plain; charset=UTF-8\r\n" \
	"Content-Length: 122\r\n" \
	"cache-control: no-store\r\n" \
	"Set-Cookie: io=ZguyRpmKBQgpPGImAAAD; Path=/; HttpOnly; SameSite=Lax\r\n" \
	"Date: Sat, 21 Nov 2026 19:26:06 GMT\r\n" \
	"Connection: close\r\n" \
	"\r\n" \
	"118:0{\"sid\":\"ZguyRpmKBQgpPGImAAAD\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}"

/* seg_049_S, 236 bytes */
#define CAP_049 \
	"HTTP/1.1 200 OK\r\n" \
	"Access-Control-Allow-Origin: *\r\n" \
	"Access-Control-Allow-Credentials: true\r\n" \
	"Content-Type: text/plain; charset=UTF-8\r\n" \
	"Content-Length: 4\r\n" \
	"cache-control: no-store\r\n" \
	"Date: Sat, 21 Nov 2026 19:26:06 GMT\r\n" \
	"Connection: close\r\n" \
	"\r\n" \
	"2:40"

/* seg_055_S, 274 bytes */
#define CAP_055 \
	"HTTP/1.1 200 OK\r\n" \
	"Access-Control-Allow-Origin: *\r\n" \
	"Access-Control-Allow-Credentials: true\r\n" \
	"Content-Type: text/plain; charset=UTF-8\r\n" \
	"Content-Length: 41\r\n" \
	"cache-control: no-store\r\n" \
	"Date: Sat, 21 Nov 2026 19:26:06 GMT\r\n" \
	"Connection: close\r\n" \
	"\r\n" \
	"27:42[\"yo\",\"hello v2-default\"]9:430[\"ok\"]"

/* seg_061_S, 314 bytes */
#define CAP_061 \
	"HTTP/1.1 101 Switching Protocols\r\n" \
	"Upgrade: websocket\r\n" \
	"Connection: Upgrade\r\n" \
	"Sec-WebSocket-Accept: U1SOBiGxMIeEcQzLTCOZ30shQzU=\r\n" \
	"Access-Control-Allow-Origin: *\r\n" \
	"Access-Control-Allow-Credentials: true\r\n" \
	"\r\n" \
	"\201k0{\"sid\":\"Zu8trV9EdGT4lGPlAAAE\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}\201\00240"


/* ---- made-up input ---- */

#define SID20 "lv_VI97HAXpY6yYWAAAC"
#define UUID  "0f8fad5b-d9cb-469f-a165-70867728950e"
#define SID48 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
#define SID49 SID48 "W"
#define OPEN4(sid)                                                                          \
	"0{\"sid\":\"" sid "\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,"        \
	"\"pingTimeout\":20000,\"maxPayload\":1000000}"
#define H200                                                                                \
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\n"                    \
	"Content-Length: 118\r\ncache-control: no-store\r\n"                               \
	"Date: Sat, 21 Nov 2026 19:26:04 GMT\r\nConnection: keep-alive\r\n"                 \
	"Keep-Alive: timeout=5\r\n\r\n"
#define H101                                                                                \
	"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"  \
	"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
#define WS118 "\201\166" /* FIN+text, unmasked, 118 bytes: OPEN4 of a 20-char sid */

enum { GEN_NONE, GEN_REQ_8K, GEN_REQ_LONG_PATH, GEN_REQ_EDGE_IN, GEN_REQ_EDGE_OUT, GEN_RESP_PAST, GEN_RESP_EDGE_IN,
       GEN_RESP_EDGE_OUT };

static const struct sid_case sid_cases[] = {
	/* real requests */
	{ "v4 handshake GET", REQ, IN(CAP_000), SID_ABSENT, 0, NULL, 0 },
	{ "v4 polling POST", REQ, IN(CAP_002), SID_FOUND, 0, "g4F1B6xlO8_ZLG6-AAAA", 0 },
	{ "v4 websocket upgrade", REQ, IN(CAP_003), SID_FOUND, 0, "g4F1B6xlO8_ZLG6-AAAA", 0 },
	{ "v4 polling GET", REQ, IN(CAP_005), SID_FOUND, 0, "g4F1B6xlO8_ZLG6-AAAA", 0 },
	{ "v4 masked client frame", REQ, IN(CAP_008), NOT_HTTP, 0, NULL, 0 },
	{ "v4 websocket-only upgrade", REQ, IN(CAP_018), SID_ABSENT, 0, NULL, 0 },
	{ "v2 handshake GET (EIO=3, b64)", REQ, IN(CAP_044), SID_ABSENT, 0, NULL, 0 },
	{ "v2 websocket upgrade", REQ, IN(CAP_046), SID_FOUND, 0, "ZguyRpmKBQgpPGImAAAD", 0 },
	{ "v2 polling GET", REQ, IN(CAP_047), SID_FOUND, 0, "ZguyRpmKBQgpPGImAAAD", 0 },
	{ "v2 polling POST", REQ, IN(CAP_052), SID_FOUND, 0, "ZguyRpmKBQgpPGImAAAD", 0 },
	{ "v2 polling GET t=x.0", REQ, IN(CAP_072), SID_FOUND, 0, "bOy13HFqf8HkODXMAAAF", 0 },

	/* made-up requests: where sid= is and is not */
	{ "sid first", REQ, IN("GET /socket.io/?sid=" SID20 "&EIO=4&transport=polling HTTP/1.1\r\n"), SID_FOUND, 0, SID20, 0 },
	{ "sid then t=", REQ, IN("GET /socket.io/?EIO=4&transport=polling&sid=" SID20 "&t=Pabc123 HTTP/1.1\r\n"), SID_FOUND, 0, SID20, 0 },
	{ "design example", REQ, IN("GET /socket.io/?EIO=4&transport=polling&t=Pabc&sid=" SID20 " HTTP/1.1\r\n"), SID_FOUND, 0, SID20, 0 },
	{ "custom path, HTTP/1.0", REQ, IN("GET /chat/engine/?EIO=4&transport=polling&sid=Zz_-09 HTTP/1.0\r\n\r\n"), SID_FOUND, 0, "Zz_-09", 0 },
	{ "uuid sid (36)", REQ, IN("GET /s/?EIO=4&sid=" UUID " HTTP/1.1\r\n"), SID_FOUND, 0, UUID, 0 },
	{ "sid of 48 chars", REQ, IN("GET /?sid=" SID48 " HTTP/1.1\r\n"), SID_FOUND, 0, SID48, 0 },
	{ "empty param before sid", REQ, IN("GET /?EIO=4&&sid=abc HTTP/1.1\r\n"), SID_FOUND, 0, "abc", 0 },
	{ "first sid wins", REQ, IN("GET /?sid=first&sid=second HTTP/1.1\r\n"), SID_FOUND, 0, "first", 0 },
	{ "xsid then sid", REQ, IN("GET /?xsid=nope&sid=yes HTTP/1.1\r\n"), SID_FOUND, 0, "yes", 0 },
	{ "sid before fragment", REQ, IN("GET /?EIO=4&sid=abc#frag HTTP/1.1\r\n"), SID_FOUND, 0, "abc", 0 },
	{ "no HTTP version", REQ, IN("GET /?sid=abc\r\n"), SID_FOUND, 0, "abc", 0 },
	{ "sid= in POST body only", REQ, IN("POST /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nContent-Length: 9\r\n\r\nsid=abcde"), SID_ABSENT, 0, NULL, 0 },
	{ "xsid is not sid", REQ, IN("GET /socket.io/?EIO=4&xsid=abc HTTP/1.1\r\n"), SID_ABSENT, 0, NULL, 0 },
	{ "sidx is not sid", REQ, IN("GET /socket.io/?EIO=4&sidx=abc HTTP/1.1\r\n"), SID_ABSENT, 0, NULL, 0 },
	{ "SID is not sid", REQ, IN("GET /socket.io/?EIO=4&SID=abc HTTP/1.1\r\n"), SID_ABSENT, 0, NULL, 0 },
	{ "sid in path", REQ, IN("GET /sid=abc/?EIO=4 HTTP/1.1\r\n"), SID_ABSENT, 0, NULL, 0 },
	{ "sid after a second ?", REQ, IN("GET /?a=?sid=abc HTTP/1.1\r\n"), SID_ABSENT, 0, NULL, 0 },
	{ "sid after fragment", REQ, IN("GET /?EIO=4#&sid=abc HTTP/1.1\r\n"), SID_ABSENT, 0, NULL, 0 },
	{ "sid in a header", REQ, IN("GET /socket.io/?EIO=4 HTTP/1.1\r\nReferer: /?sid=abc\r\n\r\n"), SID_ABSENT, 0, NULL, 0 },
	{ "no query", REQ, IN("GET / HTTP/1.1\r\n\r\n"), SID_ABSENT, 0, NULL, 0 },

	/* malformed sids: SID_BAD */
	{ "empty sid", REQ, IN("GET /?EIO=4&sid=&t=1 HTTP/1.1\r\n"), SID_BAD, 0, NULL, 0 },
	{ "empty sid at the end", REQ, IN("GET /?EIO=4&sid= HTTP/1.1\r\n"), SID_BAD, 0, NULL, 0 },
	{ "sid of 49 chars", REQ, IN("GET /?sid=" SID49 " HTTP/1.1\r\n"), SID_BAD, 0, NULL, 0 },
	{ "percent-encoded sid", REQ, IN("GET /?sid=ab%2Dcd HTTP/1.1\r\n"), SID_BAD, 0, NULL, 0 },
	{ "plus in sid", REQ, IN("GET /?sid=ab+cd HTTP/1.1\r\n"), SID_BAD, 0, NULL, 0 },
	{ "dot in sid", REQ, IN("GET /?sid=ab.cd HTTP/1.1\r\n"), SID_BAD, 0, NULL, 0 },
	{ "NUL in sid", REQ, IN("GET /?sid=ab\000cd HTTP/1.1\r\n"), SID_BAD, 0, NULL, 0 },
	{ "UTF-8 in sid", REQ, IN("GET /?sid=ab\303\251cd HTTP/1.1\r\n"), SID_BAD, 0, NULL, 0 },

	/* cut short: TRUNCATED once the sid has started, else SID_ABSENT or NOT_HTTP */
	{ "sid runs to the end", REQ, IN("GET /socket.io/?EIO=4&sid=" SID20), TRUNCATED, 0, NULL, 0 },
	{ "sid= at the very end", REQ, IN("GET /socket.io/?EIO=4&sid="), TRUNCATED, 0, NULL, 0 },
	{ "cut inside sid=", REQ, IN("GET /socket.io/?EIO=4&si"), SID_ABSENT, 0, NULL, 0 },
	{ "request line cut in query", REQ, IN("GET /socket.io/?EIO=4&tra"), SID_ABSENT, 0, NULL, 0 },
	{ "request line cut after GET /", REQ, IN("GET /"), SID_ABSENT, 0, NULL, 0 },
	{ "1 byte: G", REQ, IN("G"), NOT_HTTP, 0, NULL, 0 },
	{ "method only", REQ, IN("POST "), NOT_HTTP, 0, NULL, 0 },
	{ "empty", REQ, IN(""), NOT_HTTP, 0, NULL, 0 },
	{ "path longer than the window", REQ, NULL, 0, SID_ABSENT, 0, NULL, GEN_REQ_LONG_PATH },
	{ "8 KiB query, sid past the window", REQ, NULL, 0, SID_ABSENT, 0, NULL, GEN_REQ_8K },
	{ "sid ends at the window's last byte", REQ, NULL, 0, SID_FOUND, 0, SID20, GEN_REQ_EDGE_IN },
	{ "sid ends one byte past the window", REQ, NULL, 0, TRUNCATED, 0, NULL, GEN_REQ_EDGE_OUT },

	/* not a GET/POST request: NOT_HTTP */
	{ "1 byte: X", REQ, IN("X"), NOT_HTTP, 0, NULL, 0 },
	{ "TLS ClientHello", REQ, IN("\026\003\001\002\000\001\000\001\374\003\003"), NOT_HTTP, 0, NULL, 0 },
	{ "binary then GET", REQ, IN("\000\377\020 GET /?sid=abc "), NOT_HTTP, 0, NULL, 0 },
	{ "lowercase get", REQ, IN("get /?sid=abc HTTP/1.1\r\n"), NOT_HTTP, 0, NULL, 0 },
	{ "OPTIONS preflight", REQ, IN("OPTIONS /socket.io/?EIO=4&sid=abc HTTP/1.1\r\n"), NOT_HTTP, 0, NULL, 0 },
	{ "absolute-form target", REQ, IN("GET http://h/socket.io/?sid=abc HTTP/1.1\r\n"), NOT_HTTP, 0, NULL, 0 },
	{ "NUL in path", REQ, IN("GET /sock\000et.io/?sid=abc HTTP/1.1\r\n"), NOT_HTTP, 0, NULL, 0 },
	{ "TAB in query", REQ, IN("GET /?EIO=4\t&sid=abc HTTP/1.1\r\n"), NOT_HTTP, 0, NULL, 0 },
	{ "a reply is not a request", REQ, IN(CAP_001), NOT_HTTP, 0, NULL, 0 },

	/* real replies: sio_parse_open, sio_parse_ws_open */
	{ "v4 open (CORS, Set-Cookie)", RESP, IN(CAP_001), SID_FOUND, SID_ABSENT, "g4F1B6xlO8_ZLG6-AAAA", 0 },
	{ "v4 POST answer ok", RESP, IN(CAP_004), SID_ABSENT, SID_ABSENT, NULL, 0 },
	{ "v4 101 without frame", RESP, IN(CAP_006), SID_ABSENT, SID_ABSENT, NULL, 0 },
	{ "v4 socket.io CONNECT 40{sid}", RESP, IN(CAP_007), SID_ABSENT, SID_ABSENT, NULL, 0 },
	{ "v4 3probe frame", RESP, IN(CAP_009), SID_ABSENT, SID_ABSENT, NULL, 0 },
	{ "v4 close frame", RESP, IN(CAP_017), NOT_HTTP, NOT_HTTP, NULL, 0 },
	{ "v4 websocket-only 101 + open", RESP, IN(CAP_019), SID_FOUND, SID_FOUND, "abni3rPC4acfuWmPAAAB", 0 },
	{ "v4 frame 40{sid}", RESP, IN(CAP_021), SID_ABSENT, SID_ABSENT, NULL, 0 },
	{ "v4 frames 42, 430", RESP, IN(CAP_023), SID_ABSENT, SID_ABSENT, NULL, 0 },
	{ "v4 noop body 6", RESP, IN(CAP_042), SID_ABSENT, SID_ABSENT, NULL, 0 },
	{ "v2 open 118:0{", RESP, IN(CAP_045), SID_FOUND, SID_ABSENT, "ZguyRpmKBQgpPGImAAAD", 0 },
	{ "v2 body 2:40", RESP, IN(CAP_049), SID_ABSENT, SID_ABSENT, NULL, 0 },
	{ "v2 body 27:42[..]9:430[..]", RESP, IN(CAP_055), SID_ABSENT, SID_ABSENT, NULL, 0 },
	{ "v2 websocket-only 101 + open + 40", RESP, IN(CAP_061), SID_FOUND, SID_FOUND, "Zu8trV9EdGT4lGPlAAAE", 0 },

	/* made-up replies */
	{ "eio4 open", RESP, IN(H200 OPEN4(SID20)), SID_FOUND, SID_ABSENT, SID20, 0 },
	{ "eio4 open, HTTP/1.0, no reason", RESP, IN("HTTP/1.0 200\r\nContent-Length: 118\r\n\r\n" OPEN4(SID20)), SID_FOUND, SID_ABSENT, SID20, 0 },
	{ "eio4 open, bare status line", RESP, IN("HTTP/1.1 200\r\n\r\n" OPEN4(SID20)), SID_FOUND, SID_ABSENT, SID20, 0 },
	{ "eio4 open, uuid sid", RESP, IN(H200 OPEN4(UUID)), SID_FOUND, SID_ABSENT, UUID, 0 },
	{ "python-engineio style open", RESP, IN(H200 "0{\"sid\":\"" SID20 "\",\"upgrades\":[],\"pingTimeout\":20000,\"pingInterval\":25000}"), SID_FOUND, SID_ABSENT, SID20, 0 },
	{ "eio3 open 96:", RESP, IN(H200 "96:0{\"sid\":\"" SID20 "\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,\"pingTimeout\":5000}2:40"), SID_FOUND, SID_ABSENT, SID20, 0 },
	{ "eio3 binary payload open", RESP, IN(H200 "\000\001\001\010\377" OPEN4(SID20)), SID_FOUND, SID_ABSENT, SID20, 0 },
	{ "chunked eio4 open", RESP, IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n76\r\n" OPEN4(SID20) "\r\n0\r\n\r\n"), SID_FOUND, SID_ABSENT, SID20, 0 },
	{ "chunked eio3 open", RESP, IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7a\r\n118:" OPEN4(SID20) "\r\n"), SID_FOUND, SID_ABSENT, SID20, 0 },
	{ "socket.io CONNECT 40{sid}", RESP, IN(H200 "40{\"sid\":\"abcdefghij0123456789\"}"), SID_ABSENT, SID_ABSENT, NULL, 0 },
	{ "eio3 CONNECT 31:40{sid}", RESP, IN(H200 "31:40{\"sid\":\"abcdefghij0123456789\"}"), SID_ABSENT, SID_ABSENT, NULL, 0 },
	{ "session unknown 400", RESP, IN("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n{\"code\":1,\"message\":\"Session ID unknown\"}"), SID_ABSENT, SID_ABSENT, NULL, 0 },
	{ "open body under a 404", RESP, IN("HTTP/1.1 404 Not Found\r\n\r\n" OPEN4(SID20)), SID_ABSENT, SID_ABSENT, NULL, 0 },
	{ "open, sid with backslash", RESP, IN(H200 "0{\"sid\":\"ab\\\"cd\"}"), SID_BAD, SID_ABSENT, NULL, 0 },
	{ "open, sid with space", RESP, IN(H200 "0{\"sid\":\"ab cd\"}"), SID_BAD, SID_ABSENT, NULL, 0 },
	{ "open, empty sid", RESP, IN(H200 "0{\"sid\":\"\"}"), SID_BAD, SID_ABSENT, NULL, 0 },
	{ "open, sid of 49 chars", RESP, IN(H200 "0{\"sid\":\"" SID49 "\"}"), SID_BAD, SID_ABSENT, NULL, 0 },
	{ "open, spaced JSON", RESP, IN(H200 "0{ \"sid\": \"" SID20 "\"}"), SID_ABSENT, SID_ABSENT, NULL, 0 },
	{ "open cut in sid", RESP, IN(H200 "0{\"sid\":\"lv_VI97"), TRUNCATED, SID_ABSENT, NULL, 0 },
	{ "open cut after \"sid\":\"", RESP, IN(H200 "0{\"sid\":\""), TRUNCATED, SID_ABSENT, NULL, 0 },
	{ "open cut in pattern", RESP, IN(H200 "0{\"si"), SID_ABSENT, SID_ABSENT, NULL, 0 },
	{ "eio3 open cut after 96:", RESP, IN(H200 "96:"), SID_ABSENT, SID_ABSENT, NULL, 0 },
	{ "headers cut", RESP, IN("HTTP/1.1 200 OK\r\nContent-Length: 118\r\nSet-Cookie: io=abc"), SID_ABSENT, SID_ABSENT, NULL, 0 },
	{ "headers end, body in the next segment", RESP, IN(H200), SID_ABSENT, SID_ABSENT, NULL, 0 },
	{ "the next segment: body alone", RESP, IN(OPEN4(SID20)), NOT_HTTP, NOT_HTTP, NULL, 0 },
	{ "status line cut", RESP, IN("HTTP/1.1 20"), NOT_HTTP, NOT_HTTP, NULL, 0 },
	{ "open past the window", RESP, NULL, 0, SID_ABSENT, SID_ABSENT, NULL, GEN_RESP_PAST },
	{ "open quote at the window's last byte", RESP, NULL, 0, SID_FOUND, SID_ABSENT, SID20, GEN_RESP_EDGE_IN },
	{ "open quote one byte past the window", RESP, NULL, 0, TRUNCATED, SID_ABSENT, NULL, GEN_RESP_EDGE_OUT },
	{ "ws open frame", RESP, IN(WS118 OPEN4(SID20)), SID_FOUND, SID_FOUND, SID20, 0 },
	{ "ws open frame, 16-bit length", RESP, IN("\201\176\000\166" OPEN4(SID20)), SID_FOUND, SID_FOUND, SID20, 0 },
	{ "ws 101 + open frame", RESP, IN(H101 WS118 OPEN4(SID20)), SID_FOUND, SID_FOUND, SID20, 0 },
	{ "ws 101 + 40{sid} frame", RESP, IN(H101 "\201\040" "40{\"sid\":\"abcdefghij0123456789\"}"), SID_ABSENT, SID_ABSENT, NULL, 0 },
	{ "ws masked frame", RESP, IN("\201\366\001\002\003\004" OPEN4(SID20)), SID_ABSENT, SID_ABSENT, NULL, 0 },
	{ "ws 64-bit length", RESP, IN("\201\177\000\000\000\000\000\000\000\166" OPEN4(SID20)), SID_ABSENT, SID_ABSENT, NULL, 0 },
	{ "ws compressed frame (RSV1)", RESP, IN("\301\166" OPEN4(SID20)), NOT_HTTP, NOT_HTTP, NULL, 0 },
	{ "ws frame cut after 0x81", RESP, IN("\201"), SID_ABSENT, SID_ABSENT, NULL, 0 },
	{ "ws open cut in sid", RESP, IN(WS118 "0{\"sid\":\"lv_VI"), TRUNCATED, TRUNCATED, NULL, 0 },
	{ "a request is not a reply", RESP, IN(CAP_002), NOT_HTTP, NOT_HTTP, NULL, 0 },
	{ "empty reply", RESP, IN(""), NOT_HTTP, NOT_HTTP, NULL, 0 },
};

/* clang-format on */

#define SID_NCASES (sizeof(sid_cases) / sizeof(sid_cases[0]))

/*
 * The input of case c (generated ones built into buf, of cap bytes); returns its length
 * and sets *in.
 */
static size_t sid_case_input(const struct sid_case *c, char *buf, size_t cap, const char **in)
{
	static const char open_tail[] = "\",\"upgrades\":[]}";
	size_t n = 0, pad;

	*in = buf;
	switch (c->gen) {
	case GEN_NONE:
		*in = c->in;
		return c->len;
	case GEN_REQ_8K: /* an 8 KiB parameter before sid= */
		n = (size_t)snprintf(buf, cap, "GET /socket.io/?EIO=4&pad=");
		memset(buf + n, 'x', 8192);
		n += 8192;
		n += (size_t)snprintf(buf + n, cap - n, "&sid=" SID20 " HTTP/1.1\r\n\r\n");
		return n;
	case GEN_REQ_LONG_PATH: /* 700 path bytes, then the query */
		n = (size_t)snprintf(buf, cap, "GET /");
		memset(buf + n, 'p', 700);
		n += 700;
		n += (size_t)snprintf(buf + n, cap - n, "?EIO=4&sid=" SID20 " HTTP/1.1\r\n\r\n");
		return n;
	case GEN_REQ_EDGE_IN: /* the ' ' after the sid is byte WINDOW - 1 */
	case GEN_REQ_EDGE_OUT: /* ... or byte WINDOW */
		pad = SIOSTEER_REQ_WINDOW - 1 - strlen("GET /?pad=&sid=" SID20) +
		      (c->gen == GEN_REQ_EDGE_OUT);
		n = (size_t)snprintf(buf, cap, "GET /?pad=");
		memset(buf + n, 'p', pad);
		n += pad;
		n += (size_t)snprintf(buf + n, cap - n, "&sid=" SID20 " HTTP/1.1\r\n\r\n");
		return n;
	case GEN_RESP_PAST: /* 2000 bytes of headers */
		n = (size_t)snprintf(buf, cap, "HTTP/1.1 200 OK\r\nX-Pad: ");
		memset(buf + n, 'y', 2000);
		n += 2000;
		n += (size_t)snprintf(buf + n, cap - n, "\r\n\r\n" OPEN4(SID20));
		return n;
	case GEN_RESP_EDGE_IN: /* the sid's closing quote is byte WINDOW - 1 */
	case GEN_RESP_EDGE_OUT: /* ... or byte WINDOW */
		pad = SIOSTEER_RESP_WINDOW - 1 -
		      strlen("HTTP/1.1 200 OK\r\nX-Pad: \r\n\r\n0{\"sid\":\"" SID20) +
		      (c->gen == GEN_RESP_EDGE_OUT);
		n = (size_t)snprintf(buf, cap, "HTTP/1.1 200 OK\r\nX-Pad: ");
		memset(buf + n, 'y', pad);
		n += pad;
		n += (size_t)snprintf(buf + n, cap - n, "\r\n\r\n0{\"sid\":\"" SID20 "%s",
				      open_tail);
		return n;
	}
	return 0;
}

#ifndef SID_CASES_ONLY

#define WINDOW_MAX \
	(SIOSTEER_REQ_WINDOW > SIOSTEER_RESP_WINDOW ? SIOSTEER_REQ_WINDOW : SIOSTEER_RESP_WINDOW)

static int passed, failed;

enum parser { P_REQ, P_OPEN, P_WS, P_BODY };
static const char *const parser_name[] = { "sio_parse_request", "sio_parse_open",
					   "sio_parse_ws_open", "sio_parse_body" };

static int call(enum parser p, const void *buf, size_t len, struct siosteer_sid *sid)
{
	memset(sid, 0xa5, sizeof(*sid)); /* the parser must zero it */
	switch (p) {
	case P_REQ:
		return sio_parse_request(buf, (__u32)len, sid);
	case P_OPEN:
		return sio_parse_open(buf, (__u32)len, sid);
	case P_WS:
		return sio_parse_ws_open(buf, (__u32)len, sid);
	case P_BODY:
		return sio_parse_body(buf, (__u32)len, sid);
	}
	return -1;
}

/* Runs parser p on an exact-size heap copy of in[0..len). */
static int run(enum parser p, const char *in, size_t len, struct siosteer_sid *sid)
{
	char *copy = malloc(len ? len : 1);
	int r;

	if (!copy)
		abort();
	memcpy(copy, in, len);
	r = call(p, copy, len, sid);
	free(copy);
	return r;
}

/* "" if the struct is a well-formed result r, else what is wrong. */
static const char *hygiene(int r, const struct siosteer_sid *sid)
{
	static const struct siosteer_sid zero;
	int i;

	if (r != SID_FOUND)
		return memcmp(sid, &zero, sizeof(*sid)) ? "output not zeroed" : "";
	if (sid->len < 1 || sid->len > SIOSTEER_SID_MAX)
		return "bad length";
	if (sid->pad[0] || sid->pad[1] || sid->pad[2])
		return "padding not zero";
	for (i = 0; i < SIOSTEER_SID_MAX; i++)
		if (i < sid->len ? !sio_sid_char((__u8)sid->s[i]) : sid->s[i] != 0)
			return i < sid->len ? "bad sid char" : "tail not zero";
	return "";
}

static int check_one(const struct sid_case *c, const char *in, size_t len, enum parser p, int want)
{
	static union {
		struct sio_req_buf req; /* the form bpf/select.bpf.c passes */
		struct sio_resp_buf resp;
		char b[WINDOW_MAX];
	} win;
	static const char *const garbage[] = { "\377", "&sid=STALEstale0123&",
					       "HTTP/1.1 200 OK\r\n\r\n0{\"sid\":\"STALE\"" };
	size_t window = p == P_REQ ? SIOSTEER_REQ_WINDOW : SIOSTEER_RESP_WINDOW;
	size_t n = len < window ? len : window, l, g, k, v, d;
	struct siosteer_sid sid, sid2;
	const char *bad;
	int r = run(p, in, len, &sid), r2;

	if (r != want ||
	    (r == SID_FOUND && (sid.len != strlen(c->sid) || memcmp(sid.s, c->sid, sid.len)))) {
		printf("FAIL %s: %s gave %s '%.*s', want %s '%s'\n", c->name, parser_name[p],
		       sio_parse_result_str(r), r == SID_FOUND ? sid.len : 0, sid.s,
		       sio_parse_result_str(want), c->sid ? c->sid : "");
		return 0;
	}
	bad = hygiene(r, &sid);
	if (*bad) {
		printf("FAIL %s: %s: %s\n", c->name, parser_name[p], bad);
		return 0;
	}
	/* Stale bytes past len in a window-sized buffer change nothing. */
	for (g = 0; g < sizeof(garbage) / sizeof(garbage[0]); g++) {
		for (k = 0; k < sizeof(win.b); k++)
			win.b[k] = garbage[g][k % strlen(garbage[g])];
		memcpy(win.b, in, n);
		r2 = p == P_REQ ? (int)sio_parse_request(&win.req, (__u32)len, &sid2) :
				  call(p, &win.resp, len, &sid2);
		if (r2 != r || memcmp(&sid, &sid2, sizeof(sid))) {
			printf("FAIL %s: %s: stale bytes past len changed the result (%s)\n",
			       c->name, parser_name[p], sio_parse_result_str(r2));
			return 0;
		}
	}
	/*
	 * Every prefix (up to the window and a bit). Where the case has a sid, v is where
	 * its value starts and d where its delimiter is: a prefix of l bytes gives the same
	 * sid if l > d, TRUNCATED if v <= l <= d, NOT_HTTP or SID_ABSENT if l < v. Without
	 * one, no prefix may find a sid.
	 */
	v = d = 0;
	if (r == SID_FOUND) {
		const char *ctx = p == P_REQ ? "sid=" : "\"sid\":\"", *at = in;
		size_t cl = strlen(ctx);

		for (;;) {
			at = memmem(at, len - (size_t)(at - in), ctx, cl);
			if (!at)
				break;
			if (!memcmp(at + cl, sid.s, sid.len) &&
			    (p != P_REQ || (at > in && (at[-1] == '?' || at[-1] == '&'))))
				break;
			at++;
		}
		if (!at) {
			printf("FAIL %s: %s: sid not found in the input\n", c->name,
			       parser_name[p]);
			return 0;
		}
		v = (size_t)(at - in) + cl;
		d = v + sid.len;
	}
	for (l = 0; l < len && l <= window + 8; l++) {
		r2 = run(p, in, l, &sid2);
		bad = hygiene(r2, &sid2);
		if (!*bad && r == SID_FOUND)
			bad = l > d  ? (r2 == SID_FOUND && !memcmp(&sid, &sid2, sizeof(sid)) ?
						"" :
						"want the sid") :
			      l >= v ? (r2 == TRUNCATED ? "" : "want TRUNCATED") :
				       (r2 == NOT_HTTP || r2 == SID_ABSENT ?
						"" :
						"want NOT_HTTP or SID_ABSENT");
		else if (!*bad && r2 == SID_FOUND)
			bad = "a sid the whole input does not have";
		if (*bad) {
			printf("FAIL %s: %s on the first %zu bytes: %s '%.*s': %s\n", c->name,
			       parser_name[p], l, sio_parse_result_str(r2),
			       r2 == SID_FOUND ? sid2.len : 0, sid2.s, bad);
			return 0;
		}
	}
	return 1;
}

/*
 * Replies written in two segments, status line and headers in the first, the OPEN packet
 * starting the second (python-socketio 5.7 under uvicorn: chunked; aiohttp: with
 * Content-Length; a 101 before the first frame). sio_parse_open_next must say "next" for
 * the first segment exactly when it is a 200 or 101 whose headers end with it; the second
 * goes to sio_parse_body (checked like the table above: result, hygiene, stale bytes,
 * every prefix).
 */
static const struct {
	const char *name, *head, *body;
	int next; /* sio_parse_open_next's *next for head */
	int want; /* sio_parse_body on body */
	const char *sid;
} split_cases[] = {
	{ "uvicorn: chunked body next",
	  "HTTP/1.1 200 OK\r\ndate: Thu, 03 Dec 2026 12:00:00 GMT\r\n"
	  "server: uvicorn\r\ncontent-type: text/plain; charset=UTF-8\r\ntransfer-encoding: chunked\r\n\r\n",
	  "61\r\n0{\"sid\":\"" SID20
	  "\",\"upgrades\":[\"websocket\"],\"pingTimeout\":20000,\"pingInterval\":25000}\r\n",
	  1, SID_FOUND, SID20 },
	{ "aiohttp: content-length body next",
	  "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\n"
	  "Content-Length: 97\r\nDate: Thu, 03 Dec 2026 12:00:00 GMT\r\nServer: Python/3.11 aiohttp/3.8.4\r\n\r\n",
	  OPEN4(SID20), 1, SID_FOUND, SID20 },
	{ "101, frame next", H101, WS118 OPEN4(SID20), 1, SID_FOUND, SID20 },
	{ "EIO=3 body next", "HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n", "96:" OPEN4(SID20),
	  1, SID_FOUND, SID20 },
	{ "socket.io CONNECT next", "HTTP/1.1 200 OK\r\nContent-Length: 32\r\n\r\n",
	  "40{\"sid\":\"abcdefghij0123456789\"}", 1, SID_ABSENT, NULL },
	{ "ping body next", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n", "2", 1, SID_ABSENT,
	  NULL },
	{ "404: nothing next", "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n", "not found",
	  0, SID_ABSENT, NULL },
	{ "body in the same segment: nothing next", H200 OPEN4(SID20), "", 0, SID_ABSENT, NULL },
	{ "headers cut: nothing next", "HTTP/1.1 200 OK\r\nContent-Length: 97\r\n", "", 0,
	  SID_ABSENT, NULL },
	{ "hostile body: sid too long", "HTTP/1.1 200 OK\r\n\r\n", "0{\"sid\":\"" SID49 "\"}", 1,
	  SID_BAD, NULL },
	{ "hostile body: masked frame", H101, "\201\366\001\002\003\004" OPEN4(SID20), 1,
	  SID_ABSENT, NULL },
};

static int check_split(size_t i)
{
	struct sid_case c = { .name = split_cases[i].name,
			      .kind = RESP,
			      .sid = split_cases[i].sid };
	struct siosteer_sid sid;
	__u32 next = 7;
	int r;

	r = sio_parse_open_next(split_cases[i].head, (__u32)strlen(split_cases[i].head), &sid,
				&next);
	if ((int)next != split_cases[i].next || (next && r != SID_ABSENT)) {
		printf("FAIL %s: sio_parse_open_next gave %s, next %u; want next %d\n", c.name,
		       sio_parse_result_str(r), next, split_cases[i].next);
		return 0;
	}
	if (!*split_cases[i].body)
		return 1;
	return check_one(&c, split_cases[i].body, strlen(split_cases[i].body), P_BODY,
			 split_cases[i].want);
}

/* sio_request_is_eio: engine.io requests against pages and assets. */
static const struct {
	const char *in;
	int want;
} eio_cases[] = {
	{ "GET /socket.io/?EIO=4&transport=polling&t=abc HTTP/1.1\r\n", 1 },
	{ "GET /socket.io/?transport=polling&EIO=4 HTTP/1.1\r\n", 1 },
	{ "POST /socket.io/?EIO=3&transport=polling&sid=x HTTP/1.1\r\n", 1 },
	{ "GET /chat/?EIO=4&transport=websocket HTTP/1.1\r\n", 1 },
	{ "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 0 },
	{ "GET /socket.io/socket.io.js HTTP/1.1\r\n", 0 },
	{ "GET /app.js?v=EIO=4 HTTP/1.1\r\n", 0 },
	{ "GET /page?xEIO=4 HTTP/1.1\r\n", 0 },
	{ "GET /page HTTP/1.1\r\nReferer: /?EIO=4\r\n\r\n", 0 },
	{ "GET /socket.io/?EI", 0 },
};

static void check_eio(void)
{
	size_t i, l, n;
	int r;

	for (i = 0; i < sizeof(eio_cases) / sizeof(eio_cases[0]); i++) {
		n = strlen(eio_cases[i].in);
		r = sio_request_is_eio(eio_cases[i].in, (__u32)n);
		/* No prefix may say yes where the whole does not. */
		for (l = 0; l < n && r == eio_cases[i].want; l++)
			if (!eio_cases[i].want && sio_request_is_eio(eio_cases[i].in, (__u32)l))
				r = 1;
		if (r == eio_cases[i].want) {
			passed++;
		} else {
			printf("FAIL sio_request_is_eio '%s': %d, want %d\n", eio_cases[i].in, r,
			       eio_cases[i].want);
			failed++;
		}
	}
}

int main(void)
{
	static char buf[16384];
	const char *in;
	size_t i, len;

	for (i = 0; i < SID_NCASES; i++) {
		const struct sid_case *c = &sid_cases[i];
		int ok;

		len = sid_case_input(c, buf, sizeof(buf), &in);
		if (c->kind == REQ)
			ok = check_one(c, in, len, P_REQ, c->want);
		else
			ok = check_one(c, in, len, P_OPEN, c->want) &
			     check_one(c, in, len, P_WS, c->want_ws);
		if (ok)
			passed++;
		else
			failed++;
	}
	for (i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
		if (check_split(i))
			passed++;
		else
			failed++;
	}
	check_eio();
	printf("sid_parse: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}

#endif /* SID_CASES_ONLY */
