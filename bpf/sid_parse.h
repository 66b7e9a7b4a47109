/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * engine.io session-id parsers, shared by the BPF programs and user space.
 *
 * Plain C that compiles both with `clang -target bpf` and for user space (unit tests,
 * fuzzing, tools). In BPF every loop is bounded by a compile-time constant, there is no
 * recursion, no function pointer, no libc, and every function is static and always
 * inlined. Stack use is a few scalars plus the caller's `struct siosteer_sid`.
 *
 * Input contract: `buf` holds `len` valid bytes, and at least WINDOW bytes of storage
 * (in BPF: a per-CPU scratch buffer of exactly SIOSTEER_REQ_WINDOW or
 * SIOSTEER_RESP_WINDOW bytes; bytes past `len` are stale: docs/ARCHITECTURE.md, 'Scan
 * only the current packet'). A
 * parser never reads at or past `len`, nor past its window (`len` is clamped to it);
 * each read is checked against `len` and its index masked with WINDOW-1, which is what
 * lets the verifier prove bounds. In user space `buf` may be exactly `len` bytes long.
 *
 * Output contract: every parser zeroes `*out` on entry, and it stays all-zero unless
 * SID_FOUND is returned; then out->len is 1..SIOSTEER_SID_MAX, out->s[0..len) holds the
 * sid (chars [A-Za-z0-9_-]) and every other byte (pad, tail) is zero, so the struct is
 * a deterministic BPF hash-map key. It is safe to reuse one struct across parsers.
 *
 *   enum sio_parse_result sio_parse_request(const void *buf, __u32 len, struct siosteer_sid *out)
 *       the client's first request segment: `GET|POST /…?…&sid=<sid>…` (selector);
 *   enum sio_parse_result sio_parse_open(const void *buf, __u32 len, struct siosteer_sid *out)
 *       a server segment with the engine.io OPEN packet `0{"sid":"<sid>"…` in any shape
 *       the learner meets: polling handshake body (EIO=4, EIO=3 `96:`, chunked) or a
 *       WebSocket-only session's first frame (alone or after the 101 answer);
 *   enum sio_parse_result sio_parse_ws_open(const void *buf, __u32 len, struct siosteer_sid *out)
 *       the WebSocket shapes alone.
 * `buf` is a `__u8[WINDOW]` scratch buffer or a `struct sio_req_buf` / `sio_resp_buf`.
 *
 * Verifier notes. Everything is inlined, and each parser verifies on its own in well
 * under 100k processed instructions on 6.18 (tests/bpf/ measures it). That takes care:
 *  - a position found by a scan loop goes through sio_opaque() (see there), so the
 *    code after the loop is walked once, not once per position where the loop stops;
 *  - a scan loop tests each byte with one branch-free class lookup and has a single
 *    path that goes round; the exits are cold;
 *  - no 0/-1 masks (this verifier forks on them), no `if (len > W) len = W` (a second,
 *    constant-len walk of everything).
 */
#ifndef SIOSTEER_SID_PARSE_H
#define SIOSTEER_SID_PARSE_H

/* BPF code gets the kernel's types from vmlinux.h; user space from the uapi headers. */
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * Longest sid we store (bytes, not counting the terminator, which we don't store).
 * engine.io's default generateId gives 20 chars of base64url; a custom generateId may
 * give e.g. a 36-char UUID. A longer sid is SID_BAD (that session falls back to key 1).
 * Must be 1..124 (out->len is a __u8, and the struct stays <= 128 bytes so the BPF
 * backend inlines its zeroing). Part of a BPF map key: set it alike on both sides.
 */
#ifndef SIOSTEER_SID_MAX
#define SIOSTEER_SID_MAX 48
#endif

/*
 * Bytes of a client's first request segment that sio_parse_request looks at. A sid
 * that starts in it but ends (delimiter included) past it is TRUNCATED; a sid= past it
 * is not seen (SID_ABSENT). Real engine.io requests put sid= within the first ~120
 * bytes. Power of two, 64..4096.
 */
#ifndef SIOSTEER_REQ_WINDOW
#define SIOSTEER_REQ_WINDOW 512
#endif

/*
 * Bytes of a server response segment that sio_parse_open / sio_parse_ws_open look at.
 * The status line, every header and the sid's closing quote must fit. A real
 * socket.io@4 handshake answer is ~310-430 bytes (CORS and Set-Cookie included).
 * Power of two, 64..4096.
 */
#ifndef SIOSTEER_RESP_WINDOW
#define SIOSTEER_RESP_WINDOW 1024
#endif

_Static_assert(SIOSTEER_SID_MAX >= 1 && SIOSTEER_SID_MAX <= 124, "SIOSTEER_SID_MAX: 1..124");
_Static_assert(SIOSTEER_REQ_WINDOW >= 64 && SIOSTEER_REQ_WINDOW <= 4096 &&
		       (SIOSTEER_REQ_WINDOW & (SIOSTEER_REQ_WINDOW - 1)) == 0,
	       "SIOSTEER_REQ_WINDOW: a power of two, 64..4096");
_Static_assert(SIOSTEER_RESP_WINDOW >= 64 && SIOSTEER_RESP_WINDOW <= 4096 &&
		       (SIOSTEER_RESP_WINDOW & (SIOSTEER_RESP_WINDOW - 1)) == 0,
	       "SIOSTEER_RESP_WINDOW: a power of two, 64..4096");

/* A sid as a BPF hash-map key: zero-padded, no implicit padding (alignment 1). */
struct siosteer_sid {
	__u8 len; /* 1..SIOSTEER_SID_MAX when valid */
	__u8 pad[3]; /* always zero */
	char s[SIOSTEER_SID_MAX]; /* s[0..len): the sid; the rest zero (no NUL when full) */
};

_Static_assert(sizeof(struct siosteer_sid) == 4 + SIOSTEER_SID_MAX, "no implicit padding");

/*
 * Scratch windows of exactly the window size. The parsers take `const void *`, so a
 * plain `__u8 buf[WINDOW]` or one of these (e.g. `&scratch->req`) can be passed.
 */
struct sio_req_buf {
	__u8 b[SIOSTEER_REQ_WINDOW];
};
struct sio_resp_buf {
	__u8 b[SIOSTEER_RESP_WINDOW];
};

enum sio_parse_result {
	SID_FOUND = 0, /* *out holds a sid */
	SID_ABSENT, /* no sid where one is looked for: a request without sid= in what
			  we see of its target (cut or not), a reply that is not an OPEN
			  packet (or whose packet is not in this segment) */
	NOT_HTTP, /* the bytes do not start with "GET /" or "POST /" (request), or
			  with "HTTP/1.x NNN" or a WebSocket text frame (reply) */
	SID_BAD, /* sid present but empty, longer than SIOSTEER_SID_MAX, or with a
			  char outside [A-Za-z0-9_-] (percent-encoding included) */
	TRUNCATED, /* a sid value has started (after `sid=` or `"sid":"`) but the
			  bytes, or the window, end before its delimiter: it may be cut */
};

#define SIO_INLINE static inline __attribute__((always_inline))

/* The building blocks: bpf/sid_parse_internal.h. */
#include "sid_parse_internal.h"

/* ---- the parsers ---------------------------------------------------------------- */

/*
 * The first request segment of a connection. Rules:
 *  - `GET /` or `POST /` at offset 0 (origin-form target), else NOT_HTTP;
 *  - the target ends at ' ', '#', '\r' or '\n'; a control char or DEL in it is NOT_HTTP;
 *  - the query starts after the first '?'; sid= counts only at its start or after '&'
 *    (not `xsid=`, not in the path, not after a second '?'); the first one wins;
 *  - the value ends at '&', ' ', '#', '\r' or '\n' and must be 1..SIOSTEER_SID_MAX chars
 *    of [A-Za-z0-9_-], else SID_BAD (so %-encoded sids are SID_BAD);
 *  - if the bytes (or the window) end after `sid=` but before the value's delimiter,
 *    TRUNCATED (the sid may be cut); if they end before any `sid=`, SID_ABSENT (so an
 *    8 KiB query with sid= past the window reads as a new session), and if they end
 *    within the method ("GE"), NOT_HTTP.
 * Works for EIO=3 and EIO=4, polling GET/POST and the WebSocket upgrade GET, with the
 * parameters in any order.
 */
SIO_INLINE enum sio_parse_result sio_parse_request(const void *buf_, __u32 len,
						   struct siosteer_sid *out)
{
	const __u32 mask = SIOSTEER_REQ_WINDOW - 1;
	const __u8 *buf = (const __u8 *)buf_;
	__u64 k, n, w, at;
	__u32 i, q, c;
	int g, p, t;

	sio_sid_clear(out);
	len = sio_clamp(len, SIOSTEER_REQ_WINDOW);

	g = sio_match(buf, len, 0, mask, SIO_PAT('G', 'E', 'T', ' ', '/', 0, 0, 0), 5);
	p = sio_match(buf, len, 0, mask, SIO_PAT('P', 'O', 'S', 'T', ' ', '/', 0, 0), 6);
	if (g <= 0 && p <= 0)
		return NOT_HTTP; /* a cut method ("GE") included */

	/*
	 * The path, up to the first '?'. Both methods scan from offset 5: for GET that is
	 * the byte after '/', for POST the '/' itself, so both paths reach one state.
	 * Positions are 64-bit (no zero-extension per byte). The loads of a byte and of
	 * its class depend on k alone, not on the previous byte, so the CPU can run
	 * iterations ahead (a state-machine table, s = next[s][c], was slower: each
	 * byte waited for the previous lookup).
	 */
	n = len;
	t = SIO_TC_PLAIN;
	for (k = 5; k < SIOSTEER_REQ_WINDOW; k++) {
		if (k >= n)
			return SID_ABSENT; /* the bytes or the window end in the path */
		at = k;
		sio_hide(at); /* keep the mask, as sio_byte does */
		c = buf[at & mask];
		t = sio_target_cls[c];
		if (t != SIO_TC_PLAIN)
			break;
	}
	if (t == SIO_TC_PLAIN || t == SIO_TC_END)
		return SID_ABSENT; /* the window ends in the path, or the target ends */
	if (t != SIO_TC_QMARK)
		return NOT_HTTP;
	q = (__u32)k;
	sio_phase(buf, q, len, mask);

	/*
	 * The query. w holds its last 5 bytes, with the '?' seen as '&', so "&sid=" in w
	 * means a sid parameter starts at the next byte. c goes into w before any test
	 * narrows its range: otherwise w would carry the ranges of 5 bytes' worth of
	 * branches and the verifier would see a distinct state per combination.
	 */
	n = len;
	w = '&';
	for (k = 1; k < SIOSTEER_REQ_WINDOW; k++) {
		at = q + k;
		if (at >= n)
			return SID_ABSENT; /* no sid= in what we see of the query */
		sio_hide(at);
		c = buf[at & mask];
		w = ((w << 8) | c) & 0xffffffffffULL;
		if (w == 0x267369643dULL) /* "&sid=": no terminator or CTL in it */
			break;
		t = sio_target_cls[c];
		if (t >= SIO_TC_END)
			return t == SIO_TC_END ? SID_ABSENT : NOT_HTTP;
	}
	if (k >= SIOSTEER_REQ_WINDOW)
		return SID_ABSENT; /* not reached */
	i = q + (__u32)k + 1;
	if (i >= len)
		return TRUNCATED; /* "sid=" is the last thing we have: the value is cut */
	return sio_take_sid(buf, len, i, mask, 0, out);
}

/*
 * Whether a request (what sio_parse_request accepts as HTTP) is an engine.io request: its
 * query has an `EIO=` parameter (after '?' or '&') before the target ends, in the bytes we
 * have. Tells a session's handshake from a page or an asset without sid. 1 or 0.
 */
SIO_INLINE int sio_request_is_eio(const void *buf_, __u32 len)
{
	const __u32 mask = SIOSTEER_REQ_WINDOW - 1;
	const __u8 *buf = (const __u8 *)buf_;
	__u64 k, w = 0, at, c;

	len = sio_clamp(len, SIOSTEER_REQ_WINDOW);
	/* From offset 5: past "GET /", or at the '/' of "POST /". */
	for (k = 5; k < SIOSTEER_REQ_WINDOW; k++) {
		at = k;
		if (at >= len)
			return 0;
		sio_hide(at);
		c = buf[at & mask];
		w = ((w << 8) | c) & 0xffffffffffULL;
		if (w == 0x3f45494f3dULL || w == 0x2645494f3dULL) /* "?EIO=", "&EIO=" */
			return 1;
		if (sio_target_cls[c] == SIO_TC_END)
			return 0;
	}
	return 0;
}

/*
 * A WebSocket frame at f (< len; the caller has seen 0x81 there: FIN, text, no RSV
 * bits): an unmasked server frame with a 7-bit or 16-bit length whose payload starts
 * with `0{"sid":"`. EIO=3 and EIO=4 frames carry the packet without length prefix.
 */
SIO_INLINE int sio_ws_frame(const __u8 *buf, __u32 len, __u32 f, __u32 mask,
			    struct siosteer_sid *out)
{
	int c;

	sio_phase(buf, f, len, mask);
	c = sio_byte(buf, len, f + 1, mask);
	if (c < 0)
		return SID_ABSENT;
	if (c & 0x80)
		return SID_ABSENT; /* masked: a client's frame */
	if (c == 126)
		f += 4;
	else if (c < 126)
		f += 2;
	else
		return SID_ABSENT; /* 64-bit length: not an OPEN packet */
	if (f >= len)
		return SID_ABSENT;
	return sio_open_json(buf, len, f, mask, out);
}

/*
 * sio_parse_open (polling != 0) and sio_parse_ws_open (polling == 0). *next (when not
 * NULL) is set to 1 when the segment is an accepted status (200, or 101) whose headers end
 * exactly at its end, so the OPEN packet may start the next segment; else 0.
 */
SIO_INLINE int sio_parse_response(const void *buf_, __u32 len, struct siosteer_sid *out,
				  const int polling, __u32 *next)
{
	const __u32 mask = SIOSTEER_RESP_WINDOW - 1;
	const __u8 *buf = (const __u8 *)buf_;
	long b;
	int c, s;

	sio_sid_clear(out);
	if (next)
		*next = 0;
	len = sio_clamp(len, SIOSTEER_RESP_WINDOW);
	c = sio_byte(buf, len, 0, mask);
	if (c == 0x81)
		return sio_ws_frame(buf, len, 0, mask, out);
	s = sio_status(buf, len, mask);
	if (s < 0)
		return NOT_HTTP;
	/*
	 * Scan the headers before looking at the status: branching on it first would make
	 * the verifier walk the scan once per status we accept.
	 */
	b = sio_headers_end(buf, len, 12, SIOSTEER_RESP_WINDOW);
	if (s != 101 && (!polling || s != 200))
		return SID_ABSENT;
	if (b < 0 || (__u32)b >= len) {
		/* Headers cut, or nothing after them. In the second case the body (or the
		 * 101's first frame) comes in the next segment: python-socketio under
		 * uvicorn and aiohttp write headers and body apart. The caller keeps that
		 * in the connection's state and gives the next segment to sio_parse_body. */
		if (next && b >= 0 && (__u32)b == len)
			*next = 1;
		return SID_ABSENT;
	}
	if (s == 200)
		return sio_open_body(buf, len, (__u32)b, mask, out);
	if (sio_byte(buf, len, (__u32)b, mask) != 0x81)
		return SID_ABSENT;
	return sio_ws_frame(buf, len, (__u32)b, mask, out);
}

/*
 * A server's reply segment carrying the engine.io OPEN packet, in any of the shapes the
 * learner meets (all within SIOSTEER_RESP_WINDOW bytes):
 *   - polling handshake: "HTTP/1.x 200", headers, "\r\n\r\n", then a body that
 *     sio_open_body accepts (EIO=4 `0{"sid":"…`, EIO=3 `96:0{"sid":"…`, …);
 *   - WebSocket-only session: what sio_parse_ws_open accepts (a frame at offset 0, or
 *     right after a "HTTP/1.x 101" answer in the same segment).
 * So one call covers both; sio_parse_ws_open is the WebSocket part alone.
 *   NOT_HTTP   neither a status line "HTTP/1.x NNN" nor a text frame (0x81) at offset
 *              0 (e.g. the continuation of a longer response, or a cut status line);
 *   SID_ABSENT another status, or a body/frame that is not an OPEN packet (Socket.IO's
 *              `40{"sid":"…"}` included), or not in this segment (headers cut, or
 *              nothing after them);
 *   TRUNCATED  the sid has started (`"sid":"`) but its closing quote is not in the
 *              bytes we have.
 * Bodies compressed with Content-Encoding are not recognised (engine.io compresses
 * only bodies over 1 KiB; the OPEN packet is ~120 bytes).
 */
SIO_INLINE enum sio_parse_result sio_parse_open(const void *buf, __u32 len,
						struct siosteer_sid *out)
{
	return (enum sio_parse_result)sio_parse_response(buf, len, out, 1, (__u32 *)0);
}

/*
 * sio_parse_open, and *next = 1 when the reply's headers (status 200 or 101) end exactly
 * at the end of this segment: its OPEN packet, if any, starts the next segment (see
 * sio_parse_body). *next = 0 otherwise.
 */
SIO_INLINE enum sio_parse_result sio_parse_open_next(const void *buf, __u32 len,
						     struct siosteer_sid *out, __u32 *next)
{
	return (enum sio_parse_result)sio_parse_response(buf, len, out, 1, next);
}

/*
 * The segment after one for which sio_parse_open_next set *next: it starts with the body
 * of a 200 (what sio_open_body accepts: `0{"sid":"…`, a chunk-size line first, or an
 * EIO=3 prefix) or with a 101's first frame (0x81, as sio_parse_ws_open accepts).
 *   SID_ABSENT  the bytes are not an OPEN packet in one of those shapes;
 *   TRUNCATED   the sid has started but its closing quote is not here.
 */
SIO_INLINE enum sio_parse_result sio_parse_body(const void *buf_, __u32 len,
						struct siosteer_sid *out)
{
	const __u32 mask = SIOSTEER_RESP_WINDOW - 1;
	const __u8 *buf = (const __u8 *)buf_;
	int c;

	sio_sid_clear(out);
	len = sio_clamp(len, SIOSTEER_RESP_WINDOW);
	c = sio_byte(buf, len, 0, mask);
	if (c < 0)
		return SID_ABSENT;
	if (c == 0x81)
		return (enum sio_parse_result)sio_ws_frame(buf, len, 0, mask, out);
	return (enum sio_parse_result)sio_open_body(buf, len, 0, mask, out);
}

/*
 * A WebSocket-only session (transport=websocket from the start): the server's first
 * frame is the OPEN packet, an unmasked text frame (0x81, 7-bit or 16-bit length)
 * whose payload starts with `0{"sid":"`. The frame is at the start of the segment, or
 * right after a "HTTP/1.x 101" answer in the same segment (ws usually writes both at
 * once; seen with socket.io@4.8). A 101 with nothing after its headers is SID_ABSENT:
 * the frame comes in a later segment, which is parsed on its own. Frames with RSV1
 * set (permessage-deflate) are not recognised; engine.io does not compress them.
 *   NOT_HTTP   neither a frame (0x81) nor "HTTP/1.x NNN" at offset 0;
 *   SID_ABSENT an HTTP status other than 101, or a frame that is not an OPEN packet;
 *   TRUNCATED  as for sio_parse_open.
 */
SIO_INLINE enum sio_parse_result sio_parse_ws_open(const void *buf, __u32 len,
						   struct siosteer_sid *out)
{
	return (enum sio_parse_result)sio_parse_response(buf, len, out, 0, (__u32 *)0);
}

#ifndef __bpf__
/* For logs and tests. */
static inline const char *sio_parse_result_str(int r)
{
	switch (r) {
	case SID_FOUND:
		return "SID_FOUND";
	case SID_ABSENT:
		return "SID_ABSENT";
	case NOT_HTTP:
		return "NOT_HTTP";
	case SID_BAD:
		return "SID_BAD";
	case TRUNCATED:
		return "TRUNCATED";
	}
	return "?";
}
#endif

#endif /* SIOSTEER_SID_PARSE_H */
