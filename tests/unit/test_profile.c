// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of profile loading in a temporary config directory under /tmp
 * (never the real HOME): name resolution (file, user dir, packs, built-in),
 * extends (merge rules, null clearing, diamonds, cycles, depth), schema
 * errors with FILE:LINE:COL, required deny groups, and variable expansion.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "policy/profile.h"
#include "policy/protect.h"

static char root[256];
static char cfg[300];
static struct nono_profile_env env;

static void put(const char *rel, const char *text)
{
	char p[600], dir[600];
	FILE *f;

	assert_true(snprintf(p, sizeof(p), "%s/%s", cfg, rel) < (int)sizeof(p));
	snprintf(dir, sizeof(dir), "%s", p);
	for (char *s = dir + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(dir, 0700);
		*s = '/';
	}
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void drop(const char *rel)
{
	char p[600];

	assert_true(snprintf(p, sizeof(p), "%s/%s", cfg, rel) < (int)sizeof(p));
	assert_int_equal(unlink(p), 0);
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/nono-profile-XXXXXX";

	(void)state;
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(root, sizeof(root), "%s", tmpl);
	snprintf(cfg, sizeof(cfg), "%s/cfg", root);
	mkdir(cfg, 0700);
	env.home = "/home/u";
	env.workdir = "/work/proj";
	env.config_dir = cfg;
	env.group_known = nono_protect_group_known;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return test_rm_tree(root);
}

static struct nono_profile *load_ok(const char *ref)
{
	struct nono_profile *p = NULL;
	char err[1024];

	if (nono_profile_load(&env, ref, &p, err, sizeof(err)) < 0)
		fail_msg("load(%s): %s", ref, err);
	return p;
}

static void load_bad(const char *ref, const char *want)
{
	struct nono_profile *p = NULL;
	char err[1024];

	if (nono_profile_load(&env, ref, &p, err, sizeof(err)) == 0)
		fail_msg("load(%s) succeeded, want an error with \"%s\"", ref,
			 want);
	assert_null(p);
	if (!strstr(err, want))
		fail_msg("load(%s): \"%s\", want \"%s\"", ref, err, want);
}

static bool has(const struct nono_plist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

static void test_builtin_and_shadowing(void **state)
{
	struct nono_profile *p;

	(void)state;
	p = load_ok("default");
	assert_string_equal(p->name, "default");
	assert_string_equal(p->source, "built-in");
	assert_string_equal(p->workdir_access, "read");
	nono_profile_free(p);
	/* A user profile of the same name comes first. */
	put("profiles/default.jsonc",
	    "// mine\n{\"meta\": {\"name\": \"mine\"}}");
	p = load_ok("default");
	assert_string_equal(p->name, "mine");
	assert_non_null(strstr(p->source, "profiles/default.jsonc"));
	nono_profile_free(p);
	/* Both spellings present: ambiguous, refused. */
	put("profiles/default.json", "{}");
	load_bad("default", "ambiguous");
	drop("profiles/default.json");
	drop("profiles/default.jsonc");
	load_bad("no-such", "not found");
	load_bad("../escape", "no such file");
	load_bad("bad name!", "not a valid name");
}

static void test_packs(void **state)
{
	struct nono_profile *p;

	(void)state;
	put("packs/acme/tool.json", "{\"meta\": {\"name\": \"acme-tool\"}}");
	p = load_ok("tool");
	assert_string_equal(p->name, "acme-tool");
	nono_profile_free(p);
	put("packs/zeta/tool.json", "{}");
	load_bad("tool", "more than one pack");
}

static void test_extends_merge(void **state)
{
	struct nono_profile *p;

	(void)state;
	put("profiles/base.json",
	    "{\"filesystem\": {\"allow\": [\"/a\", \"/b\"]},"
	    " \"network\": {\"block\": true, \"open_port\": [80],"
	    "   \"upstream_proxy\": \"p:3128\"},"
	    " \"environment\": {\"set\": {\"A\": \"1\", \"B\": \"2\"}},"
	    " \"workdir\": {\"access\": \"read\"}}");
	put("profiles/child.json",
	    "{\"extends\": \"base\", \"meta\": {\"name\": \"child\"},"
	    " \"filesystem\": {\"allow\": [\"/b\", \"/c\"]},"
	    " \"network\": {\"block\": false, \"open_port\": [443],"
	    "   \"upstream_proxy\": null},"
	    " \"environment\": {\"set\": {\"B\": \"3\"}},"
	    " \"workdir\": {\"access\": \"readwrite\"}}");
	p = load_ok("child");
	/* Lists add up, base first, no duplicates. */
	assert_int_equal(p->fs.allow.n, 3);
	assert_string_equal(p->fs.allow.v[0], "/a");
	assert_string_equal(p->fs.allow.v[2], "/c");
	assert_int_equal(p->net.open_port.n, 2);
	/* Scalars of the child win; null clears. */
	assert_int_equal(p->net.block, 0);
	assert_null(p->net.upstream_proxy);
	assert_int_equal(p->net.upstream_proxy_set, 1);
	assert_string_equal(p->workdir_access, "readwrite");
	/* Maps merge by key. */
	assert_true(has(&p->env.set, "A=1"));
	assert_true(has(&p->env.set, "B=3"));
	assert_false(has(&p->env.set, "B=2"));
	/* meta is the child's only. */
	assert_string_equal(p->name, "child");
	nono_profile_free(p);
}

static void test_extends_diamond_cycle_depth(void **state)
{
	struct nono_profile *p;
	char name[32], text[128];

	(void)state;
	put("profiles/d0.json", "{\"filesystem\": {\"read\": [\"/shared\"]}}");
	put("profiles/d1.json", "{\"extends\": \"d0\"}");
	put("profiles/d2.json", "{\"extends\": \"d0\"}");
	put("profiles/d3.json", "{\"extends\": [\"d1\", \"d2\"]}");
	p = load_ok("d3");
	assert_int_equal(p->fs.read.n, 1);
	nono_profile_free(p);
	put("profiles/c1.json", "{\"extends\": \"c2\"}");
	put("profiles/c2.json", "{\"extends\": \"c1\"}");
	load_bad("c1", "extends cycle");
	/* A chain of 11 bases is too deep; 10 is fine. */
	for (int i = 0; i <= 11; i++) {
		snprintf(name, sizeof(name), "profiles/deep%d.json", i);
		if (i == 0)
			snprintf(text, sizeof(text), "{}");
		else
			snprintf(text, sizeof(text),
				 "{\"extends\": \"deep%d\"}", i - 1);
		put(name, text);
	}
	p = load_ok("deep10");
	nono_profile_free(p);
	load_bad("deep11", "deeper than 10");
	/* A relative path in extends is relative to the extending file. */
	put("elsewhere/base.json", "{\"filesystem\": {\"read\": [\"/rel\"]}}");
	put("elsewhere/top.json", "{\"extends\": \"./base.json\"}");
	{
		char path[600];

		snprintf(path, sizeof(path), "%s/elsewhere/top.json", cfg);
		p = load_ok(path);
		assert_true(has(&p->fs.read, "/rel"));
		nono_profile_free(p);
	}
}

static void test_schema_errors(void **state)
{
	(void)state;
	put("profiles/e1.json",
	    "{\n  \"filesystem\": {\n    \"allwo\": []\n  }\n}");
	load_bad("e1", "e1.json:3:5: unknown key \"allwo\" in filesystem");
	put("profiles/e2.json", "{\"netwrok\": {}}");
	load_bad("e2", "e2.json:1:2: unknown key \"netwrok\"");
	put("profiles/e3.json", "{\"filesystem\": {\"allow\": [\"/a\", 3]}}");
	load_bad("e3", "filesystem.allow[1]: expected a string, got number");
	put("profiles/e4.json", "{\"network\": {\"open_port\": [70000]}}");
	load_bad("e4", "network.open_port[0]: expected a port number 1-65535");
	put("profiles/e5.json", "{\"workdir\": {\"access\": \"all\"}}");
	load_bad("e5", "workdir.access: \"all\" is not one of");
	put("profiles/e6.json", "{\"network\": {\"block\": \"yes\"}}");
	load_bad("e6", "network.block: expected true or false, got string");
	put("profiles/e7.json",
	    "{\"environment\": {\"set\": {\"1X\": \"v\"}}}");
	load_bad("e7", "not a valid environment variable name");
	put("profiles/e8.json",
	    "{\"network\": {\"custom_credentials\": {\"svc\": "
	    "{\"upstream\": \"http://api.example.com\"}}}}");
	load_bad("e8", "must be https://, or http:// on a loopback address");
	put("profiles/e9.json",
	    "{\"network\": {\"custom_credentials\": {\"svc\": "
	    "{\"credential_key\": \"k\"}}}}");
	load_bad("e9", "\"upstream\" is required");
	put("profiles/e10.json",
	    "{\"groups\": {\"exclude\": [\"deny_keyrings\"]}}");
	load_bad("e10", "required deny group and cannot be removed");
	put("profiles/e11.json", "{\"groups\": {\"include\": [\"nope\"]}}");
	load_bad("e11", "unknown group \"nope\"");
	put("profiles/e12.json", "{\"filesystem\": {\"allow\": [\"/a\",]}}");
	load_bad("e12", "e12.json:1:32: unexpected character");
	put("profiles/e13.json", "[]");
	load_bad("e13", "profile: expected an object, got array");
	/* Control: a loopback http upstream and an https one are fine. */
	put("profiles/ok.json",
	    "{\"network\": {\"custom_credentials\": {"
	    "\"local\": {\"upstream\": \"http://127.0.0.1:11434\"},"
	    "\"cloud\": {\"upstream\": \"https://api.example.com\"}}}}");
	nono_profile_free(load_ok("ok"));
}

static void expand_ok(const char *in, const char *want)
{
	char err[256], *out = NULL;

	if (nono_profile_expand(&env, in, &out, err, sizeof(err)) < 0)
		fail_msg("expand(%s): %s", in, err);
	assert_string_equal(out, want);
	free(out);
}

static void expand_bad(const char *in, const char *want)
{
	char err[256], *out = NULL;

	assert_int_equal(nono_profile_expand(&env, in, &out, err, sizeof(err)),
			 -1);
	assert_null(out);
	if (!strstr(err, want))
		fail_msg("expand(%s): \"%s\", want \"%s\"", in, err, want);
}

static void test_expand(void **state)
{
	char uid[64];

	(void)state;
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("TMPDIR");
	expand_ok("~/.cache", "/home/u/.cache");
	expand_ok("~", "/home/u");
	expand_ok("$HOME/x", "/home/u/x");
	expand_ok("${WORKDIR}/src", "/work/proj/src");
	expand_ok("$TMPDIR/a", "/tmp/a");
	expand_ok("$XDG_CONFIG_HOME/app", "/home/u/.config/app");
	snprintf(uid, sizeof(uid), "/run/user/%u/x", (unsigned)getuid());
	expand_ok("/run/user/$UID/x", uid);
	expand_ok("/plain/path", "/plain/path");
	expand_ok("a~b", "a~b");
	setenv("XDG_CONFIG_HOME", "/cfg", 1);
	expand_ok("$XDG_CONFIG_HOME/app", "/cfg/app");
	unsetenv("XDG_CONFIG_HOME");
	expand_bad("$HOMEDIR/x", "unknown variable $HOMEDIR");
	expand_bad("/a/$", "a '$' must start a variable");
	expand_bad("${HOME", "a '$' must start a variable");
}

/* A secret reference may hold '=' (op://v/i/f?attribute=otp): the map
 * keeps it whole, does not confuse it with a shorter reference, and what
 * show --json prints parses again to the same entries (a fuzz find). */
static void test_strmap_eq_roundtrip(void **state)
{
	const char *text =
	    "{\"env_credentials\": {\"k=1\": \"AB\", \"k\": \"CD\", "
	    "\"op://v/i?attribute=otp\": \"EF\"}, "
	    "\"environment\": {\"set\": {\"A\": \"x=y=z\"}}}";
	struct nono_profile *p = NULL, *q = NULL;
	char err[512], *buf = NULL;
	size_t len = 0;
	FILE *m;

	(void)state;
	assert_int_equal(nono_profile_parse("t.json", text, strlen(text), &p,
					    err, sizeof(err)),
			 0);
	assert_int_equal(p->env_credentials.n, 3);
	m = open_memstream(&buf, &len);
	assert_non_null(m);
	nono_profile_write_json(m, p);
	fclose(m);
	assert_int_equal(
	    nono_profile_parse("again.json", buf, len, &q, err, sizeof(err)),
	    0);
	assert_int_equal(q->env_credentials.n, 3);
	assert_string_equal(q->env_credentials.v[0], "k=1=AB");
	assert_string_equal(q->env_credentials.v[1], "k=CD");
	assert_string_equal(q->env_credentials.v[2],
			    "op://v/i?attribute=otp=EF");
	assert_int_equal(q->env.set.n, 1);
	assert_string_equal(q->env.set.v[0], "A=x=y=z");
	free(buf);
	nono_profile_free(p);
	nono_profile_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_builtin_and_shadowing),
	    cmocka_unit_test(test_packs),
	    cmocka_unit_test(test_extends_merge),
	    cmocka_unit_test(test_extends_diamond_cycle_depth),
	    cmocka_unit_test(test_schema_errors),
	    cmocka_unit_test(test_expand),
	    cmocka_unit_test(test_strmap_eq_roundtrip),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
