/* sioload — one Socket.IO session as a state machine over up to three connections.
 *
 * polling:   GET handshake -> 0{sid}; then, like engine.io-client, a long-poll GET is kept
 *            pending on one connection while packets are POSTed on another: POST 40,
 *            GET -> 40{..}; M x (POST 42<id>["whoami"], the pending GET -> 43<id>[{pid}]);
 *            finally a GET and POST 41\x1e1 (disconnect + engine.io close), both with
 *            `Connection: close`, sent and left to drain.
 * upgrade:   as engine.io-client does, the WebSocket probe (upgrade request with the sid,
 *            2probe -> 3probe) starts right after the handshake while 40 goes over polling;
 *            after 3probe, polling pauses: 5 is sent once no polling request is in flight
 *            (the server ends a pending GET with a noop, 6); the M acks go over the
 *            WebSocket. --fast-upgrade: probe only after 40{..}, and no GET meanwhile.
 * websocket: transport=websocket without sid: 0{sid} -> 40 -> 40{..} -> acks.
 *
 * With --new-conn every HTTP request goes on a new TCP connection and asks
 * `Connection: close`; otherwise the GET and the POST side each reuse a keep-alive
 * connection while the server lets them. With --pool N all sessions of a thread share N
 * keep-alive connections like a browser profile: a request takes the most recently used
 * idle one, else opens one while fewer than N exist, else queues (FIFO); a request whose
 * REUSED connection dies before any response byte is resent (Chromium's
 * ShouldResendRequest), one on a new connection is not. WebSockets never use the pool. */
#include "sioload.h"
#include "eio.h"
#include "ws.h"
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum phase {
	PH_HANDSHAKE, /* engine.io open pending */
	PH_CONNECT,   /* Socket.IO CONNECT sent, answer pending */
	PH_ACKS,      /* connected (and upgraded, in upgrade mode): emits in flight */
};
enum wsst {       /* upgrade mode: where the WebSocket is */
	WS_NONE,
	WS_REQ,       /* upgrade request sent */
	WS_PROBE,     /* 101 received, 2probe sent */
	WS_UP,        /* 5 sent: the session is on the WebSocket */
};
enum slot { SL_GET, SL_POST };                 /* the two polling connections */
enum req_kind { RQ_NONE, RQ_HANDSHAKE, RQ_POLL, RQ_POST };
enum retry { RT_GET, RT_POST, RT_WS, RT_N };   /* what waits for a free local port */

struct session {
	struct worker *w;
	uint64_t idx;
	size_t act_pos;
	enum phase phase;
	enum wsst wsst;
	const struct sockaddr_storage *src;
	struct conn *pc[2];     /* polling connections, by slot */
	struct conn *wc;        /* WebSocket connection */
	struct buf req[2];      /* request in flight per slot (kept for a keep-alive retry) */
	enum req_kind rq[2];
	bool req_retried[2], req_close[2];
	struct pwait pw[2];     /* --pool: the slot's request waiting for a connection */
	unsigned resends[2];    /* --pool: resends of the slot's current request */
	struct http_resp rresp; /* --pool: the response, moved off its connection */
	struct buf q;           /* polling: packets waiting for the next POST */
	struct buf tmp;
	bool live;              /* false once counted and released */
	bool emit_in_q;         /* q holds the current emit: start the clock when it is POSTed */
	bool connected;         /* Socket.IO CONNECT answered */
	bool probe_ok;          /* 3probe received: polling pauses, then 5 */
	uint64_t t_start, t_timeout, t_emit;
	uint64_t t_retry[RT_N], backoff[RT_N]; /* t_retry 0: none pending */
	uint64_t acks_done;
	unsigned pending;       /* 1: whoami ack awaited, 2: echo ack awaited */
	long long ack_id, echo_id, next_id, pid;
	char sid[64];
	char wskey[25];
	struct session *next_free;
};

static void session_release(struct session *s);
static bool on_eio(struct session *s, const char *p, size_t n, bool via_ws);
static void poll_kick(struct session *s);

static bool is_sid_unknown(const struct http_resp *r)
{
	const char *b = r->body.p ? buf_data(&r->body) : "";
	size_t n = buf_avail(&r->body);
	if (r->status != 400)
		return false;
	long long code;
	if (!json_get_int(b, n, "code", &code) && code == 1)
		return true;
	return n >= 18 && !memcmp(b, "Session ID unknown", 18); /* upgrade answers in plain text */
}

static void report_failure(struct session *s, enum reason r, const char *fmt, va_list ap)
{
	struct shared *sh = s->w->sh;
	if (atomic_fetch_add_explicit(&sh->errors_shown, 1, memory_order_relaxed) >=
	    s->w->o->show_errors)
		return;
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	/* keep the line printable */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = (*p == EIO_SEP) ? '|' : ' ';
	fprintf(stderr, "sioload: session %" PRIu64 " failed: %s: %s%s%s\n", s->idx,
		reason_names[r], msg, s->sid[0] ? " sid=" : "", s->sid);
}

static const char *body_snip(const struct http_resp *r)
{
	static __thread char tmp[120];
	size_t n = buf_avail(&r->body);
	if (n >= sizeof tmp)
		n = sizeof tmp - 1;
	if (n)
		memcpy(tmp, buf_data(&r->body), n);
	tmp[n] = 0;
	return tmp;
}

/* ---- building requests ---- */

static void add_query(struct session *s, struct buf *b, const char *transport, bool sid)
{
	struct worker *w = s->w;
	buf_adds(b, "?EIO=4&transport=");
	buf_adds(b, transport);
	if (!strcmp(transport, "polling")) {
		/* cache buster, like engine.io-client's timestamp */
		static const char a[] =
			"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
		char t[12];
		unsigned v = ++w->tok;
		uint64_t r = rng_next(w);
		int i = 0;
		do {
			t[i++] = a[v & 63];
			v >>= 6;
		} while (v && i < 5);
		t[i++] = '.';
		t[i++] = a[r & 63];
		t[i++] = a[(r >> 6) & 63];
		buf_adds(b, "&t=");
		buf_add(b, t, (size_t)i);
	}
	if (sid) {
		buf_adds(b, "&sid=");
		buf_adds(b, s->sid);
	}
}

static void pool_unqueue(struct worker *w, struct pwait *p)
{
	if (!p->queued)
		return;
	if (p->prev)
		p->prev->next = p->next;
	else
		w->pq_head = p->next;
	if (p->next)
		p->next->prev = p->prev;
	else
		w->pq_tail = p->prev;
	p->next = p->prev = NULL;
	p->queued = false;
}

static void pool_enqueue(struct worker *w, struct pwait *p)
{
	p->next = NULL;
	p->prev = w->pq_tail;
	if (w->pq_tail)
		w->pq_tail->next = p;
	else
		w->pq_head = p;
	w->pq_tail = p;
	p->queued = true;
}

static void drop_conns(struct session *s, bool graceful)
{
	pool_unqueue(s->w, &s->pw[SL_GET]);
	pool_unqueue(s->w, &s->pw[SL_POST]);
	for (int i = 0; i < 2; i++)
		if (s->pc[i]) {
			conn_retire(s->pc[i], graceful && !s->pc[i]->busy);
			s->pc[i] = NULL;
		}
	if (s->wc) {
		conn_retire(s->wc, graceful);
		s->wc = NULL;
	}
}

static void fail(struct session *s, enum reason r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct session *s, enum reason r, const char *fmt, ...)
{
	struct worker *w = s->w;
	va_list ap;
	va_start(ap, fmt);
	report_failure(s, r, fmt, ap);
	va_end(ap);
	w->st.failed++;
	w->st.fail[r]++;
	atomic_fetch_add_explicit(&w->sh->failed, 1, memory_order_relaxed);
	drop_conns(s, false);
	session_release(s);
}

/* A request of that slot is in flight (or, with --pool, waiting for a connection). */
static bool busy(const struct session *s, enum slot sl)
{
	return (s->pc[sl] && s->pc[sl]->busy) || s->pw[sl].queued;
}

static bool port_shortage(int err) { return err == EADDRNOTAVAIL || err == EADDRINUSE || err == EAGAIN; }

static void retry_later(struct session *s, enum retry what)
{
	struct worker *w = s->w;
	w->st.port_retries++;
	uint64_t b = s->backoff[what] ? s->backoff[what] * 2 : 2000000; /* 2 ms .. 100 ms */
	if (b > 100000000)
		b = 100000000;
	s->backoff[what] = b;
	s->t_retry[what] = w->now + b + rng_next(w) % (b / 2 + 1);
}

/* ---- polling requests ---- */

static void pool_issue(struct session *s, enum slot sl, bool from_queue);

static bool conn_died(int err)
{
	return err == ECONNRESET || err == EPIPE || err == ECONNABORTED || err == ENOTCONN;
}

/* --pool: the request on c (a REUSED connection) met EOF or a reset before any byte of
 * the response: resend it, like Chromium's ShouldResendRequest, on another connection. */
static void pool_resend(struct session *s, enum slot sl, struct conn *c, const char *why)
{
	struct worker *w = s->w;
	s->pc[sl] = NULL;
	conn_retire(c, false);
	if (s->resends[sl] >= w->o->max_resends) {
		fail(s, R_HTTP_ERROR, "%s: reused connection %s before the response, %u resends already",
		     sl == SL_POST ? "POST" : "GET", why, s->resends[sl]);
		return;
	}
	s->resends[sl]++;
	w->st.resends++;
	pool_issue(s, sl, false);
}

/* Send s->req[sl] on c, which becomes that slot's connection. */
static void send_on(struct session *s, enum slot sl, struct conn *c)
{
	struct worker *w = s->w;
	s->pc[sl] = c;
	c->s = s;
	s->backoff[sl == SL_GET ? RT_GET : RT_POST] = 0;
	http_resp_reset(&c->resp);
	buf_reset(&c->in);
	if (buf_add(&c->out, buf_data(&s->req[sl]), buf_avail(&s->req[sl]))) {
		fail(s, R_PROTOCOL_ERROR, "out of memory");
		return;
	}
	c->busy = true;
	c->nreq++;
	w->st.http_requests++;
	if (c->pooled && c->nreq > 1)
		w->st.pool_reused++;
	if (conn_flush(c)) {
		int e = errno;
		if (c->pooled && c->nreq > 1 && conn_died(e))
			pool_resend(s, sl, c, strerror(e));
		else
			fail(s, R_HTTP_ERROR, "send: %s", strerror(e));
	}
}

/* --pool: put s->req[sl] on the MRU idle pooled connection, or a new one while fewer
 * than --pool exist, or queue it. Waiters go first unless from_queue (their turn). */
static void pool_issue(struct session *s, enum slot sl, bool from_queue)
{
	struct worker *w = s->w;
	const struct opts *o = w->o;
	struct conn *c = NULL;
	if (s->pw[sl].queued)
		return;
	if (from_queue || !w->pq_head) {
		c = pool_take_idle(w);
		if (!c && w->pool_count < o->pool) {
			int err = 0;
			c = conn_open(w, s, s->src, &err);
			if (!c) {
				if (port_shortage(err)) {
					retry_later(s, sl == SL_GET ? RT_GET : RT_POST);
					return;
				}
				fail(s, R_CONNECT_ERROR, "connect: %s", strerror(err));
				return;
			}
			c->pooled = true;
			w->pool_count++;
			w->st.pool_connections++;
		}
	}
	if (!c) {
		pool_enqueue(w, &s->pw[sl]);
		w->st.pool_waits++;
		return;
	}
	send_on(s, sl, c);
}

void pool_dispatch(struct worker *w)
{
	const struct opts *o = w->o;
	for (unsigned guard = 0; w->pq_head && guard < 100000; guard++) {
		if (!w->pool_nidle && w->pool_count >= o->pool)
			return;
		struct pwait *p = w->pq_head;
		pool_unqueue(w, p);
		pool_issue(p->s, (enum slot)p->slot, true);
	}
}

/* Put s->req[sl] on that slot's connection, opening one if needed. */
static void issue(struct session *s, enum slot sl)
{
	struct worker *w = s->w;
	struct conn *c = s->pc[sl];
	if (w->o->pool) {
		pool_issue(s, sl, false);
		return;
	}
	if (c && (c->eof || c->close_after || c->busy || w->o->new_conn)) {
		conn_retire(c, !c->busy);
		s->pc[sl] = c = NULL;
	}
	if (!c) {
		int err = 0;
		c = conn_open(w, s, s->src, &err);
		if (!c) {
			if (port_shortage(err)) { /* local ports exhausted: try again */
				retry_later(s, sl == SL_GET ? RT_GET : RT_POST);
				return;
			}
			fail(s, R_CONNECT_ERROR, "connect: %s", strerror(err));
			return;
		}
		s->pc[sl] = c;
	}
	s->backoff[sl == SL_GET ? RT_GET : RT_POST] = 0;
	http_resp_reset(&c->resp);
	buf_reset(&c->in);
	if (buf_add(&c->out, buf_data(&s->req[sl]), buf_avail(&s->req[sl]))) {
		fail(s, R_PROTOCOL_ERROR, "out of memory");
		return;
	}
	c->busy = true;
	c->nreq++;
	w->st.http_requests++;
	if (conn_flush(c))
		fail(s, R_HTTP_ERROR, "send: %s", strerror(errno));
}

static void http_send(struct session *s, enum slot sl, enum req_kind rq, const char *body,
		      size_t blen)
{
	const struct opts *o = s->w->o;
	s->tmp.off = s->tmp.len = 0;
	add_query(s, &s->tmp, "polling", rq != RQ_HANDSHAKE);
	buf_reset(&s->req[sl]);
	if (http_request(&s->req[sl], body ? "POST" : "GET", o->host, o->path, buf_data(&s->tmp),
			 buf_avail(&s->tmp), body, blen, o->new_conn)) {
		fail(s, R_PROTOCOL_ERROR, "out of memory");
		return;
	}
	s->rq[sl] = rq;
	s->req_retried[sl] = false;
	s->resends[sl] = 0;
	s->req_close[sl] = o->new_conn;
	issue(s, sl);
}

/* ---- WebSocket side ---- */

static int ws_send(struct session *s, int opcode, const char *p, size_t n)
{
	struct conn *c = s->wc;
	if (ws_frame(&c->out, opcode, p, n, (uint32_t)rng_next(s->w)))
		return -1;
	return conn_flush(c);
}

static void ws_open(struct session *s)
{
	struct worker *w = s->w;
	int err = 0;
	struct conn *c = conn_open(w, s, s->src, &err);
	if (!c) {
		if (port_shortage(err)) {
			retry_later(s, RT_WS);
			return;
		}
		fail(s, w->o->mode == MODE_UPGRADE ? R_UPGRADE_FAILED : R_CONNECT_ERROR, "connect: %s",
		     strerror(err));
		return;
	}
	s->backoff[RT_WS] = 0;
	s->wc = c;
	uint64_t r1 = rng_next(w), r2 = rng_next(w);
	ws_make_key(r1, r2, s->wskey);
	s->tmp.off = s->tmp.len = 0;
	add_query(s, &s->tmp, "websocket", s->sid[0] != 0);
	if (ws_upgrade_request(&c->out, w->o->host, w->o->path, buf_data(&s->tmp),
			       buf_avail(&s->tmp), s->wskey)) {
		fail(s, R_PROTOCOL_ERROR, "out of memory");
		return;
	}
	c->busy = true;
	c->nreq++;
	w->st.http_requests++;
	if (w->o->mode == MODE_UPGRADE)
		s->wsst = WS_REQ;
	if (conn_flush(c))
		fail(s, R_HTTP_ERROR, "send: %s", strerror(errno));
}

/* ---- session progress ---- */

static void succeed(struct session *s)
{
	struct worker *w = s->w;
	const struct opts *o = w->o;
	w->st.ok++;
	atomic_fetch_add_explicit(&w->sh->ok, 1, memory_order_relaxed);
	hist_add(&w->st.session_time, (w->now - s->t_start) / 1000);
	if (s->pid >= 0)
		pidmap_add(&w->st.pids, s->pid, 1);
	/* Say goodbye like socket.io-client's disconnect(), without waiting for the answer:
	 * the connections drain the responses and the server's FIN on their own. */
	s->tmp.off = s->tmp.len = 0;
	sio_disconnect(&s->tmp, o->nsp);
	if (s->wc && s->wc->ws) {
		ws_send(s, WS_TEXT, buf_data(&s->tmp), buf_avail(&s->tmp));
		static const char bye[2] = {0x03, (char)0xe8}; /* 1000 normal closure */
		ws_send(s, WS_CLOSE, bye, 2);
	} else if (o->pool) {
		/* --pool: no GET is pending here (its answer carried the last ack), so only
		 * POST 41<RS>1, fire-and-forget: on the MRU idle pooled connection if no
		 * request waits for one, else on a new unpooled one asking `Connection: close`. */
		buf_add(&s->tmp, "\x1e" "1", 2);
		struct conn *c = w->pq_head ? NULL : pool_take_idle(w);
		struct buf q = {0}, rq = {0};
		add_query(s, &q, "polling", true);
		http_request(&rq, "POST", o->host, o->path, buf_data(&q), buf_avail(&q),
			     buf_data(&s->tmp), buf_avail(&s->tmp), !c);
		int err;
		if (c) {
			c->detached = true;
			w->ndetached++;
			http_resp_reset(&c->resp);
			buf_reset(&c->in);
			c->nreq++;
			w->st.pool_reused++;
		} else {
			c = conn_open(w, NULL, s->src, &err); /* best effort; no retry */
		}
		if (c) {
			buf_add(&c->out, buf_data(&rq), buf_avail(&rq));
			w->st.http_requests++;
			if (conn_flush(c) && c->detached) {
				c->detached = false;
				w->ndetached--;
				pool_release(c); /* closes it: eof/fd checked there */
				c = NULL;
			}
			if (c && !c->detached)
				conn_retire(c, true);
		}
		buf_free(&q);
		buf_free(&rq);
	} else {
		/* polling: engine.io-client would have re-polled already (a GET pending) and now
		 * POSTs 41<RS>1; the server then ends the GET with a noop. Both requests ask
		 * `Connection: close`, so the server closes both connections. */
		buf_add(&s->tmp, "\x1e" "1", 2); /* engine.io close */
		for (int sl = SL_GET; sl <= SL_POST; sl++) {
			struct buf q = {0}, rq = {0};
			add_query(s, &q, "polling", true);
			http_request(&rq, sl == SL_GET ? "GET" : "POST", o->host, o->path, buf_data(&q),
				     buf_avail(&q), sl == SL_GET ? NULL : buf_data(&s->tmp),
				     buf_avail(&s->tmp), true);
			struct conn *c = s->pc[sl];
			s->pc[sl] = NULL;
			if (c && (c->eof || c->close_after || c->busy || o->new_conn)) {
				conn_retire(c, !c->busy);
				c = NULL;
			}
			int err;
			if (!c)
				c = conn_open(w, NULL, s->src, &err); /* best effort; no retry */
			if (c) {
				buf_add(&c->out, buf_data(&rq), buf_avail(&rq));
				w->st.http_requests++;
				conn_flush(c);
				conn_retire(c, true);
			}
			buf_free(&q);
			buf_free(&rq);
		}
	}
	drop_conns(s, true);
	session_release(s);
}

static void send_emit(struct session *s)
{
	struct worker *w = s->w;
	const struct opts *o = w->o;
	s->ack_id = s->next_id++;
	s->pending = 1;
	bool ws = s->wc && s->wc->ws;
	struct buf *b = ws ? &s->tmp : &s->q;
	if (ws)
		buf_reset(b);
	else if (buf_avail(b))
		buf_add(b, "\x1e", 1);
	sio_emit(b, o->nsp, s->ack_id, "whoami", NULL, 0);
	if (ws && ws_send(s, WS_TEXT, buf_data(b), buf_avail(b))) {
		fail(s, R_HTTP_ERROR, "send: %s", strerror(errno));
		return;
	}
	if (o->echo_bytes) {
		s->echo_id = s->next_id++;
		s->pending |= 2;
		if (ws)
			buf_reset(b);
		else
			buf_add(b, "\x1e", 1);
		sio_emit(b, o->nsp, s->echo_id, "echo", w->echo_str, o->echo_bytes);
		if (ws && ws_send(s, WS_TEXT, buf_data(b), buf_avail(b))) {
			fail(s, R_HTTP_ERROR, "send: %s", strerror(errno));
			return;
		}
	}
	s->t_emit = w->now = now_ns();
	s->emit_in_q = !ws;
}

static void acks_begin(struct session *s)
{
	s->phase = PH_ACKS;
	if (s->w->o->acks == 0)
		succeed(s);
	else
		send_emit(s);
}

/* Handle one Socket.IO packet (p: after the engine.io '4'). Returns false if s ended. */
static bool on_sio(struct session *s, const char *p, size_t n)
{
	struct worker *w = s->w;
	const struct opts *o = w->o;
	struct sio_pkt k;
	if (sio_parse(p, n, &k)) {
		fail(s, R_PROTOCOL_ERROR, "bad Socket.IO packet '4%.*s'", (int)(n > 60 ? 60 : n), p);
		return false;
	}
	if (!sio_nsp_is(&k, o->nsp))
		return true; /* another namespace: not ours */
	switch (k.type) {
	case SIO_CONNECT:
		if (s->phase != PH_CONNECT || s->connected) {
			fail(s, R_PROTOCOL_ERROR, "unexpected CONNECT");
			return false;
		}
		hist_add(&w->st.connect_time, (now_ns() - s->t_start) / 1000);
		s->connected = true;
		if (o->mode == MODE_UPGRADE && s->wsst != WS_UP) {
			/* the acks start once on the WebSocket; --fast-upgrade probes only now */
			if (o->fast_upgrade)
				ws_open(s);
			return s->live;
		}
		acks_begin(s);
		return s->live;
	case SIO_CONNECT_ERROR:
		fail(s, R_CONNECT_ERROR, "CONNECT_ERROR %.*s", (int)(k.dlen > 80 ? 80 : k.dlen), k.data);
		return false;
	case SIO_DISCONNECT:
		fail(s, R_PROTOCOL_ERROR, "server disconnected the socket");
		return false;
	case SIO_ACK:
	case SIO_BINARY_ACK:
		if (s->phase != PH_ACKS)
			break;
		if ((s->pending & 1) && k.id == s->ack_id) {
			long long pid;
			if (json_get_int(k.data, k.dlen, "pid", &pid)) {
				fail(s, R_PROTOCOL_ERROR, "whoami ack without pid: %.*s",
				     (int)(k.dlen > 80 ? 80 : k.dlen), k.data);
				return false;
			}
			if (s->pid < 0) {
				s->pid = pid;
			} else if (pid != s->pid) {
				fail(s, R_PID_CHANGED, "ack %llu from pid %lld, earlier ones from %lld",
				     (unsigned long long)s->acks_done, pid, s->pid);
				return false;
			}
			s->pending &= ~1u;
		} else if ((s->pending & 2) && k.id == s->echo_id) {
			/* expect ["<the string we sent>"] */
			if (k.dlen != o->echo_bytes + 4 || memcmp(k.data + 2, w->echo_str, o->echo_bytes)) {
				fail(s, R_PROTOCOL_ERROR, "echo ack differs from what was sent");
				return false;
			}
			s->pending &= ~2u;
		} else {
			fail(s, R_PROTOCOL_ERROR, "ack for unknown id %lld", k.id);
			return false;
		}
		if (!s->pending) {
			w->now = now_ns();
			hist_add(&w->st.ack_rtt, (w->now - s->t_emit) / 1000);
			w->st.acks++;
			if (++s->acks_done >= o->acks) {
				succeed(s);
				return false;
			}
			send_emit(s);
			return s->live;
		}
		break;
	default:
		break; /* server-sent events etc. */
	}
	return true;
}

/* Send the engine.io upgrade packet and move to the WebSocket. Returns false if s ended. */
static bool do_upgrade(struct session *s)
{
	if (ws_send(s, WS_TEXT, "5", 1)) {
		fail(s, R_UPGRADE_FAILED, "send: %s", strerror(errno));
		return false;
	}
	s->wsst = WS_UP;
	/* what polling had not sent yet (40, a pong) goes over the WebSocket now */
	const char *p = buf_data(&s->q), *e = p + buf_avail(&s->q), *pkt;
	size_t n;
	while (eio_next(&p, e, &pkt, &n))
		if (ws_send(s, WS_TEXT, pkt, n)) {
			fail(s, R_HTTP_ERROR, "send: %s", strerror(errno));
			return false;
		}
	buf_reset(&s->q);
	s->emit_in_q = false;
	s->t_retry[RT_GET] = 0;
	for (int i = 0; i < 2; i++)
		if (s->pc[i]) { /* idle keep-alive connections: reset (no TIME_WAIT) */
			conn_retire(s->pc[i], false);
			s->pc[i] = NULL;
		}
	if (s->connected) /* else 40{...} comes over the WebSocket */
		acks_begin(s);
	return s->live;
}

/* Handle one engine.io packet. Returns false if the session ended. */
static bool on_eio(struct session *s, const char *p, size_t n, bool via_ws)
{
	struct worker *w = s->w;
	if (!n) {
		fail(s, R_PROTOCOL_ERROR, "empty engine.io packet");
		return false;
	}
	switch (p[0]) {
	case EIO_OPEN:
		if (s->phase != PH_HANDSHAKE || json_get_str(p + 1, n - 1, "sid", s->sid, sizeof s->sid)) {
			fail(s, R_PROTOCOL_ERROR, "bad open packet '%.*s'", (int)(n > 80 ? 80 : n), p);
			return false;
		}
		s->phase = PH_CONNECT;
		s->tmp.off = s->tmp.len = 0;
		sio_connect(&s->tmp, w->o->nsp);
		if (via_ws) {
			if (ws_send(s, WS_TEXT, buf_data(&s->tmp), buf_avail(&s->tmp))) {
				fail(s, R_HTTP_ERROR, "send: %s", strerror(errno));
				return false;
			}
			return true;
		}
		buf_add(&s->q, buf_data(&s->tmp), buf_avail(&s->tmp));
		/* engine.io-client probes the WebSocket as soon as the session is open */
		if (w->o->mode == MODE_UPGRADE && !w->o->fast_upgrade) {
			ws_open(s);
			return s->live;
		}
		return true;
	case EIO_PING:
		w->st.pings++;
		if (via_ws) {
			if (ws_send(s, WS_TEXT, "3", 1)) {
				fail(s, R_HTTP_ERROR, "send: %s", strerror(errno));
				return false;
			}
		} else {
			if (buf_avail(&s->q))
				buf_add(&s->q, "\x1e", 1);
			buf_add(&s->q, "3", 1);
		}
		return true;
	case EIO_PONG:
		if (n == 6 && !memcmp(p, "3probe", 6) && via_ws && s->wsst == WS_PROBE && !s->probe_ok) {
			/* Like engine.io-client's pause(): polling stops, the requests in flight end
			 * (the server answers a pending GET with a noop), then 5. */
			s->probe_ok = true;
			poll_kick(s);
			return s->live;
		}
		return true;
	case EIO_NOOP:
		return true;
	case EIO_CLOSE:
		fail(s, R_PROTOCOL_ERROR, "server sent engine.io close");
		return false;
	case EIO_MESSAGE:
		return on_sio(s, p + 1, n - 1);
	case 'b': /* base64 binary message: not used by whoami/echo */
		return true;
	default:
		fail(s, R_PROTOCOL_ERROR, "unknown engine.io packet '%.*s'", (int)(n > 60 ? 60 : n), p);
		return false;
	}
}

/* Polling: POST what is queued, keep a GET pending, or finish the upgrade. */
static void poll_kick(struct session *s)
{
	const struct opts *o = s->w->o;
	if (!s->live || o->mode == MODE_WEBSOCKET || s->phase == PH_HANDSHAKE || s->wsst == WS_UP)
		return;
	if (s->probe_ok) {
		s->t_retry[RT_GET] = 0; /* no new GET */
		pool_unqueue(s->w, &s->pw[SL_GET]); /* --pool: a GET not sent yet is dropped */
		if (!busy(s, SL_GET) && !busy(s, SL_POST) && !s->t_retry[RT_POST])
			do_upgrade(s);
		return;
	}
	if (buf_avail(&s->q) && !busy(s, SL_POST) && !s->t_retry[RT_POST]) {
		struct buf q = s->q; /* http_send copies the body into s->req */
		if (s->emit_in_q)
			s->t_emit = now_ns();
		s->emit_in_q = false;
		buf_reset(&s->q);
		http_send(s, SL_POST, RQ_POST, buf_data(&q), buf_avail(&q));
		if (!s->live)
			return;
	}
	/* --fast-upgrade: no GET while the WebSocket is probed */
	bool want_get = !(o->mode == MODE_UPGRADE && o->fast_upgrade && s->connected);
	if (want_get && !busy(s, SL_GET) && !s->t_retry[RT_GET])
		http_send(s, SL_GET, RQ_POLL, NULL, 0);
}

static void on_http_response(struct session *s, enum slot sl, struct conn *c)
{
	struct http_resp *r = &c->resp;
	enum req_kind rq = s->rq[sl];
	c->busy = false;
	if (r->conn_close || s->req_close[sl])
		c->close_after = true;
	if (s->w->o->pool) {
		/* The connection goes back to the pool at once (another request may take it
		 * before this answer is handled): the response moves to the session, and the
		 * connection gets the session's spare body buffer. */
		struct buf spare = s->rresp.body;
		s->rresp = c->resp;
		c->resp.body = spare;
		r = &s->rresp;
		s->pc[sl] = NULL;
		if (c->close_after)
			conn_retire(c, true);
		else
			pool_release(c);
		c = NULL;
	}
	const char *body = r->body.p ? buf_data(&r->body) : "";
	size_t blen = buf_avail(&r->body);
	if (r->status != 200) {
		if (rq == RQ_HANDSHAKE)
			fail(s, R_CONNECT_ERROR, "handshake: HTTP %d %s", r->status, body_snip(r));
		else if (is_sid_unknown(r))
			fail(s, R_SESSION_ID_UNKNOWN, "%s: HTTP %d %s", rq == RQ_POST ? "POST" : "GET",
			     r->status, body_snip(r));
		else
			fail(s, R_HTTP_ERROR, "%s: HTTP %d %s", rq == RQ_POST ? "POST" : "GET", r->status,
			     body_snip(r));
		return;
	}
	if (c && c->close_after) { /* the server closes it: let it drain, use a new one next time */
		s->pc[sl] = NULL;
		conn_retire(c, true);
	}
	switch (rq) {
	case RQ_HANDSHAKE:
		if (!blen || body[0] != EIO_OPEN) {
			fail(s, R_PROTOCOL_ERROR, "handshake answer '%s'", body_snip(r));
			return;
		}
		/* fallthrough */
	case RQ_POLL: {
		const char *p = body, *e = body + blen, *pkt;
		size_t n;
		while (eio_next(&p, e, &pkt, &n))
			if (!on_eio(s, pkt, n, false))
				return;
		break;
	}
	case RQ_POST:
		if (blen != 2 || memcmp(body, "ok", 2)) {
			fail(s, R_PROTOCOL_ERROR, "POST answer '%s'", body_snip(r));
			return;
		}
		break;
	default:
		fail(s, R_PROTOCOL_ERROR, "response without request");
		return;
	}
	poll_kick(s);
}

static void on_ws_upgrade(struct session *s, struct conn *c)
{
	struct worker *w = s->w;
	struct http_resp *r = &c->resp;
	bool up = w->o->mode == MODE_UPGRADE;
	c->busy = false;
	if (r->status != 101) {
		if (is_sid_unknown(r))
			fail(s, R_SESSION_ID_UNKNOWN, "upgrade: HTTP %d %s", r->status, body_snip(r));
		else
			fail(s, up ? R_UPGRADE_FAILED : R_CONNECT_ERROR, "upgrade: HTTP %d %s", r->status,
			     body_snip(r));
		return;
	}
	char want[29];
	ws_accept_for(s->wskey, want);
	if (strcmp(want, r->ws_accept)) {
		fail(s, up ? R_UPGRADE_FAILED : R_PROTOCOL_ERROR, "bad Sec-WebSocket-Accept '%s'",
		     r->ws_accept);
		return;
	}
	w->st.ws_upgrades++;
	c->ws = true;
	if (up) {
		s->wsst = WS_PROBE;
		if (ws_send(s, WS_TEXT, "2probe", 6))
			fail(s, R_UPGRADE_FAILED, "send: %s", strerror(errno));
	}
}

/* Parse WebSocket frames in c->in. */
static void on_ws_data(struct session *s, struct conn *c)
{
	for (int guard = 0; guard < 100000; guard++) {
		struct ws_frame f;
		int rc = ws_parse(buf_data(&c->in), buf_avail(&c->in), &f);
		if (rc < 0) {
			fail(s, R_PROTOCOL_ERROR, "bad WebSocket frame");
			return;
		}
		if (rc == 0)
			break;
		const char *msg = NULL;
		size_t mlen = 0;
		switch (f.opcode) {
		case WS_TEXT:
		case WS_BINARY:
		case WS_CONT:
			if (f.opcode != WS_CONT)
				buf_reset(&c->msg);
			if (f.fin && !buf_avail(&c->msg)) {
				msg = f.payload;
				mlen = (size_t)f.len;
			} else {
				if (buf_avail(&c->msg) + f.len > WS_MAX_MESSAGE ||
				    buf_add(&c->msg, f.payload, (size_t)f.len)) {
					fail(s, R_PROTOCOL_ERROR, "WebSocket message too large");
					return;
				}
				if (f.fin) {
					msg = buf_data(&c->msg);
					mlen = buf_avail(&c->msg);
				}
			}
			if (msg && f.opcode == WS_BINARY)
				msg = NULL; /* binary attachments: not used here */
			break;
		case WS_PING:
			if (ws_send(s, WS_PONG, f.payload, (size_t)f.len)) {
				fail(s, R_HTTP_ERROR, "send: %s", strerror(errno));
				return;
			}
			break;
		case WS_PONG:
			break;
		case WS_CLOSE:
			fail(s, R_HTTP_ERROR, "server closed the WebSocket (%s)",
			     f.len >= 2 ? "with a status" : "no status");
			return;
		default:
			fail(s, R_PROTOCOL_ERROR, "WebSocket opcode %d", f.opcode);
			return;
		}
		/* Consume before dispatch: handlers may end the session and recycle c. */
		size_t total = f.total;
		bool had_msg = msg != NULL;
		if (had_msg && msg != buf_data(&c->msg)) {
			/* msg lives in c->in; handle it before consuming */
			bool alive = on_eio(s, msg, mlen, true);
			if (!alive)
				return;
			buf_consume(&c->in, total);
			continue;
		}
		buf_consume(&c->in, total);
		if (had_msg) {
			bool alive = on_eio(s, msg, mlen, true);
			buf_reset(&c->msg);
			if (!alive)
				return;
		}
	}
	if (c->eof)
		fail(s, R_HTTP_ERROR, "server closed the WebSocket connection");
}

void session_io(struct session *s, struct conn *c, int err)
{
	const struct opts *o = s->w->o;
	bool ws = c == s->wc;
	int sl = c == s->pc[SL_GET] ? SL_GET : c == s->pc[SL_POST] ? SL_POST : -1;
	if (!ws && sl < 0) { /* not ours any more: cannot happen, be safe */
		conn_retire(c, false);
		return;
	}
	if (err) {
		if (!ws && o->pool && c->busy && !c->resp.got && !c->connecting && conn_died(err)) {
			if (c->nreq > 1) {
				pool_resend(s, (enum slot)sl, c, strerror(err));
				return;
			}
			fail(s, R_HTTP_ERROR, "new connection: %s before the response (not resent)",
			     strerror(err));
			return;
		}
		if (c->nreq <= 1 && !c->resp.got && (c->connecting || err == ECONNREFUSED))
			fail(s, ws && o->mode == MODE_UPGRADE ? R_UPGRADE_FAILED : R_CONNECT_ERROR,
			     "connect: %s", strerror(err));
		else
			fail(s, R_HTTP_ERROR, "%s connection: %s", ws ? "WebSocket" : "HTTP", strerror(err));
		return;
	}
	if (ws && c->ws) {
		on_ws_data(s, c);
		return;
	}
	if (!c->busy) { /* idle keep-alive connection */
		if (buf_avail(&c->in)) {
			fail(s, R_PROTOCOL_ERROR, "unsolicited data on an idle connection");
			return;
		}
		if (c->eof) {
			s->pc[sl] = NULL;
			conn_retire(c, false);
		}
		return;
	}
	int rc = http_parse(&c->resp, &c->in, c->eof, false);
	if (rc == HTTP_MORE) {
		if (!c->eof)
			return;
		if (!ws && o->pool && !c->resp.got) {
			if (c->nreq > 1) {
				pool_resend(s, (enum slot)sl, c, "closed");
				return;
			}
			fail(s, R_HTTP_ERROR, "new connection closed before the response (not resent)");
			return;
		}
		/* The server closed a reused keep-alive connection before answering: resend
		 * once on a new connection, as HTTP clients do. */
		if (!ws && c->nreq > 1 && !c->resp.got && !s->req_retried[sl]) {
			s->w->st.keepalive_retries++;
			s->req_retried[sl] = true;
			c->busy = false;
			issue(s, (enum slot)sl);
			return;
		}
		fail(s, ws && o->mode == MODE_UPGRADE ? R_UPGRADE_FAILED : R_HTTP_ERROR,
		     "connection closed before the response%s", c->resp.got ? " ended" : "");
		return;
	}
	if (rc == HTTP_BAD) {
		fail(s, R_PROTOCOL_ERROR, "malformed HTTP response");
		return;
	}
	if (ws) {
		on_ws_upgrade(s, c);
		/* frames may have come with the 101 */
		if (s->live && s->wc == c && c->ws && (buf_avail(&c->in) || c->eof))
			on_ws_data(s, c);
		return;
	}
	on_http_response(s, (enum slot)sl, c);
}

/* ---- lifecycle ---- */

static void session_release(struct session *s)
{
	struct worker *w = s->w;
	s->live = false;
	/* swap-remove from the active list */
	struct session *last = w->act[--w->nact];
	w->act[s->act_pos] = last;
	last->act_pos = s->act_pos;
	w->active--;
	s->next_free = w->free_sessions;
	w->free_sessions = s;
}

void session_start(struct worker *w, uint64_t idx)
{
	const struct opts *o = w->o;
	struct session *s = w->free_sessions;
	if (s) {
		w->free_sessions = s->next_free;
	} else {
		s = calloc(1, sizeof *s);
		if (!s) {
			fprintf(stderr, "sioload: out of memory\n");
			exit(2);
		}
	}
	s->w = w;
	s->idx = idx;
	s->live = true;
	s->phase = PH_HANDSHAKE;
	s->wsst = WS_NONE;
	s->src = o->nsrc ? &o->src[idx % o->nsrc] : NULL;
	s->pc[0] = s->pc[1] = s->wc = NULL;
	for (int i = 0; i < 2; i++) {
		s->pw[i] = (struct pwait){.s = s, .slot = i};
		s->resends[i] = 0;
	}
	s->rq[0] = s->rq[1] = RQ_NONE;
	buf_reset(&s->q);
	s->emit_in_q = s->connected = s->probe_ok = false;
	s->t_start = w->now = now_ns();
	s->t_timeout = s->t_start + (uint64_t)(o->timeout_s * 1e9);
	for (int i = 0; i < RT_N; i++)
		s->t_retry[i] = s->backoff[i] = 0;
	s->acks_done = 0;
	s->pending = 0;
	s->ack_id = s->echo_id = -1;
	s->next_id = 0;
	s->pid = -1;
	s->sid[0] = 0;
	s->act_pos = w->nact;
	w->act[w->nact++] = s;
	w->active++;
	w->st.started++;
	atomic_fetch_add_explicit(&w->sh->started, 1, memory_order_relaxed);
	if (o->mode == MODE_WEBSOCKET)
		ws_open(s);
	else
		http_send(s, SL_GET, RQ_HANDSHAKE, NULL, 0);
}

void session_tick(struct session *s)
{
	struct worker *w = s->w;
	if (w->now >= s->t_timeout) {
		static const char *const ph[] = {"handshake", "connect", "acks"};
		static const char *const ws[] = {"", ", upgrade requested", ", probing", ", upgraded"};
		fail(s, R_TIMEOUT, "no progress within --timeout (phase %s%s%s%s, %llu acks)",
		     ph[s->phase], ws[s->wsst], busy(s, SL_GET) ? ", GET pending" : "",
		     busy(s, SL_POST) ? ", POST pending" : "", (unsigned long long)s->acks_done);
		return;
	}
	for (int i = 0; i < RT_N && s->live; i++)
		if (s->t_retry[i] && w->now >= s->t_retry[i]) {
			s->t_retry[i] = 0;
			if (i == RT_WS)
				ws_open(s);
			else
				issue(s, i == RT_GET ? SL_GET : SL_POST);
		}
}

void session_abort(struct session *s)
{
	s->w->st.cut_by_deadline++;
	fail(s, R_TIMEOUT, "cut off by --deadline");
}

void sessions_free(struct worker *w)
{
	while (w->free_sessions) {
		struct session *s = w->free_sessions;
		w->free_sessions = s->next_free;
		buf_free(&s->q);
		buf_free(&s->req[0]);
		buf_free(&s->req[1]);
		buf_free(&s->tmp);
		buf_free(&s->rresp.body);
		free(s);
	}
}
