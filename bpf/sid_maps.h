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

/*
 * Listener and connection -> slot (struct siosteer_sk_slot). User space sets it on each
 * listening socket, keyed by the socket's fd; BPF_F_CLONE makes the kernel copy it into
 * every connection accepted from that listener (SYN-cookie ones included), so the
 * learner and the repair program read a connection's worker from the socket itself,
 * whichever way the connection was placed and however many requests it carries.
 */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct siosteer_sk_slot);
} conn_slot SEC(".maps");

#endif
