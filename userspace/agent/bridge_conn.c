// SPDX-License-Identifier: MIT
/*
 * Redis connections of the bridge: connect, subscribe, pipelined writes, and
 * what a failure does (drop both connections, back off, one line per state change). See bridge.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <hiredis/hiredis.h>

#include "bridge_internal.h"
#include "clock.h"
#include "log.h"

void br_stats_flush(struct bridge *b)
{
	b->st.updated_ns = (__u64)(clock_s(CLOCK_REALTIME) * 1e9);
	b->st.queued = b->qlen;
	if (b->stats_fd >= 0)
		siosteer_bridge_stats_write(b->stats_fd, &b->st);
}

void br_set_state(struct bridge *b, __u32 state)
{
	if (b->st.state != state)
		b->st.since_ns = (__u64)(clock_s(CLOCK_REALTIME) * 1e9);
	b->st.state = state;
	br_stats_flush(b);
}

/* A reset, not a close: writes still queued on a broken connection must never reach Redis
 * later (after a link comes back) and overwrite what the new connection wrote. */
void br_drop_conns(struct bridge *b)
{
	redis_abort(b->cmd);
	redis_abort(b->sub);
	b->cmd = b->sub = NULL;
	b->pending = 0;
}

/* A connection attempt failed or an open connection broke: one line per state change. */
void br_failed(struct bridge *b, const char *why)
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
			 "every %.0f s at most",
			 b->where, why, BRIDGE_BACKOFF_MAX_S);
		b->down_since = now;
	} else {
		log_debug("redis: still unreachable: %s", why);
	}
	br_drop_conns(b);
	b->next_try = now + b->backoff;
	b->backoff = b->backoff * 2 > BRIDGE_BACKOFF_MAX_S ? BRIDGE_BACKOFF_MAX_S : b->backoff * 2;
	br_set_state(b, SIOSTEER_BRIDGE_DOWN);
}

void br_io_failure(struct bridge *b, const void *reply, const char *what)
{
	char err[300];

	if (!b->cmd && !b->sub)
		return;
	redis_describe_failure(b->cmd, &b->u, reply, what, err, sizeof(err));
	br_failed(b, err);
}

/* Read the replies of everything appended. Any I/O error drops the connection. */
int br_pipe_drain(struct bridge *b)
{
	bool err_reply = false;
	char first_err[200] = "";

	while (b->cmd && b->pending > 0) {
		redisReply *r = NULL;

		if (redisGetReply(b->cmd, (void **)&r) != REDIS_OK || !r) {
			br_io_failure(b, NULL, "write");
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
		br_failed(b, why);
		return -1;
	}
	return 0;
}

void br_pipe_add(struct bridge *b, const char *fmt, ...)
{
	va_list ap;

	if (!b->cmd)
		return;
	va_start(ap, fmt);
	if (redisvAppendCommand(b->cmd, fmt, ap) != REDIS_OK) {
		va_end(ap);
		br_io_failure(b, NULL, "write");
		return;
	}
	va_end(ap);
	if (++b->pending >= PIPE_CHUNK)
		br_pipe_drain(b);
}

void br_try_connect(struct bridge *b)
{
	char err[300];
	redisReply *r;
	bool again = b->st.connects > 0;

	b->cmd = redis_url_connect(&b->u, IO_TIMEOUT_S, err, sizeof(err));
	if (!b->cmd) {
		br_failed(b, err);
		return;
	}
	b->sub = redis_url_connect(&b->u, IO_TIMEOUT_S, err, sizeof(err));
	if (!b->sub) {
		br_failed(b, err);
		return;
	}
	r = redisCommand(b->sub, "SUBSCRIBE %s", b->k_ctl);
	if (!r || r->type != REDIS_REPLY_ARRAY) {
		redis_describe_failure(b->sub, &b->u, r, "SUBSCRIBE", err, sizeof(err));
		if (r)
			freeReplyObject(r);
		br_failed(b, err);
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
	br_set_state(b, SIOSTEER_BRIDGE_UP);
	b->resync = true;
	br_catch_up(b);
}
