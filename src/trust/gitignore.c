// SPDX-License-Identifier: Apache-2.0
/*
 * One .gitignore file's rules, parsed into globs (trust/glob.h) and
 * matched last-to-first, for `nono trust init`.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "trust/gitignore.h"
#include "trust/glob.h"

struct rule {
	char *pat; /* the glob text (unescaped as git reads it: kept) */
	struct nono_glob g;
	bool negate, dir_only, anchored;
};

struct nono_gitignore {
	struct rule *r;
	size_t n;
};

void nono_gitignore_free(struct nono_gitignore *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++)
		free(g->r[i].pat);
	free(g->r);
	free(g);
}

/* One line [s, s+n) (no newline) into @r: 1, 0 when it is no rule, -1
 * out of memory. */
static int parse_line(const char *s, size_t n, struct rule *r)
{
	size_t end = n;
	char *pat;

	memset(r, 0, sizeof(*r));
	if (end && s[end - 1] == '\r')
		end--;
	if (end == 0 || s[0] == '#')
		return 0;
	/* Trailing spaces go, unless the last one is escaped. */
	while (end && s[end - 1] == ' ' && !(end >= 2 && s[end - 2] == '\\'))
		end--;
	if (s[0] == '!') {
		r->negate = true;
		s++;
		end--;
	}
	if (end && s[end - 1] == '/') {
		r->dir_only = true;
		end--;
	}
	if (end == 0)
		return 0;
	/* A '/' anywhere but at the end anchors the rule. */
	if (memchr(s, '/', end)) {
		r->anchored = true;
		if (s[0] == '/') {
			s++;
			end--;
		}
	}
	if (end == 0 || end > NONO_GLOB_MAX_LEN)
		return 0;
	pat = malloc(end + 1);
	if (!pat)
		return -1;
	memcpy(pat, s, end);
	pat[end] = '\0';
	/* "\#" and "\!" stay as they are: the glob reads '\' as a quote. */
	if (strlen(pat) != end || nono_glob_compile(&r->g, pat) < 0) {
		free(pat);
		return 0;
	}
	r->pat = pat;
	r->g.src = pat;
	return 1;
}

int nono_gitignore_parse(const char *text, size_t len,
			 struct nono_gitignore **out)
{
	struct nono_gitignore *g;
	size_t i = 0;

	*out = NULL;
	if (len > NONO_GITIGNORE_MAX_TEXT)
		return -E2BIG;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
		struct rule r, *nr;
		int k = parse_line(text + i, n, &r);

		i += n + 1;
		if (k < 0)
			goto oom;
		if (k == 0)
			continue;
		if (g->n >= NONO_GITIGNORE_MAX_RULES) {
			free(r.pat);
			nono_gitignore_free(g);
			return -E2BIG;
		}
		nr = realloc(g->r, (g->n + 1) * sizeof(*nr));
		if (!nr) {
			free(r.pat);
			goto oom;
		}
		g->r = nr;
		g->r[g->n++] = r;
	}
	*out = g;
	return 0;
oom:
	nono_gitignore_free(g);
	return -ENOMEM;
}

int nono_gitignore_match(const struct nono_gitignore *g, const char *relpath,
			 bool is_dir)
{
	if (!g)
		return -1;
	for (size_t i = g->n; i-- > 0;) {
		const struct rule *r = &g->r[i];

		if (r->dir_only && !is_dir)
			continue;
		if (nono_glob_match(&r->g, relpath, r->anchored, false))
			return r->negate ? 0 : 1;
	}
	return -1;
}
