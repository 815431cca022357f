// SPDX-License-Identifier: Apache-2.0
/*
 * nono completions bash|zsh|fish: a completion script for the shell, made
 * from the same option table the parser uses (args.c), so that a flag
 * added there completes too.  Profile names are asked of `nono profile
 * list` when completing (user profiles change); network profiles and
 * policy values are written in.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cmd_completions.h"
#include "proxy/hosts.h"

static const char *const commands[] = {
    "run",         "wrap",  "shell",    "why",    "setup", "profile", "help",
    "completions", "ps",    "attach",   "detach", "stop",  "logs",    "inspect",
    "prune",       "audit", "rollback", "trust",  "learn",
};
static const char *const learn_opts[] = {
    "--profile", "--json", "--timeout", "--all", "--verbose", "--help",
};
static const char *const audit_subs[] = {
    "list",         "show",   "verify",
    "cleanup",      "--json", "--public-key-file",
    "--older-than", "--keep", "--dry-run",
    "--help",
};
static const char *const rollback_subs[] = {
    "list",       "show",         "restore", "verify",    "cleanup", "--json",
    "--snapshot", "--older-than", "--keep",  "--dry-run", "--diff",  "--help",
};
static const char *const trust_subs[] = {
    "keygen",   "export-key",  "init",           "sign",   "sign-policy",
    "verify",   "list",        "--id",           "--key",  "--keyref",
    "--force",  "--all",       "--json",         "--pem",  "--user",
    "--policy", "--recursive", "--exclude-dirs", "--help",
};
static const char *const profile_subs[] = {
    "init", "list", "show", "diff", "validate", "groups", "schema", "guide",
};
static const char *const why_flags[] = {
    "--path", "--op",   "--host",    "--port",  "--scope", "--self",
    "--json", "--help", "--profile", "--allow", "--read",  "--write",
};
static const char *const setup_flags[] = {
    "--check-only", "--json", "--profiles", "--shell-integration", "--help",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void words(const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? " " : "", v[i]);
}

static void run_flags(void)
{
	for (size_t i = 0; i < args_run_flag_count(); i++)
		printf("%s--%s", i ? " " : "", args_run_flag(i, NULL));
	printf(" -h --help");
}

static void net_profiles(void)
{
	for (size_t i = 0; i < nono_network_profile_count(); i++)
		printf("%s%s", i ? " " : "", nono_network_profile_name(i));
}

static void bash(void)
{
	printf("# bash completion for nono (nono completions bash)\n"
	       "_nono() {\n"
	       "\tlocal cur=${COMP_WORDS[COMP_CWORD]} "
	       "prev=${COMP_WORDS[COMP_CWORD-1]} cmd=${COMP_WORDS[1]}\n"
	       "\tlocal i\n"
	       "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	       "\t\t[ \"${COMP_WORDS[i]}\" = -- ] && { COMPREPLY=($(compgen "
	       "-c -- \"$cur\")); return; }\n"
	       "\tdone\n"
	       "\tcase $prev in\n"
	       "\t--profile|-p) COMPREPLY=($(compgen -W \"$(nono profile "
	       "list 2>/dev/null | awk 'NR > 1 { print $1 }')\" -- \"$cur\")); "
	       "return ;;\n"
	       "\t--network-profile) COMPREPLY=($(compgen -W \"");
	net_profiles();
	printf("\" -- \"$cur\")); return ;;\n"
	       "\t--op) COMPREPLY=($(compgen -W \"read write readwrite\" -- "
	       "\"$cur\")); return ;;\n"
	       "\t--scope) COMPREPLY=($(compgen -W \"signal "
	       "abstract-unix-socket\" -- \"$cur\")); return ;;\n"
	       "\t--theme) COMPREPLY=($(compgen -W \"mocha latte frappe "
	       "macchiato tokyo-night minimal\" -- \"$cur\")); return ;;\n"
	       "\t--allow|-a|--read|-r|--write|-w|--allow-file|--read-file|"
	       "--write-file|--workdir|--bypass-protection|--config|-c|"
	       "--shell|--allow-unix-socket*) COMPREPLY=($(compgen -f -- "
	       "\"$cur\")); return ;;\n"
	       "\tesac\n"
	       "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n"
	       "\t\tCOMPREPLY=($(compgen -W \"");
	words(commands, N(commands));
	printf(" --help --version --silent --verbose --theme\" -- \"$cur\"))\n"
	       "\t\treturn\n"
	       "\tfi\n"
	       "\tcase $cmd in\n"
	       "\trun|wrap|shell) COMPREPLY=($(compgen -W \"");
	run_flags();
	printf("\" -- \"$cur\")) ;;\n"
	       "\twhy) COMPREPLY=($(compgen -W \"");
	words(why_flags, N(why_flags));
	printf("\" -- \"$cur\")) ;;\n"
	       "\tsetup) COMPREPLY=($(compgen -W \"");
	words(setup_flags, N(setup_flags));
	printf("\" -- \"$cur\")) ;;\n"
	       "\tprofile) if [ \"$COMP_CWORD\" -eq 2 ]; then COMPREPLY=($("
	       "compgen -W \"");
	words(profile_subs, N(profile_subs));
	printf("\" -- \"$cur\")); else COMPREPLY=($(compgen -W \"$(nono "
	       "profile list 2>/dev/null | awk 'NR > 1 { print $1 }') --json "
	       "--help\" -- \"$cur\")); fi ;;\n"
	       "\taudit) COMPREPLY=($(compgen -W \"");
	words(audit_subs, N(audit_subs));
	printf("\" -- \"$cur\")) ;;\n"
	       "\trollback) COMPREPLY=($(compgen -W \"");
	words(rollback_subs, N(rollback_subs));
	printf("\" -- \"$cur\")) ;;\n"
	       "\ttrust) COMPREPLY=($(compgen -W \"");
	words(trust_subs, N(trust_subs));
	printf("\" -- \"$cur\")) ;;\n"
	       "\tlearn) COMPREPLY=($(compgen -W \"");
	words(learn_opts, N(learn_opts));
	printf("\" -- \"$cur\")) ;;\n"
	       "\thelp) COMPREPLY=($(compgen -W \"");
	words(commands, N(commands));
	printf("\" -- \"$cur\")) ;;\n"
	       "\tcompletions) COMPREPLY=($(compgen -W \"bash zsh fish\" -- "
	       "\"$cur\")) ;;\n"
	       "\tesac\n"
	       "}\n"
	       "complete -F _nono nono\n");
}

static void zsh(void)
{
	printf("#compdef nono\n"
	       "# zsh completion for nono (nono completions zsh)\n"
	       "_nono() {\n"
	       "  local -a cmds run_flags\n"
	       "  cmds=(");
	words(commands, N(commands));
	printf(")\n  run_flags=(");
	run_flags();
	printf(")\n"
	       "  if (( CURRENT == 2 )); then\n"
	       "    compadd -- $cmds\n"
	       "    return\n"
	       "  fi\n"
	       "  case ${words[CURRENT-1]} in\n"
	       "    --profile|-p) compadd -- ${(f)\"$(nono profile list "
	       "2>/dev/null | awk 'NR > 1 { print $1 }')\"}; return ;;\n"
	       "    --network-profile) compadd -- ");
	net_profiles();
	printf("; return ;;\n"
	       "    --op) compadd -- read write readwrite; return ;;\n"
	       "    --allow|-a|--read|-r|--write|-w|--allow-file|--read-file|"
	       "--write-file|--workdir|--bypass-protection) _files; return "
	       ";;\n"
	       "  esac\n"
	       "  case ${words[2]} in\n"
	       "    run|wrap|shell) compadd -- $run_flags ;;\n"
	       "    why) compadd -- ");
	words(why_flags, N(why_flags));
	printf(" ;;\n    setup) compadd -- ");
	words(setup_flags, N(setup_flags));
	printf(" ;;\n    profile) compadd -- ");
	words(profile_subs, N(profile_subs));
	printf(" ;;\n    audit) compadd -- ");
	words(audit_subs, N(audit_subs));
	printf(" ;;\n    rollback) compadd -- ");
	words(rollback_subs, N(rollback_subs));
	printf(" ;;\n    trust) compadd -- ");
	words(trust_subs, N(trust_subs));
	printf(" ;;\n    learn) compadd -- ");
	words(learn_opts, N(learn_opts));
	printf(" ;;\n    help) compadd -- $cmds ;;\n"
	       "    completions) compadd -- bash zsh fish ;;\n"
	       "  esac\n"
	       "}\n"
	       "_nono \"$@\"\n");
}

static void fish(void)
{
	printf("# fish completion for nono (nono completions fish)\n"
	       "complete -c nono -f\n"
	       "complete -c nono -n __fish_use_subcommand -a '");
	words(commands, N(commands));
	printf("'\n");
	for (size_t i = 0; i < args_run_flag_count(); i++) {
		bool val = false;
		const char *f = args_run_flag(i, &val);

		printf("complete -c nono -n '__fish_seen_subcommand_from run "
		       "wrap shell' -l %s%s\n",
		       f, val ? " -r" : "");
	}
	printf("complete -c nono -n '__fish_seen_subcommand_from run wrap "
	       "shell why' -l profile -s p -r -a '(nono profile list "
	       "2>/dev/null | awk \"NR > 1 { print \\$1 }\")'\n"
	       "complete -c nono -n '__fish_seen_subcommand_from run wrap "
	       "shell why' -l network-profile -r -a '");
	net_profiles();
	printf("'\n"
	       "complete -c nono -n '__fish_seen_subcommand_from profile' -a "
	       "'");
	words(profile_subs, N(profile_subs));
	printf("'\n"
	       "complete -c nono -n '__fish_seen_subcommand_from audit' -a '");
	words(audit_subs, N(audit_subs));
	printf("'\n"
	       "complete -c nono -n '__fish_seen_subcommand_from rollback' -a "
	       "'");
	words(rollback_subs, N(rollback_subs));
	printf("'\n"
	       "complete -c nono -n '__fish_seen_subcommand_from trust' -a '");
	words(trust_subs, N(trust_subs));
	printf("'\n"
	       "complete -c nono -n '__fish_seen_subcommand_from learn' -a '");
	words(learn_opts, N(learn_opts));
	printf("'\n"
	       "complete -c nono -n '__fish_seen_subcommand_from why' -a '");
	words(why_flags, N(why_flags));
	printf("'\n"
	       "complete -c nono -n '__fish_seen_subcommand_from setup' -a '");
	words(setup_flags, N(setup_flags));
	printf("'\n"
	       "complete -c nono -n '__fish_seen_subcommand_from completions' "
	       "-a 'bash zsh fish'\n");
}

int cmd_completions(int argc, char **argv)
{
	const char *sh = argc > 1 ? argv[1] : NULL;

	if (sh && (strcmp(sh, "-h") == 0 || strcmp(sh, "--help") == 0)) {
		printf("Usage: nono completions bash|zsh|fish\n\n"
		       "Prints a completion script for the shell: commands, "
		       "flags, profile names.\n"
		       "  bash: nono completions bash > "
		       "~/.local/share/bash-completion/completions/nono\n"
		       "  zsh:  nono completions zsh > \"${fpath[1]}/_nono\"\n"
		       "  fish: nono completions fish > "
		       "~/.config/fish/completions/nono.fish\n"
		       "meson install puts all three where the shells look.\n");
		return 0;
	}
	if (argc != 2 || !sh) {
		fprintf(stderr, "nono: completions: name one shell: bash, zsh "
				"or fish\n");
		return 1;
	}
	if (strcmp(sh, "bash") == 0)
		bash();
	else if (strcmp(sh, "zsh") == 0)
		zsh();
	else if (strcmp(sh, "fish") == 0)
		fish();
	else {
		fprintf(stderr,
			"nono: completions: unknown shell '%s' (bash, zsh or "
			"fish)\n",
			sh);
		return 1;
	}
	return 0;
}
