/* SPDX-License-Identifier: Apache-2.0 */
/* nono learn (cmd_learn.c): a run of the command with learning on. */
#ifndef NONO_CLI_CMD_LEARN_H
#define NONO_CLI_CMD_LEARN_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "cli/args.h"
#include "plan/plan.h"

struct nono_gate;

struct cli_learn {
	bool json, all;
	unsigned timeout; /* seconds, 0: none */
	FILE *out;        /* where the --json fragment goes */
};

/* Set while nono learn's run is under way, else NULL: cmd_run turns
 * learning on in the sandbox and prints the report instead of the
 * footer. */
extern const struct cli_learn *cli_learn;

int cmd_learn(int argc, char **argv, struct global_opts *g);
/* The command started: --timeout's clock runs from here (@keep: a child
 * of nono that is not the command's, never killed; 0 for none). */
void cli_learn_started(pid_t keep);
/* Supervision ended: the clock stops (it signals nothing after this). */
void cli_learn_stopped(void);
/* For the gate (nono_gate_set_learn_serve, @arg the plan): whether a read
 * the profile refuses may be served while learning: not when the plan
 * protects or hides @path. */
bool cli_learn_may_serve(void *arg, const char *path, bool dir);
/* The proxy's view while learning (proxy mode): a request for @host
 * port @port, refused by the profile (@missing) or allowed; @never (or
 * NULL) says why a refused one is never offered.  From any thread. */
void cli_learn_host(const char *host, unsigned port, bool missing,
		    const char *never);
struct run_ctx;
/* The report of run @c, from @gate's records, and on a terminal the offer
 * to save what the profile lacks; 0 or 1. */
int cli_learn_report(struct run_ctx *c, const struct nono_gate *gate);

#endif
