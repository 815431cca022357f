/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Profiles: JSON(C) files that name a sandbox's grants, network policy and
 * security settings, with `extends` inheritance.  Loading resolves a name
 * (a path, then ~/.config/nono/profiles, then installed packs, then the
 * built-in set), follows `extends` (cycles and depth > 10 are errors),
 * checks every key and type against one schema table (which also prints
 * the JSON Schema), and merges: lists add up (base first, no duplicates),
 * scalars of the child win, an explicit null clears an inherited value.
 * Paths stay as written ("$WORKDIR/src"); nono_profile_expand() resolves
 * the variables when the profile is applied.
 */
#ifndef NONO_POLICY_PROFILE_H
#define NONO_POLICY_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define NONO_PROFILE_MAX_DEPTH 10

struct nono_plist {
	char **v;
	size_t n;
};

struct nono_pports {
	uint16_t *v;
	size_t n;
};

struct nono_endpoint_rule {
	char *method, *path;
};

struct nono_custom_cred {
	char *name;
	char *upstream, *credential_key, *inject_header, *credential_format,
	    *env_var;
	struct nono_endpoint_rule *rules;
	size_t nrules;
};

/* Tri-state flags: -1 means "not set here" (inherit). */
struct nono_profile {
	char *name;   /* meta.name, else the name it was loaded by */
	char *source; /* the file, or "built-in" */
	char *version, *description, *author;
	struct nono_plist extends; /* as written in the top file */
	struct nono_plist groups_include, groups_exclude;
	struct nono_plist cmd_allow, cmd_deny;
	struct {
		struct nono_plist allow, read, write, allow_file, read_file,
		    write_file, deny, bypass_protection, suppress_save_prompt,
		    keep_read_only, unix_socket, unix_socket_bind,
		    unix_socket_dir, unix_socket_dir_bind, unix_socket_subtree,
		    unix_socket_subtree_bind;
	} fs;
	struct {
		int block;
		char *network_profile; /* NULL: none */
		int network_profile_set;
		struct nono_plist allow_domain, credentials, upstream_bypass;
		char *upstream_proxy;
		int upstream_proxy_set;
		struct nono_pports open_port, listen_port;
		struct nono_custom_cred *creds;
		size_t ncreds;
	} net;
	struct {
		char *signal_mode, *ipc_mode;
		int capability_elevation, allow_gpu;
	} security;
	char *workdir_access; /* none, read, write, readwrite */
	struct {
		struct nono_plist allow, deny;
		struct nono_plist set; /* "NAME=value" */
	} env;
	struct nono_plist env_credentials; /* "account=VAR" */
	struct {
		struct nono_plist exclude_patterns, exclude_globs;
	} rollback;
	struct nono_plist skipdirs;
};

/* Where names and variables resolve. */
struct nono_profile_env {
	const char *home;       /* ~ and $HOME */
	const char *workdir;    /* $WORKDIR (--workdir, default: cwd) */
	const char *config_dir; /* $XDG_CONFIG_HOME/nono or ~/.config/nono */
	/* Names of the policy groups that exist, and which are required. */
	bool (*group_known)(const char *name, bool *required);
};

/*
 * Loads profile @name_or_path and everything it extends.  On error writes
 * one line to @err ("FILE:LINE:COL: what was expected", or what is wrong
 * with the name) and returns -1; on success 0 and *@out.
 */
int nono_profile_load(const struct nono_profile_env *env,
		      const char *name_or_path, struct nono_profile **out,
		      char *err, size_t errlen);
void nono_profile_free(struct nono_profile *p);
/* An empty profile (every flag unset), to build one to write out. */
struct nono_profile *nono_profile_new(void);
/* Appends @s to @l unless present; 0, -ENOMEM or -E2BIG (4096 entries). */
int nono_plist_add(struct nono_plist *l, const char *s);

/* Parses one profile text (named @file in messages) against the schema,
 * without following `extends`: for tests and fuzzing. */
int nono_profile_parse(const char *file, const char *text, size_t len,
		       struct nono_profile **out, char *err, size_t errlen);

/* Expands ~, $HOME, $WORKDIR, $TMPDIR, $UID, $XDG_CONFIG_HOME,
 * $XDG_CACHE_HOME, $XDG_DATA_HOME, $XDG_STATE_HOME and $XDG_RUNTIME_DIR
 * (${NAME} too) in @in.  Any other $NAME is an error, so that a typo never
 * becomes a literal path.  Returns 0 and *@out (malloc'd) or -1 with @err. */
int nono_profile_expand(const struct nono_profile_env *env, const char *in,
			char **out, char *err, size_t errlen);

/* The built-in profiles, in a fixed order. */
size_t nono_profile_builtin_count(void);
const char *nono_profile_builtin_name(size_t i);
/* The built-in profile's JSON text, or NULL. */
const char *nono_profile_builtin_text(const char *name);

/* The fully resolved profile as JSON (what `nono profile show --json`
 * prints), and the JSON Schema that loading enforces. */
void nono_profile_write_json(FILE *f, const struct nono_profile *p);
void nono_profile_write_schema(FILE *f);
/* One "key: value" line per setting and list item, sorted within each key
 * by document order (for `nono profile diff`). */
void nono_profile_write_flat(FILE *f, const struct nono_profile *p);

#endif
