// SPDX-License-Identifier: Apache-2.0
/*
 * The rollback object store's delta objects: a new version of a small
 * file stored against its earlier version comes back byte for byte
 * (appends, prepends, edits in the middle, truncation), is kept whole when
 * a delta would not save a block, is never made against a delta, and a
 * delta whose base is gone or whose header lies is refused, never
 * rebuilt wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include "rollback/objects.h"

static char base[PATH_MAX], store_dir[PATH_MAX + 16], file[PATH_MAX + 16];
static struct nono_rb_store st;
static uint8_t *buf;

static int setup(void **state)
{
	char tmp[] = "/tmp/nono-test-rbstore-XXXXXX";

	(void)state;
	if (!mkdtemp(tmp))
		return -1;
	snprintf(base, sizeof(base), "%s", tmp);
	snprintf(store_dir, sizeof(store_dir), "%s/store", base);
	snprintf(file, sizeof(file), "%s/file", base);
	buf = malloc(NONO_RB_CHUNK);
	if (!buf || mkdir(store_dir, 0700) < 0)
		return -1;
	return nono_rb_store_open(&st, store_dir);
}

static int teardown(void **state)
{
	(void)state;
	nono_rb_store_close(&st);
	free(buf);
	return test_rm_tree(base);
}

/* Random-looking bytes (a fixed generator: nothing random gates CI). */
static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

/* Stores @n bytes of @p as the file's content; its hash in @h. */
static int store(const uint8_t *p, size_t n, const uint8_t *prev,
		 uint8_t h[NONO_SHA256_LEN], bool *added)
{
	struct stat sb;
	int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600), r;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	assert_int_equal(fstat(fd, &sb), 0);
	r = nono_rb_store_put(&st, fd, &sb, buf, prev, h, added);
	close(fd);
	return r;
}

/* What the store gives back for @h equals @p (@n bytes). */
static void same_back(const uint8_t h[NONO_SHA256_LEN], const uint8_t *p,
		      size_t n)
{
	uint8_t *got = malloc(n + 1);
	int fd = nono_rb_store_get(&st, h);
	ssize_t k;

	assert_non_null(got);
	assert_true(fd >= 0);
	k = pread(fd, got, n + 1, 0);
	assert_int_equal(k, (ssize_t)n);
	assert_memory_equal(got, p, n);
	close(fd);
	free(got);
	assert_int_equal(nono_rb_store_check(&st, h), 0);
}

static bool is_delta(const uint8_t h[NONO_SHA256_LEN])
{
	struct nono_rb_delta d;

	return nono_rb_store_delta_base(&st, h, &d) == 0;
}

static void test_versions(void **state)
{
	enum { N = 20000 };
	static uint8_t v0[N], v1[N + 100];
	uint8_t h0[NONO_SHA256_LEN], h1[NONO_SHA256_LEN];
	struct nono_rb_delta d;
	bool added;

	(void)state;
	fill(v0, N, 1);
	assert_int_equal(store(v0, N, NULL, h0, &added), 0);
	assert_true(added);
	assert_false(is_delta(h0));

	/* An append. */
	memcpy(v1, v0, N);
	memcpy(v1 + N, "appended\n", 9);
	assert_int_equal(store(v1, N + 9, h0, h1, &added), 0);
	assert_true(added);
	assert_int_equal(nono_rb_store_delta_base(&st, h1, &d), 0);
	assert_memory_equal(d.base, h0, NONO_SHA256_LEN);
	assert_int_equal(d.prefix, N);
	assert_int_equal(d.literal, 9);
	same_back(h1, v1, N + 9);
	/* Stored again: nothing added. */
	assert_int_equal(store(v1, N + 9, h0, h1, &added), 0);
	assert_false(added);

	/* A prepend, an edit in the middle, a cut: each against v0. */
	memcpy(v1, "head", 4);
	memcpy(v1 + 4, v0, N);
	assert_int_equal(store(v1, N + 4, h0, h1, &added), 0);
	assert_true(is_delta(h1));
	same_back(h1, v1, N + 4);

	memcpy(v1, v0, N);
	memcpy(v1 + 9000, "edited in the middle", 20);
	assert_int_equal(store(v1, N, h0, h1, &added), 0);
	assert_true(is_delta(h1));
	assert_int_equal(nono_rb_store_delta_base(&st, h1, &d), 0);
	assert_int_equal(d.literal, 20);
	same_back(h1, v1, N);

	assert_int_equal(store(v0, N - 5000, h0, h1, &added), 0);
	assert_true(is_delta(h1));
	same_back(h1, v0, N - 5000);
}

/* A version of a version: against the first (a delta's base is never a
 * delta), and what it makes is the second's content. */
static void test_chain(void **state)
{
	enum { N = 9000 };
	static uint8_t v0[N], v1[N + 20], v2[N + 40];
	uint8_t h0[NONO_SHA256_LEN], h1[NONO_SHA256_LEN], h2[NONO_SHA256_LEN];
	struct nono_rb_delta d;
	bool added;

	(void)state;
	fill(v0, N, 2);
	assert_int_equal(store(v0, N, NULL, h0, &added), 0);
	memcpy(v1, v0, N);
	memcpy(v1 + N, "session 1\n", 10);
	assert_int_equal(store(v1, N + 10, h0, h1, &added), 0);
	assert_true(is_delta(h1));
	memcpy(v2, v1, N + 10);
	memcpy(v2 + N + 10, "session 2\n", 10);
	assert_int_equal(store(v2, N + 20, h1, h2, &added), 0);
	assert_int_equal(nono_rb_store_delta_base(&st, h2, &d), 0);
	assert_memory_equal(d.base, h0, NONO_SHA256_LEN);
	assert_int_equal(d.literal, 20);
	same_back(h2, v2, N + 20);
	same_back(h1, v1, N + 10);
}

/* Whole when a delta saves no block (a small file, a rewrite), when the
 * earlier version is not stored, and when the file is past a chunk. */
static void test_whole(void **state)
{
	enum { N = 12000 };
	static uint8_t v0[N], v1[N], big[NONO_RB_CHUNK + 10];
	uint8_t h0[NONO_SHA256_LEN], h1[NONO_SHA256_LEN],
	    nothere[NONO_SHA256_LEN];
	bool added;

	(void)state;
	fill(v0, N, 3);
	fill(v1, N, 4);
	assert_int_equal(store(v0, N, NULL, h0, &added), 0);
	assert_int_equal(store(v1, N, h0, h1, &added), 0);
	assert_true(added);
	assert_false(is_delta(h1));
	same_back(h1, v1, N);

	assert_int_equal(store(v0, 3000, h0, h1, &added), 0);
	assert_false(is_delta(h1));
	same_back(h1, v0, 3000);

	memset(nothere, 0xab, sizeof(nothere));
	memcpy(v1, v0, N);
	v1[5] ^= 1;
	assert_int_equal(store(v1, N, nothere, h1, &added), 0);
	assert_false(is_delta(h1));
	same_back(h1, v1, N);

	fill(big, sizeof(big), 5);
	assert_int_equal(store(big, sizeof(big) - 10, NULL, h0, &added), 0);
	assert_int_equal(store(big, sizeof(big), h0, h1, &added), 0);
	assert_false(is_delta(h1));
	same_back(h1, big, sizeof(big));
}

/* The content of a delta stored again without its earlier version known
 * (a racily changed file at a baseline) is not stored a second time. */
static void test_not_twice(void **state)
{
	enum { N = 10000 };
	static uint8_t v0[N], v1[N + 6];
	uint8_t h0[NONO_SHA256_LEN], h1[NONO_SHA256_LEN], h2[NONO_SHA256_LEN];
	char hex[NONO_SHA256_HEX], path[PATH_MAX * 2];
	bool added;

	(void)state;
	fill(v0, N, 6);
	memcpy(v1, v0, N);
	memcpy(v1 + N, "again\n", 6);
	assert_int_equal(store(v0, N, NULL, h0, &added), 0);
	assert_int_equal(store(v1, N + 6, h0, h1, &added), 0);
	assert_true(is_delta(h1));
	assert_int_equal(store(v1, N + 6, NULL, h2, &added), 0);
	assert_memory_equal(h1, h2, NONO_SHA256_LEN);
	assert_false(added);
	nono_hex(h1, NONO_SHA256_LEN, hex);
	snprintf(path, sizeof(path), "%s/objects/%.2s/%s", store_dir, hex,
		 hex + 2);
	assert_int_equal(access(path, F_OK), -1);
	/* Control: a store opened again knows it has deltas. */
	nono_rb_store_close(&st);
	assert_int_equal(nono_rb_store_open(&st, store_dir), 0);
	assert_int_equal(store(v1, N + 6, NULL, h2, &added), 0);
	assert_false(added);
	assert_int_equal(access(path, F_OK), -1);
}

/* A delta whose base is gone, or whose header does not add up: refused
 * (-EBADMSG), never a wrong content. */
static void test_broken(void **state)
{
	enum { N = 10000 };
	static uint8_t v0[N], v1[N + 6];
	uint8_t h0[NONO_SHA256_LEN], h1[NONO_SHA256_LEN],
	    hdr[NONO_RB_DELTA_HDR];
	char hex[NONO_SHA256_HEX], path[PATH_MAX * 2];
	struct nono_rb_delta d;
	bool added;
	int fd;

	(void)state;
	fill(v0, N, 7);
	memcpy(v1, v0, N);
	memcpy(v1 + N, "broken", 6);
	assert_int_equal(store(v0, N, NULL, h0, &added), 0);
	assert_int_equal(store(v1, N + 6, h0, h1, &added), 0);
	same_back(h1, v1, N + 6);

	/* The header's size made one more: the parts no longer add up. */
	nono_hex(h1, NONO_SHA256_LEN, hex);
	snprintf(path, sizeof(path), "%s/objects/%.2s/%s.d", store_dir, hex,
		 hex + 2);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, hdr, sizeof(hdr), 0), (ssize_t)sizeof(hdr));
	hdr[56]++;
	assert_int_equal(pwrite(fd, hdr, sizeof(hdr), 0), (ssize_t)sizeof(hdr));
	assert_int_equal(nono_rb_store_get(&st, h1), -EBADMSG);
	hdr[56]--;
	assert_int_equal(pwrite(fd, hdr, sizeof(hdr), 0), (ssize_t)sizeof(hdr));
	close(fd);
	same_back(h1, v1, N + 6); /* control: put back, it reads */

	/* A changed literal byte: rebuilt, but not with its hash. */
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "X", 1, NONO_RB_DELTA_HDR), 1);
	close(fd);
	assert_int_equal(nono_rb_store_check(&st, h1), -EBADMSG);
	fd = open(path, O_RDWR);
	assert_int_equal(pwrite(fd, "b", 1, NONO_RB_DELTA_HDR), 1);
	close(fd);
	assert_int_equal(nono_rb_store_check(&st, h1), 0);

	/* The base gone. */
	nono_hex(h0, NONO_SHA256_LEN, hex);
	snprintf(path, sizeof(path), "%s/objects/%.2s/%s", store_dir, hex,
		 hex + 2);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(nono_rb_store_get(&st, h1), -EBADMSG);
	assert_int_equal(nono_rb_store_check(&st, h1), -EBADMSG);

	/* Headers that lie, parsed alone. */
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, NONO_RB_DELTA_MAGIC, 8);
	hdr[56] = 10; /* size 10 */
	assert_int_equal(nono_rb_delta_parse(hdr, sizeof(hdr), 74, &d), 0);
	assert_int_equal(nono_rb_delta_parse(hdr, sizeof(hdr), 75, &d),
			 -EBADMSG);
	assert_int_equal(nono_rb_delta_parse(hdr, sizeof(hdr), 10, &d),
			 -EBADMSG);
	assert_int_equal(nono_rb_delta_parse(hdr, 63, 74, &d), -EBADMSG);
	memset(hdr + 40, 0xff, 8); /* a prefix of 2^64-1 */
	assert_int_equal(nono_rb_delta_parse(hdr, sizeof(hdr), 74, &d),
			 -EBADMSG);
	memset(hdr + 40, 0, 8);
	/* Larger than any file kept as a delta (a 66-byte object made a
	 * 1 GiB memfd). */
	hdr[56] = 0;
	hdr[59] = 0x40; /* size 1 GiB */
	hdr[43] = 0x40; /* prefix 1 GiB */
	assert_int_equal(nono_rb_delta_parse(hdr, sizeof(hdr), 64, &d),
			 -EBADMSG);
	hdr[43] = 0;
	hdr[59] = 0;
	hdr[56] = 10;
	hdr[0] = 'N';
	assert_int_equal(nono_rb_delta_parse(hdr, sizeof(hdr), 74, &d),
			 -EBADMSG);
}

/* A delta whose base a cleanup cut short removed is not trusted: the
 * same content stored again is stored whole and reads back (before, the
 * delta was taken as "stored" and the content was lost). */
static void test_orphan_delta(void **state)
{
	enum { N = 10000 };
	static uint8_t v0[N], v1[N + 6];
	uint8_t h0[NONO_SHA256_LEN], h1[NONO_SHA256_LEN], h2[NONO_SHA256_LEN];
	char hex[NONO_SHA256_HEX], path[PATH_MAX * 2];
	bool added;

	(void)state;
	fill(v0, N, 8);
	memcpy(v1, v0, N);
	memcpy(v1 + N, "orphan", 6);
	assert_int_equal(store(v0, N, NULL, h0, &added), 0);
	assert_int_equal(store(v1, N + 6, h0, h1, &added), 0);
	assert_true(is_delta(h1));
	nono_hex(h0, NONO_SHA256_LEN, hex);
	snprintf(path, sizeof(path), "%s/objects/%.2s/%s", store_dir, hex,
		 hex + 2);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(nono_rb_store_get(&st, h1), -EBADMSG);
	/* Without its earlier version known, then with it. */
	assert_int_equal(store(v1, N + 6, NULL, h2, &added), 0);
	assert_true(added);
	same_back(h1, v1, N + 6);
	assert_int_equal(store(v0, N, NULL, h0, &added), 0);
	nono_hex(h1, NONO_SHA256_LEN, hex);
	snprintf(path, sizeof(path), "%s/objects/%.2s/%s", store_dir, hex,
		 hex + 2);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(unlink(file), 0);
	/* The base back, the delta readable again: trusted again. */
	assert_int_equal(store(v1, N + 6, h0, h2, &added), 0);
	assert_false(added);
	same_back(h1, v1, N + 6);
}

/* A whole object cut short (a power loss) is replaced, not taken as the
 * content: read back, it is the content. */
static void test_cut_short(void **state)
{
	enum { N = 10000 };
	static uint8_t v0[N], v1[N + 4];
	uint8_t h0[NONO_SHA256_LEN], h1[NONO_SHA256_LEN];
	char hex[NONO_SHA256_HEX], dir[PATH_MAX * 2], path[PATH_MAX * 3];
	bool added;
	int fd;

	(void)state;
	fill(v0, N, 9);
	memcpy(v1, v0, N);
	memcpy(v1 + N, "cut\n", 4);
	nono_sha256(v1, N + 4, h1);
	nono_hex(h1, NONO_SHA256_LEN, hex);
	snprintf(dir, sizeof(dir), "%s/objects/%.2s", store_dir, hex);
	snprintf(path, sizeof(path), "%s/%s", dir, hex + 2);
	mkdir(dir, 0700);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0400);
	assert_true(fd >= 0); /* empty: cut short */
	close(fd);
	assert_int_equal(store(v0, N, NULL, h0, &added), 0);
	assert_int_equal(store(v1, N + 4, h0, h1, &added), 0);
	assert_true(added);
	same_back(h1, v1, N + 4);
	/* Stored whole, over one cut short. */
	assert_int_equal(unlink(path), 0);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0400);
	close(fd);
	assert_int_equal(store(v1, N + 4, NULL, h1, &added), 0);
	assert_true(added);
	same_back(h1, v1, N + 4);
	/* Of the right size but zeroed (a crash before the sync): the new
	 * version of a file, read whole, is compared and replaces it. */
	assert_int_equal(chmod(path, 0600), 0);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	{
		static const uint8_t z[N + 4];

		assert_int_equal(write(fd, z, sizeof(z)), (ssize_t)sizeof(z));
	}
	close(fd);
	assert_int_equal(nono_rb_store_check(&st, h1), -EBADMSG);
	assert_int_equal(store(v1, N + 4, h0, h1, &added), 0);
	assert_true(added);
	same_back(h1, v1, N + 4);
}

/* Objects that are not regular files are refused without blocking: a
 * FIFO in place of a delta or of its base. */
static void test_fifo(void **state)
{
	enum { N = 10000 };
	static uint8_t v0[N], v1[N + 4];
	uint8_t h0[NONO_SHA256_LEN], h1[NONO_SHA256_LEN];
	char hex[NONO_SHA256_HEX], path[PATH_MAX * 2];
	struct nono_rb_delta d;
	bool added;

	(void)state;
	fill(v0, N, 10);
	memcpy(v1, v0, N);
	memcpy(v1 + N, "fifo", 4);
	assert_int_equal(store(v0, N, NULL, h0, &added), 0);
	assert_int_equal(store(v1, N + 4, h0, h1, &added), 0);
	nono_hex(h1, NONO_SHA256_LEN, hex);
	snprintf(path, sizeof(path), "%s/objects/%.2s/%s.d", store_dir, hex,
		 hex + 2);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(nono_rb_store_get(&st, h1), -EBADMSG);
	assert_int_equal(nono_rb_store_delta_base(&st, h1, &d), -EBADMSG);
	assert_int_equal(unlink(path), 0);
	nono_hex(h0, NONO_SHA256_LEN, hex);
	snprintf(path, sizeof(path), "%s/objects/%.2s/%s", store_dir, hex,
		 hex + 2);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(nono_rb_store_get(&st, h0), -EBADMSG);
}

/* A whole object cut short beside a good delta of the same content: read
 * through the delta (checked), and replaced when the content is stored
 * again (before, the delta made it "stored" and the short file stayed,
 * read first). */
static void test_short_beside_delta(void **state)
{
	enum { N = 10000 };
	static uint8_t v0[N], v1[N + 5];
	uint8_t h0[NONO_SHA256_LEN], h1[NONO_SHA256_LEN], h2[NONO_SHA256_LEN];
	char hex[NONO_SHA256_HEX], path[PATH_MAX * 2];
	struct stat sb;
	bool added;
	int fd;

	(void)state;
	fill(v0, N, 11);
	memcpy(v1, v0, N);
	memcpy(v1 + N, "short", 5);
	assert_int_equal(store(v0, N, NULL, h0, &added), 0);
	assert_int_equal(store(v1, N + 5, h0, h1, &added), 0);
	assert_true(is_delta(h1));
	nono_hex(h1, NONO_SHA256_LEN, hex);
	snprintf(path, sizeof(path), "%s/objects/%.2s/%s", store_dir, hex,
		 hex + 2);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0400);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(nono_rb_store_check(&st, h1), -EBADMSG);
	fd = nono_rb_store_get_checked(&st, h1, buf);
	assert_true(fd >= 0); /* the delta */
	close(fd);
	assert_int_equal(store(v1, N + 5, h0, h2, &added), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, N + 5);
	same_back(h1, v1, N + 5);
}

/* A delta whose base was cut short (but is still long enough for its
 * prefix and suffix) is refused, never rebuilt into other bytes. */
static void test_base_cut(void **state)
{
	enum { N = 30000 };
	static uint8_t v0[N], v1[N];
	uint8_t h0[NONO_SHA256_LEN], h1[NONO_SHA256_LEN];
	char hex[NONO_SHA256_HEX], path[PATH_MAX * 2];

	bool added;

	(void)state;
	fill(v0, N, 12);
	memcpy(v1, v0, N);
	memcpy(v1 + 9000, "in the middle", 13);
	assert_int_equal(store(v0, N, NULL, h0, &added), 0);
	assert_int_equal(store(v1, N, h0, h1, &added), 0);
	assert_true(is_delta(h1));
	same_back(h1, v1, N);
	nono_hex(h0, NONO_SHA256_LEN, hex);
	snprintf(path, sizeof(path), "%s/objects/%.2s/%s", store_dir, hex,
		 hex + 2);
	assert_int_equal(truncate(path, N - 4096), 0);
	assert_int_equal(nono_rb_store_get(&st, h1), -EBADMSG);
	assert_int_equal(nono_rb_store_get_checked(&st, h1, buf), -EBADMSG);
	/* The whole object itself, cut short: refused when checked. */
	assert_int_equal(nono_rb_store_get_checked(&st, h0, buf), -EBADMSG);
}

/* A manifest's base: stored whole, once; one there but changed or cut
 * short is replaced. */
static void test_mem(void **state)
{
	uint8_t h[NONO_SHA256_LEN], h2[NONO_SHA256_LEN];
	char hex[NONO_SHA256_HEX], path[PATH_MAX * 2];
	bool added;
	int fd;

	(void)state;
	assert_int_equal(
	    nono_rb_store_put_mem(&st, "nono manifest\n", 14, h, &added), 0);
	assert_true(added);
	assert_int_equal(
	    nono_rb_store_put_mem(&st, "nono manifest\n", 14, h2, &added), 0);
	assert_false(added);
	assert_memory_equal(h, h2, NONO_SHA256_LEN);
	same_back(h, (const uint8_t *)"nono manifest\n", 14);
	nono_hex(h, NONO_SHA256_LEN, hex);
	snprintf(path, sizeof(path), "%s/objects/%.2s/%s", store_dir, hex,
		 hex + 2);
	assert_int_equal(chmod(path, 0600), 0);
	fd = open(path, O_WRONLY);
	assert_int_equal(pwrite(fd, "N", 1, 0), 1); /* same size, changed */
	close(fd);
	assert_int_equal(
	    nono_rb_store_put_mem(&st, "nono manifest\n", 14, h2, &added), 0);
	assert_true(added);
	same_back(h, (const uint8_t *)"nono manifest\n", 14);
	assert_int_equal(truncate(path, 3), 0);
	assert_int_equal(
	    nono_rb_store_put_mem(&st, "nono manifest\n", 14, h2, &added), 0);
	same_back(h, (const uint8_t *)"nono manifest\n", 14);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_versions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_chain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_whole, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_twice, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_broken, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_orphan_delta, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cut_short, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fifo, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_short_beside_delta, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_base_cut, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mem, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
