/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The built-in system grants: what an ordinary program needs to start and
 * run (libraries, a few files of /etc, safe /dev nodes, scratch space), and
 * the extra device access of --allow-gpu.
 */
#ifndef NONO_POLICY_SYSTEM_H
#define NONO_POLICY_SYSTEM_H

#include "nono/caps.h"

/* Adds the default system grants; missing paths are skipped.  Returns 0 or
 * a negative code from nono_caps_add_path(). */
int nono_policy_add_system(struct nono_caps *caps)
    __attribute__((warn_unused_result));

/* Adds GPU device nodes (NVIDIA, DRM render nodes, AMD KFD, WSL dxg) with
 * read-only Vulkan/OpenCL manifests and GPU sysfs.  @home may be NULL. */
int nono_policy_add_gpu(struct nono_caps *caps, const char *home)
    __attribute__((warn_unused_result));

#endif
