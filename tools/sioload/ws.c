/* sioload — WebSocket client handshake and framing (RFC 6455 sections 4.1, 5.2, 5.3). */
#include "ws.h"
#include "http.h"
#include "sha1.h"
#include <string.h>

void ws_make_key(uint64_t r1, uint64_t r2, char key[25])
{
	uint8_t raw[16];
	memcpy(raw, &r1, 8);
	memcpy(raw + 8, &r2, 8);
	base64_encode(raw, 16, key);
}

void ws_accept_for(const char *key, char accept[29])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	char tmp[128];
	size_t kl = strlen(key);
	if (kl > sizeof tmp - sizeof guid)
		kl = sizeof tmp - sizeof guid;
	memcpy(tmp, key, kl);
	memcpy(tmp + kl, guid, sizeof guid - 1);
	uint8_t d[20];
	sha1(tmp, kl + sizeof guid - 1, d);
	base64_encode(d, 20, accept);
}

int ws_upgrade_request(struct buf *out, const char *host, const char *path, const char *query,
		       size_t qlen, const char *key)
{
	int rc = buf_adds(out, "GET ") | buf_adds(out, path) | buf_add(out, query, qlen);
	rc |= buf_adds(out, " HTTP/1.1\r\nHost: ") | buf_adds(out, host);
	rc |= buf_adds(out, "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
			    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ");
	rc |= buf_adds(out, key) | buf_adds(out, "\r\n\r\n");
	return rc ? -1 : 0;
}

int ws_frame(struct buf *out, int opcode, const void *data, size_t len, uint32_t mask)
{
	if (buf_reserve(out, len + 14))
		return -1;
	uint8_t *h = (uint8_t *)out->p + out->len;
	size_t hl = 2;
	h[0] = (uint8_t)(0x80 | (opcode & 0x0f));
	if (len < 126) {
		h[1] = (uint8_t)(0x80 | len);
	} else if (len < 65536) {
		h[1] = 0x80 | 126;
		h[2] = (uint8_t)(len >> 8);
		h[3] = (uint8_t)len;
		hl = 4;
	} else {
		h[1] = 0x80 | 127;
		for (int i = 0; i < 8; i++)
			h[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
		hl = 10;
	}
	uint8_t m[4] = {(uint8_t)(mask >> 24), (uint8_t)(mask >> 16), (uint8_t)(mask >> 8),
			(uint8_t)mask};
	memcpy(h + hl, m, 4);
	hl += 4;
	const uint8_t *s = data;
	uint8_t *d = h + hl;
	for (size_t i = 0; i < len; i++)
		d[i] = s[i] ^ m[i & 3];
	out->len += hl + len;
	return 0;
}

int ws_parse(char *p, size_t n, struct ws_frame *f)
{
	if (n < 2)
		return 0;
	const uint8_t *u = (const uint8_t *)p;
	if (u[0] & 0x70) /* no extensions negotiated: RSV bits must be 0 */
		return -1;
	f->fin = u[0] & 0x80;
	f->opcode = u[0] & 0x0f;
	bool masked = u[1] & 0x80;
	uint64_t len = u[1] & 0x7f;
	size_t hl = 2;
	if (len == 126) {
		if (n < 4)
			return 0;
		len = (uint64_t)u[2] << 8 | u[3];
		hl = 4;
	} else if (len == 127) {
		if (n < 10)
			return 0;
		len = 0;
		for (int i = 0; i < 8; i++)
			len = len << 8 | u[2 + i];
		hl = 10;
	}
	if (len > WS_MAX_MESSAGE)
		return -1;
	if (f->opcode >= 8 && (len > 125 || !f->fin))
		return -1;
	uint8_t m[4] = {0};
	if (masked) { /* servers must not mask; tolerate it anyway */
		if (n < hl + 4)
			return 0;
		memcpy(m, p + hl, 4);
		hl += 4;
	}
	if (n < hl + len)
		return 0;
	f->payload = p + hl;
	f->len = len;
	f->total = hl + (size_t)len;
	if (masked)
		for (uint64_t i = 0; i < len; i++)
			f->payload[i] ^= (char)m[i & 3];
	return 1;
}
