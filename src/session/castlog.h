/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A session's logs: its terminal output as an asciicast v2 file
 * (https://docs.asciinema.org/manual/asciicast/v2/: a JSON header line,
 * then one [elapsed, "o", data] event per line, "r" for resizes), which
 * `asciinema play` and `nono logs` read, and its lifecycle as an event log
 * (one JSON object per line: start, attach, detach, signal, exit, ...).
 *
 * Output is buffered (a 1 GiB relay must not cost a write(2) per chunk);
 * nono_cast_flush() writes what is pending.  Output is taken as bytes:
 * valid UTF-8 is kept as is (a character split between two chunks is
 * carried to the next event), other bytes are written as \u00XX (their
 * Latin-1 code point), so every byte can be told back.
 */
#ifndef NONO_SESSION_CASTLOG_H
#define NONO_SESSION_CASTLOG_H

#include <stdbool.h>
#include <stddef.h>

struct nono_cast;

/*
 * Creates @name in directory @dirfd (O_EXCL, mode 0600, no symlink
 * followed) and writes the header: @cols x @rows, @start (Unix seconds),
 * @title and @term (TERM; either may be NULL).  NULL with errno set on
 * failure.
 */
struct nono_cast *nono_cast_create(int dirfd, const char *name, unsigned cols,
				   unsigned rows, double start,
				   const char *title, const char *term);
/* Output at @elapsed seconds since the start.  0, or -errno. */
int nono_cast_output(struct nono_cast *c, double elapsed, const char *buf,
		     size_t len);
/* A resize ("r" event, "COLSxROWS").  0, or -errno. */
int nono_cast_resize(struct nono_cast *c, double elapsed, unsigned cols,
		     unsigned rows);
/*
 * A ceiling on the file: once it holds @max bytes, or the filesystem has
 * less than @min_free bytes left (checked at each write), one marker event
 * ([t, "m", "..."]) says why and the rest of the output is not recorded:
 * nono_cast_output and nono_cast_resize then return -EFBIG (-ENOSPC for
 * the disk).  The command's output is the sandbox's to choose, the disk
 * is not.  0 for either means no such limit.
 */
void nono_cast_set_limit(struct nono_cast *c, unsigned long long max,
			 unsigned long long min_free);

/* Writes what is buffered (a carried partial character stays). */
int nono_cast_flush(struct nono_cast *c);
/* Flushes everything (a carried partial character as \u00XX), closes. */
void nono_cast_close(struct nono_cast *c);

/*
 * Reads an asciicast v2 file (untrusted: checked, never trusted) and calls
 * @fn for the header's width and height once (type 'h', data "") and then
 * for each event: its time, type ('o', 'i', 'r', 'm'...) and decoded data
 * (\u00XX back to the byte; other escapes decoded as UTF-8).  A malformed
 * line stops the read with -EINVAL (what came before was delivered); @fn
 * returning non-zero stops it with that value.  0 at the end.
 */
typedef int (*nono_cast_fn)(void *arg, double t, char type, const char *data,
			    size_t len, unsigned cols, unsigned rows);
int nono_cast_read(int fd, nono_cast_fn fn, void *arg);
/* The same over a buffer (for the fuzzer and tests). */
int nono_cast_parse(const char *buf, size_t len, nono_cast_fn fn, void *arg);

/* One field of an event. */
struct nono_event_field {
	const char *key;
	const char *str; /* a string value, or NULL for @num */
	long long num;
};

/*
 * Appends one event line {"time":"<ISO 8601 UTC>","event":@type,<fields>}
 * to @fd (opened O_APPEND) with a single write(2), so that lines from
 * concurrent writers never interleave.  Strings are JSON-escaped.  0, or
 * -errno.
 */
int nono_event_append(int fd, const char *type,
		      const struct nono_event_field *f, size_t n);

#endif
