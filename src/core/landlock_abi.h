/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Landlock UAPI definitions up to ABI 7.  Debian 12's linux-libc-dev stops at
 * ABI 2, and the running kernel may be newer than the build machine's
 * headers, so the few values we need are spelled out here.
 */
#ifndef NONO_LANDLOCK_ABI_H
#define NONO_LANDLOCK_ABI_H

#include <linux/types.h>
#include <sys/syscall.h>

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

/* Our own copies, so the header in /usr/include is never needed. */
struct nono_ll_ruleset_attr {
	__u64 handled_access_fs;
	__u64 handled_access_net; /* ABI 4 */
	__u64 scoped;             /* ABI 6 */
};

struct nono_ll_path_beneath_attr {
	__u64 allowed_access;
	__s32 parent_fd;
} __attribute__((packed));

struct nono_ll_net_port_attr {
	__u64 allowed_access;
	__u64 port;
};

#define NONO_LL_CREATE_RULESET_VERSION (1U << 0)
#define NONO_LL_RULE_PATH_BENEATH 1
#define NONO_LL_RULE_NET_PORT 2

#define NONO_LL_FS_EXECUTE (1ULL << 0)
#define NONO_LL_FS_WRITE_FILE (1ULL << 1)
#define NONO_LL_FS_READ_FILE (1ULL << 2)
#define NONO_LL_FS_READ_DIR (1ULL << 3)
#define NONO_LL_FS_REMOVE_DIR (1ULL << 4)
#define NONO_LL_FS_REMOVE_FILE (1ULL << 5)
#define NONO_LL_FS_MAKE_CHAR (1ULL << 6)
#define NONO_LL_FS_MAKE_DIR (1ULL << 7)
#define NONO_LL_FS_MAKE_REG (1ULL << 8)
#define NONO_LL_FS_MAKE_SOCK (1ULL << 9)
#define NONO_LL_FS_MAKE_FIFO (1ULL << 10)
#define NONO_LL_FS_MAKE_BLOCK (1ULL << 11)
#define NONO_LL_FS_MAKE_SYM (1ULL << 12)
#define NONO_LL_FS_REFER (1ULL << 13)     /* ABI 2 */
#define NONO_LL_FS_TRUNCATE (1ULL << 14)  /* ABI 3 */
#define NONO_LL_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */

#define NONO_LL_NET_BIND_TCP (1ULL << 0)    /* ABI 4 */
#define NONO_LL_NET_CONNECT_TCP (1ULL << 1) /* ABI 4 */

#define NONO_LL_SCOPE_ABSTRACT_UNIX (1ULL << 0) /* ABI 6 */
#define NONO_LL_SCOPE_SIGNAL (1ULL << 1)        /* ABI 6 */

#endif
