/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON string output, the one writer for every JSON nono prints (profile
 * show --json and schema, why --json): quotes, backslashes and control
 * characters escaped; other bytes as they are (paths are bytes).
 */
#ifndef NONO_UTIL_JSONOUT_H
#define NONO_UTIL_JSONOUT_H

#include <stdio.h>

static inline void nono_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

#endif
