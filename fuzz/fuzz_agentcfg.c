// SPDX-License-Identifier: Apache-2.0
/*
 * Agent configuration guard (policy/agentcfg.c): the input is the file at
 * the start and at the end, split at the first NUL.  Whatever they hold,
 * the merged file must parse again, hold every guarded key as it was at
 * the start, and be the end's file itself when no guarded key changed.
 * The start's file is also read as Claude Code settings for the files
 * their commands name (policy/hookrefs.c): each one absolute and folded.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/agentcfg.h"
#include "policy/hookrefs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int exists_some(const char *path)
{
	return strlen(path) % 2 == 0;
}

static int check_path(const char *path, void *arg)
{
	(void)arg;
	if (path[0] != '/' || strstr(path, "//") || strstr(path, "/./") ||
	    strstr(path, "/../") || strcmp(path, "/") == 0)
		abort(); /* not an absolute, folded path */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nul = memchr(text, '\0', size);
	size_t blen = nul ? (size_t)(nul - text) : size;
	struct nono_json *before = NULL, *after = NULL, *again = NULL;
	struct nono_json_error err;
	struct strv keys = {0};
	char *out = NULL;
	size_t olen = 0;
	int n;

	if (nono_hookrefs_each(text, blen, "/p/q", "/h", exists_some,
			       check_path, NULL) > NONO_HOOKREFS_MAX)
		abort(); /* more than the cap */
	for (size_t i = 0; i < nono_agentcfg_count(); i++) {
		const struct nono_agentcfg *g = nono_agentcfg_at(i);

		if (nono_agentcfg_parse(text, blen, &before, &err) < 0)
			before = NULL; /* stands for an absent file */
		if (nono_agentcfg_parse(nul ? nul + 1 : "",
					nul ? size - blen - 1 : 0, &after,
					&err) < 0)
			goto next;
		n = nono_agentcfg_diff(g, before, after, &keys);
		if (n < 0 ||
		    nono_agentcfg_merge(g, before, after, &out, &olen) < 0)
			goto next;
		if (strlen(out) != olen ||
		    nono_agentcfg_parse(out, olen, &again, &err) < 0)
			abort(); /* the merged file does not read back */
		strv_free_all(&keys);
		if (nono_agentcfg_diff(g, before, again, &keys) != 0)
			abort(); /* a guarded key left changed */
		if (n == 0 && !nono_json_equal(after, again))
			abort(); /* nothing guarded changed, yet it differs */
	next:
		strv_free_all(&keys);
		nono_json_free(before);
		nono_json_free(after);
		nono_json_free(again);
		free(out);
		before = after = again = NULL;
		out = NULL;
	}
	return 0;
}
