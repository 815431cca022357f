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

/* Appends component @c (length @n) to @buf, folding "." and "..". */
static int push(char *buf, const char *c, size_t n)
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
	if (len + 1 + n + 1 > PATH_MAX)
		return -ENAMETOOLONG;
	if (len > 1)
		buf[len++] = '/';
	memcpy(buf + len, c, n);
	buf[len + n] = '\0';
	return 0;
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
	res = realpath(in, NULL);
	if (res) {
		*out = res;
		*exists = true;
		return 0;
	}
	if (errno != ENOENT)
		return -errno;

	/*
	 * The path does not exist (yet).  Fold it lexically into an absolute
	 * path, then resolve the longest prefix that exists, so a symlink in
	 * the existing part is still followed to where it really points.
	 */
	src[0] = "";
	src[1] = in;
	if (in[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd)))
			return -errno;
		src[0] = cwd;
	}
	folded[0] = '/';
	folded[1] = '\0';
	for (i = 0; i < 2; i++) {
		for (const char *p = src[i]; *p;) {
			const char *e;

			while (*p == '/')
				p++;
			e = strchrnul(p, '/');
			r = push(folded, p, (size_t)(e - p));
			if (r < 0)
				return r;
			p = e;
		}
	}
	for (i = strlen(folded); i > 0; i--) {
		char save;

		if (folded[i] != '/' && folded[i] != '\0')
			continue;
		save = folded[i];
		folded[i] = '\0';
		res = realpath(folded, NULL);
		folded[i] = save;
		if (res)
			break;
		if (errno != ENOENT && errno != ENOTDIR)
			return -errno;
	}
	if (!res) {
		res = strdup("/");
		if (!res)
			return -ENOMEM;
		i = 0;
	}
	{
		nono_autofree char *prefix = res;
		const char *tail = folded + i;

		if (strcmp(prefix, "/") == 0 && tail[0] == '/')
			tail++;
		if (strlen(prefix) + 1 + strlen(tail) >= PATH_MAX)
			return -ENAMETOOLONG;
		if (asprintf(
			out, "%s%s%s", prefix,
			(strcmp(prefix, "/") == 0 || tail[0] == '/' || !tail[0])
			    ? ""
			    : "/",
			tail) < 0) {
			*out = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}
