// SPDX-License-Identifier: Apache-2.0
/* Rollback manifests: in memory, as text, parsed back (see manifest.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "audit/merkle.h"
#include "rollback/manifest.h"

/* Headers: "MAGIC VERSION ROOT" (see header_version). */
#define MANIFEST_MAGIC "nono-rollback-manifest "
#define DELTA_MAGIC "nono-rollback-delta "

/* A block of strings: mapped populated (one system call instead of a
 * page fault per page). */
struct nono_rb_strblk {
	struct nono_rb_strblk *next;
	size_t used, size; /* bytes, the header included */
};

#define STRBLK (256 * 1024)

void nono_rb_manifest_init(struct nono_rb_manifest *m)
{
	memset(m, 0, sizeof(*m));
	m->version = NONO_RB_VERSION;
}

/* A string of an entry not (or no longer) in a manifest. */
static void entry_free(struct nono_rb_entry *e)
{
	free(e->path);
	free(e->target);
	free(e->xattrs);
}

void nono_rb_manifest_free(struct nono_rb_manifest *m)
{
	struct nono_rb_strblk *b = m->strs, *next;

	for (; b; b = next) {
		next = b->next;
		munmap(b, b->size);
	}
	free(m->e);
	free(m->root);
	free(m->leaves);
	memset(m, 0, sizeof(*m));
}

int nono_rb_manifest_keep_leaves(struct nono_rb_manifest *m)
{
	free(m->leaves);
	m->leaves = malloc(sizeof(*m->leaves) +
			   (m->n ? m->n : 1) * sizeof(m->leaves->h[0]));
	if (!m->leaves)
		return -ENOMEM;
	m->leaves->n = (size_t)-1; /* not yet made */
	m->leaves->cap = m->n;
	return 0;
}

void nono_rb_manifest_truncate(struct nono_rb_manifest *m, size_t n)
{
	/* Their strings stay in the blocks until the manifest goes. */
	if (m->n > n)
		m->n = n;
	free(m->leaves);
	m->leaves = NULL;
}

/* A copy of @s (NULL: NULL) in @m's blocks, or NULL when out of memory
 * (*@oom set). */
static char *str_copy(struct nono_rb_manifest *m, const char *s, bool *oom)
{
	struct nono_rb_strblk *b = m->strs;
	size_t len;
	char *p;

	if (!s)
		return NULL;
	len = strlen(s) + 1;
	if (!b || b->size - b->used < len) {
		size_t size = STRBLK;
		void *v;

		if (len > size - sizeof(*b))
			size = (sizeof(*b) + len + 4095) & ~(size_t)4095;
		v = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (v == MAP_FAILED) {
			*oom = true;
			return NULL;
		}
		b = v;
		b->size = size;
		b->used = sizeof(*b);
		/* The new block takes the allocations; the old one's
		 * rest is left (at most one entry's worth). */
		b->next = m->strs;
		m->strs = b;
	}
	p = (char *)b + b->used;
	memcpy(p, s, len);
	b->used += len;
	return p;
}

int nono_rb_manifest_move(struct nono_rb_manifest *to,
			  struct nono_rb_manifest *from)
{
	struct nono_rb_strblk **tail;

	if (!from->n && !from->strs)
		return 0;
	if (!to->n) { /* taken whole */
		struct nono_rb_entry *e = to->e;
		size_t cap = to->cap;

		to->e = from->e;
		to->cap = from->cap;
		to->n = from->n;
		from->e = e;
		from->cap = cap;
		from->n = 0;
	} else {
		if (to->n + from->n > to->cap) {
			size_t cap = to->n + from->n;
			struct nono_rb_entry *v =
			    realloc(to->e, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			to->e = v;
			to->cap = cap;
		}
		memcpy(to->e + to->n, from->e, from->n * sizeof(*from->e));
		to->n += from->n;
		from->n = 0;
	}
	if (to->leaves)
		to->leaves->n = (size_t)-1; /* no longer its lines */
	/* @from's blocks after @to's (whose first still takes the next
	 * strings). */
	for (tail = to->strs ? &to->strs->next : &to->strs; *tail;
	     tail = &(*tail)->next)
		;
	*tail = from->strs;
	from->strs = NULL;
	return 0;
}

bool nono_rb_xattr_kept(const char *name)
{
	/* An ACL is a permission too: a default ACL granting everyone
	 * rwx on a directory, hidden from the review, made the user's
	 * files there world-writable after a restore. */
	return strncmp(name, "user.", 5) == 0 ||
	       strcmp(name, "system.posix_acl_access") == 0 ||
	       strcmp(name, "system.posix_acl_default") == 0;
}

bool nono_rb_xattrs_lost(const struct nono_rb_entry *e)
{
	return e->xattrs && strcmp(e->xattrs, NONO_RB_XATTRS_LOST) == 0;
}

bool nono_rb_opaque_ok(const char *why)
{
	static const char *const ok[] = {
	    NONO_RB_WHY_UNREADABLE, NONO_RB_WHY_FIFO, NONO_RB_WHY_SOCKET,
	    NONO_RB_WHY_DEVICE,     NONO_RB_WHY_BUSY, NONO_RB_WHY_DEEP,
	    NONO_RB_WHY_BIG,
	};

	for (size_t i = 0; why && i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(why, ok[i]) == 0)
			return true;
	return false;
}

int nono_rb_manifest_add(struct nono_rb_manifest *m,
			 const struct nono_rb_entry *e)
{
	struct nono_rb_entry c = *e;
	bool oom = false;

	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct nono_rb_entry *v = realloc(m->e, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		m->e = v;
		m->cap = cap;
	}
	c.path = str_copy(m, e->path, &oom);
	c.target = str_copy(m, e->target, &oom);
	c.xattrs = str_copy(m, e->xattrs, &oom);
	if (oom || !c.path)
		return -ENOMEM;
	m->e[m->n++] = c;
	if (m->leaves)
		m->leaves->n = (size_t)-1; /* no longer its lines */
	return 0;
}

int nono_rb_path_cmp(const char *a, const char *b)
{
	/* The root first, whatever bytes the other names start with (a
	 * name such as "-x" or "#a#" sorts before "." by bytes). */
	bool ra = a[0] == '.' && !a[1], rb = b[0] == '.' && !b[1];

	if (ra || rb)
		return rb - ra;
	return strcmp(a, b);
}

static int by_path(const void *a, const void *b)
{
	const struct nono_rb_entry *x = a, *y = b;

	return nono_rb_path_cmp(x->path, y->path);
}

/* Sorts @p by path: a merge of the ascending runs it already has (a
 * capture's threads each emit their directories in order, so there are
 * few), O(n log runs); musl's qsort took 0.1 s for 100,000 paths. */
static int sort_runs(const struct nono_rb_entry **p, size_t n)
{
	const struct nono_rb_entry **tmp = malloc(n * sizeof(*tmp));
	size_t *run = malloc((n + 1) * sizeof(*run)), nr = 0;

	if (!tmp || !run) {
		free(tmp);
		free(run);
		return -ENOMEM;
	}
	run[nr++] = 0;
	for (size_t i = 1; i < n; i++)
		if (by_path(p[i - 1], p[i]) > 0)
			run[nr++] = i;
	run[nr] = n;
	/* Merge neighbouring runs until one is left. */
	while (nr > 1) {
		size_t k = 0;

		for (size_t r = 0; r < nr; r += 2) {
			size_t a = run[r], mid = run[r + 1],
			       end = r + 2 <= nr ? run[r + 2] : mid;
			size_t i = a, j = mid, o = a;

			while (i < mid && j < end)
				tmp[o++] =
				    by_path(p[j], p[i]) < 0 ? p[j++] : p[i++];
			while (i < mid)
				tmp[o++] = p[i++];
			while (j < end)
				tmp[o++] = p[j++];
			memcpy(p + a, tmp + a, (end - a) * sizeof(*p));
			run[k++] = a;
		}
		run[k] = n;
		nr = k;
	}
	free(tmp);
	free(run);
	return 0;
}

struct group_ref {
	long long key;
	size_t index;
};

static int by_key(const void *a, const void *b)
{
	const struct group_ref *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

int nono_rb_manifest_sort(struct nono_rb_manifest *m)
{
	struct group_ref *g;
	size_t ng = 0;

	if (m->leaves)
		m->leaves->n = (size_t)-1; /* no longer in their order */
	/* Pointers sorted, the entries moved once (sorting the entries
	 * themselves moved ~100 bytes per swap). */
	if (m->n > 1) {
		const struct nono_rb_entry **p = malloc(m->n * sizeof(*p));
		struct nono_rb_entry *v = malloc(m->n * sizeof(*v));

		if (!p || !v) {
			free(p);
			free(v);
			return -ENOMEM;
		}
		for (size_t i = 0; i < m->n; i++)
			p[i] = &m->e[i];
		if (sort_runs(p, m->n) < 0) {
			free(p);
			free(v);
			return -ENOMEM;
		}
		for (size_t i = 0; i < m->n; i++)
			v[i] = *p[i];
		free(p);
		free(m->e);
		m->e = v;
		m->cap = m->n;
	}
	/* A hard-link group is named by its first entry in path order;
	 * until now, by any key. */
	g = malloc((m->n ? m->n : 1) * sizeof(*g));
	if (!g)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++)
		if (m->e[i].link >= 0)
			g[ng++] = (struct group_ref){m->e[i].link, i};
	qsort(g, ng, sizeof(*g), by_key);
	for (size_t i = 0; i < ng; i++) {
		size_t first = i;

		while (i + 1 < ng && g[i + 1].key == g[first].key)
			i++;
		for (size_t k = first; k <= i; k++)
			m->e[g[k].index].link =
			    i > first ? (long long)g[first].index : -1;
	}
	free(g);
	return 0;
}

const struct nono_rb_entry *
nono_rb_manifest_find(const struct nono_rb_manifest *m, const char *path)
{
	struct nono_rb_entry key = {.path = (char *)path};

	return bsearch(&key, m->e, m->n, sizeof(*m->e), by_path);
}

/* Written as it is: printable ASCII but '%', and '"' and '\\' (so that
 * encoded text goes in a JSON string as it is). */
static bool plain(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '%' && c != '"' && c != '\\';
}

void nono_rb_pct_encode(struct nono_ev *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[3];

		if (plain(c))
			continue;
		nono_ev_put(out, s + run, i - run);
		run = i + 1;
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 15];
		nono_ev_put(out, esc, 3);
	}
	nono_ev_put(out, s + run, n - run);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int nono_rb_pct_decode(const char *s, size_t n, char **out, size_t *outlen)
{
	char *d = malloc(n + 1);
	size_t k = 0;

	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			int h, l;

			if (i + 2 >= n)
				goto bad;
			h = hexval(s[i + 1]);
			l = hexval(s[i + 2]);
			if (h < 0 || l < 0)
				goto bad;
			c = (unsigned char)(h << 4 | l);
			/* Only what the encoder escapes is escaped. */
			if (c == 0 || plain(c))
				goto bad;
			i += 2;
		} else if (!plain(c)) {
			goto bad;
		}
		d[k++] = (char)c;
	}
	d[k] = '\0';
	*out = d;
	if (outlen)
		*outlen = k;
	return 0;
bad:
	free(d);
	return -EINVAL;
}

void nono_rb_shown(const char *path, char *out, size_t len)
{
	size_t k = 0;

	for (const unsigned char *p = (const unsigned char *)path;
	     *p && k + 5 < len; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\')
			out[k++] = (char)*p;
		else
			k += (size_t)snprintf(out + k, len - k, "\\x%02x", *p);
	}
	if (len)
		out[k < len ? k : len - 1] = '\0';
}

static void put_str(struct nono_ev *o, const char *s)
{
	nono_ev_put(o, s, strlen(s));
}

/* A header line: @magic, @version, the root encoded. */
static void put_header(struct nono_ev *o, const char *magic, int version,
		       const char *root)
{
	char v[16];

	put_str(o, magic);
	snprintf(v, sizeof(v), "%d ", version);
	put_str(o, v);
	nono_rb_pct_encode(o, root, strlen(root));
	put_str(o, "\n");
}

/* The version of header [@p, @p + @n) ("MAGIC 1 ROOT" to "MAGIC 3 ROOT",
 * the root not empty), with where its root starts in *@root_at; 0 when it
 * is not one (another magic, an unknown version). */
static int header_version(const char *p, size_t n, const char *magic,
			  size_t *root_at)
{
	size_t ml = strlen(magic);

	if (n < ml + 3 || memcmp(p, magic, ml) != 0 || p[ml] < '1' ||
	    p[ml] > '0' + NONO_RB_VERSION || p[ml + 1] != ' ')
		return 0;
	*root_at = ml + 2;
	return p[ml] - '0';
}

/* @v in decimal at @p (the digits' end returned).  Lines are written
 * for every entry of every snapshot: no printf on the way (it was a
 * third of a 100,000-file manifest's cost). */
static char *put_dec(char *p, unsigned long long v)
{
	char tmp[24];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_sdec(char *p, long long v)
{
	if (v < 0) {
		*p++ = '-';
		return put_dec(p, 0ULL - (unsigned long long)v);
	}
	return put_dec(p, (unsigned long long)v);
}

/* One entry's line in the format of @version, without its newline (the
 * hard-link group written as the group's first index):
 * "TYPE MODE [UID] [GID] SIZE MTIME HASH|- LINK|- PATH TARGET|- XATTRS|-"
 * (the uid from version 3, the gid from version 2). */
static void entry_line(struct nono_ev *o, const struct nono_rb_entry *e,
		       int version)
{
	char num[256], *p = num;
	unsigned mode = e->mode & 07777;

	*p++ = e->type;
	*p++ = ' ';
	for (int sh = 9; sh >= 0; sh -= 3)
		*p++ = (char)('0' + ((mode >> sh) & 7));
	*p++ = ' ';
	if (version >= 3) {
		/* Version 3: the owner, "-" when not known. */
		if (e->uid >= 0)
			p = put_sdec(p, e->uid);
		else
			*p++ = '-';
		*p++ = ' ';
	}
	if (version >= 2) {
		/* Version 2: the group owner, "-" when not known. */
		if (e->gid >= 0)
			p = put_sdec(p, e->gid);
		else
			*p++ = '-';
		*p++ = ' ';
	}
	p = put_dec(p, e->size);
	*p++ = ' ';
	p = put_sdec(p, e->mtime_ns);
	*p++ = ' ';
	if (e->type == NONO_RB_FILE) {
		nono_hex(e->hash, sizeof(e->hash), p);
		p += 2 * sizeof(e->hash);
	} else {
		*p++ = '-';
	}
	*p++ = ' ';
	if (e->link >= 0)
		p = put_sdec(p, e->link);
	else
		*p++ = '-';
	*p++ = ' ';
	nono_ev_put(o, num, (size_t)(p - num));
	nono_rb_pct_encode(o, e->path, strlen(e->path));
	put_str(o, " ");
	if (e->target && *e->target)
		nono_rb_pct_encode(o, e->target, strlen(e->target));
	else
		put_str(o, "-");
	put_str(o, " ");
	put_str(o, e->xattrs && *e->xattrs ? e->xattrs : "-");
}

int nono_rb_manifest_text(const struct nono_rb_manifest *m, struct nono_ev *out,
			  uint8_t root[NONO_SHA256_LEN])
{
	struct nono_merkle t;
	struct nono_ev line = {0};
	nono_hash leaf, r;

	nono_merkle_init(&t);
	put_header(out, MANIFEST_MAGIC, m->version, m->root);
	for (size_t i = 0; i < m->n; i++) {
		line.len = 0;
		entry_line(&line, &m->e[i], m->version);
		if (line.oom)
			break;
		nono_merkle_leaf(line.buf, line.len, &leaf);
		nono_merkle_push(&t, &leaf);
		if (m->leaves && i < m->leaves->cap)
			memcpy(m->leaves->h[i], leaf.b, NONO_SHA256_LEN);
		nono_ev_put(out, line.buf, line.len);
		put_str(out, "\n");
	}
	if (line.oom || out->oom) {
		nono_ev_free(&line);
		return -ENOMEM;
	}
	nono_ev_free(&line);
	nono_merkle_root(&t, &r);
	if (root)
		memcpy(root, r.b, NONO_SHA256_LEN);
	if (m->leaves && m->n <= m->leaves->cap)
		m->leaves->n = m->n; /* all made */
	return 0;
}

/* The next space-separated field of [*p, end): its start and length. */
static bool field(const char **p, const char *end, const char **f, size_t *n)
{
	const char *s = *p, *sp;

	if (s >= end)
		return false;
	sp = memchr(s, ' ', (size_t)(end - s));
	*f = s;
	*n = sp ? (size_t)(sp - s) : (size_t)(end - s);
	*p = sp ? sp + 1 : end;
	return *n > 0;
}

static bool parse_u64(const char *s, size_t n, int base,
		      unsigned long long *out)
{
	unsigned long long v = 0;

	if (n == 0 || n > 20)
		return false;
	/* One spelling per number: the text is what the root hashes. */
	if (base == 10 && n > 1 && s[0] == '0')
		return false;
	for (size_t i = 0; i < n; i++) {
		int d = base == 8
			    ? (s[i] >= '0' && s[i] <= '7' ? s[i] - '0' : -1)
			    : (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);

		if (d < 0 || v > (~0ULL - (unsigned)d) / (unsigned)base)
			return false;
		v = v * (unsigned)base + (unsigned)d;
	}
	*out = v;
	return true;
}

static bool xattrs_ok(const char *s, size_t n)
{
	/* HEXNAME=HEXVALUE[,HEXNAME=HEXVALUE...] */
	size_t i = 0;

	while (i < n) {
		size_t a = i, eq, b;

		while (i < n && hexval(s[i]) >= 0)
			i++;
		if (i == a || (i - a) % 2 || i >= n || s[i] != '=')
			return false;
		eq = i++;
		b = i;
		while (i < n && hexval(s[i]) >= 0)
			i++;
		if ((i - b) % 2)
			return false;
		(void)eq;
		if (i < n && s[i++] != ',')
			return false;
		if (i == n && s[n - 1] == ',')
			return false;
	}
	return n > 0;
}

static int parse_entry(const char *s, size_t n, size_t index, int version,
		       struct nono_rb_entry *e, char *why, size_t whylen)
{
	const char *p = s, *end = s + n, *f;
	size_t fl;
	unsigned long long v;

	memset(e, 0, sizeof(*e));
	e->link = -1;
	e->gid = -1;
	e->uid = -1;
	if (n == 0 || s[n - 1] == ' ') {
		snprintf(why, whylen, "a space at the end of the line");
		return -EINVAL;
	}
	if (!field(&p, end, &f, &fl) || fl != 1 ||
	    (f[0] != NONO_RB_FILE && f[0] != NONO_RB_DIR &&
	     f[0] != NONO_RB_LINK && f[0] != NONO_RB_SKIP &&
	     f[0] != NONO_RB_OPAQUE)) {
		snprintf(why, whylen, "type: expected f, d, l, x or u");
		return -EINVAL;
	}
	e->type = f[0];
	if (!field(&p, end, &f, &fl) || fl != 4 || !parse_u64(f, fl, 8, &v) ||
	    v > 07777) {
		snprintf(why, whylen, "mode: expected 4 octal digits");
		return -EINVAL;
	}
	e->mode = (unsigned)v;
	if (version >= 3) {
		/* The owner: one decimal spelling, or "-" (not known).
		 * (uid_t)-1 is no user: chown's "no change". */
		if (!field(&p, end, &f, &fl) ||
		    (!(fl == 1 && f[0] == '-') &&
		     (!parse_u64(f, fl, 10, &v) ||
		      v > (unsigned long long)NONO_RB_UID_MAX))) {
			snprintf(why, whylen, "uid: expected a user id or -");
			return -EINVAL;
		}
		if (f[0] != '-')
			e->uid = (long long)v;
	}
	if (version >= 2) {
		/* The group owner: one decimal spelling, or "-" (not
		 * known).  (gid_t)-1 is no group: chown's "no change". */
		if (!field(&p, end, &f, &fl) ||
		    (!(fl == 1 && f[0] == '-') &&
		     (!parse_u64(f, fl, 10, &v) ||
		      v > (unsigned long long)NONO_RB_GID_MAX))) {
			snprintf(why, whylen, "gid: expected a group id or -");
			return -EINVAL;
		}
		if (f[0] != '-')
			e->gid = (long long)v;
	}
	if (!field(&p, end, &f, &fl) || !parse_u64(f, fl, 10, &e->size)) {
		snprintf(why, whylen, "size: expected a number");
		return -EINVAL;
	}
	{
		bool neg = false;

		if (!field(&p, end, &f, &fl))
			goto bad_time;
		if (f[0] == '-') {
			neg = true;
			f++;
			fl--;
		}
		if (!parse_u64(f, fl, 10, &v) ||
		    v > (unsigned long long)INT64_MAX || (neg && v == 0))
			goto bad_time;
		e->mtime_ns = neg ? -(long long)v : (long long)v;
	}
	if (!field(&p, end, &f, &fl)) {
		snprintf(why, whylen, "hash: missing");
		return -EINVAL;
	}
	if (e->type == NONO_RB_FILE) {
		bool lower = fl == 2 * NONO_SHA256_LEN;

		for (size_t i = 0; lower && i < fl; i++)
			lower = hexval(f[i]) >= 0;
		if (!lower || nono_unhex(f, NONO_SHA256_LEN, e->hash) < 0) {
			snprintf(why, whylen, "hash: expected 64 hex digits");
			return -EINVAL;
		}
	} else if (fl != 1 || f[0] != '-') {
		snprintf(why, whylen, "hash: only files have one");
		return -EINVAL;
	}
	if (!field(&p, end, &f, &fl)) {
		snprintf(why, whylen, "link group: missing");
		return -EINVAL;
	}
	if (!(fl == 1 && f[0] == '-')) {
		if (e->type != NONO_RB_FILE || !parse_u64(f, fl, 10, &v) ||
		    v > index) {
			snprintf(why, whylen,
				 "link group: expected a file's earlier entry");
			return -EINVAL;
		}
		e->link = (long long)v;
	}
	if (!field(&p, end, &f, &fl) ||
	    nono_rb_pct_decode(f, fl, &e->path, NULL) < 0) {
		snprintf(why, whylen, "path: not percent-encoded");
		return -EINVAL;
	}
	if (!field(&p, end, &f, &fl)) {
		snprintf(why, whylen, "target: missing");
		return -EINVAL;
	}
	if (!(fl == 1 && f[0] == '-')) {
		if ((e->type != NONO_RB_LINK && e->type != NONO_RB_OPAQUE) ||
		    nono_rb_pct_decode(f, fl, &e->target, NULL) < 0) {
			snprintf(why, whylen,
				 "target: only a symlink has one, encoded");
			return -EINVAL;
		}
		if (e->type == NONO_RB_OPAQUE &&
		    !nono_rb_opaque_ok(e->target)) {
			snprintf(why, whylen,
				 "target: why an entry is not captured: "
				 "unreadable, fifo, socket, device, busy, "
				 "too-deep or too-big");
			return -EINVAL;
		}
	} else if (e->type == NONO_RB_LINK || e->type == NONO_RB_OPAQUE) {
		snprintf(why, whylen,
			 "target: a symlink needs one, and so "
			 "does an entry not captured (why)");
		return -EINVAL;
	}
	if (!field(&p, end, &f, &fl) || p != end) {
		snprintf(why, whylen, "xattrs: missing, or more fields");
		return -EINVAL;
	}
	if (!(fl == 1 && f[0] == '-')) {
		/* Version 3: "?", more than a snapshot keeps. */
		bool lost = version >= 3 && fl == 1 && f[0] == '?';

		if ((!lost && !xattrs_ok(f, fl)) ||
		    !(e->xattrs = strndup(f, fl))) {
			snprintf(why, whylen, "xattrs: HEX=HEX[,HEX=HEX]%s",
				 version >= 3 ? " or ?" : "");
			return -EINVAL;
		}
	}
	return 0;
bad_time:
	snprintf(why, whylen, "mtime: expected nanoseconds");
	return -EINVAL;
}

/* Whether @path is a canonical relative path: ".", or components with no
 * "", ".", ".." and no leading or trailing slash. */
static bool path_ok(const char *path)
{
	const char *p = path;

	if (strcmp(path, ".") == 0)
		return true;
	if (!*p || *p == '/')
		return false;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
		if (*p == '/') {
			p++;
			if (!*p)
				return false;
		}
	}
	return true;
}

int nono_rb_manifest_parse(const char *text, size_t len,
			   struct nono_rb_manifest *m,
			   uint8_t root[NONO_SHA256_LEN], size_t *bad_line,
			   char *why, size_t whylen)
{
	const char *p = text, *end = text + len, *nl;
	struct nono_merkle t;
	nono_hash leaf, r;
	size_t line = 1, at = 0;
	int ret;

	nono_rb_manifest_init(m);
	nono_merkle_init(&t);
	*bad_line = 1;
	nl = memchr(p, '\n', len);
	m->version =
	    nl ? header_version(p, (size_t)(nl - p), MANIFEST_MAGIC, &at) : 0;
	if (!m->version) {
		snprintf(why, whylen,
			 "not a nono rollback manifest (version 1, 2 or 3)");
		nono_rb_manifest_free(m);
		return -EINVAL;
	}
	ret = nono_rb_pct_decode(p + at, (size_t)(nl - p) - at, &m->root, NULL);
	if (ret < 0 || m->root[0] != '/') {
		snprintf(why, whylen, "root: an absolute path, encoded");
		nono_rb_manifest_free(m);
		return -EINVAL;
	}
	p = nl + 1;
	while (p < end) {
		struct nono_rb_entry e;

		line++;
		*bad_line = line;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			snprintf(why, whylen, "cut short (no newline)");
			goto bad;
		}
		if (parse_entry(p, (size_t)(nl - p), m->n, m->version, &e, why,
				whylen) < 0) {
			entry_free(&e);
			goto bad;
		}
		if (!path_ok(e.path) ||
		    (m->n &&
		     nono_rb_path_cmp(m->e[m->n - 1].path, e.path) >= 0) ||
		    (m->n == 0 && strcmp(e.path, ".") != 0) ||
		    (m->n == 0 && e.type != NONO_RB_DIR) ||
		    (e.link >= 0 && (size_t)e.link < m->n &&
		     (m->e[e.link].type != NONO_RB_FILE ||
		      m->e[e.link].link != e.link))) {
			snprintf(why, whylen,
				 "path: not canonical, not in order, or the "
				 "first is not the root directory \".\"");
			entry_free(&e);
			goto bad;
		}
		nono_merkle_leaf(p, (size_t)(nl - p), &leaf);
		nono_merkle_push(&t, &leaf);
		ret = nono_rb_manifest_add(m, &e);
		entry_free(&e);
		if (ret < 0) {
			snprintf(why, whylen, "out of memory");
			goto bad;
		}
		p = nl + 1;
	}
	if (m->n == 0) {
		*bad_line = 2;
		snprintf(why, whylen, "no entries (the root is missing)");
		goto bad;
	}
	nono_merkle_root(&t, &r);
	if (root)
		memcpy(root, r.b, NONO_SHA256_LEN);
	*bad_line = 0;
	return 0;
bad:
	nono_rb_manifest_free(m);
	return -EINVAL;
}

/* ---- deltas ------------------------------------------------------------ */

static bool same_str(const char *a, const char *b)
{
	return (!a || !*a) ? (!b || !*b) : (b && strcmp(a, b) == 0);
}

/* Whether @a and @b have the same line (entry_line is a function of
 * these fields alone). */
static bool same_entry(const struct nono_rb_entry *a,
		       const struct nono_rb_entry *b)
{
	return a->type == b->type && (a->mode & 07777) == (b->mode & 07777) &&
	       a->uid == b->uid && a->gid == b->gid && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns && a->link == b->link &&
	       (a->type != NONO_RB_FILE ||
		memcmp(a->hash, b->hash, NONO_SHA256_LEN) == 0) &&
	       strcmp(a->path, b->path) == 0 &&
	       same_str(a->target, b->target) && same_str(a->xattrs, b->xattrs);
}

int nono_rb_manifest_delta(const struct nono_rb_manifest *base,
			   const struct nono_rb_manifest *m,
			   struct nono_ev *out, uint8_t root[NONO_SHA256_LEN])
{
	struct nono_ev lm = {0};
	struct nono_merkle t;
	nono_hash leaf, r;
	size_t i = 0, j = 0;
	const struct nono_rb_leaves *leaves =
	    base->leaves && base->leaves->n == base->n ? base->leaves : NULL;
	/* @m's own, when kept (a baseline against its base): no line is
	 * hashed again. */
	const struct nono_rb_leaves *mine =
	    m->leaves && m->leaves->n == m->n ? m->leaves : NULL;

	/* A delta is read against its baseline alone: both of one
	 * version (a line's fields are the version's). */
	if (base->version != m->version)
		return -EINVAL;
	nono_merkle_init(&t);
	put_header(out, DELTA_MAGIC, m->version, m->root);
	while (i < base->n || j < m->n) {
		int c = i == base->n ? 1
			: j == m->n
			    ? -1
			    : nono_rb_path_cmp(base->e[i].path, m->e[j].path);

		if (c < 0) { /* gone */
			put_str(out, "- ");
			nono_rb_pct_encode(out, base->e[i].path,
					   strlen(base->e[i].path));
			put_str(out, "\n");
			i++;
			continue;
		}
		/* Unchanged (the same fields make the same line): the
		 * base's leaf, kept from its text, when it was. */
		if (c == 0 && (leaves || mine) &&
		    same_entry(&base->e[i], &m->e[j])) {
			memcpy(leaf.b, mine ? mine->h[j] : leaves->h[i],
			       NONO_SHA256_LEN);
			nono_merkle_push(&t, &leaf);
			i++;
			j++;
			continue;
		}
		lm.len = 0;
		entry_line(&lm, &m->e[j], m->version);
		if (lm.oom)
			break;
		if (mine)
			memcpy(leaf.b, mine->h[j], NONO_SHA256_LEN);
		else
			nono_merkle_leaf(lm.buf, lm.len, &leaf);
		nono_merkle_push(&t, &leaf);
		/* New, or its line (content, mode, mtime, link index...)
		 * differs from the base's. */
		if (c > 0 || !same_entry(&base->e[i++], &m->e[j])) {
			nono_ev_put(out, lm.buf, lm.len);
			put_str(out, "\n");
		}
		j++;
	}
	if (lm.oom || out->oom) {
		nono_ev_free(&lm);
		return -ENOMEM;
	}
	nono_ev_free(&lm);
	nono_merkle_root(&t, &r);
	if (root)
		memcpy(root, r.b, NONO_SHA256_LEN);
	return 0;
}

int nono_rb_manifest_apply(const struct nono_rb_manifest *base,
			   const char *text, size_t len,
			   struct nono_rb_manifest *m,
			   uint8_t root[NONO_SHA256_LEN], size_t *bad_line,
			   char *why, size_t whylen)
{
	const char *p = text, *end = text + len, *nl;
	struct nono_ev full = {0};
	char *rootpath = NULL, *prev = NULL;
	size_t i = 0, line = 1, at = 0;
	int ret = -EINVAL, version = 0;

	nono_rb_manifest_init(m);
	*bad_line = 1;
	nl = memchr(p, '\n', len);
	if (nl)
		version = header_version(p, (size_t)(nl - p), DELTA_MAGIC, &at);
	if (!version ||
	    nono_rb_pct_decode(p + at, (size_t)(nl - p) - at, &rootpath, NULL) <
		0 ||
	    strcmp(rootpath, base->root) != 0) {
		snprintf(why, whylen,
			 "not a nono rollback delta (version 1, 2 or 3) of "
			 "this tree");
		free(rootpath);
		return -EINVAL;
	}
	if (version != base->version) {
		/* Its lines have the other version's fields: merged with
		 * the baseline's they would make a manifest of neither. */
		snprintf(why, whylen,
			 "a version-%d delta does not apply to a version-%d "
			 "baseline",
			 version, base->version);
		free(rootpath);
		return -EINVAL;
	}
	/* The whole manifest: the base's lines but those the delta removes
	 * or replaces, merged with the delta's in path order; then parsed
	 * like any manifest (every check, and its Merkle root). */
	put_header(&full, MANIFEST_MAGIC, version, rootpath);
	free(rootpath);
	for (p = nl + 1; p < end; p = nl + 1) {
		struct nono_rb_entry e = {0};
		bool gone;
		char *path = NULL;

		*bad_line = ++line;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			snprintf(why, whylen, "cut short (no newline)");
			goto out;
		}
		gone = nl - p >= 2 && p[0] == '-' && p[1] == ' ';
		if (gone ? nono_rb_pct_decode(p + 2, (size_t)(nl - p - 2),
					      &path, NULL) < 0
			 : parse_entry(p, (size_t)(nl - p), (size_t)-2, version,
				       &e, why, whylen) < 0) {
			if (gone)
				snprintf(why, whylen,
					 "a removed path, encoded");
			entry_free(&e);
			goto out;
		}
		if (!gone) {
			path = e.path;
			e.path = NULL;
			entry_free(&e);
		}
		if (prev && nono_rb_path_cmp(prev, path) >= 0) {
			snprintf(why, whylen, "path: not in order");
			free(path);
			goto out;
		}
		free(prev);
		prev = path;
		/* The base's entries before it, then it (or nothing). */
		for (;
		     i < base->n && nono_rb_path_cmp(base->e[i].path, path) < 0;
		     i++) {
			entry_line(&full, &base->e[i], version);
			put_str(&full, "\n");
		}
		if (i < base->n && nono_rb_path_cmp(base->e[i].path, path) == 0)
			i++;
		else if (gone) {
			snprintf(why, whylen, "a removed path the base lacks");
			goto out;
		}
		if (!gone) {
			nono_ev_put(&full, p, (size_t)(nl - p));
			put_str(&full, "\n");
		}
	}
	for (; i < base->n; i++) {
		entry_line(&full, &base->e[i], version);
		put_str(&full, "\n");
	}
	if (full.oom) {
		ret = -ENOMEM;
		goto out;
	}
	ret = nono_rb_manifest_parse(full.buf, full.len, m, root, bad_line, why,
				     whylen);
	if (ret < 0)
		snprintf(why + strlen(why), whylen - strlen(why),
			 " (in the manifest the delta makes)");
out:
	free(prev);
	nono_ev_free(&full);
	return ret;
}
