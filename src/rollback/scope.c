// SPDX-License-Identifier: Apache-2.0
/* What a rollback snapshot covers (see scope.h). */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/json.h"
#include "rollback/manifest.h"
#include "rollback/scope.h"

#define MAX_FILES 10000

/* Regenerable: rebuilt by a tool, large, not worth a snapshot.  .git is
 * git's own history (and nono protects what in it can run code). */
const char *const nono_rb_auto_excluded[] = {
    ".git",    "node_modules", "target",      "__pycache__",   ".venv",
    "venv",    ".tox",         ".mypy_cache", ".pytest_cache", ".ruff_cache",
    ".gradle", ".next",        ".nuxt",       ".parcel-cache", ".turbo",
    ".cache",  NULL,
};

void nono_rb_scope_init(struct nono_rb_scope *s)
{
	memset(s, 0, sizeof(*s));
	s->max_files = MAX_FILES;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void nono_rb_scope_free(struct nono_rb_scope *s)
{
	strv_free(s->exclude, s->nexclude);
	strv_free(s->include, s->ninclude);
	strv_free(s->skip, s->nskip);
	memset(s, 0, sizeof(*s));
}

static int push(char ***v, size_t *n, const char *val)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = strdup(val);
	if (!nv[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

int nono_rb_scope_add(struct nono_rb_scope *s, char which, const char *v)
{
	if (!v || !*v)
		return -EINVAL;
	switch (which) {
	case 'e':
		return push(&s->exclude, &s->nexclude, v);
	case 'i':
		return push(&s->include, &s->ninclude, v);
	case 's':
		return push(&s->skip, &s->nskip, v);
	default:
		return -EINVAL;
	}
}

static bool has_glob(const char *p)
{
	return strpbrk(p, "*?[") != NULL;
}

/* @rel has @name as one of its components. */
static bool has_component(const char *rel, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = rel; *p;) {
		size_t l = strcspn(p, "/");

		if (l == n && memcmp(p, name, n) == 0)
			return true;
		p += l;
		if (*p == '/')
			p++;
	}
	return false;
}

static bool in(char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return true;
	return false;
}

bool nono_rb_scope_excludes(const struct nono_rb_scope *s, const char *rel,
			    const char *name, bool dir, size_t entries)
{
	for (size_t i = 0; i < s->nexclude; i++) {
		const char *p = s->exclude[i];

		if (has_glob(p)) {
			if (fnmatch(p, name, FNM_PERIOD) == 0)
				return true;
		} else if (strchr(p, '/')) {
			if (strstr(rel, p))
				return true;
		} else if (has_component(rel, p)) {
			return true;
		}
	}
	if (dir && in(s->skip, s->nskip, name))
		return true;
	if (!dir || s->all || in(s->include, s->ninclude, name))
		return false;
	for (size_t i = 0; nono_rb_auto_excluded[i]; i++)
		if (strcmp(name, nono_rb_auto_excluded[i]) == 0)
			return true;
	return s->max_files && entries > s->max_files;
}

static void list_json(struct nono_ev *o, const char *key, char *const *v,
		      size_t n)
{
	nono_ev_put(o, ",\"", 2);
	nono_ev_put(o, key, strlen(key));
	nono_ev_put(o, "\":[", 3);
	for (size_t i = 0; i < n; i++) {
		if (i)
			nono_ev_put(o, ",", 1);
		/* Bytes as the user gave them: percent-encoded. */
		nono_ev_put(o, "\"", 1);
		nono_rb_pct_encode(o, v[i], strlen(v[i]));
		nono_ev_put(o, "\"", 1);
	}
	nono_ev_put(o, "]", 1);
}

int nono_rb_scope_json(const struct nono_rb_scope *s, struct nono_ev *o)
{
	char num[64];
	int n = snprintf(num, sizeof(num), "{\"all\":%s,\"max_files\":%u",
			 s->all ? "true" : "false", s->max_files);

	nono_ev_put(o, num, (size_t)n);
	list_json(o, "exclude", s->exclude, s->nexclude);
	list_json(o, "include", s->include, s->ninclude);
	list_json(o, "skip", s->skip, s->nskip);
	nono_ev_put(o, "}", 1);
	return o->oom ? -ENOMEM : 0;
}

static int list_from(const struct nono_json *j, const char *key, char which,
		     struct nono_rb_scope *s)
{
	const struct nono_json *a = nono_json_get(j, key);

	if (!a || a->type != NONO_JSON_ARRAY)
		return -EINVAL;
	for (size_t i = 0; i < a->len; i++) {
		const struct nono_json *v = a->items[i];
		char *d;
		int r;

		if (v->type != NONO_JSON_STRING ||
		    nono_rb_pct_decode(v->str, v->len, &d, NULL) < 0)
			return -EINVAL;
		r = nono_rb_scope_add(s, which, d);
		free(d);
		if (r < 0)
			return r;
	}
	return 0;
}

int nono_rb_scope_from_json(const struct nono_json *j, struct nono_rb_scope *s)
{
	const struct nono_json *all, *mf;
	int r;

	nono_rb_scope_init(s);
	if (!j || j->type != NONO_JSON_OBJECT)
		return -EINVAL;
	all = nono_json_get(j, "all");
	mf = nono_json_get(j, "max_files");
	if (!all || all->type != NONO_JSON_BOOL || !mf ||
	    mf->type != NONO_JSON_NUMBER || !mf->is_int || mf->integer < 0 ||
	    mf->integer > 1000000000)
		return -EINVAL;
	s->all = all->b;
	s->max_files = (unsigned)mf->integer;
	if ((r = list_from(j, "exclude", 'e', s)) < 0 ||
	    (r = list_from(j, "include", 'i', s)) < 0 ||
	    (r = list_from(j, "skip", 's', s)) < 0) {
		nono_rb_scope_free(s);
		return r;
	}
	return 0;
}
