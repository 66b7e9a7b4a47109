/* SPDX-License-Identifier: MIT */
#ifndef SIOSTEER_COMMANDS_H
#define SIOSTEER_COMMANDS_H

/* Each returns the process exit status. */
int cmd_run(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_sessions(int argc, char **argv);
int cmd_cost(int argc, char **argv);
/* emit, join, leave, disconnect (argv[0] says which) */
int cmd_emit(int argc, char **argv);
/* drain, undrain, weight (argv[0] says which) */
int cmd_drain(int argc, char **argv);

#endif
