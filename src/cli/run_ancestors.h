/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tool's configuration in the directories above a project that the
 * sandbox may write and that are no sealed tree (/tmp above /tmp/proj):
 * Claude Code reads .mcp.json and cargo .cargo/config.toml in every one of
 * them (review r5, #4).  The gate decides names only in sealed trees, so
 * these are looked at before the command starts and again once it is
 * gone: one the session made is moved aside, one it changed is said.
 */
#ifndef NONO_CLI_RUN_ANCESTORS_H
#define NONO_CLI_RUN_ANCESTORS_H

#include "cli/run_ctx.h"

/* Before the command: what is there now.  0, or -1 (said). */
int run_ancestors_begin(struct run_ctx *c);
/* Once the command is gone.  -1 when one could not be moved aside. */
int run_ancestors_end(struct run_ctx *c);
void run_ancestors_free(struct run_ctx *c);

#endif
