// SPDX-License-Identifier: Apache-2.0
/*
 * The live session's OSC 52 filter (see oscfilter.h).  As a terminal reads
 * it: ESC ] starts an OSC, its number runs to ';' (or the end of the
 * string), and the string ends at BEL or ST (ESC \); another ESC ends it
 * and starts a sequence of its own, CAN and SUB cancel it.
 */
#include <stdbool.h>
#include <string.h>

#include "session/oscfilter.h"

enum {
	S_NORM = 0,
	S_ESC,      /* ESC held */
	S_NUM,      /* ESC ] and digits held */
	S_DROP,     /* inside an OSC 52: dropped */
	S_DROP_ESC, /* ESC inside it: ST if '\' follows */
};

#define ESC 0x1b
#define BEL 0x07

void nono_oscf_init(struct nono_oscf *f)
{
	memset(f, 0, sizeof(*f));
}

static size_t flush(struct nono_oscf *f, char *out)
{
	size_t n = f->nhold;

	memcpy(out, f->hold, n);
	f->nhold = 0;
	return n;
}

/* The held number is 52 (as a terminal reads it: "052" too). */
static bool is52(const struct nono_oscf *f)
{
	return f->nhold > 2 && f->num == 52;
}

size_t nono_oscf_run(struct nono_oscf *f, const char *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

	again:
		switch (f->st) {
		case S_NORM:
			if (c == ESC) {
				f->hold[0] = (char)c;
				f->nhold = 1;
				f->st = S_ESC;
			} else {
				out[o++] = (char)c;
			}
			break;
		case S_ESC:
			if (c == ']') {
				f->hold[f->nhold++] = (char)c;
				f->num = 0;
				f->st = S_NUM;
				break;
			}
			o += flush(f, out + o);
			f->st = S_NORM;
			goto again;
		case S_NUM:
			if (c >= '0' && c <= '9') {
				unsigned v = f->num * 10u + (c - '0');

				/* Leading zeros change no number: one is
				 * kept, the rest are not held (they would
				 * fill the hold and let "00...052" by). */
				if (c == '0' && f->num == 0 && f->nhold > 2)
					break;
				f->num = (unsigned short)(v > 9999 ? 9999 : v);
				if (f->nhold < NONO_OSCF_HOLD) {
					f->hold[f->nhold++] = (char)c;
					break;
				}
			}
			if (is52(f) && (c == ';' || c == BEL || c == ESC)) {
				/* In its place an ST: what the terminal had
				 * pending ends there, as at the OSC's own
				 * ESC, so the bytes on either side cannot
				 * join into a sequence of their own. */
				out[o++] = ESC;
				out[o++] = '\\';
				f->nhold = 0;
				f->st = c == ';'   ? S_DROP
					: c == ESC ? S_DROP_ESC
						   : S_NORM;
				break;
			}
			/* Another OSC (a title, a hyperlink): passed on. */
			o += flush(f, out + o);
			f->st = S_NORM;
			goto again;
		case S_DROP:
			if (c == BEL || c == 0x18 || c == 0x1a)
				f->st = S_NORM;
			else if (c == ESC)
				f->st = S_DROP_ESC;
			break;
		case S_DROP_ESC:
			if (c == '\\') {
				f->st = S_NORM;
				break;
			}
			/* The ESC ended the string and starts a sequence. */
			f->hold[0] = ESC;
			f->nhold = 1;
			f->st = S_ESC;
			goto again;
		}
	}
	return o;
}
