/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rules of one .gitignore file, for `nono trust init` only (a policy
 * generated from a tree should not list build output).  Never used by
 * the pre-exec scan, sign --all or verify --all: adding a file to
 * .gitignore must not take it out of verification.
 *
 * The common subset of gitignore(5): blank lines, '#' comments, '!'
 * negation, '\' escapes ("\#", "\!", "\ "), trailing spaces dropped, a
 * trailing '/' for directories only, a '/' at the start or in the middle
 * anchoring the rule at the file's directory (else it matches a name at
 * any depth below), '*', '?', '[...]' and '**' (trust/glob.h).  Not read:
 * .git/info/exclude and core.excludesFile.
 */
#ifndef NONO_TRUST_GITIGNORE_H
#define NONO_TRUST_GITIGNORE_H

#include <stdbool.h>
#include <stddef.h>

#define NONO_GITIGNORE_MAX_TEXT (1u << 20)
#define NONO_GITIGNORE_MAX_RULES 10000

struct nono_gitignore;

/* Parses @len bytes of @text into *@out (NULL on failure; free with
 * nono_gitignore_free).  Lines that are no valid rule are skipped, as git
 * does.  Returns 0, -E2BIG (over the limits above) or -ENOMEM. */
int nono_gitignore_parse(const char *text, size_t len,
			 struct nono_gitignore **out)
    __attribute__((warn_unused_result));

void nono_gitignore_free(struct nono_gitignore *g);

/* What the last rule of @g that matches @relpath (relative to the
 * .gitignore's directory) says: 1 ignored, 0 re-included ('!'), -1 no
 * rule matches. */
int nono_gitignore_match(const struct nono_gitignore *g, const char *relpath,
			 bool is_dir);

#endif
