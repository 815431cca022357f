// SPDX-License-Identifier: Apache-2.0
/*
 * The refs and the index that a session left pointing at refused paths,
 * put back (gitrefs_put.h).  Refs go back in one git update-ref
 * transaction, each checked against the value the sandbox left (another
 * git of the user's that moved it since wins, and the warning says so),
 * with the sandbox's value kept under refs/nono/quarantine/<id>/<ref> so
 * that nothing is lost; symbolic refs with git symbolic-ref; the
 * pseudo-refs at the top of the git directory (ORIG_HEAD, FETCH_HEAD) and
 * the index are files nono writes back itself, through the git directory
 * fd it opened at the start, never following a link.  The reflog entries
 * the session added to a ref put back (and to HEAD's) go too: HEAD@{1}
 * would otherwise name the sandbox's commit.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "audit/event.h"
#include "audit/log.h"
#include "cli/gitrefs_put.h"
#include "cli/output.h"
#include "util/cleanup.h"

#define QUARANTINE "refs/nono/quarantine/"
#define SHOW_PATHS 6
#define MSG "nono: put back what the sandbox moved"

/* A growing text (the transaction given to git update-ref --stdin -z). */
struct text {
	char *s;
	size_t n, cap;
	bool oom;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (t->oom)
		return;
	if (t->n + n + 1 > t->cap) {
		size_t cap = (t->n + n + 1) * 2;
		char *p = realloc(t->s, cap);

		if (!p) {
			t->oom = true;
			return;
		}
		t->s = p;
		t->cap = cap;
	}
	memcpy(t->s + t->n, s, n);
	t->n += n;
	t->s[t->n] = '\0';
}

/* @s and its NUL (update-ref -z's field separator). */
static void field(struct text *t, const char *s)
{
	put(t, s, strlen(s) + 1);
}

/* @rel beneath @dfd, no symbolic link on the way: an fd or -errno. */
static int open_beneath(int dfd, const char *rel, int flags)
{
	struct open_how how = {
	    .flags = (unsigned long long)(flags | O_NOFOLLOW | O_CLOEXEC),
	    .resolve =
		RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, dfd, rel, &how, sizeof(how));

	return fd < 0 ? -errno : fd;
}

/* Removes @rel beneath @dfd (the name, never what a link leads to). */
static int unlink_beneath(int dfd, const char *rel)
{
	const char *slash = strrchr(rel, '/');
	char dir[PATH_MAX];
	nono_autoclose int d = -1;

	if (!slash)
		return unlinkat(dfd, rel, 0) < 0 ? -errno : 0;
	if ((size_t)(slash - rel) >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, rel, (size_t)(slash - rel));
	dir[slash - rel] = '\0';
	d = open_beneath(dfd, dir, O_PATH | O_DIRECTORY);
	if (d < 0)
		return d;
	return unlinkat(d, slash + 1, 0) < 0 ? -errno : 0;
}

/*
 * The reflog @rel (below logs/) back to the @size bytes it had at the
 * start (same file, only appended to): the session's entries go.  None
 * at the start (@size -1): removed.  A file the session replaced is left
 * (nothing of the start's is known in it).
 */
static void trim_log(int gfd, const char *rel, long long size,
		     unsigned long long ino)
{
	char path[PATH_MAX];
	nono_autoclose int fd = -1;
	struct stat st;

	if ((size_t)snprintf(path, sizeof(path), "logs/%s", rel) >=
	    sizeof(path))
		return;
	if (size < 0) {
		unlink_beneath(gfd, path);
		return;
	}
	fd = open_beneath(gfd, path, O_WRONLY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (unsigned long long)st.st_ino != ino || st.st_size <= size)
		return;
	if (ftruncate(fd, size) < 0)
		return; /* left as it is: the warning names the ref */
}

/* Replaces the file @name at the top of the git directory by @text and a
 * line break (a temporary beside it, renamed over: a link there is
 * replaced, never followed). */
static int write_top(int gfd, const char *name, const char *text)
{
	char tmp[NAME_MAX + 1];
	nono_autoclose int fd = -1;
	size_t len = strlen(text), off = 0;
	int r = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.nono-%d", name,
			     (int)getpid()) >= sizeof(tmp))
		return -ENAMETOOLONG;
	unlinkat(gfd, tmp, 0);
	fd = openat(gfd, tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (r == 0 && off <= len) {
		const char *p = off < len ? text + off : "\n";
		size_t n = off < len ? len - off : 1;
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			r = w < 0 ? -errno : -EIO;
		else
			off += (size_t)w;
	}
	if (r == 0 && renameat(gfd, tmp, gfd, name) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(gfd, tmp, 0);
	return r;
}

/* The first object name of a value, when it has one. */
static const char *cur_oid(const struct gitchange *c)
{
	return c->oids.n ? c->oids.v[0] : NULL;
}

/* "a, b, c, ... (N in all)", each name made printable. */
static void list_paths(const struct strv *p, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < p->n && i < SHOW_PATHS; i++) {
		int w = snprintf(out + used, len - used, "%s%s", i ? ", " : "",
				 out_name(p->v[i]));

		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
	if (p->n > SHOW_PATHS)
		snprintf(out + used, len - used, ", ... (%zu in all)", p->n);
}

/* How the user's git is pointed at the repository, in a hint. */
static void git_at(const struct gitrepo *r, char *out, size_t len)
{
	if (r->top)
		snprintf(out, len, "git -C %s", out_name(r->top));
	else
		snprintf(out, len, "git --git-dir=%s", out_name(r->gitdir));
}

static void audit_ref(struct run_ctx *c, const struct gitrepo *r,
		      const struct gitchange *ch, const char *action,
		      const char *quarantine)
{
	struct nono_ev e;

	if (!c->rt.audit)
		return;
	nono_ev_begin(&e, "git_ref_restored");
	nono_ev_str(&e, "repository", r->top ? r->top : r->gitdir);
	nono_ev_str(&e, "ref", ch->name);
	nono_ev_str(&e, "action", action);
	if (ch->s)
		nono_ev_str(&e, "start", ch->s->val);
	nono_ev_str(&e, "sandbox", ch->e->val);
	if (quarantine)
		nono_ev_str(&e, "quarantine", quarantine);
	if (ch->paths.n)
		nono_ev_strv(&e, "paths", ch->paths.v, ch->paths.n);
	else if (ch->why)
		nono_ev_str(&e, "reason", ch->why);
	if (nono_ev_end(&e) == 0)
		nono_audit_emit_always(c->rt.audit, &e);
	else
		nono_ev_free(&e);
}

static void report(struct run_ctx *c, const struct gitrepo *r,
		   const struct gitchange *ch, const char *id, bool failed,
		   bool kept)
{
	char paths[1024], q[PATH_MAX], git[PATH_MAX + 32], what[1400];
	const char *where = out_name(r->top ? r->top : r->gitdir);
	const char *action = !ch->s ? "removed" : "put back";

	snprintf(q, sizeof(q), QUARANTINE "%s/%s", id, ch->name);
	git_at(r, git, sizeof(git));
	if (ch->symref) {
		snprintf(what, sizeof(what), "to lead to %s (put back too)",
			 out_name(ch->e->val + 5));
	} else if (ch->paths.n) {
		list_paths(&ch->paths, paths, sizeof(paths));
		snprintf(what, sizeof(what),
			 "%s commits that add %s, which nono refuses to make "
			 "in the work tree (the next git checkout outside "
			 "nono would write them)",
			 ch->s ? "to" : "at", paths);
	} else {
		snprintf(what, sizeof(what), "(%s)",
			 ch->why ? ch->why : "what git cannot read");
	}
	if (failed) {
		out_error("%s: the sandbox %s %s %s, and nono could not put it "
			  "back; check it before you check anything out: "
			  "%s log %s",
			  where, ch->s ? "moved" : "made", out_name(ch->name),
			  what, git, out_name(ch->name));
		return;
	}
	out_security_warn("%s: the sandbox %s %s %s; %s%s%s%s", where,
			  ch->s ? "moved" : "made", out_name(ch->name), what,
			  action, ch->s ? " as it was at the start" : "",
			  kept ? ", the sandbox's commit kept as " : "",
			  kept ? q : "");
	if (kept)
		out_hint("to take it anyway: %s update-ref%s %s %s", git,
			 strcmp(ch->name, "HEAD") == 0 ? " --no-deref" : "",
			 out_name(ch->name), q);
	else if (ch->symref)
		out_hint("to take it anyway: %s symbolic-ref %s %s", git,
			 out_name(ch->name), out_name(ch->e->val + 5));
	audit_ref(c, r, ch, action, kept ? q : NULL);
}

/* mkdir -p of @rel's parents beneath @gfd, no link followed: the parent's
 * fd (its name in *@base), or -errno. */
static int parent_beneath(int gfd, const char *rel, const char **base)
{
	const char *p = rel, *slash;
	int fd = fcntl(gfd, F_DUPFD_CLOEXEC, 3);

	while (fd >= 0 && (slash = strchr(p, '/')) != NULL) {
		char name[NAME_MAX + 1];
		int next;

		if ((size_t)(slash - p) > NAME_MAX) {
			close(fd);
			return -ENAMETOOLONG;
		}
		memcpy(name, p, (size_t)(slash - p));
		name[slash - p] = '\0';
		if (mkdirat(fd, name, 0755) < 0 && errno != EEXIST) {
			int e = -errno;

			close(fd);
			return e;
		}
		next = openat(fd, name,
			      O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
		p = slash + 1;
	}
	*base = p;
	return fd < 0 ? -errno : fd;
}

/* The loose ref @name written as @val, without git (when git failed: a
 * lock the sandbox left, objects it made unreadable). */
static int write_loose(int gfd, const char *name, const char *val)
{
	const char *base;
	nono_autoclose int d = parent_beneath(gfd, name, &base);

	if (d < 0)
		return d;
	/* A directory in its place (refs/heads/main/x) is the sandbox's;
	 * the ref is the user's. */
	if (unlinkat(d, base, AT_REMOVEDIR) < 0 && errno == ENOTEMPTY)
		return -ENOTEMPTY;
	return write_top(d, base, val);
}

/* packed-refs without @name (and its peeled line), without git. */
static int unpack(int gfd, const char *name)
{
	nono_autoclose int fd = -1;
	nono_autofree char *buf = NULL;
	struct text t = {0};
	struct stat st;
	size_t n = 0, len = strlen(name);
	bool skip = false;
	int r;

	fd = openat(gfd, "packed-refs",
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > (64 << 20))
		return -EINVAL;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (n < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + n, (size_t)st.st_size - n);

		if (k <= 0)
			break;
		n += (size_t)k;
	}
	buf[n] = '\0';
	for (char *p = buf; *p;) {
		char *eol = strchrnul(p, '\n');
		char *sp = memchr(p, ' ', (size_t)(eol - p));
		bool mine = p[0] != '^' && p[0] != '#' && sp &&
			    (size_t)(eol - sp - 1) == len &&
			    strncmp(sp + 1, name, len) == 0;

		if (p[0] != '^')
			skip = mine;
		if (!skip)
			put(&t, p, (size_t)(eol - p) + (*eol ? 1 : 0));
		p = *eol ? eol + 1 : eol;
	}
	if (t.oom) {
		free(t.s);
		return -ENOMEM;
	}
	/* write_top adds a line break; the text ends with one. */
	if (t.n && t.s[t.n - 1] == '\n')
		t.s[--t.n] = '\0';
	r = write_top(gfd, "packed-refs", t.s ? t.s : "");
	free(t.s);
	return r;
}

/* One ref put back without git.  0 or -errno. */
static int put_raw(const struct gitrepo *r, const struct gitchange *x)
{
	int e;

	if (x->s)
		return write_loose(r->fd, x->name, x->s->val);
	e = unlink_beneath(r->fd, x->name);
	if (e < 0 && e != -ENOENT)
		return e;
	return unpack(r->fd, x->name);
}

/* A pseudo-ref's text git takes: an object name first. */
static bool pseudo_ok(const char *v)
{
	size_t n = strspn(v, "0123456789abcdef");

	return (n == 40 || n == 64) && gitrefs_is_oid(v, n);
}

/* The start's value is one git takes (or nothing is to be put back). */
static bool restorable(const struct gitchange *x)
{
	return !x->s || strncmp(x->s->val, "ref: ", 5) == 0 ||
	       gitrefs_is_oid(x->s->val, strlen(x->s->val));
}

int gitrefs_put_back(struct run_ctx *c, struct gitx *g, struct gitrepo *r,
		     struct gitchange *ch, size_t nch, const char *id)
{
	static const char *const tx[] = {"update-ref", "-m", MSG,
					 "--stdin",    "-z", NULL};
	struct text t = {0};
	struct gitx_out o = {0};
	size_t nbad = 0;
	bool failed = false, lost = false;
	char q[PATH_MAX];

	for (size_t i = 0; i < nch; i++) {
		const struct gitchange *x = &ch[i];
		const char *cur = cur_oid(x);

		if (!x->bad)
			continue;
		nbad++;
		if (cur && !x->symref) {
			snprintf(q, sizeof(q), QUARANTINE "%s/%s", id, x->name);
			put(&t, "update ", 7);
			field(&t, q);
			field(&t, cur);
			field(&t, "");
		}
		if (gitrefs_pseudo(x->name) || !restorable(x))
			continue;
		/* What the sandbox left in the way: its link, its lock. */
		if (strncmp(x->e->val, "link:", 5) == 0)
			unlink_beneath(r->fd, x->name);
		if ((size_t)snprintf(q, sizeof(q), "%s.lock", x->name) <
		    sizeof(q))
			unlink_beneath(r->fd, q);
		trim_log(r->fd, x->name, x->s ? x->s->logsize : -1,
			 x->s ? x->s->logino : 0);
		if (x->s && strncmp(x->s->val, "ref: ", 5) == 0)
			continue; /* git symbolic-ref, below */
		/* The ref itself, never what it leads to; checked against
		 * what the sandbox left, when that was an object name. */
		put(&t, "option no-deref", 16);
		put(&t, x->s ? "update " : "delete ", 7);
		field(&t, x->name);
		if (x->s)
			field(&t, x->s->val);
		field(&t, cur && !x->symref && x->oids.n == 1 &&
				  strlen(x->e->val) == strlen(cur)
			      ? cur
			      : "");
	}
	if (!nbad)
		return 0;
	trim_log(r->fd, "HEAD", r->start.headlog, r->start.headino);
	unlink_beneath(r->fd, "packed-refs.lock");
	if (t.oom || (t.n && gitx_run(g, r->gitdir, NULL, tx, t.s, t.n, -1,
				      1 << 20, &o) < 0)) {
		failed = true;
		out_warn("%s: %s; the refs are put back without git",
			 out_name(r->top ? r->top : r->gitdir),
			 t.oom ? "out of memory" : o.err);
	}
	free(o.buf);
	free(t.s);
	for (size_t i = 0; i < nch; i++) {
		const struct gitchange *x = &ch[i];
		bool bad = false;

		if (!x->bad)
			continue;
		if (gitrefs_pseudo(x->name)) {
			int e = 0;

			if (x->s && pseudo_ok(x->s->val))
				e = write_top(r->fd, x->name, x->s->val);
			else if (unlinkat(r->fd, x->name, 0) < 0 &&
				 errno != ENOENT)
				e = -errno;
			bad = e < 0;
		} else if (!restorable(x)) {
			bad = true;
		} else if (x->s && strncmp(x->s->val, "ref: ", 5) == 0) {
			const char *args[] = {
			    "symbolic-ref", "-m",          MSG,
			    x->name,        x->s->val + 5, NULL};

			if (gitx_run(g, r->gitdir, NULL, args, NULL, 0, -1,
				     4096, &o) < 0)
				bad =
				    write_loose(r->fd, x->name, x->s->val) < 0;
			free(o.buf);
		} else if (failed) {
			bad = put_raw(r, x) < 0;
		}
		ch[i].failed = bad;
	}
	/* The quarantine after the put-back (which may have removed what
	 * stood in its way), when git did not make it. */
	for (size_t i = 0; i < nch; i++) {
		const struct gitchange *x = &ch[i];
		const char *cur = cur_oid(x);
		bool kept = cur && !x->symref;

		if (!x->bad)
			continue;
		if (kept && failed)
			kept =
			    (size_t)snprintf(q, sizeof(q), QUARANTINE "%s/%s",
					     id, x->name) < sizeof(q) &&
			    write_loose(r->fd, q, cur) == 0;
		report(c, r, x, id, x->failed, kept);
		lost = lost || x->failed;
	}
	return lost ? -1 : 0;
}
