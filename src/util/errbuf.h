/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one-line error messages that parsers and loaders hand back to their
 * caller in a buffer (which then prints it and exits 1).
 */
#ifndef NONO_UTIL_ERRBUF_H
#define NONO_UTIL_ERRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Formats the message into @err (@len bytes; nothing when NULL or 0) and
 * returns -1, so that `return nono_errf(err, len, ...)` reports a failure. */
static inline int nono_errf(char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline int nono_errf(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || len == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

#endif
