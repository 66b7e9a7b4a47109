/* SPDX-License-Identifier: MIT */
/* Levelled logging to stderr: one line per event, prefixed with the program name. */
#ifndef SIOSTEER_LOG_H
#define SIOSTEER_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level l);
enum log_level log_get_level(void);
void log_msg(enum log_level l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Send error messages to fn instead of stderr (NULL: back to stderr). The CLI uses it to
 * answer --json with {"error": "..."} on stdout.
 */
void log_set_error_hook(void (*fn)(const char *msg));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
