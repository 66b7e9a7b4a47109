/* SPDX-License-Identifier: MIT */
/*
 * Maps of sid steering, shared by the selector and the tc learner through pinning (see
 * maps.h). Capacities of sids is set by the loader (--sessions-max) before load.
 */
#ifndef SIOSTEER_SID_MAPS_H
#define SIOSTEER_SID_MAPS_H

#include "siosteer.h"
#include "sid_parse.h"

/* Learned sessions. LRU: when full, the least recently used session is evicted first. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SIOSTEER_SIDS_DEFAULT);
	__type(key, struct siosteer_sid);
	__type(value, struct siosteer_sid_owner);
} sids SEC(".maps");

/* Connection -> slot, written by the selector, read by the learner. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SIOSTEER_CONNS_MAX);
	__type(key, struct siosteer_conn);
	__type(value, struct siosteer_conn_owner);
} conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SIOSTEER_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct siosteer_slot_load);
} load SEC(".maps");

#endif
