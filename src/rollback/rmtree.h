/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Removing what a command left in a tree being restored, through
 * directory descriptors only: never a path, never a symlink followed, a
 * directory the command made read-only or unsearchable given back to its
 * owner for the change.
 */
#ifndef NONO_ROLLBACK_RMTREE_H
#define NONO_ROLLBACK_RMTREE_H

#include <sys/types.h>

/* The directory @pfd made writable for its owner for one change, when the
 * command (or the tree) left it read-only: its mode before in *@was, or
 * -1 when it needed nothing (then -EACCES: the mode was not the cause).
 * nono_rb_undo_writable puts it back.  0 or -errno. */
int nono_rb_make_writable(int pfd, mode_t *was);
void nono_rb_undo_writable(int pfd, mode_t was);

/* unlinkat(@pfd, @name, @flags), in a directory made read-only too; a
 * name already gone is not an error.  0 or -errno. */
int nono_rb_unlink_in(int pfd, const char *name, int flags);

/* Removes @name in @pfd and, a directory, everything in it, through
 * descriptors (never a path, no symlink followed).  Not recursive: one
 * frame per level on the heap and one descriptor at a time, climbing back
 * through ".." checked against the device and inode it left (-ESTALE when
 * a directory moved meanwhile).  0 (@name gone, or never there) or
 * -errno. */
int nono_rb_remove_tree(int pfd, const char *name);

#endif
