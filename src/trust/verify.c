// SPDX-License-Identifier: Apache-2.0
/* Verifying instruction files against a trust policy (see verify.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "trust/bundle.h"
#include "trust/keys.h"
#include "trust/policy.h"
#include "trust/scan.h"
#include "trust/signer.h"
#include "trust/verify.h"
#include "util/errbuf.h"

/* snprintf for messages and paths that may be cut (a path of PATH_MAX in
 * a message of 320 bytes is cut, not an error). */
static void put(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void put(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

#define BUNDLE_MAX (1u << 20)
#define POLICY_MAX (1u << 20)

/* @path beneath @rootfd, no symlink anywhere on the way, or -errno. */
static int open_beneath(int rootfd, const char *path, int flags)
{
	struct open_how how = {
	    .flags = (unsigned)(flags | O_CLOEXEC | O_NOCTTY),
	    .resolve =
		RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));

	return fd < 0 ? -errno : fd;
}

/* The regular file @path beneath @rootfd, whole, if at most @max bytes:
 * 0, or -errno (-EFBIG over @max, -EINVAL not a regular file). */
int nono_trust_read_file(int rootfd, const char *path, size_t max, char **out,
			 size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	int fd = open_beneath(rootfd, path, O_RDONLY | O_NONBLOCK);

	*out = NULL;
	*len = 0;
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if ((unsigned long long)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = -errno;

			free(buf);
			close(fd);
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > (size_t)st.st_size) { /* grew while read */
			free(buf);
			close(fd);
			return -EAGAIN;
		}
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* The SHA-256 of @path beneath @rootfd, read once, in hex. */
int nono_trust_hash_file(int rootfd, const char *path,
			 char hex[NONO_SHA256_HEX])
{
	static char buf[65536];
	struct nono_sha256 c;
	uint8_t d[NONO_SHA256_LEN];
	struct stat st;
	int fd = open_beneath(rootfd, path, O_RDONLY | O_NONBLOCK);

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if (st.st_size > NONO_TRUST_FILE_MAX) {
		close(fd);
		return -EFBIG;
	}
	nono_sha256_init(&c);
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = -errno;

			close(fd);
			return e;
		}
		if (r == 0)
			break;
		nono_sha256_update(&c, buf, (size_t)r);
	}
	close(fd);
	nono_sha256_final(&c, d);
	nono_hex(d, sizeof(d), hex);
	return 0;
}

const char *nono_trust_verdict_name(enum nono_trust_verdict v)
{
	switch (v) {
	case NONO_TRUST_OK:
		return "verified";
	case NONO_TRUST_BLOCKED:
		return "blocked";
	case NONO_TRUST_UNSIGNED:
		return "unsigned";
	case NONO_TRUST_INVALID:
		return "invalid";
	case NONO_TRUST_MISMATCH:
		return "modified";
	case NONO_TRUST_UNTRUSTED:
		return "untrusted";
	case NONO_TRUST_UNREADABLE:
		return "unreadable";
	}
	return "?";
}

void nono_trust_fix(const struct nono_trust_check *c, char *out, size_t len)
{
	switch (c->verdict) {
	case NONO_TRUST_OK:
		snprintf(out, len, "nothing to do");
		break;
	case NONO_TRUST_BLOCKED:
		snprintf(out, len,
			 "remove or replace %s (the policy's blocklist "
			 "refuses it; signing it again does not help)",
			 c->path);
		break;
	case NONO_TRUST_UNSIGNED:
	case NONO_TRUST_INVALID:
	case NONO_TRUST_MISMATCH:
		snprintf(out, len,
			 "review %s, then sign it: nono trust sign %s", c->path,
			 c->path);
		break;
	case NONO_TRUST_UNTRUSTED:
		snprintf(out, len,
			 "add the signer's key (fingerprint %.16s...) as a "
			 "publisher of your trust policy, or sign %s with a "
			 "key it trusts: nono trust sign %s",
			 c->keyid, c->path, c->path);
		break;
	case NONO_TRUST_UNREADABLE:
		snprintf(out, len,
			 "make %s a regular file of its own that nono can "
			 "read (no link out of the directory, no other hard "
			 "link, at most 8 MiB), or skip its directory with "
			 "--skip-dir NAME",
			 c->path);
		break;
	}
}

/*
 * A bundle as read, parsed and checked: kept for the whole of
 * nono_trust_check_all, where the same .nono-trust.bundle (and the same
 * missing one in each directory on the way up) serves many files.
 */
struct bent {
	char *path;
	int rc; /* 0 read and parsed; -errno not read; -EBADMSG bad */
	char err[256];
	struct nono_trust_bundle b;
	/* The signature, against the publisher the hint names: -2 not yet
	 * checked, 0 valid, -1 not (err2 says why). */
	int sig;
	char err2[256];
};

static struct {
	bool on;
	struct bent *v;
	size_t n, cap;
	/* an index of v by path (open addressing; slot = index + 1) */
	size_t *slot, nslots;
	/* bundle bytes read in this scan (a budget: review 2 of issue 16,
	 * E, 1,000 large bundles took a minute and a gigabyte) */
	size_t read;
} bcache;

#define BUNDLES_READ_MAX (64u << 20)

static size_t path_hash(const char *s)
{
	size_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* Index of @path in the cache, or -1. */
static long bcache_find(const char *path)
{
	if (!bcache.nslots)
		return -1;
	for (size_t i = path_hash(path) & (bcache.nslots - 1);;
	     i = (i + 1) & (bcache.nslots - 1)) {
		size_t k = bcache.slot[i];

		if (!k)
			return -1;
		if (strcmp(bcache.v[k - 1].path, path) == 0)
			return (long)(k - 1);
	}
}

/* Indexes v[@k]: 0, or -ENOMEM. */
static int bcache_index(size_t k)
{
	if (2 * (bcache.n + 1) > bcache.nslots) {
		size_t ns = bcache.nslots ? bcache.nslots * 2 : 128;
		size_t *s = calloc(ns, sizeof(*s));

		if (!s)
			return -ENOMEM;
		free(bcache.slot);
		bcache.slot = s;
		bcache.nslots = ns;
		for (size_t j = 0; j < bcache.n; j++)
			if (j != k)
				for (size_t i =
					 path_hash(bcache.v[j].path) & (ns - 1);
				     ; i = (i + 1) & (ns - 1))
					if (!s[i]) {
						s[i] = j + 1;
						break;
					}
	}
	for (size_t i = path_hash(bcache.v[k].path) & (bcache.nslots - 1);;
	     i = (i + 1) & (bcache.nslots - 1))
		if (!bcache.slot[i]) {
			bcache.slot[i] = k + 1;
			return 0;
		}
}

static void bent_free(struct bent *e)
{
	if (e->rc == 0)
		nono_trust_bundle_free(&e->b);
	free(e->path);
}

static void bcache_end(void)
{
	for (size_t i = 0; i < bcache.n; i++)
		bent_free(&bcache.v[i]);
	free(bcache.v);
	free(bcache.slot);
	memset(&bcache, 0, sizeof(bcache));
}

/* Reads and parses @bpath into @e (its path not set). */
static void bent_load(int rootfd, const char *bpath, struct bent *e)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	e->sig = -2;
	if (bcache.on && bcache.read >= BUNDLES_READ_MAX) {
		e->rc = -E2BIG;
		put(e->err, sizeof(e->err),
		    "not read: the bundles of this scan are over %u MiB (skip "
		    "generated trees with --skip-dir NAME)",
		    BUNDLES_READ_MAX >> 20);
		return;
	}
	r = nono_trust_read_file(rootfd, bpath, BUNDLE_MAX, &text, &len);
	bcache.read += len;
	e->rc = r;
	if (r < 0) {
		put(e->err, sizeof(e->err), "%s",
		    r == -EFBIG    ? "over 1 MiB"
		    : r == -EINVAL ? "not a regular file"
		    : r == -ELOOP  ? "a symlink (not followed)"
				   : strerror(-r));
		return;
	}
	if (nono_trust_bundle_parse(text, len, &e->b, e->err, sizeof(e->err)) <
	    0)
		e->rc = -EBADMSG;
	free(text);
}

/* The bundle at @bpath: from the cache while one is on (for a
 * .nono-trust.bundle, which serves many files; a sidecar serves one),
 * else loaded into @tmp (the caller frees it with bent_free). */
static struct bent *bent_get(int rootfd, const char *bpath, bool keep,
			     struct bent *tmp)
{
	struct bent *e;
	long k = bcache.on && keep ? bcache_find(bpath) : -1;

	if (k >= 0)
		return &bcache.v[k];
	memset(tmp, 0, sizeof(*tmp));
	bent_load(rootfd, bpath, tmp);
	if (!bcache.on || !keep)
		return tmp;
	if (bcache.n == bcache.cap) {
		size_t cap = bcache.cap ? bcache.cap * 2 : 64;
		struct bent *v = realloc(bcache.v, cap * sizeof(*v));

		if (!v)
			return tmp;
		bcache.v = v;
		bcache.cap = cap;
	}
	tmp->path = strdup(bpath);
	if (!tmp->path)
		return tmp;
	e = &bcache.v[bcache.n];
	*e = *tmp;
	if (bcache_index(bcache.n) < 0) {
		*tmp = *e; /* not kept: the caller frees it */
		return tmp;
	}
	bcache.n++;
	memset(tmp, 0, sizeof(*tmp));
	tmp->rc = -ENOENT; /* nothing of its own to free */
	return e;
}

/* The bundle at @bpath (beneath @rootfd) for the file whose subject name
 * there is @subject: 1 decided (verdict in @out), 0 the bundle does not
 * exist or does not name it (multi-subject), -1 error. */
static int try_bundle(int rootfd, const char *bpath, const char *subject,
		      bool sidecar, const struct nono_trust_policy *p,
		      struct nono_trust_check *out)
{
	struct bent tmp, *e = bent_get(rootfd, bpath, !sidecar, &tmp);
	const struct nono_trust_subject *s;
	const struct nono_trust_publisher *pub;
	int ret = 1;

	if (e->rc == -ENOENT)
		goto out0;
	put(out->bundle, sizeof(out->bundle), "%s", bpath);
	if (e->rc < 0) {
		out->verdict = NONO_TRUST_INVALID;
		put(out->why, sizeof(out->why), "%s: %s", bpath, e->err);
		goto out;
	}
	s = nono_trust_bundle_subject(&e->b, subject);
	if (!s) {
		if (!sidecar) {
			out->bundle[0] = '\0';
			goto out0;
		}
		out->verdict = NONO_TRUST_INVALID;
		put(out->why, sizeof(out->why),
		    "%s is a statement about another file (its subject "
		    "is not %s)",
		    bpath, subject);
		goto out;
	}
	snprintf(out->keyid, sizeof(out->keyid), "%s", e->b.hint);
	pub = nono_trust_policy_publisher(p, e->b.hint);
	if (!pub && nono_trust_policy_key_blocked(p, e->b.hint)) {
		const struct nono_trust_blocked_key *bk =
		    nono_trust_policy_key_blocked(p, e->b.hint);

		out->verdict = NONO_TRUST_BLOCKED;
		put(out->why, sizeof(out->why),
		    "%s is signed by key %.16s..., which the policy's "
		    "blocklist revokes (%s)",
		    bpath, e->b.hint, bk->reason ? bk->reason : "no reason");
		goto out;
	}
	if (!pub) {
		out->verdict = NONO_TRUST_UNTRUSTED;
		put(out->why, sizeof(out->why),
		    "%s is signed by key %.16s..., which no publisher of "
		    "the trust policy holds",
		    bpath, e->b.hint[0] ? e->b.hint : "(no hint)");
		goto out;
	}
	/* The hint names one publisher (one per key), so the signature's
	 * verdict is the bundle's, whichever file asks. */
	if (e->sig == -2) {
		const char *first = e->b.nsubjects == 1 ? NONO_TRUST_PRED_FILE
							: NONO_TRUST_PRED_MULTI;
		const char *second = e->b.nsubjects == 1 ? NONO_TRUST_PRED_MULTI
							 : NONO_TRUST_PRED_FILE;

		e->sig =
		    nono_trust_bundle_check(&e->b, pub->public_key, first,
					    e->err2, sizeof(e->err2)) < 0 &&
			    nono_trust_bundle_check(&e->b, pub->public_key,
						    second, e->err2,
						    sizeof(e->err2)) < 0
			? -1
			: 0;
	}
	if (e->sig < 0) {
		out->verdict = NONO_TRUST_INVALID;
		put(out->why, sizeof(out->why), "%s: %s", bpath, e->err2);
		goto out;
	}
	if (strcmp(s->sha256, out->sha256) != 0) {
		out->verdict = NONO_TRUST_MISMATCH;
		put(out->why, sizeof(out->why),
		    "%s was changed after it was signed (signed "
		    "%.12s..., now %.12s...)",
		    out->path, s->sha256, out->sha256);
		goto out;
	}
	out->verdict = NONO_TRUST_OK;
	snprintf(out->publisher, sizeof(out->publisher), "%s",
		 pub->name     ? pub->name
		 : pub->key_id ? pub->key_id
			       : "(unnamed)");
	put(out->why, sizeof(out->why), "signed by %s (key %.16s...)",
	    out->publisher, e->b.hint);
	goto out;
out0:
	ret = 0;
out:
	if (e == &tmp)
		bent_free(&tmp);
	return ret;
}

static int check_file(int rootfd, const char *path, const char *sha256,
		      const struct nono_trust_policy *p,
		      struct nono_trust_check *out);

int nono_trust_check_file(int rootfd, const char *path, const char *sha256,
			  const struct nono_trust_policy *p,
			  struct nono_trust_check *out)
{
	struct stat st;
	int r = check_file(rootfd, path, sha256, p, out);

	/* Another name of the same file is another way to write it:
	 * read-only under this name, writable under that one (review F6). */
	if (r == 0 && out->verdict == NONO_TRUST_OK &&
	    fstatat(rootfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && st.st_nlink > 1) {
		out->verdict = NONO_TRUST_UNREADABLE;
		put(out->why, sizeof(out->why),
		    "%s has %lu hard links: its content could be changed "
		    "through another name (make it a file of its own: cp, "
		    "then mv)",
		    path, (unsigned long)st.st_nlink);
	}
	return r;
}

static int check_file(int rootfd, const char *path, const char *sha256,
		      const struct nono_trust_policy *p,
		      struct nono_trust_check *out)
{
	char bpath[PATH_MAX + 32], dir[PATH_MAX];
	struct nono_trust_check first;
	const struct nono_trust_block *bl;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&first, 0, sizeof(first));
	if ((size_t)snprintf(out->path, sizeof(out->path), "%s", path) >=
	    sizeof(out->path)) {
		out->verdict = NONO_TRUST_UNREADABLE;
		put(out->why, sizeof(out->why), "path too long");
		return 0;
	}
	if (sha256)
		snprintf(out->sha256, sizeof(out->sha256), "%s", sha256);
	else if ((r = nono_trust_hash_file(rootfd, path, out->sha256)) < 0) {
		out->verdict = NONO_TRUST_UNREADABLE;
		put(out->why, sizeof(out->why), "%s: %s", path,
		    r == -EINVAL  ? "not a regular file"
		    : r == -ELOOP ? "a symlink on the way (not followed)"
				  : strerror(-r));
		return 0;
	}
	/* The blocklist first: no signature makes such content good. */
	bl = nono_trust_policy_blocked(p, out->sha256);
	if (bl) {
		out->verdict = NONO_TRUST_BLOCKED;
		put(out->why, sizeof(out->why), "%s is on the blocklist (%s)",
		    path,
		    bl->description ? bl->description : "no reason given");
		return 0;
	}
	/* Its sidecar, subject: its name; then each .nono-trust.bundle
	 * naming it, from its directory up to the root.  The first that
	 * verifies decides; else the first failure is the verdict (a stale
	 * sidecar does not hide a newer set that signs the file). */
	put(bpath, sizeof(bpath), "%s.bundle", path);
	{
		const char *base = strrchr(path, '/');

		r = try_bundle(rootfd, bpath, base ? base + 1 : path, true, p,
			       out);
	}
	if (r < 0)
		return -1;
	if (r > 0 && out->verdict == NONO_TRUST_OK)
		return 0;
	if (r > 0)
		first = *out;
	snprintf(dir, sizeof(dir), "%s", path);
	for (;;) {
		char *slash = strrchr(dir, '/');
		const char *subject;

		if (slash) {
			*slash = '\0';
			subject = path + (slash - dir) + 1;
			put(bpath, sizeof(bpath), "%s/%s", dir,
			    NONO_TRUST_MULTI_BUNDLE);
		} else {
			subject = path;
			put(bpath, sizeof(bpath), "%s",
			    NONO_TRUST_MULTI_BUNDLE);
		}
		r = try_bundle(rootfd, bpath, subject, false, p, out);
		if (r < 0)
			return -1;
		if (r > 0 && out->verdict == NONO_TRUST_OK)
			return 0;
		if (r > 0 && !first.path[0])
			first = *out;
		if (!slash)
			break;
	}
	if (first.path[0]) {
		*out = first;
		return 0;
	}
	out->verdict = NONO_TRUST_UNSIGNED;
	put(out->why, sizeof(out->why),
	    "%s has no signature (no %s.bundle, and no %s names it)", path,
	    path, NONO_TRUST_MULTI_BUNDLE);
	return 0;
}

int nono_trust_check_found(int rootfd, const struct nono_trust_found *f,
			   const struct nono_trust_policy *p,
			   struct nono_trust_check *out)
{
	const char *why = NULL;

	if (f->flags & NONO_TRUST_FOUND_OUTSIDE)
		why = "a symlink to outside the directory scanned (the command "
		      "would read what nobody verified)";
	else if (f->flags & NONO_TRUST_FOUND_BROKEN)
		why = "a dangling symlink";
	else if (f->flags & NONO_TRUST_FOUND_DIRLINK)
		why = "a symlink to a directory (its files cannot be "
		      "verified through it)";
	else if (f->flags & NONO_TRUST_FOUND_SPECIAL)
		why = "not a regular file";
	else if (f->flags & NONO_TRUST_FOUND_UNREADABLE)
		why = "unreadable (permission denied)";
	else if (f->flags & NONO_TRUST_FOUND_TOOBIG)
		why = "larger than 8 MiB (not read: instructions are text)";
	else if (!f->sha256[0])
		return nono_trust_check_file(rootfd, f->path, NULL, p, out);
	if (!why)
		return nono_trust_check_file(rootfd, f->path, f->sha256, p,
					     out);
	memset(out, 0, sizeof(*out));
	put(out->path, sizeof(out->path), "%s", f->path);
	out->verdict = NONO_TRUST_UNREADABLE;
	put(out->why, sizeof(out->why), "%s: %s", f->path, why);
	return 0;
}

int nono_trust_check_all(int rootfd, const struct nono_trust_list *l,
			 const struct nono_trust_policy *p,
			 struct nono_trust_check *out, char *err, size_t errlen)
{
	size_t i;
	int r = 0;

	/* A first pass records the signatures to check (its verdicts are
	 * provisional and dropped), one helper run checks them all, and
	 * the second pass decides with those answers. */
	bcache.on = true;
	nono_sig_batch_collect();
	for (i = 0; i < l->n && r == 0; i++)
		r = nono_trust_check_found(rootfd, &l->v[i], p, &out[i]);
	/* The provisional signature verdicts go with the first pass. */
	for (size_t k = 0; k < bcache.n; k++)
		bcache.v[k].sig = -2;
	if (r == 0 && nono_sig_batch_run(err, errlen) < 0)
		nono_sig_batch_end(); /* each checked on its own below */
	r = 0;
	for (i = 0; i < l->n && r == 0; i++)
		r = nono_trust_check_found(rootfd, &l->v[i], p, &out[i]);
	nono_sig_batch_end();
	bcache_end();
	if (r < 0)
		return nono_errf(err, errlen, "%s", out[i - 1].why);
	return 0;
}

static bool in_sandbox(void)
{
	const char *s = getenv("NONO_SANDBOX");

	return s && strcmp(s, "1") == 0;
}

/* Reads and parses the policy @name beneath @dirfd (@shown in messages):
 * 1 read, 0 none, -EACCES unreadable, -1 another error. */
static int read_policy(int dirfd, const char *name, const char *shown,
		       struct nono_trust_policy *p, char **text, size_t *len,
		       char *err, size_t errlen)
{
	int r = nono_trust_read_file(dirfd, name, POLICY_MAX, text, len);

	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		nono_errf(err, errlen, "%s: %s", shown,
			  r == -EFBIG    ? "over 1 MiB"
			  : r == -ELOOP  ? "a symlink (not followed)"
			  : r == -EINVAL ? "not a regular file"
					 : strerror(-r));
		return r == -EACCES ? -EACCES : -1;
	}
	if (nono_trust_policy_parse(*text, *len, shown, p, err, errlen) < 0) {
		free(*text);
		*text = NULL;
		return -1;
	}
	return 1;
}

/*
 * Whether the bundle @name.bundle beneath @dirfd is a valid policy
 * signature over @text by a publisher of @signers: 1 yes, 0 no bundle,
 * -1 a bundle that does not verify (why in @why).
 */
static int policy_signed(int dirfd, const char *name, const char *text,
			 size_t len, const struct nono_trust_policy *signers,
			 char *why, size_t whylen)
{
	struct nono_trust_bundle b;
	const struct nono_trust_subject *s;
	const struct nono_trust_publisher *pub;
	char bname[PATH_MAX], *bt = NULL, hex[NONO_SHA256_HEX], err[256];
	uint8_t d[NONO_SHA256_LEN];
	const char *base = strrchr(name, '/');
	size_t bl = 0;
	int r;

	snprintf(bname, sizeof(bname), "%s.bundle", name);
	r = nono_trust_read_file(dirfd, bname, BUNDLE_MAX, &bt, &bl);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		put(why, whylen, "%s: %s", bname, strerror(-r));
		return -1;
	}
	r = nono_trust_bundle_parse(bt, bl, &b, err, sizeof(err));
	free(bt);
	if (r < 0) {
		put(why, whylen, "%s: %s", bname, err);
		return -1;
	}
	nono_sha256(text, len, d);
	nono_hex(d, sizeof(d), hex);
	s = nono_trust_bundle_subject(&b, base ? base + 1 : name);
	pub = nono_trust_policy_publisher(signers, b.hint);
	r = -1;
	if (!s)
		put(why, whylen, "%s is not a signature of %s", bname,
		    base ? base + 1 : name);
	else if (!pub)
		put(why, whylen,
		    "%s is signed by key %.16s..., which is not a "
		    "publisher of your trust policy",
		    bname, b.hint);
	else if (nono_trust_bundle_check(&b, pub->public_key,
					 NONO_TRUST_PRED_POLICY, err,
					 sizeof(err)) < 0)
		put(why, whylen, "%s: %s", bname, err);
	else if (strcmp(s->sha256, hex) != 0)
		put(why, whylen,
		    "%s was changed after it was signed (sign it again: "
		    "nono trust sign-policy)",
		    name);
	else
		r = 1;
	nono_trust_bundle_free(&b);
	return r;
}

int nono_trust_policy_load(int dirfd, const char *dir,
			   const char *explicit_path,
			   struct nono_trust_policy *out,
			   struct nono_trust_sources *src, char *err,
			   size_t errlen)
{
	struct nono_trust_policy user, other;
	char cfg[PATH_MAX], shown[PATH_MAX + 32], why[400];
	char *text = NULL;
	size_t len = 0;
	bool have_user = false;
	int cfd = -1, r;

	memset(src, 0, sizeof(*src));
	nono_trust_policy_init_default(out);
	memset(&user, 0, sizeof(user));
	memset(&other, 0, sizeof(other));
	if (nono_trust_config_dir(cfg, sizeof(cfg)) == 0) {
		cfd = open(cfg, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (cfd >= 0) {
			put(shown, sizeof(shown), "%s/%s", cfg,
			    NONO_TRUST_POLICY_FILE);
			r = read_policy(cfd, NONO_TRUST_POLICY_FILE, shown,
					&user, &text, &len, err, errlen);
			/* Inside a nono sandbox nono's configuration is
			 * hidden (EACCES): the outer nono verified the
			 * files already, and an inner one runs on the
			 * defaults (docs/security.md). */
			if (r == -EACCES && in_sandbox()) {
				r = 0;
				err[0] = '\0';
			}
			if (r < 0)
				goto fail;
			if (r > 0) {
				have_user = true;
				put(src->user, sizeof(src->user), "%s", shown);
				r = policy_signed(cfd, NONO_TRUST_POLICY_FILE,
						  text, len, &user, why,
						  sizeof(why));
				if (r < 0) {
					nono_errf(err, errlen,
						  "your trust policy's "
						  "signature does not verify: "
						  "%s",
						  why);
					goto fail;
				}
				src->user_signed = r > 0;
				free(text);
				text = NULL;
				if (nono_trust_policy_merge(out, &user, err,
							    errlen) < 0)
					goto fail;
			}
		}
	}
	if (explicit_path) {
		int efd;
		const char *slash = strrchr(explicit_path, '/');
		char edir[PATH_MAX];

		if (slash) {
			snprintf(edir, sizeof(edir), "%.*s",
				 (int)(slash - explicit_path +
				       (slash == explicit_path)),
				 explicit_path);
			efd = open(edir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		} else {
			efd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		}
		if (efd < 0) {
			nono_errf(err, errlen, "--policy %s: %s", explicit_path,
				  strerror(errno));
			goto fail;
		}
		r = read_policy(efd, slash ? slash + 1 : explicit_path,
				explicit_path, &other, &text, &len, err,
				errlen);
		close(efd);
		if (r == 0)
			nono_errf(err, errlen, "--policy %s: no such file",
				  explicit_path);
		if (r <= 0)
			goto fail;
		put(src->explicit_, sizeof(src->explicit_), "%s",
		    explicit_path);
		if (nono_trust_policy_merge(out, &other, err, errlen) < 0)
			goto fail;
	} else if (dirfd >= 0) {
		put(shown, sizeof(shown), "%s/%s", dir, NONO_TRUST_POLICY_FILE);
		/* A project's policy is read as bytes and parsed only once
		 * a publisher of the user's has signed them: one nobody
		 * vouches for, malformed or not, changes nothing. */
		r = nono_trust_read_file(dirfd, NONO_TRUST_POLICY_FILE,
					 POLICY_MAX, &text, &len);
		if (r == -ENOENT || strcmp(shown, src->user) == 0) {
			/* none, or the user's own directory */
		} else if (r < 0) {
			put(src->ignored, sizeof(src->ignored), "%s", shown);
			put(src->ignored_why, sizeof(src->ignored_why),
			    "unreadable: %s",
			    r == -ELOOP ? "a symlink" : strerror(-r));
		} else if (!have_user) {
			put(src->ignored, sizeof(src->ignored), "%s", shown);
			put(src->ignored_why, sizeof(src->ignored_why),
			    "no user trust policy anchors it");
		} else {
			r = policy_signed(dirfd, NONO_TRUST_POLICY_FILE, text,
					  len, &user, why, sizeof(why));
			if (r > 0) {
				put(src->project, sizeof(src->project), "%s",
				    shown);
				if (nono_trust_policy_parse(text, len, shown,
							    &other, err,
							    errlen) < 0 ||
				    nono_trust_policy_merge(out, &other, err,
							    errlen) < 0)
					goto fail;
			} else {
				put(src->ignored, sizeof(src->ignored), "%s",
				    shown);
				put(src->ignored_why, sizeof(src->ignored_why),
				    "%s",
				    r == 0 ? "no publisher of your "
					     "trust policy signed it"
					   : why);
			}
		}
	}
	free(text);
	nono_trust_policy_free(&user);
	nono_trust_policy_free(&other);
	if (cfd >= 0)
		close(cfd);
	if (!have_user && !explicit_path) {
		/* No policy: nothing for the caller to free. */
		nono_trust_policy_free(out);
		memset(out, 0, sizeof(*out));
		return 0;
	}
	return 1;
fail:
	free(text);
	nono_trust_policy_free(&user);
	nono_trust_policy_free(&other);
	nono_trust_policy_free(out);
	if (cfd >= 0)
		close(cfd);
	return -1;
}
