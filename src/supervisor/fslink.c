// SPDX-License-Identifier: Apache-2.0
/*
 * Where a symlink made in a sealed tree leads (see fslink.h): a place the
 * sandbox may write outside the sealed trees, where a repository the rules
 * never saw could be made, is "out".  Pure, on the grants alone.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "nono/caps.h"
#include "nono/path.h"
#include "supervisor/fslink.h"

/* The sandbox may write @p and no sealed tree decides what lands there. */
static bool open_to_sandbox(const struct nono_caps *caps, const char *p)
{
	return !nono_caps_sealed(caps, p) &&
	       nono_caps_allows(caps, p, NONO_ACCESS_WRITE, NULL);
}

/*
 * A symlink target @p that could hold a repository the rules never saw:
 * /proc/PID/root and /dev/fd (they lead anywhere), a directory the sandbox
 * may write outside the sealed trees or any directory above one (another
 * link can add the rest of the way: review, "q -> /" and "p -> q/tmp"), or
 * a name in such a directory (a directory can be made there later).  A
 * file it may write in a directory it may not (/dev/null) is none.
 */
bool nono_fslink_writable_outside(const struct nono_caps *caps, const char *p)
{
	char parent[PATH_MAX];
	char *slash;

	if (strcmp(p, "/proc") == 0 || strncmp(p, "/proc/", 6) == 0 ||
	    strncmp(p, "/dev/fd", 7) == 0 || strncmp(p, "/dev/std", 8) == 0)
		return true;
	for (size_t i = 0; i < nono_caps_path_count(caps); i++) {
		const struct nono_grant *g = nono_caps_path_at(caps, i);

		if ((g->access & NONO_ACCESS_WRITE) &&
		    !(g->flags & (NONO_GRANT_FILE | NONO_GRANT_DEVICE)) &&
		    nono_path_is_under(g->path, p) &&
		    !nono_caps_sealed(caps, g->path))
			return true;
	}
	if ((size_t)snprintf(parent, sizeof(parent), "%s", p) >= sizeof(parent))
		return true;
	slash = strrchr(parent, '/');
	if (!slash)
		return true;
	if (slash == parent)
		parent[1] = '\0';
	else
		*slash = '\0';
	return open_to_sandbox(caps, parent);
}

/*
 * Where a relative target can lead once its link is moved within its tree:
 * its leading ".." may then climb to each ancestor of the tree's root in
 * turn (review 2: a link made deep and moved up).  Each landing is
 * checked; a ".." after a name is taken as leaving.
 */
bool nono_fslink_climbs_out(const struct nono_caps *caps, const char *dir,
			    const char *target)
{
	const char *root = nono_caps_sealed_root(caps, dir), *rest = target;
	char anc[PATH_MAX], to[PATH_MAX];
	int k = 0;

	while (strncmp(rest, "../", 3) == 0 || strncmp(rest, "./", 2) == 0 ||
	       strcmp(rest, "..") == 0) {
		k += rest[1] == '.';
		rest += rest[1] == '.' ? (rest[2] ? 3 : 2) : 2;
		while (*rest == '/')
			rest++;
	}
	if (strcmp(rest, "..") == 0 || strncmp(rest, "../", 3) == 0 ||
	    strstr(rest, "/../") ||
	    (strlen(rest) >= 3 && strcmp(rest + strlen(rest) - 3, "/..") == 0))
		return true;
	if (!root ||
	    (size_t)snprintf(anc, sizeof(anc), "%s", root) >= sizeof(anc))
		return true;
	for (int j = 1; j <= k; j++) {
		char *slash = strrchr(anc, '/');

		if (!slash)
			break;
		if (slash == anc)
			anc[1] = '\0';
		else
			*slash = '\0';
		snprintf(to, sizeof(to), "/");
		if (nono_path_fold(to, sizeof(to), anc) < 0 ||
		    nono_path_fold(to, sizeof(to), rest) < 0 ||
		    nono_fslink_writable_outside(caps, to))
			return true;
		if (strcmp(anc, "/") == 0)
			break;
	}
	return false;
}
