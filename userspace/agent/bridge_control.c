// SPDX-License-Identifier: MIT
/*
 * Cluster control: drain/undrain/weight messages from the control channel, written
 * into the pinned control map (the agent's loop applies them), acknowledged on ctl-ack;
 * on (re)connect, the commands missed while away. See bridge.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "bridge_internal.h"
#include "clock.h"
#include "log.h"

/* Does a control message address this agent? node "*" and port 0 mean any. */
static bool for_me(const struct bridge *b, const char *node, json_int_t port)
{
	return node && (!strcmp(node, "*") || !strcmp(node, b->node)) &&
	       (port == 0 || port == (json_int_t)b->port);
}

/* Parse a control message; 1 if it is for us (c filled), 0 if not, -1 if malformed. */
static int parse_control(const struct bridge *b, const char *text, size_t len, struct ctl_change *c,
			 char *id, size_t idlen, char *from, size_t fromlen)
{
	const char *op = NULL, *node = NULL, *rid = "", *who = "";
	json_int_t port = 0, slot = -1, weight = 0, ts = 0;
	json_error_t je;
	json_t *j = json_loadb(text, len, 0, &je);
	int rc = -1, o;

	if (!j)
		return -1;
	if (json_unpack(j, "{s:s, s:s, s?I, s?I, s?I, s?I, s?s, s?s}", "op", &op, "node", &node,
			"port", &port, "slot", &slot, "weight", &weight, "ts", &ts, "id", &rid,
			"from", &who))
		goto out;
	o = ctl_op_parse(op);
	if (o < 0 || slot < -1 || slot >= SIOSTEER_MAX_SLOTS ||
	    (o == CTL_WEIGHT && (slot < 0 || weight < 1 || weight > SIOSTEER_WEIGHT_MAX)))
		goto out;
	rc = for_me(b, node, port) ? 1 : 0;
	memset(c, 0, sizeof(*c));
	c->op = (enum ctl_op)o;
	c->slot = (int)slot;
	c->weight = (unsigned)weight;
	c->ts_ns = ts > 0 ? (__u64)ts * 1000000ull : (__u64)(clock_s(CLOCK_REALTIME) * 1e9);
	c->source = SIOSTEER_CTL_CLUSTER;
	snprintf(id, idlen, "%s", rid);
	snprintf(from, fromlen, "%s", who);
out:
	json_decref(j);
	return rc;
}

static void on_control(struct bridge *b, const char *text, size_t len)
{
	char id[80], from[80], what[64], *ack;
	struct ctl_change c;
	double t0 = mono_s();
	bool all = false;
	json_t *a;
	int r, gen = 0;

	r = parse_control(b, text, len, &c, id, sizeof(id), from, sizeof(from));
	if (r < 0) {
		log_warn("redis: ignored a malformed control message (%.80s)", text);
		return;
	}
	if (r == 0)
		return;
	ctl_describe(&c, what, sizeof(what));
	r = b->ctl_fd >= 0 ? ctl_apply_change(b->ctl_fd, &c) : -ENOENT;
	if (r >= 0) {
		/* The agent's loop rebuilds the table within CTL_POLL_MS; confirm it did. */
		gen = ctl_wait_applied(b->root, b->port, 1.5, &all);
		b->st.controls++;
		log_info("redis: cluster command from %s: %s%s", from[0] ? from : "?", what,
			 r == 0 ? " (already so)" : "");
	}
	a = json_object();
	json_object_set_new(a, "id", json_string(id));
	json_object_set_new(a, "node", json_string(b->node));
	json_object_set_new(a, "port", json_integer(b->port));
	json_object_set_new(a, "what", json_string(what));
	json_object_set_new(a, "ok", json_boolean(r >= 0 && gen > 0));
	json_object_set_new(a, "changed", json_boolean(r > 0));
	if (gen > 0)
		json_object_set_new(a, "generation", json_integer(gen));
	else
		json_object_set_new(a, "error", json_string(strerror(r < 0 ? -r : -gen)));
	json_object_set_new(a, "all_slots_drained", json_boolean(all));
	json_object_set_new(a, "ms", json_integer((json_int_t)((mono_s() - t0) * 1000)));
	ack = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	if (ack && br_up(b)) {
		br_pipe_add(b, "PUBLISH %s %s", b->k_ack, ack);
		br_pipe_drain(b);
	}
	free(ack);
}

/* After a (re)connect: apply cluster commands sent while we were away. */
void br_catch_up(struct bridge *b)
{
	redisReply *r = redisCommand(b->cmd, "HGETALL %s", b->k_ctlstate);
	char id[80], from[80];
	size_t i;
	int n = 0;

	if (!r || r->type != REDIS_REPLY_ARRAY) {
		br_io_failure(b, r, "HGETALL");
		if (r)
			freeReplyObject(r);
		return;
	}
	for (i = 1; i < r->elements; i += 2) {
		const redisReply *v = r->element[i];
		struct ctl_change c;

		if (v->type != REDIS_REPLY_STRING ||
		    parse_control(b, v->str, v->len, &c, id, sizeof(id), from, sizeof(from)) != 1)
			continue;
		c.only_if_newer = true;
		if (b->ctl_fd >= 0 && ctl_apply_change(b->ctl_fd, &c) > 0)
			n++;
	}
	freeReplyObject(r);
	if (n)
		log_info("redis: applied %d cluster command%s sent while disconnected", n,
			 n == 1 ? "" : "s");
}

void br_read_sub(struct bridge *b)
{
	redisReply *r;

	if (redisBufferRead(b->sub) != REDIS_OK) {
		char err[300];

		redis_describe_failure(b->sub, &b->u, NULL, "control subscription", err,
				       sizeof(err));
		br_failed(b, err);
		return;
	}
	while (b->sub) {
		r = NULL;
		if (redisGetReplyFromReader(b->sub, (void **)&r) != REDIS_OK) {
			char err[300];

			redis_describe_failure(b->sub, &b->u, NULL, "control subscription", err,
					       sizeof(err));
			br_failed(b, err);
			return;
		}
		if (!r)
			break;
		if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
		    r->element[0]->type == REDIS_REPLY_STRING &&
		    !strcmp(r->element[0]->str, "message") &&
		    r->element[2]->type == REDIS_REPLY_STRING)
			on_control(b, r->element[2]->str, r->element[2]->len);
		freeReplyObject(r);
	}
}
