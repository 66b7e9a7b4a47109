// SPDX-License-Identifier: MIT
/*
 * The agent's Redis bridge (see bridge.h): a thread with blocking hiredis calls, all with
 * a 1 s timeout, and a poll() on the control subscription. Why a thread and not hiredis'
 * async API in the agent's loop: the directory scan walks a BPF map of up to millions of
 * sessions and a resync writes them all, which would stall the loop that restarts
 * workers and applies drains; in its own thread the worst a dead or garbage-speaking
 * Redis can do is make the bridge wait a second. The handoff is the kernel's: the thread
 * reads the pinned maps and writes the pinned control map; the agent's loop reads that
 * map every CTL_POLL_MS and is the only writer of the steering table.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "clock.h"
#include "bridge.h"
#include "control_apply.h"
#include "log.h"
#include "redis_url.h"
#include "sid_parse.h"
#include "pinned.h"

#define IO_TIMEOUT_S 1.0
#define PIPE_CHUNK   1000
#define SCAN_CHUNK   4096

struct dir_item {
	char sid[SIOSTEER_SID_MAX];
	__u8 len;
	__u32 slot, pid;
	__u64 learned_ms;
};

struct slot_view {
	struct siosteer_owner owner;
	bool live;
	__u64 sessions;		/* learned sids of this slot in the map */
	double conn_rate, new_rate;
};

struct bridge {
	char url[1024], cluster[BRIDGE_NAME_MAX + 1], node[BRIDGE_NAME_MAX + 1];
	char root[PATH_MAX];
	unsigned port;
	double sid_ttl;
	struct redis_url u;
	char where[300];

	pthread_t th;
	bool started;
	int wake_fd;
	atomic_bool stop;

	redisContext *cmd, *sub;
	int pending;		/* pipelined commands whose replies are unread */
	double next_try, backoff, down_since;

	struct siosteer_pinned p;
	bool pinned;
	int sids_fd, load_fd, ctl_fd, stats_fd;
	struct siosteer_meta meta;
	struct siosteer_state state;

	/* directory */
	__u64 prev_scan_ns;	/* CLOCK_BOOTTIME when the previous scan started */
	unsigned tick;
	bool resync;
	struct dir_item *q;
	size_t qhead, qlen;
	struct siosteer_sid *scan_keys;
	struct siosteer_sid_owner *scan_vals;
	double boot_to_unix_ms;	/* add to learned_ns/1e6 */

	/* load */
	struct slot_view slot[SIOSTEER_MAX_SLOTS];
	struct siosteer_slot_ctl ctl[SIOSTEER_CONTROL_ENTRIES];
	__u32 table_w[SIOSTEER_MAX_SLOTS];
	bool all_drained;
	__u64 prev_selected[SIOSTEER_MAX_SLOTS], prev_learned[SIOSTEER_MAX_SLOTS];
	double prev_t;
	double started_ms;

	struct siosteer_bridge_stats st;
	char k_nodes[160], k_node[256], k_ctl[160], k_ack[160], k_ctlstate[160], k_sid[160];
	char member[160];
};

static __u64 now_unix_ms(void)
{
	return (__u64)(clock_s(CLOCK_REALTIME) * 1000);
}

int bridge_check_name(const char *what, const char *name)
{
	size_t i, n = name ? strlen(name) : 0;
	bool digits = true;

	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			break;
		digits &= c >= '0' && c <= '9';
	}
	if (!n || n > BRIDGE_NAME_MAX || i < n || digits) {
		log_error("%s '%s': use 1 to %d of A-Z a-z 0-9 . _ - (not only digits)", what,
			  name ? name : "", BRIDGE_NAME_MAX);
		return -1;
	}
	return 0;
}

const char *bridge_default_node(void)
{
	static char host[BRIDGE_NAME_MAX + 1];
	size_t i;

	if (gethostname(host, sizeof(host)) || !host[0])
		snprintf(host, sizeof(host), "node");
	host[sizeof(host) - 1] = '\0';
	for (i = 0; host[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
			    host[i]))
			host[i] = '-';
	return host;
}

int bridge_key(char *buf, size_t len, const char *cluster, const char *kind, const char *name)
{
	int n = name ? snprintf(buf, len, "siosteer:%s:%s:%s", cluster, kind, name)
		     : snprintf(buf, len, "siosteer:%s:%s", cluster, kind);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* ---- state and logging --------------------------------------------------------------- */

static void stats_flush(struct bridge *b)
{
	b->st.updated_ns = (__u64)(clock_s(CLOCK_REALTIME) * 1e9);
	b->st.queued = b->qlen;
	if (b->stats_fd >= 0)
		siosteer_bridge_stats_write(b->stats_fd, &b->st);
}

static void set_state(struct bridge *b, __u32 state)
{
	if (b->st.state != state)
		b->st.since_ns = (__u64)(clock_s(CLOCK_REALTIME) * 1e9);
	b->st.state = state;
	stats_flush(b);
}

/* A reset, not a close: writes still queued on a broken connection must never reach Redis
 * later (after a link comes back) and overwrite what the new connection wrote. */
static void drop_conns(struct bridge *b)
{
	redis_abort(b->cmd);
	redis_abort(b->sub);
	b->cmd = b->sub = NULL;
	b->pending = 0;
}

/* A connection attempt failed or an open connection broke: one line per state change. */
static void failed(struct bridge *b, const char *why)
{
	double now = mono_s();

	b->st.failures++;
	snprintf(b->st.last_error, sizeof(b->st.last_error), "%s", why);
	if (b->st.state == SIOSTEER_BRIDGE_UP) {
		log_warn("redis: lost %s (%s); steering goes on, retrying", b->where, why);
		b->down_since = now;
		b->backoff = BRIDGE_BACKOFF_MIN_S;
	} else if (b->st.state == SIOSTEER_BRIDGE_CONNECTING) {
		log_warn("redis: cannot reach %s (%s); steering goes on without it, retrying "
			 "every %.0f s at most", b->where, why, BRIDGE_BACKOFF_MAX_S);
		b->down_since = now;
	} else {
		log_debug("redis: still unreachable: %s", why);
	}
	drop_conns(b);
	b->next_try = now + b->backoff;
	b->backoff = b->backoff * 2 > BRIDGE_BACKOFF_MAX_S ? BRIDGE_BACKOFF_MAX_S : b->backoff * 2;
	set_state(b, SIOSTEER_BRIDGE_DOWN);
}

static void io_failure(struct bridge *b, const void *reply, const char *what)
{
	char err[300];

	if (!b->cmd && !b->sub)
		return;
	redis_describe_failure(b->cmd, &b->u, reply, what, err, sizeof(err));
	failed(b, err);
}

/* ---- pipelined writes ---------------------------------------------------------------- */

static bool up(const struct bridge *b)
{
	return b->cmd != NULL;
}

/* Read the replies of everything appended. Any I/O error drops the connection. */
static int pipe_drain(struct bridge *b)
{
	bool err_reply = false;
	char first_err[200] = "";

	while (b->cmd && b->pending > 0) {
		redisReply *r = NULL;

		if (redisGetReply(b->cmd, (void **)&r) != REDIS_OK || !r) {
			io_failure(b, NULL, "write");
			return -1;
		}
		if (r->type == REDIS_REPLY_ERROR && !err_reply) {
			err_reply = true;
			snprintf(first_err, sizeof(first_err), "%s", r->str);
		}
		freeReplyObject(r);
		b->pending--;
	}
	if (err_reply) {
		/* Redis answered but refused (OOM, READONLY replica, ACL): say so, retry later. */
		char why[260];

		snprintf(why, sizeof(why), "refused a write: %s", first_err);
		failed(b, why);
		return -1;
	}
	return 0;
}

static void pipe_add(struct bridge *b, const char *fmt, ...)
{
	va_list ap;

	if (!b->cmd)
		return;
	va_start(ap, fmt);
	if (redisvAppendCommand(b->cmd, fmt, ap) != REDIS_OK) {
		va_end(ap);
		io_failure(b, NULL, "write");
		return;
	}
	va_end(ap);
	if (++b->pending >= PIPE_CHUNK)
		pipe_drain(b);
}

/* ---- the local view ------------------------------------------------------------------ */

static int open_pins(struct bridge *b)
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

static void read_local(struct bridge *b)
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

/* ---- session directory --------------------------------------------------------------- */

static void put_sid(struct bridge *b, const char *sid, unsigned len, __u32 slot, __u32 pid,
		    __u64 learned_ms)
{
	char key[256], val[320];
	int kl, vl;

	kl = snprintf(key, sizeof(key), "%s%.*s", b->k_sid, (int)len, sid);
	vl = snprintf(val, sizeof(val),
		      "{\"node\":\"%s\",\"port\":%u,\"slot\":%u,\"pid\":%u,\"learned\":%llu}",
		      b->node, b->port, slot, pid, (unsigned long long)learned_ms);
	pipe_add(b, "SET %b %b PX %lld", key, (size_t)kl, val, (size_t)vl,
		 (long long)(b->sid_ttl * 1000));
}

static void enqueue(struct bridge *b, const struct dir_item *it)
{
	if (b->qlen >= BRIDGE_QUEUE_MAX) {
		b->st.dropped++;
		return;
	}
	b->q[(b->qhead + b->qlen) % BRIDGE_QUEUE_MAX] = *it;
	b->qlen++;
}

/* Newest sessions first after a reconnect: those are the ones people look up. */
static void flush_queue(struct bridge *b)
{
	while (b->qlen && up(b)) {
		const struct dir_item *it = &b->q[b->qhead];

		put_sid(b, it->sid, it->len, it->slot, it->pid, it->learned_ms);
		b->st.published++;
		b->qhead = (b->qhead + 1) % BRIDGE_QUEUE_MAX;
		b->qlen--;
	}
}

static unsigned sid_bucket(const struct siosteer_sid *s, unsigned n)
{
	__u32 h = 2166136261u;
	unsigned i;

	for (i = 0; i < s->len && i < SIOSTEER_SID_MAX; i++)
		h = (h ^ (unsigned char)s->s[i]) * 16777619u;
	return h % n;
}

/*
 * One entry of the scan: count it, and publish it if it is new (learned since the previous
 * scan began), due for renewal (its bucket's turn) or resyncing. A session learned on
 * another CPU just before the previous scan may have been inserted after that scan passed
 * its place, so entries up to `margin_ns` older than that are written again (idempotent).
 */
static void scan_entry(struct bridge *b, const struct siosteer_sid *k,
		       const struct siosteer_sid_owner *v, __u64 new_ns, __u64 margin_ns,
		       unsigned bucket, unsigned nbuckets)
{
	struct dir_item it;
	bool fresh, recent;

	if (v->slot >= SIOSTEER_MAX_SLOTS || !k->len || k->len > SIOSTEER_SID_MAX)
		return;
	b->slot[v->slot].sessions++;
	b->st.sessions++;
	if (!b->slot[v->slot].owner.pid)
		return; /* nobody owns the slot now: nothing true to publish */
	fresh = v->learned_ns >= new_ns;
	recent = v->learned_ns >= margin_ns;
	if (!recent && !b->resync && sid_bucket(k, nbuckets) != bucket)
		return;
	memcpy(it.sid, k->s, k->len);
	it.len = k->len;
	it.slot = v->slot;
	it.pid = b->slot[v->slot].owner.pid;
	it.learned_ms = (__u64)((double)v->learned_ns / 1e6 + b->boot_to_unix_ms);
	if (up(b)) {
		put_sid(b, it.sid, it.len, it.slot, it.pid, it.learned_ms);
		if (fresh || b->resync)
			b->st.published++;
		else
			b->st.renewed++;
	} else if (fresh && b->st.connects) {
		/* Redis went away: hold the newest sessions for the reconnect (before the
		 * first connection there is nothing to hold: its resync publishes all). */
		enqueue(b, &it);
	}
}

/* Walk the learned sids (batch lookups; one by one where batches are unsupported). */
static void scan_sids(struct bridge *b)
{
	unsigned nbuckets = (unsigned)(b->sid_ttl / 3 / BRIDGE_HEARTBEAT_S);
	__u64 start_ns = (__u64)(clock_s(CLOCK_BOOTTIME) * 1e9), batch_in = 0, batch_out = 0;
	__u64 new_ns = b->prev_scan_ns;
	__u64 margin_ns = new_ns > 2000000000ull ? new_ns - 2000000000ull : 0;
	unsigned bucket, i;
	bool first = true;
	__u32 slot;

	if (nbuckets < 1)
		nbuckets = 1;
	bucket = b->tick % nbuckets;
	b->st.sessions = 0;
	for (slot = 0; slot < SIOSTEER_MAX_SLOTS; slot++)
		b->slot[slot].sessions = 0;
	if (b->sids_fd < 0)
		return;
	for (;;) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		__u32 count = SCAN_CHUNK;
		int err = bpf_map_lookup_batch(b->sids_fd, first ? NULL : &batch_in, &batch_out,
					       b->scan_keys, b->scan_vals, &count, &opts);
		int e = errno;

		for (i = 0; i < count && (!err || e == ENOENT); i++)
			scan_entry(b, &b->scan_keys[i], &b->scan_vals[i], new_ns, margin_ns, bucket,
				   nbuckets);
		if (err && e == ENOENT)
			break;
		if (err) {
			/* No batch support (or a bucket larger than the chunk): walk keys. */
			struct siosteer_sid key, next;
			struct siosteer_sid_owner v;
			void *prev = NULL;

			b->st.sessions = 0;
			for (slot = 0; slot < SIOSTEER_MAX_SLOTS; slot++)
				b->slot[slot].sessions = 0;
			while (!bpf_map_get_next_key(b->sids_fd, prev, &next)) {
				key = next;
				prev = &key;
				if (!bpf_map_lookup_elem(b->sids_fd, &key, &v))
					scan_entry(b, &key, &v, new_ns, margin_ns, bucket, nbuckets);
			}
			break;
		}
		batch_in = batch_out;
		first = false;
	}
	b->prev_scan_ns = start_ns;
}

/* ---- membership ---------------------------------------------------------------------- */

static json_t *membership(struct bridge *b, __u64 now_ms)
{
	static const char *const place[] = { "addr", "least-loaded", "random" };
	json_t *o = json_object(), *slots = json_array(), *br = json_object();
	__u32 slot;

	json_object_set_new(o, "node", json_string(b->node));
	json_object_set_new(o, "cluster", json_string(b->cluster));
	json_object_set_new(o, "port", json_integer(b->port));
	json_object_set_new(o, "mode", json_string(b->meta.mode == SIOSTEER_MODE_RUN ? "run"
										    : "attach"));
	json_object_set_new(o, "key", json_string(b->meta.key == SIOSTEER_KEY_SID ? "sid" : "addr"));
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
		json_object_set_new(s, "command", json_stringn(v->owner.comm,
							       strnlen(v->owner.comm,
								       sizeof(v->owner.comm))));
		json_object_set_new(s, "listening", json_boolean(v->live));
		json_object_set_new(s, "weight",
				    json_integer(b->ctl[slot].weight ? b->ctl[slot].weight : 1));
		json_object_set_new(s, "drained", json_boolean(b->ctl[slot].drained ||
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

static void heartbeat(struct bridge *b)
{
	__u64 now = now_unix_ms();
	json_t *m = membership(b, now);
	char *s = json_dumps(m, JSON_COMPACT);

	json_decref(m);
	if (!s)
		return;
	pipe_add(b, "SET %s %s PX %d", b->k_node, s, BRIDGE_NODE_TTL_MS);
	pipe_add(b, "ZADD %s %llu %s", b->k_nodes, (unsigned long long)now, b->member);
	/* Members silent for an hour are history (readers skip silent ones at once). */
	pipe_add(b, "ZREMRANGEBYSCORE %s -inf %llu", b->k_nodes,
		 (unsigned long long)(now > 3600000 ? now - 3600000 : 0));
	free(s);
	b->st.heartbeats++;
}

/* ---- control ------------------------------------------------------------------------- */

/* Does a control message address this agent? node "*" and port 0 mean any. */
static bool for_me(const struct bridge *b, const char *node, json_int_t port)
{
	return node && (!strcmp(node, "*") || !strcmp(node, b->node)) &&
	       (port == 0 || port == (json_int_t)b->port);
}

/* Parse a control message; 1 if it is for us (c filled), 0 if not, -1 if malformed. */
static int parse_control(const struct bridge *b, const char *text, size_t len,
			 struct ctl_change *c, char *id, size_t idlen, char *from, size_t fromlen)
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
	if (ack && up(b)) {
		pipe_add(b, "PUBLISH %s %s", b->k_ack, ack);
		pipe_drain(b);
	}
	free(ack);
}

/* After a (re)connect: apply cluster commands sent while we were away. */
static void catch_up(struct bridge *b)
{
	redisReply *r = redisCommand(b->cmd, "HGETALL %s", b->k_ctlstate);
	char id[80], from[80];
	size_t i;
	int n = 0;

	if (!r || r->type != REDIS_REPLY_ARRAY) {
		io_failure(b, r, "HGETALL");
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

static void read_sub(struct bridge *b)
{
	redisReply *r;

	if (redisBufferRead(b->sub) != REDIS_OK) {
		char err[300];

		redis_describe_failure(b->sub, &b->u, NULL, "control subscription", err,
				       sizeof(err));
		failed(b, err);
		return;
	}
	while (b->sub) {
		r = NULL;
		if (redisGetReplyFromReader(b->sub, (void **)&r) != REDIS_OK) {
			char err[300];

			redis_describe_failure(b->sub, &b->u, NULL, "control subscription", err,
					       sizeof(err));
			failed(b, err);
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

/* ---- connection ---------------------------------------------------------------------- */

static void try_connect(struct bridge *b)
{
	char err[300];
	redisReply *r;
	bool again = b->st.connects > 0;

	b->cmd = redis_url_connect(&b->u, IO_TIMEOUT_S, err, sizeof(err));
	if (!b->cmd) {
		failed(b, err);
		return;
	}
	b->sub = redis_url_connect(&b->u, IO_TIMEOUT_S, err, sizeof(err));
	if (!b->sub) {
		failed(b, err);
		return;
	}
	r = redisCommand(b->sub, "SUBSCRIBE %s", b->k_ctl);
	if (!r || r->type != REDIS_REPLY_ARRAY) {
		redis_describe_failure(b->sub, &b->u, r, "SUBSCRIBE", err, sizeof(err));
		if (r)
			freeReplyObject(r);
		failed(b, err);
		return;
	}
	freeReplyObject(r);
	b->st.connects++;
	b->backoff = BRIDGE_BACKOFF_MIN_S;
	b->st.last_error[0] = '\0';
	if (again)
		log_info("redis: connected to %s again after %.1f s; resyncing", b->where,
			 mono_s() - b->down_since);
	else
		log_info("redis: connected to %s as node %s of cluster %s", b->where, b->node,
			 b->cluster);
	set_state(b, SIOSTEER_BRIDGE_UP);
	b->resync = true;
	catch_up(b);
}

/* ---- the thread ---------------------------------------------------------------------- */

static void tick(struct bridge *b)
{
	double t0 = mono_s();
	__u64 published0 = b->st.published;
	bool resync;

	if (open_pins(b))
		return;
	read_local(b);
	resync = b->resync && up(b);
	if (resync)
		flush_queue(b);
	b->resync = resync;
	scan_sids(b);
	if (up(b)) {
		flush_queue(b);
		heartbeat(b);
		pipe_drain(b);
	}
	if (resync && up(b)) {
		b->resync = false;
		b->st.resyncs++;
		log_info("redis: resynced membership and %llu session%s in %.2f s",
			 (unsigned long long)(b->st.published - published0),
			 b->st.published - published0 == 1 ? "" : "s", mono_s() - t0);
	} else if (!up(b)) {
		b->resync = false; /* whatever was written is lost with the connection */
	}
	b->tick++;
	stats_flush(b);
}

static void withdraw(struct bridge *b)
{
	if (!up(b))
		return;
	pipe_add(b, "DEL %s", b->k_node);
	pipe_add(b, "ZREM %s %s", b->k_nodes, b->member);
	pipe_drain(b);
}

static void *bridge_main(void *arg)
{
	struct bridge *b = arg;
	double next_tick = mono_s();

	while (!atomic_load(&b->stop)) {
		struct pollfd pfd[2] = { { .fd = b->wake_fd, .events = POLLIN },
					 { .fd = -1, .events = POLLIN } };
		double now = mono_s(), until;
		int timeout_ms;

		if (!up(b) && now >= b->next_try) {
			try_connect(b);
			if (up(b))
				next_tick = mono_s(); /* publish at once: membership, resync */
		}
		if (mono_s() >= next_tick) {
			tick(b);
			next_tick += BRIDGE_HEARTBEAT_S;
			if (next_tick < mono_s())
				next_tick = mono_s() + BRIDGE_HEARTBEAT_S;
		}
		now = mono_s();
		until = next_tick;
		if (!up(b) && b->next_try < until)
			until = b->next_try;
		timeout_ms = until > now ? (int)((until - now) * 1000) + 1 : 0;
		if (b->sub)
			pfd[1].fd = b->sub->fd;
		if (poll(pfd, 2, timeout_ms) > 0) {
			if (pfd[1].revents && b->sub)
				read_sub(b);
		}
	}
	withdraw(b);
	drop_conns(b);
	set_state(b, SIOSTEER_BRIDGE_STOPPED);
	return NULL;
}

int bridge_start(const struct bridge_opts *o, struct bridge **out)
{
	sigset_t all, old;
	struct bridge *b;
	char err[300];
	int rc;

	*out = NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->wake_fd = b->sids_fd = b->load_fd = b->ctl_fd = b->stats_fd = -1;
	if (redis_url_parse(o->url, &b->u, err, sizeof(err))) {
		log_error("%s", err);
		free(b);
		return -EINVAL;
	}
	snprintf(b->url, sizeof(b->url), "%s", o->url);
	snprintf(b->cluster, sizeof(b->cluster), "%s", o->cluster);
	snprintf(b->node, sizeof(b->node), "%s", o->node);
	snprintf(b->root, sizeof(b->root), "%s", o->pin_root);
	b->port = o->port;
	b->sid_ttl = o->sid_ttl > 0 ? o->sid_ttl : BRIDGE_SID_TTL_S;
	redis_url_where(&b->u, b->where, sizeof(b->where));
	b->backoff = BRIDGE_BACKOFF_MIN_S;
	b->started_ms = (double)now_unix_ms();
	snprintf(b->member, sizeof(b->member), "%s:%u", b->node, b->port);
	bridge_key(b->k_nodes, sizeof(b->k_nodes), b->cluster, "nodes", NULL);
	bridge_key(b->k_node, sizeof(b->k_node), b->cluster, "node", b->member);
	bridge_key(b->k_ctl, sizeof(b->k_ctl), b->cluster, "ctl", NULL);
	bridge_key(b->k_ack, sizeof(b->k_ack), b->cluster, "ctl-ack", NULL);
	bridge_key(b->k_ctlstate, sizeof(b->k_ctlstate), b->cluster, "ctl-state", NULL);
	bridge_key(b->k_sid, sizeof(b->k_sid), b->cluster, "sid", "");
	b->q = calloc(BRIDGE_QUEUE_MAX, sizeof(*b->q));
	b->scan_keys = calloc(SCAN_CHUNK, sizeof(*b->scan_keys));
	b->scan_vals = calloc(SCAN_CHUNK, sizeof(*b->scan_vals));
	b->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!b->q || !b->scan_keys || !b->scan_vals || b->wake_fd < 0) {
		rc = -ENOMEM;
		goto fail;
	}
	b->stats_fd = siosteer_bridge_stats_open(b->root, b->port, true);
	b->st.agent_pid = (__u32)getpid();
	b->st.queue_max = BRIDGE_QUEUE_MAX;
	snprintf(b->st.cluster, sizeof(b->st.cluster), "%s", b->cluster);
	snprintf(b->st.node, sizeof(b->st.node), "%s", b->node);
	snprintf(b->st.where, sizeof(b->st.where), "%.95s", b->where);
	set_state(b, SIOSTEER_BRIDGE_CONNECTING);
	/* The thread takes no signals (SIGPIPE from a dead Redis socket included): the
	 * agent's signalfd gets them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = -pthread_create(&b->th, NULL, bridge_main, b);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		goto fail;
	b->started = true;
	log_info("redis bridge: node %s of cluster %s, Redis at %s, session TTL %.0f s", b->node,
		 b->cluster, b->where, b->sid_ttl);
	*out = b;
	return 0;
fail:
	log_error("start the Redis bridge: %s", strerror(-rc));
	bridge_stop(b);
	return rc;
}

void bridge_stop(struct bridge *b)
{
	__u64 one = 1;

	if (!b)
		return;
	if (b->started) {
		atomic_store(&b->stop, true);
		if (write(b->wake_fd, &one, sizeof(one)) < 0)
			log_debug("wake bridge: %m");
		pthread_join(b->th, NULL);
	}
	drop_conns(b);
	if (b->pinned)
		siosteer_pinned_close(&b->p);
	if (b->sids_fd >= 0)
		close(b->sids_fd);
	if (b->load_fd >= 0)
		close(b->load_fd);
	if (b->ctl_fd >= 0)
		close(b->ctl_fd);
	if (b->stats_fd >= 0)
		close(b->stats_fd);
	if (b->wake_fd >= 0)
		close(b->wake_fd);
	free(b->q);
	free(b->scan_keys);
	free(b->scan_vals);
	free(b);
}
