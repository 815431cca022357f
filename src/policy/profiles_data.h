/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The built-in profiles (the JSON files of data/profiles), compiled in at
 * build time by tools/embed_data.c.
 */
#ifndef NONO_POLICY_PROFILES_DATA_H
#define NONO_POLICY_PROFILES_DATA_H

#include <stddef.h>

struct nono_builtin_profile {
	const char *name;
	const char *text;
};

extern const struct nono_builtin_profile nono_builtin_profiles[];
extern const size_t nono_builtin_profiles_count;

#endif
