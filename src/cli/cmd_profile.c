// SPDX-License-Identifier: Apache-2.0
/*
 * nono profile: init, list, show, diff, validate, groups, schema, guide.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cmd_profile.h"
#include "cli/output.h"
#include "nono/caps.h"
#include "nono/path.h"
#include "plan/profile_apply.h"
#include "policy/profile.h"
#include "policy/profile_schema.h"
#include "policy/protect.h"
#include "policy/system.h"
#include "util/fsutil.h"
#include "util/suggest.h"

static const char *home_of(void)
{
	const char *h = getenv("HOME");

	return h && h[0] == '/' ? h : NULL;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: nono profile COMMAND [ARGS]\n\n"
		"  init NAME [--extends BASE] [--output FILE|-] [--force]\n"
		"                       write a skeleton profile (default: "
		"~/.config/nono/profiles/NAME.json)\n"
		"  list [--json]        the built-in, pack and user profiles\n"
		"  show NAME|FILE [--json] [--workdir DIR]\n"
		"                       the fully resolved profile\n"
		"  diff A B             settings only in A (-) or only in B "
		"(+)\n"
		"  validate NAME|FILE   check a profile and everything it "
		"extends\n"
		"  groups [NAME]        the policy groups, or one group's "
		"paths\n"
		"  schema               the JSON Schema that validate "
		"enforces\n"
		"  guide                how to write a profile\n");
}

static int load(const char *ref, const char *workdir, struct nono_profile **out)
{
	struct nono_profile_env env;
	char err[1024];
	char *cwd = getcwd(NULL, 0);
	int r;

	plan_profile_env(&env, home_of(), workdir ? workdir : cwd);
	r = nono_profile_load(&env, ref, out, err, sizeof(err));
	free(cwd);
	if (r < 0) {
		out_error("%s", err);
		return -1;
	}
	return 0;
}

/* --- list --------------------------------------------------------------- */

struct entry {
	char name[128], kind[16], source[PATH_MAX];
};

static int add_dir(struct entry **v, size_t *n, const char *dir,
		   const char *kind)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name), cut = 0;
		struct entry *nv;

		if (len > 5 && strcmp(de->d_name + len - 5, ".json") == 0)
			cut = 5;
		else if (len > 6 && strcmp(de->d_name + len - 6, ".jsonc") == 0)
			cut = 6;
		if (!cut || de->d_name[0] == '.' || len - cut >= 128)
			continue;
		nv = realloc(*v, (*n + 1) * sizeof(**v));
		if (!nv)
			break;
		*v = nv;
		snprintf(nv[*n].name, sizeof(nv[*n].name), "%.*s",
			 (int)(len - cut), de->d_name);
		snprintf(nv[*n].kind, sizeof(nv[*n].kind), "%s", kind);
		if (snprintf(nv[*n].source, sizeof(nv[*n].source), "%s/%s", dir,
			     de->d_name) >= (int)sizeof(nv[*n].source))
			continue;
		(*n)++;
	}
	closedir(d);
	return 0;
}

static int cmd_list(bool json)
{
	struct nono_profile_env env;
	struct entry *v = NULL;
	size_t n = 0;
	char dir[PATH_MAX];
	int status = 0;

	plan_profile_env(&env, home_of(), NULL);
	for (size_t i = 0; i < nono_profile_builtin_count(); i++) {
		struct entry *nv = realloc(v, (n + 1) * sizeof(*v));

		if (!nv)
			break;
		v = nv;
		snprintf(v[n].name, sizeof(v[n].name), "%s",
			 nono_profile_builtin_name(i));
		snprintf(v[n].kind, sizeof(v[n].kind), "built-in");
		snprintf(v[n].source, sizeof(v[n].source), "built-in");
		n++;
	}
	if (env.config_dir) {
		struct dirent *de;
		DIR *d;

		snprintf(dir, sizeof(dir), "%s/packs", env.config_dir);
		d = opendir(dir);
		while (d && (de = readdir(d))) {
			char pdir[PATH_MAX];

			if (de->d_name[0] == '.' ||
			    snprintf(pdir, sizeof(pdir), "%s/%s", dir,
				     de->d_name) >= (int)sizeof(pdir))
				continue;
			add_dir(&v, &n, pdir, "pack");
		}
		if (d)
			closedir(d);
		snprintf(dir, sizeof(dir), "%s/profiles", env.config_dir);
		add_dir(&v, &n, dir, "user");
	}
	if (json)
		printf("[");
	else
		printf("%-20s %-9s %s\n", "NAME", "KIND", "DESCRIPTION");
	for (size_t i = 0; i < n; i++) {
		struct nono_profile *p = NULL;
		char err[1024];
		const char *desc;

		/* A user profile shadows a built-in of the same name; load
		 * by source so that each row describes itself. */
		if (nono_profile_load(&env,
				      strcmp(v[i].kind, "built-in") == 0
					  ? v[i].name
					  : v[i].source,
				      &p, err, sizeof(err)) < 0) {
			desc = "INVALID (nono profile validate says why)";
			status = 1;
		} else {
			desc = p->description ? p->description : "";
		}
		if (json) {
			printf("%s\n  {\"name\": \"%s\", \"kind\": \"%s\", "
			       "\"source\": \"%s\", \"valid\": %s}",
			       i ? "," : "", v[i].name, v[i].kind, v[i].source,
			       p ? "true" : "false");
		} else {
			printf("%-20s %-9s %.100s%s\n", v[i].name, v[i].kind,
			       desc, strlen(desc) > 100 ? "..." : "");
		}
		nono_profile_free(p);
	}
	if (json)
		printf("\n]\n");
	free(v);
	return status;
}

/* --- diff --------------------------------------------------------------- */

static char **lines_of(const struct nono_profile *p, size_t *n)
{
	char *buf = NULL, **v = NULL, *save = NULL, *tok;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	*n = 0;
	if (!m)
		return NULL;
	nono_profile_write_flat(m, p);
	fclose(m);
	for (tok = strtok_r(buf, "\n", &save); tok;
	     tok = strtok_r(NULL, "\n", &save)) {
		char **nv = realloc(v, (*n + 1) * sizeof(*v));

		if (!nv)
			break;
		v = nv;
		v[*n] = strdup(tok);
		if (v[*n])
			(*n)++;
	}
	free(buf);
	return v;
}

static bool has(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static int cmd_diff(const char *a, const char *b)
{
	struct nono_profile *pa = NULL, *pb = NULL;
	char **la, **lb;
	size_t na, nb;
	int changes = 0;

	if (load(a, NULL, &pa) < 0 || load(b, NULL, &pb) < 0) {
		nono_profile_free(pa);
		return 1;
	}
	la = lines_of(pa, &na);
	lb = lines_of(pb, &nb);
	printf("--- %s (%s)\n+++ %s (%s)\n", pa->name, pa->source, pb->name,
	       pb->source);
	for (size_t i = 0; i < na; i++)
		if (!has(lb, nb, la[i]) && ++changes)
			printf("- %s\n", la[i]);
	for (size_t i = 0; i < nb; i++)
		if (!has(la, na, lb[i]) && ++changes)
			printf("+ %s\n", lb[i]);
	if (!changes)
		printf("(no differences)\n");
	for (size_t i = 0; i < na; i++)
		free(la[i]);
	for (size_t i = 0; i < nb; i++)
		free(lb[i]);
	free(la);
	free(lb);
	nono_profile_free(pa);
	nono_profile_free(pb);
	return 0;
}

/* --- init --------------------------------------------------------------- */

static int cmd_init(int argc, char **argv)
{
	const char *name = NULL, *base = "default", *output = NULL;
	struct nono_profile_env env;
	struct nono_profile *p = NULL;
	char path[PATH_MAX], text[2048], err[1024];
	bool force = false;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			printf("Usage: nono profile init NAME [--extends BASE] "
			       "[--output FILE|-] [--force]\n"
			       "Writes a skeleton profile (plain JSON) to "
			       "~/.config/nono/profiles/NAME.json.\n");
			return 0;
		} else if (strcmp(argv[i], "--force") == 0) {
			force = true;
		} else if ((strcmp(argv[i], "--extends") == 0 ||
			    strcmp(argv[i], "--output") == 0 ||
			    strcmp(argv[i], "-o") == 0) &&
			   i + 1 < argc) {
			if (argv[i][2] == 'e')
				base = argv[++i];
			else
				output = argv[++i];
		} else if (argv[i][0] == '-' && strcmp(argv[i], "-") != 0) {
			out_error("profile init: unknown option '%s'", argv[i]);
			return 1;
		} else if (!name) {
			name = argv[i];
		} else {
			out_error("profile init: one name only");
			return 1;
		}
	}
	if (!name) {
		out_error("profile init: a profile name is required");
		out_hint("nono profile init my-agent [--extends default]");
		return 1;
	}
	if (nono_profile_check_name(name)) {
		out_error("profile init: %s: %s", name,
			  nono_profile_check_name(name));
		return 1;
	}
	plan_profile_env(&env, home_of(), NULL);
	/* The base must load, so that the skeleton is valid as written. */
	if (nono_profile_load(&env, base, &p, err, sizeof(err)) < 0) {
		out_error("profile init: --extends %s: %s", base, err);
		return 1;
	}
	nono_profile_free(p);
	/* Plain JSON, which jq and editors read: what a comment would say
	 * is in meta.description. */
	snprintf(text, sizeof(text),
		 "{\n"
		 "  \"extends\": \"%s\",\n"
		 "  \"meta\": {\n"
		 "    \"name\": \"%s\",\n"
		 "    \"description\": \"What this profile is for, and why "
		 "each grant is there. Check it with: nono profile validate "
		 "%s. Paths may use ~, $HOME, $WORKDIR, $TMPDIR, $UID and the "
		 "XDG variables.\"\n"
		 "  },\n"
		 "  \"filesystem\": {\n"
		 "    \"allow\": [\"$WORKDIR\"],\n"
		 "    \"read\": []\n"
		 "  },\n"
		 "  \"network\": {\n"
		 "    \"block\": false\n"
		 "  },\n"
		 "  \"workdir\": { \"access\": \"readwrite\" }\n"
		 "}\n",
		 base, name, name);
	if (output && strcmp(output, "-") == 0) {
		fputs(text, stdout);
		return 0;
	}
	if (output) {
		snprintf(path, sizeof(path), "%s", output);
	} else {
		char dir[PATH_MAX];

		if (!env.config_dir) {
			out_error("profile init: no home directory; use "
				  "--output FILE");
			return 1;
		}
		if (snprintf(dir, sizeof(dir), "%s/profiles", env.config_dir) >=
		    (int)sizeof(dir)) {
			out_error("%s: path too long", env.config_dir);
			return 1;
		}
		if (snprintf(path, sizeof(path), "%s/%s.json", dir, name) >=
		    (int)sizeof(path)) {
			out_error("%s: path too long", dir);
			return 1;
		}
	}
	{
		int r = nono_write_atomic(path, text, strlen(text),
					  force ? NONO_WRITE_REPLACE : 0, 0600);

		if (r == -EEXIST) {
			out_error("%s exists; use --force to replace it", path);
			return 1;
		}
		if (r < 0) {
			out_error("cannot write %s: %s", path, strerror(-r));
			return 1;
		}
	}
	out_info("wrote %s", path);
	return 0;
}

/* --- groups, guide ------------------------------------------------------ */

static const char *access_name(unsigned a)
{
	return a == NONO_ACCESS_RW     ? "read-write"
	       : a == NONO_ACCESS_READ ? "read"
				       : "write";
}

static int cmd_groups(const char *name)
{
	const struct nono_policy_group *g;
	bool required;

	if (!name) {
		printf("%-18s %-22s %s\n", "GROUP", "KIND", "WHAT");
		for (size_t i = 0; i < nono_protect_group_count(); i++)
			printf("%-18s %-22s %s\n", nono_protect_group_at(i),
			       "deny, required", "hidden even inside grants");
		for (size_t i = 0; i < nono_policy_group_count(); i++) {
			g = nono_policy_group_at(i);
			printf("%-18s %-22s %s\n", g->name,
			       g->by_default ? "grant, default"
			       : strcmp(g->name, "gpu") == 0
				   ? "grant, --allow-gpu"
				   : "grant, on include",
			       g->description);
		}
		return 0;
	}
	g = nono_policy_group_find(name);
	if (g) {
		printf("%s: %s\n%s\n", name,
		       g->by_default ? "granted by default (groups.exclude "
				       "removes it)"
				     : "granted when a profile includes it",
		       g->description);
		for (size_t i = 0; i < g->nentries; i++)
			printf("  %-40s %s%s\n", g->entries[i].path,
			       access_name(g->entries[i].access),
			       g->entries[i].flags & NONO_GRANT_FILE ? " (file)"
								     : "");
		return 0;
	}
	if (!nono_protect_group_known(name, &required)) {
		out_error("unknown policy group \"%s\"", name);
		out_hint("nono profile groups lists them");
		return 1;
	}
	printf("%s: deny group%s; paths below $HOME:\n", name,
	       required ? " (required)" : "");
	for (size_t i = 0; i < nono_protect_count(); i++) {
		const struct nono_protect_item *it = nono_protect_at(i);

		if (strcmp(it->group, name) == 0)
			printf("  ~/%-36s %s\n", it->rel, it->what);
	}
	return 0;
}

static const char guide[] =
    "Writing a nono profile\n"
    "======================\n\n"
    "A profile is a JSON file (// and /* */ comments allowed) that names "
    "what a\n"
    "command may touch. nono run --profile NAME looks for it as a path, "
    "then in\n"
    "~/.config/nono/profiles/NAME.json(c), then in installed packs\n"
    "(~/.config/nono/packs/PACK/NAME.json), then among the built-in "
    "ones.\n\n"
    "Start from a skeleton:   nono profile init my-agent\n"
    "Check it:                nono profile validate my-agent\n"
    "See what it resolves to: nono profile show my-agent\n"
    "Compare two:             nono profile diff default my-agent\n"
    "Every key and type:      nono profile schema\n\n"
    "Inheritance. \"extends\": \"default\" (or a list) merges the bases "
    "first, left\n"
    "to right; lists add up, a scalar in your file wins, and null clears "
    "an\n"
    "inherited network_profile or upstream_proxy. Chains deeper than 10 "
    "and cycles\n"
    "are errors.\n\n"
    "Grants. filesystem.allow / read / write take directories; allow_file "
    "/\n"
    "read_file / write_file take single files. Use $WORKDIR (the "
    "--workdir, or\n"
    "the current directory), ~, $HOME, $TMPDIR, $UID and the XDG "
    "variables; any\n"
    "other $NAME is an error, so a typo never becomes a literal path. "
    "Keep grants\n"
    "narrow, and say in meta.description why each one is there.\n\n"
    "Denies. The deny groups (credentials, keyrings, browser data, shell "
    "history,\n"
    "shell rc files) always apply, even inside your grants, and cannot be "
    "excluded.\n"
    "filesystem.deny hides more paths the same way. To hand one protected "
    "path to a\n"
    "command, list it in filesystem.bypass_protection AND grant it.\n\n"
    "Network. network.block: true blocks all network; open_port lists "
    "loopback\n"
    "ports that stay open. network_profile and allow_domain (hosts, "
    "*.suffix,\n"
    "'https://host/path/**') switch to proxy mode: the command reaches "
    "only those\n"
    "hosts, through nono's proxy. upstream_proxy / upstream_bypass chain "
    "through a\n"
    "corporate proxy; listen_port lets the command serve. A network flag "
    "on the\n"
    "command line wins over the profile.\n\n"
    "Credentials. network.credentials names services whose key the proxy "
    "adds:\n"
    "openai, anthropic, gemini, google-ai, or your custom_credentials "
    "entry\n"
    "(upstream, credential_key, inject_header, credential_format, "
    "env_var,\n"
    "endpoint_rules). The command gets <NAME>_BASE_URL and a placeholder "
    "key,\n"
    "never the key. env_credentials maps a secret (a keystore account, "
    "keyring://,\n"
    "op://, env://, file://) to a variable the command reads itself.\n\n"
    "Working directory. workdir.access (none, read, write, readwrite) is "
    "what\n"
    "--allow-cwd grants.\n\n"
    "Environment. environment.allow keeps only the named variables, deny "
    "removes\n"
    "some, set adds NAME: value pairs. Variables that inject code "
    "(LD_PRELOAD,\n"
    "BASH_ENV, NODE_OPTIONS, ...) are always dropped and cannot be set.\n\n"
    "GPU. security.allow_gpu: true opts in; --allow-gpu on the command "
    "line is\n"
    "still needed.\n\n"
    "Unknown keys, wrong types, unknown groups, bad ports and cycles stop "
    "nono\n"
    "before anything runs, with FILE:LINE:COL and what was expected.\n";

/* --- entry -------------------------------------------------------------- */

int cmd_profile(int argc, char **argv, struct global_opts *g)
{
	const char *sub;
	bool json = false;
	const char *workdir = NULL;
	char *pos[4] = {NULL};
	int npos = 0;

	if (cli_setup_output(g, NULL) < 0)
		return 1;
	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 1 : 0;
	}
	sub = argv[1];
	if (strcmp(sub, "init") == 0)
		return cmd_init(argc - 2, argv + 2);
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--workdir") == 0 && i + 1 < argc) {
			workdir = argv[++i];
		} else if (argv[i][0] == '-') {
			out_error("profile %s: unknown option '%s'", sub,
				  argv[i]);
			return 1;
		} else if (npos < 4) {
			pos[npos++] = argv[i];
		} else {
			out_error("profile %s: too many arguments", sub);
			return 1;
		}
	}
	/* --json where it means something (list, show), refused elsewhere
	 * rather than ignored. */
	if (json && strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0) {
		out_error("profile %s: --json is for list and show (schema "
			  "is JSON already)",
			  sub);
		return 1;
	}
	if (workdir && strcmp(sub, "show") != 0 &&
	    strcmp(sub, "validate") != 0) {
		out_error("profile %s: --workdir is for show and validate",
			  sub);
		return 1;
	}
#define WANT(n, what)                                                          \
	do {                                                                   \
		if (npos != (n)) {                                             \
			out_error("profile %s: expected %s", sub, what);       \
			return 1;                                              \
		}                                                              \
	} while (0)
	if (strcmp(sub, "list") == 0) {
		WANT(0, "no arguments");
		return cmd_list(json);
	}
	if (strcmp(sub, "show") == 0 || strcmp(sub, "validate") == 0) {
		struct nono_profile *p = NULL;
		char *wd = NULL;
		bool exists;

		WANT(1, "a profile name or file");
		if (workdir &&
		    (nono_path_canon(workdir, &wd, &exists) < 0 || !exists)) {
			free(wd);
			out_error("--workdir %s: no such directory", workdir);
			return 1;
		}
		if (load(pos[0], wd, &p) < 0) {
			free(wd);
			return 1;
		}
		free(wd);
		if (strcmp(sub, "validate") == 0) {
			printf("%s: valid (profile %s, %s)\n", pos[0], p->name,
			       p->source);
		} else {
			if (!json)
				printf("// profile %s, from %s, fully "
				       "resolved\n",
				       p->name, p->source);
			nono_profile_write_json(stdout, p);
		}
		nono_profile_free(p);
		return 0;
	}
	if (strcmp(sub, "diff") == 0) {
		WANT(2, "two profiles");
		return cmd_diff(pos[0], pos[1]);
	}
	if (strcmp(sub, "groups") == 0) {
		if (npos > 1) {
			out_error("profile groups: at most one group name");
			return 1;
		}
		return cmd_groups(npos ? pos[0] : NULL);
	}
	if (strcmp(sub, "schema") == 0) {
		WANT(0, "no arguments");
		nono_profile_write_schema(stdout);
		return 0;
	}
	if (strcmp(sub, "guide") == 0) {
		WANT(0, "no arguments");
		fputs(guide, stdout);
		return 0;
	}
#undef WANT
	{
		static const char *const subs[] = {
		    "init",     "list",   "show",   "diff",
		    "validate", "groups", "schema", "guide"};
		const char *near =
		    nono_suggest(sub, subs, sizeof(subs) / sizeof(subs[0]));

		out_error("profile: unknown subcommand '%s'", sub);
		if (near)
			out_hint("did you mean nono profile %s?", near);
		else
			out_hint("nono profile --help lists them");
	}
	return 1;
}
