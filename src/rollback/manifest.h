/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A rollback snapshot of one tree: its manifest, one line per entry (the
 * tree's root itself is ".", then every path below it, sorted by bytes),
 * with an RFC 9162 Merkle root over the lines.  Paths and link targets
 * are bytes: they are written percent-encoded (every byte outside
 * 0x21-0x7e, and '%', '"', '\\'), so a name with a newline or that is not
 * UTF-8 round-trips exactly.  The format is in docs/rollback.md.
 */
#ifndef NONO_ROLLBACK_MANIFEST_H
#define NONO_ROLLBACK_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/event.h"
#include "util/sha256.h"

/* The format written: version 3 records each entry's owner (uid) and
 * group owner.  Version 2 (group owner, no uid) and version 1 (neither)
 * are still read: what they lack is -1, a restore to them never changes
 * it, and never puts a setuid or setgid bit on a file whose owner it
 * cannot tell. */
#define NONO_RB_VERSION 3
/* The largest user or group id a manifest holds ((uid_t)-1 and (gid_t)-1
 * mean "no change" to chown). */
#define NONO_RB_GID_MAX 4294967294LL
#define NONO_RB_UID_MAX 4294967294LL

enum {
	NONO_RB_FILE = 'f',
	NONO_RB_DIR = 'd',
	NONO_RB_LINK = 'l',
	/* There, not captured, never touched by a restore (nor what is
	 * below it): left out by the scope, a socket, a FIFO, a device,
	 * or unreadable. */
	NONO_RB_SKIP = 'x',
	/* There, but its content not captured: a FIFO, a socket, a
	 * device, unreadable, written to all the time, or nested too deep
	 * to name.  @target says which (nono_rb_opaque_ok).  Unlike 'x'
	 * it is compared (a file made unreadable, or swapped for a FIFO,
	 * is a change) and a restore takes the path back from it. */
	NONO_RB_OPAQUE = 'u',
};

/* Why an entry is NONO_RB_OPAQUE (its @target). */
#define NONO_RB_WHY_UNREADABLE "unreadable"
#define NONO_RB_WHY_FIFO "fifo"
#define NONO_RB_WHY_SOCKET "socket"
#define NONO_RB_WHY_DEVICE "device"
#define NONO_RB_WHY_BUSY "busy"
#define NONO_RB_WHY_DEEP "too-deep"
#define NONO_RB_WHY_BIG "too-big"

struct nono_rb_entry {
	char *path;    /* relative to the root; "." is the root */
	char type;     /* NONO_RB_FILE, _DIR, _LINK */
	unsigned mode; /* permission bits, 07777 */
	unsigned long long size;
	long long mtime_ns;
	uint8_t hash[NONO_SHA256_LEN]; /* a file's content */
	long long link; /* hard links: the group's first entry, or -1 */
	char *target;   /* a symlink's target, else NULL */
	/* user.* attributes and POSIX ACLs, encoded (HEXNAME=HEXVALUE,...),
	 * NULL for none, or NONO_RB_XATTRS_LOST (version 3). */
	char *xattrs;
	/* The group owner, 0..NONO_RB_GID_MAX; -1: not known (a version-1
	 * manifest, or an entry not captured that could not be stat'd). */
	long long gid;
	/* The owner, 0..NONO_RB_UID_MAX; -1: not known (a version-1 or -2
	 * manifest, or an entry not captured that could not be stat'd). */
	long long uid;
};

/* Where a manifest's strings live: blocks freed with the manifest (a
 * 100,000-file capture made 100,000 allocations and as many page faults
 * before). */
struct nono_rb_strblk;

/* The Merkle leaf of each line, kept from the text of a baseline: a
 * later snapshot's delta reuses those of unchanged lines.  Valid when
 * @n is the manifest's (nono_rb_manifest_text sets it; a change to the
 * manifest unsets it). */
struct nono_rb_leaves {
	size_t n, cap;
	uint8_t h[][NONO_SHA256_LEN];
};

struct nono_rb_manifest {
	char *root;  /* absolute path of the tree */
	int version; /* 1 to 3 (NONO_RB_VERSION; init sets it) */
	struct nono_rb_entry *e;
	size_t n, cap;
	struct nono_rb_strblk *strs; /* the entries' strings */
	/* Or NULL (nono_rb_manifest_keep_leaves). */
	struct nono_rb_leaves *leaves;
};

/* Whether attribute @name is kept with an entry: user.* and the POSIX
 * ACLs (system.posix_acl_access, system.posix_acl_default). */
bool nono_rb_xattr_kept(const char *name);

/* An entry's @xattrs when it had more than a snapshot keeps of one entry
 * (NONO_RB_XATTR_MAX_N attributes or NONO_RB_XATTR_MAX_BYTES), or the
 * capture's budget for them was spent: not captured, and so neither
 * compared with another such entry nor set by a restore. */
#define NONO_RB_XATTRS_LOST "?"
/* The most attributes, and bytes of their names and values, kept with
 * one entry. */
#define NONO_RB_XATTR_MAX_N 64
#define NONO_RB_XATTR_MAX_BYTES (64 * 1024)
/* Whether @e's attributes were not captured (NONO_RB_XATTRS_LOST). */
bool nono_rb_xattrs_lost(const struct nono_rb_entry *e);

/* Whether @why is one of the NONO_RB_WHY_* words. */
bool nono_rb_opaque_ok(const char *why);

/* An empty manifest of the current version (NONO_RB_VERSION). */
void nono_rb_manifest_init(struct nono_rb_manifest *m);
void nono_rb_manifest_free(struct nono_rb_manifest *m);
/* Appends a copy of @e (its strings copied into @m's blocks: they live
 * as long as @m, never freed one by one).  0 or -ENOMEM. */
int nono_rb_manifest_add(struct nono_rb_manifest *m,
			 const struct nono_rb_entry *e);
/* Moves @from's entries (and the blocks of their strings) to the end of
 * @to; @from is left empty.  0 or -ENOMEM (nothing moved). */
int nono_rb_manifest_move(struct nono_rb_manifest *to,
			  struct nono_rb_manifest *from);
/* Drops the entries from @n on. */
void nono_rb_manifest_truncate(struct nono_rb_manifest *m, size_t n);
/* The order of a manifest's paths: "." first, then by bytes. */
int nono_rb_path_cmp(const char *a, const char *b);
/* Sorts the entries by path (nono_rb_path_cmp).  Before, an entry's @link is
 * any key shared by its hard-link group (-1: none); after, the index of the
 * group's first entry (a group of one is none).  0 or -ENOMEM. */
int nono_rb_manifest_sort(struct nono_rb_manifest *m);
/* The entry at @path, or NULL (the manifest sorted). */
const struct nono_rb_entry *
nono_rb_manifest_find(const struct nono_rb_manifest *m, const char *path);

/* Makes the next nono_rb_manifest_text keep each line's leaf (a
 * baseline: the session's later deltas are made against it).  0 or
 * -ENOMEM (nothing kept: the delta computes them). */
int nono_rb_manifest_keep_leaves(struct nono_rb_manifest *m);

/* The manifest as text (header and lines) in its @version's format, and
 * its Merkle root. */
int nono_rb_manifest_text(const struct nono_rb_manifest *m, struct nono_ev *out,
			  uint8_t root[NONO_SHA256_LEN]);
/* Parses @text (version 1, 2 or 3; @m->version says which): 0, or -EINVAL
 * with the first bad line in *@bad_line (1 is the header) and why in @why.
 * The root, if @root, is computed. */
int nono_rb_manifest_parse(const char *text, size_t len,
			   struct nono_rb_manifest *m,
			   uint8_t root[NONO_SHA256_LEN], size_t *bad_line,
			   char *why, size_t whylen);

/* A later snapshot as a delta against the session's baseline @base:
 * the lines of @m that are new or differ ("- PATH" for a path @m lacks),
 * in path order; @root is @m's own Merkle root (the whole manifest's).
 * The delta has @base's version.  0, -ENOMEM, or -EINVAL when @m's
 * version is not @base's. */
int nono_rb_manifest_delta(const struct nono_rb_manifest *base,
			   const struct nono_rb_manifest *m,
			   struct nono_ev *out, uint8_t root[NONO_SHA256_LEN]);
/* The manifest delta @text makes of @base, checked as a whole manifest
 * (its Merkle root in @root): 0, or -EINVAL with the line and why (a
 * delta of another version than @base's is refused: a version-3 delta
 * applies to a version-3 baseline only, and so on). */
int nono_rb_manifest_apply(const struct nono_rb_manifest *base,
			   const char *text, size_t len,
			   struct nono_rb_manifest *m,
			   uint8_t root[NONO_SHA256_LEN], size_t *bad_line,
			   char *why, size_t whylen);

/* Percent-encoding of bytes (see above); decoding refuses anything not
 * produced by the encoder's alphabet.  Decoded: malloc'd, NUL-terminated,
 * -EINVAL for a NUL byte in it. */
void nono_rb_pct_encode(struct nono_ev *out, const char *s, size_t n);
/* @path as a terminal may show it: printable ASCII, anything else \xHH. */
void nono_rb_shown(const char *path, char *out, size_t len);
int nono_rb_pct_decode(const char *s, size_t n, char **out, size_t *outlen);

#endif
