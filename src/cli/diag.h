/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The diagnostic footer printed when the sandboxed command fails: which
 * accesses the sandbox provably refused, and the flag that would grant each.
 */
#ifndef NONO_CLI_DIAG_H
#define NONO_CLI_DIAG_H

#include "nono/caps.h"

/* Prints the footer for a command that exited with @status, or was killed
 * by signal @signo (when non-zero). */
struct nono_gate;
/* @gate (may be NULL) lists the socket accesses the gate refused. */
void diag_footer(const struct nono_caps *caps, const struct nono_gate *gate,
		 char *const *argv, int status, int signo, const char *home,
		 bool proxy);

/* Explains an exec failure of @cmd inside the sandbox (errno @code). */
void diag_exec_failure(const struct nono_caps *caps, const char *cmd, int code);

/*
 * Whether @cmd (looked up in $PATH like exec; symlinks followed to the
 * installed file) or its script interpreter is outside what @caps lets the
 * sandbox read and run.  Returns 1 with @what naming it (the name, "->",
 * the resolved target) and @dir the tree that --read must grant (an npm
 * package's directory, else the file's), else 0.
 */
int diag_exec_grant(const struct nono_caps *caps, const char *cmd, char *what,
		    size_t wlen, char *dir, size_t dlen);

#endif
