/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nono run --rollback: the baseline snapshot of the writable trees before
 * the command runs (the run refuses to start without it), the last one
 * after, what changed, and on a terminal the offer to put the trees back
 * (src/rollback/; nono rollback restores later).
 */
#ifndef NONO_CLI_RUN_ROLLBACK_H
#define NONO_CLI_RUN_ROLLBACK_H

#include "cli/run_ctx.h"

/* 0 (a baseline taken, or --rollback not given), or -1 after saying why
 * (the run stops). */
int run_rollback_begin(struct run_ctx *c, char *const *argv);
/* The last snapshot, the summary, the review.  Never changes the exit
 * status. */
void run_rollback_end(struct run_ctx *c, int status);

#endif
