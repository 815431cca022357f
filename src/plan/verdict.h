/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Would the plan allow it, and why: a typed verdict for a path, a host or
 * a scope.  Pure functions of the plan (the path query reads the
 * filesystem to know what it is); `nono why` prints them.
 */
#ifndef NONO_PLAN_VERDICT_H
#define NONO_PLAN_VERDICT_H

#include <limits.h>
#include <stdbool.h>

#include "plan/plan.h"

/*
 * The reasons are upstream nono's where it has one (agents parse them):
 * granted_path, path_not_granted, insufficient_access, sensitive_path,
 * filesystem_deny, network_allowed, network_blocked; and nono's own for
 * what upstream does not decide (persistence_file, open_port, proxy_*,
 * metadata, invalid_host, scoped, abi_too_old, not_requested).
 */
struct plan_verdict {
	bool allowed;
	const char *reason;
	char category[128]; /* what the path is, for protected ones */
	char detail[2 * PATH_MAX + 256];
	char flag[2 * PATH_MAX + 128]; /* the flag that would allow it */
	char note[128];                /* for an allowed one, or "" */
	/* Which rule decided: "user" (a flag), "profile", "cwd", "system",
	 * "group", "gpu", "group:deny_credentials", ...; "" when none. */
	char source[128];
	char granted_path[PATH_MAX]; /* the deciding grant, or "" */
	const char *access;          /* its access (read, write, readwrite) */
	const char *requested;       /* insufficient_access: what was asked */
};

/* @canon (canonical; @exists: whether it does) with @want
 * (NONO_ACCESS_*). */
void plan_why_path(const struct nono_plan *p, unsigned want, const char *canon,
		   bool exists, struct plan_verdict *v);
/* A connection to @host (lower or upper case) port @port; @path is a
 * URL's path for https:// path rules, or NULL. */
void plan_why_host(const struct nono_plan *p, const char *host,
		   const char *path, long port, struct plan_verdict *v);
/* A Landlock scope: NONO_SCOPE_SIGNAL or NONO_SCOPE_ABSTRACT_UNIX. */
void plan_why_scope(const struct nono_plan *p, unsigned scope,
		    struct plan_verdict *v);

/* Whether @v refuses its path whatever a profile grants: protected, hidden
 * by the profile, a persistence file.  Never suggested (learn), served
 * (learn's reads) nor offered (capability elevation). */
bool plan_verdict_refused_always(const struct plan_verdict *v);

/* "read", "write", "readwrite" (or "none") for NONO_ACCESS_* bits. */
const char *plan_access_name(unsigned access);
/* Where grant @g of the plan came from: "user" (a flag), "profile", "cwd",
 * "system", "group", "gpu", "socket" or "guard". */
const char *plan_grant_source_name(const struct nono_plan *p,
				   const struct nono_grant *g);

#endif
