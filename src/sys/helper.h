/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Locating nono's helper executables (nono-tls, nono-keystore): the native
 * glibc programs that the static nono binary cannot contain.
 */
#ifndef NONO_SYS_HELPER_H
#define NONO_SYS_HELPER_H

#include <stddef.h>

/*
 * Writes the path of the helper @name into @out (@len bytes): the one next
 * to the running nono binary when it is executable there, else the one in
 * libexecdir (NONO_LIBEXECDIR).  Returns 0, or -1 when neither exists or
 * the path does not fit (@out then holds the libexecdir path, for
 * messages).  @name is a plain file name, never a path.
 */
int nono_helper_find(const char *name, char *out, size_t len)
    __attribute__((warn_unused_result));

#endif
