/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NONO_CLI_CMD_PROFILE_H
#define NONO_CLI_CMD_PROFILE_H

#include "cli/args.h"

/* nono profile SUBCOMMAND ...; argv[0] is "profile". Returns the exit
 * status. */
int cmd_profile(int argc, char **argv, struct global_opts *g);

#endif
