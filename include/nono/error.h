/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Error codes of libnono.  Fallible functions return 0 on success or a
 * negative value: -errno where errno has a fitting name, otherwise one of the
 * -NONO_E* codes below.  nono_strerror() describes either kind.
 */
#ifndef NONO_ERROR_H
#define NONO_ERROR_H

enum {
	/* Start above the errno range so the two never collide. */
	NONO_EBASE = 4096,
	NONO_ENOLANDLOCK,  /* the kernel has no usable Landlock */
	NONO_EUNSUPPORTED, /* a requested restriction cannot be enforced */
	NONO_ECONFLICT,    /* grants conflict with a protected path */
	NONO_ENOUSERNS,    /* user namespaces are unavailable */
	NONO_ESECCOMP,     /* the seccomp filter could not be built */
	NONO_EPARSE,       /* malformed input */
	NONO_ETOOBIG,      /* input over its size ceiling */
	NONO_ECHANGED,     /* a path is no longer the object planned for */
	NONO_ELAST,
};

/* Describes @err (0, -errno or -NONO_E*).  Returns a static string. */
const char *nono_strerror(int err);

#endif
