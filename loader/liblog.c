// SPDX-License-Identifier: MIT
/* Holding libbpf's and libxdp's lines back (see liblog.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "liblog.h"
#include "log.h"

#define HELD_MAX 16384

static int depth;
static char held[HELD_MAX];
static size_t held_len;
static bool held_cut;
static libbpf_print_fn_t prev_libbpf;
static libxdp_print_fn_t prev_libxdp;

static bool verbose(void)
{
	return log_get_level() >= LOG_DEBUG;
}

static void record(const char *fmt, va_list ap)
{
	va_list copy;
	int n;

	if (held_cut)
		return;
	va_copy(copy, ap);
	n = vsnprintf(held + held_len, sizeof(held) - held_len, fmt, copy);
	va_end(copy);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(held) - held_len) {
		held_len = sizeof(held) - 1;
		held_cut = true;
		return;
	}
	held_len += (size_t)n;
}

static int hold_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* Debug lines are only ever for -v: never worth replaying. */
	if (level != LIBBPF_DEBUG)
		record(fmt, ap);
	return verbose() && prev_libbpf ? prev_libbpf(level, fmt, ap) : 0;
}

static int hold_libxdp(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBXDP_DEBUG)
		record(fmt, ap);
	return verbose() && prev_libxdp ? prev_libxdp(level, fmt, ap) : 0;
}

void liblog_hold(void)
{
	if (depth++)
		return;
	held_len = 0;
	held[0] = '\0';
	held_cut = false;
	prev_libbpf = libbpf_set_print(hold_libbpf);
	prev_libxdp = libxdp_set_print(hold_libxdp);
}

void liblog_release(bool replay)
{
	if (depth == 0 || --depth)
		return;
	libbpf_set_print(prev_libbpf);
	libxdp_set_print(prev_libxdp);
	if (!replay || verbose() || !held_len)
		return;
	fputs(held, stderr);
	if (held[held_len - 1] != '\n')
		fputc('\n', stderr);
	if (held_cut)
		fputs("(more libbpf/libxdp lines left out; -v shows them all)\n", stderr);
}

bool liblog_find(const char *needle, char *buf, size_t len)
{
	const char *p = strstr(held, needle);
	size_t n;

	if (!p)
		return false;
	p += strlen(needle);
	n = strcspn(p, "\n");
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return true;
}
