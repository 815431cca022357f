/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rollback object store (~/.nono/rollback/objects): one file per
 * content, named by its SHA-256 (objects/ab/cdef...), shared by every
 * session, so that content stored once costs nothing the next time.  An
 * object is written to objects/tmp, renamed into place, and made durable
 * with its fan-out directory by nono_rb_store_sync before anything
 * refers to it.
 *
 * A new version of a small file (NONO_RB_CHUNK bytes at most) whose
 * earlier version is stored may be kept as a delta instead
 * (objects/ab/cdef....d, named by the SHA-256 of the content it makes):
 * the earlier version's whole object (its base, never itself a delta),
 * the bytes the two share at their start and at their end, and the bytes
 * between, literally.  A delta is kept only when it takes fewer 4 KiB
 * blocks than the content would: an append or an edit in one place costs
 * a block, not the file.
 */
#ifndef NONO_ROLLBACK_OBJECTS_H
#define NONO_ROLLBACK_OBJECTS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "util/sha256.h"

/* Safe to share between the threads of one capture (nono_rb_store_put);
 * opening, closing, locking and syncing are the caller's, from one. */
struct nono_rb_store {
	int fd;                    /* objects/ */
	int tmpfd;                 /* objects/tmp/ */
	_Atomic uint8_t dirty[32]; /* fan-out directories written to */
	_Atomic uint8_t made[32];  /* fan-out directories known to exist */
	atomic_bool reflink_off;   /* FICLONE refused once: not tried again */
	char tmp_prefix[24];       /* random, per opening */
	atomic_ullong tmp_seq;
	pthread_mutex_t lock; /* @room */
	/* Files larger than this (apparent size) are not stored: hashing
	 * a 1 TiB sparse file would hold the session's end for an hour. */
	unsigned long long max_file;
	long long room; /* free bytes last seen, less what was written */
	int lockfd;     /* objects/lock while held, else -1 */
	/* The store has delta objects (objects/deltas is there): a
	 * content stored whole looks for its delta first. */
	atomic_bool deltas;
};

#define NONO_RB_MAX_FILE (16ULL << 30)
/* Free space the store always leaves on its filesystem. */
#define NONO_RB_MARGIN (256LL << 20)

/* Opens (making it if missing) the store under @dir (~/.nono/rollback).
 * 0 or -errno. */
int nono_rb_store_open(struct nono_rb_store *s, const char *dir);
void nono_rb_store_close(struct nono_rb_store *s);

/*
 * Stores the content of @fd (a regular file open for reading, whose
 * fstat before the copy is @before): one read, hashed while copied (or a
 * reflink, then hashed from the clone).  Its SHA-256 in @hash; *@added
 * when the store did not have it.  -EAGAIN when the file changed while it
 * was copied (size, mtime or ctime): nothing is stored, the caller tries
 * again.  -EFBIG when it is larger than @s->max_file, -ENOSPC when
 * storing it would leave less than NONO_RB_MARGIN free (nothing is
 * stored then).  Runs of zeros are left as holes in the object.
 * @prev, when not NULL, is the hash of the file's earlier content: a
 * small file is then read into @buf whole and may be kept as a delta.
 * 0 or -errno.
 */
#define NONO_RB_CHUNK (256 * 1024) /* @buf's size */
int nono_rb_store_put(struct nono_rb_store *s, int fd,
		      const struct stat *before, uint8_t *buf,
		      const uint8_t *prev, uint8_t hash[NONO_SHA256_LEN],
		      bool *added);
/* Whether @need bytes more (an object, or a session's manifest, on the
 * same filesystem) leave it NONO_RB_MARGIN free: 0, or -ENOSPC (then the
 * caller writes nothing), or -errno.  The room is counted as taken. */
int nono_rb_store_room(struct nono_rb_store *s, long long need);
/* @len bytes of memory as an object (a manifest's base).  0 or -errno. */
int nono_rb_store_put_mem(struct nono_rb_store *s, const void *data, size_t len,
			  uint8_t hash[NONO_SHA256_LEN], bool *added);

/* A delta object's header (little-endian): magic, base, prefix, suffix,
 * size; the literal bytes follow to the end of the file. */
#define NONO_RB_DELTA_MAGIC "nonodlt1"
#define NONO_RB_DELTA_HDR 64
#define NONO_RB_DELTA_SUFFIX ".d"
struct nono_rb_delta {
	uint8_t base[NONO_SHA256_LEN];
	unsigned long long prefix, suffix, size, literal;
};
/* Checks a header read from a delta object of @file_size bytes: 0, or
 * -EBADMSG when it is not one whose parts add up. */
int nono_rb_delta_parse(const uint8_t *hdr, size_t len,
			unsigned long long file_size, struct nono_rb_delta *d);
/* The header of the delta object of @hash: 0, -ENOENT when the store has
 * none, -EBADMSG, or -errno. */
int nono_rb_store_delta_base(const struct nono_rb_store *s,
			     const uint8_t hash[NONO_SHA256_LEN],
			     struct nono_rb_delta *d);
/* Hashes @fd (a regular file whose fstat before is @before) without
 * storing it, through @buf (NONO_RB_CHUNK bytes): 0, -EAGAIN when it
 * changed meanwhile (size, mtime, ctime), or -errno. */
int nono_rb_hash_fd(int fd, const struct stat *before, uint8_t *buf,
		    uint8_t hash[NONO_SHA256_LEN]);
/* An object, open for reading (O_RDONLY): its file, or for a delta
 * the content it makes, in a memfd.  -errno (-EBADMSG: a delta whose
 * base is missing or does not fit it). */
int nono_rb_store_get(const struct nono_rb_store *s,
		      const uint8_t hash[NONO_SHA256_LEN]);
/* As nono_rb_store_get, and its content checked against @hash (read
 * through @buf, NONO_RB_CHUNK bytes): -EBADMSG for an object whose
 * content is not its name's (cut short or zeroed by a crash, changed). */
int nono_rb_store_get_checked(const struct nono_rb_store *s,
			      const uint8_t hash[NONO_SHA256_LEN],
			      uint8_t *buf);
/*
 * The store's lock (objects/lock, flock): held shared by a session that
 * takes snapshots, for its whole run, and by a restore or a verify;
 * exclusive by a sweep of unreferenced objects, which could otherwise
 * remove objects a snapshot has written but no manifest names yet.
 * @how: LOCK_SH or LOCK_EX, with LOCK_NB.  0, -EWOULDBLOCK or -errno.
 * Released by nono_rb_store_close.
 */
int nono_rb_store_lock(struct nono_rb_store *s, int how);
/* Makes what nono_rb_store_put wrote durable (the fan-out directories).
 * 0 or -errno. */
int nono_rb_store_sync(struct nono_rb_store *s);
/* Re-hashes an object: 0 when its content has its name, -EBADMSG when
 * not, -errno. */
int nono_rb_store_check(const struct nono_rb_store *s,
			const uint8_t hash[NONO_SHA256_LEN]);

#endif
