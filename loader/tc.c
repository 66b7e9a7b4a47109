// SPDX-License-Identifier: MIT
#include <errno.h>
#include <bpf/libbpf.h>

#include "tc.h"

/* Handles and priorities picked to be ours. */
#define TC_HANDLE_BASE 0x5100
#define TC_PRIO_BASE   0x5100

/* Order within a hook (lower runs first): the TIME_WAIT program ends the chain for what it
 * passes, so it comes last; the cookie program sits where the gate would. */
static int prio_of(enum tc_slot which)
{
	static const int rank[] = {
		[TC_REPAIR] = 0, [TC_LEARN] = 1, [TC_GATE] = 2, [TC_COOKIE] = 3, [TC_TW] = 4,
	};

	return TC_PRIO_BASE + rank[which];
}

static void hook_of(int ifindex, enum tc_slot which, struct bpf_tc_hook *h)
{
	h->sz = sizeof(*h);
	h->ifindex = ifindex;
	h->attach_point = which == TC_LEARN ? BPF_TC_EGRESS : BPF_TC_INGRESS;
}

int tc_hook_ensure(int ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	int err = bpf_tc_hook_create(&h);

	/* One clsact qdisc serves both directions; it may exist already. */
	if (err == -EEXIST)
		return 0;
	return err ? err : 1;
}

void tc_hook_remove(int ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

	bpf_tc_hook_destroy(&h);
}

int tc_attach(int ifindex, enum tc_slot which, int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, o, .handle = TC_HANDLE_BASE + which,
			    .priority = prio_of(which), .prog_fd = prog_fd,
			    .flags = BPF_TC_F_REPLACE);
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, h);

	hook_of(ifindex, which, &h);
	return bpf_tc_attach(&h, &o);
}

int tc_detach(int ifindex, enum tc_slot which)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, o, .handle = TC_HANDLE_BASE + which,
			    .priority = prio_of(which));
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, h);
	int err;

	hook_of(ifindex, which, &h);
	err = bpf_tc_detach(&h, &o);
	return err == -ENOENT || err == -EINVAL ? 0 : err;
}
