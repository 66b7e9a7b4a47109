// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for both sid parsers (make fuzz). The first input byte picks how many
 * bytes are "valid"; the rest of the window is filled with garbage, as a BPF scratch buffer
 * holds stale bytes. Invariants: a found sid is 1..SIOSTEER_SID_MAX characters of
 * [A-Za-z0-9_-] that really occur in the valid bytes; nothing is read out of bounds
 * (ASan/UBSan); results are one of the enum values.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sid_parse.h"

static void check(int r, const struct siosteer_sid *sid, const uint8_t *in, size_t len)
{
	int i;

	if (r < SID_FOUND || r > TRUNCATED)
		abort();
	if (r != SID_FOUND)
		return;
	if (sid->len < 1 || sid->len > SIOSTEER_SID_MAX)
		abort();
	for (i = 0; i < sid->len; i++)
		if (!sio_sid_char((uint8_t)sid->s[i]))
			abort();
	if (!memmem(in, len, sid->s, sid->len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sio_req_buf req;
	static struct sio_resp_buf resp;
	struct siosteer_sid sid;
	size_t n;

	if (size < 1)
		return 0;
	n = size - 1;
	memset(&req, data[0], sizeof(req));
	memset(&resp, data[0], sizeof(resp));
	memcpy(req.b, data + 1, n < sizeof(req.b) ? n : sizeof(req.b));
	memcpy(resp.b, data + 1, n < sizeof(resp.b) ? n : sizeof(resp.b));

	memset(&sid, 0, sizeof(sid));
	check(sio_parse_request(&req, (__u32)(n < sizeof(req.b) ? n : sizeof(req.b)), &sid),
	      &sid, data + 1, n);
	memset(&sid, 0, sizeof(sid));
	check(sio_parse_open(&resp, (__u32)(n < sizeof(resp.b) ? n : sizeof(resp.b)), &sid), &sid,
	      data + 1, n);
	return 0;
}
