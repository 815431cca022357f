/* SPDX-License-Identifier: Apache-2.0 */
/* What policy.c (the policy in memory) and policy_parse.c (reading it)
 * share; not for other modules. */
#ifndef NONO_TRUST_POLICY_INTERNAL_H
#define NONO_TRUST_POLICY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "trust/policy.h"

/* Whether @s (@len bytes) is 64 hex digits (lowercase only when
 * @lower_only). */
bool nono_trust_hex64(const char *s, size_t len, bool lower_only);

/* Whether two keyless publishers name the same OIDC identity. */
bool nono_trust_keyless_same(const struct nono_trust_publisher *a,
			     const struct nono_trust_publisher *b);

/* A blocked digest and its place in its list: sorting by (digest,
 * place) keeps the first of a duplicate first on every C library. */
struct nono_trust_order {
	const struct nono_trust_block *b;
	size_t i;
};
int nono_trust_order_cmp(const void *x, const void *y);
/* struct nono_trust_block by sha256 (qsort, bsearch). */
int nono_trust_block_cmp(const void *x, const void *y);

#endif
