/* SPDX-License-Identifier: Apache-2.0 */
/* Standard base64 (RFC 4648 section 4, padded), for the DSSE envelopes of
 * signed audit sessions. */
#ifndef NONO_UTIL_BASE64_H
#define NONO_UTIL_BASE64_H

#include <stddef.h>

/* The encoding of @n bytes: a NUL-terminated string to free(), or NULL. */
char *nono_b64_encode(const void *in, size_t n);
/* Decodes exactly @n characters (padded, no whitespace) into a buffer to
 * free() (NUL-terminated, not counted in *@outlen), or NULL when it is
 * not canonical base64 or out of memory. */
unsigned char *nono_b64_decode(const char *in, size_t n, size_t *outlen);

#endif
