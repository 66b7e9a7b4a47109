/* SPDX-License-Identifier: MIT */
/*
 * Loading a skeleton's object and saying why it failed. libbpf narrates a rejected
 * program with the verifier's whole log (hundreds of kilobytes on a large program) at
 * warning level, and a failure does not say whether the verifier rejected a program, the
 * kernel lacks a feature, or pinned maps do not fit. The loader says which, in one line:
 * `the kernel's verifier rejected <program>` and, with -v, the log's last lines (the
 * rejection is at its end); other failures replay libbpf's lines, which explain them.
 */
#ifndef SIOSTEER_VERIFIER_H
#define SIOSTEER_VERIFIER_H

struct bpf_object_skeleton;

/* bpf_object__load_skeleton(sk); on failure log one error line naming `what` (e.g.
 * "BPF selector") and the cause. Returns 0 or a negative errno. */
int loader_load_skeleton(const char *what, struct bpf_object_skeleton *sk);

#endif
