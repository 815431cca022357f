// SPDX-License-Identifier: Apache-2.0
/*
 * nono's entry point: global options, then one subcommand.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cmd_audit.h"
#include "cli/cmd_completions.h"
#include "cli/cmd_learn.h"
#include "cli/cmd_profile.h"
#include "cli/cmd_rollback.h"
#include "cli/cmd_run.h"
#include "cli/cmd_session.h"
#include "cli/cmd_setup.h"
#include "cli/cmd_trust.h"
#include "cli/cmd_why.h"
#include "cli/output.h"
#include "nono-config.h"
#include "util/suggest.h"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "nono %s: a kernel-enforced capability sandbox\n\n"
	    "Usage: nono [-s] [-v] [--theme NAME] COMMAND [OPTIONS]\n\n"
	    "Commands:\n"
	    "  run     run a command inside the sandbox (supervised)\n"
	    "  wrap    apply the sandbox and exec the command (no parent)\n"
	    "  shell   start an interactive shell inside the sandbox\n"
	    "  profile create, inspect, validate and compare profiles\n"
	    "  setup   check this system, write example profiles\n"
	    "  why     would a path, host or scope be allowed, and why\n"
	    "  learn   run a command, record the paths it uses, say what "
	    "the profile lacks\n"
	    "  ps      list the sessions (runs on a terminal, detached ones)\n"
	    "  attach  attach this terminal to a session\n"
	    "  detach  detach the client of a session\n"
	    "  stop    stop a session and every process of it\n"
	    "  logs    what a session printed, and its events\n"
	    "  inspect a session's record, files and events\n"
	    "  prune   remove ended and dead sessions\n"
	    "  audit   the audit trail of runs: list, show, verify, "
	    "cleanup\n"
	    "  rollback  snapshots of runs made with --rollback: list, show, "
	    "restore,\n"
	    "          verify, cleanup\n"
	    "  trust   signed instruction files: keygen, export-key, init, "
	    "sign,\n"
	    "          sign-policy, verify, list\n"
	    "  completions  a shell completion script (bash, zsh, fish)\n"
	    "  help     the help of a command (nono help run)\n\n"
	    "Global options:\n"
	    "  -s, --silent        no nono output, only the command's\n"
	    "  -v, --verbose       more output (repeat for more)\n"
	    "      --theme NAME    mocha, latte, frappe, macchiato, "
	    "tokyo-night, minimal\n"
	    "  -h, --help          this help\n"
	    "  -V, --version       print the version\n\n"
	    "Example: nono run --allow ./project -- make -C project test\n",
	    NONO_VERSION);
}

/* The session commands (cmd_session.c). */
static const char *const session_cmds[] = {
    "ps", "attach", "detach", "stop", "logs", "inspect", "prune",
};

/* Runs command @cmd with its arguments (argv[0] is its name). */
static int main_dispatch(const char *cmd, int argc, char **argv,
			 struct global_opts *g)
{
	static const char *const cmds[] = {
	    "run",     "wrap",  "shell",    "why",   "setup", "learn",
	    "profile", "audit", "rollback", "trust", "help"};
	const char *near;

	if (strcmp(cmd, "run") == 0)
		return cmd_run(MODE_RUN, argc, argv, g);
	if (strcmp(cmd, "learn") == 0)
		return cmd_learn(argc, argv, g);
	if (strcmp(cmd, "wrap") == 0)
		return cmd_run(MODE_WRAP, argc, argv, g);
	if (strcmp(cmd, "shell") == 0)
		return cmd_run(MODE_SHELL, argc, argv, g);
	if (strcmp(cmd, "why") == 0)
		return cmd_why(argc, argv, g);
	if (strcmp(cmd, "setup") == 0)
		return cmd_setup(argc, argv, g);
	if (strcmp(cmd, "profile") == 0)
		return cmd_profile(argc, argv, g);
	if (strcmp(cmd, "completions") == 0)
		return cmd_completions(argc, argv);
	if (strcmp(cmd, "audit") == 0) {
		if (cli_setup_output(g, NULL) < 0)
			return 1;
		return cmd_audit(argc, argv);
	}
	if (strcmp(cmd, "trust") == 0) {
		if (cli_setup_output(g, NULL) < 0)
			return 1;
		return cmd_trust(argc, argv);
	}
	if (strcmp(cmd, "rollback") == 0) {
		if (cli_setup_output(g, NULL) < 0)
			return 1;
		return cmd_rollback(argc, argv);
	}
	for (size_t i = 0; i < sizeof(session_cmds) / sizeof(session_cmds[0]);
	     i++)
		if (strcmp(cmd, session_cmds[i]) == 0) {
			if (cli_setup_output(g, NULL) < 0)
				return 1;
			return cmd_session(cmd, argc, argv);
		}
	near = nono_suggest(cmd, cmds, sizeof(cmds) / sizeof(cmds[0]));
	if (!near)
		near = nono_suggest(cmd, session_cmds,
				    sizeof(session_cmds) /
					sizeof(session_cmds[0]));
	fprintf(stderr, "nono: unknown command '%s'\n", cmd);
	if (near)
		fprintf(stderr, "hint: did you mean nono %s?\n", near);
	else
		fprintf(stderr, "hint: see nono --help\n");
	return 1;
}

int main(int argc, char **argv)
{
	/* clang-format off */
	static const struct option globals[] = {
		{"silent", no_argument, NULL, 's'},
		{"verbose", no_argument, NULL, 'v'},
		{"theme", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	/* clang-format on */
	struct global_opts g = {0};
	const char *cmd;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+svhV", globals, NULL)) != -1) {
		switch (c) {
		case 's':
			g.silent = true;
			break;
		case 'v':
			g.verbose++;
			break;
		case 't':
			g.theme = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("nono %s\n", NONO_VERSION);
			return 0;
		default:
			fprintf(stderr, "nono: unknown option '%s'\n",
				argv[optind - 1]);
			fprintf(stderr, "hint: see nono --help\n");
			return 1;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	/* nono help CMD: the command's own --help. */
	if (strcmp(cmd, "help") == 0) {
		static char help[] = "--help";
		char *sub[3] = {NULL, help, NULL};

		if (argc < 2) {
			usage(stdout);
			return 0;
		}
		sub[0] = argv[1];
		return main_dispatch(argv[1], 2, sub, &g);
	}
	return main_dispatch(cmd, argc, argv, &g);
}
