// SPDX-License-Identifier: Apache-2.0
/* The path system calls, decoded for nono learn (see calls.h). */
#include <fcntl.h>
#include <sys/syscall.h>

#include "learn/calls.h"

/* How a call's flags argument changes what it does. */
enum flags_kind {
	F_NONE,
	F_OPEN,    /* open(2) flags: the access, O_CREAT, O_NOFOLLOW */
	F_OPENAT2, /* struct open_how in memory (read by the tracer) */
	F_AT,      /* AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH */
	F_LINKAT,  /* AT_SYMLINK_FOLLOW, AT_EMPTY_PATH (the old path) */
	F_CREAT,   /* creat(2): O_CREAT|O_WRONLY|O_TRUNC */
};

struct call {
	int nr;
	const char *name;
	unsigned char nref;
	/* Per path: the argument holding its directory fd (-1: AT_FDCWD),
	 * its address, what is done to it, whether the last symlink is
	 * followed (before the flags say otherwise). */
	signed char dfd[2];
	signed char path[2];
	unsigned ops[2];
	bool follow[2];
	signed char flags; /* the flags argument, or -1 */
	enum flags_kind fk;
};

#define S LEARN_STAT
#define R LEARN_READ
#define W LEARN_WRITE
#define X LEARN_EXEC
#define M LEARN_MAKE

/* One path at (dirfd argument @d, path argument @p). */
#define ONE(nr_, d, p, o, fol, fa, k)                                          \
	{                                                                      \
		(nr_), &(#nr_)[5], 1, {(d), -1}, {(p), -1}, {(o), 0},          \
		    {(fol), false}, (fa), (k)                                  \
	}
/* Two paths (rename, link, symlink's new name only counts once). */
#define TWO(nr_, d0, p0, o0, d1, p1, o1, fa, k)                                \
	{                                                                      \
		(nr_), &(#nr_)[5], 2, {(d0), (d1)}, {(p0), (p1)},              \
		    {(o0), (o1)}, {false, false}, (fa), (k)                    \
	}

static const struct call calls[] = {
#ifdef __NR_open
    ONE(__NR_open, -1, 0, 0, true, 1, F_OPEN),
#endif
#ifdef __NR_creat
    ONE(__NR_creat, -1, 0, 0, true, -1, F_CREAT),
#endif
    ONE(__NR_openat, 0, 1, 0, true, 2, F_OPEN),
#ifdef __NR_openat2
    ONE(__NR_openat2, 0, 1, 0, true, 2, F_OPENAT2),
#endif
#ifdef __NR_stat
    ONE(__NR_stat, -1, 0, S, true, -1, F_NONE),
#endif
#ifdef __NR_lstat
    ONE(__NR_lstat, -1, 0, S, false, -1, F_NONE),
#endif
#ifdef __NR_newfstatat
    ONE(__NR_newfstatat, 0, 1, S, true, 3, F_AT),
#endif
#ifdef __NR_fstatat64
    ONE(__NR_fstatat64, 0, 1, S, true, 3, F_AT),
#endif
    ONE(__NR_statx, 0, 1, S, true, 2, F_AT),
#ifdef __NR_access
    ONE(__NR_access, -1, 0, S, true, -1, F_NONE),
#endif
    ONE(__NR_faccessat, 0, 1, S, true, -1, F_NONE),
#ifdef __NR_faccessat2
    ONE(__NR_faccessat2, 0, 1, S, true, 3, F_AT),
#endif
#ifdef __NR_readlink
    ONE(__NR_readlink, -1, 0, S, false, -1, F_NONE),
#endif
    ONE(__NR_readlinkat, 0, 1, S, false, -1, F_NONE),
    ONE(__NR_execve, -1, 0, X, true, -1, F_NONE),
    ONE(__NR_execveat, 0, 1, X, true, 4, F_AT),
#ifdef __NR_mkdir
    ONE(__NR_mkdir, -1, 0, M, false, -1, F_NONE),
#endif
    ONE(__NR_mkdirat, 0, 1, M, false, -1, F_NONE),
#ifdef __NR_mknod
    ONE(__NR_mknod, -1, 0, M, false, -1, F_NONE),
#endif
    ONE(__NR_mknodat, 0, 1, M, false, -1, F_NONE),
#ifdef __NR_rmdir
    ONE(__NR_rmdir, -1, 0, M, false, -1, F_NONE),
#endif
#ifdef __NR_unlink
    ONE(__NR_unlink, -1, 0, M, false, -1, F_NONE),
#endif
    ONE(__NR_unlinkat, 0, 1, M, false, -1, F_NONE),
#ifdef __NR_symlink
    /* symlink(target, linkpath): the target is text, not a lookup. */
    ONE(__NR_symlink, -1, 1, M, false, -1, F_NONE),
#endif
    ONE(__NR_symlinkat, 1, 2, M, false, -1, F_NONE),
#ifdef __NR_rename
    TWO(__NR_rename, -1, 0, M, -1, 1, M, -1, F_NONE),
#endif
#ifdef __NR_renameat
    TWO(__NR_renameat, 0, 1, M, 2, 3, M, -1, F_NONE),
#endif
    TWO(__NR_renameat2, 0, 1, M, 2, 3, M, -1, F_NONE),
#ifdef __NR_link
    TWO(__NR_link, -1, 0, R, -1, 1, M, -1, F_NONE),
#endif
    TWO(__NR_linkat, 0, 1, R, 2, 3, M, 4, F_LINKAT),
#ifdef __NR_chmod
    ONE(__NR_chmod, -1, 0, W, true, -1, F_NONE),
#endif
    ONE(__NR_fchmodat, 0, 1, W, true, -1, F_NONE),
#ifdef __NR_chown
    ONE(__NR_chown, -1, 0, W, true, -1, F_NONE),
#endif
#ifdef __NR_lchown
    ONE(__NR_lchown, -1, 0, W, false, -1, F_NONE),
#endif
    ONE(__NR_fchownat, 0, 1, W, true, 4, F_AT),
#ifdef __NR_utime
    ONE(__NR_utime, -1, 0, W, true, -1, F_NONE),
#endif
#ifdef __NR_utimes
    ONE(__NR_utimes, -1, 0, W, true, -1, F_NONE),
#endif
#ifdef __NR_futimesat
    ONE(__NR_futimesat, 0, 1, W, true, -1, F_NONE),
#endif
    ONE(__NR_utimensat, 0, 1, W, true, 3, F_AT),
    ONE(__NR_truncate, -1, 0, W, true, -1, F_NONE),
    ONE(__NR_setxattr, -1, 0, W, true, -1, F_NONE),
    ONE(__NR_lsetxattr, -1, 0, W, false, -1, F_NONE),
    ONE(__NR_removexattr, -1, 0, W, true, -1, F_NONE),
    ONE(__NR_lremovexattr, -1, 0, W, false, -1, F_NONE),
    ONE(__NR_getxattr, -1, 0, S, true, -1, F_NONE),
    ONE(__NR_lgetxattr, -1, 0, S, false, -1, F_NONE),
    ONE(__NR_listxattr, -1, 0, S, true, -1, F_NONE),
    ONE(__NR_llistxattr, -1, 0, S, false, -1, F_NONE),
    ONE(__NR_chdir, -1, 0, S, true, -1, F_NONE),
    ONE(__NR_statfs, -1, 0, S, true, -1, F_NONE),
    ONE(__NR_inotify_add_watch, -1, 1, S, true, -1, F_NONE),
};

#undef S
#undef R
#undef W
#undef X
#undef M

unsigned learn_open_ops(uint64_t flags)
{
	unsigned ops = 0;

	if (flags & O_PATH)
		return LEARN_STAT; /* a handle: nothing read or written */
	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		ops = LEARN_READ;
		break;
	case O_WRONLY:
		ops = LEARN_WRITE;
		break;
	default:
		ops = LEARN_READ | LEARN_WRITE;
		break;
	}
	if (flags & O_TRUNC)
		ops |= LEARN_WRITE;
	if (flags & O_CREAT)
		ops |= LEARN_MAKE | LEARN_WRITE;
	if ((flags & O_DIRECTORY) && (ops & LEARN_READ))
		ops = (ops & ~LEARN_READ) | LEARN_LIST;
	return ops;
}

size_t learn_call_refs(long nr, const uint64_t args[6], struct learn_ref out[2],
		       const char **name)
{
	const struct call *c = NULL;
	uint64_t fl;

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (calls[i].nr == nr) {
			c = &calls[i];
			break;
		}
	if (!c)
		return 0;
	if (name)
		*name = c->name;
	fl = c->flags >= 0 ? args[(int)c->flags] : 0;
	for (unsigned k = 0; k < c->nref; k++) {
		struct learn_ref *r = &out[k];

		r->dirfd = c->dfd[k] < 0 ? AT_FDCWD : (int)args[(int)c->dfd[k]];
		r->addr = args[(int)c->path[k]];
		r->ops = c->ops[k];
		r->follow = c->follow[k];
		r->empty_ok = false;
		r->how = 0;
		switch (c->fk) {
		case F_OPEN:
			r->ops = learn_open_ops(fl);
			r->follow = !(fl & O_NOFOLLOW);
			break;
		case F_CREAT:
			r->ops = learn_open_ops(O_CREAT | O_WRONLY | O_TRUNC);
			break;
		case F_OPENAT2:
			r->how = args[2]; /* flags: read by the tracer */
			break;
		case F_AT:
			if (fl & AT_SYMLINK_NOFOLLOW)
				r->follow = false;
			r->empty_ok = (fl & AT_EMPTY_PATH) != 0;
			break;
		case F_LINKAT:
			if (k == 0) {
				r->follow = (fl & AT_SYMLINK_FOLLOW) != 0;
				r->empty_ok = (fl & AT_EMPTY_PATH) != 0;
			}
			break;
		case F_NONE:
			break;
		}
	}
	return c->nref;
}

size_t learn_call_count(void)
{
	return sizeof(calls) / sizeof(calls[0]);
}

int learn_call_nr(size_t i)
{
	return i < learn_call_count() ? calls[i].nr : -1;
}

bool learn_call_looks(size_t i)
{
	if (i >= learn_call_count())
		return false;
	for (unsigned k = 0; k < calls[i].nref; k++)
		if (calls[i].ops[k] != LEARN_STAT)
			return false;
	return true;
}
