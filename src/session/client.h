/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client side of a session's attach socket: nono attach (the user's
 * terminal relayed to the session until the detach keys, or until the
 * command ends) and nono detach (asks the session to let its controlling
 * client go).
 */
#ifndef NONO_SESSION_CLIENT_H
#define NONO_SESSION_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

struct nono_attach_opts {
	bool read_only;
	/* The detach keys: @prefix then @key (Ctrl-] d by default); the
	 * prefix twice sends one prefix through. */
	unsigned char prefix, key;
	/* How long to wait for the supervisor to answer (ms). */
	unsigned timeout_ms;
};

enum {
	NONO_ATTACH_DETACHED = 0, /* the user (or nono detach) detached */
	NONO_ATTACH_ENDED = 1,    /* the command ended: *status */
};

/*
 * Attaches the calling terminal (stdin/stdout; raw mode while attached
 * when stdin is one) to the session whose directory is @dirfd.  Returns
 * NONO_ATTACH_DETACHED, NONO_ATTACH_ENDED with *@status (shell style:
 * 128+N for a signal), or -errno with a one-line reason in @err (busy,
 * refused, no answer, the supervisor went away).
 */
int nono_session_attach(int dirfd, const struct nono_attach_opts *o,
			int *status, char *err, size_t errlen);

/* Asks the session to detach its controlling client.  0, or -errno with
 * @err. */
int nono_session_detach(int dirfd, unsigned timeout_ms, char *err,
			size_t errlen);

/* "ctrl-] d", "ctrl-a d", "C-b x": two keys into @prefix and @key.
 * 0, or -EINVAL. */
int nono_parse_detach_keys(const char *s, unsigned char *prefix,
			   unsigned char *key);

#endif
