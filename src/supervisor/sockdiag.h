/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the kernel says about an AF_UNIX socket (NETLINK_SOCK_DIAG): the
 * inode its bind created and the name it was bound with, so that the gate
 * can tell a socket by what it is rather than by the name a path has now.
 */
#ifndef NONO_SUPERVISOR_SOCKDIAG_H
#define NONO_SUPERVISOR_SOCKDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/cleanup.h"

/* One socket as the kernel reports it. */
struct nono_unix_sock {
	ino_t sock;   /* the socket's own inode (sockfs), as fstat reports it */
	bool has_vfs; /* bound to a path: the inode the bind created */
	dev_t vfs_dev; /* as stat(2) reports it (makedev form) */
	ino_t vfs_ino;
	bool abstract;  /* name is an abstract name (without its NUL) */
	size_t namelen; /* 0: unnamed */
	char name[110]; /* the name given to bind(2), NUL-terminated */
};

/*
 * A NETLINK_SOCK_DIAG socket: its queries see the AF_UNIX sockets of the
 * network namespace it was made in.  Returns the fd or -errno
 * (-EPROTONOSUPPORT where the kernel lacks unix_diag).
 */
int nono_sockdiag_open(void) NONO_WUR;

/* The socket whose own inode is @sock, in @nl's namespace.  Returns 0 and
 * fills *@out, -ENOENT when no such socket exists, or -errno. */
int nono_sockdiag_get(int nl, ino_t sock, struct nono_unix_sock *out) NONO_WUR;

/* The listening sockets bound to a file of inode number @ino, in @nl's
 * namespace: up to @max in @out, those whose device is @dev first.  The
 * device the kernel reports may differ from stat(2)'s (btrfs subvolumes):
 * the caller confirms a candidate by resolving its name.  Returns how many
 * were found, or -errno. */
int nono_sockdiag_find_listeners(int nl, dev_t dev, ino_t ino,
				 struct nono_unix_sock *out,
				 size_t max) NONO_WUR;

/* Parses one reply of @len bytes (the kernel's; bounded all the same)
 * into *@out.  Returns 0, or -EINVAL for a malformed message. */
int nono_sockdiag_parse(const void *msg, size_t len,
			struct nono_unix_sock *out) NONO_WUR;

#endif
