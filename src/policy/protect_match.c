// SPDX-License-Identifier: Apache-2.0
/*
 * Which protected item a canonical path is, or lies in: the items located
 * under $HOME as they are now (a few directory listings, policy/dirview.c)
 * and compared.  One location serves every directory above a path, and,
 * between nono_protect_memo_begin() and _end() on the calling thread,
 * every path of a pass (nono learn's report judges thousands).
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/dirview.h"
#include "policy/protect.h"
#include "policy/protect_internal.h"

/* Where each item is now (NULL: not there). */
struct located {
	char *home;
	char *krb5;
	char **at;
	size_t n;
};

static void located_free(struct located *l)
{
	for (size_t i = 0; l->at && i < l->n; i++)
		free(l->at[i]);
	free(l->at);
	free(l->krb5);
	free(l->home);
	memset(l, 0, sizeof(*l));
}

/* False when out of memory (nothing kept). */
static bool locate_all(const char *home, struct located *l)
{
	struct dirview *v;

	memset(l, 0, sizeof(*l));
	l->krb5 = nono_protect_krb5_cache();
	if (!home)
		return true;
	l->n = nono_protect_count();
	l->at = calloc(l->n, sizeof(*l->at));
	l->home = strdup(home);
	v = dirview_new(home);
	if (!l->at || !l->home || !v) {
		dirview_free(v);
		located_free(l);
		return false;
	}
	for (size_t i = 0; i < l->n; i++)
		l->at[i] = dirview_locate(v, nono_protect_at(i)->rel);
	dirview_free(v);
	return true;
}

static const struct nono_protect_item *match_in(const struct located *l,
						const char *canon)
{
	if (l->krb5 && strcmp(l->krb5, canon) == 0)
		return nono_protect_krb5_item();
	for (size_t i = 0; i < l->n; i++)
		if (l->at[i] && strcmp(l->at[i], canon) == 0)
			return nono_protect_at(i);
	return NULL;
}

static _Thread_local struct located memo;
static _Thread_local bool memo_on;

void nono_protect_memo_begin(const char *home)
{
	nono_protect_memo_end();
	memo_on = locate_all(home, &memo);
}

void nono_protect_memo_end(void)
{
	if (memo_on)
		located_free(&memo);
	memo_on = false;
}

/* The items as they are now for @home: the memo's when it is on for the
 * same home, else located into @l (the caller frees it). */
static const struct located *where(const char *home, struct located *l)
{
	if (memo_on &&
	    (home ? memo.home && strcmp(memo.home, home) == 0 : !memo.home))
		return &memo;
	return locate_all(home, l) ? l : NULL;
}

const struct nono_protect_item *nono_protect_match(const char *home,
						   const char *canon)
{
	struct located l = {0};
	const struct located *at = where(home, &l);
	const struct nono_protect_item *found = at ? match_in(at, canon) : NULL;

	located_free(&l);
	return found;
}

static bool skipped(const char *canon, char *const *skip, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(skip[i], canon) == 0)
			return true;
	return false;
}

const struct nono_protect_item *
nono_protect_find(const char *home, const char *canon, char *const *skip,
		  size_t nskip, char *at, size_t atlen)
{
	const struct nono_protect_item *found = NULL;
	struct located l = {0};
	const struct located *loc;
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", canon) >= (int)sizeof(buf))
		return NULL;
	/* Located once for every directory above @canon (a listing of
	 * $HOME's for each made nono learn's report of 2,000 paths take
	 * half a second). */
	loc = where(home, &l);
	if (!loc)
		return NULL;
	for (;;) {
		const struct nono_protect_item *it = match_in(loc, buf);
		char *slash;

		/* A protected name that does not exist yet is protected all
		 * the same (a run makes the credential directories first and
		 * refuses to create the rest): matched by name. */
		for (size_t i = 0; !it && home && i < nono_protect_count();
		     i++) {
			size_t hl = strlen(home);

			if (strncmp(buf, home, hl) == 0 && buf[hl] == '/' &&
			    strcmp(buf + hl + 1, nono_protect_at(i)->rel) == 0)
				it = nono_protect_at(i);
		}
		if (it && !skipped(buf, skip, nskip)) {
			if (at)
				snprintf(at, atlen, "%s", buf);
			found = it;
			break;
		}
		slash = strrchr(buf, '/');
		if (!slash || slash == buf)
			break;
		*slash = '\0';
	}
	located_free(&l);
	return found;
}
