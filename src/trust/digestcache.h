/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A cache of instruction files' SHA-256 digests, keyed by what the kernel
 * says of the file (device, inode, size, mtime and ctime in ns), so that
 * a warm pre-exec scan reads no file it read before.  As git's index:
 * ctime cannot be set by a process (any write or chmod moves it to
 * "now"), so an unchanged key means unchanged content, except for a
 * write in the same clock tick as the one the cache saw; an entry whose
 * ctime is within 2 s of when its file was read is therefore never
 * trusted ("racily clean"), and the file is read again.
 *
 * Whoever can write the cache file can make a changed file look signed:
 * it belongs in nono's private state (~/.nono, 0700, which sandboxes are
 * denied), is written atomically with mode 0600, and is refused when it
 * is not a regular file of the caller's, or is writable by others.
 */
#ifndef NONO_TRUST_DIGESTCACHE_H
#define NONO_TRUST_DIGESTCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "util/sha256.h"

#define NONO_TRUST_CACHE_MAX 100000           /* entries */
#define NONO_TRUST_CACHE_RACY_NS 2000000000LL /* 2 s */

struct nono_trust_cache;

/* An empty cache, or NULL without memory. */
struct nono_trust_cache *nono_trust_cache_new(void);
void nono_trust_cache_free(struct nono_trust_cache *c);

/*
 * Loads the cache at @path into *@out (reset on entry).  A missing or
 * malformed file gives an empty cache (a cache is never needed to be
 * right).  Returns 0; -EPERM with @err when the file is not a regular
 * file owned by the caller and private to it (nothing is loaded: use an
 * empty cache, and do not save over it); -ENOMEM.
 */
int nono_trust_cache_load(const char *path, struct nono_trust_cache **out,
			  char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Writes @c to @path atomically (temporary file, fsync, rename; mode
 * 0600, missing directories 0700).  0, or -errno with @err. */
int nono_trust_cache_save(const struct nono_trust_cache *c, const char *path,
			  char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The digest of the file @st describes, when the cache holds one for
 * exactly that device, inode, size, mtime and ctime, recorded more than
 * 2 s after that ctime.  Writes @hex and returns true, else false. */
bool nono_trust_cache_get(const struct nono_trust_cache *c,
			  const struct stat *st, char hex[NONO_SHA256_HEX]);

/* Records @hex for the file @st describes, read from @read_ns on
 * (CLOCK_REALTIME, taken before the first byte was read).  A full cache
 * drops the entry.  0, -EINVAL (@hex not 64 hex) or -ENOMEM. */
int nono_trust_cache_put(struct nono_trust_cache *c, const struct stat *st,
			 long long read_ns, const char *hex);

/* Entries held. */
size_t nono_trust_cache_count(const struct nono_trust_cache *c);

#endif
