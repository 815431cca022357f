/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A growable, NULL-terminated list of strings (borrowed or owned, as its
 * user documents), with a ceiling so that no input can make it grow
 * without bound.
 */
#ifndef NONO_UTIL_STRV_H
#define NONO_UTIL_STRV_H

#include <stddef.h>

#define NONO_STRV_MAX 4096
struct strv {
	char **v;
	size_t n, cap;
};

/* Appends @str.  Returns 0, -E2BIG past NONO_STRV_MAX, or -ENOMEM. */
int strv_push(struct strv *s, char *str) __attribute__((warn_unused_result));
/* Frees the array, not the strings. */
void strv_clear(struct strv *s);
/* Frees the strings and the array (for lists that own their strings). */
void strv_free_all(struct strv *s);

#endif
