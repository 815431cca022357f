/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Starting the TLS interception helper (nono-tls, see src/tls/main.c) for
 * the proxy: found next to the nono binary or in libexecdir, run with a
 * SOCK_SEQPACKET channel on its fd 3.
 */
#ifndef NONO_PROXY_TLSHELPER_H
#define NONO_PROXY_TLSHELPER_H

#include <stddef.h>
#include <sys/types.h>

struct nono_tls_helper {
	pid_t pid;
	int chan;      /* our end of the channel */
	int dirfd;     /* the directory itself, for the clean-up */
	int parentfd;  /* the directory it was made in */
	char dir[160]; /* holds ca.pem and bundle.pem */
	char ca[192], bundle[192];
};

/* The helper's path in @out (@len bytes); -1 when it is not installed. */
int nono_tls_helper_find(char *out, size_t len);

/* Makes the session directory (mode 0700) in $XDG_RUNTIME_DIR when it is
 * a private directory of ours, where the sandbox cannot write, else in
 * /tmp.  Returns 0 or -1 (errno set). */
int nono_tls_helper_mkdir(struct nono_tls_helper *h);

/*
 * Starts @exe with --dir and a --rule per entry of @rules (@n), and waits
 * (up to 10 s) for it to say it is ready.  Returns 0, or -1 with @err
 * (@errlen bytes) saying why.
 */
int nono_tls_helper_start(struct nono_tls_helper *h, const char *exe,
			  char *const *rules, size_t n, char *err,
			  size_t errlen);

/* Stops it (closing the channel ends it) and removes the directory, by
 * the fds taken when it was made: never by a path, which the sandbox
 * could have pointed elsewhere.  Safe on a helper never started. */
void nono_tls_helper_stop(struct nono_tls_helper *h);

#endif
