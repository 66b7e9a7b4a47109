/* SPDX-License-Identifier: MIT */
/*
 * The cluster side of the CLI: `status --cluster`, `sessions --cluster`, and
 * `drain|undrain|weight --cluster`, answered from Redis by any host (see bridge.h for
 * the keys). Each returns the process exit status.
 */
#ifndef SIOSTEER_CLI_CLUSTER_H
#define SIOSTEER_CLI_CLUSTER_H

#include "opts.h"
#include "control_apply.h"

int cluster_status(const struct cli *c);
int cluster_sessions(const struct cli *c);
int cluster_control(const struct cli *c, const struct ctl_change *change);

#endif
