/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256 (FIPS 180-4), for the audit trail's hash chain and Merkle trees.
 * nono is a static musl binary that cannot link OpenSSL (the helpers that
 * need OpenSSL are separate programs); this is written from the standard,
 * checked against its test vectors and against OpenSSL in the unit tests,
 * and uses the CPU's SHA instructions where it has them.
 */
#ifndef NONO_UTIL_SHA256_H
#define NONO_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define NONO_SHA256_LEN 32
#define NONO_SHA256_HEX (2 * NONO_SHA256_LEN + 1)

struct nono_sha256 {
	uint32_t h[8];
	uint64_t total; /* bytes hashed so far */
	uint8_t buf[64];
	size_t used; /* bytes in buf */
};

void nono_sha256_init(struct nono_sha256 *c);
void nono_sha256_update(struct nono_sha256 *c, const void *data, size_t n);
/* Writes the digest and wipes @c. */
void nono_sha256_final(struct nono_sha256 *c, uint8_t out[NONO_SHA256_LEN]);
/* One call for one buffer. */
void nono_sha256(const void *data, size_t n, uint8_t out[NONO_SHA256_LEN]);

/* Forces the portable code (tests compare the two paths); returns whether
 * the CPU's instructions were in use. */
int nono_sha256_force_portable(int on);

/* Lower-case hex of @n bytes into @out (2n+1 bytes, NUL-terminated). */
void nono_hex(const uint8_t *in, size_t n, char *out);
/* Exactly 2n hex digits (either case) at @in into @out: 0, or -1. */
int nono_unhex(const char *in, size_t n, uint8_t *out);

#endif
