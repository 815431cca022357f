// SPDX-License-Identifier: Apache-2.0
/*
 * The profile schema table (see profile_schema.h) and the checks of its
 * string values.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/envclean.h"
#include "policy/profile.h"
#include "policy/profile_schema.h"
#include "proxy/hosts.h"
#include "util/envname.h"
#include "util/suggest.h"
#include "util/url.h"

#define OFF(m) offsetof(struct nono_profile, m)
#define END                                                                    \
	{                                                                      \
		NULL, K_STR, 0, 0, NULL, NULL, NULL                            \
	}

const char *nono_profile_check_var(const char *s)
{
	return nono_env_name_ok(s, NONO_ENV_NAME_MAX)
		   ? NULL
		   : "not a valid environment variable name";
}

const char *nono_profile_check_path(const char *s)
{
	if (!*s)
		return "empty path";
	return NULL;
}

/* Messages that name what they refuse; the loader is single-threaded and
 * copies a message before the next check. */
static char msg[256];

/* A path whose variables are all known ($HOME, ${WORKDIR}, ...): what
 * `nono run` would refuse when it expands it, found at load time, where
 * the file's line and column are known. */
static const char *check_fs_path(const char *s)
{
	/* The expansion `nono run` does, on stand-in values: the same
	 * parser, so the two cannot disagree on what a variable is. */
	static const struct nono_profile_env env = {"/home", "/work", NULL,
						    NULL};
	char *out = NULL;

	if (!*s)
		return "empty path";
	if (nono_profile_expand(&env, s, &out, msg, sizeof(msg)) < 0)
		return msg;
	free(out);
	return NULL;
}

/* groups.include: GPU access comes only with --allow-gpu. */
static const char *check_include(const char *s)
{
	if (strcmp(s, "gpu") == 0)
		return "gpu comes only with --allow-gpu (and "
		       "security.allow_gpu "
		       "in the profile)";
	return nono_profile_check_name(s);
}

/* network.network_profile: one of the built-in network profiles. */
static const char *check_net_profile(const char *s)
{
	const char *names[32], *near;
	size_t n = 0;

	for (size_t i = 0; i < nono_network_profile_count() && n < 32; i++) {
		names[n] = nono_network_profile_name(i);
		if (strcmp(names[n++], s) == 0)
			return NULL;
	}
	near = nono_suggest(s, names, n);
	snprintf(msg, sizeof(msg), "no such network profile \"%.64s\"%s%s%s", s,
		 near ? "; did you mean \"" : "", near ? near : "",
		 near ? "\"?" : "");
	return msg;
}

/* network.allow_domain and upstream_bypass: what --allow-domain takes. */
static const char *check_domain(const char *s)
{
	struct nono_allowlist *a = nono_allowlist_new();
	const char *why = "invalid";
	int r;

	if (!a)
		return "out of memory";
	r = nono_allowlist_add(a, s, &why);
	nono_allowlist_free(a);
	if (r == 0)
		return NULL;
	snprintf(msg, sizeof(msg), "%s", why);
	return msg;
}

/* network.upstream_bypass: host names or *.suffix, no URLs. */
static const char *check_bypass(const char *s)
{
	if (strstr(s, "://"))
		return "expected a host name or *.suffix";
	return check_domain(s);
}

/* network.upstream_proxy: HOST:PORT (or http://HOST:PORT). */
static const char *check_upstream(const char *s)
{
	struct nono_url u;

	if (nono_url_parse(s, &u, NULL) < 0 || !u.auth.has_port ||
	    (u.scheme != NONO_URL_NONE && u.scheme != NONO_URL_HTTP) ||
	    (u.rest[0] && strcmp(u.rest, "/") != 0))
		return "expected HOST:PORT of an http proxy (e.g. "
		       "squid.corp:3128)";
	return NULL;
}

/* environment.set: a variable name, never one hygiene drops. */
static const char *check_env_set(const char *s)
{
	const char *why = nono_profile_check_var(s);

	if (why)
		return why;
	if (nono_env_is_dropped(s, strlen(s)))
		return "can inject code into the command and is always "
		       "dropped; remove it";
	return NULL;
}

const char *nono_profile_check_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return "not a valid name (1-64 characters)";
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return "not a valid name (letters, digits, . _ -)";
	return NULL;
}

static const char *const signal_modes[] = {"isolated", "allow_same_sandbox",
					   "allow_all", NULL};
static const char *const ipc_modes[] = {"shared_memory_only", "full", NULL};
static const char *const workdir_modes[] = {"none", "read", "write",
					    "readwrite", NULL};

/* clang-format off */
static const struct field meta_t[] = {
	{"name", K_STR, OFF(name), 0, NULL, nono_profile_check_name, "Name of this profile."},
	{"version", K_STR, OFF(version), 0, NULL, NULL, "Version of this profile definition."},
	{"description", K_NSTR, OFF(description), 0, NULL, NULL, "What the profile is for, and why each grant is there."},
	{"author", K_NSTR, OFF(author), 0, NULL, NULL, "Author or maintainer."},
	END,
};

static const struct field groups_t[] = {
	{"include", K_LIST, OFF(groups_include), 0, NULL, check_include, "Policy groups to add (nono profile groups lists them)."},
	{"exclude", K_LIST, OFF(groups_exclude), 0, NULL, nono_profile_check_name, "Policy groups to remove from the inherited set; required deny groups cannot be removed."},
	END,
};

static const struct field commands_t[] = {
	{"allow", K_LIST, OFF(cmd_allow), 0, NULL, nono_profile_check_name, "Deprecated: startup-only exceptions to the command blocklist (--allow-command)."},
	{"deny", K_LIST, OFF(cmd_deny), 0, NULL, nono_profile_check_name, "Deprecated: startup-only additions to the command blocklist (--block-command)."},
	END,
};

static const struct field fs_t[] = {
	{"allow", K_LIST, OFF(fs.allow), 0, NULL, check_fs_path, "Directories with read and write access (--allow)."},
	{"read", K_LIST, OFF(fs.read), 0, NULL, check_fs_path, "Directories with read access (--read)."},
	{"write", K_LIST, OFF(fs.write), 0, NULL, check_fs_path, "Directories with write access (--write)."},
	{"allow_file", K_LIST, OFF(fs.allow_file), 0, NULL, check_fs_path, "Single files with read and write access (--allow-file)."},
	{"read_file", K_LIST, OFF(fs.read_file), 0, NULL, check_fs_path, "Single files with read access (--read-file)."},
	{"write_file", K_LIST, OFF(fs.write_file), 0, NULL, check_fs_path, "Single files with write access (--write-file)."},
	{"deny", K_LIST, OFF(fs.deny), 0, NULL, check_fs_path, "Paths hidden from the sandbox even inside granted trees."},
	{"bypass_protection", K_LIST, OFF(fs.bypass_protection), 0, NULL, check_fs_path, "Protected paths whose deny is lifted (--bypass-protection); each needs a grant too."},
	{"keep_read_only", K_LIST, OFF(fs.keep_read_only), 0, NULL, check_fs_path, "Paths kept read-only, and not creatable, even inside writable grants: configuration that makes a program run commands outside the sandbox later (an agent's hooks, notify, plugins). --bypass-protection PATH lifts one. (nono extension)"},
	{"suppress_save_prompt", K_LIST, OFF(fs.suppress_save_prompt), 0, NULL, nono_profile_check_path, "Paths never offered as profile additions after a denial (--suppress-save-prompt)."},
	{"unix_socket", K_LIST, OFF(fs.unix_socket), 0, NULL, check_fs_path, "AF_UNIX socket files that may be connected (--allow-unix-socket)."},
	{"unix_socket_bind", K_LIST, OFF(fs.unix_socket_bind), 0, NULL, check_fs_path, "AF_UNIX socket paths that may be bound and connected (--allow-unix-socket-bind)."},
	{"unix_socket_dir", K_LIST, OFF(fs.unix_socket_dir), 0, NULL, check_fs_path, "Directories whose direct socket children may be connected (--allow-unix-socket-dir)."},
	{"unix_socket_dir_bind", K_LIST, OFF(fs.unix_socket_dir_bind), 0, NULL, check_fs_path, "As unix_socket_dir, with bind (--allow-unix-socket-dir-bind)."},
	{"unix_socket_subtree", K_LIST, OFF(fs.unix_socket_subtree), 0, NULL, check_fs_path, "Directories whose sockets at any depth may be connected (--allow-unix-socket-subtree)."},
	{"unix_socket_subtree_bind", K_LIST, OFF(fs.unix_socket_subtree_bind), 0, NULL, check_fs_path, "As unix_socket_subtree, with bind (--allow-unix-socket-subtree-bind)."},
	END,
};

static const struct field network_t[] = {
	{"block", K_BOOL, OFF(net.block), 0, NULL, NULL, "Block all network access (--block-net)."},
	{"network_profile", K_CSTR, OFF(net.network_profile), OFF(net.network_profile_set), NULL, check_net_profile, "Network profile for proxy mode (--network-profile); null clears an inherited one."},
	{"allow_domain", K_LIST, OFF(net.allow_domain), 0, NULL, check_domain, "Hosts (or https://host/path/** rules) allowed through the proxy (--allow-domain)."},
	{"credentials", K_LIST, OFF(net.credentials), 0, NULL, nono_profile_check_name, "Credential services injected by the proxy (--credential)."},
	{"custom_credentials", K_CREDS, OFF(net.creds), 0, NULL, NULL, "Credential services defined here: name -> {upstream, credential_key, inject_header, credential_format, env_var, endpoint_rules}."},
	{"open_port", K_PORTS, OFF(net.open_port), 0, NULL, NULL, "Loopback TCP ports open in both directions (--open-port)."},
	{"listen_port", K_PORTS, OFF(net.listen_port), 0, NULL, NULL, "TCP ports the command may listen on in proxy mode (--listen-port)."},
	{"upstream_proxy", K_CSTR, OFF(net.upstream_proxy), OFF(net.upstream_proxy_set), NULL, check_upstream, "host:port of a proxy to chain through (--upstream-proxy); null clears an inherited one."},
	{"upstream_bypass", K_LIST, OFF(net.upstream_bypass), 0, NULL, check_bypass, "Hosts that go direct instead of through the upstream proxy (--upstream-bypass)."},
	END,
};

static const struct field security_t[] = {
	{"signal_mode", K_ENUM, OFF(security.signal_mode), 0, signal_modes, NULL, "Which processes the command may signal: isolated (its sandbox; the default), allow_same_sandbox (the same), allow_all."},
	{"ipc_mode", K_ENUM, OFF(security.ipc_mode), 0, ipc_modes, NULL, "shared_memory_only (the default) or full."},
	{"capability_elevation", K_BOOL, OFF(security.capability_elevation), 0, NULL, NULL, "Approve denied opens at run time through the supervisor."},
	{"allow_gpu", K_BOOL, OFF(security.allow_gpu), 0, NULL, NULL, "Opt in to GPU access; --allow-gpu must be given too."},
	END,
};

static const struct field workdir_t[] = {
	{"access", K_ENUM, OFF(workdir_access), 0, workdir_modes, NULL, "What --allow-cwd grants on the working directory: none, read (the default), write, readwrite."},
	END,
};

static const struct field environment_t[] = {
	{"allow", K_LIST, OFF(env.allow), 0, NULL, nono_profile_check_var, "When present, only these variables reach the command."},
	{"deny", K_LIST, OFF(env.deny), 0, NULL, nono_profile_check_var, "Variables removed from the command's environment."},
	{"set", K_STRMAP, OFF(env.set), 0, NULL, check_env_set, "Variables set for the command: NAME -> value."},
	END,
};

static const struct field rollback_t[] = {
	{"exclude_patterns", K_LIST, OFF(rollback.exclude_patterns), 0, NULL, nono_profile_check_path, "Path components never snapshotted."},
	{"exclude_globs", K_LIST, OFF(rollback.exclude_globs), 0, NULL, nono_profile_check_path, "Glob patterns never snapshotted."},
	END,
};

const struct field nono_profile_fields[] = {
	{"$schema", K_SCHEMA, 0, 0, NULL, NULL, "JSON Schema URI for editors."},
	{"extends", K_EXTENDS, OFF(extends), 0, NULL, NULL, "Base profile name, path, or list of them; merged left to right before this one."},
	{"meta", K_SECTION, 0, 0, meta_t, NULL, "Name, version, description, author."},
	{"groups", K_SECTION, 0, 0, groups_t, NULL, "Policy group composition."},
	{"commands", K_SECTION, 0, 0, commands_t, NULL, "Deprecated startup-only command lists."},
	{"filesystem", K_SECTION, 0, 0, fs_t, NULL, "Filesystem grants, denies and socket grants."},
	{"network", K_SECTION, 0, 0, network_t, NULL, "Network policy."},
	{"security", K_SECTION, 0, 0, security_t, NULL, "Process isolation settings."},
	{"workdir", K_SECTION, 0, 0, workdir_t, NULL, "Working directory access."},
	{"environment", K_SECTION, 0, 0, environment_t, NULL, "Environment variables of the command."},
	{"env_credentials", K_STRMAP, OFF(env_credentials), 0, NULL, NULL, "Secrets loaded into variables: keystore account or URI -> VARIABLE."},
	{"rollback", K_SECTION, 0, 0, rollback_t, NULL, "Rollback snapshot exclusions."},
	{"skipdirs", K_LIST, OFF(skipdirs), 0, NULL, nono_profile_check_path, "Directory names skipped by trust scanning and rollback preflight."},
	END,
};
/* clang-format on */
