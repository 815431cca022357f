/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The deprecated start-up command blocklist: refuses to start a few
 * destructive commands by name.  Not a security boundary: only the directly
 * invoked executable is checked.
 */
#ifndef NONO_POLICY_CMDBLOCK_H
#define NONO_POLICY_CMDBLOCK_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Decides whether @cmd (argv[0]; only its base name counts) may start.
 * @allow and @block are extra names from --allow-command/--block-command.
 * Returns true when blocked; *@by_default tells whether the default list
 * (rather than --block-command) blocked it.
 */
bool nono_cmd_blocked(const char *cmd, char *const *allow, size_t nallow,
		      char *const *block, size_t nblock, bool *by_default);

size_t nono_cmd_default_count(void);
const char *nono_cmd_default_at(size_t i);

#endif
