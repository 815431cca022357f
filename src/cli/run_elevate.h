/* SPDX-License-Identifier: Apache-2.0 */
/* Capability elevation for nono run and shell (run_elevate.c): the gate's
 * questions go to the user's terminal through the session's relay. */
#ifndef NONO_CLI_RUN_ELEVATE_H
#define NONO_CLI_RUN_ELEVATE_H

#include "cli/run_ctx.h"

struct nono_gate;

/* Before the sandbox is built: with elevation on, the gate hears opens
 * and name calls (the filter's elevation variant). */
void run_elevate_plan(struct run_ctx *c);
/* The gate's side: what may be offered, who is asked, the audit trail.
 * 0, or -1 after printing an error. */
int run_elevate_setup(struct run_ctx *c, struct nono_gate *gate);
/* After the run: what was approved, and the grants that would have made
 * the questions needless (the save prompt then offers them). */
void run_elevate_report(const struct nono_caps *caps,
			const struct nono_gate *gate);

#endif
