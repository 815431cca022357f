/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What protect.c (masks) and guards.c (guarded directories) share.
 */
#ifndef NONO_POLICY_PROTECT_INTERNAL_H
#define NONO_POLICY_PROTECT_INTERNAL_H

#include "nono/caps.h"
#include "policy/protect.h"

/* Calls @fn for every git directory of submodules and linked worktrees
 * under @gitdir (modules/, worktrees/, names with slashes, nested to a
 * bound).  Returns 0 or the first negative result. */
int nono_protect_each_nested_gitdir(const char *gitdir, int depth,
				    int (*fn)(const char *dir, void *arg),
				    void *arg);

/* Pins @dir and each directory above it that the sandbox could rename, up
 * to the root of the writable grant over it.  Returns 0 or -errno. */
int nono_protect_pin_up_to_grant(struct nono_caps *caps, const char *dir,
				 struct nono_protect_result *res);

/* A name in $HOME that is a start-up file by its prefix (.zcompdump*). */
bool nono_guard_home_prefixed(const char *name);

/* Makes each such file directly in @home (canonical) that a writable
 * grant covers read-only, but for those in @bypass; counts them in
 * @nmasks.  Returns 0 or -errno. */
int nono_guard_mask_prefixed(struct nono_caps *caps, const char *home,
			     char *const *bypass, size_t nbypass,
			     size_t *nmasks);

#endif
