/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * engine.io session-id parsers, plain C shared by the BPF programs and user space (unit
 * tests, fuzzing, tools).
 *
 *   sio_parse_request(): the sid= query parameter of an HTTP request line
 *                        (GET/POST /socket.io/?EIO=4&transport=polling&sid=… HTTP/1.1)
 *   sio_parse_open():    the engine.io open packet in a worker's reply: the body of an HTTP
 *                        response (`0{"sid":"…"`, EIO=3 `96:0{"sid":"…"`) or a WebSocket
 *                        text frame carrying it (a WebSocket-only session)
 *
 * Both read a fixed-size window (a per-CPU scratch buffer in BPF) of which only the first
 * `len` bytes are valid: nothing past `len` is ever read (DESIGN.md, Lessons 3).
 *
 * Verifier notes. Each scanning loop only ever leaves on a match: a loop that carried state
 * from byte to byte (in query? in sid?) would give the verifier a new path per branch taken.
 * In BPF each scanning phase is a global function (SIO_PHASE): it is verified once, and its
 * result reaches the caller as an unknown scalar, so the caller's paths don't multiply by
 * the number of places a loop can stop. Windows are structs so that global functions know
 * the size behind the pointer. SIO_AT keeps clang from folding an offset into the base
 * pointer, which would hide the index mask from the verifier.
 */
#ifndef SIOSTEER_SID_PARSE_H
#define SIOSTEER_SID_PARSE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Longest sid kept. engine.io's default is 20 characters; custom generateId()s (UUIDs: 36)
 * fit. A longer sid is SID_BAD: the request falls back to the address key. */
#ifndef SIOSTEER_SID_MAX
#define SIOSTEER_SID_MAX 48
#endif
/* Bytes of a first request that are scanned for sid= (a power of two). */
#ifndef SIOSTEER_REQ_WINDOW
#define SIOSTEER_REQ_WINDOW 512
#endif
/* Bytes of a reply scanned for the open packet (a power of two). socket.io@4 sends its
 * handshake reply in ~300 bytes; CORS and cookie headers make it longer. */
#ifndef SIOSTEER_RESP_WINDOW
#define SIOSTEER_RESP_WINDOW 1024
#endif

/* A sid as a hash-map key: zero-padded, so equal sids are equal bytes. */
struct siosteer_sid {
	__u8 len;
	__u8 pad[3];
	char s[SIOSTEER_SID_MAX];
};

struct sio_req_buf {
	__u8 b[SIOSTEER_REQ_WINDOW];
};
struct sio_resp_buf {
	__u8 b[SIOSTEER_RESP_WINDOW];
};

enum sio_parse_result {
	SID_FOUND = 0,	/* *out holds the sid */
	SID_ABSENT,	/* a request without sid= (a new session), or a reply without open packet */
	NOT_HTTP,	/* not a GET/POST request line; a reply without HTTP headers or frame */
	SID_BAD,	/* sid= empty, too long, or with characters outside [A-Za-z0-9_-] */
	TRUNCATED,	/* the sid runs to the end of the valid bytes: can't know it's whole */
};

#ifdef __bpf__
#define SIO_PHASE __attribute__((noinline))
#define SIO_AT(b, idx, mask)                                                                \
	({                                                                                  \
		__u64 __i = (idx);                                                          \
		asm volatile("" : "+r"(__i));                                               \
		(b)[__i & (mask)];                                                          \
	})
#else
#define SIO_PHASE static inline
#define SIO_AT(b, idx, mask) ((b)[(idx) & (mask)])
#endif

#define SIO_REQ_MASK  (SIOSTEER_REQ_WINDOW - 1)
#define SIO_RESP_MASK (SIOSTEER_RESP_WINDOW - 1)

_Static_assert((SIOSTEER_REQ_WINDOW & SIO_REQ_MASK) == 0, "request window: power of two");
_Static_assert((SIOSTEER_RESP_WINDOW & SIO_RESP_MASK) == 0, "reply window: power of two");

static inline int sio_sid_char(__u8 c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* Copy the sid starting at b[from] up to its delimiter: '"' in the open packet (quote),
 * else the end of a query parameter. */
static inline int sio_copy_sid(const __u8 *b, __u32 mask, __u32 len, __u32 from, int quote,
			       struct siosteer_sid *out)
{
	__u32 i;

	for (i = 0; i <= SIOSTEER_SID_MAX; i++) {
		__u32 j = from + i;
		__u8 c;

		if (j >= len)
			return TRUNCATED;
		c = SIO_AT(b, j, mask);
		if (quote ? c == '"'
			  : (c == '&' || c == ' ' || c == '#' || c == '\r' || c == '\n')) {
			if (!i)
				return SID_BAD;
			out->len = (__u8)i;
			return SID_FOUND;
		}
		if (!sio_sid_char(c) || i >= SIOSTEER_SID_MAX)
			return SID_BAD;
		out->s[i] = (char)c;
	}
	return SID_BAD;
}

/* Index of the first query byte (just after '?' in the request target), or -1. */
SIO_PHASE int sio_req_query(const struct sio_req_buf *w, __u32 len)
{
	__u32 i;

	if (!w)
		return -1;
	for (i = 4; i < SIOSTEER_REQ_WINDOW; i++) {
		__u8 c;

		if (i >= len)
			return -1;
		c = SIO_AT(w->b, i, SIO_REQ_MASK);
		if (c == '?')
			return (int)i + 1;
		/* i > 5: the space after "POST" is not the end of the target. */
		if (c == '\r' || c == '\n' || c == '#' || (c == ' ' && i > 5))
			return -1;
	}
	return -1;
}

/* Index of the sid value in the query starting at q, or -1. A rolling window of the last
 * five bytes matches "?sid=" or "&sid=", so "xsid=" never does. */
SIO_PHASE int sio_req_sid_at(const struct sio_req_buf *w, __u32 len, __u32 q)
{
	__u64 win = '?';
	__u32 i;

	if (!w)
		return -1;
	for (i = 0; i < SIOSTEER_REQ_WINDOW; i++) {
		__u32 j = q + i;
		__u8 c;

		if (j >= len || j >= SIOSTEER_REQ_WINDOW)
			return -1;
		c = SIO_AT(w->b, j, SIO_REQ_MASK);
		if (c == ' ' || c == '\r' || c == '\n' || c == '#')
			return -1;
		win = (win << 8) | c;
		if ((win & 0xffffffffffull) == 0x3f7369643dull /* ?sid= */ ||
		    (win & 0xffffffffffull) == 0x267369643dull /* &sid= */)
			return (int)j + 1;
	}
	return -1;
}

SIO_PHASE int sio_req_copy(const struct sio_req_buf *w, __u32 len, __u32 at,
			   struct siosteer_sid *out)
{
	if (!w || !out)
		return SID_BAD;
	return sio_copy_sid(w->b, SIO_REQ_MASK, len, at, 0, out);
}

static inline int sio_parse_request(const struct sio_req_buf *w, __u32 len,
				    struct siosteer_sid *out)
{
	const __u8 *b = w->b;
	int q, at;

	if (len > SIOSTEER_REQ_WINDOW)
		len = SIOSTEER_REQ_WINDOW;
	if (len < 5)
		return NOT_HTTP;
	if (!(b[0] == 'G' && b[1] == 'E' && b[2] == 'T' && b[3] == ' ') &&
	    !(b[0] == 'P' && b[1] == 'O' && b[2] == 'S' && b[3] == 'T' && b[4] == ' '))
		return NOT_HTTP;
	q = sio_req_query(w, len);
	if (q < 0 || q >= SIOSTEER_REQ_WINDOW)
		return SID_ABSENT;
	at = sio_req_sid_at(w, len, (__u32)q);
	if (at < 0 || at > SIOSTEER_REQ_WINDOW)
		return SID_ABSENT;
	return sio_req_copy(w, len, (__u32)at, out);
}

/* Index of the body (just after the blank line ending the headers), or -1. */
SIO_PHASE int sio_resp_body(const struct sio_resp_buf *w, __u32 len)
{
	__u32 i, win = 0;

	if (!w)
		return -1;
	for (i = 0; i < SIOSTEER_RESP_WINDOW; i++) {
		if (i >= len)
			return -1;
		win = (win << 8) | SIO_AT(w->b, i, SIO_RESP_MASK);
		if (win == 0x0d0a0d0a)
			return (int)i + 1;
	}
	return -1;
}

/*
 * The sid value's index in an open packet starting at `at`, or -1. Accepted before the
 * packet: an EIO=3 length prefix ("96:"), or the header of an unmasked WebSocket text
 * frame (0x81, then a 7-bit length or 126 and a 16-bit one).
 */
SIO_PHASE int sio_resp_sid_at(const struct sio_resp_buf *w, __u32 len, __u32 at)
{
	static const char pat[9] = { '0', '{', '"', 's', 'i', 'd', '"', ':', '"' };
	__u32 i;
	__u8 c;

	if (!w || at >= len)
		return -1;
	if (SIO_AT(w->b, at, SIO_RESP_MASK) == 0x81) {
		if (at + 1 >= len)
			return -1;
		c = SIO_AT(w->b, at + 1, SIO_RESP_MASK);
		if (c & 0x80)
			return -1;	/* a server never masks */
		at += c == 126 ? 4 : c < 126 ? 2 : 10;
	} else {
		for (i = 0; i < 6; i++) {
			__u32 j = at + i;

			if (j >= len)
				return -1;
			c = SIO_AT(w->b, j, SIO_RESP_MASK);
			if (c == ':' && i) {
				at = j + 1;
				break;
			}
			if (c < '0' || c > '9')
				break;
		}
	}
	for (i = 0; i < 9; i++) {
		__u32 j = at + i;

		if (j >= len)
			return -1;
		if (SIO_AT(w->b, j, SIO_RESP_MASK) != (__u8)pat[i])
			return -1;
	}
	return (int)(at + 9);
}

SIO_PHASE int sio_resp_copy(const struct sio_resp_buf *w, __u32 len, __u32 at,
			    struct siosteer_sid *out)
{
	if (!w || !out)
		return SID_BAD;
	return sio_copy_sid(w->b, SIO_RESP_MASK, len, at, 1, out);
}

/* The open packet in a reply segment: after HTTP headers (polling, or a 101 response with
 * the first frame in the same segment), or a WebSocket frame at the start of the segment. */
static inline int sio_parse_open(const struct sio_resp_buf *w, __u32 len,
				 struct siosteer_sid *out)
{
	int body, at;

	if (len > SIOSTEER_RESP_WINDOW)
		len = SIOSTEER_RESP_WINDOW;
	if (len < 12)
		return NOT_HTTP;
	if (w->b[0] == 0x81) {
		body = 0;
	} else {
		if (w->b[0] != 'H' || w->b[1] != 'T' || w->b[2] != 'T' || w->b[3] != 'P')
			return NOT_HTTP;
		body = sio_resp_body(w, len);
		if (body < 0 || body >= SIOSTEER_RESP_WINDOW)
			return SID_ABSENT;
	}
	at = sio_resp_sid_at(w, len, (__u32)body);
	if (at < 0 || at > SIOSTEER_RESP_WINDOW)
		return SID_ABSENT;
	return sio_resp_copy(w, len, (__u32)at, out);
}

#endif
