// SPDX-License-Identifier: Apache-2.0
/*
 * Paths of a git tree judged as the gate judges making them (gitpath.h).
 * What fsgate.c's refuses() decides for a new name in a sealed tree, one
 * component at a time, from the work tree's top down: each directory git
 * makes on the way and the entry itself.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "nono/path.h"
#include "policy/gitpath.h"
#include "policy/projcfg.h"
#include "policy/protect.h"

enum nono_gitpath_kind nono_gitpath_kind_of(unsigned mode)
{
	switch (mode & 0170000) {
	case 0120000:
		return NONO_GITPATH_LINK;
	case 0160000:
		return NONO_GITPATH_GITLINK;
	default:
		return NONO_GITPATH_FILE;
	}
}

static bool bypassed(const struct nono_gitpath_ctx *x, const char *path)
{
	for (size_t i = 0; i < x->nbypass; i++)
		if (strcmp(x->bypass[i], path) == 0)
			return true;
	return false;
}

/* @dir lies at or below a bypassed path (fsgate.c's bypassed_above). */
static bool bypassed_above(const struct nono_gitpath_ctx *x, const char *dir)
{
	for (size_t i = 0; i < x->nbypass; i++)
		if (dir[0] && nono_path_is_under(dir, x->bypass[i]))
			return true;
	return false;
}

static bool guarded(const struct nono_gitpath_ctx *x, const char *rel, size_t n)
{
	for (size_t i = 0; i < x->nguarded; i++)
		if (strlen(x->guarded[i]) == n &&
		    strncmp(x->guarded[i], rel, n) == 0)
			return true;
	return false;
}

bool nono_gitpath_refused(const struct nono_gitpath_ctx *x, const char *rel,
			  enum nono_gitpath_kind kind)
{
	char dir[PATH_MAX], full[PATH_MAX], name[NAME_MAX + 1];
	const char *p = rel;
	int n;

	/* The directory each component is made in, as an absolute path
	 * (projcfg.c looks at its components: .claude/hooks below). */
	n = snprintf(dir, sizeof(dir), "%s",
		     x->top && strcmp(x->top, "/") != 0 ? x->top : "");
	if (n < 0 || (size_t)n >= sizeof(dir) || !*p)
		return true;
	for (;;) {
		const char *end = strchrnul(p, '/');
		size_t len = (size_t)(end - p);
		bool last = *end == '\0';

		if (len == 0 || len > NAME_MAX)
			return true;
		memcpy(name, p, len);
		name[len] = '\0';
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			return true;
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", dir, name) >=
		    sizeof(full))
			return true;
		if (!bypassed(x, full)) {
			/* A repository, wherever it is (gitgate.c). */
			if (strcasecmp(name, ".git") == 0 &&
			    !bypassed_above(x, dir))
				return true;
			if (nono_projcfg_refuses(dir[0] ? dir : "/", name) ||
			    (last && nono_projcfg_refuses_new(dir, name)))
				return true;
			if (guarded(x, rel,
				    p == rel ? 0 : (size_t)(p - rel - 1)) &&
			    nono_guard_refuses(NONO_GUARD_TREE, name) &&
			    !bypassed_above(x, dir))
				return true;
			/* A tool's directory brought whole, as a link. */
			if (last && kind == NONO_GITPATH_LINK &&
			    nono_projcfg_dir(name))
				return true;
		}
		if (last)
			return false;
		memcpy(dir, full, strlen(full) + 1);
		p = end + 1;
	}
}

bool nono_gitpath_link_escapes(const char *rel, const char *target, size_t tlen)
{
	const char *p = target, *end = target + tlen;
	long depth = 0;

	if (tlen == 0 || memchr(target, '\0', tlen) || target[0] == '/')
		return true;
	/* The link's own directory: one level per "/" in its path. */
	for (const char *s = rel; *s; s++)
		depth += *s == '/';
	while (p < end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		size_t len = slash ? (size_t)(slash - p) : (size_t)(end - p);

		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return true;
		} else if (len && !(len == 1 && p[0] == '.')) {
			depth++;
		}
		p += len + (slash ? 1 : 0);
	}
	return false;
}
