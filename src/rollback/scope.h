/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a rollback snapshot covers below its root, decided the same way at
 * capture and at restore (the scope is saved with the session, never
 * rebuilt from today's flags): regenerable directories (.git,
 * node_modules, target, ...) and directories with more than 10,000
 * entries are left out unless --rollback-include NAME or --rollback-all;
 * --rollback-exclude leaves out more (a glob on file names, a name with a
 * '/' as a path substring, a plain name as an exact path component);
 * --skip-dir names are left out like excluded directories.  What is left
 * out is never read, changed or deleted by rollback, only recorded as
 * there; but a path left out that the snapshot a restore goes back to
 * did not have at all was made since (by the command): the review lists
 * it as created and the restore removes it.
 */
#ifndef NONO_ROLLBACK_SCOPE_H
#define NONO_ROLLBACK_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

#include "audit/event.h"

struct nono_rb_scope {
	char **exclude; /* --rollback-exclude */
	size_t nexclude;
	char **include; /* --rollback-include */
	size_t ninclude;
	char **skip; /* --skip-dir */
	size_t nskip;
	bool all;           /* --rollback-all */
	unsigned max_files; /* entries of a directory before it is left out */
};

void nono_rb_scope_init(struct nono_rb_scope *s);
void nono_rb_scope_free(struct nono_rb_scope *s);
/* Adds a value to one of the lists (@which: 'e', 'i', 's').  0, -EINVAL
 * for an empty value or one with a NUL, -ENOMEM. */
int nono_rb_scope_add(struct nono_rb_scope *s, char which, const char *v);

/* Whether @rel (a path below the root, "a/b"; @name its last component)
 * is left out.  @dir: it is a directory; @entries: its number of entries
 * when known (else 0). */
bool nono_rb_scope_excludes(const struct nono_rb_scope *s, const char *rel,
			    const char *name, bool dir, size_t entries);

/* The auto-excluded names, NULL-terminated. */
extern const char *const nono_rb_auto_excluded[];

/* As JSON (an object), and back.  0 or -errno. */
int nono_rb_scope_json(const struct nono_rb_scope *s, struct nono_ev *out);
struct nono_json;
int nono_rb_scope_from_json(const struct nono_json *j, struct nono_rb_scope *s);

#endif
