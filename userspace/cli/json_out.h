/* SPDX-License-Identifier: MIT */
/* The one way siosteer writes JSON: jansson values, printed compact, one per line. */
#ifndef SIOSTEER_JSON_OUT_H
#define SIOSTEER_JSON_OUT_H

#include <jansson.h>

/* Print v on stdout as one line, then release it. */
void json_out(json_t *v);
/* From now on an error message is printed as {"error": "..."} on stdout (--json). */
void json_out_errors(void);
/* A __u64 counter as a JSON integer (jansson's integers are signed 64-bit). */
json_t *json_u64(unsigned long long v);

#endif
