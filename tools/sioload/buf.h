/* sioload — growable byte buffer: readable bytes are p[off..len). */
#ifndef SIOLOAD_BUF_H
#define SIOLOAD_BUF_H
#include <stdlib.h>
#include <string.h>

struct buf {
	char *p;
	size_t off, len, cap;
};

/* Make room for n more bytes after len; returns 0 or -1 (out of memory). */
static inline int buf_reserve(struct buf *b, size_t n)
{
	if (b->off && b->off == b->len)
		b->off = b->len = 0;
	if (b->len + n <= b->cap)
		return 0;
	if (b->off) { /* compact before growing */
		memmove(b->p, b->p + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
		if (b->len + n <= b->cap)
			return 0;
	}
	size_t cap = b->cap ? b->cap : 512;
	while (cap < b->len + n)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

static inline int buf_add(struct buf *b, const void *d, size_t n)
{
	if (buf_reserve(b, n))
		return -1;
	memcpy(b->p + b->len, d, n);
	b->len += n;
	return 0;
}

static inline int buf_adds(struct buf *b, const char *s) { return buf_add(b, s, strlen(s)); }

static inline size_t buf_avail(const struct buf *b) { return b->len - b->off; }
static inline char *buf_data(const struct buf *b) { return b->p + b->off; }

static inline void buf_consume(struct buf *b, size_t n)
{
	b->off += n;
	if (b->off >= b->len)
		b->off = b->len = 0;
}

static inline void buf_reset(struct buf *b) { b->off = b->len = 0; }

static inline void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->off = b->len = b->cap = 0;
}

/* Append the decimal form of v. */
static inline int buf_addu(struct buf *b, unsigned long long v)
{
	char tmp[24];
	int i = sizeof tmp;
	do
		tmp[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i > 0);
	return buf_add(b, tmp + i, sizeof tmp - (size_t)i);
}
#endif
