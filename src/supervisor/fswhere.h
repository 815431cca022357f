/* SPDX-License-Identifier: Apache-2.0 */
/* Where a path a sandboxed task names lands: its parent and final name as
 * strings (fswhere.c), for the gate's fast path and for opening the parent
 * in the task's view (fsgate.c). */
#ifndef NONO_SUPERVISOR_FSWHERE_H
#define NONO_SUPERVISOR_FSWHERE_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

struct nono_gate;

/*
 * Where a new name lands, as the task names it: the parent directory made
 * absolute (from its working directory or @dirfd, one readlink) and the
 * final name, taken literally.  @dir is folded lexically; @raw keeps the
 * parent as written, for the kernel to resolve when a ".." in it could
 * follow a symlink.  Only strings: nothing is decided on them but the fast
 * path (where a wrong answer costs a refusal, never safety).
 */
struct where {
	char dir[PATH_MAX];
	char raw[PATH_MAX];
	char name[NAME_MAX + 1];
	bool dotdot; /* a ".." in the parent part */
	bool nosym;  /* RESOLVE_NO_SYMLINKS: the parent holds none */
};

/* @path split into parent and name, relative to directory @base.  0 or
 * -1, as nono_fswhere_locate(). */
int nono_fswhere_split(const char *base, const char *path, struct where *w);

/* @path as task @pid names it (relative to its cwd or @dirfd).  0, or -1
 * when it cannot be split (an empty or over-long name, "." or ".."). */
int nono_fswhere_locate(pid_t pid, int dirfd, const char *path,
			struct where *w);

/*
 * The fast path's string may name a writable tree by another way: a parent
 * outside every writable grant as written ($HOME=/home/u where /home links
 * to /srv/home, a shell's logical $PWD) that leads into a sealed tree,
 * where only the supervisor may write.  Resolved in the task's view: true
 * when it leads into a writable grant, and the slow path decides on what
 * it opens.  Only parents outside the grants pay for it.
 */
bool nono_fswhere_aliased(const struct nono_gate *g, pid_t pid,
			  const struct where *w);

#endif
