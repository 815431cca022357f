/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Scope-bound cleanup helpers: variables declared with these attributes are
 * released when they leave scope unless ownership is handed over with
 * nono_steal_ptr()/nono_steal_fd().
 */
#ifndef NONO_UTIL_CLEANUP_H
#define NONO_UTIL_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void nono_freep(void *p)
{
	free(*(void **)p);
}

static inline void nono_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
	}
}

static inline void nono_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define nono_autofree __attribute__((cleanup(nono_freep)))
#define nono_autoclose __attribute__((cleanup(nono_closep)))
#define nono_autofclose __attribute__((cleanup(nono_fclosep)))

static inline void *nono_steal_ptr_impl(void *pp)
{
	void **p = pp;
	void *v = *p;

	*p = NULL;
	return v;
}

static inline int nono_steal_fd(int *fd)
{
	int v = *fd;

	*fd = -1;
	return v;
}

#define nono_steal_ptr(pp) nono_steal_ptr_impl((void *)(pp))

#define NONO_WUR __attribute__((warn_unused_result))
#define NONO_PRINTF(a, b) __attribute__((format(printf, a, b)))

#endif
