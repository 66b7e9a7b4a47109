/* sioload — target URL and source address list parsing. */
#ifndef SIOLOAD_ADDR_H
#define SIOLOAD_ADDR_H
#include "sioload.h"

/* http://host[:port][/path] -> o->dst, o->host, o->path. Returns 0 or -1 (message printed). */
int parse_url(struct opts *o, const char *url);
/* Comma/space list, a file holding such a list (# comments), IPv4 items may have octet
 * ranges (198.19.1-64.2). Addresses must match the target's family. 0 or -1. */
int parse_source_addrs(struct opts *o, const char *spec);
#endif
