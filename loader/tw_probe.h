/* SPDX-License-Identifier: MIT */
/*
 * Does this kernel need the TIME_WAIT route (bpf/tw_reset.bpf.c)? With
 * tcp_syncookies=2, a SYN that reuses the 4-tuple of a server TIME_WAIT socket gets no
 * cookie on kernels that carry the TIME_WAIT socket's ISN over to the new request (6.18
 * here), so its connection would be placed before its first request is seen
 * (docs/ARCHITECTURE.md, 'TIME_WAIT defeats deferred steering'). Debian 12's 6.1 answers
 * such a SYN with a cookie like any other. The probe tries it.
 */
#ifndef SIOSTEER_TW_PROBE_H
#define SIOSTEER_TW_PROBE_H

/*
 * In a child process, in a network namespace of its own (lo only, tcp_syncookies=2):
 * a connection over 127.0.0.1 that the server closes first (a server TIME_WAIT socket),
 * then a connection from the same address and port. Returns 1 if that SYN got no cookie
 * (the route is needed), 0 if it got one, a negative errno if the probe could not tell.
 */
int tw_probe_route_needed(void);

#endif
