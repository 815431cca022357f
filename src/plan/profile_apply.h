/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a profile does to a run: its grants join the flags' (flags add, and
 * a network flag wins over the profile's setting), its working-directory
 * access applies to --allow-cwd, its environment rules apply after nono's
 * own hygiene.  Features of the profile format that this build cannot
 * enforce yet (capability elevation) are refused, never ignored.
 */
#ifndef NONO_PLAN_PROFILE_APPLY_H
#define NONO_PLAN_PROFILE_APPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "plan/opts.h"
#include "policy/profile.h"

/* Fills @env for @home and @workdir (canonical; NULL: the cwd).  The
 * strings must outlive @env. */
void plan_profile_env(struct nono_profile_env *env, const char *home,
		      const char *workdir);

struct nono_plan;

/*
 * Adds the profile of @pl (pl->profile, expanded with pl->penv) to @o:
 * grants, sockets, bypasses, ports, command lists and the network choice
 * (expanded strings are kept in pl->owned); lists the state directories
 * a run makes first; checks what the build cannot do and the --allow-gpu
 * opt-in.  Returns the access --allow-cwd gives (NONO_ACCESS_* bits; 0 for
 * "none"), or -1 with one line in @err.
 */
int plan_profile_apply(struct nono_plan *pl, struct run_opts *o, char *err,
		       size_t errlen);

/*
 * The command's environment under the profile's environment section:
 * @envp (already cleaned) filtered by allow/deny, plus the `set` entries.
 * Returns a new array (entries borrowed from @envp and @p) or NULL when out
 * of memory.
 */
char **plan_profile_env_apply(const struct nono_profile *p, char **envp);

#endif
