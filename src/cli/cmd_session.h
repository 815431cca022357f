/* SPDX-License-Identifier: Apache-2.0 */
/* nono ps, attach, detach, stop, logs, inspect, prune (cmd_session.c). */
#ifndef NONO_CLI_CMD_SESSION_H
#define NONO_CLI_CMD_SESSION_H

/* Runs session command @cmd with its arguments (argv[0] is its name);
 * the exit status, or -1 when @cmd is not one of them. */
int cmd_session(const char *cmd, int argc, char **argv);

#endif
