// SPDX-License-Identifier: MIT
/* Pin paths of a port's maps and programs, shared by the selector and the sid objects. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "internal.h"
#include "pinned.h"
#include "log.h"

const char *const loader_shared_maps[] = {
	SIOSTEER_MAP_SLOTS,  SIOSTEER_MAP_TABLES,    SIOSTEER_MAP_STATE, SIOSTEER_MAP_COUNTERS,
	SIOSTEER_MAP_OWNERS, SIOSTEER_MAP_META,      SIOSTEER_MAP_SIDS,  SIOSTEER_MAP_CONNS,
	SIOSTEER_MAP_LOAD,   SIOSTEER_MAP_CONN_SLOT,
};
const int loader_n_shared_maps = (int)(sizeof(loader_shared_maps) / sizeof(loader_shared_maps[0]));

int loader_pin_maps(struct siosteer *s, struct bpf_object *obj, const char *const *names, int n)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	int i;

	for (i = 0; i < n; i++) {
		map = bpf_object__find_map_by_name(obj, names[i]);
		if (!map)
			continue;
		siosteer_pin_path(path, sizeof(path), s->root, s->o.port, names[i]);
		if (bpf_map__set_pin_path(map, path)) {
			log_error("set pin path %s", path);
			return -EINVAL;
		}
	}
	return 0;
}

int loader_pin_prog(struct siosteer *s, struct bpf_program *prog, const char *name)
{
	char path[PATH_MAX];
	int err;

	siosteer_pin_path(path, sizeof(path), s->root, s->o.port, name);
	unlink(path); /* replace the previous agent's pin with ours */
	err = bpf_program__pin(prog, path);
	if (err)
		log_error("pin %s: %s", path, strerror(-err));
	return err;
}
