/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a live session keeps from the user's terminal: OSC strings but a
 * short list (titles, hyperlinks, colours, prompt marks), so never the
 * clipboard (OSC 52, kitty's 5522, iTerm2's 1337: a write puts text the
 * user may paste into an unsandboxed shell, a query reads it back), and
 * DCS strings (tmux's passthrough carries any sequence).  Everything else
 * passes as it is (nono logs filters far more: termsafe.c).  Input may be
 * split anywhere; fuzz/fuzz_oscfilter.c checks that the pieces make the
 * same output as the whole, and that no such string is left in it.
 */
#ifndef NONO_SESSION_OSCFILTER_H
#define NONO_SESSION_OSCFILTER_H

#include <stddef.h>

#define NONO_OSCF_HOLD 8 /* most bytes held back between calls */

struct nono_oscf {
	unsigned char st;
	unsigned char nhold;
	unsigned char cont; /* UTF-8 continuation bytes still expected */
	unsigned char lo;   /* the range the next one may take */
	unsigned char hi;
	unsigned char ndig; /* digits of the OSC's number so far */
	unsigned short num; /* its value (at most 9999) */
	char hold[NONO_OSCF_HOLD];
};

void nono_oscf_init(struct nono_oscf *f);
/* Filters @n bytes of @in into @out, which has room for @n +
 * NONO_OSCF_HOLD bytes; returns how many it wrote (bytes that may start
 * an OSC 52 are held until the next call). */
size_t nono_oscf_run(struct nono_oscf *f, const char *in, size_t n, char *out);

#endif
