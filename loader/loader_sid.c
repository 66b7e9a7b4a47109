// SPDX-License-Identifier: MIT
/*
 * sid steering in the loader: the tc egress learner and the gate share the selector's
 * pinned maps; attaching them to the interface also switches the namespace to
 * tcp_syncookies=2 (recording the old value in the pins, for detach or the next agent).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "internal.h"
#include "pinned.h"
#include "tc.h"
#include "gate.skel.h"
#include "select.skel.h"
#include "learn.skel.h"
#include "tw_reset.skel.h"
#include "repair.skel.h"
#include "gate.h"
#include "tw_reset.h"
#include "repair.h"
#include "sid_parse.h"
#include "liblog.h"
#include "log.h"
#include "verifier.h"
#include "syncookies.h"
#include "loader_cookie.h"

static const char *const learn_maps[] = {
	SIOSTEER_MAP_SIDS,           SIOSTEER_MAP_CONNS,     SIOSTEER_MAP_LOAD,
	SIOSTEER_MAP_LEARN_COUNTERS, SIOSTEER_MAP_CONN_SLOT,
};
static const char *const gate_maps[] = { SIOSTEER_MAP_GATE_COUNTERS };
static const char *const tw_maps[] = { SIOSTEER_MAP_TW_COUNTERS };

/*
 * A SYN that reuses the 4-tuple of a TIME_WAIT socket gets no cookie, so its connection
 * would be placed at SYN time, blind to the sid. The tc program resets such TIME_WAIT
 * sockets just before the SYN arrives. With tcp_rfc1337=1 the stack ignores that RST:
 * the program then only counts, and those connections fall back to the address key.
 */
static int tw_open(struct siosteer *s)
{
	int rfc1337 = tcp_rfc1337_get(), err;

	s->tw = tw_reset_bpf__open();
	if (!s->tw) {
		log_error("open BPF TIME_WAIT program: %s", strerror(errno));
		return -errno;
	}
	s->tw->rodata->port = s->o.port;
	s->tw->rodata->enabled = rfc1337 != 1;
	if (rfc1337 == 1)
		log_warn("net.ipv4.tcp_rfc1337=1: TIME_WAIT sockets ignore RSTs, so a SYN that "
			 "reuses one's 4-tuple gets no cookie and that connection uses the address "
			 "key (counted as tw_collisions/disabled)");
	err = loader_pin_maps(s, s->tw->obj, tw_maps, 1);
	if (!err)
		err = loader_load_skeleton("BPF TIME_WAIT program", s->tw->skeleton);
	if (err)
		return err;
	return loader_pin_prog(s, s->tw->progs.siosteer_tw_reset, SIOSTEER_PIN_PROG_TW);
}

/*
 * The repair program reads the selector's tables and the learned sids and writes the
 * connections' socket storage: it shares every map of the port, plus its counters.
 */
static int repair_open(struct siosteer *s)
{
	static const char *const own[] = { SIOSTEER_MAP_REPAIR_COUNTERS };
	int err;

	s->repair = repair_bpf__open();
	if (!s->repair) {
		log_error("open BPF repair program: %s", strerror(errno));
		return -errno;
	}
	s->repair->rodata->port = s->o.port;
	s->repair->rodata->place = s->o.place;
	bpf_map__set_max_entries(s->repair->maps.sids, bpf_map__max_entries(s->skel->maps.sids));
	err = loader_pin_maps(s, s->repair->obj, loader_shared_maps, loader_n_shared_maps);
	if (!err)
		err = loader_pin_maps(s, s->repair->obj, own, 1);
	if (!err)
		err = loader_load_skeleton("BPF repair program", s->repair->skeleton);
	if (err)
		return err;
	return loader_pin_prog(s, s->repair->progs.siosteer_repair, SIOSTEER_PIN_PROG_REPAIR);
}

int loader_sid_open(struct siosteer *s)
{
	int err;

	s->learn = learn_bpf__open();
	/* The bpf route's program holds bare ACKs back itself: no gate then. */
	s->gate = s->o.cookies == SIOSTEER_COOKIES_BPF ? NULL : gate_bpf__open();
	if (!s->learn || (!s->gate && s->o.cookies != SIOSTEER_COOKIES_BPF)) {
		log_error("open BPF learner/gate: %s", strerror(errno));
		return -errno;
	}
	s->learn->rodata->port = s->o.port;
	bpf_map__set_max_entries(s->learn->maps.sids, bpf_map__max_entries(s->skel->maps.sids));
	err = loader_pin_maps(s, s->learn->obj, learn_maps, 5);
	if (!err && s->gate) {
		s->gate->rodata->port = s->o.port;
		err = loader_pin_maps(s, s->gate->obj, gate_maps, 1);
	}
	if (err)
		return err;
	err = loader_load_skeleton("BPF learner", s->learn->skeleton);
	if (err)
		return err;
	err = loader_pin_prog(s, s->learn->progs.siosteer_learn, SIOSTEER_PIN_PROG_LEARN);
	if (!err)
		err = tw_open(s);
	if (!err)
		err = repair_open(s);
	if (err)
		return err;
	if (s->o.cookies == SIOSTEER_COOKIES_BPF)
		return loader_cookie_open(s);
	/* The gate object holds both variants; load only the one in use. libxdp loads the
	 * XDP one itself, as an extension of its dispatcher. */
	if (s->o.gate == SIOSTEER_GATE_TC) {
		bpf_program__set_autoload(s->gate->progs.siosteer_gate_xdp, false);
		err = loader_load_skeleton("BPF gate", s->gate->skeleton);
		if (err)
			return err;
		err = loader_pin_prog(s, s->gate->progs.siosteer_gate_tc, SIOSTEER_PIN_PROG_GATE);
	} else {
		bpf_program__set_autoload(s->gate->progs.siosteer_gate_tc, false);
	}
	return err;
}

/* Kernel program names are cut to 15 characters. */
static bool is_our_gate(const struct xdp_program *p)
{
	return p && !strncmp(xdp_program__name(p), "siosteer_gate_xdp", 15);
}

/* Remove a gate an earlier agent left on the interface (it died without detaching). */
static void remove_stale_xdp_gate(int ifindex)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	int err = 0;

	liblog_hold();
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(mp) || !mp) {
		liblog_release(false);
		return;
	}
	if (xdp_multiprog__is_legacy(mp)) {
		/* Attached without libxdp's dispatcher (as on kernels where its compatibility
		 * check fails): the program is the interface's only one. */
		if (is_our_gate(xdp_multiprog__main_prog(mp))) {
			err = xdp_multiprog__detach(mp);
			goto out;
		}
	} else {
		for (p = xdp_multiprog__next_prog(NULL, mp); p;
		     p = xdp_multiprog__next_prog(p, mp)) {
			if (is_our_gate(p)) {
				err = xdp_program__detach(p, ifindex, XDP_MODE_UNSPEC, 0);
				goto out;
			}
		}
	}
	xdp_multiprog__close(mp);
	liblog_release(false);
	return;
out:
	liblog_release(err != 0);
	if (err)
		log_warn("remove the gate an earlier agent left on ifindex %d: %s", ifindex,
			 strerror(-err));
	else
		log_info("removed the gate an earlier agent left on ifindex %d", ifindex);
	xdp_multiprog__close(mp);
}

/* Whether the gate went on without libxdp's dispatcher, and why (into why). */
static bool xdp_gate_is_legacy(int ifindex, char *why, size_t len)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	bool legacy = !libxdp_get_error(mp) && mp && xdp_multiprog__is_legacy(mp);

	if (!libxdp_get_error(mp))
		xdp_multiprog__close(mp);
	char reason[96];

	if (liblog_find("Compatibility check for dispatcher program failed: ", reason,
			sizeof(reason))) {
		snprintf(why, len, "its compatibility check failed: %s", reason);
		return true;
	}
	snprintf(why, len, "%s", "-v shows libxdp's reason");
	return legacy;
}

/*
 * libxdp tries its dispatcher first; on kernels where its compatibility check fails it
 * attaches the gate alone, and libbpf and libxdp narrate both at warning level. Their
 * lines are held back (printed with -v, or if the attach fails: they explain it), and
 * one line of ours says what happened.
 */
static int attach_xdp_gate(struct siosteer *s)
{
	int err, native_err;
	char why[128];
	bool legacy;

	remove_stale_xdp_gate(s->ifindex);
	liblog_hold();
	s->xdp = xdp_program__from_bpf_obj(s->gate->obj, "xdp");
	err = (int)libxdp_get_error(s->xdp);
	if (err) {
		liblog_release(true);
		s->xdp = NULL;
		log_error("prepare XDP gate: %s", strerror(-err));
		return err;
	}
	err = native_err = xdp_program__attach(s->xdp, s->ifindex, XDP_MODE_NATIVE, 0);
	if (err)
		err = xdp_program__attach(s->xdp, s->ifindex, XDP_MODE_SKB, 0);
	if (err) {
		liblog_release(true);
		log_error("attach XDP gate to %s: %s (try --gate tc)", s->o.ifname, strerror(-err));
		/* Not attached: nothing for close() to detach (libxdp would say so). */
		xdp_program__close(s->xdp);
		s->xdp = NULL;
		return err;
	}
	legacy = xdp_gate_is_legacy(s->ifindex, why, sizeof(why));
	liblog_release(false);
	if (native_err)
		log_info("native XDP on %s failed (%s); using generic XDP", s->o.ifname,
			 strerror(-native_err));
	if (legacy)
		log_info("XDP gate on %s: libxdp's dispatcher is not usable on this kernel (%s), "
			 "so the gate is the interface's only XDP program (libxdp's legacy mode)",
			 s->o.ifname, why);
	return loader_pin_prog(s, s->gate->progs.siosteer_gate_xdp, SIOSTEER_PIN_PROG_GATE);
}

/* Note in the pins that the clsact qdisc is ours, so whoever detaches removes it. */
static void record_clsact(struct siosteer *s)
{
	struct siosteer_meta m;
	__u32 zero = 0;

	if (!bpf_map_lookup_elem(s->meta_fd, &zero, &m)) {
		m.clsact_ours = 1;
		bpf_map_update_elem(s->meta_fd, &zero, &m, BPF_ANY);
	}
}

static int switch_syncookies(struct siosteer *s)
{
	struct siosteer_meta m;
	__u32 zero = 0;
	int cur = syncookies_get(), err;

	if (cur < 0) {
		log_error("read net.ipv4.tcp_syncookies: %s", strerror(-cur));
		return cur;
	}
	if (bpf_map_lookup_elem(s->meta_fd, &zero, &m))
		return -errno;
	if (m.saved_syncookies < 0) {
		/* Record before changing, so a crash right after still knows the old value. */
		m.saved_syncookies = cur;
		if (bpf_map_update_elem(s->meta_fd, &zero, &m, BPF_ANY))
			return -errno;
	}
	if (cur == 2)
		return 0;
	err = syncookies_set(2);
	if (err) {
		log_error("set net.ipv4.tcp_syncookies=2: %s", strerror(-err));
		return err;
	}
	log_info("net.ipv4.tcp_syncookies %d -> 2 in this network namespace: every listener "
		 "here answers SYNs with cookies until detach restores %d",
		 cur, m.saved_syncookies);
	return 0;
}

int siosteer_attach_iface(struct siosteer *s)
{
	int err;

	if (s->o.key != SIOSTEER_KEY_SID)
		return 0;
	s->ifindex = (int)if_nametoindex(s->o.ifname);
	if (!s->ifindex) {
		log_error("no interface named '%s'", s->o.ifname);
		return -ENODEV;
	}
	/* libxdp keeps its dispatcher pins in a bpffs: use ours when it is not the default. */
	if (strcmp(s->root, SIOSTEER_PIN_ROOT_DEFAULT))
		setenv("LIBXDP_BPFFS", s->root, 0);
	err = s->o.cookies == SIOSTEER_COOKIES_BPF ? 0 : switch_syncookies(s);
	if (err)
		return err;
	s->iface_attached = true;
	err = tc_hook_ensure(s->ifindex);
	if (err < 0) {
		log_error("create clsact qdisc on %s: %s", s->o.ifname, strerror(-err));
		return err;
	}
	if (err == 1)
		record_clsact(s);
	err = tc_attach(s->ifindex, TC_LEARN, bpf_program__fd(s->learn->progs.siosteer_learn));
	if (err) {
		log_error("attach tc egress learner to %s: %s", s->o.ifname, strerror(-err));
		return err;
	}
	err = tc_attach(s->ifindex, TC_REPAIR, bpf_program__fd(s->repair->progs.siosteer_repair));
	if (err) {
		log_error("attach tc ingress repair program to %s: %s", s->o.ifname,
			  strerror(-err));
		return err;
	}
	/* Only where a SYN that reuses a TIME_WAIT 4-tuple gets no cookie (routes.c); the
	 * program is loaded anyway, so its counters are pinned for status. */
	if (s->routes & SIOSTEER_ROUTE_TW) {
		err = tc_attach(s->ifindex, TC_TW, bpf_program__fd(s->tw->progs.siosteer_tw_reset));
		if (err) {
			log_error("attach tc ingress TIME_WAIT program to %s: %s", s->o.ifname,
				  strerror(-err));
			return err;
		}
	}
	if (s->o.cookies == SIOSTEER_COOKIES_BPF)
		return loader_cookie_attach(s);
	if (s->o.gate == SIOSTEER_GATE_TC) {
		err = tc_attach(s->ifindex, TC_GATE,
				bpf_program__fd(s->gate->progs.siosteer_gate_tc));
		if (err)
			log_error("attach tc ingress gate to %s: %s", s->o.ifname, strerror(-err));
		return err;
	}
	return attach_xdp_gate(s);
}

int siosteer_forget_slot_sessions(struct siosteer *s, __u32 slot)
{
	struct siosteer_sid_owner owner;
	struct siosteer_sid key, next;
	void *prev = NULL;
	int n = 0;

	if (s->o.key != SIOSTEER_KEY_SID)
		return 0;
	/* Deleting while iterating restarts the walk at worst; bounded by the map size. */
	while (!bpf_map_get_next_key(s->sids_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(s->sids_fd, &key, &owner) && owner.slot == slot &&
		    !bpf_map_delete_elem(s->sids_fd, &key))
			n++;
	}
	return n;
}

void loader_sid_close(struct siosteer *s, bool keep)
{
	struct siosteer_meta m;
	__u32 zero = 0;
	int err;

	if (!keep && s->iface_attached) {
		tc_detach(s->ifindex, TC_LEARN);
		tc_detach(s->ifindex, TC_REPAIR);
		tc_detach(s->ifindex, TC_TW);
		tc_detach(s->ifindex, TC_COOKIE);
		if (s->o.gate == SIOSTEER_GATE_TC)
			tc_detach(s->ifindex, TC_GATE);
		if (s->xdp)
			xdp_program__detach(s->xdp, s->ifindex, XDP_MODE_UNSPEC, 0);
		if (!bpf_map_lookup_elem(s->meta_fd, &zero, &m) && m.clsact_ours)
			tc_hook_remove(s->ifindex);
		if (!bpf_map_lookup_elem(s->meta_fd, &zero, &m) && m.saved_syncookies >= 0) {
			err = syncookies_set(m.saved_syncookies);
			if (err)
				log_error("restore net.ipv4.tcp_syncookies=%d: %s",
					  m.saved_syncookies, strerror(-err));
			else
				log_info("net.ipv4.tcp_syncookies restored to %d",
					 m.saved_syncookies);
		}
	}
	xdp_program__close(s->xdp);
	s->xdp = NULL;
	learn_bpf__destroy(s->learn);
	gate_bpf__destroy(s->gate);
	tw_reset_bpf__destroy(s->tw);
	repair_bpf__destroy(s->repair);
	loader_cookie_close(s);
	s->repair = NULL;
	s->learn = NULL;
	s->gate = NULL;
	s->tw = NULL;
}

void siosteer_undo_iface(const struct siosteer_meta *m)
{
	int err;

	if (m->key != SIOSTEER_KEY_SID || !m->ifindex)
		return;
	tc_detach((int)m->ifindex, TC_LEARN);
	tc_detach((int)m->ifindex, TC_REPAIR);
	tc_detach((int)m->ifindex, TC_TW);
	tc_detach((int)m->ifindex, TC_COOKIE);
	if (m->gate == SIOSTEER_GATE_TC)
		tc_detach((int)m->ifindex, TC_GATE);
	else
		remove_stale_xdp_gate((int)m->ifindex);
	if (m->clsact_ours)
		tc_hook_remove((int)m->ifindex);
	if (m->saved_syncookies >= 0) {
		err = syncookies_set(m->saved_syncookies);
		if (err)
			log_error("restore net.ipv4.tcp_syncookies=%d: %s", m->saved_syncookies,
				  strerror(-err));
		else
			log_info("net.ipv4.tcp_syncookies restored to %d", m->saved_syncookies);
	}
}
