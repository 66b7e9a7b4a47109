/* SPDX-License-Identifier: MIT */
/*
 * Maps shared by siosteer's BPF programs. Each program object includes this file; the
 * loader gives every map the same pin path, so the objects share one instance per port
 * and a restarted agent adopts what is pinned. All maps carry BTF (key and value types),
 * so `bpftool map dump pinned <dir>/<map>` prints fields by name.
 */
#ifndef SIOSTEER_MAPS_H
#define SIOSTEER_MAPS_H

#include "siosteer.h"

/* slot -> listening socket; user space writes a socket fd, reads back its cookie. */
struct {
	__uint(type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY);
	__uint(max_entries, SIOSTEER_MAX_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} slots SEC(".maps");

/* Two Maglev tables; state.active says which one is in use (see struct siosteer_table). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct siosteer_table);
} tables SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct siosteer_state);
} state SEC(".maps");

/* Per-CPU so the hot path never contends on a cache line; user space sums. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct siosteer_counters);
} counters SEC(".maps");

/* User-space bookkeeping, pinned beside the rest so `status` needs no running agent. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SIOSTEER_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct siosteer_owner);
} owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct siosteer_meta);
} meta SEC(".maps");

#endif
