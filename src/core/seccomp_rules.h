/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seccomp rules for one set of options, added to a libseccomp context.
 * Build-time only: see tools/gen_seccomp.c and src/core/seccomp_bpf.h.
 */
#ifndef NONO_CORE_SECCOMP_RULES_H
#define NONO_CORE_SECCOMP_RULES_H

#include <seccomp.h>

#include "core/seccomp_rules_index.h"
#include "nono/seccomp.h"

/* Adds the rules for @opts to @ctx (made with SCMP_ACT_ALLOW).  Returns 0 or
 * -1. */
int nono_seccomp_rules(const struct nono_seccomp_opts *opts,
		       scmp_filter_ctx ctx);

#endif
