/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What protect.c (masks) and guards.c (guarded directories) share.
 */
#ifndef NONO_POLICY_PROTECT_INTERNAL_H
#define NONO_POLICY_PROTECT_INTERNAL_H

#include "nono/caps.h"
#include "policy/protect.h"

/* Pins @dir and each directory above it that the sandbox could rename, up
 * to the root of the writable grant over it.  Returns 0 or -errno. */
int nono_protect_pin_up_to_grant(struct nono_caps *caps, const char *dir,
				 struct nono_protect_result *res);

/* A name in $HOME that is a start-up file by its prefix (.zcompdump*). */
bool nono_guard_home_prefixed(const char *name);

/* Makes each such file directly in @home (canonical) that a writable
 * grant covers read-only, but for those in @bypass; counts them in
 * @nmasks.  Returns 0 or -errno. */
int nono_guard_mask_prefixed(struct nono_caps *caps, const char *home,
			     char *const *bypass, size_t nbypass,
			     size_t *nmasks);

/* The Kerberos ticket cache: its item, and its canonical path when it
 * exists (caller frees). */
const struct nono_protect_item *nono_protect_krb5_item(void);
char *nono_protect_krb5_cache(void);

#endif
