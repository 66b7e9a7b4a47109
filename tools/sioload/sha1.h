/* sioload — SHA-1 (FIPS 180-4) and base64 (RFC 4648), just enough for the WebSocket handshake. */
#ifndef SIOLOAD_SHA1_H
#define SIOLOAD_SHA1_H
#include <stddef.h>
#include <stdint.h>

void sha1(const void *data, size_t len, uint8_t out[20]);
/* Writes 4*ceil(n/3) characters and a NUL to out; returns the length. */
size_t base64_encode(const uint8_t *in, size_t n, char *out);
#endif
