/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON string output, the one writer for every JSON nono prints (profile
 * show --json and schema, why --json): quotes, backslashes and control
 * characters escaped; other bytes as they are (paths are bytes).
 */
#ifndef NONO_UTIL_JSONOUT_H
#define NONO_UTIL_JSONOUT_H

#include <stdio.h>
#include <string.h>

/* @n bytes of @s (NUL bytes too, as \u0000). */
static inline void nono_json_strn(FILE *f, const char *s, size_t n)
{
	size_t run = 0;

	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c != '"' && c != '\\' && c >= 0x20 && c != 0x7f)
			continue;
		/* The plain bytes before it in one write. */
		fwrite(s + run, 1, i - run, f);
		run = i + 1;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else
			fprintf(f, "\\u%04x", c);
	}
	fwrite(s + run, 1, n - run, f);
	fputc('"', f);
}

static inline void nono_json_str(FILE *f, const char *s)
{
	nono_json_strn(f, s, strlen(s));
}

#endif
