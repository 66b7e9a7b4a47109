// SPDX-License-Identifier: MIT
/*
 * The C emit API (siosteer_emit.h): Socket.IO broadcasts and room operations through
 * Redis in the wire format of @socket.io/redis-emitter v5 / @socket.io/redis-adapter v8.
 * Redis I/O is hiredis, msgpack is msgpack-c, JSON is jansson; this file only arranges
 * what goes where.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hiredis/hiredis.h>
#include <jansson.h>
#include <msgpack.h>

#include "siosteer_emit.h"
#include "redis_url.h"

#define EMITTER_UID "emitter" /* what @socket.io/redis-emitter puts first */
#define DEFAULT_KEY "socket.io"

/* Request types of the adapter protocol (socket.io-redis-adapter RequestType). */
enum {
	REQ_REMOTE_JOIN = 2,
	REQ_REMOTE_LEAVE = 3,
	REQ_REMOTE_DISCONNECT = 4,
	REQ_SERVER_SIDE_EMIT = 6
};

struct siosteer_emitter {
	redisContext *c;
	struct redis_url u;
	double timeout;
	char key[128];
	char err[512];
};

static const char *const reserved_events[] = {
	"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
};

static void seterr(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* ---- JSON -> msgpack, as JSON.parse + notepack.io ---------------------------------- */

static void pack_str(msgpack_packer *pk, const char *s, size_t n)
{
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

/* A JS number: integral values are integers for notepack, the rest float64. */
static void pack_number(msgpack_packer *pk, double v)
{
	if (isfinite(v) && floor(v) == v) {
		if (v >= 0 && v < 18446744073709551616.0) {
			msgpack_pack_uint64(pk, (uint64_t)v);
			return;
		}
		if (v < 0 && v >= -9223372036854775808.0) {
			msgpack_pack_int64(pk, (int64_t)v);
			return;
		}
	}
	msgpack_pack_double(pk, v);
}

/* An "array index" key (canonical decimal below 2^32-1): JS lists those first, ascending. */
static bool index_key(const char *k, uint32_t *out)
{
	uint64_t v = 0;
	const char *p = k;

	if (!*p || (*p == '0' && p[1]))
		return false;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
		if (v >= 0xffffffffull)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

struct idx_key {
	uint32_t idx;
	const char *key;
};

static int cmp_idx(const void *a, const void *b)
{
	uint32_t x = ((const struct idx_key *)a)->idx, y = ((const struct idx_key *)b)->idx;

	return x < y ? -1 : x > y;
}

static int pack_json(msgpack_packer *pk, json_t *j, int depth);

static int pack_object(msgpack_packer *pk, json_t *j, int depth)
{
	size_t n = json_object_size(j), ni = 0, i;
	struct idx_key *ik = NULL;
	const char *k;
	json_t *v;
	uint32_t idx;

	msgpack_pack_map(pk, n);
	json_object_foreach(j, k, v)
	{
		if (index_key(k, &idx)) {
			struct idx_key *t = realloc(ik, (ni + 1) * sizeof(*ik));

			if (!t) {
				free(ik);
				return -1;
			}
			ik = t;
			ik[ni].idx = idx;
			ik[ni++].key = k;
		}
	}
	qsort(ik, ni, sizeof(*ik), cmp_idx);
	for (i = 0; i < ni; i++) {
		pack_str(pk, ik[i].key, strlen(ik[i].key));
		if (pack_json(pk, json_object_get(j, ik[i].key), depth + 1))
			goto fail;
	}
	json_object_foreach(j, k, v)
	{
		if (index_key(k, &idx))
			continue;
		pack_str(pk, k, strlen(k));
		if (pack_json(pk, v, depth + 1))
			goto fail;
	}
	free(ik);
	return 0;
fail:
	free(ik);
	return -1;
}

static int pack_json(msgpack_packer *pk, json_t *j, int depth)
{
	size_t i;

	if (depth > 512)
		return -1;
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return pack_object(pk, j, depth);
	case JSON_ARRAY:
		msgpack_pack_array(pk, json_array_size(j));
		for (i = 0; i < json_array_size(j); i++)
			if (pack_json(pk, json_array_get(j, i), depth + 1))
				return -1;
		return 0;
	case JSON_STRING:
		pack_str(pk, json_string_value(j), json_string_length(j));
		return 0;
	case JSON_INTEGER:
		pack_number(pk, (double)json_integer_value(j));
		return 0;
	case JSON_REAL:
		pack_number(pk, json_real_value(j));
		return 0;
	case JSON_TRUE:
		return msgpack_pack_true(pk);
	case JSON_FALSE:
		return msgpack_pack_false(pk);
	case JSON_NULL:
		return msgpack_pack_nil(pk);
	}
	return -1;
}

/* Parse argument i (1-based for messages). Numbers are doubles, as in JavaScript. */
static json_t *parse_arg(const char *text, size_t i, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j =
		json_loads(text, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL, &je);

	if (!j) {
		bool bare = text[0] && strchr("{[\"-0123456789tfn", text[0]) == NULL;

		seterr(err, errlen, "argument %zu is not JSON: %s at column %d%s", i, je.text,
		       je.column, bare ? " (a string needs quotes: '\"text\"')" : "");
	}
	return j;
}

/* JSON.stringify writes integral numbers without ".0": make such reals integers. */
static json_t *js_numbers(json_t *j)
{
	const char *k;
	json_t *v;
	size_t i;

	switch (json_typeof(j)) {
	case JSON_REAL: {
		double d = json_real_value(j);

		if (floor(d) == d && fabs(d) < 9007199254740992.0) {
			json_decref(j);
			return json_integer((json_int_t)d);
		}
		return j;
	}
	case JSON_ARRAY:
		for (i = 0; i < json_array_size(j); i++)
			json_array_set(j, i, js_numbers(json_incref(json_array_get(j, i))));
		return j;
	case JSON_OBJECT:
		json_object_foreach(j, k, v) json_object_set(j, k, js_numbers(json_incref(v)));
		return j;
	default:
		return j;
	}
}

/* ---- targets and channels ---------------------------------------------------------- */

/* Socket.IO's of(nsp): a leading "/" is added if missing. */
static int nsp_of(const struct siosteer_emit_target *to, char *buf, size_t len)
{
	const char *n = to && to->nsp && *to->nsp ? to->nsp : "/";
	int w = snprintf(buf, len, "%s%s", n[0] == '/' ? "" : "/", n);

	return w < 0 || (size_t)w >= len ? -1 : 0;
}

/* The rooms as a JavaScript Set would keep them: first occurrence, in order. */
static size_t unique(const char *const *in, size_t n, const char **out)
{
	size_t i, j, m = 0;

	for (i = 0; i < n; i++) {
		if (!in[i])
			continue;
		for (j = 0; j < m && strcmp(out[j], in[i]); j++)
			;
		if (j == m)
			out[m++] = in[i];
	}
	return m;
}

static void pack_rooms(msgpack_packer *pk, const char *const *r, size_t n)
{
	size_t i;

	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++)
		pack_str(pk, r[i], strlen(r[i]));
}

static int check_event(const char *event, char *err, size_t errlen)
{
	size_t i;

	if (!event || !*event) {
		seterr(err, errlen, "no event name");
		return -1;
	}
	for (i = 0; i < sizeof(reserved_events) / sizeof(reserved_events[0]); i++) {
		if (!strcmp(event, reserved_events[i])) {
			seterr(err, errlen, "\"%s\" is a reserved event name", event);
			return -1;
		}
	}
	return 0;
}

/*
 * [uid, {type: 2, data: [event, ...args], nsp}, {rooms, flags, except}] and its channel.
 * `args` is either nargs parsed JSON values or `packed` raw msgpack.
 */
static int encode_emit(const char *key, const struct siosteer_emit_target *to, const char *event,
		       json_t **args, const void *packed, size_t packed_len, size_t nargs,
		       char **channel, char **msg, size_t *len, char *err, size_t errlen)
{
	const char **rooms = NULL, **except = NULL;
	size_t nr = 0, ne = 0, i;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	char nsp[1024];
	int rc = -1, w;

	if (check_event(event, err, errlen))
		return -1;
	if (nsp_of(to, nsp, sizeof(nsp))) {
		seterr(err, errlen, "namespace too long");
		return -1;
	}
	if (to && to->nrooms) {
		rooms = calloc(to->nrooms, sizeof(*rooms));
		if (!rooms)
			goto oom;
		nr = unique(to->rooms, to->nrooms, rooms);
	}
	if (to && to->nexcept) {
		except = calloc(to->nexcept, sizeof(*except));
		if (!except)
			goto oom;
		ne = unique(to->except, to->nexcept, except);
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 3);
	pack_str(&pk, EMITTER_UID, strlen(EMITTER_UID));
	msgpack_pack_map(&pk, 3);
	pack_str(&pk, "type", 4);
	msgpack_pack_uint8(&pk, 2); /* socket.io-parser PacketType.EVENT */
	pack_str(&pk, "data", 4);
	msgpack_pack_array(&pk, 1 + nargs);
	pack_str(&pk, event, strlen(event));
	if (packed) {
		msgpack_sbuffer_write(&sb, packed, packed_len);
	} else {
		for (i = 0; i < nargs; i++) {
			if (pack_json(&pk, args[i], 0)) {
				seterr(err, errlen, "argument %zu: nested too deeply", i + 1);
				goto out_sb;
			}
		}
	}
	pack_str(&pk, "nsp", 3);
	pack_str(&pk, nsp, strlen(nsp));
	msgpack_pack_map(&pk, 3);
	pack_str(&pk, "rooms", 5);
	pack_rooms(&pk, rooms, nr);
	pack_str(&pk, "flags", 5);
	if (to && to->volatile_msg) {
		msgpack_pack_map(&pk, 1);
		pack_str(&pk, "volatile", 8);
		msgpack_pack_true(&pk);
	} else {
		msgpack_pack_map(&pk, 0);
	}
	pack_str(&pk, "except", 6);
	pack_rooms(&pk, except, ne);

	/* One room: its own channel, so servers without that room ignore it cheaply. */
	w = nr == 1 ? asprintf(channel, "%s#%s#%s#", key, nsp, rooms[0]) :
		      asprintf(channel, "%s#%s#", key, nsp);
	if (w < 0) {
		*channel = NULL;
		goto oom_sb;
	}
	*msg = malloc(sb.size ? sb.size : 1);
	if (!*msg) {
		free(*channel);
		goto oom_sb;
	}
	memcpy(*msg, sb.data, sb.size);
	*len = sb.size;
	rc = 0;
	goto out_sb;
oom_sb:
	seterr(err, errlen, "out of memory");
out_sb:
	msgpack_sbuffer_destroy(&sb);
	free(rooms);
	free(except);
	return rc;
oom:
	free(rooms);
	seterr(err, errlen, "out of memory");
	return -1;
}

static json_t *rooms_json(const char *const *r, size_t n)
{
	const char **u = calloc(n ? n : 1, sizeof(*u));
	json_t *a = json_array();
	size_t i, m;

	if (!u || !a) {
		free(u);
		json_decref(a);
		return NULL;
	}
	m = unique(r, n, u);
	for (i = 0; i < m; i++)
		json_array_append_new(a, json_string(u[i]));
	free(u);
	return a;
}

/* The JSON request of socketsJoin / socketsLeave / disconnectSockets. */
static char *encode_request(int type, const struct siosteer_emit_target *to,
			    const char *const *rooms, size_t nrooms, int close)
{
	json_t *req = json_object(), *opts = json_object();
	char *s;

	if (!req || !opts) {
		json_decref(req);
		json_decref(opts);
		return NULL;
	}
	json_object_set_new(req, "type", json_integer(type));
	json_object_set_new(opts, "rooms", rooms_json(to ? to->rooms : NULL, to ? to->nrooms : 0));
	json_object_set_new(opts, "except",
			    rooms_json(to ? to->except : NULL, to ? to->nexcept : 0));
	json_object_set_new(req, "opts", opts);
	if (close >= 0)
		json_object_set_new(req, "close", json_boolean(close));
	else
		json_object_set_new(req, "rooms", rooms_json(rooms, nrooms));
	s = json_dumps(req, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(req);
	return s;
}

int siosteer_emit_encode(const char *key, const struct siosteer_emit_target *to, const char *event,
			 const char *const *json_args, size_t nargs, char **channel, char **msg,
			 size_t *len, char *err, size_t errlen)
{
	json_t **args = calloc(nargs ? nargs : 1, sizeof(*args));
	size_t i;
	int rc = -1;

	if (!args) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < nargs; i++)
		if (!(args[i] = parse_arg(json_args[i], i + 1, err, errlen)))
			goto out;
	rc = encode_emit(key && *key ? key : DEFAULT_KEY, to, event, args, NULL, 0, nargs, channel,
			 msg, len, err, errlen);
out:
	for (i = 0; i < nargs; i++)
		json_decref(args[i]);
	free(args);
	return rc;
}

/* ---- Redis ------------------------------------------------------------------------- */

int siosteer_emitter_open(const char *url, const char *key, double timeout_s,
			  struct siosteer_emitter **out, char *err, size_t errlen)
{
	struct siosteer_emitter *e = calloc(1, sizeof(*e));

	*out = NULL;
	if (!e) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	if (redis_url_parse(url, &e->u, e->err, sizeof(e->err)))
		goto fail;
	if (key && strlen(key) >= sizeof(e->key)) {
		seterr(e->err, sizeof(e->err), "adapter key too long");
		goto fail;
	}
	snprintf(e->key, sizeof(e->key), "%s", key && *key ? key : DEFAULT_KEY);
	e->timeout = timeout_s > 0 ? timeout_s : 2.0;
	e->c = redis_url_connect(&e->u, e->timeout, e->err, sizeof(e->err));
	if (!e->c)
		goto fail;
	*out = e;
	return 0;
fail:
	seterr(err, errlen, "%s", e->err);
	free(e);
	return -1;
}

void siosteer_emitter_close(struct siosteer_emitter *e)
{
	if (!e)
		return;
	if (e->c)
		redisFree(e->c);
	free(e);
}

const char *siosteer_emitter_error(const struct siosteer_emitter *e)
{
	return e ? e->err : "no emitter";
}

/* PUBLISH; a connection known to be broken is replaced first (never a resend). */
static long publish(struct siosteer_emitter *e, const char *channel, const char *msg, size_t len)
{
	redisReply *r;
	long n;

	if (!e->c || e->c->err) {
		redis_abort(e->c);
		e->c = redis_url_connect(&e->u, e->timeout, e->err, sizeof(e->err));
		if (!e->c)
			return -1;
	}
	r = redisCommand(e->c, "PUBLISH %b %b", channel, strlen(channel), msg, len);
	if (!r || r->type != REDIS_REPLY_INTEGER) {
		redis_describe_failure(e->c, &e->u, r, "PUBLISH", e->err, sizeof(e->err));
		if (r)
			freeReplyObject(r);
		if (e->c->err) {
			/* Unknown whether it went out: never let it go out later. */
			redis_abort(e->c);
			e->c = NULL;
		}
		return -1;
	}
	n = (long)r->integer;
	freeReplyObject(r);
	e->err[0] = '\0';
	return n;
}

static long emit_common(struct siosteer_emitter *e, const struct siosteer_emit_target *to,
			const char *event, json_t **args, const void *packed, size_t plen,
			size_t nargs)
{
	char *channel, *msg;
	size_t len;
	long n;

	if (encode_emit(e->key, to, event, args, packed, plen, nargs, &channel, &msg, &len, e->err,
			sizeof(e->err)))
		return -1;
	n = publish(e, channel, msg, len);
	free(channel);
	free(msg);
	return n;
}

long siosteer_emit(struct siosteer_emitter *e, const struct siosteer_emit_target *to,
		   const char *event, const char *const *json_args, size_t nargs)
{
	json_t **args = calloc(nargs ? nargs : 1, sizeof(*args));
	long n = -1;
	size_t i;

	if (!args) {
		seterr(e->err, sizeof(e->err), "out of memory");
		return -1;
	}
	for (i = 0; i < nargs; i++)
		if (!(args[i] = parse_arg(json_args[i], i + 1, e->err, sizeof(e->err))))
			goto out;
	n = emit_common(e, to, event, args, NULL, 0, nargs);
out:
	for (i = 0; i < nargs; i++)
		json_decref(args[i]);
	free(args);
	return n;
}

long siosteer_emit_packed(struct siosteer_emitter *e, const struct siosteer_emit_target *to,
			  const char *event, const void *packed, size_t len, size_t nargs)
{
	/* A packed buffer that is not nargs whole objects would corrupt the message. */
	msgpack_unpacked u;
	size_t off = 0, i;

	msgpack_unpacked_init(&u);
	for (i = 0; i < nargs; i++) {
		if (msgpack_unpack_next(&u, packed, len, &off) != MSGPACK_UNPACK_SUCCESS) {
			msgpack_unpacked_destroy(&u);
			seterr(e->err, sizeof(e->err),
			       "packed arguments: object %zu is not whole "
			       "msgpack",
			       i + 1);
			return -1;
		}
	}
	msgpack_unpacked_destroy(&u);
	if (off != len) {
		seterr(e->err, sizeof(e->err), "packed arguments: %zu bytes after %zu objects",
		       len - off, nargs);
		return -1;
	}
	return emit_common(e, to, event, NULL, packed, len, nargs);
}

static long request(struct siosteer_emitter *e, const char *nsp_in, const char *json)
{
	struct siosteer_emit_target t = { .nsp = nsp_in };
	char nsp[1024], *channel;
	long n;

	if (!json) {
		seterr(e->err, sizeof(e->err), "out of memory");
		return -1;
	}
	if (nsp_of(&t, nsp, sizeof(nsp)) || asprintf(&channel, "%s-request#%s#", e->key, nsp) < 0) {
		seterr(e->err, sizeof(e->err), "namespace too long");
		return -1;
	}
	n = publish(e, channel, json, strlen(json));
	free(channel);
	return n;
}

static long rooms_request(struct siosteer_emitter *e, int type,
			  const struct siosteer_emit_target *to, const char *const *rooms,
			  size_t nrooms)
{
	char *json;
	long n;

	if (!nrooms) {
		seterr(e->err, sizeof(e->err), "no room to %s",
		       type == REQ_REMOTE_JOIN ? "join" : "leave");
		return -1;
	}
	json = encode_request(type, to, rooms, nrooms, -1);
	n = request(e, to ? to->nsp : NULL, json);
	free(json);
	return n;
}

long siosteer_sockets_join(struct siosteer_emitter *e, const struct siosteer_emit_target *to,
			   const char *const *rooms, size_t nrooms)
{
	return rooms_request(e, REQ_REMOTE_JOIN, to, rooms, nrooms);
}

long siosteer_sockets_leave(struct siosteer_emitter *e, const struct siosteer_emit_target *to,
			    const char *const *rooms, size_t nrooms)
{
	return rooms_request(e, REQ_REMOTE_LEAVE, to, rooms, nrooms);
}

long siosteer_disconnect_sockets(struct siosteer_emitter *e, const struct siosteer_emit_target *to,
				 bool close)
{
	char *json = encode_request(REQ_REMOTE_DISCONNECT, to, NULL, 0, close ? 1 : 0);
	long n = request(e, to ? to->nsp : NULL, json);

	free(json);
	return n;
}

long siosteer_server_side_emit(struct siosteer_emitter *e, const char *nsp, const char *event,
			       const char *const *json_args, size_t nargs)
{
	json_t *req, *data;
	char *json;
	size_t i;
	long n;

	if (!event || !*event) {
		seterr(e->err, sizeof(e->err), "no event name");
		return -1;
	}
	req = json_object();
	data = json_array();
	json_object_set_new(req, "uid", json_string(EMITTER_UID));
	json_object_set_new(req, "type", json_integer(REQ_SERVER_SIDE_EMIT));
	json_array_append_new(data, json_string(event));
	for (i = 0; i < nargs; i++) {
		json_t *a = parse_arg(json_args[i], i + 1, e->err, sizeof(e->err));

		if (!a) {
			json_decref(data);
			json_decref(req);
			return -1;
		}
		json_array_append_new(data, js_numbers(a));
	}
	json_object_set_new(req, "data", data);
	json = json_dumps(req, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(req);
	n = request(e, nsp, json);
	free(json);
	return n;
}
