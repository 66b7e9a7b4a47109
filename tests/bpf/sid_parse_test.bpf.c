// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Runs the sid parsers of bpf/sid_parse.h inside the kernel, for
 * tests/bpf/test_sid_parse_bpf.c: it proves they pass this kernel's verifier and that
 * the kernel computes what user space computes.
 *
 * Packet layout (BPF_PROG_TEST_RUN input): a 14-byte dummy Ethernet header (test_run
 * wants at least ETH_HLEN bytes), then the payload handed to the parsers. Payloads longer
 * than a page arrive as XDP fragments (section xdp.frags); bpf_xdp_load_bytes reads
 * across them.
 *
 * Each program copies up to the window of payload bytes into per-CPU scratch buffers of
 * exactly SIOSTEER_REQ_WINDOW / SIOSTEER_RESP_WINDOW bytes, as the selector and the
 * learner do (they load with one call, bpf/load_window.h; here 32-byte chunks while they
 * fit, then one masked remainder bounded to [1, 31] as in bpf/load_window.h:
 * docs/ARCHITECTURE.md, 'Give the verifier a bounded length'). The buffers are not
 * cleared between runs, so they hold the previous case's bytes past `len`
 * (docs/ARCHITECTURE.md, 'Scan only the current packet'), which the parsers must ignore.
 * It then runs all three parsers and stores result codes and sids in `results`.
 *
 *   sid_parse_inline  the parsers inlined into the program (len reloaded from a map
 *                     value, so the verifier sees one unknown length, not one per
 *                     chunk count)
 *   sid_parse_global  each parser inside a __noinline global function, as
 *                     bpf/select.bpf.c and bpf/learn.bpf.c call them
 *
 * Build: see tests/bpf/test_sid_parse_bpf.c.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "load_window.h"
#include "sid_parse.h"

#define PAYLOAD_OFF 14
#define CHUNK       32

struct req_scratch {
	struct sio_req_buf w;
};
struct resp_scratch {
	struct sio_resp_buf w;
};

/* What one run found; index 0 of `results`. */
struct sid_parse_result {
	__u32 payload_len; /* bytes after the dummy header */
	__u32 req_len; /* bytes loaded into the request window */
	__u32 resp_len; /* bytes loaded into the response window */
	__s32 req, open, ws;
	struct siosteer_sid req_sid, open_sid, ws_sid;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct req_scratch);
} req_buf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct resp_scratch);
} resp_buf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sid_parse_result);
} results SEC(".maps");

/* Up to `window` payload bytes into buf; returns how many are valid. */
#define DEFINE_XDP_LOAD(name, window)                                                   \
	static __always_inline __u32 name(struct xdp_md *ctx, __u8 *buf, __u32 avail)   \
	{                                                                               \
		__u32 n = 0, i;                                                         \
		__u64 rem;                                                              \
                                                                                        \
		if (avail > (window))                                                   \
			avail = (window);                                               \
		for (i = 0; i < (window) / CHUNK; i++) {                                \
			if (n + CHUNK > avail)                                          \
				break;                                                  \
			if (bpf_xdp_load_bytes(ctx, PAYLOAD_OFF + n, buf + n, CHUNK))   \
				return n;                                               \
			n += CHUNK;                                                     \
		}                                                                       \
		if (n > (window)-CHUNK)                                                 \
			return n;                                                       \
		/* n is a multiple of CHUNK, at most window - CHUNK; 6.1's verifier   \
		 * loses that bound through the loop, the mask restates it. */ \
		asm volatile("" : "+r"(n));                                             \
		n &= ((window)-1) & ~(CHUNK - 1);                                       \
		/* [1, CHUNK - 1] as bpf/load_window.h bounds a length */               \
		rem = sio_len_opaque((__u64)((avail - n) & (CHUNK - 1)) - 1);           \
		if (rem >= CHUNK - 1)                                                   \
			return n;                                                       \
		rem = sio_len_opaque(rem) + 1;                                          \
		if (bpf_xdp_load_bytes(ctx, PAYLOAD_OFF + n, buf + n, rem))             \
			return n;                                                       \
		return n + rem;                                                         \
	}

DEFINE_XDP_LOAD(load_req, SIOSTEER_REQ_WINDOW)
DEFINE_XDP_LOAD(load_resp, SIOSTEER_RESP_WINDOW)

/* Global functions: verified once each, like parse_request/parse_response in bpf/. */
__noinline int g_parse_request(struct req_scratch *s, __u32 n, struct siosteer_sid *sid)
{
	if (!s || !sid)
		return -1;
	return sio_parse_request(&s->w, n, sid);
}

__noinline int g_parse_open(struct resp_scratch *s, __u32 n, struct siosteer_sid *sid)
{
	if (!s || !sid)
		return -1;
	return sio_parse_open(&s->w, n, sid);
}

__noinline int g_parse_ws_open(struct resp_scratch *s, __u32 n, struct siosteer_sid *sid)
{
	if (!s || !sid)
		return -1;
	return sio_parse_ws_open(&s->w, n, sid);
}

static __always_inline int run(struct xdp_md *ctx, const int global)
{
	struct sid_parse_result *res;
	struct req_scratch *rq;
	struct resp_scratch *rs;
	__u32 zero = 0, total;

	res = bpf_map_lookup_elem(&results, &zero);
	rq = bpf_map_lookup_elem(&req_buf, &zero);
	rs = bpf_map_lookup_elem(&resp_buf, &zero);
	if (!res || !rq || !rs)
		return XDP_ABORTED;
	total = bpf_xdp_get_buff_len(ctx);
	if (total < PAYLOAD_OFF)
		return XDP_ABORTED;
	res->payload_len = total - PAYLOAD_OFF;
	res->req_len = load_req(ctx, rq->w.b, total - PAYLOAD_OFF);
	res->resp_len = load_resp(ctx, rs->w.b, total - PAYLOAD_OFF);

	if (global) {
		res->req = g_parse_request(rq, res->req_len, &res->req_sid);
		res->open = g_parse_open(rs, res->resp_len, &res->open_sid);
		res->ws = g_parse_ws_open(rs, res->resp_len, &res->ws_sid);
	} else {
		struct siosteer_sid sid;

		/* Volatile reloads from the map: one unknown len, whatever the chunk count. */
		res->req = sio_parse_request(rq->w.b, *(volatile __u32 *)&res->req_len, &sid);
		res->req_sid = sid;
		res->open = sio_parse_open(rs->w.b, *(volatile __u32 *)&res->resp_len, &sid);
		res->open_sid = sid;
		res->ws = sio_parse_ws_open(rs->w.b, *(volatile __u32 *)&res->resp_len, &sid);
		res->ws_sid = sid;
	}
	return XDP_DROP;
}

SEC("xdp.frags")
int sid_parse_inline(struct xdp_md *ctx)
{
	return run(ctx, 0);
}

SEC("xdp.frags")
int sid_parse_global(struct xdp_md *ctx)
{
	return run(ctx, 1);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
