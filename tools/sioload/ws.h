/* sioload — WebSocket (RFC 6455) client side: upgrade handshake and framing. */
#ifndef SIOLOAD_WS_H
#define SIOLOAD_WS_H
#include <stdbool.h>
#include <stdint.h>
#include "buf.h"

enum { WS_CONT = 0, WS_TEXT = 1, WS_BINARY = 2, WS_CLOSE = 8, WS_PING = 9, WS_PONG = 10 };
#define WS_MAX_MESSAGE (8u << 20)

/* 16 random bytes, base64: 24 characters + NUL. */
void ws_make_key(uint64_t r1, uint64_t r2, char key[25]);
/* base64(SHA-1(key + GUID)): 28 characters + NUL. */
void ws_accept_for(const char *key, char accept[29]);
int ws_upgrade_request(struct buf *out, const char *host, const char *path, const char *query,
		       size_t qlen, const char *key);
/* Append one masked client frame (FIN set). */
int ws_frame(struct buf *out, int opcode, const void *data, size_t len, uint32_t mask);

struct ws_frame {
	bool fin;
	int opcode;
	char *payload; /* inside the input buffer, unmasked in place */
	uint64_t len;
	size_t total; /* header + payload */
};
/* Parse one server frame at p (n bytes). Returns 1 (frame complete), 0 (need more), -1 (bad). */
int ws_parse(char *p, size_t n, struct ws_frame *f);
#endif
