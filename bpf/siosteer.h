/* SPDX-License-Identifier: MIT */
/*
 * Shapes and constants shared by the BPF programs and user space.
 *
 * Both sides include this file, so map layouts and names agree by construction.
 * Sizes are compile-time constants (BPF maps and the verifier need them); override
 * them with -D on both sides at once (make CFLAGS_EXTRA=-DSIOSTEER_MAX_SLOTS=128).
 */
#ifndef SIOSTEER_H
#define SIOSTEER_H

/* BPF code gets the kernel's types from vmlinux.h; user space from the uapi headers. */
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Worker slots in one reuseport group (one port). */
#ifndef SIOSTEER_MAX_SLOTS
#define SIOSTEER_MAX_SLOTS 64
#endif

/*
 * Maglev lookup-table size: a prime, far above 100 x SIOSTEER_MAX_SLOTS, because a smaller
 * table moves more than 1/N + 1% of addresses when one of 64 slots goes
 * (tests/unit/test_maglev.c; figures in BENCHMARKS.md, 'Maglev table size'). Costs 256 KiB
 * a table.
 */
#ifndef SIOSTEER_MAGLEV_SIZE
#define SIOSTEER_MAGLEV_SIZE 65537
#endif

/* Marks a table entry or live-list entry that names no slot. */
#define SIOSTEER_NO_SLOT 0xffffffffu

/* Pin directory: <root>/<port>/<object>. The root can be changed with --pin-root. */
#define SIOSTEER_PIN_ROOT_DEFAULT "/sys/fs/bpf/siosteer"

/* Names of pinned objects; also the map names in the BPF source. */
#define SIOSTEER_PIN_PROG_SELECT "select"
#define SIOSTEER_MAP_SLOTS       "slots"
#define SIOSTEER_MAP_TABLES      "tables"
#define SIOSTEER_MAP_STATE       "state"
#define SIOSTEER_MAP_COUNTERS    "counters"
#define SIOSTEER_MAP_OWNERS      "owners"
#define SIOSTEER_MAP_META        "meta"

/* sid steering maps (bpf/sid_maps.h). */
#define SIOSTEER_MAP_SIDS           "sids"
#define SIOSTEER_MAP_CONNS          "conns"
#define SIOSTEER_MAP_LOAD           "load"
#define SIOSTEER_MAP_LEARN_COUNTERS "learn_counters"
#define SIOSTEER_PIN_PROG_LEARN     "learn"
/* Socket storage: each listener's slot, inherited by every connection it accepts. */
#define SIOSTEER_MAP_CONN_SLOT "conn_slot"

/* Default capacity of the learned sid -> slot map (--sessions-max). */
#ifndef SIOSTEER_SIDS_DEFAULT
#define SIOSTEER_SIDS_DEFAULT (1u << 20)
#endif
/*
 * The learner accepts an open packet up to this many bytes into what the worker sent on a
 * recorded connection: a polling answer's starts at byte 0, a WebSocket-only session's
 * after the 101 answer (~130-300 bytes). Kept small because initial sequence numbers are
 * not independent: a SYN cookie is a per-4-tuple constant plus the client's ISN, which
 * grows by one every 64 ns, so the next connection on the same 4-tuple starts only
 * elapsed/64ns bytes further on. 2048 tells connections more than ~130 us apart; one
 * closer than that could at worst teach a sid no session has (a sid already known is
 * never moved: BPF_NOEXIST).
 */
#define SIOSTEER_OPEN_SEQ_SPAN 2048

/* Handshake connections placed but not yet answered; only needed until the reply. */
#ifndef SIOSTEER_CONNS_MAX
#define SIOSTEER_CONNS_MAX 131072
#endif

enum siosteer_key {
	SIOSTEER_KEY_ADDR = 0, /* client address masked to a prefix, chosen at SYN */
	SIOSTEER_KEY_SID = 1, /* engine.io sid from the first request, address as fallback */
};

/*
 * One Maglev table and the live slots it was built over. Two of these sit in the
 * "tables" array; the loader fills the inactive one and then flips state.active, so a
 * program run sees either the old table or the new one, never a half-written mix.
 */
struct siosteer_table {
	__u32 generation;
	__u32 nlive;
	__u32 live[SIOSTEER_MAX_SLOTS]; /* fallback candidates, in slot order */
	__u32 weight[SIOSTEER_MAX_SLOTS]; /* the weights the table was built with */
	__u32 entry[SIOSTEER_MAGLEV_SIZE]; /* hash bucket -> slot */
};

struct siosteer_state {
	__u32 active; /* index into "tables" the programs use */
	__u32 generation; /* generation of the active table */
};

/*
 * Per-CPU selector counters; user space sums the CPUs. A miss is always counted.
 */
struct siosteer_counters {
	__u64 selected[SIOSTEER_MAX_SLOTS]; /* connections placed per slot (sid mode: by
						 * the run on their first request; the SYN's
						 * run, whose choice a cookie forgets, is not
						 * counted) */
	__u64 runs; /* program runs */
	__u64 fallback; /* chosen slot was empty (its worker died): picked a live one */
	__u64 no_live_slot; /* no slot took the connection: the kernel hashed it */
	__u64 bad_packet; /* could not read the client address */
	__u64 select_error; /* bpf_sk_select_reuseport failed other than -ENOENT */
	__u64 ipv4;
	__u64 ipv6;
	/* sid mode */
	__u64 first_data; /* runs on a segment with payload (the first request) */
	__u64 sid_hit; /* sid known and its slot live: steered by sid */
	__u64 sid_unknown; /* sid absent from the map (or its slot gone): address key */
	__u64 sid_bad; /* sid= present but malformed or cut off: address key */
	__u64 handshake; /* request without sid: placed by the --place policy */
	__u64 not_http; /* payload is not an HTTP request line (e.g. TLS): address key */
	__u64 conn_record_fail; /* could not record a handshake connection for the learner */
};

/* Who holds each slot; written by user space only, so `status` works without the agent. */
struct siosteer_owner {
	__u32 pid; /* 0: slot free */
	__u32 restarts; /* `run`: times the worker in this slot was restarted */
	__u64 cookie; /* socket cookie of the listening socket in the slot */
	__u64 since_ns; /* CLOCK_REALTIME when the current owner took the slot */
	char comm[16];
};

/* What the agent was started with; read back by `status` and on adoption. */
struct siosteer_meta {
	__u32 port;
	__u32 key; /* enum siosteer_key */
	__u32 prefix4;
	__u32 prefix6;
	__u32 agent_pid; /* 0 once stopped cleanly */
	__u32 mode; /* enum siosteer_mode */
	__s32 saved_syncookies; /* sid mode: value to restore, -1 if untouched */
	__u32 ifindex;
	__u32 place; /* enum siosteer_place */
	__u32 gate; /* enum siosteer_gate_kind */
	__u32 clsact_ours; /* we created the interface's clsact qdisc: remove it on detach */
	char ifname[16];
	/* enum siosteer_cookies: who answers SYNs with cookies, as resolved (sysctl or bpf;
	 * SIOSTEER_COOKIES_NONE with --key addr) */
	__u32 cookies;
	__u32 routes; /* SIOSTEER_ROUTE_*: what the loader chose or found on this kernel */
};

/* siosteer_meta.routes: the kernel-dependent routes (docs/ARCHITECTURE.md, loader/routes.c). */
#define SIOSTEER_ROUTE_TW         (1u << 0) /* tw_reset attached: TIME_WAIT SYNs get no cookie */
#define SIOSTEER_ROUTE_MIGRATE    (1u << 1) /* SK_REUSEPORT_SELECT_OR_MIGRATE exists (unused) */
#define SIOSTEER_ROUTE_SK_STORAGE (1u << 2) /* connections carry their slot in socket storage */
#define SIOSTEER_ROUTE_TW_PROBED  (1u << 3) /* the TIME_WAIT probe answered (else assumed) */

enum siosteer_gate_kind {
	SIOSTEER_GATE_NONE = 0,
	SIOSTEER_GATE_XDP = 1,
	SIOSTEER_GATE_TC = 2,
};

/*
 * Who answers the steered port's SYNs with cookies in sid mode, so that the first request
 * places the connection: the kernel, after tcp_syncookies=2 for the whole namespace
 * (sysctl), or siosteer's tc program for this port alone (bpf, bpf/cookie.bpf.c). auto
 * (--cookies, never pinned) picks bpf where the kernel can. A name for each in
 * loader/routes.c.
 */
enum siosteer_cookies {
	SIOSTEER_COOKIES_AUTO = 0, /* --cookies auto; in the pinned meta: none (--key addr) */
	SIOSTEER_COOKIES_SYSCTL = 1,
	SIOSTEER_COOKIES_BPF = 2,
};
#define SIOSTEER_COOKIES_NONE SIOSTEER_COOKIES_AUTO

/* How sid mode places a session that has no sid yet (its handshake request). */
enum siosteer_place {
	SIOSTEER_PLACE_ADDR = 0, /* the address key: one client address, one worker */
	SIOSTEER_PLACE_LEAST = 1, /* the live slot that was given the fewest sessions */
	SIOSTEER_PLACE_RANDOM = 2,
};

/*
 * --place least-loaded: a handshake that arrives on a kept-alive connection (a browser's
 * pool) stays on that connection's worker if the worker was given at most this many
 * sessions more than the least loaded one; otherwise the connection is reset and the
 * client's resend is placed afresh. 0 (the default) is least-loaded to the letter, as
 * the selector places: a page with 4 sessions gets 4 workers. Slack would spare a reset
 * now and then, but with a browser's few sessions it let 3 of 4 share a worker (seen in
 * tests/ns/sid_browser.sh); cross-worker requests cost far more resets than handshakes.
 */
#ifndef SIOSTEER_PLACE_SLACK
#define SIOSTEER_PLACE_SLACK 0
#endif

/* A connection the selector placed, as the server sees it (IPv4 in word 0). */
struct siosteer_conn {
	__u32 client[4];
	__u32 server[4];
	__u16 client_port; /* network order */
	__u16 server_port; /* network order */
	__u32 pad; /* keeps the hash key free of uninitialised bytes */
};

/*
 * Value of the conns map. Only connections whose first request asked for a new session
 * (no sid) are recorded: they alone may teach a sid, and one map write per session instead
 * of one per connection is most of the selector's cost saved. server_seq is the sequence
 * number of the worker's first byte on this connection (the ACK number of the client's
 * first request): the learner checks it, so a record left by an earlier connection on the
 * same 4-tuple (its initial sequence number was another) never names this one's slot.
 */
struct siosteer_conn_owner {
	__u32 slot;
	__u32 server_seq; /* host order */
};

/*
 * What the learner may expect on a connection, kept in the connection's socket storage.
 * The request that a reply answers decides whether the reply may teach a sid: only a
 * request without sid (one that asks for a new session) may. The tc ingress repair
 * program sees every request on an established connection and sets LEARN_WANT_OPEN or
 * LEARN_NO; the first request of a connection created by a SYN cookie is seen only by the
 * selector (the connection does not exist yet), so such a connection starts in
 * LEARN_FIRST, copied from its listener, and the learner asks the conns record.
 */
enum siosteer_learn_state {
	SIOSTEER_LEARN_FIRST = 0, /* first reply: the conns record says if it may teach */
	SIOSTEER_LEARN_WANT_OPEN = 1, /* the last request had no sid: its reply may teach */
	SIOSTEER_LEARN_NO = 2, /* nothing to learn until the next request */
};

/*
 * Value of the conn_slot socket storage (BPF_F_CLONE): user space sets it on each
 * listening socket it puts in a slot; the kernel copies it into every connection accepted
 * from that listener, so any program that has the connection's socket knows its worker.
 */
struct siosteer_sk_slot {
	__u32 slot;
	__u8 learn; /* enum siosteer_learn_state */
	__u8 body_next; /* the reply's status line and headers ended a segment: the
				 * OPEN packet may start the next one (python-socketio,
				 * aiohttp and a WebSocket 101 write them apart) */
	__u16 pad;
};

/* Value of the sids map: who owns a learned session. */
struct siosteer_sid_owner {
	__u32 slot;
	__u32 pad;
	__u64 learned_ns; /* bpf_ktime_get_boot_ns() when the handshake reply was seen */
};

/* Per-slot session load, shared by the selector (placed) and the learner (learned). */
struct siosteer_slot_load {
	__u64 placed; /* handshakes the selector gave this slot */
	__u64 learned; /* sessions the learner saw this slot open */
};

struct siosteer_learn_counters {
	__u64 packets; /* segments from the steered port */
	__u64 scanned; /* ...with payload, scanned for an engine.io open packet */
	__u64 learned; /* sid -> slot entries written */
	__u64 stale_conn; /* open packet on a 4-tuple recorded for an earlier connection */
	__u64 not_new_session; /* open packet on a connection whose request did not ask for a
				 * new session (it had a sid, was not HTTP, or was placed at SYN
				 * time): not learned, so a reply can't re-home a session */
	__u64 already_known; /* sid already learned: kept where it is (a fresh handshake
				 * always has a fresh sid, so a repeat is an echo or forgery) */
	__u64 bad_sid; /* open packet with an unusable sid */
	__u64 not_tcp;
	__u64 no_storage; /* reply on a connection without siosteer's socket storage
				 * (accepted before siosteer took the listener): not learned */
	__u64 body_next; /* replies whose headers ended a segment: the next one scanned */
	__u64 learned_later; /* ...of learned: the OPEN packet came in a later segment */
};

enum siosteer_mode {
	SIOSTEER_MODE_RUN = 1,
	SIOSTEER_MODE_ATTACH = 2,
};

#endif /* SIOSTEER_H */
