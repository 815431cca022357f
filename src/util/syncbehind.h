/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A file made durable behind nono's back as it exits: at exit(3), once
 * everything else is done, a process that shares only nono's memory pages
 * (clone(CLONE_VM), its own 16 KiB stack) closes every other descriptor,
 * calls fdatasync(2) on the file and exits.  It makes raw system calls
 * only: no C library state (no malloc, no locks, not even errno) is
 * touched while nono exits, so nono does not wait for the disk, and the
 * file is on disk a moment later.  One file at a time: registering another
 * syncs the previous one at once.
 *
 * 0 when registered (a duplicate of @fd is kept until then), -1 where the
 * syncer cannot be (an architecture without the raw calls, no descriptor
 * left): then the caller syncs itself.
 */
#ifndef NONO_UTIL_SYNCBEHIND_H
#define NONO_UTIL_SYNCBEHIND_H

int nono_sync_behind(int fd);

#endif
