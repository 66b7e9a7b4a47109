// SPDX-License-Identifier: MIT
/*
 * Membership and load: the local view read from the pins (slots, owners, rates,
 * control state) and the node record published from it every heartbeat. See bridge.h.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <jansson.h>

#include "bridge_internal.h"
#include "clock.h"

int br_open_pins(struct bridge *b)
{
	char path[PATH_MAX];

	if (b->pinned)
		return 0;
	if (siosteer_pinned_open(b->root, b->port, &b->p))
		return -1;
	b->pinned = true;
	siosteer_pin_path(path, sizeof(path), b->root, b->port, SIOSTEER_MAP_SIDS);
	b->sids_fd = bpf_obj_get(path);
	siosteer_pin_path(path, sizeof(path), b->root, b->port, SIOSTEER_MAP_LOAD);
	b->load_fd = bpf_obj_get(path);
	b->ctl_fd = siosteer_control_open(b->root, b->port, true);
	return 0;
}

void br_read_local(struct bridge *b)
{
	struct siosteer_counters cnt;
	bool live[SIOSTEER_MAX_SLOTS];
	double t = mono_s(), dt = b->prev_t ? t - b->prev_t : 0;
	__u64 cookie;
	__u32 slot;

	siosteer_pinned_meta(&b->p, &b->meta);
	siosteer_pinned_state(&b->p, &b->state);
	if (siosteer_pinned_counters(&b->p, &cnt))
		memset(&cnt, 0, sizeof(cnt));
	if (b->ctl_fd < 0 || siosteer_control_read(b->ctl_fd, b->ctl))
		memset(b->ctl, 0, sizeof(b->ctl));
	for (slot = 0; slot < SIOSTEER_MAX_SLOTS; slot++) {
		struct slot_view *v = &b->slot[slot];
		struct siosteer_slot_load load = { 0 };

		if (siosteer_pinned_owner(&b->p, slot, &v->owner))
			memset(&v->owner, 0, sizeof(v->owner));
		v->live = live[slot] = !siosteer_sockarray_cookie(b->p.slots_fd, slot, &cookie);
		if (b->load_fd >= 0)
			bpf_map_lookup_elem(b->load_fd, &slot, &load);
		if (dt > 0) {
			v->conn_rate = (double)(cnt.selected[slot] - b->prev_selected[slot]) / dt;
			v->new_rate = (double)(load.learned - b->prev_learned[slot]) / dt;
		}
		b->prev_selected[slot] = cnt.selected[slot];
		b->prev_learned[slot] = load.learned;
	}
	b->prev_t = t;
	b->all_drained = ctl_weights(b->ctl, live, b->table_w) == CTL_ALL_DRAINED;
	/* learned_ns is CLOCK_BOOTTIME: the offset to unix time, once per tick. */
	b->boot_to_unix_ms = clock_s(CLOCK_REALTIME) * 1000 - clock_s(CLOCK_BOOTTIME) * 1000;
}

static json_t *membership(struct bridge *b, __u64 now_ms)
{
	static const char *const place[] = { "addr", "least-loaded", "random" };
	json_t *o = json_object(), *slots = json_array(), *br = json_object();
	__u32 slot;

	json_object_set_new(o, "node", json_string(b->node));
	json_object_set_new(o, "cluster", json_string(b->cluster));
	json_object_set_new(o, "port", json_integer(b->port));
	json_object_set_new(o, "mode",
			    json_string(b->meta.mode == SIOSTEER_MODE_RUN ? "run" : "attach"));
	json_object_set_new(o, "key",
			    json_string(b->meta.key == SIOSTEER_KEY_SID ? "sid" : "addr"));
	if (b->meta.key == SIOSTEER_KEY_SID)
		json_object_set_new(o, "place", json_string(place[b->meta.place % 3]));
	json_object_set_new(o, "agent_pid", json_integer(b->meta.agent_pid));
	json_object_set_new(o, "generation", json_integer(b->state.generation));
	json_object_set_new(o, "drained", json_boolean(b->ctl[SIOSTEER_CONTROL_PORT].drained));
	json_object_set_new(o, "all_slots_drained", json_boolean(b->all_drained));
	json_object_set_new(o, "time", json_integer((json_int_t)now_ms));
	json_object_set_new(o, "started", json_integer((json_int_t)b->started_ms));
	json_object_set_new(o, "sessions", json_integer((json_int_t)b->st.sessions));
	for (slot = 0; slot < SIOSTEER_MAX_SLOTS; slot++) {
		const struct slot_view *v = &b->slot[slot];
		json_t *s;

		if (!v->live && !v->owner.pid)
			continue;
		s = json_object();
		json_object_set_new(s, "slot", json_integer(slot));
		json_object_set_new(s, "pid", json_integer(v->owner.pid));
		json_object_set_new(
			s, "command",
			json_stringn(v->owner.comm, strnlen(v->owner.comm, sizeof(v->owner.comm))));
		json_object_set_new(s, "listening", json_boolean(v->live));
		json_object_set_new(s, "weight",
				    json_integer(b->ctl[slot].weight ? b->ctl[slot].weight : 1));
		json_object_set_new(s, "drained",
				    json_boolean(b->ctl[slot].drained ||
						 b->ctl[SIOSTEER_CONTROL_PORT].drained));
		json_object_set_new(s, "table_weight", json_integer(b->table_w[slot]));
		json_object_set_new(s, "restarts", json_integer(v->owner.restarts));
		if (b->meta.key == SIOSTEER_KEY_SID)
			json_object_set_new(s, "sessions", json_integer((json_int_t)v->sessions));
		json_object_set_new(s, "conn_per_s", json_real(((long)(v->conn_rate * 10)) / 10.0));
		if (b->meta.key == SIOSTEER_KEY_SID)
			json_object_set_new(s, "new_sessions_per_s",
					    json_real(((long)(v->new_rate * 10)) / 10.0));
		json_array_append_new(slots, s);
	}
	json_object_set_new(o, "slots", slots);
	json_object_set_new(br, "queue", json_integer((json_int_t)b->qlen));
	json_object_set_new(br, "queue_max", json_integer(BRIDGE_QUEUE_MAX));
	json_object_set_new(br, "dropped", json_integer((json_int_t)b->st.dropped));
	json_object_set_new(br, "published", json_integer((json_int_t)b->st.published));
	json_object_set_new(br, "renewed", json_integer((json_int_t)b->st.renewed));
	json_object_set_new(br, "connects", json_integer((json_int_t)b->st.connects));
	json_object_set_new(br, "failures", json_integer((json_int_t)b->st.failures));
	json_object_set_new(br, "sid_ttl_s", json_real(b->sid_ttl));
	json_object_set_new(o, "bridge", br);
	return o;
}

void br_heartbeat(struct bridge *b)
{
	__u64 now = br_now_unix_ms();
	json_t *m = membership(b, now);
	char *s = json_dumps(m, JSON_COMPACT);

	json_decref(m);
	if (!s)
		return;
	br_pipe_add(b, "SET %s %s PX %d", b->k_node, s, BRIDGE_NODE_TTL_MS);
	br_pipe_add(b, "ZADD %s %llu %s", b->k_nodes, (unsigned long long)now, b->member);
	/* Members silent for an hour are history (readers skip silent ones at once). */
	br_pipe_add(b, "ZREMRANGEBYSCORE %s -inf %llu", b->k_nodes,
		    (unsigned long long)(now > 3600000 ? now - 3600000 : 0));
	free(s);
	b->st.heartbeats++;
}

void br_withdraw(struct bridge *b)
{
	if (!br_up(b))
		return;
	br_pipe_add(b, "DEL %s", b->k_node);
	br_pipe_add(b, "ZREM %s %s", b->k_nodes, b->member);
	br_pipe_drain(b);
}
