/* SPDX-License-Identifier: MIT */
/*
 * siosteer_emit: reach Socket.IO clients from C through Redis, the way
 * @socket.io/redis-emitter v5 does it, so every Socket.IO server that uses
 * @socket.io/redis-adapter v8 (key "socket.io" unless set) delivers the message.
 *
 *   struct siosteer_emitter *e;
 *   char err[256];
 *   if (siosteer_emitter_open("redis://127.0.0.1:6379", NULL, 2.0, &e, err, sizeof(err)))
 *           fprintf(stderr, "%s\n", err);
 *   const char *rooms[] = { "room42" };
 *   struct siosteer_emit_target to = { .rooms = rooms, .nrooms = 1 };
 *   const char *args[] = { "{\"text\":\"hello\"}", "7" };
 *   long n = siosteer_emit(e, &to, "chat", args, 2);   // n: servers that got it
 *   siosteer_emitter_close(e);
 *
 * Build: cc app.c -I<siosteer>/userspace <siosteer>/build/libsiosteer_emit.a \
 *            -lhiredis -lmsgpackc -ljansson
 *
 * Wire format (what the adapter decodes):
 *   emit:   PUBLISH <key>#<nsp># (or <key>#<nsp>#<room># when exactly one room)
 *           msgpack ["emitter", {type: 2, data: [event, ...args], nsp},
 *                    {rooms: [...], flags: {...}, except: [...]}]
 *   join, leave, disconnect:
 *           PUBLISH <key>-request#<nsp>#  JSON {"type": 2|3|4, "opts": {"rooms": [...],
 *           "except": [...]}, "rooms": [...] | "close": bool}
 *
 * Arguments are JSON texts, converted to msgpack the way JSON.parse + notepack.io would
 * (numbers with an integral value become integers, object keys that are array indices
 * first), so the bytes match what @socket.io/redis-emitter publishes for the same call.
 *
 * Every call returns the number of Redis subscribers that received the message (each
 * Socket.IO server with the adapter counts once), or -1 with a one-line message in
 * siosteer_emitter_error(). A call on a connection that broke reconnects once first.
 * An emitter is not thread-safe: use one per thread.
 */
#ifndef SIOSTEER_EMIT_H
#define SIOSTEER_EMIT_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct siosteer_emitter;

/* Which sockets: everyone in namespace `nsp` (NULL: "/"), or those in any of `rooms`
 * (a socket id is a room too), minus those in any of `except`. */
struct siosteer_emit_target {
	const char *nsp;
	const char *const *rooms;
	size_t nrooms;
	const char *const *except;
	size_t nexcept;
	bool volatile_msg; /* flags.volatile: may be lost if a client is not ready */
};

/*
 * Connect to Redis: `url` is redis://[[user]:password@]host[:port][/db] or
 * unix://[[user]:password@]/path[?db=N]. `key` is the adapter's key option (NULL:
 * "socket.io"). `timeout_s` bounds the connection and every reply (<= 0: 2 s).
 * Returns 0, or -1 with one line in err (err may be NULL).
 */
int siosteer_emitter_open(const char *url, const char *key, double timeout_s,
			  struct siosteer_emitter **out, char *err, size_t errlen);
void siosteer_emitter_close(struct siosteer_emitter *e);
/* The last error, one line ("" if none). */
const char *siosteer_emitter_error(const struct siosteer_emitter *e);

/* Emit `event` with nargs arguments, each one JSON text ("42", "\"hi\"", "{...}").
 * Reserved names (connect, connect_error, disconnect, disconnecting, newListener,
 * removeListener) are refused, as the Node emitter does. */
long siosteer_emit(struct siosteer_emitter *e, const struct siosteer_emit_target *to,
		   const char *event, const char *const *json_args, size_t nargs);
/* The same with arguments already msgpack-encoded: `packed` holds nargs consecutive
 * msgpack objects (e.g. a bin object for binary data). */
long siosteer_emit_packed(struct siosteer_emitter *e, const struct siosteer_emit_target *to,
			  const char *event, const void *packed, size_t len, size_t nargs);
/* Make the matching sockets join / leave `rooms` (socketsJoin / socketsLeave). */
long siosteer_sockets_join(struct siosteer_emitter *e, const struct siosteer_emit_target *to,
			   const char *const *rooms, size_t nrooms);
long siosteer_sockets_leave(struct siosteer_emitter *e, const struct siosteer_emit_target *to,
			    const char *const *rooms, size_t nrooms);
/* Disconnect the matching sockets; close: also close the underlying connection. */
long siosteer_disconnect_sockets(struct siosteer_emitter *e, const struct siosteer_emit_target *to,
				 bool close);
/* serverSideEmit: deliver `event` to the servers' io.on(event) handlers (no clients). */
long siosteer_server_side_emit(struct siosteer_emitter *e, const char *nsp, const char *event,
			       const char *const *json_args, size_t nargs);

/* Encode without sending (tests, or your own transport): the channel and the bytes that
 * siosteer_emit would publish. *msg is malloc'ed; free() it. 0 or -1 (err set). */
int siosteer_emit_encode(const char *key, const struct siosteer_emit_target *to, const char *event,
			 const char *const *json_args, size_t nargs, char **channel, char **msg,
			 size_t *len, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
