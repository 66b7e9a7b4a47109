// SPDX-License-Identifier: MIT
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "json_out.h"
#include "log.h"

void json_out(json_t *v)
{
	char *s;

	if (!v)
		return;
	s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	if (s) {
		puts(s);
		free(s);
	}
	fflush(stdout);
	json_decref(v);
}

static void error_as_json(const char *msg)
{
	json_out(json_pack("{s:s}", "error", msg));
}

void json_out_errors(void)
{
	log_set_error_hook(error_as_json);
}

json_t *json_u64(unsigned long long v)
{
	/* Counters stay far below 2^63; clamp rather than wrap if one ever does not. */
	return json_integer(v > (unsigned long long)LLONG_MAX ? LLONG_MAX : (json_int_t)v);
}
