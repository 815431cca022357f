// SPDX-License-Identifier: Apache-2.0
/*
 * Git repositories in sealed trees (the user's writable grants).  A
 * repository's hooks, its config and the files that send git elsewhere run
 * programs when the user later runs git there, outside the sandbox.  The
 * repositories found at start are guarded by inode (policy/protect.c);
 * this covers every repository wherever it lies, found or not:
 *
 *  - a new ".git" (directory, file or link) anywhere in a sealed tree needs
 *    --allow-new-repos (git clone, git init, git worktree add);
 *  - inside a git directory, a new name or a write-open follows git's
 *    layout rules (the allow-list at its top, nothing new in hooks/,
 *    modules/, worktrees/, no info/attributes), unless that git directory
 *    was made in this session through the gate: the sandbox's own clone;
 *  - a git directory that is not the sandbox's own cannot be renamed.
 *
 * Decided on the directory fd the supervisor opened (its canonical path,
 * no symlinks in it), and the git directory is recognised by inode.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/util/cleanup.h"
#include "nono/path.h"
#include "policy/protect.h"
#include "supervisor/gate_internal.h"

void nono_gate_set_new_repos(struct nono_gate *g, bool on)
{
	g->allow_new_repos = on;
}

static bool is_own(const struct nono_gate *g, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < g->nown; i++)
		if (g->own[i].dev == dev && g->own[i].ino == ino)
			return true;
	return false;
}

void nono_gitgate_note_own(struct nono_gate *g, int dfd, const char *name)
{
	struct stat st;

	if (strcmp(name, ".git") != 0 ||
	    fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISDIR(st.st_mode) || is_own(g, st.st_dev, st.st_ino))
		return;
	if (g->nown == g->cap_own) {
		size_t cap = g->cap_own ? g->cap_own * 2 : 16;
		void *p = realloc(g->own, cap * sizeof(*g->own));

		/* Out of memory: not recorded, so its rules stay on (a
		 * refusal later, never a hole). */
		if (!p)
			return;
		g->own = p;
		g->cap_own = cap;
	}
	g->own[g->nown].dev = st.st_dev;
	g->own[g->nown].ino = st.st_ino;
	g->nown++;
}

/* The last ".git" component of canonical @dir: returns the length of the
 * git directory's path in @dir and points *@rel past it ("" when @dir is
 * the git directory), or 0 when there is none. */
static size_t gitdir_of(const char *dir, const char **rel)
{
	const char *hit = NULL;

	for (const char *s = strstr(dir, "/.git"); s;
	     s = strstr(s + 1, "/.git"))
		if (s[5] == '/' || s[5] == '\0')
			hit = s;
	if (!hit)
		return 0;
	*rel = hit[5] ? hit + 6 : "";
	return (size_t)(hit - dir) + 5;
}

/* The rule for a directory at @rel inside a git directory, or -1: its top,
 * hooks/ info/ modules/ worktrees/ there, and the same in the git
 * directories of submodules and worktrees (modules/NAME, worktrees/NAME,
 * nested). */
static int layout_kind(const char *rel)
{
	char buf[PATH_MAX];
	const char *comp[PATH_MAX / 2];
	size_t n = 0, i = 0;

	if (strlen(rel) >= sizeof(buf))
		return -1;
	memcpy(buf, rel, strlen(rel) + 1);
	for (char *save = NULL, *c = strtok_r(buf, "/", &save); c;
	     c = strtok_r(NULL, "/", &save))
		comp[n++] = c;
	while (i + 1 < n && (strcmp(comp[i], "modules") == 0 ||
			     strcmp(comp[i], "worktrees") == 0))
		i += 2;
	if (i == n)
		return NONO_GUARD_GITDIR;
	if (i + 1 != n)
		return -1;
	if (strcmp(comp[i], "hooks") == 0 || strcmp(comp[i], "modules") == 0 ||
	    strcmp(comp[i], "worktrees") == 0)
		return NONO_GUARD_SEALED;
	if (strcmp(comp[i], "info") == 0)
		return NONO_GUARD_GITINFO;
	return -1;
}

/* The git directory at @gd (canonical, in the sandbox's view) is one the
 * sandbox made; false when it cannot be looked at (its rules then hold). */
static bool own_gitdir(const struct nono_gate *g, const char *gd)
{
	struct open_how how = {
	    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
	    .resolve =
		RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	nono_autoclose int fd = -1;
	struct stat st;

	if (g->nown == 0 || g->root < 0)
		return false;
	fd = (int)syscall(SYS_openat2, g->root, gd, &how, sizeof(how));
	return fd >= 0 && fstat(fd, &st) == 0 &&
	       is_own(g, st.st_dev, st.st_ino);
}

enum nono_gitgate_verdict nono_gitgate_decide(struct nono_gate *g,
					      const char *dir, const char *name)
{
	char gd[PATH_MAX];
	const char *rel;
	size_t n;
	int kind;

	if (strcmp(name, ".git") == 0 && !g->allow_new_repos)
		return NONO_GITGATE_NEW_REPO;
	n = gitdir_of(dir, &rel);
	if (n == 0 || n >= sizeof(gd))
		return NONO_GITGATE_OK;
	kind = layout_kind(rel);
	if (kind < 0 || !nono_guard_refuses((enum nono_guard_kind)kind, name))
		return NONO_GITGATE_OK;
	memcpy(gd, dir, n);
	gd[n] = '\0';
	return own_gitdir(g, gd) ? NONO_GITGATE_OK : NONO_GITGATE_LAYOUT;
}

bool nono_gitgate_may_move(struct nono_gate *g, int dfd, const char *name)
{
	struct stat st;

	if (strcmp(name, ".git") != 0 ||
	    fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISDIR(st.st_mode))
		return true;
	return is_own(g, st.st_dev, st.st_ino);
}
