// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/msgs.h"

int plan_fail(struct plan_msgs *m, int code, const char *object,
	      const char *fmt, ...)
{
	va_list ap;

	if (m->failed)
		return -1;
	m->failed = true;
	m->err.code = code;
	snprintf(m->err.object, sizeof(m->err.object), "%s",
		 object ? object : "");
	va_start(ap, fmt);
	vsnprintf(m->err.text, sizeof(m->err.text), fmt, ap);
	va_end(ap);
	m->err.hint[0] = '\0';
	return -1;
}

void plan_hint(struct plan_msgs *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->err.hint, sizeof(m->err.hint), fmt, ap);
	va_end(ap);
}

void plan_note(struct plan_msgs *m, enum plan_note_kind kind, const char *fmt,
	       ...)
{
	va_list ap;
	char *text = NULL;
	int r;

	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;
		struct plan_note *v = realloc(m->v, cap * sizeof(*v));

		if (!v)
			return;
		m->v = v;
		m->cap = cap;
	}
	va_start(ap, fmt);
	r = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	m->v[m->n].kind = kind;
	m->v[m->n++].text = text;
}

void plan_msgs_clear(struct plan_msgs *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].text);
	free(m->v);
	memset(m, 0, sizeof(*m));
}
