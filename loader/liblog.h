/* SPDX-License-Identifier: MIT */
/*
 * libbpf's and libxdp's own lines, held back while the loader does something they narrate
 * at warning level although it recovers (libxdp's dispatcher check and its fallback).
 * While held, their lines are recorded; with -v they are also printed as they come.
 * Afterwards the loader says what happened in one line of its own, or, if the attempt
 * failed, prints the held lines: they explain the failure.
 */
#ifndef SIOSTEER_LIBLOG_H
#define SIOSTEER_LIBLOG_H

#include <stdbool.h>
#include <stddef.h>

/* Start holding (nests: only the outermost hold/release pair takes effect). */
void liblog_hold(void);
/* Stop holding. replay: print the held lines (not again with -v: they were printed). */
void liblog_release(bool replay);
/* Copy what follows `needle` on the first held line that has it, up to the line's end,
 * into buf. false if no held line has it. */
bool liblog_find(const char *needle, char *buf, size_t len);

#endif
