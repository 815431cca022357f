/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Protected paths: the built-in deny groups (credentials, keyrings, browser
 * data, shell history and rc files, nono's own state) and the persistence
 * files inside writable trees, turned into mount masks or a refusal.
 */
#ifndef NONO_POLICY_PROTECT_H
#define NONO_POLICY_PROTECT_H

#include <stdbool.h>
#include <stddef.h>

#include "nono/caps.h"

struct nono_protect_item {
	const char *rel;   /* path below $HOME */
	const char *group; /* deny group name */
	const char *what;  /* human description */
	bool bypassable;   /* false for nono's own state */
};

/* The deny groups, in a fixed order. */
size_t nono_protect_count(void);
const struct nono_protect_item *nono_protect_at(size_t i);

/* Finds the protected item whose canonical location under @home is
 * exactly @canon; NULL if none. */
const struct nono_protect_item *nono_protect_match(const char *home,
						   const char *canon);

/* Persistence-vector names checked at the root of every writable tree. */
size_t nono_persist_count(void);
const char *nono_persist_at(size_t i);

struct nono_protect_result {
	char **conflicts; /* protected paths a grant covers (canonical) */
	size_t nconflicts;
	size_t nmasks; /* masks added to the capability set */
};

/*
 * Plans protection for @caps: refuses grants that name a protected path
 * directly (unless bypassed), and adds a mask for every existing protected
 * path or persistence file that a grant covers.  Persistence files are
 * looked for at the root of every writable grant and in every directory
 * from @cwd (canonical, may be NULL) up to such a root; nothing is walked
 * downwards, so a huge tree costs nothing.  @bypass lists canonical paths
 * whose protection is lifted.  @home may be NULL.  On -NONO_ECONFLICT
 * @why (@whylen bytes) names the path and the item.  Returns 0 or -errno.
 */
int nono_protect_plan(struct nono_caps *caps, const char *home, const char *cwd,
		      char *const *bypass, size_t nbypass,
		      struct nono_protect_result *res, char *why, size_t whylen)
    __attribute__((warn_unused_result));

/*
 * The credential directories of the deny groups that do not exist yet
 * (~/.ssh, ~/.aws, ~/.config/gh, ...) where a grant of @caps covers them:
 * a run makes them first (empty, mode 0700) so that nono_protect_plan()
 * hides them, and what the user writes there during the session (aws
 * configure, ssh-keygen in another terminal) stays out of the sandbox's
 * sight.  Bypassed paths (@bypass) are left out.  Start with *@pos = 0;
 * each call writes the next one to @path (@len bytes) and returns 1, then
 * 0 at the end.  Reads the filesystem, writes nothing.
 */
int nono_protect_missing_next(const struct nono_caps *caps, const char *home,
			      char *const *bypass, size_t nbypass, size_t *pos,
			      char *path, size_t len);

/*
 * The tool directories whose code runs outside the sandbox later but which
 * tools inside fill (npx's cache, opencode's downloads), where a writable
 * grant of @caps covers them: each call writes the next one to @path and
 * the directory that stands in for it in the sandbox to @src (@len bytes
 * each) and returns 1, then 0.  A run makes both first and mounts @src at
 * @path (NONO_MASK_PRIVATE).  Reads the filesystem, writes nothing.
 */
int nono_protect_private_next(const struct nono_caps *caps, const char *home,
			      char *const *bypass, size_t nbypass, size_t *pos,
			      char *path, char *src, size_t len);

/*
 * A profile's keep_read_only entry @canon (canonical, may not exist): made
 * read-only where it exists under a writable grant, and the directory
 * that holds it, or its nearest existing ancestor, guarded
 * (NONO_GUARD_KEEP), so that the gate can refuse creating it.  @refuse
 * (@refuselen bytes) receives the path whose creation the gate must refuse:
 * @canon, or the first missing directory on the way to it.  Returns 0 or
 * -errno.
 */
int nono_protect_plan_keep(struct nono_caps *caps, const char *canon,
			   struct nono_protect_result *res, char *refuse,
			   size_t refuselen)
    __attribute__((warn_unused_result));

void nono_protect_result_clear(struct nono_protect_result *res);

/*
 * Hides @canon (a profile's filesystem.deny entry, canonical) like a deny
 * group item: masked when a grant covers it, a conflict when a grant names
 * it or lies inside it.  Absent paths need nothing.  Same returns as
 * nono_protect_plan().
 */
int nono_protect_plan_deny(struct nono_caps *caps, const char *canon,
			   struct nono_protect_result *res, char *why,
			   size_t whylen) __attribute__((warn_unused_result));

/* The same for nono's configuration directory where $XDG_CONFIG_HOME puts
 * it (not bypassable, like ~/.config/nono). */
int nono_protect_plan_state(struct nono_caps *caps, const char *canon,
			    struct nono_protect_result *res, char *why,
			    size_t whylen) __attribute__((warn_unused_result));

/*
 * Between these, on the calling thread, nono_protect_match() and
 * nono_protect_find() for @home use the items located once at begin (a
 * pass over many paths that trusts the tree not to change meanwhile:
 * nono learn's report).  Never around a decision of a running sandbox.
 */
void nono_protect_memo_begin(const char *home);
void nono_protect_memo_end(void);

/* The protected item at @canon or at a directory above it, or NULL; @at
 * (@atlen bytes, may be NULL) receives where it is.  @skip (may be NULL)
 * lists canonical paths whose protection is lifted. */
const struct nono_protect_item *
nono_protect_find(const char *home, const char *canon, char *const *skip,
		  size_t nskip, char *at, size_t atlen);

/* True when @name is a deny group; *@required is then always true (no deny
 * group can be removed, only single paths bypassed). */
bool nono_protect_group_known(const char *name, bool *required);

/* The deny groups, and the items of one: for `nono profile groups`. */
size_t nono_protect_group_count(void);
const char *nono_protect_group_at(size_t i);

/*
 * Guards creation for a supervised sandbox.  Every writable user grant
 * root, each directory from the working directory @cwd (may be NULL) up to
 * such a root, each git directory of a repository found while planning
 * (its pinned .git, with info/, modules/ and worktrees/), and $HOME (@home,
 * may be NULL) when a writable grant covers it become guarded directories: the
 * supervisor refuses to create the protected names there (nono_guard_refuses).
 * Each writable grant at or above a guarded directory loses the right to create
 * along the chain down to it, and the existing subdirectories along that
 * chain get rules of their own, so that only new names in those few
 * directories go through the supervisor.  Reads one directory level per
 * chain directory, never a whole tree.  Returns 0, -E2BIG (too many
 * subdirectories; @why names the directory), or -errno.
 */
int nono_protect_plan_guards(struct nono_caps *caps, const char *home,
			     const char *cwd, char *why, size_t whylen)
    __attribute__((warn_unused_result));

/* True when a guarded directory of @kind refuses a new entry @name. */
bool nono_guard_refuses(enum nono_guard_kind kind, const char *name);

/* A write, creation or mkdir at @real (canonical) would put what runs
 * code outside the sandbox later: anything in a git directory or named
 * .git, the persistence names of any directory, the home's (@home, may be
 * NULL) and what is below ~/.config's (and @xdg_config's, may be NULL),
 * ~/.local's, the system's directories, other users' homes.  @dirfd (or
 * -1: the names alone) is @real's parent, looked up for git directories
 * at any depth. */
bool nono_protect_runs_later(const char *home, const char *xdg_config,
			     int dirfd, const char *real);

/* Directory @dfd is a git directory, as git takes one (HEAD, and objects
 * with refs, or commondir), whatever its name; judged by the names alone. */
bool nono_gitdir_at(int dfd);

/* Calls @fn for every git directory of submodules and linked worktrees
 * under @gitdir (modules/, worktrees/, names with slashes, nested to a
 * bound).  Returns 0 or the first negative result. */
int nono_protect_each_nested_gitdir(const char *gitdir, int depth,
				    int (*fn)(const char *dir, void *arg),
				    void *arg);

#endif
