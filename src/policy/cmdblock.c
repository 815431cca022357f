// SPDX-License-Identifier: Apache-2.0
/*
 * Start-up command blocklist (deprecated since v0.33.0): compares the base
 * name of the invoked executable with a default list plus user additions.
 */
#include <string.h>

#include "policy/cmdblock.h"

/* clang-format off */
static const char *const defaults[] = {
	"rm", "rmdir", "shred", "srm", "dd", "mkfs", "fdisk", "sfdisk",
	"parted", "wipefs", "chmod", "chown", "chgrp", "shutdown", "reboot",
	"halt", "poweroff", "kill", "killall", "pkill", "sudo", "su", "doas",
	"pkexec",
};
/* clang-format on */

#define NDEFAULTS (sizeof(defaults) / sizeof(defaults[0]))

static const char *base(const char *cmd)
{
	const char *s = strrchr(cmd, '/');

	return s ? s + 1 : cmd;
}

static bool listed(const char *name, char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(base(list[i]), name) == 0)
			return true;
	return false;
}

bool nono_cmd_blocked(const char *cmd, char *const *allow, size_t nallow,
		      char *const *block, size_t nblock, bool *by_default)
{
	const char *name = base(cmd);
	bool dflt;

	*by_default = false;
	if (listed(name, block, nblock))
		return true;
	if (listed(name, allow, nallow))
		return false;
	/* mkfs.ext4 and friends count as mkfs. */
	dflt = listed(name, (char *const *)defaults, NDEFAULTS) ||
	       strncmp(name, "mkfs.", 5) == 0;
	*by_default = dflt;
	return dflt;
}

size_t nono_cmd_default_count(void)
{
	return NDEFAULTS;
}

const char *nono_cmd_default_at(size_t i)
{
	return i < NDEFAULTS ? defaults[i] : NULL;
}
