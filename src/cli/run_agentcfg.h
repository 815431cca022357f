/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nono run's guard of agent configurations the sandbox may write
 * (policy/agentcfg.h, the plan's p->agentcfg): each file is read before
 * the command starts, and when the session ends, keys that start programs
 * outside nono (Claude Code's mcpServers, env, approvals in
 * ~/.claude.json) are put back as they were, by an atomic rewrite that
 * keeps everything else the sandbox wrote; a warning and an audit event
 * name them.
 */
#ifndef NONO_CLI_RUN_AGENTCFG_H
#define NONO_CLI_RUN_AGENTCFG_H

#include "cli/run_ctx.h"

/* Reads the guarded files (before the command runs).  0, or -1 after
 * printing why: one is not a regular file of the user's (a symlink), is
 * larger than the reader takes, or cannot be read. */
int run_agentcfg_begin(struct run_ctx *c);
/* At the end of the session (every way it ends, once the command is
 * gone): puts the keys back where the sandbox changed them.  -1 when a
 * file could not be put back (said), so that the run does not end in
 * success. */
int run_agentcfg_end(struct run_ctx *c);
void run_agentcfg_free(struct run_ctx *c);

#endif
