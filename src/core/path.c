// SPDX-License-Identifier: Apache-2.0
/*
 * Path canonicalisation for grants: realpath(3) for what exists, lexical
 * folding for a missing tail, so that no symlink in a grant ever widens it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nono/path.h"
#include "util/cleanup.h"

/* Appends component @c (length @n) to @buf (@size bytes), folding "." and
 * "..". */
static int push(char *buf, size_t size, const char *c, size_t n)
{
	size_t len = strlen(buf);

	if (n == 0 || (n == 1 && c[0] == '.'))
		return 0;
	if (n == 2 && c[0] == '.' && c[1] == '.') {
		char *slash = strrchr(buf, '/');

		if (slash == buf)
			buf[1] = '\0';
		else if (slash)
			*slash = '\0';
		return 0;
	}
	if (len + 1 + n + 1 > size)
		return -ENAMETOOLONG;
	if (len > 1)
		buf[len++] = '/';
	memcpy(buf + len, c, n);
	buf[len + n] = '\0';
	return 0;
}

int nono_path_fold(char *buf, size_t size, const char *rel)
{
	for (const char *p = rel; *p;) {
		const char *e;
		int r;

		while (*p == '/')
			p++;
		e = strchrnul(p, '/');
		r = push(buf, size, p, (size_t)(e - p));
		if (r < 0)
			return r;
		p = e;
	}
	return 0;
}

/* realpath(3), with a leading "//" read as "/": POSIX leaves "//" to the C
 * library, and musl keeps it ("//etc"), which would match no grant. */
static char *real(const char *p)
{
	while (p[0] == '/' && p[1] == '/')
		p++;
	return realpath(p, NULL);
}

int nono_path_canon(const char *in, char **out, bool *exists)
{
	char folded[PATH_MAX], cwd[PATH_MAX];
	const char *src[2];
	char *res;
	size_t i;
	int r;

	*out = NULL;
	*exists = false;
	if (!in || !*in)
		return -EINVAL;
	if (strlen(in) >= PATH_MAX)
		return -ENAMETOOLONG;
	res = real(in);
	if (res) {
		*out = res;
		*exists = true;
		return 0;
	}
	if (errno != ENOENT)
		return -errno;

	/*
	 * The path does not exist (yet).  Resolve the longest prefix of the
	 * path as given that exists, with realpath, so that ".." after a
	 * symlink means what the kernel would make of it; then fold the
	 * missing tail lexically (nothing in it can be a symlink).
	 */
	src[0] = "";
	src[1] = in;
	if (in[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd)))
			return -errno;
		src[0] = cwd;
	}
	/* No "//" at the start: POSIX leaves its meaning to the C library,
	 * and musl's realpath() keeps it. */
	if (snprintf(folded, sizeof(folded), "%s%s%s", src[0],
		     in[0] == '/' ? "" : "/", src[1]) >= (int)sizeof(folded))
		return -ENAMETOOLONG;
	res = NULL;
	for (i = strlen(folded); i > 0; i--) {
		char save;

		if (folded[i] != '/' && folded[i] != '\0')
			continue;
		save = folded[i];
		folded[i] = '\0';
		res = real(folded);
		folded[i] = save;
		if (res)
			break;
		if (errno != ENOENT && errno != ENOTDIR)
			return -errno;
	}
	{
		char out_buf[PATH_MAX];

		snprintf(out_buf, sizeof(out_buf), "%s", res ? res : "/");
		free(res);
		r = nono_path_fold(out_buf, sizeof(out_buf), folded + i);
		if (r < 0)
			return r;
		*out = strdup(out_buf);
		if (!*out)
			return -ENOMEM;
	}
	return 0;
}

/* Absolute, no empty, "." or ".." component, no trailing slash. */
static bool is_clean(const char *p)
{
	if (p[0] != '/' || p[1] == '\0')
		return false;
	for (const char *c = p; *c; c++) {
		if (*c != '/')
			continue;
		if (c[1] == '/' || c[1] == '\0')
			return false;
		if (c[1] == '.' &&
		    (c[2] == '/' || c[2] == '\0' ||
		     (c[2] == '.' && (c[3] == '/' || c[3] == '\0'))))
			return false;
	}
	return true;
}

int nono_path_canon_memo(struct nono_path_memo *memo, const char *in,
			 char **out, bool *exists)
{
	char full[PATH_MAX], link[2];
	const char *slash;
	size_t dlen;

	*out = NULL;
	*exists = false;
	if (!memo || !in || strlen(in) >= PATH_MAX || !is_clean(in))
		return nono_path_canon(in, out, exists);
	slash = strrchr(in, '/');
	dlen = (size_t)(slash - in);
	if (dlen >= sizeof(memo->dir))
		return nono_path_canon(in, out, exists);
	if (dlen == 0) {
		snprintf(memo->dir, sizeof(memo->dir), "/");
		snprintf(memo->canon, sizeof(memo->canon), "/");
	} else if (strlen(memo->dir) != dlen ||
		   strncmp(memo->dir, in, dlen) != 0) {
		char *pc;

		memcpy(memo->dir, in, dlen);
		memo->dir[dlen] = '\0';
		pc = real(memo->dir);
		if (!pc || strlen(pc) >= sizeof(memo->canon)) {
			free(pc);
			memo->dir[0] = '\0';
			return nono_path_canon(in, out, exists);
		}
		snprintf(memo->canon, sizeof(memo->canon), "%s", pc);
		free(pc);
	}
	if ((size_t)snprintf(full, sizeof(full), "%s/%s",
			     strcmp(memo->canon, "/") == 0 ? "" : memo->canon,
			     slash + 1) >= sizeof(full))
		return nono_path_canon(in, out, exists);
	/* EINVAL: it exists and is not a symlink, so parent + name is its
	 * realpath.  Anything else (missing, a symlink): the full answer. */
	if (readlink(full, link, sizeof(link)) >= 0 || errno != EINVAL)
		return nono_path_canon(in, out, exists);
	*out = strdup(full);
	if (!*out)
		return -ENOMEM;
	*exists = true;
	return 0;
}
