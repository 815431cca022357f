/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Environment hygiene: the variables that make a program load or run code
 * named by its environment are dropped before the sandboxed command starts.
 */
#ifndef NONO_POLICY_ENVCLEAN_H
#define NONO_POLICY_ENVCLEAN_H

#include <stdbool.h>
#include <stddef.h>

/* True when the variable @name (without "=value") is dropped. */
bool nono_env_is_dropped(const char *name, size_t len);

/*
 * Returns a new NULL-terminated array with the entries of @envp that are
 * kept (the strings are borrowed from @envp; free only the array), or NULL
 * when out of memory.  *@ndropped (may be NULL) receives the count dropped.
 */
char **nono_env_clean(char *const *envp, size_t *ndropped);

/* The exact names and the prefixes dropped, for documentation and -v. */
size_t nono_env_dropped_count(void);
const char *nono_env_dropped_at(size_t i);

#endif
