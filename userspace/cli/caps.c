// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/capability.h>

#include "caps.h"
#include "log.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

struct need {
	cap_value_t cap;
	const char *name, *why;
};

static const struct need read_caps[] = {
	{ CAP_BPF, "CAP_BPF", "read pinned BPF maps" },
};
static const struct need run_caps[] = {
	{ CAP_BPF, "CAP_BPF", "load BPF programs and maps" },
	{ CAP_NET_ADMIN, "CAP_NET_ADMIN", "attach sk_reuseport programs and set TCP sysctls" },
	{ CAP_SYS_ADMIN, "CAP_SYS_ADMIN", "mount bpffs and pin objects" },
};
static const struct need attach_caps[] = {
	{ CAP_BPF, "CAP_BPF", "load BPF programs and maps" },
	{ CAP_NET_ADMIN, "CAP_NET_ADMIN", "attach sk_reuseport programs and set TCP sysctls" },
	{ CAP_SYS_ADMIN, "CAP_SYS_ADMIN", "mount bpffs and pin objects" },
	{ CAP_SYS_PTRACE, "CAP_SYS_PTRACE", "take workers' listening sockets with pidfd_getfd" },
};

int caps_require(enum caps_need need)
{
	const struct need *list = need == CAPS_READ ? read_caps :
				  need == CAPS_RUN  ? run_caps :
						      attach_caps;
	size_t i, n = need == CAPS_READ ? sizeof(read_caps) / sizeof(read_caps[0]) :
		      need == CAPS_RUN  ? sizeof(run_caps) / sizeof(run_caps[0]) :
					  sizeof(attach_caps) / sizeof(attach_caps[0]);
	cap_t caps = cap_get_proc();
	int err = 0;

	if (!caps) {
		log_error("read process capabilities: %m");
		return -errno;
	}
	for (i = 0; i < n && !err; i++) {
		cap_flag_value_t v = CAP_CLEAR;

		if (cap_get_flag(caps, list[i].cap, CAP_EFFECTIVE, &v) || v != CAP_SET) {
			log_error("missing capability %s (needed to %s); run as root or grant it",
				  list[i].name, list[i].why);
			err = -EPERM;
		}
	}
	cap_free(caps);
	return err;
}

int preflight_kernel(void)
{
	/* SIOSTEER_SYSFS_BTF exists so tests can show the message on a kernel that has BTF. */
	const char *btf = getenv("SIOSTEER_SYSFS_BTF");

	if (!btf || !*btf)
		btf = "/sys/kernel/btf/vmlinux";
	if (access(btf, R_OK)) {
		log_error("kernel has no BTF (%s missing): siosteer needs a kernel built with "
			  "CONFIG_DEBUG_INFO_BTF=y",
			  btf);
		return -ENOTSUP;
	}
	return 0;
}
