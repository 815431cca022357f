/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a live session keeps from the user's terminal: OSC 52, the
 * clipboard (a write puts text the user may paste into an unsandboxed
 * shell; a query reads the clipboard back), from the command's output.
 * Everything else passes as it is (nono logs filters far more:
 * termsafe.c).  Input may be split anywhere; fuzz/fuzz_oscfilter.c checks
 * that the pieces make the same output as the whole.
 */
#ifndef NONO_SESSION_OSCFILTER_H
#define NONO_SESSION_OSCFILTER_H

#include <stddef.h>

#define NONO_OSCF_HOLD 8 /* most bytes held back between calls */

struct nono_oscf {
	unsigned char st;
	unsigned char nhold;
	unsigned short num; /* the OSC's number so far (at most 9999) */
	char hold[NONO_OSCF_HOLD];
};

void nono_oscf_init(struct nono_oscf *f);
/* Filters @n bytes of @in into @out, which has room for @n +
 * NONO_OSCF_HOLD bytes; returns how many it wrote (bytes that may start
 * an OSC 52 are held until the next call). */
size_t nono_oscf_run(struct nono_oscf *f, const char *in, size_t n, char *out);

#endif
