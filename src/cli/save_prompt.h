/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NONO_CLI_SAVE_PROMPT_H
#define NONO_CLI_SAVE_PROMPT_H

#include "cli/run_ctx.h"
#include "supervisor/gate.h"

/* After the command of @c (argv @argv) ran: offers, on a terminal (or,
 * for a detached session, to the client attached to it), to save the
 * accesses the sandbox refused into a user profile, or to suppress them.
 * Does nothing under -s, without a terminal or client, or with nothing
 * to offer; no answer is no. */
void save_prompt(struct run_ctx *c, const struct nono_gate *gate,
		 char *const *argv);

#endif
