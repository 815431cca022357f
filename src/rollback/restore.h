/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Comparing snapshots, and putting a tree back as a snapshot has it:
 * content, mode (a chmod alone too), owner and group owner (a chgrp alone
 * too; another user's file stays that user's when root restores it),
 * symlinks as symlinks, empty directories, what was created or deleted,
 * mtime, user.* attributes, hard links.  Every change goes through descriptors
 * resolved beneath the root (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS):
 * nothing outside the captured scope is touched (but a path the scope leaves
 * out that the snapshot did not have at all, made since: removed), no
 * symlink is followed out of it.  A file is written to a temporary name in its
 * directory and renamed into place; a restore cut short leaves each path old or
 * new, and run again it ends in the same tree (the temporaries it left are
 * extra names, which it removes).
 */
#ifndef NONO_ROLLBACK_RESTORE_H
#define NONO_ROLLBACK_RESTORE_H

#include <stdbool.h>

#include "rollback/capture.h"

enum nono_rb_change {
	NONO_RB_CREATED,  /* in @to, not in @from */
	NONO_RB_DELETED,  /* in @from, not in @to */
	NONO_RB_MODIFIED, /* content, type or link target */
	NONO_RB_ATTRS,    /* mode, owner, group owner or attributes only */
};

/* Calls @fn for each path that differs from @from to @to (sorted by
 * path), ignoring what either left out (NONO_RB_SKIP; but a path @to
 * leaves out that @from does not have at all is one the command made:
 * NONO_RB_CREATED, its note saying it was left out), what is below an
 * entry either could not look into (NONO_RB_OPAQUE: that entry is the
 * change), mtimes (but an opaque entry's, its only witness), and owners
 * and group owners where either side does not know them (a version-1 or
 * -2 manifest).
 * Returns the number of changes. */
size_t nono_rb_diff(const struct nono_rb_manifest *from,
		    const struct nono_rb_manifest *to,
		    void (*fn)(void *arg, enum nono_rb_change c,
			       const struct nono_rb_entry *from_e,
			       const struct nono_rb_entry *to_e),
		    void *arg);
const char *nono_rb_change_name(enum nono_rb_change c);
/* A note to show after a change's path: for an entry the scope left
 * out " (left out by the scope, content not captured)", for one not
 * captured (NONO_RB_OPAQUE) " (now a FIFO, content not captured)", for one
 * whose extended attributes were not (too many to keep) " (extended attributes
 * not captured: ...)", for an owner changed " (owner 1000 -> 0)", for a group
 * owner changed " (group 1000 -> 27)" (each that applies, in that order), else
 * "".  @len of NONO_RB_NOTE_LEN holds any. */
#define NONO_RB_NOTE_LEN 256
void nono_rb_change_note(const struct nono_rb_entry *from,
			 const struct nono_rb_entry *to, char *out, size_t len);

struct nono_rb_restore_stats {
	unsigned long long written, deleted, attrs, not_restorable;
	/* Group owners the kernel refused to set back (EPERM: the user is
	 * no longer in that group); each said through the notes. */
	unsigned long long groups_refused;
	/* Owners the kernel refused to set back (EPERM: only root gives a
	 * file to another user), and files whose setuid or setgid bits were
	 * not put back because their owner is not the snapshot's (or the
	 * snapshot does not say who); each said through the notes. */
	unsigned long long owners_refused, setid_dropped;
};

/* Where a restore says what it went on past without putting it back (an
 * owner or group owner the kernel refused, set-id bits left off): one
 * line each, no newline, its path
 * made safe for a terminal.  libnono prints nothing; the caller shows
 * them.  The line is borrowed for the call. */
struct nono_rb_notes {
	void (*fn)(void *arg, const char *line);
	void *arg;
};

/*
 * Puts the tree at @target->root back as @target has it, within @scope
 * (the one saved with the snapshot), content from @store.  @cache may be
 * NULL.  @now: the tree as it is, when the caller has just captured it
 * and nothing has run since (the end of a session); NULL: scanned here.
 * With @dry_run nothing is changed (the stats say what would be).  An
 * owner and a group owner are set back (chown on the object held, never
 * through a symlink) where @target records them (the owner from version
 * 3, the group from version 2) and they differ; one the kernel refuses
 * (EPERM) is said through @notes (may be NULL) and the restore goes on.
 * A file's setuid and setgid bits go back only when it is its recorded
 * owner's (never for a version-1 or -2 snapshot, which does not say
 * whose it was).  0, or -errno with @err (the tree is then partly
 * restored: run it again).
 */
int nono_rb_restore(struct nono_rb_store *store,
		    const struct nono_rb_manifest *target,
		    const struct nono_rb_scope *scope,
		    struct nono_rb_cache *cache,
		    const struct nono_rb_manifest *now, bool dry_run,
		    struct nono_rb_restore_stats *st,
		    const struct nono_rb_notes *notes, char *err,
		    size_t errlen);

#endif
