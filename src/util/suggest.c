// SPDX-License-Identifier: Apache-2.0
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/suggest.h"

#define WORD_MAX 256

size_t nono_edit_distance(const char *a, const char *b, size_t cap)
{
	/* Three rows of the optimal string alignment distance. */
	size_t la = strlen(a), lb = strlen(b);
	size_t r0[WORD_MAX + 1], r1[WORD_MAX + 1], r2[WORD_MAX + 1];
	size_t *pp = r0, *prev = r1, *cur = r2;

	if (la > WORD_MAX || lb > WORD_MAX)
		return cap + 1;
	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t best;
		size_t *t;

		cur[0] = i;
		best = cur[0];
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = prev[j - 1] + cost;

			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			cur[j] = v;
			if (v < best)
				best = v;
		}
		if (best > cap)
			return cap + 1;
		t = pp;
		pp = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb] > cap ? cap + 1 : prev[lb];
}

static size_t allowed(const char *word)
{
	size_t n = strlen(word);

	return n <= 5 ? 1 : n <= 10 ? 2 : 3;
}

const char *nono_suggest(const char *word, const char *const *cands, size_t n)
{
	size_t cap = allowed(word), best = cap + 1;
	const char *pick = NULL;

	for (size_t i = 0; i < n; i++) {
		size_t d;

		if (!cands[i] || strcmp(cands[i], word) == 0)
			continue;
		d = nono_edit_distance(word, cands[i], cap);
		if (d < best) {
			best = d;
			pick = cands[i];
		}
	}
	return pick;
}

bool nono_suggest_path(const char *path, char *out, size_t len)
{
	char buf[PATH_MAX], best[NAME_MAX + 1] = "";
	const char *missing, *rest;
	struct stat st;
	size_t cap, bestd;
	char *slash;
	DIR *d;
	struct dirent *e;

	if (path[0] != '/' || strlen(path) >= sizeof(buf))
		return false;
	snprintf(buf, sizeof(buf), "%s", path);
	/* The deepest existing ancestor: the component after it is the
	 * first one missing. */
	for (;;) {
		slash = strrchr(buf, '/');
		if (!slash)
			return false;
		*slash = '\0';
		if (stat(buf[0] ? buf : "/", &st) == 0)
			break;
	}
	if (!S_ISDIR(st.st_mode))
		return false;
	missing = path + (slash - buf) + 1;
	rest = missing + strcspn(missing, "/");
	{
		char word[NAME_MAX + 1];
		size_t wl = (size_t)(rest - missing);

		if (wl == 0 || wl > NAME_MAX)
			return false;
		memcpy(word, missing, wl);
		word[wl] = '\0';
		cap = allowed(word);
		bestd = cap + 1;
		d = opendir(buf[0] ? buf : "/");
		if (!d)
			return false;
		while ((e = readdir(d)) != NULL) {
			size_t dist;

			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			dist = nono_edit_distance(word, e->d_name, cap);
			if (dist < bestd ||
			    (dist == bestd && strcmp(e->d_name, best) < 0)) {
				bestd = dist;
				snprintf(best, sizeof(best), "%s", e->d_name);
			}
		}
		closedir(d);
	}
	if (bestd > cap)
		return false;
	return (size_t)snprintf(out, len, "%s/%s%s", buf, best, rest) < len;
}
