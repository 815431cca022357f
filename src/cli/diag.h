/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The diagnostic footer printed when the sandboxed command fails: which
 * accesses the sandbox provably refused, and the flag that would grant each.
 */
#ifndef NONO_CLI_DIAG_H
#define NONO_CLI_DIAG_H

#include <stdbool.h>
#include <stddef.h>

#include "nono/caps.h"

/* What the proxy refused (proxy mode), for the footer. */
#define DIAG_HOSTS 6
struct diag_net {
	bool proxy;     /* proxy mode */
	size_t refused; /* requests the proxy's policy refused */
	size_t nhosts;
	char hosts[DIAG_HOSTS][280]; /* the first ones, "host:port" */
};

struct nono_gate;
/*
 * The footer for a command that exited with @status, or was killed by
 * signal @signo (when non-zero): printed only when nono has evidence that
 * the sandbox refused something (the gate's records, a protected or
 * ungranted path on the command line, the proxy's refusals in @net, a
 * fatal system call), with the grant for each; a command that merely
 * failed (grep without a match, a failing test) gets none.  @gate may be
 * NULL.
 */
struct nono_plan;
void diag_footer(const struct nono_plan *p, const struct nono_gate *gate,
		 char *const *argv, int status, int signo,
		 const struct diag_net *net);

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
