// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "bpffs.h"
#include "log.h"
#include "siosteer.h"

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
		log_error("pin directory %s is not on a bpf filesystem (mount -t bpf bpf DIR)",
			  dir);
		return -EINVAL;
	}
	return 0;
}

static bool dir_is_empty(int dir_fd)
{
	int fd = dup(dir_fd);
	struct dirent *e;
	bool empty = true;
	DIR *d;

	if (fd < 0)
		return false;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

void siosteer_bpffs_remove_libxdp_dir(const char *root)
{
	const char *env = getenv("LIBXDP_BPFFS");
	char dir[PATH_MAX];
	int fd;

	/* The default root's libxdp directory is not in it (nor ours); a LIBXDP_BPFFS of the
	 * user's elsewhere means libxdp never wrote into our root. */
	if (!strcmp(root, SIOSTEER_PIN_ROOT_DEFAULT) || (env && *env && strcmp(env, root)))
		return;
	if (snprintf(dir, sizeof(dir), "%s/xdp", root) >= (int)sizeof(dir))
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* libxdp's lock is a flock on this directory: whoever holds it is using it. */
	if (!flock(fd, LOCK_EX | LOCK_NB)) {
		if (dir_is_empty(fd) && !rmdir(dir))
			log_debug("removed libxdp's empty directory %s", dir);
		flock(fd, LOCK_UN);
	}
	close(fd);
}
