// SPDX-License-Identifier: MIT
/*
 * The sid parsers in the kernel: loads tests/bpf/sid_parse_test.bpf.o (both programs
 * must pass this kernel's verifier; their verifier statistics are printed), then runs
 * every case of tests/unit/test_sid_parse.c, and every prefix of it up to the window,
 * through BPF_PROG_TEST_RUN and checks that the kernel's results (codes, loaded lengths
 * and the 52-byte sid structs) equal what the same parsers compute in user space. Runs
 * one after another reuse the scratch buffers, so stale bytes from longer inputs sit
 * past `len` (docs/ARCHITECTURE.md, 'Scan only the current packet').
 * Needs root (or CAP_BPF + CAP_PERFMON + CAP_NET_ADMIN).
 * Ends with "sid_parse_bpf: N passed, N failed", one count per case and program.
 *
 * Build and run from the repository root (BUILD=build):
 *   bpftool btf dump file /sys/kernel/btf/vmlinux format c > $BUILD/vmlinux.h
 *   mkdir -p $BUILD/tests
 *   clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -I$BUILD -Ibpf \
 *       -c tests/bpf/sid_parse_test.bpf.c -o $BUILD/tests/sid_parse_test.bpf.o
 *   cc -O2 -g -Wall -Wextra -std=gnu11 -Ibpf \
 *       -o $BUILD/tests/test_sid_parse_bpf tests/bpf/test_sid_parse_bpf.c -lbpf
 *   $BUILD/tests/test_sid_parse_bpf [path/to/sid_parse_test.bpf.o]
 * Without an argument the object is $BUILD/tests/sid_parse_test.bpf.o ($BUILD from the
 * environment, default "build"), so tests/run.sh can run the binary as it is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define SID_CASES_ONLY
#include "test_sid_parse.c"

#define PAYLOAD_OFF 14
#define XDP_DROP    1

/* Same layout as in sid_parse_test.bpf.c. */
struct sid_parse_result {
	__u32 payload_len;
	__u32 req_len;
	__u32 resp_len;
	__s32 req, open, ws;
	struct siosteer_sid req_sid, open_sid, ws_sid;
};

static const char *const progs[] = { "sid_parse_inline", "sid_parse_global" };
#define NPROGS   2
#define LOG_SIZE (1 << 20)

static char pkt[PAYLOAD_OFF + 16384];
static unsigned long runs, found; /* kernel runs, and SID_FOUND results among them */

static int fail_line(const char *prog, const char *name, size_t len, const char *what)
{
	printf("FAIL %s: %s, first %zu bytes: %s\n", prog, name, len, what);
	return 0;
}

/* One run in the kernel against the same parsers in user space. 1 if they agree. */
static int run_one(int prog_fd, int map_fd, const char *prog, const char *name, const char *in,
		   size_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	struct sid_parse_result k = { 0 };
	struct siosteer_sid u_req, u_open, u_ws;
	int r_req, r_open, r_ws, err;
	__u32 zero = 0;
	char *copy;

	memset(pkt, 0, PAYLOAD_OFF);
	pkt[12] = 0x08; /* a dummy IPv4 ethertype, nothing reads it */
	memcpy(pkt + PAYLOAD_OFF, in, len);
	opts.data_in = pkt;
	opts.data_size_in = (__u32)(PAYLOAD_OFF + len);
	opts.repeat = 1;
	err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (err)
		return fail_line(prog, name, len, strerror(errno));
	if (opts.retval != XDP_DROP)
		return fail_line(prog, name, len, "program did not finish (retval)");
	if (bpf_map_lookup_elem(map_fd, &zero, &k))
		return fail_line(prog, name, len, "results map lookup failed");
	runs++;
	found += (k.req == SID_FOUND) + (k.open == SID_FOUND) + (k.ws == SID_FOUND);

	copy = malloc(len ? len : 1);
	if (!copy)
		abort();
	memcpy(copy, in, len);
	r_req = sio_parse_request(copy, (__u32)len, &u_req);
	r_open = sio_parse_open(copy, (__u32)len, &u_open);
	r_ws = sio_parse_ws_open(copy, (__u32)len, &u_ws);
	free(copy);

	if (k.payload_len != len ||
	    k.req_len != (len < SIOSTEER_REQ_WINDOW ? len : SIOSTEER_REQ_WINDOW) ||
	    k.resp_len != (len < SIOSTEER_RESP_WINDOW ? len : SIOSTEER_RESP_WINDOW)) {
		char what[128];

		snprintf(what, sizeof(what), "loaded %u/%u/%u bytes", k.payload_len, k.req_len,
			 k.resp_len);
		return fail_line(prog, name, len, what);
	}
	if (k.req != r_req || memcmp(&k.req_sid, &u_req, sizeof(u_req))) {
		char what[160];

		snprintf(what, sizeof(what), "sio_parse_request: kernel %s '%.*s', user %s '%.*s'",
			 sio_parse_result_str(k.req), k.req_sid.len, k.req_sid.s,
			 sio_parse_result_str(r_req), u_req.len, u_req.s);
		return fail_line(prog, name, len, what);
	}
	if (k.open != r_open || memcmp(&k.open_sid, &u_open, sizeof(u_open))) {
		char what[160];

		snprintf(what, sizeof(what), "sio_parse_open: kernel %s '%.*s', user %s '%.*s'",
			 sio_parse_result_str(k.open), k.open_sid.len, k.open_sid.s,
			 sio_parse_result_str(r_open), u_open.len, u_open.s);
		return fail_line(prog, name, len, what);
	}
	if (k.ws != r_ws || memcmp(&k.ws_sid, &u_ws, sizeof(u_ws))) {
		char what[160];

		snprintf(what, sizeof(what), "sio_parse_ws_open: kernel %s '%.*s', user %s '%.*s'",
			 sio_parse_result_str(k.ws), k.ws_sid.len, k.ws_sid.s,
			 sio_parse_result_str(r_ws), u_ws.len, u_ws.s);
		return fail_line(prog, name, len, what);
	}
	return 1;
}

/*
 * After a failed load: load each program alone again, with the verifier's full log
 * (level 1, in a buffer large enough for 6.1, whose verifier fails a load whose log does
 * not fit), and print the last lines of the log of each one that is rejected: the
 * rejection is at its end.
 */
static void print_rejections(const char *obj_path)
{
	const size_t size = 256u << 20;
	char *vlog = malloc(size);
	int p, q;

	for (p = 0; vlog && p < NPROGS; p++) {
		struct bpf_object *obj = bpf_object__open_file(obj_path, NULL);
		const char *end;
		int lines = 0;

		if (!obj)
			break;
		vlog[0] = '\0';
		for (q = 0; q < NPROGS; q++) {
			struct bpf_program *prog = bpf_object__find_program_by_name(obj, progs[q]);

			bpf_program__set_autoload(prog, q == p);
			bpf_program__set_log_level(prog, 1);
			bpf_program__set_log_buf(prog, vlog, size);
		}
		if (bpf_object__load(obj)) {
			end = vlog + strlen(vlog);
			while (end > vlog && lines <= 25)
				if (*--end == '\n')
					lines++;
			printf("verifier: %s rejected; the log's last lines:\n%s\n", progs[p], end);
		}
		bpf_object__close(obj);
	}
	free(vlog);
}

int main(int argc, char **argv)
{
	static char buf[16384];
	char default_obj[512], *logs[NPROGS];
	const char *obj_path = argc > 1 ? argv[1] : NULL, *build = getenv("BUILD"), *in;
	struct bpf_object *obj;
	int passed = 0, failed = 0, map_fd, p, err;
	size_t i, len, l;

	if (!obj_path) {
		snprintf(default_obj, sizeof(default_obj), "%s/tests/sid_parse_test.bpf.o",
			 build && *build ? build : "build");
		obj_path = default_obj;
	}
	obj = bpf_object__open_file(obj_path, NULL);
	if (!obj) {
		printf("FAIL cannot open %s: %s\n", obj_path, strerror(errno));
		printf("sid_parse_bpf: 0 passed, 1 failed\n");
		return 1;
	}
	for (p = 0; p < NPROGS; p++) {
		struct bpf_program *prog = bpf_object__find_program_by_name(obj, progs[p]);

		logs[p] = calloc(1, LOG_SIZE);
		if (!prog || !logs[p]) {
			printf("FAIL program %s not in %s\n", progs[p], obj_path);
			printf("sid_parse_bpf: 0 passed, 1 failed\n");
			return 1;
		}
		bpf_program__set_log_level(prog, 4); /* statistics only */
		bpf_program__set_log_buf(prog, logs[p], LOG_SIZE);
	}
	err = bpf_object__load(obj);
	for (p = 0; p < NPROGS; p++) {
		struct bpf_program *prog = bpf_object__find_program_by_name(obj, progs[p]);
		struct bpf_prog_info info = { 0 };
		__u32 info_len = sizeof(info);
		char *s = strstr(logs[p], "processed ");

		if (!err && !bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &info_len))
			printf("verifier: %s: %.*s; xlated %u bytes (%u insns), jited %u bytes\n",
			       progs[p], s ? (int)strcspn(s, "\n") : 0, s ? s : "",
			       info.xlated_prog_len, info.xlated_prog_len / 8, info.jited_prog_len);
		else
			printf("verifier: %s: %.*s\n", progs[p], s ? (int)strcspn(s, "\n") : 0,
			       s ? s : "(no statistics)");
	}
	if (err) {
		print_rejections(obj_path);
		printf("FAIL loading %s: %s (verifier log above, or run as root)\n", obj_path,
		       strerror(-err));
		printf("sid_parse_bpf: 0 passed, 1 failed\n");
		return 1;
	}
	map_fd = bpf_object__find_map_fd_by_name(obj, "results");

	for (p = 0; p < NPROGS; p++) {
		int prog_fd = bpf_program__fd(bpf_object__find_program_by_name(obj, progs[p]));

		for (i = 0; i < SID_NCASES; i++) {
			const struct sid_case *c = &sid_cases[i];
			int ok;

			len = sid_case_input(c, buf, sizeof(buf), &in);
			ok = run_one(prog_fd, map_fd, progs[p], c->name, in, len);
			for (l = 0; ok && l < len && l <= SIOSTEER_RESP_WINDOW + 8; l++)
				ok = run_one(prog_fd, map_fd, progs[p], c->name, in, l);
			if (ok)
				passed++;
			else
				failed++;
		}
	}
	bpf_object__close(obj);
	printf("%lu kernel runs (each case and its prefixes), %lu sids found in them\n", runs,
	       found);
	printf("sid_parse_bpf: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
