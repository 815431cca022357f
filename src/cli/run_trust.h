/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nono run's pre-exec trust scan (issue 16, docs/trust.md): when the user
 * has a trust policy, every instruction file below the working directory
 * is verified before the command starts (deny: a failure stops the run,
 * one line per file with its fix; warn: a warning; audit: the trail), is
 * kept read-only (and not replaceable) in the sandbox, and is checked
 * again when the session ends; each verdict and change is an audit event.
 */
#ifndef NONO_CLI_RUN_TRUST_H
#define NONO_CLI_RUN_TRUST_H

#include "cli/run_ctx.h"

/* Scans and verifies, and keeps the files read-only in the plan: 0, or
 * -1 after printing why (a deny, a malformed policy, a scan error). */
int run_trust_scan(struct run_ctx *c);
/* The verdicts into the audit trail (once it has its policy). */
void run_trust_audit(struct run_ctx *c);
/* The files again at the end of the session: a change is a warning and
 * an audit event. */
void run_trust_end(struct run_ctx *c);
void run_trust_free(struct run_ctx *c);

#endif
