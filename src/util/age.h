/* SPDX-License-Identifier: Apache-2.0 */
/* Ages as users write them: "30d", "12h", "90m", "45s" or "45". */
#ifndef NONO_UTIL_AGE_H
#define NONO_UTIL_AGE_H

/* @s in seconds into *@out: 0, or -1 for anything else (a sign, a space,
 * another unit, a number too large). */
int nono_parse_age(const char *s, long long *out);

#endif
