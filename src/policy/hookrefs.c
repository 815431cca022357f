// SPDX-License-Identifier: Apache-2.0
/*
 * The files Claude Code settings name in the commands they run (see
 * hookrefs.h).  The keys are Claude Code 2.1.197's: hooks.<event>[].
 * hooks[].command, statusLine.command, apiKeyHelper, awsAuthRefresh,
 * awsCredentialExport, otelHeadersHelper.  The words are split as a shell
 * would roughly split them; a word the split gets wrong names a file that
 * is then kept read-only for nothing, never one left writable that the
 * shell would have run (a file is run by its whole word).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "nono/path.h"
#include "policy/hookrefs.h"
#include "policy/json.h"

struct walk {
	const char *project, *home;
	int (*exists)(const char *path);
	int (*fn)(const char *path, void *arg);
	void *arg;
	int n;
};

/* @word (quotes dropped) as a path, or false for a word that names none. */
static bool word_path(const struct walk *w, const char *word, bool first,
		      char *out, size_t outlen)
{
	static const struct {
		const char *var;
		bool project;
	} vars[] = {
	    {"$CLAUDE_PROJECT_DIR", true},
	    {"${CLAUDE_PROJECT_DIR}", true},
	    {"$HOME", false},
	    {"${HOME}", false},
	};
	const char *base = NULL, *rest = word;

	snprintf(out, outlen, "/");
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		size_t n = strlen(vars[i].var);

		if (strncmp(word, vars[i].var, n) == 0 &&
		    (word[n] == '/' || word[n] == '\0')) {
			base = vars[i].project ? w->project : w->home;
			rest = word + n;
			break;
		}
	}
	if (!base && word[0] == '~' && (word[1] == '/' || word[1] == '\0')) {
		base = w->home;
		rest = word + 1;
	}
	if (!base && word[0] != '/') {
		/* Relative: Claude Code runs hooks in the project. */
		if (!strchr(word, '/') && first)
			return false; /* a command on PATH */
		base = w->project;
	}
	if (base && (!base[0] || nono_path_fold(out, outlen, base) < 0))
		return false;
	while (*rest == '/')
		rest++;
	if (*rest && nono_path_fold(out, outlen, rest) < 0)
		return false;
	if (!strchr(word, '/') && !w->exists(out))
		return false; /* a plain word, not a file of the project */
	return strcmp(out, "/") != 0;
}

static int command(struct walk *w, const char *cmd)
{
	char word[PATH_MAX], path[PATH_MAX];
	size_t n = 0;
	bool first = true;

	for (const char *p = cmd;; p++) {
		bool end = !*p || strchr(" \t\n;|&()<>", *p);

		if (!end) {
			if (*p != '"' && *p != '\'' && n + 1 < sizeof(word))
				word[n++] = *p;
			continue;
		}
		if (n) {
			word[n] = '\0';
			/* VAR=value before the command: not the command. */
			if (!(first && strchr(word, '=') &&
			      !strchr(word, '/'))) {
				if (word_path(w, word, first, path,
					      sizeof(path))) {
					int r;

					if (w->n >= NONO_HOOKREFS_MAX)
						return 0;
					r = w->fn(path, w->arg);
					if (r < 0)
						return r;
					w->n++;
				}
				first = false;
			}
			n = 0;
		}
		if (*p && strchr(";|&()", *p))
			first = true;
		if (!*p)
			return 0;
	}
}

static int str_at(struct walk *w, const struct nono_json *v)
{
	return v && v->type == NONO_JSON_STRING ? command(w, v->str) : 0;
}

int nono_hookrefs_each(const char *text, size_t len, const char *project,
		       const char *home, int (*exists)(const char *path),
		       int (*fn)(const char *path, void *arg), void *arg)
{
	static const char *const helpers[] = {"apiKeyHelper", "awsAuthRefresh",
					      "awsCredentialExport",
					      "otelHeadersHelper"};
	struct walk w = {project, home ? home : "", exists, fn, arg, 0};
	struct nono_json_error je;
	struct nono_json *root = NULL;
	const struct nono_json *hooks, *sl;
	int r = 0;

	if (nono_json_parse(text, len, &root, &je) < 0 ||
	    root->type != NONO_JSON_OBJECT) {
		nono_json_free(root);
		return -EINVAL;
	}
	hooks = nono_json_get(root, "hooks");
	for (size_t e = 0; r == 0 && hooks && hooks->type == NONO_JSON_OBJECT &&
			   e < hooks->len;
	     e++) {
		const struct nono_json *ev = hooks->members[e].value;

		for (size_t m = 0;
		     r == 0 && ev->type == NONO_JSON_ARRAY && m < ev->len;
		     m++) {
			const struct nono_json *hs =
			    ev->items[m]->type == NONO_JSON_OBJECT
				? nono_json_get(ev->items[m], "hooks")
				: NULL;

			for (size_t k = 0;
			     r == 0 && hs && hs->type == NONO_JSON_ARRAY &&
			     k < hs->len;
			     k++)
				if (hs->items[k]->type == NONO_JSON_OBJECT)
					r = str_at(&w,
						   nono_json_get(hs->items[k],
								 "command"));
		}
	}
	sl = nono_json_get(root, "statusLine");
	if (r == 0 && sl && sl->type == NONO_JSON_OBJECT)
		r = str_at(&w, nono_json_get(sl, "command"));
	for (size_t i = 0; r == 0 && i < sizeof(helpers) / sizeof(helpers[0]);
	     i++)
		r = str_at(&w, nono_json_get(root, helpers[i]));
	nono_json_free(root);
	return r < 0 ? r : w.n;
}
