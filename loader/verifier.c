// SPDX-License-Identifier: MIT
/* Loading a skeleton's object and saying why it failed (see verifier.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "verifier.h"
#include "log.h"

/* The verifier log's lines shown with -v: where it stopped, and the path that led there. */
#define TAIL_LINES 24
/* Other libbpf lines kept for replay. */
#define OTHER_MAX 8192

static struct {
	char prog[64]; /* the program libbpf could not load */
	char *vlog; /* the last verifier log libbpf printed (malloc'ed) */
	char other[OTHER_MAX];
	size_t other_len;
	bool pin_mismatch; /* libbpf could not reuse a pinned map */
} cap;
static libbpf_print_fn_t prev;

/* Append to cap.other, as much as fits. */
static void keep(const char *msg)
{
	size_t room = sizeof(cap.other) - cap.other_len - 1, n = strlen(msg);

	if (n > room)
		n = room;
	memcpy(cap.other + cap.other_len, msg, n);
	cap.other_len += n;
	cap.other[cap.other_len] = '\0';
}

static int capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	bool verbose = log_get_level() >= LOG_DEBUG;
	const char *p, *q;
	va_list copy;
	char *msg;
	int n;

	if (level == LIBBPF_DEBUG)
		return verbose && prev ? prev(level, fmt, ap) : 0;
	va_copy(copy, ap);
	n = vasprintf(&msg, fmt, copy);
	va_end(copy);
	if (n < 0)
		return 0;
	if (strstr(msg, "-- BEGIN PROG LOAD LOG --")) {
		/* Kept whole, shown in part: never passed through, even with -v. */
		free(cap.vlog);
		cap.vlog = msg;
		return 0;
	}
	p = strstr(msg, "prog '");
	if (p && strstr(msg, "BPF program load failed") && (q = strchr(p + 6, '\''))) {
		n = (int)(q - p - 6) < (int)sizeof(cap.prog) ? (int)(q - p - 6) :
							       (int)sizeof(cap.prog) - 1;
		memcpy(cap.prog, p + 6, (size_t)n);
		cap.prog[n] = '\0';
	}
	if (strstr(msg, "couldn't reuse pinned map"))
		cap.pin_mismatch = true;
	if (verbose)
		fputs(msg, stderr);
	else
		keep(msg);
	free(msg);
	return 0;
}

/* The last TAIL_LINES lines of the verifier log, before libbpf's END marker. */
static void print_tail(const char *vlog)
{
	const char *end = strstr(vlog, "-- END PROG LOAD LOG --"), *start, *p;
	int lines = 0;

	if (!end)
		end = vlog + strlen(vlog);
	start = strstr(vlog, "-- BEGIN PROG LOAD LOG --");
	start = start ? start + strcspn(start, "\n") + 1 : vlog;
	p = end;
	while (p > start && lines <= TAIL_LINES) {
		p--;
		if (*p == '\n' && p + 1 < end)
			lines++;
	}
	if (p > start)
		p++;
	fprintf(stderr, "the verifier log's last lines:\n%.*s", (int)(end - p), p);
}

int loader_load_skeleton(const char *what, struct bpf_object_skeleton *sk)
{
	int err;

	memset(&cap, 0, sizeof(cap));
	prev = libbpf_set_print(capture);
	err = bpf_object__load_skeleton(sk);
	libbpf_set_print(prev);
	if (!err) {
		free(cap.vlog);
		cap.vlog = NULL;
		return 0;
	}
	if (cap.vlog) {
		log_error("load %s: the kernel's verifier rejected %s (%s)%s", what,
			  cap.prog[0] ? cap.prog : "a program", strerror(-err),
			  log_get_level() >= LOG_DEBUG ?
				  "" :
				  "; -v shows the verifier log's last lines");
		if (log_get_level() >= LOG_DEBUG)
			print_tail(cap.vlog);
	} else {
		if (cap.other_len)
			fputs(cap.other, stderr);
		if (cap.pin_mismatch)
			log_error("load %s: %s (pinned maps from an incompatible version? remove "
				  "them with 'siosteer detach')",
				  what, strerror(-err));
		else
			log_error("load %s: %s", what, strerror(-err));
	}
	free(cap.vlog);
	cap.vlog = NULL;
	return err;
}
