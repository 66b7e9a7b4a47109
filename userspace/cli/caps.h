/* SPDX-License-Identifier: MIT */
#ifndef SIOSTEER_CAPS_H
#define SIOSTEER_CAPS_H

/* Capability sets each command needs; checked up front so errors name the capability. */
enum caps_need {
	CAPS_READ, /* status: open pinned maps */
	CAPS_RUN, /* run: load programs, pin, mount bpffs */
	CAPS_ATTACH, /* attach/detach: also take other processes' sockets */
};

/* 0 if the effective set has what `need` requires; otherwise one line naming the first
 * missing capability is printed and -EPERM returned. */
int caps_require(enum caps_need need);

/* Kernel prerequisites: BTF. One clear line and -ENOTSUP when missing. */
int preflight_kernel(void);

#endif
