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
	__u8 len;		  /* 1..SIOSTEER_SID_MAX when valid */
	__u8 pad[3];		  /* always zero */
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
	SID_ABSENT,    /* no sid where one is looked for: a request without sid= in what
			  we see of its target (cut or not), a reply that is not an OPEN
			  packet (or whose packet is not in this segment) */
	NOT_HTTP,      /* the bytes do not start with "GET /" or "POST /" (request), or
			  with "HTTP/1.x NNN" or a WebSocket text frame (reply) */
	SID_BAD,       /* sid present but empty, longer than SIOSTEER_SID_MAX, or with a
			  char outside [A-Za-z0-9_-] (percent-encoding included) */
	TRUNCATED,     /* a sid value has started (after `sid=` or `"sid":"`) but the
			  bytes, or the window, end before its delimiter: it may be cut */
};

#define SIO_INLINE static inline __attribute__((always_inline))

/* ---- internals ------------------------------------------------------------------ */

/* Compiler barrier: the compiler must assume *v changed; the verifier sees nothing. */
#define sio_hide(v) __asm__ __volatile__("" : "+r"(v))

/*
 * Returns v, which the caller knows is <= mask (a position it has checked is < len, or
 * len itself with mask = 2 * WINDOW - 1). To the verifier the result is an unknown
 * scalar in [0, mask], the same on every path, instead of the constant or narrowed
 * range it would otherwise track: (v + b) - b is v, but interval arithmetic can't
 * tell. b is a fresh (volatile) load of buf[0] (valid: callers have len >= 1), so its
 * range, [0, 255], is also the same on every path. Without this the code after a scan
 * loop is verified once per position the loop can stop at, and since the verifier
 * marks every scalar behind a buffer index as precise, laundering through len (whose
 * range the loop's bound checks narrow) would not work.
 */
SIO_INLINE __u32 sio_opaque(const __u8 *buf, __u32 v, __u32 mask)
{
	__u32 b = *(volatile const __u8 *)buf;
	__u32 t = v + b;

	sio_hide(t);
	return (t - b) & mask;
}

/*
 * min(len, window) without a branch: `if (len > window) len = window` would make the
 * verifier walk the whole parser twice, once with len == window (a constant) and once
 * with len unknown.
 */
SIO_INLINE __u32 sio_clamp(__u32 len, __u32 window)
{
	__s64 d = (__s64)len - (__s64)window;
	__s64 neg = d >> 63; /* all ones if len < window */

	sio_hide(neg);
	return (__u32)((__s64)window + (d & neg));
}

/*
 * Start of a phase (the code after a scan loop): forget what the verifier learnt about
 * pos (< len) and len (<= WINDOW = mask + 1) on the way here. A no-op at run time.
 */
#define sio_phase(buf, pos, len, mask)                                                             \
	do {                                                                                       \
		(pos) = sio_opaque((buf), (pos), (mask));                                          \
		(len) = sio_opaque((buf), (len), 2 * (mask) + 1);                                  \
	} while (0)

/* The byte at pos, or -1 if pos is at/past len. Never touches buf[len..]. */
SIO_INLINE int sio_byte(const __u8 *buf, __u32 len, __u32 pos, __u32 mask)
{
	if (pos >= len)
		return -1;
	sio_hide(pos); /* keep the mask: the compiler may know pos < len <= mask + 1 */
	return buf[pos & mask];
}

/*
 * Byte classes, one table load each: in a scan loop each branch that does not leave
 * the loop is one more path for the verifier to walk, so each loop looks a byte up in
 * a table and leaves through a single (cold) branch. In BPF a `static const` table is
 * .rodata, a frozen map; a byte (0..255) indexes it within bounds. (A bitmap test
 * built from two 64-bit immediates and shifts was ~14 BPF instructions per byte.)
 */
enum {
	SIO_SC_SID,	 /* [A-Za-z0-9_-]: a sid char */
	SIO_SC_REQ_END,	 /* '&', ' ', '#', '\r', '\n': ends a sid in a request */
	SIO_SC_JSON_END, /* '"': ends a sid in the OPEN packet's JSON */
	SIO_SC_OTHER,	 /* anything else */
};

/* The tables give a default for every byte, then override some: on purpose. */
#ifdef __clang__
#define SIO_TABLES_BEGIN                                                                           \
	_Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Winitializer-overrides\"")
#else
#define SIO_TABLES_BEGIN                                                                           \
	_Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Woverride-init\"")
#endif
#define SIO_TABLES_END _Pragma("GCC diagnostic pop")

SIO_TABLES_BEGIN
static const __u8 sio_sid_cls[256] = {
	[0 ... 255] = SIO_SC_OTHER,   ['A' ... 'Z'] = SIO_SC_SID,  ['a' ... 'z'] = SIO_SC_SID,
	['0' ... '9'] = SIO_SC_SID,   ['_'] = SIO_SC_SID,	   ['-'] = SIO_SC_SID,
	['&'] = SIO_SC_REQ_END,	      [' '] = SIO_SC_REQ_END,	   ['#'] = SIO_SC_REQ_END,
	['\r'] = SIO_SC_REQ_END,      ['\n'] = SIO_SC_REQ_END,	   ['"'] = SIO_SC_JSON_END,
};
SIO_TABLES_END

SIO_INLINE __u32 sio_sid_char(__u32 c)
{
	return c < 256 && sio_sid_cls[c] == SIO_SC_SID;
}

/* Request-target classes: what ends a scan of the target. */
enum {
	SIO_TC_PLAIN, /* goes on */
	SIO_TC_QMARK, /* '?': ends the path (plain in the query) */
	SIO_TC_END,   /* ' ', '#', '\r', '\n': the target ends */
	SIO_TC_CTL,   /* any other control char (0..31) or DEL: not HTTP */
};

SIO_TABLES_BEGIN
static const __u8 sio_target_cls[256] = {
	[0 ... 31] = SIO_TC_CTL, [0x7f] = SIO_TC_CTL,  [' '] = SIO_TC_END,  ['#'] = SIO_TC_END,
	['\r'] = SIO_TC_END,	  ['\n'] = SIO_TC_END,	 ['?'] = SIO_TC_QMARK,
};
SIO_TABLES_END

/* Up to 8 pattern bytes packed little-endian: first byte in the low byte. */
#define SIO_PAT(a, b, c, d, e, f, g, h)                                                            \
	((__u64)(__u8)(a) | (__u64)(__u8)(b) << 8 | (__u64)(__u8)(c) << 16 |                       \
	 (__u64)(__u8)(d) << 24 | (__u64)(__u8)(e) << 32 | (__u64)(__u8)(f) << 40 |                \
	 (__u64)(__u8)(g) << 48 | (__u64)(__u8)(h) << 56)

/*
 * Compares the n (<= 8, a constant) bytes at pos with the packed pattern pat.
 * Returns 1 on a match, 0 on a mismatch, -1 if the bytes end while matching so far.
 */
SIO_INLINE int sio_match(const __u8 *buf, __u32 len, __u32 pos, __u32 mask, __u64 pat,
			 const __u32 n)
{
	__u32 k;

	for (k = 0; k < 8; k++) {
		int c;

		if (k >= n)
			break;
		c = sio_byte(buf, len, pos + k, mask);
		if (c < 0)
			return -1;
		if ((__u32)c != ((pat >> (8 * k)) & 0xff))
			return 0;
	}
	return 1;
}

SIO_INLINE void sio_sid_clear(struct siosteer_sid *out)
{
	__builtin_memset(out, 0, sizeof(*out));
}

/*
 * Copies the sid that starts at pos into out. In a request it ends at '&', ' ', '#',
 * '\r' or '\n' (json == 0); in the OPEN packet's JSON at '"' (json == 1).
 */
SIO_INLINE int sio_take_sid(const __u8 *buf, __u32 len, __u32 pos, __u32 mask, const int json,
			    struct siosteer_sid *out)
{
	__u32 j;

	sio_phase(buf, pos, len, mask);
	for (j = 0; j <= SIOSTEER_SID_MAX; j++) {
		int c = sio_byte(buf, len, pos + j, mask), t;

		if (c < 0) {
			sio_sid_clear(out);
			return TRUNCATED;
		}
		t = sio_sid_cls[c];
		if (t != SIO_SC_SID) {
			if (t != (json ? SIO_SC_JSON_END : SIO_SC_REQ_END) || j == 0) {
				sio_sid_clear(out);
				return SID_BAD;
			}
			out->len = (__u8)j;
			return SID_FOUND;
		}
		if (j == SIOSTEER_SID_MAX) {
			sio_sid_clear(out);
			return SID_BAD; /* too long */
		}
		out->s[j] = (char)c;
	}
	sio_sid_clear(out); /* not reached */
	return SID_BAD;
}

/*
 * Finds the end of the HTTP header block ("\r\n\r\n") at or after `from` and returns
 * the offset just past it (<= len), or -1 if it does not end within the bytes we have.
 */
SIO_INLINE long sio_headers_end(const __u8 *buf, __u32 len, __u32 from, const __u32 window)
{
	__u32 i, w = 0;

	for (i = 0; i < window; i++) {
		int c;

		if (i < from)
			continue;
		c = sio_byte(buf, len, i, window - 1);
		if (c < 0)
			return -1;
		w = (w << 8) | (__u32)c;
		if (w == 0x0d0a0d0a) /* launder at once: ~1000 exits join here */
			return sio_opaque(buf, i + 1, 2 * window - 1);
	}
	return -1;
}

/*
 * The status line "HTTP/1.x NNN" followed by ' ' or '\r'. Returns NNN; 0 if an HTTP
 * response with a malformed status; -2 if not an HTTP response or if the bytes end
 * before we can tell.
 */
SIO_INLINE int sio_status(const __u8 *buf, __u32 len, __u32 mask)
{
	int m, c, code = 0;
	__u32 k;

	m = sio_match(buf, len, 0, mask, SIO_PAT('H', 'T', 'T', 'P', '/', '1', '.', 0), 7);
	if (m <= 0)
		return -2;
	c = sio_byte(buf, len, 7, mask);
	if (c < '0' || c > '9') /* c < 0: cut */
		return -2;
	c = sio_byte(buf, len, 8, mask);
	if (c != ' ')
		return -2;
	for (k = 9; k < 12; k++) {
		c = sio_byte(buf, len, k, mask);
		if (c < 0)
			return -2;
		if (c < '0' || c > '9')
			return 0;
		code = code * 10 + (c - '0');
	}
	c = sio_byte(buf, len, 12, mask);
	if (c < 0)
		return -2;
	return (c == ' ' || c == '\r') ? code : 0;
}

/*
 * The engine.io OPEN packet at pos: `0{"sid":"<sid>"`. engine.io (Node), python-engineio
 * and socketioxide all emit compact JSON with "sid" as the first key.
 */
SIO_INLINE int sio_open_json(const __u8 *buf, __u32 len, __u32 pos, __u32 mask,
			     struct siosteer_sid *out)
{
	int m;

	sio_phase(buf, pos, len, mask);
	m = sio_match(buf, len, pos, mask, SIO_PAT('0', '{', '"', 's', 'i', 'd', '"', ':'), 8);
	if (m <= 0)
		return SID_ABSENT; /* m < 0: cut before the sid starts */
	m = sio_match(buf, len, pos + 8, mask, SIO_PAT('"', 0, 0, 0, 0, 0, 0, 0), 1);
	if (m <= 0)
		return SID_ABSENT;
	if (pos + 9 >= len)
		return TRUNCATED; /* `"sid":"` is the last thing we have */
	return sio_take_sid(buf, len, pos + 9, mask, 1, out);
}

/* Longest EIO=3 length prefix / HTTP chunk-size line we accept (digits). */
#define SIO_PREFIX_DIGITS 7

/*
 * An HTTP polling body that starts at pos (< len). Accepted shapes, in this order:
 *   [<hex>\r\n]                 an HTTP/1.1 chunk-size line (Transfer-Encoding: chunked,
 *                               which some non-Node servers use), then
 *   0{"sid":"…                  EIO=4, or
 *   <decimal>:0{"sid":"…        EIO=3 text payload (e.g. `96:0{"sid":"…`), or
 *   \x00<0..9 bytes>\xff0{"sid":"…   EIO=3 binary payload (XHR2 clients; engine.io
 *                               only uses it when a binary packet is queued alongside).
 * Socket.IO's CONNECT answer `40{"sid":"…"}` (another id) does not match any of them.
 */
SIO_INLINE int sio_open_body(const __u8 *buf, __u32 len, __u32 pos, __u32 mask,
			     struct siosteer_sid *out)
{
	__u32 k;
	int c;

	sio_phase(buf, pos, len, mask);
	/* Bytes that end before `"sid":"` give SID_ABSENT (a `2` ping body, say). */
	/* Chunk-size line: 1..7 hex digits, then CRLF (no chunk extensions). */
	for (k = 0; k <= SIO_PREFIX_DIGITS; k++) {
		c = sio_byte(buf, len, pos + k, mask);
		if (c < 0)
			return SID_ABSENT;
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
			continue;
		if (c == '\r' && k > 0) {
			c = sio_byte(buf, len, pos + k + 1, mask);
			if (c < 0)
				return SID_ABSENT;
			if (c == '\n') {
				if (pos + k + 2 >= len)
					return SID_ABSENT;
				pos = pos + k + 2;
				sio_phase(buf, pos, len, mask);
			}
		}
		break;
	}

	c = sio_byte(buf, len, pos, mask);
	if (c < 0)
		return SID_ABSENT; /* not reached: pos < len */
	if (c >= '1' && c <= '9') {
		/* EIO=3 text: decimal length, ':' */
		for (k = 1; k <= SIO_PREFIX_DIGITS; k++) {
			c = sio_byte(buf, len, pos + k, mask);
			if (c < 0)
				return SID_ABSENT;
			if (c == ':')
				break;
			if (c < '0' || c > '9')
				return SID_ABSENT;
		}
		if (k > SIO_PREFIX_DIGITS)
			return SID_ABSENT;
		if (pos + k + 1 >= len)
			return SID_ABSENT;
		pos = pos + k + 1;
		sio_phase(buf, pos, len, mask);
	} else if (c == 0) {
		/* EIO=3 binary: 0 (string packet), length as digit bytes 0..9, 0xff */
		for (k = 1; k <= SIO_PREFIX_DIGITS + 1; k++) {
			c = sio_byte(buf, len, pos + k, mask);
			if (c < 0)
				return SID_ABSENT;
			if (c == 0xff && k > 1)
				break;
			if (c > 9)
				return SID_ABSENT;
		}
		if (k > SIO_PREFIX_DIGITS + 1)
			return SID_ABSENT;
		if (pos + k + 1 >= len)
			return SID_ABSENT;
		pos = pos + k + 1;
		sio_phase(buf, pos, len, mask);
	}
	return sio_open_json(buf, len, pos, mask, out);
}

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
