/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside nono run (cmd_run.h is its interface): the run's steps beside
 * cmd_run.c.  run_net.c: the proxy's listener and the credentials'
 * secrets; run_report.c: what is printed.  Planning is plan/plan.h's.
 */
#ifndef NONO_CLI_RUN_INTERNAL_H
#define NONO_CLI_RUN_INTERNAL_H

#include <stdio.h>

#include <stdbool.h>

#include "cli/run_ctx.h"
#include "nono/sandbox.h"
#include "supervisor/supervise.h"

/* run_net.c: the proxy's listener and the CA directory (before the
 * sandbox is prepared); the credential services' secrets. */
int run_net_start(struct run_ctx *c);
int run_creds_load(struct run_ctx *c);
/* run_report.c */
void run_print_msgs(const struct plan_msgs *m, size_t *shown);
void run_print_plan_error(const struct plan_msgs *m);
void run_print_dry_run(const struct run_ctx *c, char *const *argv);
/* run_json.c: --dry-run --json */
void run_print_dry_run_json(const struct run_ctx *c, char *const *argv);
/* The plan as one JSON object to @f (without the command when @argv is
 * NULL): --dry-run --json, and the audit trail's policy event. */
struct nono_ev;
void run_plan_json(struct nono_ev *e, const struct run_ctx *c,
		   char *const *argv);
void run_report_degradation(const struct nono_sandbox *sb);
void run_banner(const struct run_ctx *c, const struct nono_sandbox *sb);
void run_report_launch_error(const struct run_ctx *c,
			     const struct nono_exec_error *e, const char *cmd);

#endif
