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

char *nono_b64url_encode(const void *in, size_t n)
{
	char *out = nono_b64_encode(in, n);

	if (!out)
		return NULL;
	for (char *p = out; *p; p++) {
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
		else if (*p == '=')
			*p = '\0';
	}
	return out;
}

/* The value of @c in the alphabet @url picks, or -1. */
static int val_in(char c, bool url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

unsigned char *nono_b64_decode_any(const char *in, size_t n, size_t *outlen,
				   bool *url_out, bool *padded_out)
{
	bool url = false, std = false;
	size_t m = n, o = 0, pad;
	unsigned char *out;
	uint32_t acc = 0;
	unsigned bits = 0;

	/*
	 * One alphabet per string: a string that mixes them has two
	 * spellings of the same bytes, which a signed-bytes comparison
	 * elsewhere would not see as equal.
	 */
	for (size_t i = 0; i < n; i++) {
		if (in[i] == '-' || in[i] == '_')
			url = true;
		else if (in[i] == '+' || in[i] == '/')
			std = true;
	}
	if (url && std)
		return NULL;
	while (m > 0 && in[m - 1] == '=')
		m--;
	pad = n - m;
	/* Padding only completes the last group of four, never more. */
	if (m % 4 == 1 || pad > 2 || (pad && (n % 4 || pad != 4 - m % 4)))
		return NULL;
	out = malloc(m / 4 * 3 + 3);
	if (!out)
		return NULL;
	for (size_t i = 0; i < m; i++) {
		int v = val_in(in[i], url);

		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Canonical: the bits after the last byte are zero. */
	if (acc != 0) {
		free(out);
		return NULL;
	}
	out[o] = '\0';
	*outlen = o;
	if (url_out)
		*url_out = url;
	if (padded_out)
		*padded_out = pad > 0;
	return out;
}
