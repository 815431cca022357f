/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Finding the instruction files under a directory: what the pre-exec
 * trust scan (nono run), sign --all, verify --all, list and init check.
 * Prints nothing; errors are one line in the caller's buffer.
 *
 * The walk works on directory descriptors only (openat with O_NOFOLLOW |
 * O_DIRECTORY), reads entries with getdents64 and their type from d_type,
 * and stats only what matches.  It never follows a symlink to a
 * directory; it skips the heavy directories upstream's scan skips (.cache
 * .git .gradle .hg .mypy_cache .next .nuxt .pytest_cache .ruff_cache .svn
 * .terraform .tox .venv __pycache__ dist node_modules target vendor venv)
 * and the exact names the caller passes (--skip-dir); every other
 * directory, hidden ones like .claude and .github included, is scanned
 * ("build" too: not on upstream's list, and as often sources as output).
 * Mount points are crossed; a bind mount of a directory below itself is
 * scanned once.
 * Bounded: depth 64, 1,000,000 directory entries, paths of PATH_MAX; past
 * a bound the scan fails (with the --skip-dir hint) rather than stop
 * early.  Files named *.bundle (signatures, .nono-trust.bundle among
 * them) and the root's trust-policy.json are never instruction files.
 *
 * What the scan reports and why:
 * - A regular file whose path matches a pattern: the built-in ones
 *   (always, whatever the policy holds) and the policy's (trust/glob.h:
 *   at any depth; case folded in case-insensitive directories).
 * - A SYMLINK whose path matches: the agent reads through it.  Its
 *   target is resolved beneath the root (openat2 RESOLVE_BENEATH); a
 *   regular file there is reported with its identity and digest (flag
 *   SYMLINK); a target outside the root (or absolute, or on a kernel
 *   without openat2: OUTSIDE), dangling (BROKEN) or not a regular file
 *   (SPECIAL) cannot be verified, and says so.
 * - A symlink to a directory through whose path a pattern could match a
 *   file below it (e.g. a link .claude to docs/agent, under the built-in
 *   .claude pattern): DIRLINK, unverifiable, because those files are not
 *   found at their target's path under that pattern.  (Files reached
 *   through a link to outside the root are outside the scan, as
 *   ~/.claude is.)
 * - A FIFO, socket or device whose path matches: SPECIAL.
 * - A file or directory that cannot be read: a file is reported
 *   UNREADABLE (its owner, the agent's user, can chmod it); a directory
 *   owned by another user is skipped (the agent cannot read or chmod it
 *   either), one owned by the caller fails the scan.
 * The caller must treat every entry with NONO_TRUST_FOUND_UNVERIFIABLE
 * as failing verification.
 */
#ifndef NONO_TRUST_SCAN_H
#define NONO_TRUST_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "trust/digestcache.h"
#include "trust/glob.h"
#include "trust/policy.h"
#include "util/sha256.h"

#define NONO_TRUST_SCAN_MAX_DEPTH 64
#define NONO_TRUST_SCAN_MAX_ENTRIES 1000000
#define NONO_TRUST_SCAN_MAX_FILES 10000 /* instruction files in one scan */
#define NONO_TRUST_FILE_MAX (8 << 20)   /* bytes hashed of one file */

/* nono_trust_scan flags */
enum {
	NONO_TRUST_SCAN_RECURSIVE = 1u << 0, /* else the root directory only */
	NONO_TRUST_SCAN_GITIGNORE = 1u << 1, /* trust init only */
	NONO_TRUST_SCAN_HASH = 1u << 2,      /* fill sha256 */
};

/* nono_trust_found.flags */
enum {
	NONO_TRUST_FOUND_SYMLINK = 1u << 0,    /* a link; identity: target's */
	NONO_TRUST_FOUND_OUTSIDE = 1u << 1,    /* link target not beneath */
	NONO_TRUST_FOUND_BROKEN = 1u << 2,     /* link target missing/loop */
	NONO_TRUST_FOUND_SPECIAL = 1u << 3,    /* not a regular file */
	NONO_TRUST_FOUND_DIRLINK = 1u << 4,    /* link to a directory */
	NONO_TRUST_FOUND_UNREADABLE = 1u << 5, /* permission denied */
	NONO_TRUST_FOUND_CASEFOLD = 1u << 6,   /* matched with case folded */
	NONO_TRUST_FOUND_TOOBIG = 1u << 7,     /* over NONO_TRUST_FILE_MAX */
};
#define NONO_TRUST_FOUND_UNVERIFIABLE                                          \
	(NONO_TRUST_FOUND_OUTSIDE | NONO_TRUST_FOUND_BROKEN |                  \
	 NONO_TRUST_FOUND_SPECIAL | NONO_TRUST_FOUND_DIRLINK |                 \
	 NONO_TRUST_FOUND_UNREADABLE | NONO_TRUST_FOUND_TOOBIG)

struct nono_trust_found {
	char *path; /* relative to the root, no leading "./" */
	/* lowercase hex; "" without NONO_TRUST_SCAN_HASH or when
	 * unverifiable */
	char sha256[NONO_SHA256_HEX];
	/* of the regular file read (a link's target); zero when
	 * unverifiable */
	dev_t dev;
	ino_t ino;
	unsigned long long size;
	long long mtime_ns, ctime_ns;
	unsigned flags;
};

struct nono_trust_list {
	struct nono_trust_found *v; /* sorted by path (strcmp) */
	size_t n, cap;
};

void nono_trust_list_free(struct nono_trust_list *l);

/* Whether @relpath matches a built-in pattern or one of @p's (as the scan
 * matches a file in a case-sensitive directory). */
bool nono_trust_policy_match(const struct nono_trust_policy *p,
			     const char *relpath);

/*
 * Finds the instruction files of @p under the directory @rootfd (any
 * descriptor of it, O_PATH too; borrowed), skipping the directories
 * named in @skip_dirs (@nskip exact names; NULL when 0).  *@out is reset
 * on entry and filled only on success; free it with
 * nono_trust_list_free.  Returns 0; -1 with @err for a bound passed, a
 * directory of the caller's that cannot be read, a file that changed
 * while it was hashed, or an I/O error (errno set); -1 with "out of
 * memory".
 */
int nono_trust_scan(int rootfd, const struct nono_trust_policy *p,
		    char *const *skip_dirs, size_t nskip, unsigned flags,
		    struct nono_trust_list *out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The same, taking digests from @cache (NULL: none) where it holds
 * trustworthy ones and recording the ones it reads there; with
 * @root_name (the root directory's own name, or NULL), paths are matched
 * as if they began with it: a scan of ~/.claude sees its commands/x.md
 * as .claude/commands/x.md. */
int nono_trust_scan_cached(int rootfd, const char *root_name,
			   const struct nono_trust_policy *p,
			   char *const *skip_dirs, size_t nskip, unsigned flags,
			   struct nono_trust_cache *cache,
			   struct nono_trust_list *out, char *err,
			   size_t errlen) __attribute__((warn_unused_result));

#endif
