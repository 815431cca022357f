/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside nono run (cmd_run.h is its interface): the planning steps that
 * cmd_run.c chains, each in its own file.  run_grants.c: the grants;
 * run_protect.c: protected paths and masks; run_net.c: proxy and
 * credentials; run_report.c: what is printed.
 */
#ifndef NONO_CLI_RUN_INTERNAL_H
#define NONO_CLI_RUN_INTERNAL_H

#include <stdbool.h>

#include "cli/run_ctx.h"
#include "nono/sandbox.h"
#include "supervisor/supervise.h"

const char *run_home_dir(void);
char *run_canon_user(struct run_ctx *c, const char *flag, const char *path,
		     bool *exists);
int run_creds_load(struct run_ctx *c);
int run_setup_proxy(struct run_ctx *c);
int run_build_grants(struct run_ctx *c);
void run_report_no_userns(const struct run_ctx *c);
int run_plan_protection(struct run_ctx *c);
void run_print_dry_run(const struct run_ctx *c, char *const *argv);
void run_report_degradation(const struct nono_sandbox *sb);
void run_banner(const struct run_ctx *c, const struct nono_sandbox *sb);
void run_report_launch_error(const struct run_ctx *c,
			     const struct nono_exec_error *e, const char *cmd);

#endif
