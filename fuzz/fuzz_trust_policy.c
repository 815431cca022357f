// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: trust policies and trust globs.  The whole input is a
 * trust-policy.json: a refusal must say where and why; an accepted policy
 * must write out and read back equal, merge into the built-in one with
 * the built-in patterns kept, and answer its own lookups.  The input is
 * also split at its first newline into a glob and a path (NUL bytes end
 * them): the matcher must agree with itself (folding never loses a match,
 * a match found at any depth is found one directory down too, a literal
 * pattern matches itself), and the same text as a .gitignore file must
 * parse and match without crashing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trust/gitignore.h"
#include "trust/glob.h"
#include "trust/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void policy(const char *text, size_t size)
{
	struct nono_trust_policy p, q, m;
	char err[512] = "", *out = NULL;
	size_t len = 0;

	if (nono_trust_policy_parse(text, size, "fuzz.json", &p, err,
				    sizeof(err)) < 0) {
		if (strncmp(err, "fuzz.json:", 10) != 0 &&
		    strcmp(err, "out of memory") != 0)
			abort(); /* every refusal says where and why */
		if (p.patterns || p.pub || p.block || p.blocked_keys)
			abort(); /* nothing is handed back */
		return;
	}
	if (nono_trust_policy_write(&p, &out, &len) < 0)
		abort();
	if (nono_trust_policy_parse(out, len, "again.json", &q, err,
				    sizeof(err)) < 0) {
		fprintf(stderr, "re-parse failed: %s\n%s\n", err, out);
		abort();
	}
	if (!nono_trust_policy_equal(&p, &q))
		abort();
	nono_trust_policy_init_default(&m);
	if (nono_trust_policy_merge(&m, &p, err, sizeof(err)) == 0) {
		if (m.npatterns < 4 || m.enforcement != p.enforcement ||
		    m.npub != p.npub || m.nblock != p.nblock)
			abort();
	}
	for (size_t i = 0; i < p.npub; i++) {
		const struct nono_trust_publisher *u;

		if (p.pub[i].keyless)
			continue;
		u = nono_trust_policy_publisher(&p, p.pub[i].fingerprint);
		if (u != &p.pub[i] &&
		    !(u == NULL &&
		      nono_trust_policy_key_blocked(&p, p.pub[i].fingerprint)))
			abort();
	}
	for (size_t i = 0; i < p.nblock; i++)
		if (nono_trust_policy_blocked(&p, p.block[i].sha256) !=
		    &p.block[i])
			abort();
	free(out);
	nono_trust_policy_free(&m);
	nono_trust_policy_free(&q);
	nono_trust_policy_free(&p);
}

static bool literal(const char *s)
{
	return !strpbrk(s, "*?[\\") && s[0] && s[0] != '/' &&
	       s[strlen(s) - 1] != '/' && !strstr(s, "//");
}

static void globs(const char *text, size_t size)
{
	const char *nl = memchr(text, '\n', size);
	size_t plen = nl ? (size_t)(nl - text) : size;
	char *pat = strndup(text, plen);
	char *path = strndup(nl ? nl + 1 : "", nl ? size - plen - 1 : 0);
	char *deeper = NULL;
	struct nono_gitignore *g = NULL;
	struct nono_glob cg;
	bool m, mf;

	if (!pat || !path)
		abort();
	(void)nono_trust_pattern_check(pat, NULL, 0);
	m = nono_trust_pattern_match(pat, path);
	mf = nono_trust_pattern_match_fold(pat, path, true);
	if (m && !mf)
		abort(); /* folding only adds matches */
	if (m && asprintf(&deeper, "x/%s", path) >= 0) {
		if (!nono_trust_pattern_match(pat, deeper))
			abort(); /* patterns match at any depth */
		free(deeper);
	}
	if (nono_glob_compile(&cg, pat) == 0) {
		if (literal(pat) && !nono_trust_pattern_match(pat, pat))
			abort(); /* a literal pattern names itself */
		(void)nono_glob_match(&cg, path, true, false);
		(void)nono_glob_could_match_below(&cg, path, false);
	}
	if (nono_gitignore_parse(text, size, &g) == 0) {
		(void)nono_gitignore_match(g, path, false);
		(void)nono_gitignore_match(g, path, true);
		nono_gitignore_free(g);
	}
	free(pat);
	free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	policy((const char *)data, size);
	globs((const char *)data, size);
	return 0;
}
