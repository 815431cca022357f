/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NONO_CLI_CMD_SETUP_H
#define NONO_CLI_CMD_SETUP_H

#include "cli/args.h"

/* nono setup [--check-only] [--profiles] [--shell-integration]; argv[0] is
 * "setup".  Returns the exit status: 1 when nono cannot sandbox here. */
int cmd_setup(int argc, char **argv, struct global_opts *g);

#endif
