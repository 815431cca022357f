// SPDX-License-Identifier: Apache-2.0
/*
 * What capability elevation never offers, whatever the user would answer:
 * names that run code outside the sandbox later (persistence), by their
 * names and where they are, and nono's kept paths.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nono/caps.h"
#include "nono/log.h"
#include "nono/path.h"
#include "policy/protect.h"
#include "supervisor/elevate_internal.h"
#include "util/cleanup.h"

bool nono_elv_persistence(const struct nono_elevate *e, int dirfd,
			  const char *real)
{
	return nono_protect_runs_later(e->cfg.home, e->cfg.xdg_config, dirfd,
				       real);
}

bool nono_elv_kept(const struct nono_gate *g, const char *real)
{
	for (size_t k = 0; k < g->nkept; k++)
		if (nono_path_is_under(real, g->kept[k]))
			return true;
	return false;
}
