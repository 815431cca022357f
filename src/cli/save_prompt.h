/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NONO_CLI_SAVE_PROMPT_H
#define NONO_CLI_SAVE_PROMPT_H

#include "cli/run_ctx.h"
#include "supervisor/gate.h"

/* After the command of @c (argv @argv) ran: offers, on a terminal, to save
 * the accesses the sandbox refused into a user profile, or to suppress
 * them.  Does nothing under -s, without a terminal, or with nothing to
 * offer. */
void save_prompt(const struct run_ctx *c, const struct nono_gate *gate,
		 char *const *argv);

#endif
