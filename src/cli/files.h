/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing nono's own files (profiles) the way DESIGN.md asks: directories
 * 0700, files 0600, every write atomic (temporary file, fsync, rename).
 */
#ifndef NONO_CLI_FILES_H
#define NONO_CLI_FILES_H

#include <stdbool.h>
#include <stddef.h>

/* Creates every missing directory of @path, mode 0700: its parents, and
 * @path itself when @last.  Returns 0 or -errno. */
int cli_mkdirs(const char *path, bool last);

/*
 * Writes @len bytes of @text to @path atomically, mode 0600, creating its
 * directories.  An existing file is replaced only when @replace (it is then
 * kept as PATH.bak when @backup).  Returns 0, -EEXIST, or -errno.
 */
int cli_write_atomic(const char *path, const char *text, size_t len,
		     bool replace, bool backup);

#endif
