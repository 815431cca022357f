/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nono run's audit trail (src/audit/): started before the command, told
 * of the gate's refusals, the proxy's decisions and the session's
 * attach/detach as they happen, finished after the command.  Off with
 * --no-audit; nono wrap keeps none (no supervisor stays).
 */
#ifndef NONO_CLI_RUN_AUDIT_H
#define NONO_CLI_RUN_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/run_ctx.h"
#include "proxy/server.h"

struct nono_gate;
struct nono_event_field;

/* Starts the trail (unless --no-audit) and loads --audit-sign-key's key
 * (an env:// key's variable is taken out of @envp, the command's): 0, or
 * -1 after printing why. */
int run_audit_begin(struct run_ctx *c, char *const *argv, char **envp);
/* The command runs: the plan goes to the default trail (run_audit_policy),
 * and a little later its flusher starts (run_audit_launch), which makes
 * the trail off the command's way; a command that ends first has it made
 * by the finisher.  A thread that cannot start is a warning. */
void run_audit_policy(struct run_ctx *c);
/* The sandbox is being built: the default trail's running record. */
void run_audit_spawned(struct run_ctx *c);
void run_audit_launch(struct run_ctx *c);
/* Hooks the gate's refusals to the trail. */
void run_audit_watch_gate(struct run_ctx *c, struct nono_gate *g);
void run_audit_proxy(struct run_ctx *c, const struct nono_proxy_decision *d);
/* Capability elevation: a request, or the decision on it. */
void run_audit_elevation(struct run_ctx *c, const char *decision,
			 const char *op, const char *path, const char *from,
			 const char *target, const char *scope, pid_t pid);
void run_audit_relay_event(void *arg, const char *type,
			   const struct nono_event_field *f, size_t n);
/* Ends the trail: 0, or -1 after saying what could not be completed (an
 * error when it was asked for by name: --audit-sign-key, --audit-integrity;
 * a warning otherwise). */
int run_audit_end(struct run_ctx *c, int status, int signo, bool ran);

#endif
