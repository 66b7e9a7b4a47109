/* sioload — engine.io v4 / Socket.IO v5 text packets.
 * engine.io: one type digit then data; polling payloads join packets with \x1e.
 * Socket.IO: type digit, [attachments '-'], [nsp ','], [ack id digits], [JSON]. */
#include "eio.h"
#include <string.h>

bool eio_next(const char **p, const char *end, const char **pkt, size_t *len)
{
	if (*p >= end)
		return false;
	const char *s = *p, *e = memchr(s, EIO_SEP, (size_t)(end - s));
	if (!e)
		e = end;
	*pkt = s;
	*len = (size_t)(e - s);
	*p = e < end ? e + 1 : end;
	return true;
}

int sio_parse(const char *p, size_t n, struct sio_pkt *o)
{
	const char *e = p + n;
	if (!n || *p < '0' || *p > '6')
		return -1;
	o->type = *p++;
	if (o->type == SIO_BINARY_EVENT || o->type == SIO_BINARY_ACK) {
		while (p < e && *p >= '0' && *p <= '9')
			p++;
		if (p >= e || *p != '-')
			return -1;
		p++;
	}
	o->nsp = "/";
	o->nsplen = 1;
	if (p < e && *p == '/') {
		const char *c = memchr(p, ',', (size_t)(e - p));
		o->nsp = p;
		o->nsplen = c ? (size_t)(c - p) : (size_t)(e - p);
		p = c ? c + 1 : e;
	}
	o->id = -1;
	if (p < e && *p >= '0' && *p <= '9') {
		long long id = 0;
		while (p < e && *p >= '0' && *p <= '9' && id < (1LL << 53))
			id = id * 10 + (*p++ - '0');
		o->id = id;
	}
	o->data = p;
	o->dlen = (size_t)(e - p);
	return 0;
}

bool sio_nsp_is(const struct sio_pkt *k, const char *nsp)
{
	return k->nsplen == strlen(nsp) && !memcmp(k->nsp, nsp, k->nsplen);
}

/* Position just after `"key":` (whitespace skipped), or NULL. A flat scan: good enough
 * for the server's small, machine-written objects. */
static const char *json_find(const char *p, size_t n, const char *key)
{
	size_t kl = strlen(key);
	const char *e = p + n;
	for (const char *q = p; q + kl + 3 <= e; q++) {
		q = memchr(q, '"', (size_t)(e - q));
		if (!q || q + kl + 2 > e)
			return NULL;
		if (!memcmp(q + 1, key, kl) && q[kl + 1] == '"') {
			const char *v = q + kl + 2;
			while (v < e && (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r'))
				v++;
			if (v < e && *v == ':') {
				v++;
				while (v < e && (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r'))
					v++;
				return v;
			}
		}
	}
	return NULL;
}

int json_get_int(const char *p, size_t n, const char *key, long long *v)
{
	const char *q = json_find(p, n, key), *e = p + n;
	if (!q || q >= e)
		return -1;
	bool neg = *q == '-';
	if (neg)
		q++;
	if (q >= e || *q < '0' || *q > '9')
		return -1;
	long long x = 0;
	while (q < e && *q >= '0' && *q <= '9' && x < (1LL << 53))
		x = x * 10 + (*q++ - '0');
	*v = neg ? -x : x;
	return 0;
}

int json_get_str(const char *p, size_t n, const char *key, char *out, size_t cap)
{
	const char *q = json_find(p, n, key), *e = p + n;
	if (!q || q >= e || *q != '"')
		return -1;
	q++;
	size_t i = 0;
	for (; q < e && *q != '"'; q++) {
		if (*q == '\\' || i + 1 >= cap)
			return -1; /* sids never need escapes */
		out[i++] = *q;
	}
	if (q >= e || !i)
		return -1;
	out[i] = 0;
	return 0;
}

static int add_nsp(struct buf *out, const char *nsp, bool comma)
{
	if (!nsp || !strcmp(nsp, "/"))
		return 0;
	int rc = buf_adds(out, nsp);
	return comma ? rc | buf_add(out, ",", 1) : rc;
}

int sio_connect(struct buf *out, const char *nsp)
{
	return buf_add(out, "40", 2) | add_nsp(out, nsp, true);
}

int sio_disconnect(struct buf *out, const char *nsp)
{
	return buf_add(out, "41", 2) | add_nsp(out, nsp, true);
}

int sio_emit(struct buf *out, const char *nsp, long long id, const char *event, const char *str,
	     size_t slen)
{
	int rc = buf_add(out, "42", 2) | add_nsp(out, nsp, true);
	if (id >= 0)
		rc |= buf_addu(out, (unsigned long long)id);
	rc |= buf_add(out, "[\"", 2) | buf_adds(out, event) | buf_add(out, "\"", 1);
	if (str) /* caller guarantees no characters that need JSON escaping */
		rc |= buf_add(out, ",\"", 2) | buf_add(out, str, slen) | buf_add(out, "\"", 1);
	return rc | buf_add(out, "]", 1);
}
