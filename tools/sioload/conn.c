/* sioload — TCP connections: non-blocking connect (optionally from a source address with
 * IP_BIND_ADDRESS_NO_PORT), edge-triggered epoll I/O, and retirement without client-side
 * TIME_WAIT: a connection the server is about to close (it answered, or will answer,
 * `Connection: close`) waits ("drains") for the server's FIN; any other one is reset. So
 * the client does not run out of ephemeral ports however many sessions it makes. */
#include "sioload.h"
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define DRAIN_NS (3ull * 1000000000ull) /* how long a retired connection may wait for EOF */

static void list_del(struct conn *c)
{
	c->prev->next = c->next;
	c->next->prev = c->prev;
	c->next = c->prev = NULL;
}

static struct conn *conn_get(struct worker *w)
{
	struct conn *c = w->free_conns;
	if (c) {
		w->free_conns = c->next;
	} else {
		c = calloc(1, sizeof *c);
		if (!c)
			return NULL;
	}
	c->fd = -1;
	c->s = NULL;
	c->w = w;
	c->connecting = c->eof = c->ws = c->busy = c->close_after = c->in_drain = false;
	c->pooled = c->pool_idle = c->detached = false;
	c->nreq = 0;
	c->next = c->prev = NULL;
	buf_reset(&c->in);
	buf_reset(&c->out);
	buf_reset(&c->msg);
	http_resp_reset(&c->resp);
	return c;
}

/* --pool: c stops counting against the pool (closed, or retired to drain). */
static void pool_leave(struct conn *c)
{
	struct worker *w = c->w;
	if (c->pool_idle) {
		list_del(c);
		c->pool_idle = false;
		w->pool_nidle--;
	}
	if (c->pooled) {
		c->pooled = false;
		w->pool_count--;
	}
	if (c->detached) {
		c->detached = false;
		w->ndetached--;
	}
}

/* Close the socket now; the object is recycled after the current epoll batch, so stale
 * events in that batch still point at valid memory (and see fd == -1). */
static void conn_close(struct conn *c)
{
	struct worker *w = c->w;
	pool_leave(c);
	if (c->in_drain) {
		list_del(c);
		c->in_drain = false;
		w->ndrain--;
	}
	if (c->fd >= 0) {
		/* Unless the server closed first, reset: an active close would leave the client
		 * in TIME_WAIT and, with many sessions from one address, run out of ports. */
		if (!c->eof) {
			struct linger lg = {.l_onoff = 1, .l_linger = 0};
			setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		}
		close(c->fd);
	}
	c->fd = -1;
	c->s = NULL;
	c->next = w->zombies;
	w->zombies = c;
}

void conn_reap(struct worker *w)
{
	while (w->zombies) {
		struct conn *c = w->zombies;
		w->zombies = c->next;
		c->next = w->free_conns;
		w->free_conns = c;
	}
}

struct conn *conn_open(struct worker *w, struct session *s, const struct sockaddr_storage *src,
		       int *err)
{
	const struct opts *o = w->o;
	int fd = socket(o->dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0) {
		*err = errno;
		return NULL;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (src) {
		/* Port 0 + IP_BIND_ADDRESS_NO_PORT: the port is picked at connect() time for the
		 * full 4-tuple, so one source address can reach many destinations. */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
		socklen_t sl = src->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							  : sizeof(struct sockaddr_in);
		if (bind(fd, (const struct sockaddr *)src, sl)) {
			*err = errno;
			close(fd);
			return NULL;
		}
	}
	bool connecting = false;
	if (connect(fd, (const struct sockaddr *)&o->dst, o->dstlen)) {
		if (errno != EINPROGRESS) {
			*err = errno;
			close(fd);
			return NULL;
		}
		connecting = true;
	}
	struct conn *c = conn_get(w);
	if (!c) {
		*err = ENOMEM;
		close(fd);
		return NULL;
	}
	c->fd = fd;
	c->s = s;
	c->connecting = connecting;
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		*err = errno;
		conn_close(c);
		return NULL;
	}
	w->st.connects++;
	return c;
}

int conn_flush(struct conn *c)
{
	if (c->fd < 0) {
		errno = EBADF;
		return -1;
	}
	if (c->connecting)
		return 0;
	while (buf_avail(&c->out)) {
		ssize_t n = send(c->fd, buf_data(&c->out), buf_avail(&c->out), MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		c->w->st.bytes_out += (uint64_t)n;
		buf_consume(&c->out, (size_t)n);
	}
	return 0;
}

/* Read until EAGAIN. Returns 0 or an errno value. Sets c->eof on end of stream. */
static int conn_read(struct conn *c, bool discard, bool to_eof)
{
	for (int rounds = 0; rounds < 64; rounds++) {
		if (discard)
			buf_reset(&c->in);
		if (buf_reserve(&c->in, 16384))
			return ENOMEM;
		size_t room = c->in.cap - c->in.len;
		ssize_t n = recv(c->fd, c->in.p + c->in.len, room, 0);
		if (n > 0) {
			c->in.len += (size_t)n;
			c->w->st.bytes_in += (uint64_t)n;
			if ((size_t)n < room && !to_eof)
				return 0; /* short read: empty for now; a later arrival is a new edge */
			continue;
		}
		if (n == 0) {
			c->eof = true;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return errno;
	}
	return 0;
}

void conn_event(struct conn *c, uint32_t events)
{
	if (c->fd < 0)
		return; /* closed earlier in this batch */
	int err = 0;
	if (c->connecting && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		socklen_t sl = sizeof err;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl))
			err = errno;
		if (!err && (events & EPOLLERR))
			err = ECONNREFUSED;
		if (!err)
			c->connecting = false;
	}
	if (!err && !c->connecting && buf_avail(&c->out) && (events & (EPOLLOUT | EPOLLERR)))
		if (conn_flush(c))
			err = errno;
	if (!err && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) && !c->connecting)
		err = conn_read(c, c->s == NULL && !c->detached,
				events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR));
	if (!c->s && c->detached && !err) { /* --pool: an ended session's last request */
		int rc = http_parse(&c->resp, &c->in, c->eof, false);
		if (rc == HTTP_MORE && !c->eof)
			return;
		if (rc == HTTP_DONE && !c->resp.conn_close && !c->eof && !buf_avail(&c->in)) {
			c->detached = false;
			c->w->ndetached--;
			pool_release(c);
			return;
		}
		conn_close(c);
		return;
	}
	if (!c->s) { /* draining (or idle in the pool): wait for the server's FIN */
		if (err || c->eof)
			conn_close(c);
		return;
	}
	if (err || buf_avail(&c->in) || c->eof)
		session_io(c->s, c, err); /* may retire c */
}

void conn_retire(struct conn *c, bool graceful)
{
	struct worker *w = c->w;
	pool_leave(c);
	c->s = NULL;
	c->busy = false;
	if (!graceful || c->eof || c->fd < 0 || w->ndrain >= 4 * w->conc + 64) {
		conn_close(c);
		return;
	}
	buf_reset(&c->in);
	c->drain_until = w->now + DRAIN_NS;
	c->in_drain = true;
	c->next = &w->drain;
	c->prev = w->drain.prev;
	w->drain.prev->next = c;
	w->drain.prev = c;
	w->ndrain++;
}

void conn_drain_expire(struct worker *w, bool all)
{
	/* The list is in retirement order, so deadlines are increasing. */
	while (w->drain.next != &w->drain) {
		struct conn *c = w->drain.next;
		if (!all && c->drain_until > w->now)
			break;
		conn_close(c);
	}
}

/* --pool: the most recently used idle pooled connection (as Chromium's pool picks), or NULL. */
struct conn *pool_take_idle(struct worker *w)
{
	while (w->pool_idle.next != &w->pool_idle) {
		struct conn *c = w->pool_idle.next;
		list_del(c);
		c->pool_idle = false;
		w->pool_nidle--;
		if (c->fd >= 0 && !c->eof && !c->close_after)
			return c;
		conn_close(c);
	}
	return NULL;
}

/* --pool: c answered its request and stays open: idle again, at the MRU end. */
void pool_release(struct conn *c)
{
	struct worker *w = c->w;
	c->s = NULL;
	c->busy = false;
	if (c->fd < 0 || c->eof || c->close_after || !c->pooled) {
		conn_close(c);
		return;
	}
	c->next = w->pool_idle.next;
	c->prev = &w->pool_idle;
	w->pool_idle.next->prev = c;
	w->pool_idle.next = c;
	c->pool_idle = true;
	w->pool_nidle++;
}

void pool_close_idle(struct worker *w)
{
	while (w->pool_idle.next != &w->pool_idle)
		conn_close(w->pool_idle.next);
}
