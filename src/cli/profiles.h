/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a profile does to a run: its grants join the flags' (flags add, and
 * a network flag wins over the profile's setting), its working-directory
 * access applies to --allow-cwd, its environment rules apply after nono's
 * own hygiene.  Features of the profile format that this build cannot
 * enforce yet (proxy mode, credentials, capability elevation) are refused,
 * never ignored.
 */
#ifndef NONO_CLI_PROFILES_H
#define NONO_CLI_PROFILES_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/args.h"
#include "policy/profile.h"

/* Fills @env for @home and @workdir (canonical; NULL: the cwd).  The
 * strings must outlive @env. */
void cli_profile_env(struct nono_profile_env *env, const char *home,
		     const char *workdir);

/*
 * Adds the profile's grants, sockets, bypasses, ports, command lists and
 * network choice to @o (expanded strings are kept in @owned), checks what
 * the build cannot do and the --allow-gpu opt-in, and returns the access
 * --allow-cwd gives (NONO_ACCESS_* bits; 0 for "none").  On error writes
 * one line to @err and returns -1.
 */
int cli_profile_apply(const struct nono_profile *p,
		      const struct nono_profile_env *env, struct run_opts *o,
		      struct strv *owned, char *err, size_t errlen);
/* Whether cli_profile_apply() creates missing state directories (not for
 * `nono why`, which only describes). */
extern bool cli_profile_create_dirs;

/*
 * The command's environment under the profile's environment section:
 * @envp (already cleaned) filtered by allow/deny, plus the `set` entries.
 * Returns a new array (entries borrowed from @envp and @p) or NULL when out
 * of memory.
 */
char **cli_profile_env_apply(const struct nono_profile *p, char **envp);

#endif
