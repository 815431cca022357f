// SPDX-License-Identifier: Apache-2.0
/*
 * The command-line redaction (session/redact.c), fed an argv: the input's
 * NUL-separated pieces, redacted with the defaults and with a policy that
 * has extras and honoured overrides.  Properties checked, not only
 * crashes:
 * - the output has as many arguments, each a string, then NULL;
 * - an argument with none of '=' ':' '@' '?' whose predecessor does not
 *   start with '-' (so is no secret flag) comes back unchanged;
 * - after "--token", "--password", "--api-key", "-token" or
 *   "--github_token", a value of 8 or more [A-Za-z0-9] becomes exactly
 *   NONO_REDACTED, and unless it also occurs in another argument (or in
 *   "REDACTED") it occurs nowhere in the output: an alphanumeric run in
 *   the output lies in a piece of the input or in NONO_REDACTED, whose
 *   brackets no such run crosses;
 * - redacting the output again gives the same output (a fixed point: no
 *   rule reads the marker it wrote as a new secret, and the spans line
 *   up the same way).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "session/redact.h"

static bool has_any(const char *s, const char *set)
{
	return strpbrk(s, set) != NULL;
}

static bool secret_flag(const char *s)
{
	static const char *const flags[] = {
	    "--token", "--password", "--api-key", "-token", "--github_token",
	};

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (strcmp(s, flags[i]) == 0)
			return true;
	return false;
}

static bool alnum_value(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		      (s[n] >= 'A' && s[n] <= 'Z') ||
		      (s[n] >= '0' && s[n] <= '9')))
			return false;
	return n >= 8;
}

static void check(char **argv, size_t argc, const struct nono_redact_policy *p)
{
	char **out = nono_redact_argv(argv, p), **again;

	if (!out)
		return; /* out of memory: the only NULL */
	for (size_t i = 0; i < argc; i++)
		if (!out[i])
			abort();
	if (out[argc])
		abort();
	for (size_t i = 0; i < argc; i++)
		if (!has_any(argv[i], "=:@?") &&
		    (i == 0 || argv[i - 1][0] != '-') &&
		    strcmp(out[i], argv[i]) != 0)
			abort();
	for (size_t i = 0; i + 1 < argc; i++) {
		const char *v = argv[i + 1];
		bool elsewhere = strstr(NONO_REDACTED, v) != NULL;

		if (!secret_flag(argv[i]) || !alnum_value(v))
			continue;
		if (strcmp(out[i + 1], NONO_REDACTED) != 0)
			abort();
		for (size_t j = 0; j < argc && !elsewhere; j++)
			if (j != i + 1 && strstr(argv[j], v))
				elsewhere = true;
		for (size_t j = 0; j < argc && !elsewhere; j++)
			if (strstr(out[j], v))
				abort();
	}
	again = nono_redact_argv(out, p);
	if (again) {
		for (size_t i = 0; i < argc; i++)
			if (strcmp(again[i], out[i]) != 0)
				abort();
		free(again);
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *extra_flags[] = {"--private-thing"};
	char *extra_headers[] = {"X-Hidden"};
	char *extra_keys[] = {"sig", "sessionid"};
	char *allow[] = {"state", "public-key", "authorization", "PATH_KEY"};
	const struct nono_redact_policy p = {
	    .extra_flags = extra_flags,
	    .n_extra_flags = 1,
	    .extra_headers = extra_headers,
	    .n_extra_headers = 1,
	    .extra_query_keys = extra_keys,
	    .n_extra_query_keys = 2,
	    .allow_unredacted = allow,
	    .n_allow_unredacted = 4,
	    .unsafe_overrides = true,
	};
	char *buf = malloc(size + 1), **argv;
	size_t argc = 1, k = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (size_t i = 0; i < size; i++)
		argc += buf[i] == '\0';
	argv = calloc(argc + 1, sizeof(char *));
	if (!argv) {
		free(buf);
		return 0;
	}
	/* Each NUL ends an argument; the last one runs to the end. */
	argv[k++] = buf;
	for (size_t i = 0; i < size; i++)
		if (buf[i] == '\0')
			argv[k++] = buf + i + 1;
	check(argv, argc, NULL);
	check(argv, argc, &p);
	free(argv);
	free(buf);
	return 0;
}
