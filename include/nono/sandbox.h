/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sandbox as one object: prepared from a capability set in the trusted
 * parent, then entered by the process that will exec the command.  Entering
 * applies, in order: mount masks, no_new_privs, Landlock, seccomp.
 */
#ifndef NONO_SANDBOX_H
#define NONO_SANDBOX_H

#include <limits.h>

#include "nono/caps.h"
#include "nono/landlock.h"

struct nono_sandbox;

/* Where a failure happened: the step ("landlock", "mask", ...) and, when
 * one is involved, the path. */
struct nono_sandbox_error {
	int code; /* -errno or -NONO_E* */
	const char *step;
	char path[PATH_MAX];
};

/*
 * Prepares everything that can be prepared before fork: detects the Landlock
 * ABI, opens every grant and builds the ruleset and the seccomp filter.
 * @caps is borrowed and must outlive the sandbox.  Returns 0 and *@out
 * (caller frees), or a negative code described in *@err.
 */
int nono_sandbox_prepare(const struct nono_caps *caps,
			 struct nono_sandbox **out,
			 struct nono_sandbox_error *err)
    __attribute__((warn_unused_result));

/*
 * Confines the calling process for good.  Call it in the process that is
 * about to exec, which must be single-threaded.  With the gate enabled,
 * *@listener receives the seccomp notification fd that the supervisor must
 * serve (the caller hands it over and closes it); otherwise -1.  With an
 * isolated network (nono_caps_set_isolated_net), *@net_listener receives
 * the listener made inside the new network namespace, for the supervisor;
 * and *@net_diag a NETLINK_SOCK_DIAG socket of that namespace (see
 * nono_ns_isolate_net); otherwise -1 (both may then be NULL).  On failure
 * the process is in an undefined, partly confined state: it must exit,
 * never exec.
 */
int nono_sandbox_enter(const struct nono_sandbox *sb, int *listener,
		       int *net_listener, int *net_diag,
		       struct nono_sandbox_error *err)
    __attribute__((warn_unused_result));

/* What the ruleset enforces on this kernel; borrowed. */
const struct nono_landlock_report *
nono_sandbox_report(const struct nono_sandbox *sb);

/* The capability set the sandbox was prepared from; borrowed. */
const struct nono_caps *nono_sandbox_caps(const struct nono_sandbox *sb);

void nono_sandbox_free(struct nono_sandbox *sb);

#endif
