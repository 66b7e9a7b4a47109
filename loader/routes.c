// SPDX-License-Identifier: MIT
/*
 * The routes sid steering takes on this kernel, chosen once at start, logged in one line
 * and recorded in the pinned meta for `siosteer status`:
 *   cookies      who answers SYNs with cookies (enum siosteer_cookies: --cookies, as
 *                loader_cookie_resolve() decided)
 *   TIME_WAIT    whether tw_reset is attached. On the sysctl route only where a SYN that
 *                reuses a TIME_WAIT 4-tuple gets no kernel cookie (tw_probe.h; 6.12 and
 *                6.18 yes, 6.1 no). On the bpf route always: such a SYN passes the cookie
 *                program to the stack, which would make a request socket at SYN time.
 *   migration    whether BPF_SK_REUSEPORT_SELECT_OR_MIGRATE exists (5.14, with the
 *                net.ipv4.tcp_migrate_req sysctl); reported, not used yet
 *   socket storage  every connection knows its slot (sid mode; needs sk_storage at tc)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>

#include "internal.h"
#include "log.h"
#include "tw_probe.h"

const char *siosteer_cookies_name(__u32 cookies)
{
	switch (cookies) {
	case SIOSTEER_COOKIES_NONE:
		return "none";
	case SIOSTEER_COOKIES_SYSCTL:
		return "sysctl";
	case SIOSTEER_COOKIES_BPF:
		return "bpf";
	default:
		return "unknown";
	}
}

int siosteer_routes_text(__u32 cookies, __u32 routes, char *buf, size_t len)
{
	return snprintf(buf, len, "cookies %s, TIME_WAIT route %s, migration %s, socket storage %s",
			siosteer_cookies_name(cookies),
			routes & SIOSTEER_ROUTE_TW        ? "on" :
			cookies == SIOSTEER_COOKIES_NONE  ? "off (address key)" :
			routes & SIOSTEER_ROUTE_TW_PROBED ? "off (not needed on this kernel)" :
							    "off",
			routes & SIOSTEER_ROUTE_MIGRATE ? "available (unused)" : "unavailable",
			routes & SIOSTEER_ROUTE_SK_STORAGE ? "on" : "off");
}

void loader_routes_choose(struct siosteer *s)
{
	struct utsname u;
	char text[160];
	int need;

	s->routes = 0;
	if (!access("/proc/sys/net/ipv4/tcp_migrate_req", F_OK))
		s->routes |= SIOSTEER_ROUTE_MIGRATE;
	if (s->o.key == SIOSTEER_KEY_SID) {
		s->routes |= SIOSTEER_ROUTE_SK_STORAGE;
		/* The bpf route always needs it; the probe asks the kernel's cookie code. */
		need = s->o.cookies == SIOSTEER_COOKIES_BPF ? 1 : tw_probe_route_needed();
		if (s->o.cookies == SIOSTEER_COOKIES_BPF)
			; /* not probed */
		else if (need < 0)
			log_debug("TIME_WAIT probe: %s; the TIME_WAIT route stays on",
				  strerror(-need));
		else
			s->routes |= SIOSTEER_ROUTE_TW_PROBED;
		if (need != 0)
			s->routes |= SIOSTEER_ROUTE_TW;
	}
	siosteer_routes_text(s->o.key == SIOSTEER_KEY_SID ? s->o.cookies : SIOSTEER_COOKIES_NONE,
			     s->routes, text, sizeof(text));
	log_info("routes on Linux %s: %s", uname(&u) ? "?" : u.release, text);
}
