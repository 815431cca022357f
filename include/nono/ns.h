/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private mount namespaces: hide protected paths and freeze persistence
 * files inside granted trees, which Landlock alone cannot do because it can
 * only add rights beneath a directory, never take them away.
 */
#ifndef NONO_NS_H
#define NONO_NS_H

#include <stdbool.h>
#include <stdint.h>

#include "nono/caps.h"

/* True when this process can create a user + mount namespace (probed once
 * in a short-lived child; the answer is cached). */
bool nono_ns_available(void);

/* True when @m already holds in the current mount namespace (an outer
 * sandbox applied it, or the filesystem is read-only), so no mount is
 * needed for it. */
bool nono_ns_mask_effective(const struct nono_mask *m);

/*
 * Enters a new user namespace (own uid and gid mapped to themselves) and a
 * new mount namespace, then applies every mask of @caps: hidden paths are
 * covered with an empty read-only object, read-only paths are bind-mounted
 * read-only onto themselves, pinned paths onto themselves.  Must run before
 * Landlock (which forbids mounting).  On error, @bad (may be NULL; @badlen
 * bytes) names the failing path.  Masks that already hold are skipped, and
 * with none left no namespace is created.  Returns 0, -NONO_ENOUSERNS or
 * -errno (-EPERM when mounting is refused, e.g. inside another sandbox).
 */
int nono_ns_apply_masks(const struct nono_caps *caps, char *bad, size_t badlen)
    __attribute__((warn_unused_result));

/*
 * Enters a new user namespace and a new network namespace (and a new mount
 * namespace when @mounts, so that nono_ns_apply_masks needs no second user
 * namespace), brings its loopback interface up and returns in *@listen_fd a
 * socket listening on 127.0.0.1:@port there, and in *@diag_fd a
 * NETLINK_SOCK_DIAG socket that sees the namespace's AF_UNIX sockets (for
 * the supervisor, which the sandbox's seccomp filter would refuse it
 * later).  Nothing else is reachable from that namespace.  Must run before
 * Landlock and seccomp.  Returns 0, -NONO_ENOUSERNS or -errno; on failure
 * both fds are -1.
 */
int nono_ns_isolate_net(uint16_t port, bool mounts, int *listen_fd,
			int *diag_fd) __attribute__((warn_unused_result));

#endif
