/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where a symlink made in a sealed tree leads: a symlink out of every
 * sealed tree to a place the sandbox can write (/tmp) is one step away
 * from a repository the rules never saw, so the gate takes it as a new
 * repository (--allow-new-repos).  Judged on the target as written.
 */
#ifndef NONO_SUPERVISOR_FSLINK_H
#define NONO_SUPERVISOR_FSLINK_H

#include <stdbool.h>

struct nono_caps;

/*
 * True when the folded symlink target @p could hold a repository the
 * rules never saw: /proc/PID/root and /dev/fd (they lead anywhere), a
 * directory the sandbox may write outside the sealed trees or any
 * directory above one, or a name in such a directory.
 */
bool nono_fslink_writable_outside(const struct nono_caps *caps, const char *p);

/*
 * True when the relative @target of a link in @dir can leave its sealed
 * tree once the link is moved within it (each ancestor of the tree's root
 * its leading ".." may climb to, checked in turn).
 */
bool nono_fslink_climbs_out(const struct nono_caps *caps, const char *dir,
			    const char *target);

#endif
