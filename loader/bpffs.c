// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "bpffs.h"
#include "log.h"

#define SYS_BPFFS "/sys/fs/bpf"

static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX];
	size_t i, n = strlen(dir);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		buf[i] = dir[i];
	}
	return 0;
}

static int is_bpffs(const char *path)
{
	struct statfs st;

	if (statfs(path, &st))
		return -errno;
	return st.f_type == BPF_FS_MAGIC;
}

int siosteer_bpffs_prepare(const char *dir)
{
	int err;

	if (!strncmp(dir, SYS_BPFFS "/", strlen(SYS_BPFFS) + 1) && is_bpffs(SYS_BPFFS) == 0) {
		if (mount("bpf", SYS_BPFFS, "bpf", 0, "mode=0700")) {
			err = -errno;
			log_error("mount bpffs on %s: %s", SYS_BPFFS, strerror(-err));
			return err;
		}
		log_info("mounted bpffs on %s", SYS_BPFFS);
	}
	err = mkdir_p(dir);
	if (err) {
		log_error("create pin directory %s: %s", dir, strerror(-err));
		return err;
	}
	err = is_bpffs(dir);
	if (err <= 0) {
		log_error("pin directory %s is not on a bpf filesystem (mount -t bpf bpf DIR)", dir);
		return -EINVAL;
	}
	return 0;
}
