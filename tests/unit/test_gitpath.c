// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of policy/gitpath.c: paths of a git tree judged as the gate
 * judges making them in a sealed tree (review r5, finding 1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "policy/gitpath.h"

static const char *const top_only[] = {""};
static const char *const chain[] = {"", "src", "src/app"};

static bool refused(const char *rel)
{
	struct nono_gitpath_ctx x = {
	    .top = "/srv/p", .guarded = top_only, .nguarded = 1};

	return nono_gitpath_refused(&x, rel, NONO_GITPATH_FILE);
}

/* The reviewer's commit, and the rest of the project configuration. */
static void test_projcfg(void **state)
{
	(void)state;
	assert_true(refused(".mcp.json"));
	assert_true(refused(".claude/settings.json"));
	assert_true(refused(".claude/settings.local.json"));
	assert_true(refused(".claude/hooks/fmt.sh"));
	assert_true(refused(".claude/hooks/a/b/c"));
	assert_true(refused("deep/er/.mcp.json"));
	assert_true(refused("pkg/.cargo/config.toml"));
	assert_true(refused(".husky/pre-commit"));
	assert_true(refused(".pre-commit-config.yaml"));
	assert_true(refused("sub/.opencode/plugin/x.js"));
	assert_true(refused("opencode.json"));
	assert_true(refused(".hg"));
	/* made only where none exists: refused in a commit */
	assert_true(refused(".claude/.config.json"));
	/* controls: ordinary files, and a tool's other files */
	assert_false(refused("README"));
	assert_false(refused("src/main.c"));
	assert_false(refused(".claude/commands/review.md"));
	assert_false(refused(".claude/agents/x.md"));
	assert_false(refused(".github/workflows/ci.yml"));
	assert_false(refused(".gitignore"));
	assert_false(refused(".gitattributes"));
	assert_false(refused("docs/mcp.json"));
	assert_false(refused("cargo/config.toml"));
}

/* .git anywhere (git never checks one out, but nor may a commit carry
 * one past us), any case. */
static void test_git_component(void **state)
{
	(void)state;
	assert_true(refused(".git/hooks/pre-commit"));
	assert_true(refused("a/.git/config"));
	assert_true(refused("a/.GIT"));
	assert_true(refused(".Git/x"));
	assert_false(refused("a/.gitkeep"));
	assert_false(refused("a/git/config"));
}

/* The persistence names: in the guarded directories only, as the gate. */
static void test_guarded(void **state)
{
	struct nono_gitpath_ctx x = {
	    .top = "/srv/p", .guarded = chain, .nguarded = 3};

	(void)state;
	assert_true(refused(".envrc"));
	assert_true(refused(".vscode/tasks.json"));
	assert_true(refused(".gitmodules"));
	assert_true(refused(".idea/workspace.xml"));
	assert_true(refused(".bashrc"));
	/* not guarded below the top (the gate lets the sandbox make them) */
	assert_false(refused("lib/.envrc"));
	assert_false(refused("lib/.vscode/settings.json"));
	/* the working directory's chain is */
	assert_true(nono_gitpath_refused(&x, "src/.envrc", NONO_GITPATH_FILE));
	assert_true(nono_gitpath_refused(&x, "src/app/.vscode/tasks.json",
					 NONO_GITPATH_FILE));
	assert_false(
	    nono_gitpath_refused(&x, "src/app/x/.envrc", NONO_GITPATH_FILE));
	/* nothing guarded: the names are ordinary there */
	x.nguarded = 0;
	assert_false(nono_gitpath_refused(&x, ".envrc", NONO_GITPATH_FILE));
	assert_true(nono_gitpath_refused(&x, ".mcp.json", NONO_GITPATH_FILE));
}

/* --bypass-protection PATH allows that path, as in the gate. */
static void test_bypass(void **state)
{
	char *const bypass[] = {"/srv/p/.mcp.json",
				"/srv/p/.claude/settings.json",
				"/srv/p/.vscode"};
	struct nono_gitpath_ctx x = {.top = "/srv/p",
				     .guarded = top_only,
				     .nguarded = 1,
				     .bypass = bypass,
				     .nbypass = 3};

	(void)state;
	assert_false(nono_gitpath_refused(&x, ".mcp.json", NONO_GITPATH_FILE));
	assert_false(nono_gitpath_refused(&x, ".claude/settings.json",
					  NONO_GITPATH_FILE));
	assert_false(
	    nono_gitpath_refused(&x, ".vscode/tasks.json", NONO_GITPATH_FILE));
	/* only what is named */
	assert_true(
	    nono_gitpath_refused(&x, "sub/.mcp.json", NONO_GITPATH_FILE));
	assert_true(nono_gitpath_refused(&x, ".claude/settings.local.json",
					 NONO_GITPATH_FILE));
	assert_true(nono_gitpath_refused(&x, ".envrc", NONO_GITPATH_FILE));
}

/* Symbolic links: a tool's directory as a link; the top unknown. */
static void test_links_and_top(void **state)
{
	struct nono_gitpath_ctx x = {.guarded = top_only, .nguarded = 1};

	(void)state;
	assert_true(nono_gitpath_refused(&x, ".claude", NONO_GITPATH_LINK));
	assert_true(nono_gitpath_refused(&x, "a/.cargo", NONO_GITPATH_LINK));
	assert_false(nono_gitpath_refused(&x, ".claude", NONO_GITPATH_GITLINK));
	assert_false(nono_gitpath_refused(&x, "lib", NONO_GITPATH_LINK));
	assert_true(nono_gitpath_refused(&x, ".claude/settings.json",
					 NONO_GITPATH_FILE));
	assert_true(nono_gitpath_refused(&x, ".envrc", NONO_GITPATH_FILE));
	assert_false(nono_gitpath_refused(&x, "x/.envrc", NONO_GITPATH_FILE));
	assert_int_equal(nono_gitpath_kind_of(0120000), NONO_GITPATH_LINK);
	assert_int_equal(nono_gitpath_kind_of(0160000), NONO_GITPATH_GITLINK);
	assert_int_equal(nono_gitpath_kind_of(0100755), NONO_GITPATH_FILE);
}

/* What git would not check out is refused outright. */
static void test_malformed(void **state)
{
	(void)state;
	assert_true(refused(""));
	assert_true(refused("a//b"));
	assert_true(refused("/abs"));
	assert_true(refused("a/"));
	assert_true(refused("../x"));
	assert_true(refused("a/./b"));
}

static void test_link_escapes(void **state)
{
#define ESC(rel, t) nono_gitpath_link_escapes(rel, t, strlen(t))
	(void)state;
	assert_true(ESC("x", "/tmp/evil"));
	assert_true(ESC("x", ".."));
	assert_true(ESC("x", "../y"));
	assert_true(ESC("a/b/x", "../../../y"));
	assert_true(ESC("a/x", "b/../../.."));
	assert_true(ESC("x", ""));
	assert_true(nono_gitpath_link_escapes("x", "a\0b", 3));
	assert_false(ESC("x", "y"));
	assert_false(ESC("a/b/x", "../../y"));
	assert_false(ESC("a/x", "./b/../c"));
	assert_false(ESC("node_modules/.bin/tsc", "../typescript/bin/tsc"));
#undef ESC
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_projcfg),
	    cmocka_unit_test(test_git_component),
	    cmocka_unit_test(test_guarded),
	    cmocka_unit_test(test_bypass),
	    cmocka_unit_test(test_links_and_top),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_link_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
