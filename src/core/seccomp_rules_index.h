/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which generated seccomp program serves a set of options.
 */
#ifndef NONO_CORE_SECCOMP_RULES_INDEX_H
#define NONO_CORE_SECCOMP_RULES_INDEX_H

#include "nono/seccomp.h"

/* The options as an index into the generated program table. */
#define NONO_SECCOMP_VARIANTS 64
static inline unsigned nono_seccomp_variant(const struct nono_seccomp_opts *o)
{
	return (o->block_net ? 1u : 0) | (o->tcp_landlock ? 2u : 0) |
	       (o->allow_unix ? 4u : 0) | (o->gate ? 8u : 0) |
	       (o->gate_create ? 16u : 0) | (o->deny_unix ? 32u : 0);
}

#endif
