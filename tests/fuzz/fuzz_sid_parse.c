// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the sid parsers of bpf/sid_parse.h (make fuzz; tests/fuzz/fuzz.mk).
 *
 * The whole input is the segment. Each parser runs on a heap copy of exactly that many
 * bytes, so ASan stops any read past `len`; UBSan checks the arithmetic. Invariants:
 *  - the result is one of enum sio_parse_result;
 *  - the output struct is all zero unless SID_FOUND; then 1 <= len <= SIOSTEER_SID_MAX,
 *    the sid is [A-Za-z0-9_-] and the padding and tail are zero;
 *  - a found sid is really there, in its context, within the window: `sid=<sid><delim>`
 *    at a parameter start (request) or `"sid":"<sid>"` (reply);
 *  - stale bytes: in a window-sized buffer whose bytes past `len` are garbage
 *    (docs/ARCHITECTURE.md, 'Scan only the current packet'), the result and struct are the same;
 *  - the result and sid equal those of ref_*() below: a plain restatement of the rules
 *    documented in sid_parse.h, written without the verifier-oriented tricks (masks,
 *    laundering, class tables), so the two can be compared.
 * Any violation abort()s, and libFuzzer saves the input.
 *
 *   clang-14 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Ibpf \
 *       -o build/fuzz/fuzz_sid_parse tests/fuzz/fuzz_sid_parse.c
 *   build/fuzz/fuzz_sid_parse -runs=1000000 build/fuzz/corpus tests/fuzz/seeds
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sid_parse.h"

/* ---- reference implementation -------------------------------------------------- */

struct ref {
	int r;
	size_t at, n; /* the sid is in[at .. at+n) when r == SID_FOUND */
};

static int ref_sidch(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static int ref_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* The sid starting at v, ending at a byte for which is_end() holds. */
static struct ref ref_value(const uint8_t *b, size_t len, size_t v, int json)
{
	struct ref o = {SID_BAD, 0, 0};
	size_t j;

	for (j = v;; j++) {
		if (j >= len)
			return (struct ref){TRUNCATED, 0, 0};
		if (ref_sidch(b[j])) {
			if (j - v == SIOSTEER_SID_MAX)
				return o; /* one char too many */
			continue;
		}
		if (json ? b[j] == '"' : strchr("& #\r\n", b[j]) && b[j]) {
			if (j == v)
				return o;
			return (struct ref){SID_FOUND, v, j - v};
		}
		return o;
	}
}

static struct ref ref_request(const uint8_t *b, size_t len)
{
	size_t i, q = 0, t;

	if (len > SIOSTEER_REQ_WINDOW)
		len = SIOSTEER_REQ_WINDOW;
	if (len >= 5 && !memcmp(b, "GET /", 5))
		t = 5; /* the first byte after the target's '/' */
	else if (len >= 6 && !memcmp(b, "POST /", 6))
		t = 6;
	else
		return (struct ref){NOT_HTTP, 0, 0};

	/* The path: up to the first '?'. */
	for (i = t;; i++) {
		if (i >= len)
			return (struct ref){SID_ABSENT, 0, 0};
		if (b[i] == '?')
			break;
		if (b[i] == ' ' || b[i] == '#' || b[i] == '\r' || b[i] == '\n')
			return (struct ref){SID_ABSENT, 0, 0};
		if (b[i] < ' ' || b[i] == 0x7f)
			return (struct ref){NOT_HTTP, 0, 0};
	}
	q = i;
	/* The query: a parameter starts after the '?' or an '&'. */
	for (i = q + 1;; i++) {
		if (i >= len)
			return (struct ref){SID_ABSENT, 0, 0};
		if (b[i] == '=' && i >= q + 4 && !memcmp(b + i - 3, "sid", 3) &&
		    (i - 4 == q || b[i - 4] == '&'))
			return ref_value(b, len, i + 1, 0);
		if (b[i] == ' ' || b[i] == '#' || b[i] == '\r' || b[i] == '\n')
			return (struct ref){SID_ABSENT, 0, 0};
		if (b[i] < ' ' || b[i] == 0x7f)
			return (struct ref){NOT_HTTP, 0, 0};
	}
}

static struct ref ref_json(const uint8_t *b, size_t len, size_t pos)
{
	static const char pat[] = "0{\"sid\":\"";
	size_t k;

	for (k = 0; k < 9; k++) {
		if (pos + k >= len)
			return (struct ref){SID_ABSENT, 0, 0};
		if (b[pos + k] != (uint8_t)pat[k])
			return (struct ref){SID_ABSENT, 0, 0};
	}
	return ref_value(b, len, pos + 9, 1);
}

static struct ref ref_frame(const uint8_t *b, size_t len, size_t f)
{
	if (f + 1 >= len)
		return (struct ref){SID_ABSENT, 0, 0};
	if (b[f + 1] & 0x80)
		return (struct ref){SID_ABSENT, 0, 0};
	if (b[f + 1] == 127)
		return (struct ref){SID_ABSENT, 0, 0};
	f += b[f + 1] == 126 ? 4 : 2;
	if (f >= len)
		return (struct ref){SID_ABSENT, 0, 0};
	return ref_json(b, len, f);
}

static int ref_hex(int c)
{
	return ref_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static struct ref ref_body(const uint8_t *b, size_t len, size_t pos)
{
	size_t k;

	/* chunk-size line: hex digits (at most 7 before the CR), CRLF */
	for (k = 0; k < 8 && pos + k < len && ref_hex(b[pos + k]); k++)
		;
	if (pos + k >= len)
		return (struct ref){SID_ABSENT, 0, 0};
	if (k >= 1 && k <= 7 && b[pos + k] == '\r') {
		if (pos + k + 1 >= len)
			return (struct ref){SID_ABSENT, 0, 0};
		if (b[pos + k + 1] == '\n') {
			if (pos + k + 2 >= len)
				return (struct ref){SID_ABSENT, 0, 0};
			pos += k + 2;
		}
	}
	if (b[pos] >= '1' && b[pos] <= '9') { /* EIO=3: 1..7 digits, ':' */
		for (k = 1; k <= 7 && pos + k < len && ref_digit(b[pos + k]); k++)
			;
		if (k > 7 || pos + k >= len || b[pos + k] != ':' || pos + k + 1 >= len)
			return (struct ref){SID_ABSENT, 0, 0};
		pos += k + 1;
	} else if (b[pos] == 0) { /* EIO=3 binary: 0, 1..7 digit bytes, 0xff */
		for (k = 1; k <= 8 && pos + k < len && b[pos + k] <= 9; k++)
			;
		if (k > 8 || k < 2 || pos + k >= len || b[pos + k] != 0xff || pos + k + 1 >= len)
			return (struct ref){SID_ABSENT, 0, 0};
		pos += k + 1;
	}
	return ref_json(b, len, pos);
}

static struct ref ref_reply(const uint8_t *b, size_t len, int polling)
{
	static const char http[] = "HTTP/1.";
	size_t k, body;
	int code = 0;
	const uint8_t *e;

	if (len > SIOSTEER_RESP_WINDOW)
		len = SIOSTEER_RESP_WINDOW;
	if (len >= 1 && b[0] == 0x81)
		return ref_frame(b, len, 0);
	/* "HTTP/1.x NNN": anything else, or cut, is not HTTP; a non-digit status is 0 */
	if (len < 9 || memcmp(b, http, 7) || !ref_digit(b[7]) || b[8] != ' ')
		return (struct ref){NOT_HTTP, 0, 0};
	for (k = 9; k < 12; k++) {
		if (k >= len)
			return (struct ref){NOT_HTTP, 0, 0};
		if (!ref_digit(b[k]))
			break;
		code = code * 10 + b[k] - '0';
	}
	if (k < 12)
		code = 0;
	else if (len <= 12)
		return (struct ref){NOT_HTTP, 0, 0};
	else if (b[12] != ' ' && b[12] != '\r')
		code = 0;
	if (code != 101 && !(polling && code == 200))
		return (struct ref){SID_ABSENT, 0, 0};
	e = memmem(b + 12, len - 12, "\r\n\r\n", 4);
	if (!e || (size_t)(e - b) + 4 >= len)
		return (struct ref){SID_ABSENT, 0, 0};
	body = (size_t)(e - b) + 4;
	if (code == 200)
		return ref_body(b, len, body);
	if (b[body] != 0x81)
		return (struct ref){SID_ABSENT, 0, 0};
	return ref_frame(b, len, body);
}

/* ---- checks -------------------------------------------------------------------- */

#define WINDOW_MAX                                                                                 \
	(SIOSTEER_REQ_WINDOW > SIOSTEER_RESP_WINDOW ? SIOSTEER_REQ_WINDOW : SIOSTEER_RESP_WINDOW)

enum parser { P_REQ, P_OPEN, P_WS };

static int call(enum parser p, const void *buf, size_t len, struct siosteer_sid *sid)
{
	memset(sid, 0x5a, sizeof(*sid));
	if (p == P_REQ)
		return sio_parse_request(buf, (__u32)len, sid);
	if (p == P_OPEN)
		return sio_parse_open(buf, (__u32)len, sid);
	return sio_parse_ws_open(buf, (__u32)len, sid);
}

static void fail(const char *what, enum parser p, int r)
{
	fprintf(stderr, "fuzz_sid_parse: parser %d result %d: %s\n", (int)p, r, what);
	abort();
}

static void check(enum parser p, const uint8_t *data, size_t size)
{
	static uint8_t win[WINDOW_MAX];
	static const struct siosteer_sid zero;
	size_t window = p == P_REQ ? SIOSTEER_REQ_WINDOW : SIOSTEER_RESP_WINDOW;
	size_t n = size < window ? size : window, k;
	struct siosteer_sid sid, sid2;
	uint8_t *copy = malloc(size ? size : 1);
	struct ref ref;
	const char *ctx;
	int r, r2;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	r = call(p, copy, size, &sid);
	free(copy);

	if (r < SID_FOUND || r > TRUNCATED)
		fail("result out of range", p, r);
	if (r != SID_FOUND) {
		if (memcmp(&sid, &zero, sizeof(sid)))
			fail("output not zeroed", p, r);
	} else {
		if (sid.len < 1 || sid.len > SIOSTEER_SID_MAX)
			fail("bad sid length", p, r);
		if (sid.pad[0] || sid.pad[1] || sid.pad[2])
			fail("padding not zero", p, r);
		for (k = 0; k < SIOSTEER_SID_MAX; k++)
			if (k < sid.len ? !ref_sidch((uint8_t)sid.s[k]) : sid.s[k] != 0)
				fail("bad sid char or tail", p, r);
		/* the sid, in context, within the window */
		ctx = p == P_REQ ? "sid=" : "\"sid\":\"";
		for (k = 0; k + strlen(ctx) + sid.len < n; k++)
			if (!memcmp(data + k, ctx, strlen(ctx)) &&
			    !memcmp(data + k + strlen(ctx), sid.s, sid.len) &&
			    (p == P_REQ ? strchr("& #\r\n", data[k + strlen(ctx) + sid.len]) != NULL
					: data[k + strlen(ctx) + sid.len] == '"'))
				break;
		if (k + strlen(ctx) + sid.len >= n)
			fail("sid not in its context in the input", p, r);
	}

	/* the reference */
	ref = p == P_REQ ? ref_request(data, size) : ref_reply(data, size, p == P_OPEN);
	if (ref.r != r)
		fail("result differs from the reference", p, r);
	if (r == SID_FOUND && (ref.n != sid.len || memcmp(data + ref.at, sid.s, ref.n)))
		fail("sid differs from the reference", p, r);

	/* stale bytes past len */
	for (k = 0; k < sizeof(win); k++)
		win[k] = size ? data[(k * 7 + 3) % size] ^ (uint8_t)k : (uint8_t)k;
	memcpy(win, data, n);
	r2 = call(p, win, size, &sid2);
	if (r2 != r || memcmp(&sid, &sid2, sizeof(sid)))
		fail("stale bytes past len changed the result", p, r2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check(P_REQ, data, size);
	check(P_OPEN, data, size);
	check(P_WS, data, size);
	return 0;
}
