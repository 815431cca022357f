// SPDX-License-Identifier: Apache-2.0
/*
 * The live session's filter on the command's output (see oscfilter.h).
 * OSC strings pass only with a plain number from a short list (titles,
 * the working directory, hyperlinks, colours, notifications, prompt
 * marks); any other, or one whose number is not plain digits (terminals
 * skip control bytes there: "ESC ] 5 \x01 2" reads as 52 in some), is
 * dropped up to its end and a CAN left in its place.  DCS strings are
 * dropped whole (tmux's passthrough carries any sequence inside).  The
 * 8-bit C1 introducers count too, raw (0x9d, 0x90: where they do not
 * continue a UTF-8 character) or encoded (C2 9D, C2 90).  As a terminal
 * reads them: BEL or ST ends an OSC, ST a DCS; another ESC ends the
 * string and starts a sequence of its own; CAN and SUB cancel it.
 */
#include <stdbool.h>
#include <string.h>

#include "session/oscfilter.h"

enum {
	S_NORM = 0,
	S_ESC,      /* ESC held */
	S_C2,       /* 0xc2 held: U+0080-U+009F would follow */
	S_NUM,      /* an OSC's introducer and digits held */
	S_DROP,     /* inside an OSC that is not passed: dropped */
	S_DROP_ESC, /* ESC inside it: ST if '\' follows */
	S_DCS,      /* inside a DCS: dropped */
	S_DCS_ESC,  /* ESC inside it */
};

#define ESC 0x1b
#define BEL 0x07
#define CAN 0x18
#define SUB 0x1a

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

/* The OSCs a terminal may get from a sandbox: nothing that reads or
 * writes the clipboard (52, kitty's 5522, iTerm2's 1337) or files. */
static bool passed(unsigned num)
{
	static const unsigned short ok[] = {
	    0,   1,   2,   4,   7,   8,   9,   10,  11,  12,  13,
	    14,  15,  16,  17,  18,  19,  104, 110, 111, 112, 113,
	    114, 115, 116, 117, 118, 119, 133, 633, 777};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (ok[i] == num)
			return true;
	return false;
}

/* Where a dropped string began: a CAN, which cancels whatever the
 * terminal had pending (a lone ESC before it, a sequence cut short), as
 * the string's own introducer did, so that the bytes on either side
 * cannot join into a sequence of their own; one byte in place of at
 * least one, never more out than in. */
static size_t cancel(char *out)
{
	out[0] = CAN;
	return 1;
}

/* A UTF-8 lead byte: how many continuation bytes follow it. */
static unsigned char conts(unsigned char c)
{
	return c >= 0xc0 && c <= 0xdf   ? 1
	       : c >= 0xe0 && c <= 0xef ? 2
	       : c >= 0xf0 && c <= 0xf7 ? 3
					: 0;
}

static void start_num(struct nono_oscf *f)
{
	f->num = 0;
	f->ndig = 0;
	f->st = S_NUM;
}

size_t nono_oscf_run(struct nono_oscf *f, const char *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

	again:
		switch (f->st) {
		case S_NORM:
			if (f->cont && c >= 0x80 && c <= 0xbf) {
				f->cont--;
				out[o++] = (char)c;
				break;
			}
			f->cont = 0;
			if (c == ESC || c == 0xc2 || c == 0x9d) {
				f->hold[0] = (char)c;
				f->nhold = 1;
				if (c == 0x9d)
					start_num(f);
				else
					f->st = c == ESC ? S_ESC : S_C2;
			} else if (c == 0x90) {
				o += cancel(out + o);
				f->st = S_DCS;
			} else {
				f->cont = conts(c);
				out[o++] = (char)c;
			}
			break;
		case S_ESC:
		case S_C2: {
			/* The introducer's second byte: ESC ] or C2 9D for an
			 * OSC, ESC P or C2 90 for a DCS. */
			bool esc = f->st == S_ESC;

			if (c == (esc ? ']' : 0x9d)) {
				f->hold[f->nhold++] = (char)c;
				start_num(f);
				break;
			}
			if (c == (esc ? 'P' : 0x90)) {
				f->nhold = 0;
				o += cancel(out + o);
				f->st = S_DCS;
				break;
			}
			o += flush(f, out + o);
			f->st = S_NORM;
			f->cont = esc ? 0 : 1; /* C2 began a character */
			goto again;
		}
		case S_NUM:
			if (c >= '0' && c <= '9' && f->nhold < NONO_OSCF_HOLD) {
				unsigned v = f->num * 10u + (unsigned)(c - '0');

				f->num = (unsigned short)(v > 9999 ? 9999 : v);
				f->ndig++;
				f->hold[f->nhold++] = (char)c;
				break;
			}
			if (f->ndig &&
			    (c == ';' || c == BEL || c == ESC || c == 0x9c ||
			     c == CAN || c == SUB) &&
			    passed(f->num)) {
				/* Its string passes: the terminal ends it
				 * where this filter sees it end. */
				o += flush(f, out + o);
				f->st = S_NORM;
				goto again;
			}
			o += cancel(out + o);
			f->nhold = 0;
			f->st = S_DROP;
			if (c == ';')
				break;
			goto again;
		case S_DROP:
			if (c == BEL || c == CAN || c == SUB || c == 0x9c)
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
		case S_DCS:
			if (c == CAN || c == SUB || c == 0x9c)
				f->st = S_NORM;
			else if (c == ESC)
				f->st = S_DCS_ESC;
			break;
		case S_DCS_ESC:
			/* ESC ESC is tmux's escaped ESC: still inside. */
			f->st = c == '\\' ? S_NORM : S_DCS;
			break;
		}
	}
	return o;
}
