/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A path in a git tree (a commit's, the index's), judged as the gate would
 * judge making it in the work tree of a sealed tree: the user's git writes
 * it there at the next checkout, outside the sandbox, so a name the sandbox
 * may not make itself must not reach the work tree that way either (review
 * r5, finding 1).  Pure string logic over the gate's own tables
 * (projcfg.c, guards.c); cli/run_gitrefs.c applies it to what a session
 * committed or staged.
 */
#ifndef NONO_POLICY_GITPATH_H
#define NONO_POLICY_GITPATH_H

#include <stdbool.h>
#include <stddef.h>

/* How git checks an entry out, from its mode. */
enum nono_gitpath_kind {
	NONO_GITPATH_FILE,    /* 100644, 100755: a regular file */
	NONO_GITPATH_LINK,    /* 120000: a symbolic link */
	NONO_GITPATH_GITLINK, /* 160000: a submodule, an empty directory */
};

/* The work tree the paths land in. */
struct nono_gitpath_ctx {
	/* Its canonical path, or NULL where it is not known (a submodule's
	 * git directory): the paths are then judged from a top "/". */
	const char *top;
	/* Its directories where the persistence names (.envrc, .vscode,
	 * .gitmodules, ...) are refused, relative to @top ("" for the top
	 * itself, "a/b" below it): the gate's guarded directories. */
	const char *const *guarded;
	size_t nguarded;
	/* --bypass-protection: canonical absolute paths, allowed as the
	 * gate allows them. */
	char *const *bypass;
	size_t nbypass;
};

/* The kind of the git mode @mode (octal, as git prints it). */
enum nono_gitpath_kind nono_gitpath_kind_of(unsigned mode);

/*
 * True when the gate would refuse making @rel ("/"-separated, relative to
 * the work tree's top, as git names it) in a sealed tree, any of its
 * components: one named .git (any case), a tool's project configuration
 * at any depth (.mcp.json, .claude/settings.json, .claude/hooks/..., a
 * new .claude/.config.json), a persistence name in a guarded directory,
 * a symbolic link named as a tool's directory (.claude -> elsewhere), or
 * a path git itself would not check out ("", "a//b", "..").
 */
bool nono_gitpath_refused(const struct nono_gitpath_ctx *x, const char *rel,
			  enum nono_gitpath_kind kind);

/*
 * True when a symbolic link at @rel with the target @target leads out of
 * the work tree (an absolute target, or one whose ".." climbs above the
 * top): the gate refuses a link that leads out of the sealed trees.
 */
bool nono_gitpath_link_escapes(const char *rel, const char *target,
			       size_t tlen);

#endif
