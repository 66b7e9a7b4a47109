/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A client request's first bytes, for the programs that read it: the selector (the first
 * request of a connection) and the repair program (every request on a kept-alive one).
 * Per-CPU, because a program run never migrates; each object has its own copy of the map
 * (it is not pinned: nothing outside the run reads it).
 */
#ifndef SIOSTEER_REQ_SCRATCH_H
#define SIOSTEER_REQ_SCRATCH_H

#include "sid_parse.h"
#include "load_window.h"

struct scratch {
	struct sio_req_buf req;
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} req_scratch SEC(".maps");

DEFINE_LOAD_WINDOW(load_request, SIOSTEER_REQ_WINDOW)

/*
 * A global function is verified once, on its own, instead of once per path of the caller;
 * the byte-scanning loop would otherwise multiply with every branch of the program.
 */
__noinline int parse_request(struct scratch *s, __u32 n, struct siosteer_sid *sid)
{
	if (!s || !sid)
		return NOT_HTTP;
	return sio_parse_request(&s->req, n, sid);
}

#endif
