/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which generated seccomp program serves a set of options.
 */
#ifndef NONO_CORE_SECCOMP_RULES_INDEX_H
#define NONO_CORE_SECCOMP_RULES_INDEX_H

#include "nono/seccomp.h"

/*
 * The options as an index into the generated program table.  The gate's
 * two options and deny_unix never meet (deny_unix is the no-gate fallback),
 * so bit 4 is gate_create with the gate and deny_unix without it, bit 5
 * gate_write, bit 6 learn and bit 7 elevate with the gate (unused
 * without).  nono learn never elevates: with learn, bit 7 is learn_meta.
 * nono_seccomp_opts_of() is the inverse, which the generator uses.
 */
#define NONO_SECCOMP_VARIANTS 256
static inline unsigned nono_seccomp_variant(const struct nono_seccomp_opts *o)
{
	unsigned v = (o->block_net ? 1u : 0) | (o->tcp_landlock ? 2u : 0) |
		     (o->allow_unix ? 4u : 0);

	if (o->gate)
		return v | 8u | (o->gate_create ? 16u : 0) |
		       (o->gate_write ? 32u : 0) | (o->learn ? 64u : 0) |
		       ((o->learn ? o->learn_meta : o->elevate) ? 128u : 0);
	return v | (o->deny_unix ? 16u : 0);
}

static inline struct nono_seccomp_opts nono_seccomp_opts_of(unsigned v)
{
	struct nono_seccomp_opts o = {
	    .block_net = v & 1,
	    .tcp_landlock = v & 2,
	    .allow_unix = v & 4,
	    .gate = v & 8,
	    .gate_create = (v & 8) && (v & 16),
	    .gate_write = (v & 8) && (v & 32),
	    .learn = (v & 8) && (v & 64),
	    .learn_meta = (v & 8) && (v & 64) && (v & 128),
	    .elevate = (v & 8) && !(v & 64) && (v & 128),
	    .deny_unix = !(v & 8) && (v & 16),
	};

	return o;
}

#endif
