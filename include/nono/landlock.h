/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Landlock: turns a capability set into a ruleset that denies everything it
 * does not list, and reports what this kernel's ABI can and cannot enforce.
 */
#ifndef NONO_LANDLOCK_H
#define NONO_LANDLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "nono/caps.h"

/* The highest ABI this library knows. */
#define NONO_LANDLOCK_ABI_KNOWN 7

/* What a ruleset enforces on the running kernel. */
struct nono_landlock_report {
	int abi; /* detected ABI; 0 when Landlock is unavailable */
	uint64_t
	    fs_handled; /* filesystem rights handled (denied unless granted) */
	bool refer;     /* cross-directory rename/link controlled (ABI 2) */
	bool truncate;  /* truncate controlled (ABI 3) */
	bool tcp;       /* TCP bind/connect controlled (ABI 4) */
	bool ioctl_dev; /* device ioctl controlled (ABI 5) */
	bool scope_signal; /* signals scoped to the sandbox (ABI 6) */
	bool
	    scope_abstract; /* abstract AF_UNIX scoped to the sandbox (ABI 6) */
};

/*
 * Returns the running kernel's Landlock ABI version (>= 1), or
 * -NONO_ENOLANDLOCK when Landlock is missing or disabled.  The environment
 * variable NONO_LANDLOCK_ABI, when set to a lower number, caps the result:
 * the tests use it to exercise degradation on a new kernel.
 */
int nono_landlock_abi(void);

/* Fills @rep with what the given @abi can enforce for @caps. */
void nono_landlock_describe(int abi, const struct nono_caps *caps,
			    struct nono_landlock_report *rep);

/*
 * Builds a ruleset for @caps on @abi and returns its fd in *@fd (-1 on
 * error).  Every grant path is opened with O_PATH|O_NOFOLLOW after
 * canonicalisation, so a symlink never grants its target.  A grant that does
 * not exist is an error (-ENOENT) unless flagged NONO_GRANT_OPTIONAL.
 * On error, @bad (may be NULL; @badlen bytes) receives the failing path.
 * Returns 0, -NONO_ENOLANDLOCK, -NONO_EUNSUPPORTED (a port requested but TCP
 * cannot be controlled), or -errno.
 */
int nono_landlock_build(const struct nono_caps *caps, int abi, int *fd,
			char *bad, size_t badlen)
    __attribute__((warn_unused_result));

/* Adds rights for @path (opened O_PATH) to ruleset @fd; used after fork for
 * per-process paths such as /proc/self.  Returns 0 or -errno. */
int nono_landlock_add_path(int fd, int abi, const char *path, unsigned access,
			   unsigned flags) __attribute__((warn_unused_result));

/* Restricts the calling thread (and its future children) with ruleset @fd.
 * The caller must have set no_new_privs.  Returns 0 or -errno. */
int nono_landlock_restrict(int fd) __attribute__((warn_unused_result));

#endif
