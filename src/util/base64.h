/* SPDX-License-Identifier: Apache-2.0 */
/* Base64 (RFC 4648): standard (section 4, padded), which nono writes in
 * its DSSE envelopes and Sigstore bundles, and the URL-safe alphabet
 * (section 5, unpadded), which other DSSE writers use and nono reads. */
#ifndef NONO_UTIL_BASE64_H
#define NONO_UTIL_BASE64_H

#include <stdbool.h>
#include <stddef.h>

/* The encoding of @n bytes: a NUL-terminated string to free(), or NULL. */
char *nono_b64_encode(const void *in, size_t n);
/* Decodes exactly @n characters (padded, no whitespace) into a buffer to
 * free() (NUL-terminated, not counted in *@outlen), or NULL when it is
 * not canonical base64 or out of memory. */
unsigned char *nono_b64_decode(const char *in, size_t n, size_t *outlen);

/* The URL-safe encoding of @n bytes, unpadded: a string to free(), or
 * NULL. */
char *nono_b64url_encode(const void *in, size_t n);
/*
 * Decodes exactly @n characters of standard or URL-safe base64, padded or
 * not (DSSE allows either), as nono_b64_decode does.  Still one spelling
 * per byte string: one alphabet per string (both '+' or '/' and '-' or '_'
 * is refused), no whitespace, '=' only at the end and only up to a length
 * that is a multiple of 4, and the bits after the last byte zero.
 * *@url (when not NULL) says whether it was URL-safe, *@padded whether
 * it had '=' (both untouched on failure).
 */
unsigned char *nono_b64_decode_any(const char *in, size_t n, size_t *outlen,
				   bool *url, bool *padded);

#endif
