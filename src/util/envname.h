/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Environment variable names as nono accepts them everywhere (profiles'
 * environment sections, env_credentials, --env-credential, env:// secret
 * references, credential services' variables): letters, digits and '_',
 * not starting with a digit; the shell's rule, so that every name nono
 * sets can be read back by the command.
 */
#ifndef NONO_UTIL_ENVNAME_H
#define NONO_UTIL_ENVNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* The longest name any caller accepts. */
#define NONO_ENV_NAME_MAX 255

/* Whether @s is a valid name of at most @max (<= NONO_ENV_NAME_MAX)
 * bytes. */
static inline bool nono_env_name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || n > NONO_ENV_NAME_MAX ||
	    (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

#endif
