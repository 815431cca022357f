// SPDX-License-Identifier: Apache-2.0
/*
 * Where a path a sandboxed task names lands, as strings: the gate's fast
 * path decides on them only where a wrong answer costs a refusal, never
 * safety (see fswhere.h and fsgate.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nono/path.h"
#include "supervisor/fswhere.h"
#include "supervisor/gate_internal.h"
#include "util/cleanup.h"

static int task_base(pid_t pid, int dirfd, char *out, size_t len)
{
	char link[64];
	ssize_t l;

	if (dirfd == AT_FDCWD)
		snprintf(link, sizeof(link), "/proc/%d/cwd", (int)pid);
	else
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, dirfd);
	l = readlink(link, out, len - 1);
	if (l <= 0 || out[0] != '/' || (size_t)l == len - 1)
		return -1;
	out[l] = '\0';
	/* A directory that was removed: no path leads to it (one named
	 * "X (deleted)" would be another directory). */
	if ((size_t)l > 10 && strcmp(out + l - 10, " (deleted)") == 0)
		return -1;
	return 0;
}

/* @path split into parent and name, relative to directory @base. */
int nono_fswhere_split(const char *base, const char *path, struct where *w)
{
	char buf[PATH_MAX];
	const char *parent = "", *name;
	char *slash;
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -1;
	w->nosym = false;
	memcpy(buf, path, len + 1);
	/* mkdir("dir/") names "dir". */
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = '\0';
	slash = strrchr(buf, '/');
	name = slash ? slash + 1 : buf;
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strlen(name) > NAME_MAX)
		return -1;
	memcpy(w->name, name, strlen(name) + 1);
	if (slash) {
		*slash = '\0';
		parent = buf;
	}
	if ((size_t)snprintf(w->raw, sizeof(w->raw), "%s/%s",
			     path[0] == '/' ? "" : base,
			     parent) >= sizeof(w->raw))
		return -1;
	w->dotdot = strcmp(parent, "..") == 0 ||
		    strncmp(parent, "../", 3) == 0 || strstr(parent, "/../") ||
		    (strlen(parent) >= 3 &&
		     strcmp(parent + strlen(parent) - 3, "/..") == 0);
	snprintf(w->dir, sizeof(w->dir), "/");
	if (nono_path_fold(w->dir, sizeof(w->dir), w->raw) < 0)
		return -1;
	return 0;
}

int nono_fswhere_locate(pid_t pid, int dirfd, const char *path, struct where *w)
{
	char base[PATH_MAX];

	if (path[0] != '/' && task_base(pid, dirfd, base, sizeof(base)) < 0)
		return -1;
	return nono_fswhere_split(path[0] == '/' ? "/" : base, path, w);
}

/* Resolves a parent outside the writable grants (see fswhere.h). */
bool nono_fswhere_aliased(const struct nono_gate *g, pid_t pid,
			  const struct where *w)
{
	char real[PATH_MAX], full[PATH_MAX];
	nono_autoclose int fd = -1;

	if (nono_caps_allows(g->caps, w->dir, NONO_ACCESS_WRITE, NULL))
		return false;
	/* A file granted by name (/dev/null, /dev/tty): as written, it is
	 * what the kernel decides on. */
	if ((size_t)snprintf(full, sizeof(full), "%s/%s",
			     strcmp(w->dir, "/") == 0 ? "" : w->dir,
			     w->name) < sizeof(full) &&
	    nono_caps_allows(g->caps, full, NONO_ACCESS_WRITE, NULL))
		return false;
	fd = nono_gate_open_in_task(g, pid, w->dotdot ? w->raw : w->dir,
				    O_PATH | O_DIRECTORY);
	return fd >= 0 && nono_gate_fd_path(fd, real, sizeof(real)) >= 0 &&
	       strcmp(real, w->dir) != 0 &&
	       nono_caps_allows(g->caps, real, NONO_ACCESS_WRITE, NULL);
}
