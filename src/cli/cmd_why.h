/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NONO_CLI_CMD_WHY_H
#define NONO_CLI_CMD_WHY_H

#include "cli/args.h"

/* nono why --path|--host|--scope ... [sandbox flags]; argv[0] is "why".
 * Returns the exit status (0 whenever a verdict was given). */
int cmd_why(int argc, char **argv, struct global_opts *g);

#endif
