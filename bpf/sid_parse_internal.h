/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Building blocks of the engine.io parsers (bpf/sid_parse.h): byte access that the
 * verifier can bound, byte-class tables, pattern matches, the sid copy, the header scan,
 * the status line and the polling-body shapes. Included by sid_parse.h only, after its
 * window sizes, struct siosteer_sid and enum sio_parse_result; its verifier notes and
 * contracts apply here.
 */
#ifndef SIOSTEER_SID_PARSE_INTERNAL_H
#define SIOSTEER_SID_PARSE_INTERNAL_H
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
#define sio_phase(buf, pos, len, mask)                            \
	do {                                                      \
		(pos) = sio_opaque((buf), (pos), (mask));         \
		(len) = sio_opaque((buf), (len), 2 * (mask) + 1); \
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
	SIO_SC_SID, /* [A-Za-z0-9_-]: a sid char */
	SIO_SC_REQ_END, /* '&', ' ', '#', '\r', '\n': ends a sid in a request */
	SIO_SC_JSON_END, /* '"': ends a sid in the OPEN packet's JSON */
	SIO_SC_OTHER, /* anything else */
};

/* The tables give a default for every byte, then override some: on purpose. They are
 * laid out by hand, so clang-format leaves them alone. */
/* clang-format off */
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
/* clang-format on */

SIO_INLINE __u32 sio_sid_char(__u32 c)
{
	return c < 256 && sio_sid_cls[c] == SIO_SC_SID;
}

/* Request-target classes: what ends a scan of the target. */
enum {
	SIO_TC_PLAIN, /* goes on */
	SIO_TC_QMARK, /* '?': ends the path (plain in the query) */
	SIO_TC_END, /* ' ', '#', '\r', '\n': the target ends */
	SIO_TC_CTL, /* any other control char (0..31) or DEL: not HTTP */
};

SIO_TABLES_BEGIN
/* clang-format off */
static const __u8 sio_target_cls[256] = {
	[0 ... 31] = SIO_TC_CTL, [0x7f] = SIO_TC_CTL,  [' '] = SIO_TC_END,  ['#'] = SIO_TC_END,
	['\r'] = SIO_TC_END,	  ['\n'] = SIO_TC_END,	 ['?'] = SIO_TC_QMARK,
};
SIO_TABLES_END
/* clang-format on */

/* Up to 8 pattern bytes packed little-endian: first byte in the low byte. */
#define SIO_PAT(a, b, c, d, e, f, g, h)                                             \
	((__u64)(__u8)(a) | (__u64)(__u8)(b) << 8 | (__u64)(__u8)(c) << 16 |        \
	 (__u64)(__u8)(d) << 24 | (__u64)(__u8)(e) << 32 | (__u64)(__u8)(f) << 40 | \
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

#endif /* SIOSTEER_SID_PARSE_INTERNAL_H */
