/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command-line and environment parsing for run, wrap and shell: fills a
 * plain options struct; validation and policy come later.
 */
#ifndef NONO_CLI_ARGS_H
#define NONO_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan/opts.h"

struct global_opts {
	bool silent;
	const char *theme;
	int verbose;
};

/*
 * Parses the options of @mode from argv[0..argc) (argv[0] is the subcommand
 * name) into @o, and applies the NONO_* environment variables that the user
 * did not override with a flag.  Global options (-s, -v, --theme) may also
 * appear here and land in @g.  On error writes one line to @err (without the
 * "nono: " prefix) and returns -1; returns 0 on success.  -h prints help to
 * stdout and returns 1.
 */
int args_parse_run(enum run_mode mode, int argc, char **argv,
		   struct global_opts *g, struct run_opts *o, char *err,
		   size_t errlen);

void args_clear(struct run_opts *o);

/* Parses a boolean environment value: true/false/yes/no/1/0 (any case).
 * Returns 0 and *@out, or -1 for anything else. */
int args_parse_bool(const char *s, bool *out);

void args_usage_run(enum run_mode mode);

/* The long options of run, wrap and shell (for completions): their count,
 * and the name of option @i (without "--"), *@takes_value when it takes
 * one. */
size_t args_run_flag_count(void);
const char *args_run_flag(size_t i, bool *takes_value);

#endif
