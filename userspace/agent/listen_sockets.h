/* SPDX-License-Identifier: MIT */
#ifndef SIOSTEER_LISTEN_SOCKETS_H
#define SIOSTEER_LISTEN_SOCKETS_H

/*
 * Create n listening TCP sockets with SO_REUSEPORT on addr:port (one reuseport group).
 * "::" is dual-stack (IPv4 too). Fails with one clear line if anything else listens on
 * the port, since foreign sockets would join the group or block the bind.
 */
int listen_sockets(const char *addr, unsigned port, int n, int *fds);

#endif
