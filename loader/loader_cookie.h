/* SPDX-License-Identifier: MIT */
/* --cookies bpf pieces of the loader (loader_cookie.c), used by loader_sid.c only. */
#ifndef SIOSTEER_LOADER_COOKIE_H
#define SIOSTEER_LOADER_COOKIE_H

struct siosteer;

/* Turn --cookies auto into bpf or sysctl for this kernel and namespace (s->o.cookies),
 * log the choice in one line; an explicit choice the kernel cannot do is an error. */
int loader_cookie_resolve(struct siosteer *s);
/* Load the tc program, pin it and its maps, make a secret unless one is pinned. */
int loader_cookie_open(struct siosteer *s);
/* Attach it at tc ingress (before the TIME_WAIT program). */
int loader_cookie_attach(struct siosteer *s);
void loader_cookie_close(struct siosteer *s);

#endif
