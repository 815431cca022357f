// SPDX-License-Identifier: Apache-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nono/path.h"
#include "policy/dirview.h"

/* Bigger directories are not listed: lstat per name is cheaper there. */
#define MAX_ENTRIES 2048
#define MAX_LISTINGS 16

struct entry {
	char *name;
	unsigned char type; /* DT_* */
};

struct listing {
	char *rel; /* "" for the root */
	struct entry *e;
	size_t n;
	bool ok; /* false: unreadable or too big, use the slow way */
};

struct dirview {
	char *root;  /* as given */
	char *canon; /* realpath of root; NULL if it does not resolve */
	struct listing l[MAX_LISTINGS];
	size_t nl;
};

struct dirview *dirview_new(const char *root)
{
	struct dirview *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->root = strdup(root);
	if (!v->root) {
		free(v);
		return NULL;
	}
	v->canon = realpath(root, NULL);
	return v;
}

void dirview_free(struct dirview *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->nl; i++) {
		for (size_t k = 0; k < v->l[i].n; k++)
			free(v->l[i].e[k].name);
		free(v->l[i].e);
		free(v->l[i].rel);
	}
	free(v->canon);
	free(v->root);
	free(v);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name,
		      ((const struct entry *)b)->name);
}

/* Reads canon/rel into @l; l->ok says whether it can be trusted. */
static void read_listing(const struct dirview *v, struct listing *l)
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t cap = 0;
	DIR *d;
	int fd;

	if (snprintf(path, sizeof(path), "%s%s%s", v->canon, *l->rel ? "/" : "",
		     l->rel) >= (int)sizeof(path))
		return;
	/* O_NOFOLLOW: every component was seen as a real directory. */
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		struct entry *e;

		if (l->n == MAX_ENTRIES)
			goto out;
		if (l->n == cap) {
			cap = cap ? cap * 2 : 64;
			e = realloc(l->e, cap * sizeof(*e));
			if (!e)
				goto out;
			l->e = e;
		}
		e = &l->e[l->n];
		e->name = strdup(de->d_name);
		if (!e->name)
			goto out;
		e->type = de->d_type;
		l->n++;
	}
	qsort(l->e, l->n, sizeof(*l->e), by_name);
	l->ok = true;
out:
	closedir(d);
}

static struct listing *listing(struct dirview *v, const char *rel)
{
	struct listing *l;

	for (size_t i = 0; i < v->nl; i++)
		if (strcmp(v->l[i].rel, rel) == 0)
			return &v->l[i];
	if (v->nl == MAX_LISTINGS)
		return NULL;
	l = &v->l[v->nl];
	memset(l, 0, sizeof(*l));
	l->rel = strdup(rel);
	if (!l->rel)
		return NULL;
	v->nl++;
	read_listing(v, l);
	return l;
}

/* lstat, then realpath: the answer for anything the listings cannot give. */
static char *slow(const struct dirview *v, const char *rel)
{
	char buf[PATH_MAX];
	char *canon = NULL;
	struct stat st;
	bool exists;

	if (snprintf(buf, sizeof(buf), "%s/%s", v->root, rel) >=
	    (int)sizeof(buf))
		return NULL;
	if (lstat(buf, &st) < 0)
		return NULL;
	if (nono_path_canon(buf, &canon, &exists) < 0)
		return NULL;
	if (!exists) {
		free(canon);
		return NULL;
	}
	return canon;
}

const char *dirview_root(const struct dirview *v)
{
	return v->canon;
}

char *dirview_locate(struct dirview *v, const char *rel)
{
	char dir[PATH_MAX], out[PATH_MAX];
	const char *p = rel;

	if (!v->canon) /* the root does not resolve: nothing exists below */
		return access(v->root, F_OK) == 0 ? slow(v, rel) : NULL;
	dir[0] = '\0';
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		struct listing *l = listing(v, dir);
		struct entry key, *e;
		char name[NAME_MAX + 1];

		if (!l || !l->ok || len == 0 || len > NAME_MAX)
			return slow(v, rel);
		memcpy(name, p, len);
		name[len] = '\0';
		key.name = name;
		e = bsearch(&key, l->e, l->n, sizeof(*l->e), by_name);
		if (!e)
			return NULL; /* absent: the common case, no syscall */
		if (!slash) {
			/* A symlink resolves elsewhere; unknown types are
			 * checked. */
			if (e->type == DT_LNK || e->type == DT_UNKNOWN)
				return slow(v, rel);
			break;
		}
		if (e->type != DT_DIR)
			return slow(v, rel);
		if (snprintf(dir, sizeof(dir), "%.*s", (int)(slash - rel),
			     rel) >= (int)sizeof(dir))
			return slow(v, rel);
		p = slash + 1;
	}
	if (snprintf(out, sizeof(out), "%s/%s",
		     strcmp(v->canon, "/") == 0 ? "" : v->canon,
		     rel) >= (int)sizeof(out))
		return NULL;
	return strdup(out);
}
