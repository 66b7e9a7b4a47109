/* SPDX-License-Identifier: MIT */
/* tc (clsact) attachment of siosteer's programs, by fixed handle so a restart replaces. */
#ifndef SIOSTEER_TC_H
#define SIOSTEER_TC_H

#include <stdbool.h>

enum tc_slot {
	TC_REPAIR = 0, /* ingress: kept-alive connection repair, first (the TIME_WAIT
			 * program ends the chain for what it passes) */
	TC_LEARN = 1, /* egress: the learner */
	TC_GATE = 2, /* ingress: the gate, with --gate tc */
	TC_TW = 3, /* ingress: TIME_WAIT collisions, after the gate */
	TC_COOKIE = 4, /* ingress: --cookies bpf, after repair and before the TIME_WAIT
			* program (it passes a SYN that meets a TIME_WAIT socket on to it) */
};

/* Make sure the interface has a clsact qdisc: 1 if we created it, 0 if it was there, or
 * -errno. */
int tc_hook_ensure(int ifindex);
/* Remove the clsact qdisc (with every filter on it): only for one tc_hook_ensure created. */
void tc_hook_remove(int ifindex);
/* Attach (or replace our earlier) filter; needs tc_hook_ensure() first. 0 or -errno. */
int tc_attach(int ifindex, enum tc_slot which, int prog_fd);
/* Remove our filter; a missing one is not an error. */
int tc_detach(int ifindex, enum tc_slot which);

#endif
