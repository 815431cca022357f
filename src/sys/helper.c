// SPDX-License-Identifier: Apache-2.0
/*
 * Helper lookup: a build tree and an installed tree both work without
 * configuration, because the binary's own directory is tried before
 * libexecdir.  PATH is never searched: a helper that holds the session CA
 * or reads the keystore must be the one shipped with this nono, not
 * whatever a writable PATH entry offers.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nono-config.h"
#include "sys/helper.h"

static int try_path(char *out, size_t len, const char *dir, const char *name)
{
	int n = snprintf(out, len, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= len)
		return -1;
	return access(out, X_OK) == 0 ? 0 : -1;
}

int nono_helper_find(const char *name, char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (!name || !*name || strchr(name, '/') || len == 0)
		return -1;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			if (try_path(out, len, self, name) == 0)
				return 0;
		}
	}
	return try_path(out, len, NONO_LIBEXECDIR, name);
}
