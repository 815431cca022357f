/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nono run, nono wrap and nono shell: build the capability set from the
 * options, plan the protections, then run, exec or print the result.
 */
#ifndef NONO_CLI_CMD_RUN_H
#define NONO_CLI_CMD_RUN_H

#include "cli/args.h"

/* Returns the process exit status: the command's, or 1 for a nono error. */
int cmd_run(enum run_mode mode, int argc, char **argv, struct global_opts *g);

#endif
