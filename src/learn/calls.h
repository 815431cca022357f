/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nono learn's view of the system calls that name paths (issue 17): for a
 * call number and its raw arguments, which paths it names (at most two),
 * relative to which directory, and what it does to them.  Every path
 * call of x86_64 and aarch64: the stat, access, open, exec, create,
 * rename, link, unlink, chmod, chown, times, truncate and xattr families,
 * readlink, chdir, statfs and inotify.  Pure: the tracer reads the strings
 * (and openat2's struct open_how) from the task.
 */
#ifndef NONO_LEARN_CALLS_H
#define NONO_LEARN_CALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "learn/ops.h"

/* A path a call names. */
struct learn_ref {
	int dirfd;     /* what a relative path is relative to (AT_FDCWD) */
	uint64_t addr; /* the path's address in the task */
	unsigned ops;  /* LEARN_* */
	/* The call follows a symlink in the last component (open without
	 * O_NOFOLLOW, stat, execve...): the tracer records the target too. */
	bool follow;
	/* AT_EMPTY_PATH: an empty string names @dirfd itself. */
	bool empty_ok;
	/* openat2: @ops comes from the struct open_how at @how (its flags
	 * read from the task), see learn_open_ops. */
	uint64_t how;
};

/* The paths call @nr names with arguments @args: how many (0: not a path
 * call, or only an fd), written to @out.  The call's name ("openat"), for
 * reports, in *@name when @name is not NULL.  A path at address 0 (as
 * utimensat takes one) names the directory fd itself. */
size_t learn_call_refs(long nr, const uint64_t args[6], struct learn_ref out[2],
		       const char **name);

/* The LEARN_* of open flags @flags (O_ACCMODE, O_CREAT, O_TRUNC,
 * O_DIRECTORY, O_PATH). */
unsigned learn_open_ops(uint64_t flags);

/* The calls learn_call_refs knows (for the seccomp filter): how many,
 * and the number of the @i-th (-1 past the end). */
size_t learn_call_count(void);
int learn_call_nr(size_t i);
/* Call @i only looks at its names (stat, access, readlink, getxattr,
 * chdir, ...): nothing the sandbox refuses, so no grant is ever missing
 * for it. */
bool learn_call_looks(size_t i);

#endif
