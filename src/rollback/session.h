/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A rollback session on disk: ~/.nono/rollback/sessions/<id>/ (0700),
 * session.json (the record: state, command, the roots, the scope, the
 * snapshots with their manifests' Merkle roots) and snap-N-R.manifest
 * (snapshot N of root R), or snap-N-R.delta: snapshot 0 against a
 * manifest kept in the object store (its base, which sessions over the
 * same tree share: a repeat session's baseline costs what changed since),
 * a later one against snapshot 0.  Written at baseline time, so a session whose
 * supervisor died is listed (incomplete) and restorable to snapshot 0.
 * Every file is written atomically and synced with its directory;
 * manifests before the record that names them.
 */
#ifndef NONO_ROLLBACK_SESSION_H
#define NONO_ROLLBACK_SESSION_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "rollback/manifest.h"
#include "rollback/scope.h"

#define NONO_RB_MAX_SNAPS 64
#define NONO_RB_MAX_ROOTS 64

enum nono_rb_state {
	NONO_RB_RUNNING,
	NONO_RB_COMPLETE,
	NONO_RB_INCOMPLETE, /* running, its supervisor gone */
	NONO_RB_UNREADABLE,
};

struct nono_rb_snap {
	char time[32];
	uint8_t roots[NONO_RB_MAX_ROOTS][NONO_SHA256_LEN]; /* per root */
};

struct nono_rb_session {
	char id[17];
	char dir[PATH_MAX];
	char started[32], ended[32];
	enum nono_rb_state state;
	int exit_code; /* when complete */
	char *command; /* JSON array (redacted) */
	char **roots;
	size_t nroots;
	struct nono_rb_scope scope;
	long long sup_pid;
	unsigned long long sup_start;
	struct nono_rb_snap snaps[NONO_RB_MAX_SNAPS];
	size_t nsnaps;
	/* Snapshot 0 of root R is a delta against the manifest object
	 * bases[R] when bit R of @based is set. */
	uint8_t bases[NONO_RB_MAX_ROOTS][NONO_SHA256_LEN];
	uint64_t based;
	unsigned long long restores; /* restores made from it */
};

/* ~/.nono/rollback (made, checked private) into @out.  0 or -errno. */
int nono_rb_home(char *out, size_t len);
/* The stat cache of tree @root: ~/.nono/rollback/statcache/<sha256 of
 * the path>.  0 or -errno. */
int nono_rb_cache_path(const char *root, char *out, size_t len);

/* Forgets every tree's stat cache (after objects were removed: a cache
 * names only objects a capture stored and synced, so a capture trusts a
 * hit without looking for its object).  0 or -errno. */
int nono_rb_cache_drop_all(void);
/* A new session @id (the audit session's, when there is one) for @roots
 * with @scope (copied) and @command (JSON array text, copied): its
 * directory made.  0 or -errno. */
int nono_rb_session_new(struct nono_rb_session *s, const char *id,
			const char *const *roots, size_t nroots,
			const struct nono_rb_scope *scope, const char *command);
void nono_rb_session_free(struct nono_rb_session *s);
/* Writes snapshot @s->nsnaps (its manifests, one per root, then the
 * record that names their roots); after the baseline, with @base (the
 * baseline's manifests), as deltas against it.  The baseline, with
 * @store, as a delta against the base the newest session over the same
 * tree used when that delta is small, else against a new base put in
 * @store.  0 or -errno (-ENOSPC: with @store, writing them would leave
 * its filesystem less than NONO_RB_MARGIN free). */
struct nono_rb_store;
int nono_rb_session_add_snapshot(struct nono_rb_session *s,
				 const struct nono_rb_manifest *m,
				 const struct nono_rb_manifest *base,
				 struct nono_rb_store *store);
/* Writes the record (state, end, exit code).  0 or -errno. */
int nono_rb_session_save(struct nono_rb_session *s);

/* Loads session @id.  0, or -errno with @err. */
int nono_rb_session_load(const char *id, struct nono_rb_session *s, char *err,
			 size_t errlen);
/* Snapshot @n of root @r, checked against the record's Merkle root.
 * 0, or -errno (-EBADMSG: it does not match) with @err. */
int nono_rb_session_manifest(const struct nono_rb_session *s, size_t n,
			     size_t r, struct nono_rb_manifest *m, char *err,
			     size_t errlen);

/* Every session's id, newest first (*@ids: free each and the array). */
int nono_rb_session_ids(char ***ids, size_t *n);
/* The session whose id starts with @key (unique).  0, -ENOENT or
 * -EEXIST with @err. */
int nono_rb_session_find(const char *key, char id[17], char *err,
			 size_t errlen);
/* Removes a session's directory (its objects stay for cleanup). */
int nono_rb_session_remove(const char *id);
const char *nono_rb_state_name(enum nono_rb_state s);

#endif
