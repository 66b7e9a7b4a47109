// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * tc egress learner: watches the workers' replies on the steered port for the engine.io
 * open packet (`0{"sid":"…"`, EIO=3 `NN:0{"sid":"…"`, or a WebSocket-only session's first
 * frame) and records sid -> slot. The slot is the sending connection's own, read from its
 * socket storage (conn_slot, inherited from the listener), so a handshake answered on a
 * kept-alive connection, on one the address key placed, or after a restart is learned
 * like any other. Workers need no change.
 *
 * Only a reply to a request without sid may teach a sid (a reply of an app route that
 * echoes '0{"sid":"…' must not re-home anyone), and a sid already known never moves
 * (BPF_NOEXIST). The connection's storage says what its last request was (set by the
 * repair program at tc ingress); a connection's first request, seen only by the selector,
 * is asked of the conns record (see enum siosteer_learn_state).
 *
 * The open packet may share the segment with the status line and headers (Node's
 * engine.io, eventlet) or start the next segment (uvicorn, aiohttp, a 101 before the first
 * frame): a reply whose headers end a segment leaves body_next set, and the next segment
 * is parsed as a body. Only the current packet's bytes are scanned: the scratch buffer is
 * never read past what was loaded (it holds older packets' bytes). A connection with
 * nothing to learn costs a storage lookup per segment, no scan.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "siosteer.h"
#include "sid_maps.h"
#include "pkt.h"
#include "load_window.h"

/* Steered port, host byte order; set by the loader. */
const volatile __u16 port;

struct scratch {
	struct sio_resp_buf resp;
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} resp_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct siosteer_learn_counters);
} learn_counters SEC(".maps");

DEFINE_LOAD_WINDOW(load_response, SIOSTEER_RESP_WINDOW)

/* Global, so the verifier checks each scan once rather than inside every caller path. */
__noinline int parse_response(struct scratch *s, __u32 n, struct siosteer_sid *sid, __u32 *next)
{
	if (!s || !sid || !next)
		return NOT_HTTP;
	return sio_parse_open_next(&s->resp, n, sid, next);
}

__noinline int parse_body(struct scratch *s, __u32 n, struct siosteer_sid *sid)
{
	if (!s || !sid)
		return NOT_HTTP;
	return sio_parse_body(&s->resp, n, sid);
}

/*
 * A connection's first reply may teach only if the selector recorded its first request
 * as a handshake, and the record is this connection's (see SIOSTEER_OPEN_SEQ_SPAN): a
 * record an earlier connection left on the same 4-tuple must not count.
 */
static __always_inline bool first_request_asked(const struct pkt_tcp *p,
						struct siosteer_learn_counters *c)
{
	struct siosteer_conn_owner *placed;
	struct siosteer_conn conn = {};

	__builtin_memcpy(conn.client, p->daddr, 16);
	__builtin_memcpy(conn.server, p->saddr, 16);
	conn.client_port = p->th->dest;
	conn.server_port = p->th->source;
	placed = bpf_map_lookup_elem(&conns, &conn);
	if (!placed) {
		c->not_new_session++;
		return false;
	}
	if (bpf_ntohl(p->th->seq) - placed->server_seq > SIOSTEER_OPEN_SEQ_SPAN) {
		c->stale_conn++;
		return false;
	}
	/* One handshake teaches one sid; the record has done its job. */
	bpf_map_delete_elem(&conns, &conn);
	return true;
}

SEC("tc")
int siosteer_learn(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	struct siosteer_learn_counters *c;
	struct siosteer_sid_owner owner = {};
	struct siosteer_sid sid = {};
	struct siosteer_slot_load *l;
	struct siosteer_sk_slot *st;
	struct bpf_sock *sk;
	struct pkt_tcp p;
	struct scratch *s;
	__u32 zero = 0, n, next = 0, later;
	__u8 learn;
	int r;

	c = bpf_map_lookup_elem(&learn_counters, &zero);
	s = bpf_map_lookup_elem(&resp_scratch, &zero);
	if (!c || !s)
		return TC_ACT_OK;
	/* The headers are normally in the linear area (the payload, read with
	 * bpf_skb_load_bytes, need not be). Pull only when they are not: pulling every
	 * packet's first 134 bytes copied its head each time (BENCHMARKS.md, 'Found on
	 * the way'). */
	r = pkt_parse_tcp(data, data_end, &p);
	if (r && data_end - data < skb->len) {
		bpf_skb_pull_data(skb, 14 + 60 + 60 < skb->len ? 14 + 60 + 60 : skb->len);
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
		r = pkt_parse_tcp(data, data_end, &p);
	}
	if (r) {
		c->not_tcp++;
		return TC_ACT_OK;
	}
	if (p.th->source != bpf_htons(port))
		return TC_ACT_OK;
	c->packets++;
	/* An RST carries no reply: the repair program's RST to a client keeps the request's
	 * bytes as payload (and has no socket). */
	if (!p.payload_len || p.th->rst)
		return TC_ACT_OK;
	/* A segment with payload leaves through its connection's full socket. */
	sk = skb->sk;
	if (sk)
		sk = bpf_sk_fullsock(sk);
	st = sk ? bpf_sk_storage_get(&conn_slot, sk, 0, 0) : 0;
	if (!st) {
		c->no_storage++;
		return TC_ACT_OK;
	}
	learn = st->learn;
	if (learn == SIOSTEER_LEARN_NO)
		return TC_ACT_OK;
	c->scanned++;
	n = load_response(skb, p.payload_off, s->resp.b, p.payload_len);
	later = st->body_next;
	if (later) {
		st->body_next = 0;
		r = parse_body(s, n, &sid);
	} else {
		r = parse_response(s, n, &sid, &next);
	}
	if (r != SID_FOUND) {
		if (r == SID_BAD || r == TRUNCATED)
			c->bad_sid++;
		if (next) {
			st->body_next = 1; /* the same request's reply goes on */
			c->body_next++;
		} else {
			st->learn = SIOSTEER_LEARN_NO;
		}
		return TC_ACT_OK;
	}
	/* This request has had its answer: nothing more to learn until the next one. */
	st->learn = SIOSTEER_LEARN_NO;
	if (learn == SIOSTEER_LEARN_FIRST && !first_request_asked(&p, c))
		return TC_ACT_OK;
	owner.slot = st->slot;
	owner.learned_ns = bpf_ktime_get_boot_ns();
	if (bpf_map_update_elem(&sids, &sid, &owner, BPF_NOEXIST)) {
		c->already_known++;
		return TC_ACT_OK;
	}
	l = bpf_map_lookup_elem(&load, &owner.slot);
	if (l)
		__sync_fetch_and_add(&l->learned, 1);
	c->learned++;
	if (later)
		c->learned_later++;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
