// SPDX-License-Identifier: Apache-2.0
/*
 * nono run's guard of agent configurations (see run_agentcfg.h).  The
 * attack: the claude-code profile must let the sandbox write
 * ~/.claude.json, which also holds MCP servers that Claude Code starts
 * without asking; a planted one would run unsandboxed at the user's next
 * `claude`.  The supervisor reads the file before the command starts and
 * again once the session is over, and puts the code-carrying keys back.
 * What it acts on is what it opened itself: $HOME as an fd taken at the
 * start, the file opened beneath it with no symlink followed, replaced by
 * rename (a symlink or other file the sandbox put there is replaced, never
 * written through).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "audit/event.h"
#include "audit/log.h"
#include "cli/output.h"
#include "cli/run_agentcfg.h"
#include "policy/agentcfg.h"
#include "util/cleanup.h"

/* One guarded file as it was at the start. */
struct snap {
	const struct nono_agentcfg *g;
	int dirfd;        /* its directory, opened beneath $HOME */
	mode_t dirmode;   /* the directory's mode at the start */
	const char *base; /* its name there (the table's) */
	bool absent;      /* there was none */
	char *bytes;      /* its content, when present */
	size_t len;
	mode_t mode;
	struct nono_json *tree; /* parsed, or NULL (absent, or not JSON) */
	char why[160];          /* why it did not parse */
};

struct run_agentcfg {
	struct snap v[sizeof(unsigned) * 8];
	size_t n;
};

enum got { GOT_FILE, GOT_ABSENT, GOT_OTHER, GOT_BIG, GOT_ERR };

/* Reads @s's file as it is now into *@buf (caller frees) and @st: a
 * regular file of ours (GOT_FILE), none, something else there (a symlink,
 * a FIFO, another user's file), too large, or an error (*@err). */
static enum got read_now(const struct snap *s, char **buf, size_t *len,
			 struct stat *st, int *err)
{
	int fd =
	    openat(s->dirfd, s->base,
		   O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	size_t cap, n = 0;
	char *b;

	*buf = NULL;
	*len = 0;
	*err = 0;
	if (fd < 0) {
		*err = errno;
		return errno == ENOENT  ? GOT_ABSENT
		       : errno == ELOOP ? GOT_OTHER
					: GOT_ERR;
	}
	if (fstat(fd, st) < 0) {
		*err = errno;
		close(fd);
		return GOT_ERR;
	}
	if (!S_ISREG(st->st_mode) || st->st_uid != geteuid()) {
		close(fd);
		return GOT_OTHER;
	}
	if (st->st_size > (off_t)NONO_AGENTCFG_MAX_TEXT) {
		close(fd);
		return GOT_BIG;
	}
	/* The size is a hint: the read stops at the ceiling whatever it is. */
	cap = (size_t)st->st_size + 1;
	b = malloc(cap + 1);
	while (b) {
		ssize_t r = read(fd, b + n, cap - n);
		char *nb;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*err = errno;
			free(b);
			close(fd);
			return GOT_ERR;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > NONO_AGENTCFG_MAX_TEXT) {
			free(b);
			close(fd);
			return GOT_BIG;
		}
		if (n < cap)
			continue;
		cap *= 2;
		if (cap > (size_t)NONO_AGENTCFG_MAX_TEXT + 1)
			cap = (size_t)NONO_AGENTCFG_MAX_TEXT + 1;
		nb = realloc(b, cap + 1);
		if (!nb)
			free(b);
		b = nb;
	}
	close(fd);
	if (!b) {
		*err = ENOMEM;
		return GOT_ERR;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return GOT_FILE;
}

/*
 * Writes @len bytes of @text over @s's file where it is: a regular file of
 * ours with no other name, overwritten from its start and cut to @len.
 * Needs neither the directory's write right nor (where the old content
 * was as long) new space: what the sandbox can take from the rename
 * (review r6, F1: a directory made read-only, a full disk).  0 or -errno.
 */
static int overwrite(const struct snap *s, const char *text, size_t len,
		     mode_t mode)
{
	nono_autoclose int fd = openat(
	    s->dirfd, s->base, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	size_t off = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || st.st_nlink != 1)
		return -EPERM;
	while (off < len) {
		ssize_t w = pwrite(fd, text + off, len - off, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		off += (size_t)w;
	}
	if (ftruncate(fd, (off_t)len) < 0 || fchmod(fd, mode & 07777) < 0 ||
	    fsync(fd) < 0)
		return -errno;
	return 0;
}

/* The file's directory writable again for the put-back when the sandbox
 * took its owner's write right away (chmod 555 ~/.claude): our fd, never
 * the path; put as it was at the start.  0 or -errno. */
static int dir_writable(const struct snap *s)
{
	char proc[64];
	struct stat st;

	if (fstat(s->dirfd, &st) < 0)
		return -errno;
	if ((st.st_mode & (S_IWUSR | S_IXUSR)) == (S_IWUSR | S_IXUSR) ||
	    st.st_uid != geteuid())
		return 0;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", s->dirfd);
	return chmod(proc, (s->dirmode | S_IWUSR | S_IXUSR) & 07777) < 0
		   ? -errno
		   : 0;
}

/*
 * Replaces @s's file by @len bytes of @text with @mode: a temporary file
 * beside it under a name nobody can foresee (O_EXCL, no symlink
 * followed), fsync, rename over the name (which replaces whatever is
 * there, a symlink included, without following it), fsync of the
 * directory.  Where no temporary file can be made there, the file is
 * overwritten where it is.  0 or -errno.
 */
static int replace(const struct snap *s, const char *text, size_t len,
		   mode_t mode)
{
	char tmp[NAME_MAX + 1];
	size_t off = 0;
	int fd = -1, r = 0;

	(void)dir_writable(s);
	for (int tries = 0; fd < 0 && tries < 8; tries++) {
		unsigned long long rnd;

		if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return -EIO;
		if ((size_t)snprintf(tmp, sizeof(tmp), ".%.200s.nono-%016llx",
				     s->base, rnd) >= sizeof(tmp))
			return -ENAMETOOLONG;
		fd = openat(
		    s->dirfd, tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		r = -errno;
		/* No new name there (no write right, no space, a name
		 * planted at each try): in place, if it is ours. */
		return overwrite(s, text, len, mode) == 0 ? 0 : r;
	}
	if (fchmod(fd, mode & 07777) < 0)
		r = -errno;
	while (r == 0 && off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			r = w < 0 ? -errno : -EIO;
		else
			off += (size_t)w;
	}
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(s->dirfd, tmp, s->dirfd, s->base) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(s->dirfd, tmp, 0);
		return overwrite(s, text, len, mode) == 0 ? 0 : r;
	}
	(void)fsync(s->dirfd);
	return 0;
}

/* The file's parent beneath @homefd, no symlink on the way (its name in
 * *@base).  An fd, or -errno. */
static int open_parent(int homefd, const char *rel, const char **base)
{
	struct open_how how = {
	    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
	    .resolve =
		RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	const char *slash = strrchr(rel, '/');
	char dir[PATH_MAX];
	int fd;

	*base = slash ? slash + 1 : rel;
	if ((size_t)snprintf(dir, sizeof(dir), "%.*s",
			     slash ? (int)(slash - rel) : 1,
			     slash ? rel : ".") >= sizeof(dir))
		return -ENAMETOOLONG;
	fd = (int)syscall(SYS_openat2, homefd, dir, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

int run_agentcfg_begin(struct run_ctx *c)
{
	struct run_agentcfg *a;
	int homefd;

	if (!c->p.agentcfg || !c->p.home)
		return 0;
	a = calloc(1, sizeof(*a));
	if (!a) {
		out_error("out of memory");
		return -1;
	}
	c->rt.agentcfg = a;
	homefd = open(c->p.home, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (homefd < 0) {
		out_error("%s: %s", c->p.home, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < nono_agentcfg_count(); i++) {
		struct snap *s = &a->v[a->n];
		struct nono_json_error je;
		struct stat st;
		enum got got;
		int err, fd;

		if (!(c->p.agentcfg & (1u << i)))
			continue;
		s->g = nono_agentcfg_at(i);
		fd = open_parent(homefd, s->g->rel, &s->base);
		if (fd == -ELOOP && s->base != s->g->rel) {
			/* The user's own symlink (a dotfiles manager's
			 * ~/.claude): followed now, before the sandbox runs;
			 * the end works on this fd, whatever the link is by
			 * then. */
			char dir[PATH_MAX];

			snprintf(dir, sizeof(dir), "%.*s",
				 (int)(s->base - s->g->rel - 1), s->g->rel);
			fd = openat(homefd, dir,
				    O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				fd = -errno;
		}
		if (fd < 0) {
			/* No directory, no file: it starts absent (the
			 * sandbox cannot make the directory either). */
			if (fd != -ENOENT) {
				out_error("~/%s: %s", s->g->rel, strerror(-fd));
				close(homefd);
				return -1;
			}
			continue;
		}
		s->dirfd = fd;
		s->dirmode = fstat(fd, &st) == 0 ? st.st_mode & 07777 : 0700;
		a->n++;
		got = read_now(s, &s->bytes, &s->len, &st, &err);
		if (got == GOT_ABSENT) {
			s->absent = true;
			continue;
		}
		if (got != GOT_FILE) {
			out_error("~/%s: %s; nono cannot keep the programs "
				  "%s starts from it out of the sandbox's "
				  "reach",
				  s->g->rel,
				  got == GOT_OTHER
				      ? "not a regular file of yours (a "
					"symbolic link?)"
				  : got == GOT_BIG ? "larger than 16 MiB"
						   : strerror(err),
				  s->g->agent);
			out_hint("let the sandbox change it unguarded: "
				 "--bypass-protection ~/%s",
				 s->g->rel);
			close(homefd);
			return -1;
		}
		s->mode = st.st_mode & 07777;
		if (nono_agentcfg_parse(s->bytes, s->len, &s->tree, &je) < 0)
			snprintf(s->why, sizeof(s->why), "line %u: %s", je.line,
				 je.msg[0] ? je.msg : "no memory");
	}
	close(homefd);
	return 0;
}

/* The audit trail's record of what was put back. */
static void audit(struct run_ctx *c, const struct snap *s,
		  const struct strv *keys, int nkeys, const char *whole)
{
	struct nono_ev e;
	char path[PATH_MAX];

	if (!c->rt.audit)
		return;
	snprintf(path, sizeof(path), "%s/%s", c->p.home, s->g->rel);
	nono_ev_begin(&e, "agent_config_restored");
	nono_ev_str(&e, "path", path);
	nono_ev_str(&e, "agent", s->g->agent);
	if (whole) {
		nono_ev_str(&e, "restored", "file");
		nono_ev_str(&e, "reason", whole);
	} else {
		nono_ev_str(&e, "restored", "keys");
		nono_ev_strv(&e, "keys", keys->v, keys->n);
		nono_ev_int(&e, "changed", nkeys);
	}
	if (nono_ev_end(&e) == 0)
		nono_audit_emit_always(c->rt.audit, &e);
	else
		nono_ev_free(&e);
}

/* The whole file back as it was at the start (or gone, as it was), for
 * what cannot be merged: @why says what the sandbox left. */
static int restore_whole(struct run_ctx *c, const struct snap *s,
			 const char *why)
{
	int r = 0;

	if (s->absent) {
		if (unlinkat(s->dirfd, s->base, 0) < 0 && errno != ENOENT)
			r = -errno;
	} else {
		r = replace(s, s->bytes, s->len, s->mode);
	}
	if (r < 0) {
		out_error("~/%s: %s, and it cannot be put back as it was: %s; "
			  "check it before you run %s without nono",
			  s->g->rel, why, strerror(-r), s->g->agent);
		return -1;
	}
	out_security_warn("~/%s: %s; %s as it was at the start, so that %s "
			  "starts no program the sandbox named there",
			  s->g->rel, why, s->absent ? "removed," : "put back",
			  s->g->agent);
	out_hint("to let the sandbox change it: --bypass-protection ~/%s",
		 s->g->rel);
	audit(c, s, NULL, 0, why);
	return 0;
}

/* The keys back where the sandbox changed them; the rest is its.  -1
 * when they could not be put back. */
static int check_one(struct run_ctx *c, const struct snap *s)
{
	struct nono_json *now = NULL, *again = NULL;
	struct nono_json_error je;
	struct strv keys = {0}, left = {0};
	char *buf = NULL, *out = NULL, why[256], list[1024] = "";
	size_t len = 0, olen = 0, used = 0;
	struct stat st;
	int err, n, r, ret = 0;
	enum got got = read_now(s, &buf, &len, &st, &err);

	switch (got) {
	case GOT_ABSENT:
		if (!s->absent)
			ret = restore_whole(c, s, "removed by the sandbox");
		goto out;
	case GOT_OTHER:
		ret = restore_whole(c, s,
				    "replaced by a symbolic link or a file "
				    "that is not yours");
		goto out;
	case GOT_BIG:
		ret = restore_whole(c, s, "larger than 16 MiB");
		goto out;
	case GOT_ERR:
		snprintf(why, sizeof(why), "unreadable (%s)", strerror(err));
		ret = restore_whole(c, s, why);
		goto out;
	case GOT_FILE:
		break;
	}
	/* Untouched: not even rewritten. */
	if (!s->absent && len == s->len && memcmp(buf, s->bytes, len) == 0)
		goto out;
	if (!s->absent && !s->tree) {
		snprintf(why, sizeof(why),
			 "changed, and nono could not read its keys at the "
			 "start (%s)",
			 s->why);
		ret = restore_whole(c, s, why);
		goto out;
	}
	r = nono_agentcfg_parse(buf, len, &now, &je);
	if (r < 0) {
		/* What nono cannot read, it cannot vouch for (a duplicate
		 * key: JSON.parse takes the last one). */
		snprintf(why, sizeof(why),
			 "left as text nono does not read "
			 "as JSON (line %u: %s)",
			 je.line, je.msg[0] ? je.msg : "no memory");
		ret = restore_whole(c, s, why);
		goto out;
	}
	n = nono_agentcfg_diff(s->g, s->tree, now, &keys);
	if (n == 0)
		goto out;
	if (n < 0) {
		ret = restore_whole(c, s, "changed (no memory to compare it)");
		goto out;
	}
	/* The merged file, checked before it replaces anything: it reads
	 * back, with none of the keys left different. */
	r = nono_agentcfg_merge(s->g, s->tree, now, &out, &olen);
	if (r == 0)
		r = nono_agentcfg_parse(out, olen, &again, &je);
	if (r == 0 && nono_agentcfg_diff(s->g, s->tree, again, &left) != 0)
		r = -EPROTO;
	if (r == 0)
		r = replace(s, out, olen, st.st_mode & 07777);
	if (r < 0) {
		snprintf(why, sizeof(why),
			 "changed keys that start programs, which could not "
			 "be merged (%s)",
			 strerror(-r));
		ret = restore_whole(c, s, why);
		goto out;
	}
	for (size_t i = 0; i < keys.n && used + 1 < sizeof(list); i++) {
		int w = snprintf(list + used, sizeof(list) - used, "%s%s",
				 i ? ", " : "", keys.v[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	out_security_warn("~/%s: the sandbox changed %d key%s with which %s "
			  "starts programs outside nono; put back as they "
			  "were at the start: %s%s",
			  s->g->rel, n, n == 1 ? "" : "s", s->g->agent, list,
			  n > (int)keys.n || used + 1 >= sizeof(list) ? ", ..."
								      : "");
	out_hint("to let the sandbox change them: --bypass-protection ~/%s",
		 s->g->rel);
	audit(c, s, &keys, n, NULL);
out:
	strv_free_all(&keys);
	strv_free_all(&left);
	nono_json_free(now);
	nono_json_free(again);
	free(out);
	free(buf);
	return ret;
}

int run_agentcfg_end(struct run_ctx *c)
{
	struct run_agentcfg *a = c->rt.agentcfg;
	int r = 0;

	for (size_t i = 0; a && i < a->n; i++)
		if (check_one(c, &a->v[i]) < 0)
			r = -1;
	return r;
}

void run_agentcfg_free(struct run_ctx *c)
{
	struct run_agentcfg *a = c->rt.agentcfg;

	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		if (a->v[i].dirfd >= 0)
			close(a->v[i].dirfd);
		free(a->v[i].bytes);
		nono_json_free(a->v[i].tree);
	}
	free(a);
	c->rt.agentcfg = NULL;
}
