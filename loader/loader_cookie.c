// SPDX-License-Identifier: MIT
/*
 * --cookies: which route answers the steered port's SYNs in sid mode, and the bpf one's
 * program, secret and attachment (bpf/cookie.bpf.c, bpf/cookie.h).
 *
 * The bpf route leaves tcp_syncookies as it is (it only needs it non-zero: the kernel's
 * cookie code path takes the request socket the program hands it), so a crashed agent
 * leaves nothing to restore. The program's parameters are read from the namespace's
 * sysctls and the interface at load, so the SYN-ACK offers what the kernel's own would.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "internal.h"
#include "loader_cookie.h"
#include "pinned.h"
#include "syncookies.h"
#include "tc.h"
#include "cookie.h"
#include "cookie.skel.h"
#include "log.h"
#include "clock.h"

bool siosteer_cookie_kfunc_available(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	bool found;

	if (!btf)
		return false;
	found = btf__find_by_name_kind(btf, SIOSTEER_COOKIE_KFUNC, BTF_KIND_FUNC) > 0;
	btf__free(btf);
	return found;
}

int loader_cookie_resolve(struct siosteer *s)
{
	bool kfunc = siosteer_cookie_kfunc_available();
	int sc = syncookies_get();

	if (s->o.cookies == SIOSTEER_COOKIES_SYSCTL) {
		log_info("cookies: sysctl (--cookies sysctl): the kernel answers SYNs, with "
			 "tcp_syncookies=2 for this network namespace while siosteer runs");
		return 0;
	}
	if (s->o.cookies == SIOSTEER_COOKIES_BPF) {
		if (!kfunc) {
			log_error("--cookies bpf: this kernel has no %s (Linux >= 6.9 with "
				  "CONFIG_SYN_COOKIES); use --cookies sysctl or auto",
				  SIOSTEER_COOKIE_KFUNC);
			return -EOPNOTSUPP;
		}
		if (sc == 0) {
			log_error("--cookies bpf needs net.ipv4.tcp_syncookies != 0 (it is 0 in "
				  "this network namespace): the kernel takes BPF-made request "
				  "sockets only on its cookie path. Set it to 1 (the default), or "
				  "use --cookies sysctl");
			return -EINVAL;
		}
		log_info("cookies: bpf (--cookies bpf): siosteer answers SYNs to port %u itself; "
			 "tcp_syncookies stays %d",
			 s->o.port, sc);
		return 0;
	}
	if (kfunc && sc > 0) {
		s->o.cookies = SIOSTEER_COOKIES_BPF;
		log_info("cookies: bpf (auto: the kernel has %s): siosteer answers SYNs to port "
			 "%u itself; tcp_syncookies stays %d",
			 SIOSTEER_COOKIE_KFUNC, s->o.port, sc);
	} else {
		s->o.cookies = SIOSTEER_COOKIES_SYSCTL;
		log_info("cookies: sysctl (auto: %s): tcp_syncookies=2 for this network "
			 "namespace while siosteer runs",
			 kfunc ? "net.ipv4.tcp_syncookies is 0" :
				 "the kernel has no " SIOSTEER_COOKIE_KFUNC ", Linux < 6.9");
	}
	return 0;
}

static bool sysctl_on(const char *name, bool dflt)
{
	char path[128];
	int v;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s", name);
	return sysctl_read_ints(path, &v, 1) ? dflt : v != 0;
}

/* The shift the kernel would advertise: log2 of the largest receive buffer, less 15. */
static __u8 kernel_rcv_wscale(void)
{
	int rmem[3] = { 0, 0, 6291456 }, rmem_max = 212992, ws = 0;
	unsigned long space;

	sysctl_read_ints("/proc/sys/net/ipv4/tcp_rmem", rmem, 3);
	sysctl_read_ints("/proc/sys/net/core/rmem_max", &rmem_max, 1);
	space = (unsigned long)(rmem[2] > rmem_max ? rmem[2] : rmem_max);
	while (space >> (ws + 16))
		ws++;
	return ws > 14 ? 14 : (__u8)ws;
}

static int iface_mtu(const char *ifname)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), mtu = -1;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (!ioctl(fd, SIOCGIFMTU, &ifr))
		mtu = ifr.ifr_mtu;
	close(fd);
	return mtu;
}

static int fill_key(__u64 key[2])
{
	if (getrandom(key, 2 * sizeof(__u64), 0) != 2 * sizeof(__u64))
		return -errno ? -errno : -EIO;
	return 0;
}

/* A fresh secret unless an earlier agent's is pinned (adoption keeps cookies valid). */
static int init_keys(struct siosteer *s, int fd)
{
	struct siosteer_cookie_keys k = { 0 };
	__u32 zero = 0;
	int err;

	if (bpf_map_lookup_elem(fd, &zero, &k))
		return -errno;
	if (k.generation)
		return 0;
	err = fill_key(k.key[0]);
	if (!err)
		err = fill_key(k.key[1]);
	if (err) {
		log_error("cookie secret: getrandom: %s", strerror(-err));
		return err;
	}
	k.current = 0;
	k.generation = 1;
	k.rotated_ns = clock_ns(CLOCK_MONOTONIC);
	return bpf_map_update_elem(fd, &zero, &k, BPF_ANY) ? -errno : 0;
}

/* How often the key turns; SIOSTEER_COOKIE_ROTATE_S in the environment overrides (tests).
 * Read once, at open. */
static __u64 rotate_every_ns(void)
{
	const char *e = getenv("SIOSTEER_COOKIE_ROTATE_S");
	double v = e ? atof(e) : 0;

	return (__u64)((v > 0 ? v : SIOSTEER_COOKIE_ROTATE_S) * 1e9);
}

int loader_cookie_open(struct siosteer *s)
{
	static const char *const maps[] = { SIOSTEER_MAP_COOKIE_KEYS,
					    SIOSTEER_MAP_COOKIE_COUNTERS };
	char path[PATH_MAX];
	int err, mtu;

	s->cookie = cookie_bpf__open();
	if (!s->cookie) {
		log_error("open BPF cookie program: %s", strerror(errno));
		return -errno;
	}
	mtu = iface_mtu(s->o.ifname);
	if (mtu < 1280)
		mtu = 1500;
	s->cookie->rodata->port = s->o.port;
	s->cookie->rodata->adv_mss4 = (__u16)(mtu - 40);
	s->cookie->rodata->adv_mss6 = (__u16)(mtu - 60);
	s->cookie->rodata->rcv_wscale = kernel_rcv_wscale();
	s->cookie->rodata->allow_ws = sysctl_on("tcp_window_scaling", true);
	s->cookie->rodata->allow_sack = sysctl_on("tcp_sack", true);
	s->cookie->rodata->allow_ts = sysctl_on("tcp_timestamps", true);
	s->cookie->rodata->allow_ecn = sysctl_on("tcp_ecn", true);
	err = loader_pin_maps(s, s->cookie->obj, maps, 2);
	if (!err)
		err = cookie_bpf__load(s->cookie);
	if (err) {
		log_error("load BPF cookie program: %s", strerror(-err));
		return err;
	}
	/* The secret's pin: root only, whatever the umask was. */
	siosteer_pin_path(path, sizeof(path), s->root, s->o.port, SIOSTEER_MAP_COOKIE_KEYS);
	if (chmod(path, 0600))
		log_warn("chmod 0600 %s: %s", path, strerror(errno));
	err = init_keys(s, bpf_map__fd(s->cookie->maps.cookie_keys));
	if (err)
		return err;
	s->cookie_rotate_ns = rotate_every_ns();
	return loader_pin_prog(s, s->cookie->progs.siosteer_cookie, SIOSTEER_PIN_PROG_COOKIE);
}

int loader_cookie_attach(struct siosteer *s)
{
	struct siosteer_meta m;
	__u32 zero = 0;
	int err;

	/* An earlier agent on the sysctl route died: put its value back, nothing to keep. */
	if (!bpf_map_lookup_elem(s->meta_fd, &zero, &m) && m.saved_syncookies >= 0) {
		err = syncookies_set(m.saved_syncookies);
		if (!err)
			log_info("net.ipv4.tcp_syncookies restored to %d (an earlier agent on the "
				 "sysctl route had changed it)",
				 m.saved_syncookies);
		m.saved_syncookies = -1;
		bpf_map_update_elem(s->meta_fd, &zero, &m, BPF_ANY);
	}
	err = tc_attach(s->ifindex, TC_COOKIE, bpf_program__fd(s->cookie->progs.siosteer_cookie));
	if (err)
		log_error("attach tc ingress cookie program to %s: %s", s->o.ifname,
			  strerror(-err));
	return err;
}

void loader_cookie_close(struct siosteer *s)
{
	cookie_bpf__destroy(s->cookie);
	s->cookie = NULL;
}

int siosteer_cookie_tick(struct siosteer *s)
{
	struct siosteer_cookie_keys k;
	__u32 zero = 0, next;
	__u64 now = clock_ns(CLOCK_MONOTONIC);
	int fd, err;

	/* Called every few hundred ms: the map is read only when a rotation may be due
	 * (the pinned rotated_ns, so an adopted secret keeps its schedule). */
	if (!s->cookie || now < s->cookie_due_ns)
		return 0;
	fd = bpf_map__fd(s->cookie->maps.cookie_keys);
	if (bpf_map_lookup_elem(fd, &zero, &k))
		return -errno;
	if (now - k.rotated_ns < s->cookie_rotate_ns) {
		s->cookie_due_ns = k.rotated_ns + s->cookie_rotate_ns;
		return 0;
	}
	/* The new key goes into the entry not in use, then becomes current: the one it
	 * replaces as "previous" is two rotations old, older than any live cookie. */
	next = (k.current & 1) ^ 1;
	err = fill_key(k.key[next]);
	if (err)
		return err;
	k.current = next;
	k.generation++;
	k.rotated_ns = now;
	if (bpf_map_update_elem(fd, &zero, &k, BPF_ANY))
		return -errno;
	s->cookie_due_ns = now + s->cookie_rotate_ns;
	log_debug("cookie secret rotated (generation %u)", k.generation);
	return 1;
}
