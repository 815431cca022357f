/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stat cache of a tree (~/.nono/rollback/statcache/...): (device,
 * inode, size, mtime, ctime) -> content hash, so that a capture neither
 * reads nor copies a file it saw unchanged.  An open-addressing table;
 * not locked (a parallel capture locks around it).
 */
#ifndef NONO_ROLLBACK_STATCACHE_H
#define NONO_ROLLBACK_STATCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "util/sha256.h"

/* A slot for (@dev, @ino) in a table of @cap entries (a power of two). */
static inline size_t nono_rb_slot(uint64_t dev, uint64_t ino, size_t cap)
{
	uint64_t h =
	    (dev * 0x9e3779b97f4a7c15ULL) ^ (ino * 0xc2b2ae3d27d4eb4fULL);

	return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

/* dev/ino/size/mtime/ctime -> content hash, shared by the captures of a
 * tree (~/.nono/rollback/statcache/...). */
struct nono_rb_cache_ent {
	uint64_t dev, ino, size;
	int64_t mtime_ns, ctime_ns;
	uint8_t hash[NONO_SHA256_LEN];
	uint8_t noxattr; /* it had no user.* attributes */
	uint8_t used;
	uint32_t seen; /* the capture (the cache's @gen) that saw it */
};
struct nono_rb_cache {
	struct nono_rb_cache_ent *t;
	size_t cap, n;
	uint32_t gen; /* the current capture: entries it saw have it */
	/* An entry added or replaced since the load or the save: what is
	 * on disk is not what a save would write. */
	int dirty;
};

void nono_rb_cache_init(struct nono_rb_cache *c);
void nono_rb_cache_free(struct nono_rb_cache *c);
/* Loads @path (a missing or unreadable cache is an empty one); saves
 * what the last capture saw, atomically.  0 or -errno. */
int nono_rb_cache_load(struct nono_rb_cache *c, const char *path);
/* Writes nothing when the file is what it would write: loaded (or saved)
 * from @path, nothing put since, every entry seen. */
int nono_rb_cache_save(struct nono_rb_cache *c, const char *path);
/* Forgets what a capture saw (the next capture marks its entries again):
 * a cache kept in memory from one capture to the next. */
void nono_rb_cache_unsee(struct nono_rb_cache *c);
/* The entry of (@dev, @ino), or NULL.  Valid until the next put. */
struct nono_rb_cache_ent *nono_rb_cache_find(struct nono_rb_cache *c,
					     uint64_t dev, uint64_t ino);
/* Adds or replaces @v (marked used).  0 or -ENOMEM. */
int nono_rb_cache_put(struct nono_rb_cache *c,
		      const struct nono_rb_cache_ent *v);

#endif
