// SPDX-License-Identifier: MIT
/* status / sessions / drain for a whole cluster, from Redis (see cluster.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "clock.h"
#include "bridge.h"
#include "cluster.h"
#include "json_out.h"
#include "log.h"
#include "redis_url.h"
#include "sid_parse.h"

struct conn {
	struct redis_url u;
	char where[300];
	redisContext *c;
};

static int open_conn(const struct cli *c, struct conn *k)
{
	const char *url = redis_default_url(c->redis);
	char err[512];

	signal(SIGPIPE, SIG_IGN);
	if (redis_url_parse(url, &k->u, err, sizeof(err))) {
		log_error("%s", err);
		return -1;
	}
	redis_url_where(&k->u, k->where, sizeof(k->where));
	k->c = redis_url_connect(&k->u, 2.0, err, sizeof(err));
	if (!k->c) {
		log_error("%s", err);
		return -1;
	}
	if (bridge_check_name("--cluster", c->cluster))
		return -1;
	return 0;
}

static void close_conn(struct conn *k)
{
	if (k->c)
		redisFree(k->c);
	k->c = NULL;
}

/* A command whose failure ends the CLI with one line. */
static redisReply *cmd(struct conn *k, int type, const char *what, const char *fmt, ...)
{
	redisReply *r;
	va_list ap;

	va_start(ap, fmt);
	r = redisvCommand(k->c, fmt, ap);
	va_end(ap);
	if (!r || (type >= 0 && r->type != type && r->type != REDIS_REPLY_NIL)) {
		char err[512];

		redis_describe_failure(k->c, &k->u, r, what, err, sizeof(err));
		log_error("%s", err);
		if (r)
			freeReplyObject(r);
		return NULL;
	}
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static json_int_t jint(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* The live members ("node:port") of the cluster, sorted, with their records (NULL if the
 * record expired between the two reads). Returns the count or -1. */
static int members(struct conn *k, const char *cluster, char ***names, json_t ***recs)
{
	char key[256], nkey[512];
	redisReply *r;
	size_t i;
	int n;

	bridge_key(key, sizeof(key), cluster, "nodes", NULL);
	r = cmd(k, REDIS_REPLY_ARRAY, "ZRANGEBYSCORE", "ZRANGEBYSCORE %s %.0f +inf", key,
		(clock_s(CLOCK_REALTIME) * 1000.0) - BRIDGE_NODE_TTL_MS);
	if (!r)
		return -1;
	n = r->type == REDIS_REPLY_ARRAY ? (int)r->elements : 0;
	*names = calloc((size_t)n + 1, sizeof(char *));
	*recs = calloc((size_t)n + 1, sizeof(json_t *));
	for (i = 0; i < (size_t)n; i++)
		(*names)[i] = strdup(r->element[i]->str);
	freeReplyObject(r);
	qsort(*names, (size_t)n, sizeof(char *), cmp_str);
	for (i = 0; i < (size_t)n; i++) {
		bridge_key(nkey, sizeof(nkey), cluster, "node", (*names)[i]);
		redisAppendCommand(k->c, "GET %s", nkey);
	}
	for (i = 0; i < (size_t)n; i++) {
		json_error_t je;

		if (redisGetReply(k->c, (void **)&r) != REDIS_OK || !r) {
			char err[512];

			redis_describe_failure(k->c, &k->u, NULL, "GET", err, sizeof(err));
			log_error("%s", err);
			return -1;
		}
		if (r->type == REDIS_REPLY_STRING)
			(*recs)[i] = json_loadb(r->str, r->len, 0, &je);
		freeReplyObject(r);
		/* A record is only as live as its own heartbeat time says. */
		if ((*recs)[i] &&
		    (clock_s(CLOCK_REALTIME) * 1000.0) - (double)jint((*recs)[i], "time") >
			    BRIDGE_NODE_TTL_MS) {
			json_decref((*recs)[i]);
			(*recs)[i] = NULL;
		}
	}
	return n;
}

static void free_members(char **names, json_t **recs, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(names[i]);
		json_decref(recs[i]);
	}
	free(names);
	free(recs);
}

static double jnum(json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

int cluster_status(const struct cli *c)
{
	json_t **recs, *out = NULL, *arr = NULL;
	json_int_t sessions = 0, slots = 0;
	struct conn k = { 0 };
	char **names;
	int n, i, live = 0;

	if (open_conn(c, &k))
		return 1;
	n = members(&k, c->cluster, &names, &recs);
	close_conn(&k);
	if (n < 0)
		return 1;
	for (i = 0; i < n; i++) {
		if (!recs[i])
			continue;
		live++;
		sessions += jint(recs[i], "sessions");
		slots += (json_int_t)json_array_size(json_object_get(recs[i], "slots"));
	}
	if (c->json) {
		out = json_object();
		arr = json_array();
		json_object_set_new(out, "cluster", json_string(c->cluster));
		json_object_set_new(out, "redis", json_string(k.where));
		json_object_set_new(out, "nodes", arr);
	} else {
		printf("cluster %s (Redis %s): %d node%s, %lld slots, %lld learned sessions\n",
		       c->cluster, k.where, live, live == 1 ? "" : "s", (long long)slots,
		       (long long)sessions);
	}
	for (i = 0; i < n; i++) {
		json_t *r = recs[i], *sl;
		double age =
			r ? ((clock_s(CLOCK_REALTIME) * 1000.0) - (double)jint(r, "time")) / 1000 :
			    0;
		size_t j;

		if (!r)
			continue;
		if (c->json) {
			json_t *copy = json_deep_copy(r);

			json_object_set_new(copy, "age_s", json_real(age < 0 ? 0 : age));
			json_array_append_new(arr, copy);
			continue;
		}
		printf("\n%s port %lld: mode %s, key %s%s%s, agent pid %lld, generation %lld, "
		       "heartbeat %.1f s ago%s\n",
		       jstr(r, "node"), (long long)jint(r, "port"), jstr(r, "mode"), jstr(r, "key"),
		       *jstr(r, "place") ? " by " : "", jstr(r, "place"),
		       (long long)jint(r, "agent_pid"), (long long)jint(r, "generation"),
		       age < 0 ? 0 : age,
		       json_is_true(json_object_get(r, "drained")) ? ", NODE DRAINED" : "");
		if (json_is_true(json_object_get(r, "all_slots_drained")))
			printf("  every slot is drained: new sessions still spread over all of them "
			       "(take the node out of the load balancer)\n");
		printf("  %-4s  %-7s  %-15s  %-6s  %-8s  %-8s  %-7s  %s\n", "slot", "pid",
		       "command", "weight", "state", "sessions", "conn/s", "new/s");
		json_array_foreach(json_object_get(r, "slots"), j, sl)
		{
			json_t *ss = json_object_get(sl, "sessions");
			char sess[24] = "-";

			if (ss)
				snprintf(sess, sizeof(sess), "%lld",
					 (long long)json_integer_value(ss));
			printf("  %-4lld  %-7lld  %-15s  %-6lld  %-8s  %-8s  %-7.1f  %.1f\n",
			       (long long)jint(sl, "slot"), (long long)jint(sl, "pid"),
			       jstr(sl, "command"), (long long)jint(sl, "weight"),
			       !json_is_true(json_object_get(sl, "listening")) ? "gone" :
			       json_is_true(json_object_get(sl, "drained"))    ? "drained" :
										 "serving",
			       sess, jnum(sl, "conn_per_s"), jnum(sl, "new_sessions_per_s"));
		}
		{
			json_t *b = json_object_get(r, "bridge");

			printf("  bridge: queue %lld/%lld, dropped %lld, published %lld, renewed %lld, "
			       "reconnects %lld\n",
			       (long long)jint(b, "queue"), (long long)jint(b, "queue_max"),
			       (long long)jint(b, "dropped"), (long long)jint(b, "published"),
			       (long long)jint(b, "renewed"),
			       (long long)(jint(b, "connects") > 0 ? jint(b, "connects") - 1 : 0));
		}
	}
	if (c->json) {
		json_out(out);
	} else if (!live) {
		printf("no node of cluster %s has sent a heartbeat in the last %d s\n", c->cluster,
		       BRIDGE_NODE_TTL_MS / 1000);
	}
	free_members(names, recs, n);
	return 0;
}

/* Is the worker that owned the session still the slot's worker on a live node? */
static void check_owner(struct conn *k, const char *cluster, json_t *e, bool *node_alive,
			bool *worker_alive, json_int_t *now_pid)
{
	char member[160], key[512];
	json_error_t je;
	redisReply *r;
	json_t *rec, *sl;
	size_t i;

	*node_alive = *worker_alive = false;
	*now_pid = 0;
	snprintf(member, sizeof(member), "%s:%lld", jstr(e, "node"), (long long)jint(e, "port"));
	bridge_key(key, sizeof(key), cluster, "node", member);
	r = redisCommand(k->c, "GET %s", key);
	if (!r)
		return;
	if (r->type != REDIS_REPLY_STRING || !(rec = json_loadb(r->str, r->len, 0, &je))) {
		freeReplyObject(r);
		return;
	}
	freeReplyObject(r);
	if ((clock_s(CLOCK_REALTIME) * 1000.0) - (double)jint(rec, "time") > BRIDGE_NODE_TTL_MS) {
		json_decref(rec); /* no heartbeat for longer than a record lives */
		return;
	}
	*node_alive = true;
	json_array_foreach(json_object_get(rec, "slots"), i, sl)
	{
		if (jint(sl, "slot") != jint(e, "slot"))
			continue;
		*now_pid = jint(sl, "pid");
		*worker_alive = *now_pid == jint(e, "pid") &&
				json_is_true(json_object_get(sl, "listening"));
	}
	json_decref(rec);
}

static int one_sid(const struct cli *c, struct conn *k)
{
	char key[512];
	bool node_alive, worker_alive;
	json_int_t now_pid;
	json_error_t je;
	redisReply *r;
	json_t *e;
	double age;
	size_t i;

	for (i = 0; c->sid[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-",
			    c->sid[i]) ||
		    i >= SIOSTEER_SID_MAX) {
			log_error("--sid '%s' is not an engine.io session id", c->sid);
			return 2;
		}
	bridge_key(key, sizeof(key), c->cluster, "sid", c->sid);
	r = cmd(k, REDIS_REPLY_STRING, "GET", "GET %s", key);
	if (!r)
		return 1;
	if (r->type == REDIS_REPLY_NIL) {
		freeReplyObject(r);
		if (c->json)
			json_out(json_pack("{s:s, s:b}", "sid", c->sid, "found", 0));
		else
			printf("sid %s: not in the directory of cluster %s\n", c->sid, c->cluster);
		return 1;
	}
	e = json_loadb(r->str, r->len, 0, &je);
	freeReplyObject(r);
	if (!e) {
		log_error("directory entry %s is not JSON (%s)", key, je.text);
		return 1;
	}
	check_owner(k, c->cluster, e, &node_alive, &worker_alive, &now_pid);
	age = ((clock_s(CLOCK_REALTIME) * 1000.0) - (double)jint(e, "learned")) / 1000;
	if (c->json) {
		json_object_set_new(e, "sid", json_string(c->sid));
		json_object_set_new(e, "found", json_true());
		json_object_set_new(e, "age_s", json_real(age));
		json_object_set_new(e, "node_alive", json_boolean(node_alive));
		json_object_set_new(e, "worker_alive", json_boolean(worker_alive));
		json_out(json_incref(e));
	} else {
		printf("sid %s: node %s port %lld slot %lld pid %lld, learned %.1f s ago; %s\n",
		       c->sid, jstr(e, "node"), (long long)jint(e, "port"),
		       (long long)jint(e, "slot"), (long long)jint(e, "pid"), age,
		       !node_alive  ? "its node is gone (no heartbeat)" :
		       worker_alive ? "node and worker alive" :
				      "stale: its worker is gone");
	}
	json_decref(e);
	return 0;
}

int cluster_sessions(const struct cli *c)
{
	struct conn k = { 0 };
	json_t **recs, *out = NULL;
	json_int_t total = 0;
	char **names;
	int n, i, rc;

	if (open_conn(c, &k))
		return 1;
	if (c->sid) {
		rc = one_sid(c, &k);
		close_conn(&k);
		return rc;
	}
	n = members(&k, c->cluster, &names, &recs);
	close_conn(&k);
	if (n < 0)
		return 1;
	if (c->json)
		out = json_object();
	for (i = 0; i < n; i++) {
		json_t *sl, *per;
		size_t j;

		if (!recs[i])
			continue;
		total += jint(recs[i], "sessions");
		if (c->json) {
			per = json_object();
			json_object_set_new(per, "sessions",
					    json_integer(jint(recs[i], "sessions")));
			json_object_set_new(per, "key", json_string(jstr(recs[i], "key")));
			json_object_set(per, "slots", json_object_get(recs[i], "slots"));
			json_object_set_new(out, names[i], per);
			continue;
		}
		printf("%s: %lld learned sessions (key %s)", names[i],
		       (long long)jint(recs[i], "sessions"), jstr(recs[i], "key"));
		json_array_foreach(json_object_get(recs[i], "slots"), j, sl) printf(
			"%s slot %lld (pid %lld): %lld", j ? "," : ":", (long long)jint(sl, "slot"),
			(long long)jint(sl, "pid"), (long long)jint(sl, "sessions"));
		printf("\n");
	}
	if (c->json) {
		json_t *o = json_object();
		json_object_set_new(o, "cluster", json_string(c->cluster));
		json_object_set_new(o, "total", json_integer(total));
		json_object_set_new(o, "nodes", out);
		json_out(o);
	} else {
		printf("cluster %s: %lld learned sessions on %d node%s\n", c->cluster,
		       (long long)total, n, n == 1 ? "" : "s");
	}
	free_members(names, recs, n);
	return 0;
}

/* ---- drain / undrain / weight -------------------------------------------------------- */

static bool target_matches(const struct cli *c, const char *member)
{
	const char *colon = strrchr(member, ':');
	size_t nlen = colon ? (size_t)(colon - member) : strlen(member);

	if (strcmp(c->node, "*") && (strlen(c->node) != nlen || strncmp(member, c->node, nlen)))
		return false;
	return !c->port_set || (colon && (unsigned)atoi(colon + 1) == c->steer.port);
}

/* The control message every agent of the cluster receives (and the record kept for
 * those that connect later). */
static char *control_message(const struct cli *c, const struct ctl_change *ch, const char *id)
{
	json_t *m = json_object();
	char *msg;

	json_object_set_new(m, "id", json_string(id));
	json_object_set_new(m, "op", json_string(ctl_op_name(ch->op)));
	json_object_set_new(m, "node", json_string(c->node));
	json_object_set_new(m, "port", json_integer(c->port_set ? c->steer.port : 0));
	json_object_set_new(m, "slot", json_integer(ch->slot));
	if (ch->op == CTL_WEIGHT)
		json_object_set_new(m, "weight", json_integer(ch->weight));
	json_object_set_new(m, "ts", json_integer((json_int_t)(ch->ts_ns / 1000000)));
	json_object_set_new(m, "from", json_string(bridge_default_node()));
	msg = json_dumps(m, JSON_COMPACT);
	json_decref(m);
	return msg;
}

/* One agent's answer, as a JSON line or a line of text. */
static void print_ack(const struct cli *c, json_t *a)
{
	if (c->json) {
		json_out(json_incref(a));
	} else if (json_is_true(json_object_get(a, "ok"))) {
		printf("  %s port %lld: %s%s, table generation %lld, in %lld ms%s\n",
		       jstr(a, "node"), (long long)jint(a, "port"), jstr(a, "what"),
		       json_is_true(json_object_get(a, "changed")) ? "" : " (already so)",
		       (long long)jint(a, "generation"), (long long)jint(a, "ms"),
		       json_is_true(json_object_get(a, "all_slots_drained")) ?
			       "; every slot of it is drained, so new sessions still "
			       "reach all of them" :
			       "");
	} else {
		printf("  %s port %lld: FAILED: %s\n", jstr(a, "node"), (long long)jint(a, "port"),
		       jstr(a, "error"));
	}
}

/* The next answer to command `id` on the subscribed connection, or NULL (none queued). */
static json_t *next_ack(struct conn *s, const char *id)
{
	json_error_t je;
	redisReply *r;
	json_t *a;

	for (;;) {
		r = NULL;
		if (redisGetReplyFromReader(s->c, (void **)&r) != REDIS_OK || !r)
			return NULL;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
		    r->element[2]->type != REDIS_REPLY_STRING ||
		    !(a = json_loadb(r->element[2]->str, r->element[2]->len, 0, &je))) {
			freeReplyObject(r);
			continue;
		}
		freeReplyObject(r);
		if (!strcmp(jstr(a, "id"), id))
			return a;
		json_decref(a);
	}
}

/* Collect the answers of the `expected` members until all came or --wait ran out. */
static void wait_acks(const struct cli *c, struct conn *s, const char *id, char **names, int n,
		      bool *got, int expected, int *acked, int *failed)
{
	double deadline = mono_s() + (c->wait > 0 ? c->wait : 2.0);
	char mem[160];
	json_t *a;
	int i, idx;

	while (*acked + *failed < expected && mono_s() < deadline) {
		struct pollfd p = { .fd = s->c->fd, .events = POLLIN };
		int t = (int)((deadline - mono_s()) * 1000) + 1;

		if (poll(&p, 1, t) <= 0)
			continue;
		if (redisBufferRead(s->c) != REDIS_OK)
			break;
		while ((a = next_ack(s, id))) {
			snprintf(mem, sizeof(mem), "%s:%lld", jstr(a, "node"),
				 (long long)jint(a, "port"));
			for (idx = -1, i = 0; i < n; i++)
				if (!strcmp(names[i], mem))
					idx = i;
			if (idx >= 0 && !got[idx]) {
				got[idx] = true;
				if (json_is_true(json_object_get(a, "ok")))
					(*acked)++;
				else
					(*failed)++;
			}
			print_ack(c, a);
			json_decref(a);
		}
	}
}

int cluster_control(const struct cli *c, const struct ctl_change *ch)
{
	char key[256], chan[256], ack[256], field[256], id[40], what[64], *msg;
	struct conn k = { 0 }, s = { 0 };
	int n, i, expected = 0, acked = 0, failed = 0;
	bool *got = NULL;
	json_t **recs;
	char **names;
	redisReply *r;
	long receivers;

	if (!c->node) {
		log_error("with --cluster, name the target: --node ID (or --node '*' for every "
			  "node)");
		return 2;
	}
	if (strcmp(c->node, "*") && bridge_check_name("--node", c->node))
		return 2;
	if (open_conn(c, &k) || open_conn(c, &s)) {
		close_conn(&k);
		return 1;
	}
	bridge_key(key, sizeof(key), c->cluster, "ctl-state", NULL);
	bridge_key(chan, sizeof(chan), c->cluster, "ctl", NULL);
	bridge_key(ack, sizeof(ack), c->cluster, "ctl-ack", NULL);
	snprintf(id, sizeof(id), "%08x%08x", (unsigned)getpid(),
		 (unsigned)((clock_s(CLOCK_REALTIME) * 1000.0) * 1000));
	msg = control_message(c, ch, id);
	ctl_describe(ch, what, sizeof(what));

	/* Acks first (so none is missed), then the record for latecomers, then the message. */
	r = cmd(&s, REDIS_REPLY_ARRAY, "SUBSCRIBE", "SUBSCRIBE %s", ack);
	if (!r)
		goto fail;
	freeReplyObject(r);
	n = members(&k, c->cluster, &names, &recs);
	if (n < 0)
		goto fail;
	got = calloc((size_t)n + 1, sizeof(bool));
	for (i = 0; i < n; i++)
		if (recs[i] && target_matches(c, names[i]))
			expected++;
	snprintf(field, sizeof(field), "%s|%u|%d|%s", c->node, c->port_set ? c->steer.port : 0,
		 ch->slot, ch->op == CTL_WEIGHT ? "weight" : "drain");
	r = cmd(&k, REDIS_REPLY_INTEGER, "HSET", "HSET %s %s %s", key, field, msg);
	if (!r)
		goto fail_members;
	freeReplyObject(r);
	r = cmd(&k, REDIS_REPLY_INTEGER, "PUBLISH", "PUBLISH %s %s", chan, msg);
	if (!r)
		goto fail_members;
	receivers = (long)r->integer;
	freeReplyObject(r);
	if (!c->json) {
		char port[24] = "";

		if (c->port_set)
			snprintf(port, sizeof(port), " port %u", c->steer.port);
		printf("%s on node %s%s of cluster %s: sent to %ld agent%s, %d expected to "
		       "answer\n",
		       what, c->node, port, c->cluster, receivers, receivers == 1 ? "" : "s",
		       expected);
	}
	wait_acks(c, &s, id, names, n, got, expected, &acked, &failed);
	for (i = 0; i < n; i++)
		if (recs[i] && target_matches(c, names[i]) && !got[i] && !c->json)
			printf("  %s: no answer within %.1f s (recorded: it applies the command when "
			       "it next connects to Redis)\n",
			       names[i], c->wait > 0 ? c->wait : 2.0);
	if (!expected)
		log_warn("no live node of cluster %s matches --node %s%s; the command is recorded "
			 "and applies when such a node connects",
			 c->cluster, c->node, c->port_set ? " and --port" : "");
	free(got);
	free_members(names, recs, n);
	free(msg);
	close_conn(&k);
	close_conn(&s);
	return expected && acked == expected ? 0 : 1;
fail_members:
	free(got);
	free_members(names, recs, n);
fail:
	free(msg);
	close_conn(&k);
	close_conn(&s);
	return 1;
}
