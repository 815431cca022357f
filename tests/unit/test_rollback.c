// SPDX-License-Identifier: Apache-2.0
/*
 * Rollback: a tree captured, changed in every way a command can change it
 * (content, a chmod alone, deletions, creations, a symlink replaced by a
 * file, a hard link broken, mtimes, user.* attributes, a directory swapped
 * for a symlink that points outside), then restored: the oracle (type,
 * mode, size, mtime, link target, content hash and hard-link groups of
 * every entry) is the same as before, nothing outside the tree changed,
 * and what the scope leaves out is untouched.  A second restore changes
 * nothing; a second capture of an unchanged tree reads nothing.  Manifests
 * round-trip byte for byte (names with newlines, not UTF-8) and the parser
 * refuses malformed ones.  The group owner (version 2): a chgrp is a
 * change and a restore takes it back; version 1 still reads and never
 * chgrps.  Temporary directories under /tmp.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "rollback/capture.h"
#include "rollback/manifest.h"
#include "rollback/objects.h"
#include "rollback/restore.h"
#include "rollback/scope.h"
#include "rollback/statcache.h"

static char base[PATH_MAX], tree[PATH_MAX + 16], store_dir[PATH_MAX + 16],
    outside[PATH_MAX + 16];

static int setup(void **state)
{
	char tmp[] = "/tmp/nono-test-rollback-XXXXXX";

	(void)state;
	if (!mkdtemp(tmp))
		return -1;
	snprintf(base, sizeof(base), "%s", tmp);
	snprintf(tree, sizeof(tree), "%s/tree", base);
	snprintf(store_dir, sizeof(store_dir), "%s/store", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	return mkdir(tree, 0755) || mkdir(store_dir, 0700) ||
	       mkdir(outside, 0755);
}

static int teardown(void **state)
{
	(void)state;
	return test_rm_tree(base);
}

static void put(const char *rel, const char *text, mode_t mode)
{
	char p[PATH_MAX * 2];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", tree, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(p, mode), 0);
}

/* @rel in the tree (four at a time: link(at(a), at(b))). */
static char *at(const char *rel)
{
	static char p[4][PATH_MAX * 2];
	static unsigned k;
	char *b = p[k++ % 4];

	snprintf(b, sizeof(p[0]), "%s/%s", tree, rel);
	return b;
}

/* The oracle: one line per entry below @root (sorted), like
 * find -printf '%y %m %s %T@ %l %p' plus the content's hash, the
 * hard-link group (the first path of the same inode) and user.test. */
static struct {
	char **v;
	size_t n;
	const char *root;
	struct {
		dev_t dev;
		ino_t ino;
		char path[PATH_MAX];
	} ino[256];
	size_t nino;
} o;

static int visit(const char *path, const struct stat *st, int flag,
		 struct FTW *f)
{
	char line[PATH_MAX * 3], target[PATH_MAX] = "", hex[65] = "-",
				 group[PATH_MAX] = "-", xa[64] = "-";
	const char *rel = path + strlen(o.root);

	(void)flag;
	(void)f;
	if (strstr(path, "/node_modules"))
		return 0; /* left out by the scope */
	if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlink(path, target, sizeof(target) - 1);

		target[n > 0 ? n : 0] = '\0';
	} else if (S_ISREG(st->st_mode)) {
		uint8_t h[32], buf[65536];
		struct nono_sha256 c;
		int fd = open(path, O_RDONLY);
		ssize_t n;

		nono_sha256_init(&c);
		while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
			nono_sha256_update(&c, buf, (size_t)n);
		if (fd >= 0)
			close(fd);
		nono_sha256_final(&c, h);
		nono_hex(h, 32, hex);
		if (st->st_nlink > 1) {
			size_t i;

			for (i = 0; i < o.nino; i++)
				if (o.ino[i].dev == st->st_dev &&
				    o.ino[i].ino == st->st_ino)
					break;
			if (i == o.nino && o.nino < 256) {
				o.ino[o.nino].dev = st->st_dev;
				o.ino[o.nino].ino = st->st_ino;
				snprintf(o.ino[o.nino].path, PATH_MAX, "%s",
					 rel);
				o.nino++;
			}
			if (i < 256)
				snprintf(group, sizeof(group), "%s",
					 o.ino[i].path);
		}
	}
	if (!S_ISLNK(st->st_mode)) {
		ssize_t n = lgetxattr(path, "user.test", xa, sizeof(xa) - 1);

		if (n >= 0)
			xa[n] = '\0';
		else
			snprintf(xa, sizeof(xa), "-");
	}
	snprintf(line, sizeof(line), "%c %o %lld %lld.%09ld [%s] [%s] %s %s %s",
		 S_ISDIR(st->st_mode)   ? 'd'
		 : S_ISLNK(st->st_mode) ? 'l'
		 : S_ISREG(st->st_mode) ? 'f'
					: 'o',
		 st->st_mode & 07777,
		 S_ISDIR(st->st_mode) ? 0LL : (long long)st->st_size,
		 (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec, target,
		 rel, hex, group, xa);
	o.v = realloc(o.v, (o.n + 1) * sizeof(*o.v));
	o.v[o.n++] = strdup(line);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The oracle of @root as one string. */
static char *oracle(const char *root)
{
	size_t len = 1;
	char *s;

	memset(&o, 0, sizeof(o));
	o.root = root;
	assert_int_equal(nftw(root, visit, 32, FTW_PHYS), 0);
	qsort(o.v, o.n, sizeof(*o.v), cmp);
	for (size_t i = 0; i < o.n; i++)
		len += strlen(o.v[i]) + 1;
	s = calloc(1, len);
	for (size_t i = 0; i < o.n; i++) {
		strcat(s, o.v[i]);
		strcat(s, "\n");
		free(o.v[i]);
	}
	free(o.v);
	return s;
}

static void make_tree(void)
{
	char big[300001];

	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = (char)('a' + (i * 7919) % 26);
	big[sizeof(big) - 1] = '\0';
	put("a.txt", "hello\n", 0644);
	assert_int_equal(mkdir(at("dir"), 0750), 0);
	put("dir/b.bin", big, 0600);
	put("dir/with\nnewline", "nl\n", 0644);
	put("\xff\xfe.dat", "not utf-8\n", 0640);
	put("x751", "exec\n", 0751);
	assert_int_equal(mkdir(at("empty"), 0700), 0);
	assert_int_equal(symlink("a.txt", at("lnk")), 0);
	assert_int_equal(symlink("nowhere", at("dang")), 0);
	put("h1", "linked\n", 0644);
	assert_int_equal(link(at("h1"), at("dir/h2")), 0);
	assert_int_equal(mkfifo(at("fifo"), 0600), 0);
	assert_int_equal(mkdir(at("node_modules"), 0755), 0);
	put("node_modules/x.js", "x\n", 0644);
	/* user.* attributes where the filesystem has them. */
	(void)setxattr(at("a.txt"), "user.test", "v1", 2, 0);
}

static void open_store(struct nono_rb_store *st)
{
	assert_int_equal(nono_rb_store_open(st, store_dir), 0);
}

static void capture(struct nono_rb_store *st, struct nono_rb_scope *sc,
		    struct nono_rb_cache *cache, struct nono_rb_manifest *m,
		    struct nono_rb_stats *stats)
{
	char err[512];

	if (nono_rb_capture(st, tree, sc, NULL, cache, m, stats, NULL, err,
			    sizeof(err)) < 0)
		fail_msg("%s", err);
}

static void test_restore_exact(void **state)
{
	struct nono_rb_manifest m, m2;
	struct nono_rb_store st;
	struct nono_rb_scope sc;
	struct nono_rb_cache cache;
	struct nono_rb_stats stats;
	struct nono_rb_restore_stats rs;
	char *before, *after, err[512], p[PATH_MAX * 2];
	struct timespec old[2] = {{0, UTIME_OMIT}, {1000000000, 123456789}};

	(void)state;
	make_tree();
	nono_rb_scope_init(&sc);
	nono_rb_cache_init(&cache);
	open_store(&st);
	before = oracle(tree);
	capture(&st, &sc, &cache, &m, &stats);
	assert_true(stats.files >= 6);
	assert_int_equal(stats.skipped, 1); /* the FIFO */
	assert_true(stats.excluded >= 1);   /* node_modules */

	/* Every kind of change. */
	put("a.txt", "changed\n", 0644);
	assert_int_equal(chmod(at("dir/b.bin"), 0644), 0);
	assert_int_equal(unlink(at("dir/with\nnewline")), 0);
	put("new.txt", "new\n", 0600);
	assert_int_equal(mkdir(at("newdir"), 0755), 0);
	put("newdir/x", "x\n", 0644);
	assert_int_equal(unlink(at("lnk")), 0);
	put("lnk", "now a file\n", 0644);
	assert_int_equal(unlink(at("dang")), 0);
	assert_int_equal(symlink("elsewhere", at("dang")), 0);
	assert_int_equal(rmdir(at("empty")), 0);
	assert_int_equal(unlink(at("dir/h2")), 0);
	put("dir/h2", "linked\n", 0644); /* same content, its own inode */
	assert_int_equal(utimensat(AT_FDCWD, at("x751"), old, 0), 0);
	(void)setxattr(at("x751"), "user.test", "new", 3, 0);
	put("node_modules/y.js", "y\n", 0644);
	/* A directory swapped for a symlink that points outside. */
	assert_int_equal(rename(at("dir"), at("dir.moved")), 0);
	assert_int_equal(symlink(outside, at("dir")), 0);
	after = oracle(tree);
	assert_string_not_equal(before, after);
	free(after);

	if (nono_rb_restore(&st, &m, &sc, &cache, NULL, false, &rs, NULL, err,
			    sizeof(err)) < 0)
		fail_msg("%s", err);
	after = oracle(tree);
	assert_string_equal(before, after);
	free(after);
	/* Nothing was written through the symlink; the excluded directory
	 * keeps what the command put there. */
	snprintf(p, sizeof(p), "%s/b.bin", outside);
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(access(at("node_modules/y.js"), F_OK), 0);
	assert_int_equal(access(at("node_modules/x.js"), F_OK), 0);

	/* Again: nothing to do. */
	if (nono_rb_restore(&st, &m, &sc, &cache, NULL, false, &rs, NULL, err,
			    sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(rs.written, 0);
	assert_int_equal(rs.deleted, 0);
	assert_int_equal(rs.attrs, 0);

	/* A file changed less than 2 s before a capture is not cached (it
	 * could change again within its timestamps' granularity): once
	 * older, a capture caches it, and the next one of the unchanged
	 * tree reads nothing, stores nothing, and finds no change
	 * (node_modules, left out, did change). */
	capture(&st, &sc, &cache, &m2, &stats);
	assert_true(stats.cached < 6);
	nono_rb_manifest_free(&m2);
	sleep(3);
	capture(&st, &sc, &cache, &m2, &stats);
	nono_rb_manifest_free(&m2);
	capture(&st, &sc, &cache, &m2, &stats);
	assert_int_equal(stats.bytes_read, 0);
	assert_int_equal(stats.objects_added, 0);
	assert_true(stats.cached >= 6);
	assert_int_equal(nono_rb_diff(&m, &m2, NULL, NULL), 0);
	nono_rb_manifest_free(&m2);
	nono_rb_manifest_free(&m);
	nono_rb_cache_free(&cache);
	nono_rb_scope_free(&sc);
	nono_rb_store_close(&st);
	free(before);
}

/* Changes listed between two snapshots; a dry run changes nothing. */
static void test_diff_and_dry_run(void **state)
{
	struct nono_rb_manifest m0, m1;
	struct nono_rb_store st;
	struct nono_rb_scope sc;
	struct nono_rb_restore_stats rs;
	char *before, *after, err[512];

	(void)state;
	nono_rb_scope_init(&sc);
	open_store(&st);
	capture(&st, &sc, NULL, &m0, NULL);
	put("a.txt", "dry\n", 0644);
	assert_int_equal(chmod(at("x751"), 0700), 0);
	put("fresh", "f\n", 0644);
	capture(&st, &sc, NULL, &m1, NULL);
	/* a.txt modified, x751 mode, fresh created (and the root's mtime is
	 * not a change). */
	assert_int_equal(nono_rb_diff(&m0, &m1, NULL, NULL), 3);
	before = oracle(tree);
	if (nono_rb_restore(&st, &m0, &sc, NULL, NULL, true, &rs, NULL, err,
			    sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(rs.written, 1);
	assert_int_equal(rs.deleted, 1);
	assert_int_equal(rs.attrs, 1);
	after = oracle(tree);
	assert_string_equal(before, after);
	free(before);
	free(after);
	nono_rb_manifest_free(&m0);
	nono_rb_manifest_free(&m1);
	nono_rb_scope_free(&sc);
	nono_rb_store_close(&st);
}

struct seen {
	char path[64];
	enum nono_rb_change k;
	char to_type;
	char note[96];
} seen[64];
static size_t nseen;

static void record(void *arg, enum nono_rb_change k,
		   const struct nono_rb_entry *from,
		   const struct nono_rb_entry *to)
{
	const struct nono_rb_entry *e = to ? to : from;

	(void)arg;
	if (nseen == 64)
		return;
	snprintf(seen[nseen].path, sizeof(seen[0].path), "%s", e->path);
	seen[nseen].k = k;
	seen[nseen].to_type = to ? to->type : 0;
	nono_rb_change_note(from, to, seen[nseen].note, sizeof(seen[0].note));
	nseen++;
}

static const struct seen *change_at(const char *path)
{
	for (size_t i = 0; i < nseen; i++)
		if (strcmp(seen[i].path, path) == 0)
			return &seen[i];
	return NULL;
}

static void restore_to(struct nono_rb_store *st, struct nono_rb_manifest *m,
		       struct nono_rb_scope *sc,
		       struct nono_rb_restore_stats *rs)
{
	char err[512];

	if (nono_rb_restore(st, m, sc, NULL, NULL, false, rs, NULL, err,
			    sizeof(err)) < 0)
		fail_msg("%s", err);
}

/* What a command turns into something whose content cannot be captured
 * (a FIFO in a file's place, a directory it made unwritable) is a change
 * the review lists and a restore takes back.  Before, such entries were
 * left out like the scope's: hidden from the diff, untouched by restore. */
static void test_opaque_taken_back(void **state)
{
	struct nono_rb_manifest m0, m1;
	struct nono_rb_store st;
	struct nono_rb_scope sc;
	struct nono_rb_restore_stats rs;
	const struct seen *c;
	char *before, *after;

	(void)state;
	nono_rb_scope_init(&sc);
	open_store(&st);
	put("f.txt", "content\n", 0644);
	assert_int_equal(mkdir(at("d"), 0755), 0);
	put("d/in.txt", "in\n", 0644);
	assert_int_equal(mkfifo(at("pipe"), 0640), 0);
	capture(&st, &sc, NULL, &m0, NULL);
	assert_int_equal(nono_rb_manifest_find(&m0, "pipe")->type,
			 NONO_RB_OPAQUE);
	before = oracle(tree);

	/* The command. */
	assert_int_equal(unlink(at("f.txt")), 0);
	assert_int_equal(mkfifo(at("f.txt"), 0644), 0);
	assert_int_equal(unlink(at("pipe")), 0);
	assert_int_equal(unlink(at("d/in.txt")), 0);
	assert_int_equal(mkfifo(at("d/in.txt"), 0600), 0);
	assert_int_equal(mkdir(at("new"), 0755), 0);
	assert_int_equal(mkfifo(at("new/p"), 0600), 0);
	assert_int_equal(mkdir(at("new/sub"), 0755), 0);
	put("new/sub/x", "x\n", 0644);
	assert_int_equal(chmod(at("new/sub"), 0500), 0);
	assert_int_equal(chmod(at("new"), 0500), 0);

	{
		char err[512];

		if (nono_rb_capture(&st, tree, &sc, &m0, NULL, &m1, NULL, NULL,
				    err, sizeof(err)) < 0)
			fail_msg("%s", err);
	}
	nseen = 0;
	nono_rb_diff(&m0, &m1, record, NULL);
	c = change_at("f.txt");
	assert_non_null(c);
	assert_int_equal(c->k, NONO_RB_MODIFIED);
	assert_int_equal(c->to_type, NONO_RB_OPAQUE);
	assert_string_equal(c->note, " (now a FIFO, content not captured)");
	assert_non_null(c = change_at("d/in.txt"));
	assert_int_equal(c->k, NONO_RB_MODIFIED);
	assert_non_null(c = change_at("pipe"));
	assert_int_equal(c->k, NONO_RB_DELETED);
	assert_string_equal(c->note, " (was a FIFO)");
	assert_non_null(c = change_at("new/p"));
	assert_int_equal(c->k, NONO_RB_CREATED);
	assert_non_null(change_at("new/sub/x"));

	restore_to(&st, &m0, &sc, &rs);
	after = oracle(tree);
	assert_string_equal(before, after);
	free(after);
	/* Again: nothing left to do. */
	restore_to(&st, &m0, &sc, &rs);
	assert_int_equal(rs.written + rs.deleted + rs.attrs, 0);
	free(before);
	nono_rb_manifest_free(&m0);
	nono_rb_manifest_free(&m1);
	nono_rb_scope_free(&sc);
	nono_rb_store_close(&st);
}

/* A directory is left out for its size by the baseline alone: flooding
 * one the baseline captured hides nothing done in it. */
static void test_flood_hides_nothing(void **state)
{
	struct nono_rb_manifest m0, m1, m1b;
	struct nono_rb_store st;
	struct nono_rb_scope sc;
	struct nono_rb_restore_stats rs;
	char err[512], name[32], *before, *after;

	(void)state;
	nono_rb_scope_init(&sc);
	sc.max_files = 5;
	open_store(&st);
	assert_int_equal(mkdir(at("fl"), 0755), 0);
	assert_int_equal(mkdir(at("flbig"), 0755), 0);
	put("fl/a", "a\n", 0644);
	put("fl/b", "b\n", 0644);
	for (int i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "flbig/%d", i);
		put(name, "b\n", 0644);
	}
	capture(&st, &sc, NULL, &m0, NULL);
	assert_int_equal(nono_rb_manifest_find(&m0, "fl")->type, NONO_RB_DIR);
	assert_int_equal(nono_rb_manifest_find(&m0, "flbig")->type,
			 NONO_RB_SKIP);
	before = oracle(tree);

	put("fl/a", "changed\n", 0644);
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "fl/n%d", i);
		put(name, "n\n", 0644);
	}
	put("flbig/0", "changed\n", 0644);
	if (nono_rb_capture(&st, tree, &sc, &m0, NULL, &m1, NULL, NULL, err,
			    sizeof(err)) < 0)
		fail_msg("%s", err);
	/* d/a modified and ten created; big stays left out. */
	assert_int_equal(nono_rb_manifest_find(&m1, "fl")->type, NONO_RB_DIR);
	assert_int_equal(nono_rb_manifest_find(&m1, "flbig")->type,
			 NONO_RB_SKIP);
	assert_int_equal(nono_rb_diff(&m0, &m1, NULL, NULL), 11);
	/* The control: the count alone, as the baseline applies it, would
	 * have left d out and hidden all eleven (only the directory, left
	 * out on one side, is a change). */
	capture(&st, &sc, NULL, &m1b, NULL);
	assert_int_equal(nono_rb_manifest_find(&m1b, "fl")->type, NONO_RB_SKIP);
	assert_int_equal(nono_rb_diff(&m0, &m1b, NULL, NULL), 1);

	restore_to(&st, &m0, &sc, &rs);
	assert_int_equal(rs.deleted, 10);
	after = oracle(tree);
	/* big/0 was left out: it keeps its change, as the scope says. */
	assert_string_not_equal(before, after);
	put("flbig/0", "b\n", 0644);
	free(after);
	free(before);
	nono_rb_manifest_free(&m0);
	nono_rb_manifest_free(&m1);
	nono_rb_manifest_free(&m1b);
	nono_rb_scope_free(&sc);
	nono_rb_store_close(&st);
}

/* Nesting deeper than a path can name: the directory whose entries cannot
 * be named is one entry not captured, the capture goes on, and a restore
 * removes the whole chain (through descriptors).  Before, the capture
 * failed: a command could deny the review that way. */
static void test_too_deep(void **state)
{
	struct nono_rb_manifest m0, m1;
	struct nono_rb_store st;
	struct nono_rb_scope sc;
	struct nono_rb_restore_stats rs;
	char err[512], name[201], *before, *after;
	int fd, deep = 0;

	(void)state;
	nono_rb_scope_init(&sc);
	open_store(&st);
	put("keep", "k\n", 0644);
	capture(&st, &sc, NULL, &m0, NULL);
	before = oracle(tree);
	memset(name, 'a', 200);
	name[200] = '\0';
	fd = open(tree, O_RDONLY | O_DIRECTORY);
	for (int i = 0; i < 25; i++) {
		int nfd;

		assert_int_equal(mkdirat(fd, name, 0755), 0);
		nfd = openat(fd, name, O_RDONLY | O_DIRECTORY);
		assert_true(nfd >= 0);
		close(fd);
		fd = nfd;
	}
	close(fd);
	if (nono_rb_capture(&st, tree, &sc, &m0, NULL, &m1, NULL, NULL, err,
			    sizeof(err)) < 0)
		fail_msg("%s", err);
	for (size_t i = 0; i < m1.n; i++)
		if (m1.e[i].type == NONO_RB_OPAQUE &&
		    strcmp(m1.e[i].target, NONO_RB_WHY_DEEP) == 0)
			deep++;
	assert_int_equal(deep, 1);
	assert_true(nono_rb_diff(&m0, &m1, NULL, NULL) >= 1);
	restore_to(&st, &m0, &sc, &rs);
	after = oracle(tree);
	assert_string_equal(before, after);
	free(after);
	free(before);
	nono_rb_manifest_free(&m0);
	nono_rb_manifest_free(&m1);
	nono_rb_scope_free(&sc);
	nono_rb_store_close(&st);
}

/* A sparse file is stored and restored with its holes (a 64 MiB file
 * with 4 KiB of data is not written out whole); a file larger than the
 * store's ceiling is not read, listed as not captured, and a restore
 * removes it when the command made it. */
static void test_sparse_and_big(void **state)
{
	struct nono_rb_manifest m0, m1;
	struct nono_rb_store st;
	struct nono_rb_scope sc;
	struct nono_rb_restore_stats rs;
	const struct nono_rb_entry *e;
	struct stat sb;
	char err[512], got[5] = "";
	int fd, obj;

	(void)state;
	nono_rb_scope_init(&sc);
	open_store(&st);
	fd = open(at("sparse"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 64 << 20), 0);
	assert_int_equal(pwrite(fd, "data", 4, 32 << 20), 4);
	close(fd);
	capture(&st, &sc, NULL, &m0, NULL);
	assert_non_null(e = nono_rb_manifest_find(&m0, "sparse"));
	assert_int_equal(e->type, NONO_RB_FILE);
	obj = nono_rb_store_get(&st, e->hash);
	assert_true(obj >= 0);
	assert_int_equal(fstat(obj, &sb), 0);
	close(obj);
	assert_int_equal(sb.st_size, 64 << 20);
	assert_true(sb.st_blocks * 512 < (1 << 20));

	/* The command: the sparse file deleted, a big one made. */
	assert_int_equal(unlink(at("sparse")), 0);
	fd = open(at("huge"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 3 << 20), 0);
	close(fd);
	st.max_file = 2 << 20;
	if (nono_rb_capture(&st, tree, &sc, &m0, NULL, &m1, NULL, NULL, err,
			    sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_non_null(e = nono_rb_manifest_find(&m1, "huge"));
	assert_int_equal(e->type, NONO_RB_OPAQUE);
	assert_string_equal(e->target, NONO_RB_WHY_BIG);
	nseen = 0;
	nono_rb_diff(&m0, &m1, record, NULL);
	assert_non_null(change_at("huge"));
	assert_string_equal(change_at("huge")->note,
			    " (too big to keep, content not captured)");
	restore_to(&st, &m0, &sc, &rs);
	assert_int_equal(access(at("huge"), F_OK), -1);
	assert_int_equal(stat(at("sparse"), &sb), 0);
	assert_int_equal(sb.st_size, 64 << 20);
	assert_true(sb.st_blocks * 512 < (1 << 20));
	fd = open(at("sparse"), O_RDONLY);
	assert_int_equal(pread(fd, got, 4, 32 << 20), 4);
	close(fd);
	assert_string_equal(got, "data");
	assert_int_equal(unlink(at("sparse")), 0);
	nono_rb_manifest_free(&m0);
	nono_rb_manifest_free(&m1);
	nono_rb_scope_free(&sc);
	nono_rb_store_close(&st);
}

/* An object cut short (a power loss before the snapshot's sync, so
 * before its stat cache was saved) is not trusted: the next capture
 * writes it again.  An attribute value larger
 * than 4 KiB round-trips (it was dropped).  Many hard links stay one
 * group each. */
static void test_store_repair_xattr_links(void **state)
{
	struct nono_rb_manifest m0, m1;
	struct nono_rb_store st;
	struct nono_rb_scope sc;
	struct nono_rb_cache cache;
	struct nono_rb_restore_stats rs;
	const struct nono_rb_entry *e;
	char objpath[PATH_MAX * 2], hex[NONO_SHA256_HEX], big[8192], got[8192];
	char name[64], *before, *after;
	struct stat sb;
	bool xa;

	(void)state;
	nono_rb_scope_init(&sc);
	nono_rb_cache_init(&cache);
	open_store(&st);
	assert_int_equal(mkdir(at("links"), 0755), 0);
	put("links/src", "shared\n", 0644);
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "links/l%03d", i);
		assert_int_equal(link(at("links/src"), at(name)), 0);
	}
	put("repair.txt", "this object will be cut short\n", 0644);
	memset(big, 'v', sizeof(big));
	xa = setxattr(at("repair.txt"), "user.big", big, sizeof(big), 0) == 0;
	capture(&st, &sc, &cache, &m0, NULL);
	assert_non_null(e = nono_rb_manifest_find(&m0, "links/l299"));
	assert_int_equal(e->link,
			 nono_rb_manifest_find(&m0, "links/l000")->link);
	assert_non_null(e = nono_rb_manifest_find(&m0, "repair.txt"));
	if (xa)
		assert_non_null(e->xattrs);
	nono_hex(e->hash, NONO_SHA256_LEN, hex);
	snprintf(objpath, sizeof(objpath), "%s/objects/%.2s/%s", store_dir, hex,
		 hex + 2);
	assert_int_equal(chmod(objpath, 0600), 0);
	assert_int_equal(truncate(objpath, 0), 0);
	/* A power loss before the snapshot's sync: its stat cache was not
	 * saved (it is only after the sync), the object is there, short. */
	nono_rb_cache_free(&cache);
	nono_rb_cache_init(&cache);
	capture(&st, &sc, &cache, &m1, NULL);
	assert_int_equal(stat(objpath, &sb), 0);
	assert_int_equal(sb.st_size, strlen("this object will be cut short\n"));
	nono_rb_manifest_free(&m1);
	before = oracle(tree);
	put("repair.txt", "changed\n", 0644);
	if (xa)
		assert_int_equal(removexattr(at("repair.txt"), "user.big"), 0);
	assert_int_equal(unlink(at("links/l150")), 0);
	restore_to(&st, &m0, &sc, &rs);
	after = oracle(tree);
	assert_string_equal(before, after);
	if (xa) {
		assert_int_equal(
		    getxattr(at("repair.txt"), "user.big", got, sizeof(got)),
		    sizeof(big));
		assert_memory_equal(got, big, sizeof(big));
	}
	free(before);
	free(after);
	nono_rb_manifest_free(&m0);
	nono_rb_cache_free(&cache);
	nono_rb_scope_free(&sc);
	nono_rb_store_close(&st);
}

/* A later snapshot kept as a delta against the baseline makes the same
 * manifest again, byte for byte, with the same Merkle root; a delta that
 * is out of order, removes what the base lacks, or is for another tree is
 * refused. */
static void test_delta(void **state)
{
	struct nono_rb_manifest m0, m1, back;
	struct nono_rb_store st;
	struct nono_rb_scope sc;
	struct nono_ev d = {0}, t1 = {0}, t2 = {0};
	uint8_t r1[32], rd[32], rb[32];
	char err[512], why[160], *bad;
	size_t line;

	(void)state;
	nono_rb_scope_init(&sc);
	open_store(&st);
	put("delta-a", "a\n", 0644);
	put("delta-b", "b\n", 0644);
	assert_int_equal(link(at("delta-a"), at("delta-hl")), 0);
	capture(&st, &sc, NULL, &m0, NULL);
	put("delta-b", "changed\n", 0644);
	put("delta-0new", "n\n", 0644); /* shifts every later index */
	assert_int_equal(unlink(at("delta-a")), 0);
	if (nono_rb_capture(&st, tree, &sc, &m0, NULL, &m1, NULL, NULL, err,
			    sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(nono_rb_manifest_delta(&m0, &m1, &d, rd), 0);
	assert_int_equal(nono_rb_manifest_text(&m1, &t1, r1), 0);
	assert_memory_equal(r1, rd, 32);
	assert_true(d.len < t1.len);
	{
		/* With the baseline's leaves kept from its text: the same
		 * delta and root; a manifest changed after its text keeps
		 * none (an entry added, or the leaves made for fewer). */
		struct nono_ev t0 = {0}, d2 = {0};
		uint8_t r2[32];

		assert_int_equal(nono_rb_manifest_keep_leaves(&m0), 0);
		assert_int_equal(nono_rb_manifest_text(&m0, &t0, NULL), 0);
		assert_int_equal(m0.leaves->n, m0.n);
		assert_int_equal(nono_rb_manifest_delta(&m0, &m1, &d2, r2), 0);
		assert_memory_equal(r2, rd, 32);
		assert_int_equal(d2.len, d.len);
		assert_memory_equal(d2.buf, d.buf, d.len);
		/* Leaves that are not the lines' would make another root:
		 * a manifest sorted again is not trusted with them. */
		memset(m0.leaves->h[1], 0xee, 32);
		assert_int_equal(nono_rb_manifest_sort(&m0), 0);
		assert_true(m0.leaves->n != m0.n);
		d2.len = 0;
		assert_int_equal(nono_rb_manifest_delta(&m0, &m1, &d2, r2), 0);
		assert_memory_equal(r2, rd, 32);
		nono_ev_free(&t0);
		nono_ev_free(&d2);
	}
	assert_int_equal(nono_rb_manifest_apply(&m0, d.buf, d.len, &back, rb,
						&line, why, sizeof(why)),
			 0);
	assert_memory_equal(rb, r1, 32);
	assert_int_equal(nono_rb_manifest_text(&back, &t2, NULL), 0);
	assert_string_equal(t1.buf, t2.buf);
	nono_rb_manifest_free(&back);
	/* Refused: another tree, a path removed twice (out of order), a
	 * path the base lacks. */
	bad = strdup(d.buf);
	memcpy(strchr(bad, '/'), "/X", 2);
	assert_int_not_equal(nono_rb_manifest_apply(&m0, bad, strlen(bad),
						    &back, rb, &line, why,
						    sizeof(why)),
			     0);
	free(bad);
	{
		const char *hdr_end = strchr(d.buf, '\n') + 1;
		char txt[8192];

		snprintf(txt, sizeof(txt), "%.*s- zz\n- zz\n",
			 (int)(hdr_end - d.buf), d.buf);
		assert_int_not_equal(
		    nono_rb_manifest_apply(&m0, txt, strlen(txt), &back, rb,
					   &line, why, sizeof(why)),
		    0);
		snprintf(txt, sizeof(txt), "%.*s- not-in-base\n",
			 (int)(hdr_end - d.buf), d.buf);
		assert_int_not_equal(
		    nono_rb_manifest_apply(&m0, txt, strlen(txt), &back, rb,
					   &line, why, sizeof(why)),
		    0);
		assert_non_null(strstr(why, "lacks"));
	}
	nono_ev_free(&d);
	nono_ev_free(&t1);
	nono_ev_free(&t2);
	nono_rb_manifest_free(&m0);
	nono_rb_manifest_free(&m1);
	nono_rb_scope_free(&sc);
	nono_rb_store_close(&st);
}

/* Names that sort before "." by bytes ("-x", "#a#", " sp"): the manifest
 * still starts with the root and reads back (it did not: every session of
 * a tree with an emacs autosave file at its top was unreadable). */
static void test_names_before_dot(void **state)
{
	struct nono_rb_manifest m0, back;
	struct nono_rb_store st;
	struct nono_rb_scope sc;
	struct nono_rb_restore_stats rs;
	struct nono_ev t = {0};
	uint8_t r[32];
	char why[160], *before, *after;
	size_t line;

	(void)state;
	nono_rb_scope_init(&sc);
	open_store(&st);
	put("#a#", "autosave\n", 0644);
	put("-x", "dash\n", 0644);
	put(" sp", "space\n", 0644);
	put("new", "n\n", 0644);
	assert_int_equal(mkdir(at("new-dir"), 0755), 0);
	capture(&st, &sc, NULL, &m0, NULL);
	assert_string_equal(m0.e[0].path, ".");
	assert_int_equal(nono_rb_manifest_text(&m0, &t, NULL), 0);
	if (nono_rb_manifest_parse(t.buf, t.len, &back, r, &line, why,
				   sizeof(why)) != 0)
		fail_msg("line %zu: %s", line, why);
	nono_rb_manifest_free(&back);
	nono_ev_free(&t);
	before = oracle(tree);
	put("-x", "changed\n", 0644);
	assert_int_equal(unlink(at("#a#")), 0);
	restore_to(&st, &m0, &sc, &rs);
	after = oracle(tree);
	assert_string_equal(before, after);
	free(before);
	free(after);
	nono_rb_manifest_free(&m0);
	nono_rb_scope_free(&sc);
	nono_rb_store_close(&st);
}

/* POSIX ACLs are kept like user.* attributes: one the command adds is a
 * change and a restore takes it off; one the tree had comes back. */
static void test_acl(void **state)
{
	/* version 2; USER_OBJ rw, USER 1234 r, GROUP_OBJ r, MASK r, OTHER - */
	static const uint8_t acl[] = {
	    2,    0,    0,    0,    1,    0,    6,    0,    0xff, 0xff, 0xff,
	    0xff, 2,    0,    4,    0,    0xd2, 4,    0,    0,    4,    0,
	    4,    0,    0xff, 0xff, 0xff, 0xff, 0x10, 0,    4,    0,    0xff,
	    0xff, 0xff, 0xff, 0x20, 0,    0,    0,    0xff, 0xff, 0xff, 0xff};
	struct nono_rb_manifest m0, m1;
	struct nono_rb_store st;
	struct nono_rb_scope sc;
	struct nono_rb_restore_stats rs;
	uint8_t got[256];
	char err[512];

	(void)state;
	put("acl-new", "n\n", 0640);
	put("acl-kept", "k\n", 0640);
	if (setxattr(at("acl-kept"), "system.posix_acl_access", acl,
		     sizeof(acl), 0) < 0)
		skip(); /* no ACLs on this filesystem */
	nono_rb_scope_init(&sc);
	open_store(&st);
	capture(&st, &sc, NULL, &m0, NULL);
	assert_int_equal(setxattr(at("acl-new"), "system.posix_acl_access", acl,
				  sizeof(acl), 0),
			 0);
	assert_int_equal(removexattr(at("acl-kept"), "system.posix_acl_access"),
			 0);
	if (nono_rb_capture(&st, tree, &sc, &m0, NULL, &m1, NULL, NULL, err,
			    sizeof(err)) < 0)
		fail_msg("%s", err);
	nseen = 0;
	nono_rb_diff(&m0, &m1, record, NULL);
	assert_non_null(change_at("acl-new"));
	assert_int_equal(change_at("acl-new")->k, NONO_RB_ATTRS);
	assert_non_null(change_at("acl-kept"));
	restore_to(&st, &m0, &sc, &rs);
	assert_int_equal(getxattr(at("acl-new"), "system.posix_acl_access", got,
				  sizeof(got)),
			 -1);
	assert_int_equal(getxattr(at("acl-kept"), "system.posix_acl_access",
				  got, sizeof(got)),
			 (ssize_t)sizeof(acl));
	assert_memory_equal(got, acl, sizeof(acl));
	assert_int_equal(unlink(at("acl-new")), 0);
	assert_int_equal(unlink(at("acl-kept")), 0);
	nono_rb_manifest_free(&m0);
	nono_rb_manifest_free(&m1);
	nono_rb_scope_free(&sc);
	nono_rb_store_close(&st);
}

static void test_manifest_text(void **state)
{
	static const char *const bad[] = {
	    "nono-rollback-manifest 2 /t\nd 0755 0 0 - - . - -\n",
	    "nono-rollback-manifest 1 t\nd 0755 0 0 - - . - -\n",
	    "nono-rollback-manifest 1 /t\nf 0644 1 0 - - . - -\n",
	    "nono-rollback-manifest 1 /t\nd 0755 0 0 - - . - -\nf 0644 1 0 "
	    "zz - a - -\n",
	    "nono-rollback-manifest 1 /t\nd 0755 0 0 - - . - -\nd 0755 0 0 - "
	    "- a/../b - -\n",
	    "nono-rollback-manifest 1 /t\nd 0755 0 0 - - . - -\nl 0777 0 0 - "
	    "- b - -\n",
	    "nono-rollback-manifest 1 /t\nd 0755 0 0 - - . - -\nd 0755 0 0 - "
	    "- b - -\nd 0755 0 0 - - a - -\n",
	    "nono-rollback-manifest 1 /t\nd 0755 0 0 - - . - -\nd 0755 0 0 - "
	    "- a%2f - -\n",
	    "nono-rollback-manifest 1 /t\nd 0755 0 0 - - . - -\nd 0755 0 0 - "
	    "- a - -",
	    "nono-rollback-manifest 1 /t\nd 0755 0 0 - - . - -\nd 0755 0 0 - "
	    "- a - zz=1\n",
	    "nono-rollback-manifest 1 /t\nd 0755 0 0 - - . - -\nu 0644 0 0 - "
	    "- a - -\n",
	    "nono-rollback-manifest 1 /t\nd 0755 0 0 - - . - -\nu 0644 0 0 - "
	    "- a bogus -\n",
	    "nono-rollback-manifest 1 /t\nd 0755 0 0 - - . - -\nf 0644 0 0 "
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	    " - a fifo -\n",
	    /* Version 2: a gid, one spelling, chown's -1 not one; nor a
	     * version-2 line in version 1, nor version 3. */
	    "nono-rollback-manifest 2 /t\nd 0755 01 0 0 - - . - -\n",
	    "nono-rollback-manifest 2 /t\nd 0755 4294967295 0 0 - - . - -\n",
	    "nono-rollback-manifest 2 /t\nd 0755 -1 0 0 - - . - -\n",
	    "nono-rollback-manifest 2 /t\nd 0755 +1 0 0 - - . - -\n",
	    "nono-rollback-manifest 1 /t\nd 0755 0 0 0 - - . - -\n",
	    "nono-rollback-manifest 3 /t\nd 0755 0 0 0 - - . - -\n",
	    "nono-rollback-manifest 02 /t\nd 0755 0 0 0 - - . - -\n",
	};
	struct nono_rb_manifest m, m2;
	struct nono_rb_entry e = {0};
	struct nono_ev t = {0}, t2 = {0};
	uint8_t r1[32], r2[32];
	size_t line;
	char why[128];

	(void)state;
	nono_rb_manifest_init(&m);
	m.root = strdup("/t mp/\nx");
	e.type = NONO_RB_DIR;
	e.mode = 0755;
	e.link = -1;
	e.path = ".";
	assert_int_equal(nono_rb_manifest_add(&m, &e), 0);
	e.type = NONO_RB_FILE;
	e.path = "a b\n\xff%";
	e.size = 3;
	e.mtime_ns = -5;
	e.xattrs = "757365722e74=7631";
	e.link = 7;
	memset(e.hash, 0xab, sizeof(e.hash));
	assert_int_equal(nono_rb_manifest_add(&m, &e), 0);
	e.path = "z";
	e.xattrs = NULL;
	assert_int_equal(nono_rb_manifest_add(&m, &e), 0);
	e.type = NONO_RB_LINK;
	e.path = "l";
	e.link = -1;
	e.target = "../\x01 t";
	assert_int_equal(nono_rb_manifest_add(&m, &e), 0);
	e.type = NONO_RB_OPAQUE;
	e.path = "p";
	e.target = NONO_RB_WHY_FIFO;
	assert_int_equal(nono_rb_manifest_add(&m, &e), 0);
	assert_int_equal(nono_rb_manifest_sort(&m), 0);
	assert_int_equal(nono_rb_manifest_text(&m, &t, r1), 0);
	assert_int_equal(nono_rb_manifest_parse(t.buf, t.len, &m2, r2, &line,
						why, sizeof(why)),
			 0);
	assert_int_equal(nono_rb_manifest_text(&m2, &t2, NULL), 0);
	assert_string_equal(t.buf, t2.buf);
	assert_memory_equal(r1, r2, 32);
	assert_string_equal(m2.root, "/t mp/\nx");
	assert_non_null(nono_rb_manifest_find(&m2, "a b\n\xff%"));
	assert_string_equal(nono_rb_manifest_find(&m2, "l")->target,
			    "../\x01 t");
	assert_string_equal(nono_rb_manifest_find(&m2, "p")->target, "fifo");
	/* The two hard links: one group, named by the first in order. */
	assert_int_equal(nono_rb_manifest_find(&m2, "a b\n\xff%")->link, 1);
	assert_int_equal(nono_rb_manifest_find(&m2, "z")->link, 1);
	nono_ev_free(&t);
	nono_ev_free(&t2);
	nono_rb_manifest_free(&m);
	nono_rb_manifest_free(&m2);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (nono_rb_manifest_parse(bad[i], strlen(bad[i]), &m, NULL,
					   &line, why, sizeof(why)) == 0)
			fail_msg("accepted bad manifest %zu", i);
		assert_true(line >= 1);
	}
}

#define H0 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Delta @d applied to @b into @out: 0 or -EINVAL (why in @why). */
static int apply_d(const struct nono_rb_manifest *b, const char *d,
		   struct nono_rb_manifest *out, char why[160])
{
	size_t line;

	return nono_rb_manifest_apply(b, d, strlen(d), out, NULL, &line, why,
				      160);
}

/* @text parsed (it must) into @m, and written back byte for byte. */
static void parse_back(const char *text, size_t len, struct nono_rb_manifest *m)
{
	struct nono_ev t = {0};
	size_t line;
	char why[160];

	if (nono_rb_manifest_parse(text, len, m, NULL, &line, why,
				   sizeof(why)) != 0)
		fail_msg("line %zu: %s", line, why);
	assert_int_equal(nono_rb_manifest_text(m, &t, NULL), 0);
	assert_int_equal(t.len, len);
	assert_memory_equal(t.buf, text, len);
	nono_ev_free(&t);
}

/* Version 1 (on users' disks) still reads and writes back byte for byte,
 * its group owners unknown; version 2 round-trips its own; a delta
 * applies to a baseline of its version only. */
static void test_manifest_versions(void **state)
{
	static const char v1[] = "nono-rollback-manifest 1 /t\n"
				 "d 0755 0 0 - - . - -\n"
				 "f 0644 2 5 " H0 " - a - -\n"
				 "u 0644 0 1 - - p fifo -\n";
	static const char v2[] = "nono-rollback-manifest 2 /t\n"
				 "d 0755 4294967294 0 0 - - . - -\n"
				 "f 0644 27 2 5 " H0 " - a - -\n"
				 "u 0644 - 0 1 - - p unreadable -\n";
	static const char d1[] = "nono-rollback-delta 1 /t\n"
				 "f 0600 2 5 " H0 " - a - -\n";
	static const char d2[] = "nono-rollback-delta 2 /t\n"
				 "f 0644 1000 2 5 " H0 " - a - -\n";
	struct nono_rb_manifest m1, m2, out;
	struct nono_ev t = {0};
	char why[160];

	(void)state;
	parse_back(v1, strlen(v1), &m1);
	assert_int_equal(m1.version, 1);
	assert_int_equal(nono_rb_manifest_find(&m1, "a")->gid, -1);
	parse_back(v2, strlen(v2), &m2);
	assert_int_equal(m2.version, 2);
	assert_int_equal(m2.e[0].gid, 4294967294LL);
	assert_int_equal(nono_rb_manifest_find(&m2, "a")->gid, 27);
	assert_int_equal(nono_rb_manifest_find(&m2, "p")->gid, -1);
	/* Each delta on its own version's baseline; refused on the other. */
	assert_int_equal(apply_d(&m1, d1, &out, why), 0);
	assert_int_equal(nono_rb_manifest_find(&out, "a")->mode, 0600);
	nono_rb_manifest_free(&out);
	assert_int_equal(apply_d(&m2, d2, &out, why), 0);
	assert_int_equal(nono_rb_manifest_find(&out, "a")->gid, 1000);
	nono_rb_manifest_free(&out);
	assert_int_equal(apply_d(&m1, d2, &out, why), -EINVAL);
	assert_string_equal(why, "a version-2 delta does not apply to a "
				 "version-1 baseline");
	assert_int_equal(apply_d(&m2, d1, &out, why), -EINVAL);
	assert_non_null(strstr(why, "version-1 delta"));
	assert_int_equal(nono_rb_manifest_delta(&m1, &m2, &t, NULL), -EINVAL);
	nono_ev_free(&t);
	nono_rb_manifest_free(&m1);
	nono_rb_manifest_free(&m2);
}

/* A chgrp to another group (no privilege needed) of a file (setgid, which
 * a chown drops), a directory and a symlink (itself): a change with its
 * note, kept by a delta, taken back by a restore; a version-1 snapshot
 * knows no group and never chgrps.  Before, neither saw it. */
static void test_group_owner(void **state)
{
	static const char *const p[] = {"g.txt", "gdir", "glnk"};
	struct nono_rb_manifest m0, m1, v1, back;
	struct nono_rb_store st;
	struct nono_rb_scope sc;
	struct nono_rb_restore_stats rs;
	struct nono_ev t = {0};
	struct stat sb;
	char note[64], why[160], err[512];
	gid_t v[256], g0 = getegid(), g1 = g0 == 4242 ? 4243 : 4242;
	int n = getgroups(256, v);
	bool two = geteuid() == 0;

	(void)state;
	/* Root may give any group; a user, another of its own. */
	for (int i = 0; !two && i < n; i++) {
		two = v[i] != g0;
		g1 = two ? v[i] : g1;
	}
	if (!two)
		skip(); /* one group: nothing to chgrp to */
	nono_rb_scope_init(&sc);
	open_store(&st);
	put("g.txt", "g\n", 02754);
	assert_int_equal(mkdir(at("gdir"), 0750), 0);
	assert_int_equal(symlink("g.txt", at("glnk")), 0);
	capture(&st, &sc, NULL, &m0, NULL);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(nono_rb_manifest_find(&m0, p[i])->gid, g0);
		assert_int_equal(lchown(at(p[i]), (uid_t)-1, g1), 0);
	}
	assert_int_equal(chmod(at("g.txt"), 02754), 0); /* chown dropped it */
	if (nono_rb_capture(&st, tree, &sc, &m0, NULL, &m1, NULL, NULL, err,
			    sizeof(err)) < 0)
		fail_msg("%s", err);
	nseen = 0;
	assert_int_equal(nono_rb_diff(&m0, &m1, record, NULL), 3);
	snprintf(note, sizeof(note), " (group %u -> %u)", g0, g1);
	for (size_t i = 0; i < 3; i++) {
		assert_non_null(change_at(p[i]));
		assert_int_equal(change_at(p[i])->k, NONO_RB_ATTRS);
		assert_string_equal(change_at(p[i])->note, note);
	}
	assert_int_equal(nono_rb_manifest_delta(&m0, &m1, &t, NULL), 0);
	assert_int_equal(apply_d(&m0, t.buf, &back, why), 0);
	assert_int_equal(nono_rb_manifest_find(&back, "glnk")->gid, g1);
	nono_rb_manifest_free(&back);
	nono_ev_free(&t);
	/* The baseline as version 1 wrote it: no group, nothing to do. */
	m0.version = 1;
	assert_int_equal(nono_rb_manifest_text(&m0, &t, NULL), 0);
	m0.version = NONO_RB_VERSION;
	parse_back(t.buf, t.len, &v1);
	nono_ev_free(&t);
	assert_int_equal(nono_rb_diff(&v1, &m1, NULL, NULL), 0);
	restore_to(&st, &v1, &sc, &rs);
	assert_int_equal(rs.attrs, 0);
	assert_int_equal(stat(at("g.txt"), &sb), 0);
	assert_int_equal(sb.st_gid, g1);
	/* Version 2: each group back, the setgid bit too; then nothing. */
	restore_to(&st, &m0, &sc, &rs);
	assert_int_equal(rs.attrs, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(lstat(at(p[i]), &sb), 0);
		assert_int_equal(sb.st_gid, g0);
	}
	assert_int_equal(stat(at("g.txt"), &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 02754);
	restore_to(&st, &m0, &sc, &rs);
	assert_int_equal(rs.attrs + rs.groups_refused, 0);
	assert_int_equal(unlink(at("g.txt")) | unlink(at("glnk")), 0);
	assert_int_equal(rmdir(at("gdir")), 0);
	nono_rb_manifest_free(&m0);
	nono_rb_manifest_free(&m1);
	nono_rb_manifest_free(&v1);
	nono_rb_scope_free(&sc);
	nono_rb_store_close(&st);
}

static ino_t ino_of(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_ino;
}

static void see(struct nono_rb_cache *c, uint64_t ino)
{
	struct nono_rb_cache_ent *e = nono_rb_cache_find(c, 7, ino);

	assert_non_null(e);
	e->seen = c->gen;
}

/* The stat cache is kept in memory from the baseline to the last
 * snapshot and written only when the file would differ: never skipped
 * when an entry was put, or when the file lacks one the memory holds
 * (left out by an earlier save because no capture saw it then). */
static void test_statcache_save(void **state)
{
	struct nono_rb_cache c, d;
	struct nono_rb_cache_ent v = {0};
	char path[PATH_MAX + 32];
	ino_t i0, i1;

	(void)state;
	snprintf(path, sizeof(path), "%s/statcache", base);
	nono_rb_cache_init(&c);
	v.dev = 7;
	for (uint64_t ino = 1; ino <= 2; ino++) {
		v.ino = ino;
		v.size = ino * 10;
		v.seen = c.gen;
		assert_int_equal(nono_rb_cache_put(&c, &v), 0);
	}
	assert_int_equal(nono_rb_cache_save(&c, path), 0);
	i0 = ino_of(path);
	/* Loaded, every entry seen, nothing put: not written again. */
	assert_int_equal(nono_rb_cache_load(&d, path), 0);
	assert_int_equal(d.n, 2);
	see(&d, 1);
	see(&d, 2);
	assert_int_equal(nono_rb_cache_save(&d, path), 0);
	assert_int_equal(ino_of(path), i0);
	/* A capture that saw one: written, with that one. */
	nono_rb_cache_unsee(&d);
	see(&d, 1);
	assert_int_equal(nono_rb_cache_save(&d, path), 0);
	i1 = ino_of(path);
	assert_true(i1 != i0);
	nono_rb_cache_free(&c);
	assert_int_equal(nono_rb_cache_load(&c, path), 0);
	assert_int_equal(c.n, 1);
	/* The next capture sees both again (the memory kept the second):
	 * the file lacks it, so it is written. */
	nono_rb_cache_unsee(&d);
	see(&d, 1);
	see(&d, 2);
	assert_int_equal(nono_rb_cache_save(&d, path), 0);
	assert_true(ino_of(path) != i1);
	nono_rb_cache_free(&c);
	assert_int_equal(nono_rb_cache_load(&c, path), 0);
	assert_int_equal(c.n, 2);
	/* A put is written whatever was seen. */
	i1 = ino_of(path);
	v.ino = 3;
	v.seen = d.gen;
	assert_int_equal(nono_rb_cache_put(&d, &v), 0);
	assert_int_equal(nono_rb_cache_save(&d, path), 0);
	assert_true(ino_of(path) != i1);
	/* A file that is not a cache is written again by the next save. */
	assert_int_equal(truncate(path, 5), 0);
	nono_rb_cache_free(&c);
	assert_int_equal(nono_rb_cache_load(&c, path), 0);
	assert_int_equal(c.n, 0);
	i1 = ino_of(path);
	assert_int_equal(nono_rb_cache_save(&c, path), 0);
	assert_true(ino_of(path) != i1);
	nono_rb_cache_free(&c);
	nono_rb_cache_free(&d);
	assert_int_equal(unlink(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_restore_exact),
	    cmocka_unit_test(test_diff_and_dry_run),
	    cmocka_unit_test(test_manifest_text),
	    cmocka_unit_test(test_opaque_taken_back),
	    cmocka_unit_test(test_flood_hides_nothing),
	    cmocka_unit_test(test_too_deep),
	    cmocka_unit_test(test_sparse_and_big),
	    cmocka_unit_test(test_store_repair_xattr_links),
	    cmocka_unit_test(test_delta),
	    cmocka_unit_test(test_names_before_dot),
	    cmocka_unit_test(test_acl),
	    cmocka_unit_test(test_manifest_versions),
	    cmocka_unit_test(test_group_owner),
	    cmocka_unit_test(test_statcache_save),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
