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
/* Capability elevation's answer 'p': saves one grant (@access
 * NONO_ACCESS_*; @dir: a directory, read) into the same profile at once,
 * without asking.  0, or -1; @said tells the user either way. */
int save_prompt_grant(struct run_ctx *c, const char *path, unsigned access,
		      bool dir, char *said, size_t len);
struct learn_report;
/* After nono learn: offers, the same way, to save what the profile
 * lacked (@rep's additions) into a user profile (the one in use when it
 * is the user's, else NAME-local extending it). */
void save_prompt_learned(struct run_ctx *c, const struct learn_report *rep);

#endif
