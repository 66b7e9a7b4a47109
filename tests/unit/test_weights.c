// SPDX-License-Identifier: MIT
/*
 * Drain and weights, end to end through the real functions: control map entries
 * (loader/control.c) -> the weights the agent's applier gives the Maglev build
 * (userspace/agent/control_apply.c, siosteer_control_weights) -> the table the selector
 * reads (siosteer_table_sync) -> each slot's share of the table's buckets.
 *
 *  - siosteer_control_weights alone: default 1, weight 0 means 1, above
 *    SIOSTEER_WEIGHT_MAX clamped, drained or dead slot 0, every live slot drained (or the
 *    port drained) -> the documented fallback (live slots keep their weights, false);
 *  - with real maps: the loader (siosteer_open) on a private bpffs, four SO_REUSEPORT
 *    listeners in slots 0..3, the applier's pinned control map; changes written the way
 *    the CLI writes them (ctl_apply_change). Shares: equal by default, weight 4 vs 1 ->
 *    80/20, a drained slot 0 buckets, weight 100 (max) vs 1, a closed listener 0; the
 *    same weights give the same table again; no change -> no rebuild; bounds (-ERANGE),
 *    catch-up (only_if_newer); the no-agent path (ctl_apply_without_agent,
 *    ctl_wait_applied).
 *
 * Needs root (a mount and a network namespace of its own: nothing outside is touched).
 * Ends with "weights: N passed, N failed"; exit 1 if any failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "unit_check.h"
#include "control.h"
#include "control_apply.h"
#include "loader.h"
#include "pinned.h"
#include "siosteer.h"

#define M     SIOSTEER_MAGLEV_SIZE
#define NLIVE 4
#define PORT  7461

/* ---- siosteer_control_weights alone --------------------------------------------------- */

static void pure_weights(void)
{
	struct siosteer_slot_ctl ctl[SIOSTEER_CONTROL_ENTRIES];
	bool live[SIOSTEER_MAX_SLOTS] = { 0 };
	__u32 w[SIOSTEER_MAX_SLOTS];
	bool ok;
	int i;

	memset(ctl, 0, sizeof(ctl));
	for (i = 0; i < 4; i++)
		live[i] = true;
	ok = siosteer_control_weights(ctl, live, w);
	check(ok && w[0] == 1 && w[1] == 1 && w[2] == 1 && w[3] == 1 && w[4] == 0,
	      "default weights", "ok %d w %u %u %u %u %u", ok, w[0], w[1], w[2], w[3], w[4]);

	ctl[0].weight = 4;
	ctl[1].weight = 0; /* 0 means 1 */
	ctl[2].weight = SIOSTEER_WEIGHT_MAX + 1; /* clamped */
	ctl[3].weight = 7;
	ctl[3].drained = 1;
	ctl[5].weight = 9; /* not live */
	ok = siosteer_control_weights(ctl, live, w);
	check(ok && w[0] == 4 && w[1] == 1 && w[2] == SIOSTEER_WEIGHT_MAX && w[3] == 0 && w[5] == 0,
	      "weight, 0 means 1, clamp, drained, dead", "ok %d w %u %u %u %u w5 %u", ok, w[0],
	      w[1], w[2], w[3], w[5]);

	/* Every live slot drained: the live slots keep their weights, false. */
	for (i = 0; i < 4; i++)
		ctl[i].drained = 1;
	ok = siosteer_control_weights(ctl, live, w);
	check(!ok && w[0] == 4 && w[1] == 1 && w[2] == SIOSTEER_WEIGHT_MAX && w[3] == 7 &&
		      w[5] == 0,
	      "all drained -> fallback", "ok %d w %u %u %u %u w5 %u", ok, w[0], w[1], w[2], w[3],
	      w[5]);

	/* The port drained: the same fallback. */
	memset(ctl, 0, sizeof(ctl));
	ctl[SIOSTEER_CONTROL_PORT].drained = 1;
	ctl[1].weight = 3;
	ok = siosteer_control_weights(ctl, live, w);
	check(!ok && w[0] == 1 && w[1] == 3 && w[2] == 1 && w[3] == 1 && w[4] == 0,
	      "port drained -> fallback", "ok %d w %u %u %u %u %u", ok, w[0], w[1], w[2], w[3],
	      w[4]);

	/* No live slot: nothing to keep. */
	memset(live, 0, sizeof(live));
	memset(ctl, 0, sizeof(ctl));
	ok = siosteer_control_weights(ctl, live, w);
	for (i = 0; i < SIOSTEER_MAX_SLOTS && !w[i]; i++)
		;
	check(!ok && i == SIOSTEER_MAX_SLOTS, "no live slot", "ok %d, slot %d has weight", ok, i);

	/* Every slot live at the maximum weight (the top of the range). */
	for (i = 0; i < SIOSTEER_MAX_SLOTS; i++) {
		live[i] = true;
		ctl[i].weight = SIOSTEER_WEIGHT_MAX;
	}
	ok = siosteer_control_weights(ctl, live, w);
	for (i = 0; i < SIOSTEER_MAX_SLOTS && w[i] == SIOSTEER_WEIGHT_MAX; i++)
		;
	check(ok && i == SIOSTEER_MAX_SLOTS, "all slots at max weight", "ok %d, slot %d", ok, i);
}

/* ---- real maps -------------------------------------------------------------------------- */

static char root[64];
static struct siosteer *s;
static struct ctl_applier app;
static int cli_fd = -1; /* the control map as the CLI opens it */
static int lfd[NLIVE];

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* A change as `siosteer drain|undrain|weight` writes it. */
static int change(enum ctl_op op, int slot, unsigned weight)
{
	struct ctl_change c = { .op = op,
				.slot = slot,
				.weight = weight,
				.ts_ns = now_ns(),
				.source = SIOSTEER_CTL_LOCAL };

	return ctl_apply_change(cli_fd, &c);
}

/* The applier's sync, then the active table's buckets per slot and weights. */
static int sync_shares(__u32 *buckets, __u32 *weights, __u32 *moved)
{
	struct siosteer_pinned p;
	__u32 gen2 = 0;
	int gen = ctl_applier_sync(&app, s, false, moved), err;

	if (gen < 0)
		return gen;
	err = siosteer_pinned_open(root, PORT, &p);
	if (err)
		return err;
	err = siosteer_pinned_table_shares(&p, buckets);
	if (!err)
		err = siosteer_pinned_table_weights(&p, weights, &gen2);
	siosteer_pinned_close(&p);
	if (!err && gen2 != (__u32)gen)
		err = -ESTALE;
	return err ? err : gen;
}

static double frac(__u32 b)
{
	return (double)b / M;
}

static void real_maps(void)
{
	struct siosteer_opts o = { .pin_root = root,
				   .port = PORT,
				   .key = SIOSTEER_KEY_ADDR,
				   .prefix4 = 32,
				   .prefix6 = 128,
				   .mode = SIOSTEER_MODE_RUN };
	__u32 b[SIOSTEER_MAX_SLOTS], b0[SIOSTEER_MAX_SLOTS], w[SIOSTEER_MAX_SLOTS], moved, sum;
	struct siosteer_slot_ctl e = { 0 };
	struct ctl_change cc = { 0 };
	bool all_drained;
	int i, err, gen, gen0;
	char buf[64];

	err = siosteer_open(&o, &s);
	if (err) {
		check(false, "siosteer_open", "%s", strerror(-err));
		return;
	}
	for (i = 0; i < NLIVE; i++) {
		lfd[i] = reuseport_listener(PORT, 16);
		err = lfd[i] < 0 ? -errno : siosteer_slot_set(s, (__u32)i, lfd[i], getpid());
		if (err) {
			check(false, "listener", "slot %d: %s", i, strerror(-err));
			return;
		}
	}
	ctl_applier_open(&app, root, PORT);
	cli_fd = siosteer_control_open(root, PORT, false);
	if (app.fd < 0 || cli_fd < 0) {
		check(false, "control map", "applier fd %d, cli fd %d", app.fd, cli_fd);
		return;
	}

	/* Defaults: four equal shares. */
	gen0 = sync_shares(b0, w, &moved);
	sum = 0;
	for (i = 0; i < SIOSTEER_MAX_SLOTS; i++)
		sum += b0[i];
	check(gen0 == 1 && sum == M && w[0] == 1 && w[3] == 1 && w[4] == 0 &&
		      app.state == CTL_WEIGHTS_OK,
	      "default table", "gen %d sum %u w %u %u %u", gen0, sum, w[0], w[3], w[4]);
	for (i = 0; i < NLIVE; i++)
		check(frac(b0[i]) > 0.245 && frac(b0[i]) < 0.255, "default share", "slot %d %.4f",
		      i, frac(b0[i]));

	/* Weight 4 vs 1 (slots 2 and 3 drained): 80/20, drained 0. */
	check(change(CTL_WEIGHT, 0, 4) == 1, "weight slot 0 = 4", "not written");
	check(change(CTL_WEIGHT, 0, 4) == 0, "weight again", "rewritten");
	check(change(CTL_DRAIN, 2, 0) == 1 && change(CTL_DRAIN, 3, 0) == 1, "drain 2, 3",
	      "not written");
	check(change(CTL_DRAIN, 3, 0) == 0, "drain again", "rewritten");
	gen = sync_shares(b, w, &moved);
	check(gen == 2 && w[0] == 4 && w[1] == 1 && w[2] == 0 && w[3] == 0, "4:1 weights",
	      "gen %d w %u %u %u %u", gen, w[0], w[1], w[2], w[3]);
	check(frac(b[0]) > 0.795 && frac(b[0]) < 0.805 && frac(b[1]) > 0.195 && frac(b[1]) < 0.205,
	      "4:1 shares ~80/20", "%.4f / %.4f", frac(b[0]), frac(b[1]));
	check(b[2] == 0 && b[3] == 0, "drained slots get 0 buckets", "%u %u", b[2], b[3]);
	check(b[0] + b[1] == M && moved > 0, "4:1 table whole", "%u + %u, moved %u", b[0], b[1],
	      moved);

	/* Nothing changed: no rebuild. */
	gen = sync_shares(b, w, &moved);
	check(gen == 2 && moved == 0, "no change, no rebuild", "gen %d moved %u", gen, moved);

	/* Back to the defaults: the very first table again (same weights, same table). */
	change(CTL_WEIGHT, 0, 1);
	change(CTL_UNDRAIN, 2, 0);
	change(CTL_UNDRAIN, 3, 0);
	check(change(CTL_UNDRAIN, 3, 0) == 0, "undrain again", "rewritten");
	gen = sync_shares(b, w, &moved);
	check(gen == 3 && !memcmp(b, b0, sizeof(b)), "same weights, same shares",
	      "gen %d; shares %u %u %u %u vs %u %u %u %u", gen, b[0], b[1], b[2], b[3], b0[0],
	      b0[1], b0[2], b0[3]);

	/* The port drained: the fallback keeps every live slot's weight. */
	change(CTL_WEIGHT, 1, 3);
	check(change(CTL_DRAIN, -1, 0) == 1, "drain the port", "not written");
	gen = sync_shares(b, w, &moved);
	check((app.state == CTL_ALL_DRAINED) && w[0] == 1 && w[1] == 3 && w[2] == 1 && w[3] == 1,
	      "port drained -> fallback weights", "fallback %d w %u %u %u %u",
	      (app.state == CTL_ALL_DRAINED), w[0], w[1], w[2], w[3]);
	check(frac(b[1]) > 0.495 && frac(b[1]) < 0.505 && b[0] && b[2] && b[3],
	      "port drained -> shares 1:3:1:1", "slot 1 %.4f, others %u %u %u", frac(b[1]), b[0],
	      b[2], b[3]);
	change(CTL_UNDRAIN, -1, 0);
	/* Every slot drained one by one: the same fallback. */
	for (i = 0; i < NLIVE; i++)
		change(CTL_DRAIN, i, 0);
	gen = sync_shares(b, w, &moved);
	check((app.state == CTL_ALL_DRAINED) && w[0] == 1 && w[1] == 3 && w[2] == 1 && w[3] == 1 &&
		      b[0] && b[3],
	      "all slots drained -> fallback", "fallback %d w %u %u %u %u",
	      (app.state == CTL_ALL_DRAINED), w[0], w[1], w[2], w[3]);
	change(CTL_UNDRAIN, 0, 0);
	gen = sync_shares(b, w, &moved);
	check(app.state == CTL_WEIGHTS_OK && w[0] == 1 && w[1] == 0 && b[0] == M,
	      "one undrained slot", "fallback %d w %u %u, slot 0 has %u",
	      (app.state == CTL_ALL_DRAINED), w[0], w[1], b[0]);

	/* The maximum weight against 1; above the maximum is clamped. */
	change(CTL_UNDRAIN, 1, 0);
	change(CTL_WEIGHT, 0, SIOSTEER_WEIGHT_MAX);
	change(CTL_WEIGHT, 1, 1);
	gen = sync_shares(b, w, &moved);
	check(w[0] == SIOSTEER_WEIGHT_MAX && w[1] == 1 && frac(b[0]) > 100.0 / 101 - 0.002 &&
		      frac(b[0]) < 100.0 / 101 + 0.002,
	      "weight max vs 1", "w %u %u share %.4f", w[0], w[1], frac(b[0]));
	e.weight = 1000;
	check(siosteer_control_write(cli_fd, 0, &e) == 0, "write weight 1000", "failed");
	gen = sync_shares(b, w, &moved);
	check(w[0] == SIOSTEER_WEIGHT_MAX && moved == 0, "weight 1000 clamped to max",
	      "w %u moved %u", w[0], moved);
	e.weight = 0;
	siosteer_control_write(cli_fd, 0, &e);
	gen = sync_shares(b, w, &moved);
	check(w[0] == 1 && w[1] == 1, "weight 0 means 1", "w %u %u", w[0], w[1]);

	/* A closed listener: out of the table whatever its weight. */
	change(CTL_WEIGHT, 3, 5);
	close(lfd[3]);
	lfd[3] = -1;
	gen = sync_shares(b, w, &moved);
	check(w[3] == 0 && b[3] == 0 && b[0] + b[1] + b[2] == M, "closed listener",
	      "w %u buckets %u", w[3], b[3]);

	/* Bounds and catch-up. */
	check(change(CTL_WEIGHT, -1, 2) == -ERANGE, "weight of the port", "not -ERANGE");
	check(change(CTL_DRAIN, SIOSTEER_CONTROL_ENTRIES, 0) == -ERANGE, "slot out of range",
	      "not -ERANGE");
	check(siosteer_control_write(cli_fd, SIOSTEER_CONTROL_ENTRIES, &e) == -ERANGE,
	      "write out of range", "not -ERANGE");
	cc = (struct ctl_change){ .op = CTL_DRAIN,
				  .slot = 1,
				  .ts_ns = 1,
				  .source = SIOSTEER_CTL_CLUSTER,
				  .only_if_newer = true };
	check(ctl_apply_change(cli_fd, &cc) == 0, "older command skipped", "applied");
	cc.ts_ns = now_ns() + 1000000000ull;
	check(ctl_apply_change(cli_fd, &cc) == 1, "newer command applied", "skipped");

	/* No agent: rebuild from the pins, then wait for it. */
	all_drained = true;
	gen0 = sync_shares(b, w, &moved); /* the applier's view, for the generation */
	change(CTL_UNDRAIN, 1, 0);
	change(CTL_UNDRAIN, 2, 0); /* drained since "all slots drained" */
	change(CTL_WEIGHT, 2, 4);
	gen = ctl_apply_without_agent(root, PORT, &all_drained, &moved);
	{
		struct siosteer_pinned p;
		__u32 g = 0;

		memset(w, 0, sizeof(w));
		if (!siosteer_pinned_open(root, PORT, &p)) {
			siosteer_pinned_table_weights(&p, w, &g);
			siosteer_pinned_close(&p);
		}
	}
	check(gen == gen0 + 1 && !all_drained && moved > 0 && w[0] == 1 && w[1] == 1 && w[2] == 4 &&
		      w[3] == 0,
	      "ctl_apply_without_agent", "gen %d (was %d) all_drained %d moved %u w %u %u %u %u",
	      gen, gen0, all_drained, moved, w[0], w[1], w[2], w[3]);
	gen = ctl_wait_applied(root, PORT, 1.0, &all_drained);
	check(gen == gen0 + 1, "ctl_wait_applied", "gen %d", gen);
	err = change(CTL_WEIGHT, 2, 5);
	gen = ctl_wait_applied(root, PORT, 0.1, &all_drained);
	check(err == 1 && gen == -ETIMEDOUT, "ctl_wait_applied, not applied", "change %d, %d", err,
	      gen);

	/* Names. */
	cc = (struct ctl_change){ .op = CTL_WEIGHT, .slot = 1, .weight = 3 };
	check(!strcmp(ctl_describe(&cc, buf, sizeof(buf)), "slot 1 weight 3"), "describe", "'%s'",
	      buf);
	cc = (struct ctl_change){ .op = CTL_DRAIN, .slot = -1 };
	check(!strcmp(ctl_describe(&cc, buf, sizeof(buf)), "port drained"), "describe port", "'%s'",
	      buf);
	check(ctl_op_parse("undrain") == CTL_UNDRAIN && ctl_op_parse("x") == -1 &&
		      !strcmp(ctl_op_name(CTL_WEIGHT), "weight") && !strcmp(ctl_op_name(9), "?"),
	      "op names", "wrong");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	pure_weights();
	if (unshare(CLONE_NEWNS | CLONE_NEWNET) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) || lo_up()) {
		check(false, "namespaces", "%s (needs root)", strerror(errno));
	} else {
		strcpy(root, "/tmp/siosteer-weights-XXXXXX");
		if (!mkdtemp(root) || mount("bpf", root, "bpf", 0, "mode=0700")) {
			check(false, "bpffs", "%s: %s", root, strerror(errno));
		} else {
			real_maps();
			ctl_applier_close(&app);
			if (cli_fd >= 0)
				close(cli_fd);
			siosteer_close(s, false);
			umount(root);
		}
		rmdir(root);
	}
	printf("weights: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
