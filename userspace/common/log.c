// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log.h"

static enum log_level level = LOG_INFO;
static void (*error_hook)(const char *msg);

void log_set_error_hook(void (*fn)(const char *msg))
{
	error_hook = fn;
}

void log_set_level(enum log_level l)
{
	level = l;
}

enum log_level log_get_level(void)
{
	return level;
}

void log_msg(enum log_level l, const char *fmt, ...)
{
	static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (l > level)
		return;
	if (l == LOG_ERROR && error_hook) {
		char msg[1024];

		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		error_hook(msg);
		return;
	}
	/* One line at a time: the Redis bridge logs from its own thread. */
	flockfile(stderr);
	/* Errors are for the user at a terminal: no timestamp. Events are for logs. */
	if (l <= LOG_WARN) {
		fprintf(stderr, "siosteer: %s", tag[l]);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		fprintf(stderr, "%02d:%02d:%02d.%03ld siosteer: %s", tm.tm_hour, tm.tm_min,
			tm.tm_sec, ts.tv_nsec / 1000000, tag[l]);
	}
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}
