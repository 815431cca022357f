/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nono run's check of the git repositories in sealed trees (review r5,
 * finding 1).  The sandbox may write objects, refs and the index (git
 * commit works), so it could commit a name the gate refuses in the work
 * tree (.mcp.json, .claude/settings.json, .envrc, ...) without ever making
 * it there, and move a branch, the stash, HEAD or ORIG_HEAD to that commit
 * (or stage it in the index): the user's next git checkout, reset or stash
 * pop outside nono would write it.  The refs and the index of every
 * repository guarded at the start are read before the command runs; when
 * the session ends, each ref that moved to commits adding such a name is
 * put back (or removed, if new) and the sandbox's commit kept under
 * refs/nono/quarantine/<id>/, the index put back where such a name was
 * staged in it; a warning names them, with the command that takes them
 * anyway, and the audit trail records it.
 */
#ifndef NONO_CLI_RUN_GITREFS_H
#define NONO_CLI_RUN_GITREFS_H

#include "cli/run_ctx.h"

/* Reads the refs and the index of the repositories in the sealed trees
 * (before the command runs).  Nothing when there is none, or no git. */
void run_gitrefs_begin(struct run_ctx *c);
/* At the end of the session, once the command is gone.  0, or -1 when
 * something could not be put back (said): the run then ends in failure,
 * as run_agentcfg_end's. */
int run_gitrefs_end(struct run_ctx *c);
void run_gitrefs_free(struct run_ctx *c);

#endif
