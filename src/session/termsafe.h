/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the sandbox printed, made safe for the user's terminal (nono logs
 * on a terminal): colours (SGR) and cursor movement pass; queries (whose
 * answers a terminal types into whatever reads it next: the user's
 * shell), mode switches, OSC (clipboard, title), DCS, APC, PM and SOS
 * strings, C1 controls and other control bytes but \n \r \t \b do not.
 * Valid UTF-8 passes whole; stray continuation bytes do not.  Sequences
 * may be split across calls.  fuzz/fuzz_termsafe.c checks what comes out.
 */
#ifndef NONO_SESSION_TERMSAFE_H
#define NONO_SESSION_TERMSAFE_H

#include <stdbool.h>
#include <stddef.h>

struct nono_termsafe {
	unsigned char st;   /* 0 text, 1 ESC, 2 CSI, 3 string, 4 string ESC,
			     * 5 after a UTF-8 lead byte 0xc2 */
	bool osc;           /* the string is an OSC (BEL ends it too) */
	unsigned char cont; /* UTF-8 continuation bytes still to come */
	char seq[64];       /* the CSI so far */
	size_t n;
};

typedef void (*nono_termsafe_out)(void *arg, const char *p, size_t n);

/* Zero-initialise the state; then feed the bytes, in any chunks: what may
 * pass goes to @out. */
void nono_termsafe_filter(struct nono_termsafe *z, const char *data, size_t len,
			  nono_termsafe_out out, void *arg);

#endif
