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
	int chan;     /* our end of the channel */
	char dir[64]; /* holds ca.pem and bundle.pem */
	char ca[96], bundle[96];
};

/* The helper's path in @out (@len bytes); -1 when it is not installed. */
int nono_tls_helper_find(char *out, size_t len);

/* Makes the session directory (mode 0700, under $TMPDIR or /tmp). */
int nono_tls_helper_mkdir(struct nono_tls_helper *h);

/*
 * Starts @exe with --dir and a --rule per entry of @rules (@n), and waits
 * (up to 10 s) for it to say it is ready.  Returns 0, or -1 with @err
 * (@errlen bytes) saying why.
 */
int nono_tls_helper_start(struct nono_tls_helper *h, const char *exe,
			  char *const *rules, size_t n, char *err,
			  size_t errlen);

/* Stops it (closing the channel ends it) and removes the directory. */
void nono_tls_helper_stop(struct nono_tls_helper *h);

#endif
