// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/strv.h"

int strv_push(struct strv *s, char *str)
{
	char **p;
	size_t ncap;

	if (s->n + 1 >= s->cap) {
		if (s->cap >= NONO_STRV_MAX)
			return -E2BIG;
		ncap = s->cap ? s->cap * 2 : 8;
		p = realloc(s->v, ncap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		s->v = p;
		s->cap = ncap;
	}
	s->v[s->n++] = str;
	s->v[s->n] = NULL;
	return 0;
}

void strv_clear(struct strv *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

void strv_free_all(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	strv_clear(s);
}
