// SPDX-License-Identifier: Apache-2.0
/*
 * Environment hygiene for the sandboxed command: drops loader, shell and
 * interpreter variables that inject code at start-up, and the tokens that
 * unlock a whole secret store.  Each entry names what it closes.
 */
#include <stdlib.h>
#include <string.h>

#include "policy/envclean.h"

/* Prefixes end in '_' or '%'; everything else is an exact name. */
/* clang-format off */
static const char *const dropped[] = {
	"LD_",             /* LD_PRELOAD, LD_AUDIT, LD_LIBRARY_PATH: loader */
	"DYLD_",           /* the macOS loader equivalents */
	"BASH_FUNC_",      /* exported bash functions (shellshock surface) */
	"GLIBC_TUNABLES",  /* loader tunables (CVE-2023-4911) */
	"GCONV_PATH",      /* iconv loads modules from here */
	"HOSTALIASES",     /* resolver reads an arbitrary file */
	"BASH_ENV",        /* sourced by every non-interactive bash */
	"ENV",             /* sourced by interactive sh/dash */
	"PROMPT_COMMAND",  /* run before each bash prompt */
	"PS4",             /* expanded (command substitution) under set -x */
	"SHELLOPTS",       /* turns on xtrace and friends in child shells */
	"BASHOPTS",
	"ZDOTDIR",         /* zsh reads its rc files from here */
	"NODE_OPTIONS",    /* --require / --import run code in every node */
	"PYTHONSTARTUP",   /* run by every interactive python */
	"PYTHONINSPECT",
	"PERL5OPT",        /* -M modules loaded by every perl */
	"PERL5DB",         /* debugger code */
	"RUBYOPT",         /* -r libraries loaded by every ruby */
	"JAVA_TOOL_OPTIONS", /* -javaagent in every JVM */
	"_JAVA_OPTIONS",
	"JDK_JAVA_OPTIONS",
	"GIT_SSH",         /* programs git runs */
	"GIT_SSH_COMMAND",
	"GIT_EXEC_PATH",
	"GIT_ASKPASS",
	"SSH_ASKPASS",
	"GIT_CONFIG_PARAMETERS", /* config (core.hooksPath, aliases) */
	"GIT_CONFIG_COUNT",
	"GIT_CONFIG_KEY_",
	"GIT_CONFIG_VALUE_",
	"LESSOPEN",        /* input preprocessor run by less */
	"LESSCLOSE",
	/* Tokens that unlock a whole secret store, not one service: the
	 * command gets credentials through the proxy or --env-credential,
	 * never the key to all of them (upstream nono strips them too). */
	"OP_SERVICE_ACCOUNT_TOKEN", /* 1Password service account */
	"OP_CONNECT_TOKEN",         /* 1Password Connect */
	"OP_SESSION_",              /* 1Password CLI sessions, per account */
	"BW_SESSION",               /* Bitwarden CLI */
	"VAULT_TOKEN",              /* HashiCorp Vault */
};
/* clang-format on */

#define NDROPPED (sizeof(dropped) / sizeof(dropped[0]))

bool nono_env_is_dropped(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NDROPPED; i++) {
		size_t n = strlen(dropped[i]);
		bool prefix = dropped[i][n - 1] == '_';

		if (prefix && len >= n && strncmp(name, dropped[i], n) == 0)
			return true;
		if (!prefix && len == n && strncmp(name, dropped[i], n) == 0)
			return true;
	}
	return false;
}

char **nono_env_clean(char *const *envp, size_t *ndropped)
{
	size_t n = 0, i, k = 0, d = 0;
	char **out;

	while (envp && envp[n])
		n++;
	out = calloc(n + 1, sizeof(*out));
	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *eq = strchr(envp[i], '=');
		size_t len = eq ? (size_t)(eq - envp[i]) : strlen(envp[i]);

		/* An entry without '=' is malformed: drop it as well. */
		if (!eq || nono_env_is_dropped(envp[i], len)) {
			d++;
			continue;
		}
		out[k++] = envp[i];
	}
	if (ndropped)
		*ndropped = d;
	return out;
}

size_t nono_env_dropped_count(void)
{
	return NDROPPED;
}

const char *nono_env_dropped_at(size_t i)
{
	return i < NDROPPED ? dropped[i] : NULL;
}
