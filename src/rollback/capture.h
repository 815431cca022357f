/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Capturing a tree into a manifest and the object store: a walk through
 * directory descriptors (never a path, never a symlink followed), each
 * regular file read once and hashed as it is copied, unless the stat
 * cache knows it unchanged (same device, inode, size, mtime and ctime:
 * then it is neither read nor copied).  A file written to while it is
 * copied is read again, never recorded with a hash it does not have.
 */
#ifndef NONO_ROLLBACK_CAPTURE_H
#define NONO_ROLLBACK_CAPTURE_H

#include <stdatomic.h>
#include <stdint.h>

#include "rollback/manifest.h"
#include "rollback/objects.h"
#include "rollback/scope.h"
#include "rollback/statcache.h"

/* What a capture has done so far, for a progress display (another thread
 * reads it). */
struct nono_rb_progress {
	atomic_ullong files, bytes;
};

/* What one capture reads at most, all files together (sparse files cost
 * no disk but every byte is hashed); past it, files are not captured. */
#define NONO_RB_MAX_READ (32ULL << 30)
/* What one capture records at most: its paths' bytes plus 64 per entry
 * (memory and the manifest's size follow them; 100,000 files of a usual
 * tree take about 10 MiB, a million about 100); past it, directories
 * are not captured. */
#define NONO_RB_MAX_NAMES (128ULL << 20)
/* What one capture keeps at most of extended attributes, encoded (two
 * bytes per byte): past it, an entry's are not captured
 * (NONO_RB_XATTRS_LOST), as past the ceilings of one entry.  An empty
 * file with 125 MiB of them took 770 MB of memory and a 251 MB session
 * before. */
#define NONO_RB_MAX_XATTRS (32ULL << 20)

struct nono_rb_stats {
	unsigned long long files, dirs, links, skipped, unreadable, excluded;
	unsigned long long bytes_read, objects_added, cached, retried;
	/* Entries whose attributes were not captured (too many). */
	unsigned long long xattrs_lost;
};

/*
 * Captures the tree at @root (an absolute path) within @scope into @out
 * (sorted), its new content into @store (synced before this returns).
 * @base: NULL for a session's baseline; for a later snapshot the
 * baseline's manifest of the same root, which alone decides the
 * directories left out for their number of entries.  @cache may be NULL.  0, or
 * -errno with @err saying what (a tree that cannot be captured whole: no half
 * manifest is returned).
 */
int nono_rb_capture(struct nono_rb_store *store, const char *root,
		    const struct nono_rb_scope *scope,
		    const struct nono_rb_manifest *base,
		    struct nono_rb_cache *cache, struct nono_rb_manifest *out,
		    struct nono_rb_stats *st, struct nono_rb_progress *prog,
		    char *err, size_t errlen);

/* @root (absolute, canonical) opened as a directory with no symlink on
 * the way (openat2 RESOLVE_NO_SYMLINKS): a descriptor, or -1 with errno. */
int nono_rb_open_root(const char *root);

/* The same walk, reading nothing but what the stat cache does not know
 * (hashed, not stored): the tree as it is now, to compare. */
int nono_rb_scan(const char *root, const struct nono_rb_scope *scope,
		 const struct nono_rb_manifest *base,
		 struct nono_rb_cache *cache, struct nono_rb_manifest *out,
		 char *err, size_t errlen);

#endif
