/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The built-in system grants: what an ordinary program needs to start and
 * run (libraries, a few files of /etc, safe /dev nodes, scratch space), and
 * the extra device access of --allow-gpu.
 */
#ifndef NONO_POLICY_SYSTEM_H
#define NONO_POLICY_SYSTEM_H

#include <stdbool.h>
#include <stddef.h>

#include "nono/caps.h"

/* A named set of grants that profiles include or exclude (groups.include,
 * groups.exclude).  Entries starting with "~/" are below $HOME. */
struct sys_grant {
	const char *path;
	unsigned access;
	unsigned flags;
};

struct nono_policy_group {
	const char *name, *description;
	bool by_default; /* in force unless a profile excludes it */
	const struct sys_grant *entries;
	size_t nentries;
};

size_t nono_policy_group_count(void);
const struct nono_policy_group *nono_policy_group_at(size_t i);
const struct nono_policy_group *nono_policy_group_find(const char *name);

/* Adds group @g's grants (absent paths skipped; "~/" below @home, which
 * may be NULL).  Returns 0 or a negative code from nono_caps_add_path(). */
int nono_policy_add_group(struct nono_caps *caps,
			  const struct nono_policy_group *g, const char *home)
    __attribute__((warn_unused_result));

/* Adds the default system grants (system_read and system_write); missing
 * paths are skipped.  Returns 0 or a negative code from
 * nono_caps_add_path(). */
int nono_policy_add_system(struct nono_caps *caps)
    __attribute__((warn_unused_result));

/* Adds GPU device nodes (NVIDIA, DRM render nodes, AMD KFD, WSL dxg) with
 * read-only Vulkan/OpenCL manifests and GPU sysfs.  @home may be NULL. */
int nono_policy_add_gpu(struct nono_caps *caps, const char *home)
    __attribute__((warn_unused_result));

#endif
