// SPDX-License-Identifier: Apache-2.0
/* Base64 (see base64.h). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/base64.h"

static const char alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *nono_b64_encode(const void *in, size_t n)
{
	const unsigned char *p = in;
	char *out, *o;

	if (n > (SIZE_MAX - 1) / 4 * 3 - 3)
		return NULL;
	out = malloc((n + 2) / 3 * 4 + 1);
	if (!out)
		return NULL;
	o = out;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		*o++ = alpha[v >> 18 & 63];
		*o++ = alpha[v >> 12 & 63];
		*o++ = i + 1 < n ? alpha[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? alpha[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static int val(char c)
{
	const char *p = c ? strchr(alpha, c) : NULL;

	return p ? (int)(p - alpha) : -1;
}

unsigned char *nono_b64_decode(const char *in, size_t n, size_t *outlen)
{
	unsigned char *out;
	size_t o = 0;

	if (n % 4)
		return NULL;
	out = malloc(n / 4 * 3 + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i += 4) {
		int a = val(in[i]), b = val(in[i + 1]);
		bool last = i + 4 == n;
		int c = in[i + 2] == '=' && last ? -2 : val(in[i + 2]);
		int d = in[i + 3] == '=' && last ? -2 : val(in[i + 3]);
		uint32_t v;

		if (a < 0 || b < 0 || c == -1 || d == -1 ||
		    (c == -2 && d != -2))
			goto bad;
		v = (uint32_t)a << 18 | (uint32_t)b << 12 |
		    (uint32_t)(c < 0 ? 0 : c) << 6 | (uint32_t)(d < 0 ? 0 : d);
		/* Canonical: the bits a padded group drops are zero. */
		if ((c == -2 && (v & 0xffff)) || (d == -2 && (v & 0xff)))
			goto bad;
		out[o++] = (unsigned char)(v >> 16);
		if (c >= 0)
			out[o++] = (unsigned char)(v >> 8);
		if (d >= 0)
			out[o++] = (unsigned char)v;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
bad:
	free(out);
	return NULL;
}
