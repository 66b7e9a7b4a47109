// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * tc egress learner: watches the workers' replies on the steered port for the engine.io
 * open packet (`0{"sid":"…"`, EIO=3 `NN:0{"sid":"…"`, or a WebSocket-only session's first
 * frame) and records sid -> slot, the slot being the one the selector gave that
 * connection. Workers need no change. Only the current packet's bytes are scanned
 * (DESIGN.md, Lessons 3): the scratch buffer is never read past what was loaded.
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

/* Global, so the verifier checks the scan once rather than inside every caller path. */
__noinline int parse_response(struct scratch *s, __u32 n, struct siosteer_sid *sid)
{
	if (!s || !sid)
		return NOT_HTTP;
	return sio_parse_open(&s->resp, n, sid);
}

SEC("tc")
int siosteer_learn(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	struct siosteer_learn_counters *c;
	struct siosteer_sid_owner owner = {};
	struct siosteer_sid sid = {};
	struct siosteer_conn conn = {};
	struct siosteer_slot_load *l;
	struct pkt_tcp p;
	struct scratch *s;
	struct siosteer_conn_owner *placed;
	__u32 zero = 0, n;
	int r;

	c = bpf_map_lookup_elem(&learn_counters, &zero);
	s = bpf_map_lookup_elem(&resp_scratch, &zero);
	if (!c || !s)
		return TC_ACT_OK;
	/* The headers are normally in the linear area (the payload, read with
	 * bpf_skb_load_bytes, need not be). Pull only when they are not: pulling every
	 * packet's first 134 bytes was a quarter of this program's time (a head copy). */
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
	if (!p.payload_len)
		return TC_ACT_OK;
	c->scanned++;
	__builtin_memcpy(conn.client, p.daddr, 16);
	__builtin_memcpy(conn.server, p.saddr, 16);
	conn.client_port = p.th->dest;
	conn.server_port = p.th->source;

	n = load_response(skb, p.payload_off, s->resp.b, p.payload_len);
	r = parse_response(s, n, &sid);
	if (r != SID_FOUND) {
		if (r == SID_BAD || r == TRUNCATED)
			c->bad_sid++;
		return TC_ACT_OK;
	}
	/* Only a connection that asked for a new session can name one (the selector records
	 * no other): a reply on any other connection (an app route echoing '0{"sid":"…',
	 * say) must not re-home a session. */
	placed = bpf_map_lookup_elem(&conns, &conn);
	if (!placed) {
		c->not_new_session++;
		return TC_ACT_OK;
	}
	/* The open packet comes within the first bytes the worker sends (after a 101 answer
	 * for WebSocket-only); a record whose first sequence number is far from this segment's
	 * belongs to an earlier connection on the same 4-tuple. */
	if (bpf_ntohl(p.th->seq) - placed->server_seq > SIOSTEER_OPEN_SEQ_SPAN) {
		c->stale_conn++;
		return TC_ACT_OK;
	}
	owner.slot = placed->slot;
	owner.learned_ns = bpf_ktime_get_boot_ns();
	if (bpf_map_update_elem(&sids, &sid, &owner, BPF_NOEXIST)) {
		c->already_known++;
		return TC_ACT_OK;
	}
	/* One handshake teaches one sid; the record has done its job. */
	bpf_map_delete_elem(&conns, &conn);
	l = bpf_map_lookup_elem(&load, &owner.slot);
	if (l)
		__sync_fetch_and_add(&l->learned, 1);
	c->learned++;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
