/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "Did you mean": the closest of a set of names to what the user typed
 * (flags, commands, profile names, network profiles, profile keys, paths),
 * by edit distance, so that a typo gets an answer instead of a bare "no
 * such".
 */
#ifndef NONO_UTIL_SUGGEST_H
#define NONO_UTIL_SUGGEST_H

#include <stdbool.h>
#include <stddef.h>

/* The edit distance (insertions, deletions, substitutions, swaps of two
 * neighbours) between @a and @b, or @cap + 1 when it exceeds @cap. */
size_t nono_edit_distance(const char *a, const char *b, size_t cap);

/* The candidate of @cands (@n of them) closest to @word, within a
 * distance that grows with its length (1 for short words, at most 3), or
 * NULL when none is that close.  A candidate equal to @word is skipped. */
const char *nono_suggest(const char *word, const char *const *cands, size_t n);

/*
 * For @path, which does not exist: the closest existing path that differs
 * in one component (the first one missing, matched against its parent's
 * entries), the rest appended, into @out (@len bytes).  Returns false when
 * there is nothing close.  Reads directories; writes nothing.
 */
bool nono_suggest_path(const char *path, char *out, size_t len);

#endif
