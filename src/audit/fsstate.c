// SPDX-License-Identifier: Apache-2.0
/* Merkle roots of directory trees (see fsstate.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/event.h"
#include "audit/fsstate.h"
#include "audit/merkle.h"

#define MAX_DEPTH 256
/* Bytes hashed per tree at most (8 GiB, a few seconds here). */
#define HASH_BUDGET (8ULL << 30)

struct walk {
	struct nono_merkle tree;
	unsigned long long entries, bytes;
	int err;
	char rel[PATH_MAX];
	uint8_t buf[1 << 16];
};

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One leaf: rel 0 type 0 mode 0 digest. */
static void leaf(struct walk *w, char type, mode_t mode, const char *digest,
		 size_t dlen)
{
	struct nono_sha256 c;
	nono_hash h;
	char m[16];
	const uint8_t zero = 0x00, lead = 0x00;

	snprintf(m, sizeof(m), "%o", (unsigned)(mode & 07777));
	nono_sha256_init(&c);
	nono_sha256_update(&c, &lead, 1); /* RFC 9162 leaf prefix */
	nono_sha256_update(&c, w->rel, strlen(w->rel));
	nono_sha256_update(&c, &zero, 1);
	nono_sha256_update(&c, &type, 1);
	nono_sha256_update(&c, &zero, 1);
	nono_sha256_update(&c, m, strlen(m));
	nono_sha256_update(&c, &zero, 1);
	nono_sha256_update(&c, digest, dlen);
	nono_sha256_final(&c, h.b);
	nono_merkle_push(&w->tree, &h);
	w->entries++;
}

/* What stands for a file's content when it cannot be read whole: its
 * size and change time (so a change made meanwhile still shows). */
static void unhashed(struct walk *w, const struct stat *st, const char *why,
		     int err)
{
	char d[160];
	int n = snprintf(d, sizeof(d), "%s size=%lld ctime=%lld.%09ld", why,
			 (long long)st->st_size, (long long)st->st_ctim.tv_sec,
			 st->st_ctim.tv_nsec);

	leaf(w, 'f', st->st_mode, d, (size_t)n);
	if (!w->err)
		w->err = err;
}

static void file_entry(struct walk *w, int dfd, const char *name,
		       const struct stat *st)
{
	struct nono_sha256 c;
	uint8_t d[NONO_SHA256_LEN];
	char hex[NONO_SHA256_HEX];
	unsigned long long left;
	ssize_t n = 0;
	int fd;

	/* A budget for the whole snapshot: a huge (or sparse) file must
	 * not hold the run up for hours. */
	if ((unsigned long long)st->st_size > HASH_BUDGET - w->bytes) {
		unhashed(w, st, "unhashed", EFBIG);
		return;
	}
	fd = openat(dfd, name,
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		unhashed(w, st, "unreadable", errno);
		return;
	}
	nono_sha256_init(&c);
	left = (unsigned long long)st->st_size;
	while (left &&
	       (n = read(fd, w->buf,
			 left < sizeof(w->buf) ? left : sizeof(w->buf))) > 0) {
		nono_sha256_update(&c, w->buf, (size_t)n);
		w->bytes += (unsigned long long)n;
		left -= (unsigned long long)n;
	}
	close(fd);
	if (n < 0 || left) {
		unhashed(w, st, "unreadable", n < 0 ? errno : EIO);
		return;
	}
	nono_sha256_final(&c, d);
	nono_hex(d, sizeof(d), hex);
	leaf(w, 'f', st->st_mode, hex, 64);
}

static void walk_dir(struct walk *w, int dfd, int depth)
{
	char **names = NULL;
	size_t n = 0, cap = 0, base = strlen(w->rel);
	struct dirent *de;
	DIR *d;
	int fd = dup(dfd);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		w->err = errno;
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			char **nn;

			cap = cap ? cap * 2 : 32;
			nn = realloc(names, cap * sizeof(*nn));
			if (!nn)
				break;
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if ((size_t)snprintf(w->rel + base, sizeof(w->rel) - base,
				     "%s%s", base ? "/" : "",
				     names[i]) >= sizeof(w->rel) - base) {
			w->err = ENAMETOOLONG;
			continue;
		}
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* gone meanwhile */
		if (S_ISREG(st.st_mode)) {
			file_entry(w, dfd, names[i], &st);
		} else if (S_ISLNK(st.st_mode)) {
			char t[PATH_MAX];
			ssize_t l = readlinkat(dfd, names[i], t, sizeof(t));

			leaf(w, 'l', st.st_mode, t, l > 0 ? (size_t)l : 0);
		} else if (S_ISDIR(st.st_mode)) {
			int sub = openat(dfd, names[i],
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					     O_CLOEXEC);

			leaf(w, 'd', st.st_mode, "", 0);
			if (sub >= 0 && depth < MAX_DEPTH)
				walk_dir(w, sub, depth + 1);
			else
				w->err = sub < 0 ? errno : ELOOP;
			if (sub >= 0)
				close(sub);
		} else {
			leaf(w, 'o', st.st_mode, "", 0);
		}
		w->rel[base] = '\0';
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

char *nono_fs_state(char *const *paths, size_t n)
{
	struct nono_ev e = {0};
	struct walk *w = malloc(sizeof(*w));

	if (!w)
		return NULL;
	nono_ev_put(&e, "{", 1);
	for (size_t i = 0; i < n; i++) {
		int dfd = open(paths[i],
			       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		char hex[NONO_SHA256_HEX], b[96];
		nono_hash root;

		if (i)
			nono_ev_put(&e, ",", 1);
		nono_ev_quote(&e, paths[i], strlen(paths[i]));
		nono_ev_put(&e, ":", 1);
		if (dfd < 0) {
			nono_ev_put(&e, "{\"error\":", 9);
			nono_ev_quote(&e, strerror(errno),
				      strlen(strerror(errno)));
			nono_ev_put(&e, "}", 1);
			continue;
		}
		nono_merkle_init(&w->tree);
		w->entries = w->bytes = 0;
		w->err = 0;
		w->rel[0] = '\0';
		walk_dir(w, dfd, 0);
		close(dfd);
		nono_merkle_root(&w->tree, &root);
		nono_hex(root.b, NONO_SHA256_LEN, hex);
		nono_ev_put(&e, "{\"root\":\"", 9);
		nono_ev_put(&e, hex, 64);
		nono_ev_put(
		    &e, b,
		    (size_t)snprintf(b, sizeof(b),
				     "\",\"entries\":%llu,\"bytes\":%llu",
				     w->entries, w->bytes));
		if (w->err) {
			nono_ev_put(&e, ",\"incomplete\":", 14);
			nono_ev_quote(&e, strerror(w->err),
				      strlen(strerror(w->err)));
		}
		nono_ev_put(&e, "}", 1);
	}
	nono_ev_put(&e, "}", 1);
	free(w);
	if (e.oom) {
		nono_ev_free(&e);
		return NULL;
	}
	return e.buf;
}
