/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rollback object store (~/.nono/rollback/objects): one file per
 * content, named by its SHA-256 (objects/ab/cdef...), shared by every
 * session, so that content stored once costs nothing the next time.  An
 * object is written to objects/tmp, fsync'd, renamed into place; the
 * fan-out directories it landed in are fsync'd by nono_rb_store_sync
 * before anything refers to it.
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
 * 0 or -errno.
 */
#define NONO_RB_CHUNK (256 * 1024) /* @buf's size */
int nono_rb_store_put(struct nono_rb_store *s, int fd,
		      const struct stat *before, uint8_t *buf,
		      uint8_t hash[NONO_SHA256_LEN], bool *added);
/* Hashes @fd (a regular file whose fstat before is @before) without
 * storing it, through @buf (NONO_RB_CHUNK bytes): 0, -EAGAIN when it
 * changed meanwhile (size, mtime, ctime), or -errno. */
int nono_rb_hash_fd(int fd, const struct stat *before, uint8_t *buf,
		    uint8_t hash[NONO_SHA256_LEN]);
/* An object, open for reading (O_RDONLY), or -errno. */
int nono_rb_store_get(const struct nono_rb_store *s,
		      const uint8_t hash[NONO_SHA256_LEN]);
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
