/* sioload — engine.io v4 and Socket.IO v5 packet encoding/decoding (text packets only). */
#ifndef SIOLOAD_EIO_H
#define SIOLOAD_EIO_H
#include <stdbool.h>
#include <stddef.h>
#include "buf.h"

/* engine.io packet types */
enum { EIO_OPEN = '0', EIO_CLOSE = '1', EIO_PING = '2', EIO_PONG = '3', EIO_MESSAGE = '4',
       EIO_UPGRADE = '5', EIO_NOOP = '6' };
/* Socket.IO packet types (after the engine.io '4') */
enum { SIO_CONNECT = '0', SIO_DISCONNECT = '1', SIO_EVENT = '2', SIO_ACK = '3',
       SIO_CONNECT_ERROR = '4', SIO_BINARY_EVENT = '5', SIO_BINARY_ACK = '6' };

#define EIO_SEP '\x1e' /* record separator between packets of a polling payload */

/* Iterate the packets of a polling payload: *p walks towards end. */
bool eio_next(const char **p, const char *end, const char **pkt, size_t *len);

struct sio_pkt {
	char type;
	const char *nsp; /* "/" if absent */
	size_t nsplen;
	long long id;    /* -1 if absent */
	const char *data;
	size_t dlen;
};
/* p/n: the engine.io message payload (after '4'). Returns 0 or -1. */
int sio_parse(const char *p, size_t n, struct sio_pkt *o);
bool sio_nsp_is(const struct sio_pkt *k, const char *nsp);

/* Find "key": in a flat JSON text and read its value. Returns 0 or -1. */
int json_get_int(const char *p, size_t n, const char *key, long long *v);
int json_get_str(const char *p, size_t n, const char *key, char *out, size_t cap);

/* Encoders append to out; nsp "/" means the main namespace. */
int sio_connect(struct buf *out, const char *nsp);
int sio_disconnect(struct buf *out, const char *nsp);
/* 42[nsp,]<id>["<event>"(,"<str>")] */
int sio_emit(struct buf *out, const char *nsp, long long id, const char *event, const char *str,
	     size_t slen);
#endif
